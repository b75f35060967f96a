"""GRPO with TRL's GRPOTrainer: a fresh LoRA on the merged SFT policy, rewarded by the task's reward functions.

The SFT adapter is merged into the base first, so the policy GRPO starts from is the SFT model and the new
adapter learns only the RL update. The published adapter therefore applies to base+SFT merged, not to the
base: `merged_from.json` next to it names both.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import mlflow
from transformers import TrainerCallback

from sciextract.config import Config
from sciextract.generate import vllm_available
from sciextract.modeling import MERGED_FROM_FILE, load_policy, lora_config, resolve_base
from sciextract.tasks.base import RewardFunction, Task, completion_text
from sciextract.tracking import inputs_hash
from sciextract.train.rewards import weighted_totals
from sciextract.train.common import (
    StepMetricsCallback,
    checkpoint_dir,
    checkpoint_step,
    last_checkpoint,
    model_identity,
    model_card,
    precision_flags,
    publish_adapter,
    train_or_restore,
    write_curve_csv,
)

log = logging.getLogger(__name__)

EMPTY_SHARE_ALARM = 0.5
"""Above this share of empty completions in a logging window the policy is collapsing to empty outputs."""
ZERO_SPREAD_KEY = "outputs/zero_spread_fraction"
EMPTY_SHARE_KEY = "outputs/empty_share"
MEAN_CHARS_KEY = "outputs/mean_completion_chars"


@dataclass
class OutputStats:
    """What the reward mean hides: groups that teach nothing (all completions scored alike, so every
    advantage is zero) and completions that are empty."""

    zero_spread_fraction: float
    empty_share: float
    mean_completion_chars: float

    def as_log(self) -> dict[str, float]:
        return {ZERO_SPREAD_KEY: self.zero_spread_fraction, EMPTY_SHARE_KEY: self.empty_share,
                MEAN_CHARS_KEY: self.mean_completion_chars}


def output_stats(texts: list[str], total_rewards: list[float], num_generations: int) -> OutputStats:
    """Stats of one scored batch whose completions come in groups of `num_generations` consecutive ones
    per prompt: TRL 1.16's RepeatSampler yields each prompt index `num_generations` times in a row, rewards
    are computed in that order, and TRL's own per-group advantage reshapes them with `view(-1, G)`."""
    if not texts or len(texts) % num_generations:
        raise ValueError(f"a batch of {len(texts)} completions does not split into groups of {num_generations}; "
                         "per_device_train_batch_size must be a multiple of grpo.num_generations")
    groups = [total_rewards[start:start + num_generations] for start in range(0, len(total_rewards), num_generations)]
    zero_spread = sum(max(group) - min(group) <= 1e-9 for group in groups)
    return OutputStats(zero_spread_fraction=zero_spread / len(groups),
                       empty_share=sum(not text.strip() for text in texts) / len(texts),
                       mean_completion_chars=sum(len(text) for text in texts) / len(texts))


class RewardRecorder:
    """Wraps a task's reward functions to see each batch's completions and component rewards together.

    TRL calls the reward functions one after another on the same batch; after the last one the recorder
    forms the weighted total per completion (as TRL does) and reports the batch's `OutputStats` through
    TRL's `log_metric` hook, which averages them per logging step into the trainer's logs (and so into
    MLflow, the CSV and the checkpointed log history). Gold still reaches every function per sample through
    the dataset columns, untouched.
    """

    def __init__(self, functions: list[RewardFunction], weights: list[float], num_generations: int):
        self.weights = weights
        self.num_generations = num_generations
        self.functions = [self._recording(index, function) for index, function in enumerate(functions)]
        self._batch_rewards: list[list[float]] = []

    def _recording(self, index: int, function: RewardFunction) -> RewardFunction:
        def reward(prompts: list, completions: list, *, log_metric, **columns) -> list[float]:
            rewards = function(prompts, completions, log_metric=log_metric, **columns)
            if index == 0:
                self._batch_rewards = []
            self._batch_rewards.append(rewards)
            if index == len(self.weights) - 1:
                for key, value in self.batch_stats(completions).as_log().items():
                    log_metric(key, value)
            return rewards

        reward.__name__ = function.__name__  # TRL logs each component under its function's name
        return reward

    def batch_stats(self, completions: list) -> OutputStats:
        """Stats of the batch whose component rewards were just recorded (None rewards count as 0)."""
        totals = weighted_totals(self.weights, self._batch_rewards)
        return output_stats([completion_text(c) for c in completions], totals, self.num_generations)


class EmptyOutputAlarm(TrainerCallback):
    """A loud warning for every logging step where most completions are empty."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        share = (logs or {}).get(EMPTY_SHARE_KEY)
        if share is not None and share > EMPTY_SHARE_ALARM:
            log.warning("GRPO step %d: %.0f%% of completions are EMPTY (alarm above %.0f%%): the policy is "
                        "collapsing to empty outputs; check the reward for empty answers, the learning rate and beta",
                        state.global_step, 100 * share, 100 * EMPTY_SHARE_ALARM)


def setup(task: Task, config: Config, data_dir: Path, base_dir: Path, sft_dir: Path):
    """Prompt dataset (one row per record, gold in its reward columns), the merged SFT policy, tokenizer."""
    from datasets import Dataset

    records = task.load_split(data_dir, "rl")
    if config.grpo.max_prompt_examples:
        records = records[: config.grpo.max_prompt_examples]
    dataset = Dataset.from_list([task.rl_example(r) for r in records])
    policy, tokenizer = load_policy(base_dir, sft_dir, config.model, for_training=True)
    return dataset, policy, tokenizer, resolve_base(base_dir)


def trainer_for(config: Config, dataset, policy, tokenizer, recorder: RewardRecorder, output_dir: Path,
                callbacks: list):
    """GRPOTrainer training a new LoRA (`peft_config`) on the merged SFT policy.

    Reference model (checked in TRL 1.16 `grpo_trainer.py`): with `beta == 0.0` TRL sets `ref_model = None`
    and skips the reference forward pass (`ref_per_token_logps = None`, no KL term). With `beta > 0` and a
    `peft_config`, it wraps the policy with `get_peft_model` and, having no separate `ref_model`, computes
    `ref_per_token_logps` under `use_adapter(model, None)`, i.e. `model.disable_adapter()`: the policy without
    the GRPO adapter, which here is exactly the merged SFT model. The KL term `beta * per_token_kl` is then
    added to the loss.
    """
    from trl import GRPOConfig, GRPOTrainer

    g = config.grpo
    use_vllm = config.model.generation_backend == "vllm"
    if use_vllm and not vllm_available():
        raise RuntimeError("model.generation_backend is vllm, but vllm or a CUDA GPU is missing; "
                           "set it to transformers on this machine")
    args = GRPOConfig(
        output_dir=str(output_dir),
        learning_rate=g.learning_rate,
        beta=g.beta,
        num_generations=g.num_generations,
        temperature=g.temperature,
        top_p=g.top_p,
        loss_type=g.loss_type,
        epsilon=g.epsilon,
        epsilon_high=g.epsilon_high,
        mask_truncated_completions=g.mask_truncated_completions,
        max_completion_length=g.max_completion_length,
        max_steps=g.max_steps,
        per_device_train_batch_size=g.per_device_train_batch_size,
        gradient_accumulation_steps=g.gradient_accumulation_steps,
        reward_weights=recorder.weights,
        activation_checkpointing=False,  # transformers 5 name of gradient_checkpointing; recomputing is slow on CPU
        use_vllm=use_vllm,
        vllm_mode="colocate",
        save_strategy="steps",
        save_steps=g.save_steps,
        save_total_limit=2,
        logging_steps=g.logging_steps,
        seed=g.seed,
        report_to="none",
        disable_tqdm=False,
        dataloader_num_workers=0,
        **precision_flags(config.model),
    )
    return GRPOTrainer(model=policy, reward_funcs=recorder.functions, args=args, train_dataset=dataset,
                       processing_class=tokenizer, peft_config=lora_config(g.lora, policy), callbacks=callbacks)


def _mean_logged(log_history: list[dict], key: str) -> float | None:
    values = [entry[key] for entry in log_history if entry.get(key) is not None]
    return sum(values) / len(values) if values else None


def run_grpo(task: Task, config: Config, *, data_dir: Path, base_dir: Path, sft_dir: Path, out_dir: Path,
             checkpoint_root: Path, curve_path: Path) -> dict:
    """Train, checkpointing every `save_steps`; a rerun of the same config, data and SFT adapter resumes.

    Returns metrics; the output stats are means over all logged steps, including those before a resume
    (the trainer's log history travels in the checkpoints).
    """
    dataset, policy, tokenizer, base = setup(task, config, data_dir, base_dir, sft_dir)
    functions, weights = task.reward_functions(config)
    recorder = RewardRecorder(functions, weights, config.grpo.num_generations)
    run_hash = inputs_hash({"grpo": dataclasses.asdict(config.grpo), "model": model_identity(config.model)},
                           [Path(data_dir) / "rl.jsonl", Path(sft_dir)])
    checkpoints = checkpoint_dir(checkpoint_root, run_hash)
    trainer = trainer_for(config, dataset, policy, tokenizer, recorder, checkpoints,
                          [EmptyOutputAlarm(), StepMetricsCallback()])
    resume = last_checkpoint(checkpoints)
    started = time.perf_counter()
    train_or_restore(trainer, resume)
    elapsed = time.perf_counter() - started
    write_curve_csv(trainer.state.log_history, curve_path)
    resumed_step = checkpoint_step(resume)
    steps_run = trainer.state.global_step - resumed_step
    history = trainer.state.log_history
    last_reward = next((entry["reward"] for entry in reversed(history) if "reward" in entry), None)
    logged = {
        "final_reward_mean": last_reward,
        "zero_spread_fraction": _mean_logged(history, ZERO_SPREAD_KEY),
        "empty_share": _mean_logged(history, EMPTY_SHARE_KEY),
        "mean_completion_chars": _mean_logged(history, MEAN_CHARS_KEY),
        "mean_completion_tokens": _mean_logged(history, "completions/mean_length"),
    }
    metrics = {
        **{key: round(value, 4) for key, value in logged.items() if value is not None},
        "train_steps": int(trainer.state.global_step),
        "train_prompts": len(dataset),
        "train_seconds": round(elapsed, 2),
        "seconds_per_step": round(elapsed / steps_run, 2) if steps_run else 0.0,
        "resumed_from_step": resumed_step,
    }
    mlflow.log_metrics({f"final/{k}": float(v) for k, v in metrics.items()})
    load_note = (f"This adapter was trained on `{base}` with the SFT adapter `{sft_dir}` merged in, not on the bare "
                 f"base; `{MERGED_FROM_FILE}` names both. `sciextract.modeling.load_policy(base_dir, this_folder, "
                 "model_config)` merges the chain for you.")
    card = model_card(title=f"{task.name} GRPO adapter", base_model=base, stage="grpo", task=task.name,
                      data={"split": f"{data_dir}/rl.jsonl", "prompts": len(dataset), "sft_adapter": str(sft_dir)},
                      params={**dataclasses.asdict(config.grpo), "reward_weights": dict(
                          zip([f.__name__ for f in functions], weights, strict=True))}, metrics=metrics,
                      load_note=load_note)
    publish_adapter(trainer, tokenizer, Path(out_dir), card,
                    extra_json={MERGED_FROM_FILE: {"base": base, "base_dir": str(base_dir), "sft_adapter": str(sft_dir)}})
    return metrics
