"""GRPO with TRL's GRPOTrainer: a fresh LoRA on the merged SFT policy, rewarded by the task's reward functions.

The SFT adapter is merged into the base first, so the policy GRPO starts from is the SFT model and the new
adapter learns only the RL update. The published adapter therefore applies to base+SFT merged, not to the
base: `merged_from.json` next to it names both.

The controls of the published recipes: the entropy bonus, the optimizer schedule, several updates per rollout
batch and vLLM's importance-sampling correction are TRL options (`grpo_args`); dynamic sampling (DAPO) and a
completions table in MLflow are what `SciextractGRPOTrainer` adds over TRL's trainer; rollouts through the
project's generator come in through TRL's `rollout_func` hook (`ProjectRollouts`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import logging
import math
import random
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import mlflow
import torch
import torch.nn.functional as F
from peft.utils.constants import SAFETENSORS_WEIGHTS_NAME
from transformers import TrainerCallback
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR
from trl import GRPOConfig, GRPOTrainer

from sciextract.config import Config, GRPOSettings
from sciextract.decoding import answer_grammar
from sciextract.errors import InputError
from sciextract.generate import (GenerationSettings, chat_prompts, generate_token_ids, generate_transformers,
                                 vllm_available)
from sciextract.io import sha256_json, write_json
from sciextract.modeling import MERGED_FROM_FILE, load_policy, lora_config, resolve_base
from sciextract.tasks.base import ARTICLE_SOURCE_COLUMN, RewardFunction, Task, completion_text
from sciextract.tracking import inputs_hash
from sciextract.train.rewards import reward_components, weighted_totals
from sciextract.train.common import (
    PACKAGE_DIR,
    StepMetricsCallback,
    checkpoint_dir,
    checkpoint_step,
    last_checkpoint,
    model_identity,
    model_card,
    precision_flags,
    publish_adapter,
    train_or_restore,
    training_identity,
    without_adapter_wrapper,
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


class ChainInCheckpoints(TrainerCallback):
    """Writes the adapter chain (`merged_from.json`, as the published adapter has it) into every checkpoint as it is
    saved. A GRPO checkpoint's LoRA was trained on base + SFT merged; without the file, `sciextract evaluate
    --variant <checkpoint>` would load it onto the bare base and score a policy that was never trained."""

    def __init__(self, provenance: dict[str, str]):
        self.provenance = provenance

    def on_save(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            write_json(Path(args.output_dir) / f"{PREFIX_CHECKPOINT_DIR}-{state.global_step}" / MERGED_FROM_FILE,
                       self.provenance)


# -- dynamic sampling (DAPO) ------------------------------------------------------------------------

REDRAWN_PROMPTS_KEY = "dynamic_sampling/redrawn_prompts"
FLAT_GROUPS_KEPT_KEY = "dynamic_sampling/flat_groups_kept"


def group_reward_spreads(total_rewards: list[float], num_generations: int) -> list[float]:
    """Per group of `num_generations` consecutive completions, the sample standard deviation of their total
    rewards: the spread TRL divides each group's advantages by (`scale_rewards: group`). NaN totals (completions no
    reward function scored) are left out, as TRL leaves them out of the group baseline."""
    spreads = []
    for start in range(0, len(total_rewards), num_generations):
        scored = [value for value in total_rewards[start:start + num_generations] if not math.isnan(value)]
        spreads.append(statistics.stdev(scored) if len(scored) > 1 else 0.0)
    return spreads


@dataclass
class GroupSelection:
    """Which groups make up a dynamically sampled batch: `(round, group)` pairs, round 0 being the batch TRL drew
    and round k the k-th redraw."""

    groups: list[tuple[int, int]]
    redrawn_prompts: int
    flat_groups_kept: int


def select_informative_groups(first_spreads: list[float], redraw: Callable[[int], list[float]], *, min_std: float,
                              max_redraws: int) -> GroupSelection:
    """DAPO's dynamic sampling over groups: keep the groups whose reward spread is at least `min_std`, and while
    fewer than the batch holds are kept, `redraw(n)` n new prompts (it generates and scores them, returning their
    spreads), at most `max_redraws` times.

    A spread threshold, not a test for all-equal rewards, because the rewards are continuous (F0.5): a group whose
    completions differ by 0.001 is not tied, yet TRL's group scaling blows that noise up to advantages of +-0.7. If
    the redraws run out, the flattest groups fill the batch (largest spread first) so it keeps its size; their
    advantages are near zero, so they add little but the KL and entropy terms.
    """
    needed = len(first_spreads)
    informative = [(0, group) for group, spread in enumerate(first_spreads) if spread >= min_std]
    flat = [(spread, 0, group) for group, spread in enumerate(first_spreads) if spread < min_std]
    redrawn = redraws = 0
    while len(informative) < needed and redraws < max_redraws:
        redraws += 1
        missing = needed - len(informative)
        spreads = redraw(missing)
        redrawn += missing
        informative += [(redraws, group) for group, spread in enumerate(spreads) if spread >= min_std]
        flat += [(spread, redraws, group) for group, spread in enumerate(spreads) if spread < min_std]
    fill = [(index, group) for _, index, group in sorted(flat, key=lambda item: -item[0])][:needed - len(informative)]
    return GroupSelection(groups=informative + fill, redrawn_prompts=redrawn, flat_groups_kept=len(fill))


_LEFT_PADDED = {"prompt_ids": "pad", "prompt_mask": 0}
"""Keys of TRL's scored batch that are left-padded per completion, with their padding value ("pad": the pad id)."""
_RIGHT_PADDED = {"completion_ids": "pad", "completion_mask": 0, "tool_mask": 0, "old_per_token_logps": 0.0,
                 "ref_per_token_logps": 0.0, "sampling_per_token_logps": 0.0, "importance_sampling_ratio": 0.0}
"""Keys aligned with the completion tokens (right-padded); padded positions lie outside the completion mask."""


def merge_groups(batches: list[dict], selection: list[tuple[int, int]], num_generations: int, pad_id: int) -> dict:
    """One scored batch (TRL's `_generate_and_score_completions` output) of the selected groups of `batches`.

    Advantages are per group (`scale_rewards: group`), so a group carries its own into the merged batch unchanged.
    `num_items_in_batch` (the completion tokens the DAPO loss divides by) is recounted over the kept groups.
    """
    unknown = set(batches[0]) - set(_LEFT_PADDED) - set(_RIGHT_PADDED) - {"advantages", "num_items_in_batch"}
    if unknown:
        raise ValueError(f"dynamic sampling cannot merge the batch keys {sorted(unknown)} (multimodal or tool inputs)")
    merged = {}
    for key in batches[0]:
        if key == "num_items_in_batch":
            continue
        parts = [batches[index][key][group * num_generations:(group + 1) * num_generations] for index, group in selection]
        if key == "advantages":
            merged[key] = torch.cat(parts)
            continue
        left = key in _LEFT_PADDED
        value = (_LEFT_PADDED if left else _RIGHT_PADDED)[key]
        value = pad_id if value == "pad" else value
        width = max(part.shape[1] for part in parts)
        merged[key] = torch.cat([F.pad(part, (width - part.shape[1], 0) if left else (0, width - part.shape[1]),
                                       value=value) for part in parts])
    loss_mask = merged["completion_mask"] * merged["tool_mask"] if "tool_mask" in merged else merged["completion_mask"]
    merged["num_items_in_batch"] = loss_mask.sum()
    return merged


# -- completions in MLflow --------------------------------------------------------------------------

def completions_table(step: int, prompts: list, completions: list, components: dict[str, list[float]],
                      weights: list[float], advantages: list[float]) -> dict[str, list]:
    """The rollouts of one logging step as columns: the prompt's last message (the document; the system prompt is
    the same for all), the completion's text, each reward component (None where it did not apply), their weighted
    total and the advantage the completion was trained with."""
    values = {name: [None if value is None or math.isnan(value) else value for value in column]
              for name, column in components.items()}
    return {
        "step": [step] * len(completions),
        "prompt": [completion_text(prompt[-1:]) if isinstance(prompt, list) else prompt for prompt in prompts],
        "completion": [completion_text(completion) for completion in completions],
        **values,
        "reward": weighted_totals(weights, list(values.values())),
        "advantage": list(advantages),
    }


# -- rollouts through the project's generator -------------------------------------------------------

class ProjectRollouts:
    """TRL's `rollout_func` hook (TRL 1.16: `rollout_func(prompts, trainer) -> {"prompt_ids", "completion_ids",
    "logprobs"}`, one completion per prompt entry; the batch already repeats each prompt `num_generations` times):
    GRPO's rollouts generated by the project's generator instead of `model.generate`, sampled at `grpo.temperature`
    and `grpo.top_p` as TRL samples them, each completion ending with its end-of-sequence token as TRL's do.

    The prompts are templated as evaluation templates them (`chat_prompts`); the generator puts the model in eval
    mode, and the trainer's training mode is restored after it, since TRL reads `model.training` to tell a training
    step from an evaluation. No grammar constrains the rollouts: TRL scores them with the unconstrained policy's
    log-probabilities, so constrained samples would be off-policy for the ratio and the KL term.
    """

    def __init__(self, grpo: GRPOSettings):
        self.settings = GenerationSettings(max_new_tokens=grpo.max_completion_length, do_sample=True,
                                           temperature=grpo.temperature, top_p=grpo.top_p,
                                           batch_size=grpo.per_device_train_batch_size * grpo.gradient_accumulation_steps)

    def __call__(self, prompts: list[list[dict]], trainer) -> dict:
        tokenizer = trainer.processing_class
        prompt_ids = [tokenizer(text, add_special_tokens=False)["input_ids"] for text in chat_prompts(tokenizer, prompts)]
        model = trainer.accelerator.unwrap_model(trainer.model)
        training = model.training
        try:
            completion_ids = generate_token_ids(model, tokenizer, prompt_ids, self.settings)
        finally:
            model.train(training)
        return {"prompt_ids": prompt_ids, "completion_ids": completion_ids, "logprobs": None}


# -- the trainer --------------------------------------------------------------------------------------

class SciextractGRPOTrainer(GRPOTrainer):
    """TRL's GRPOTrainer plus two controls TRL lacks: dynamic sampling (DAPO) and, every logging step, the
    rollouts as a table artifact of the active MLflow run (TRL logs its completions table to wandb and trackio
    only). Both hook into TRL's own methods, so TRL's loss, clipping, KL and logging run unchanged."""

    def __init__(self, *args, dynamic_sampling_min_std: float = 0.0, dynamic_sampling_max_redraws: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        if dynamic_sampling_min_std > 0 and self.accelerator.num_processes > 1:
            raise ValueError("dynamic sampling merges groups of one process's batch; it runs on one process only")
        self.dynamic_sampling_min_std = dynamic_sampling_min_std
        self.dynamic_sampling_max_redraws = dynamic_sampling_max_redraws
        self._redraws = random.Random(self.args.seed)
        self._last_total_rewards: list[float] = []

    def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
        rewards_per_func = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
        weights = self.reward_weights.to(rewards_per_func.device)
        totals = (rewards_per_func * weights).nansum(dim=1)
        totals[torch.isnan(rewards_per_func).all(dim=1)] = torch.nan  # as TRL marks unscorable completions
        self._last_total_rewards = totals.tolist()
        return rewards_per_func

    def _generate_and_score_completions(self, inputs):
        scored = super()._generate_and_score_completions(inputs)
        if self.dynamic_sampling_min_std <= 0 or not self.model.training:
            return scored
        batches = [scored]

        def redraw(prompts: int) -> list[float]:
            rows = self._redraws.sample(range(len(self.train_dataset)), prompts)
            batches.append(super(SciextractGRPOTrainer, self)._generate_and_score_completions(
                [self.train_dataset[row] for row in rows for _ in range(self.num_generations)]))
            return group_reward_spreads(self._last_total_rewards, self.num_generations)

        selection = select_informative_groups(group_reward_spreads(self._last_total_rewards, self.num_generations),
                                              redraw, min_std=self.dynamic_sampling_min_std,
                                              max_redraws=self.dynamic_sampling_max_redraws)
        self._metrics["train"][REDRAWN_PROMPTS_KEY].append(selection.redrawn_prompts)
        self._metrics["train"][FLAT_GROUPS_KEPT_KEY].append(selection.flat_groups_kept)
        if len(batches) == 1:
            return scored
        return merge_groups(batches, selection.groups, self.num_generations, self._tokenizer.pad_token_id)

    def _get_per_token_logps_and_entropies(self, model, input_ids, attention_mask, logits_to_keep, batch_size=None,
                                           compute_entropy=False, compute_aux_loss=False, **multimodal):
        """TRL's per-token log-probabilities and entropies of the completions, on CPU projected at the completion
        positions only.

        TRL 1.16 computes them with a fused LM head that, without Triton (on CPU), scores every position of prompt
        and completion alike, in fp32, and keeps the completion's; the prompt is half of a funding rollout's tokens.
        Here the decoder's hidden states at the completion positions alone meet the fp32 LM head, at the sampling
        temperature, as TRL's: the same values and gradients (`test_grpo_controls.py` compares both), and the
        log-probability passes and backward of two default GRPO steps took 29 s instead of 48 s (README,
        "Benchmarks"). Elsewhere (GPU, vision inputs, MoE aux loss) TRL's own runs."""
        if (input_ids.device.type != "cpu" or compute_aux_loss
                or any(value is not None for value in multimodal.values())):
            return super()._get_per_token_logps_and_entropies(model, input_ids, attention_mask, logits_to_keep,
                                                              batch_size, compute_entropy, compute_aux_loss,
                                                              **multimodal)
        causal_lm = without_adapter_wrapper(self.accelerator.unwrap_model(model))
        head = causal_lm.get_output_embeddings()
        batch_size = batch_size or input_ids.size(0)
        all_logps, all_entropies = [], []
        for start in range(0, input_ids.size(0), batch_size):
            ids, mask = input_ids[start:start + batch_size], attention_mask[start:start + batch_size]
            hidden = causal_lm.get_decoder()(input_ids=ids, attention_mask=mask, use_cache=False).last_hidden_state
            logits = F.linear(hidden[:, -logits_to_keep - 1:-1].float(), head.weight.float(),
                              None if head.bias is None else head.bias.float()) / self.temperature
            log_probs = logits.log_softmax(dim=-1)
            padded = mask[:, -logits_to_keep:] == 0
            all_logps.append(log_probs.gather(-1, ids[:, -logits_to_keep:, None]).squeeze(-1).masked_fill(padded, 0.0))
            if compute_entropy:
                all_entropies.append(-(log_probs.exp() * log_probs).sum(dim=-1).masked_fill(padded, 0.0))
        return torch.cat(all_logps), torch.cat(all_entropies) if compute_entropy else None, None

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        """TRL's log, then the rollouts since the last logging step as `completions/step_<step>.json` (TRL keeps
        the last generation batch's worth of them; with dynamic sampling the redrawn groups count among them)."""
        table = None
        if self.model.training and self._logs["completion"] and self.accelerator.is_main_process:
            table = completions_table(self.state.global_step, list(self._logs["prompt"]), list(self._logs["completion"]),
                                      {name: list(values) for name, values in self._logs["rewards"].items()},
                                      self.reward_weights.tolist(), list(self._logs["advantages"]))
        super().log(logs, start_time)
        if table is not None and mlflow.active_run() is not None:
            mlflow.log_table(table, artifact_file=f"completions/step_{self.state.global_step:06d}.json")
        for key in ("prompt", "completion", "advantages"):  # each table shows the rollouts since the last one
            self._logs[key].clear()
        for values in self._logs["rewards"].values():
            values.clear()


def setup(task: Task, config: Config, data_dir: Path, base_dir: Path, sft_dir: Path):
    """Prompt dataset (one row per record, gold in its reward columns, in curriculum order where
    `grpo.prompt_order` asks for one), the merged SFT policy, tokenizer, the base's name, and how many prompts
    `grpo.skip_long_answers` left out."""
    from datasets import Dataset

    records = task.load_split(data_dir, "rl")
    if config.grpo.max_prompt_examples:  # before the skip, so that the sweep's trials never train on its eval records
        records = records[: config.grpo.max_prompt_examples]
    policy, tokenizer = load_policy(base_dir, sft_dir, config.model, for_training=True)
    skipped = 0
    if config.grpo.skip_long_answers:
        records, skipped = answers_within(task, records, tokenizer, config, split=Path(data_dir) / "rl.jsonl")
    if config.grpo.prompt_order == "easy_to_hard":
        records = easy_to_hard(task, config, records, policy, tokenizer)
    dataset = Dataset.from_list([task.rl_example(r) for r in records])
    return dataset, policy, tokenizer, resolve_base(base_dir), skipped


def answers_within(task: Task, records: list[dict], tokenizer, config: Config, *, split: Path
                   ) -> tuple[list[dict], int]:
    """The records whose gold answer, the task's target and the end-of-sequence token, is at most
    `grpo.max_completion_length` tokens, and how many were left out (logged). On the CPU profile's `rl` split, 32
    of the 266 funding answers are longer than 256 tokens; with them, 23% of the default run's rollouts were cut
    off, and without them GRPO took 35% less time, real dev F0.5 within noise (README "Answers that fit the
    rollout budget")."""
    def length(record: dict) -> int:
        answer = task.target(record) + (tokenizer.eos_token or "")
        return len(tokenizer(answer, add_special_tokens=False)["input_ids"])

    max_tokens = config.grpo.max_completion_length
    kept = [record for record in records if length(record) <= max_tokens]
    if not kept:
        raise InputError(config.params_file, f"every gold answer of {split} is longer than {max_tokens} tokens: "
                                             "raise it, or set grpo.skip_long_answers to false",
                         field="grpo.max_completion_length")
    skipped = len(records) - len(kept)
    if skipped:
        log.info("GRPO: %d of %d rl prompts left out, their gold answer longer than grpo.max_completion_length=%d "
                 "tokens (grpo.skip_long_answers)", skipped, len(records), max_tokens)
    return kept, skipped


def easy_to_hard(task: Task, config: Config, records: list[dict], policy, tokenizer) -> list[dict]:
    """R2GRPO's curriculum: `records` in the order of the weighted task reward of the policy's greedy answer to
    each, highest first (a stable sort: ties keep the split's order). The answers are generated as the rollouts
    are (no grammar, `max_completion_length`); their rewards are logged to MLflow, in curriculum order."""
    started = time.perf_counter()
    prompts = chat_prompts(tokenizer, [task.prompt(record) for record in records])
    settings = GenerationSettings(max_new_tokens=config.grpo.max_completion_length, batch_size=config.evaluate.batch_size)
    training = policy.training
    try:
        answers = generate_transformers(policy, tokenizer, prompts, settings, progress="curriculum")
    finally:
        policy.train(training)
    components, weights = reward_components(task, config, records, answers)
    rewards = weighted_totals(weights, list(components.values()))
    order = sorted(range(len(records)), key=lambda index: -rewards[index])
    if mlflow.active_run() is not None:
        for position, index in enumerate(order):  # a curve in the MLflow UI: reward against curriculum position
            mlflow.log_metric("curriculum/sft_reward", rewards[index], step=position)
        mlflow.log_metric("curriculum/seconds", time.perf_counter() - started)
    return [records[index] for index in order]


VLLM_IS_OFF = "off"


def grpo_args(config: Config, reward_weights: list[float], output_dir: Path) -> GRPOConfig:
    """TRL's GRPOConfig from `config.grpo` and the model settings.

    `entropy_coef`, `num_iterations` and the vLLM importance-sampling correction are TRL 1.16's own: its loss
    already computes the per-token entropies of the completions (for its entropy metric and top-entropy masking)
    from the logits of the one forward pass, and subtracts `entropy_coef` x their masked mean from the loss; with
    `num_iterations > 1` it reuses each rollout batch for that many updates, clipping the ratio against the
    rollout policy's log-probabilities (`old_per_token_logps`, computed after generation).
    """
    g = config.grpo
    use_vllm = config.model.generation_backend == "vllm"
    if use_vllm and not vllm_available():
        raise RuntimeError("model.generation_backend is vllm, but vllm or a CUDA GPU is missing; "
                           "set it to transformers on this machine")
    importance_sampling = ({"vllm_importance_sampling_correction": False} if g.vllm_importance_sampling == VLLM_IS_OFF
                           else {"vllm_importance_sampling_mode": g.vllm_importance_sampling})
    return GRPOConfig(
        output_dir=str(output_dir),
        learning_rate=g.learning_rate,
        lr_scheduler_type=g.lr_scheduler_type,
        warmup_steps=g.warmup_steps,
        max_grad_norm=g.max_grad_norm,
        beta=g.beta,
        entropy_coef=g.entropy_coef,
        num_iterations=g.num_iterations,
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
        reward_weights=reward_weights,
        activation_checkpointing=False,  # transformers 5 name of gradient_checkpointing; recomputing is slow on CPU
        use_vllm=use_vllm,
        vllm_mode="colocate",
        **importance_sampling,
        save_strategy="steps",
        save_steps=g.save_steps,
        save_total_limit=g.save_total_limit,
        logging_steps=g.logging_steps,
        seed=g.seed,
        shuffle_dataset=g.prompt_order == "shuffled",  # a curriculum is trained in its order
        report_to="none",
        disable_tqdm=False,
        dataloader_num_workers=0,
        **precision_flags(config.model),
    )


def trainer_for(config: Config, dataset, policy, tokenizer, recorder: RewardRecorder, output_dir: Path,
                callbacks: list) -> SciextractGRPOTrainer:
    """The trainer training a new LoRA (`peft_config`) on the merged SFT policy.

    Reference model (checked in TRL 1.16 `grpo_trainer.py`): with `beta == 0.0` TRL sets `ref_model = None`
    and skips the reference forward pass (`ref_per_token_logps = None`, no KL term). With `beta > 0` and a
    `peft_config`, it wraps the policy with `get_peft_model` and, having no separate `ref_model`, computes
    `ref_per_token_logps` under `use_adapter(model, None)`, i.e. `model.disable_adapter()`: the policy without
    the GRPO adapter, which here is exactly the merged SFT model. The KL term `beta * per_token_kl` is then
    added to the loss.

    Rollouts go through the project's generator with `grpo.rollout_backend: project` on the transformers
    backend; vLLM keeps TRL's own (colocated) generation and its importance-sampling correction.
    """
    g = config.grpo
    args = grpo_args(config, recorder.weights, output_dir)
    rollouts = ProjectRollouts(g) if g.rollout_backend == "project" and not args.use_vllm else None
    with warnings.catch_warnings():  # TRL flags rollout_func experimental; its contract is tested here for TRL 1.16
        warnings.filterwarnings("ignore", message=".*rollout_func.*experimental", category=UserWarning)
        return SciextractGRPOTrainer(model=policy, reward_funcs=recorder.functions, args=args, train_dataset=dataset,
                                     processing_class=tokenizer, peft_config=lora_config(g.lora, policy),
                                     callbacks=callbacks, rollout_func=rollouts,
                                     dynamic_sampling_min_std=g.dynamic_sampling_min_std,
                                     dynamic_sampling_max_redraws=g.dynamic_sampling_max_redraws)


def _mean_logged(log_history: list[dict], key: str) -> float | None:
    values = [entry[key] for entry in log_history if entry.get(key) is not None]
    return sum(values) / len(values) if values else None


def reward_code_digest(task: Task) -> dict[str, str]:
    """sha256 of each Python file of the task's package (its rewards, parser, grounding and scorer) and of the
    shared scoring package, by path relative to the package: what a reward is computed by."""
    roots = [Path(inspect.getfile(type(task))).parent, PACKAGE_DIR / "scoring"]
    return {f"{root.name}/{path.relative_to(root)}": hashlib.sha256(path.read_bytes()).hexdigest()
            for root in roots for path in sorted(root.rglob("*.py"))}


def grpo_run_hash(config: Config, prompt_rows: list[dict], source: Path, sft_dir: Path,
                  reward_code: dict[str, str]) -> str:
    """The key of a GRPO run's checkpoints: params, model, the rl split, the SFT adapter's weights, the rendered
    prompt rows in training order, so that a changed prompt (task code, not a file) trains anew instead of restoring,
    and the reward code (`reward_code_digest`): the article GRPO adapter of 2026-11-30 was restored after its
    rollouts' stage 1 had changed, and had to be moved aside by hand to train on the new rewards.

    Only the weights file of the SFT folder counts: an SFT restored from its checkpoint republishes its card (with
    that run's seconds) and PEFT writes `target_modules` in set order, so hashing the whole folder retrained GRPO
    (7 minutes on 2 cores) after every restore of the same SFT weights."""
    return inputs_hash({"grpo": training_identity(config.grpo), "model": model_identity(config.model),
                        "prompts": sha256_json(prompt_rows), "reward_code": reward_code},
                       [source, Path(sft_dir) / SAFETENSORS_WEIGHTS_NAME])


def run_grpo(task: Task, config: Config, *, data_dir: Path, base_dir: Path, sft_dir: Path, out_dir: Path,
             checkpoint_root: Path, curve_path: Path) -> dict:
    """Train, checkpointing every `save_steps`; a rerun of the same config, data and SFT adapter resumes.

    Returns metrics; the output stats are means over all logged steps, including those before a resume
    (the trainer's log history travels in the checkpoints).
    """
    dataset, policy, tokenizer, base, skipped = setup(task, config, data_dir, base_dir, sft_dir)
    functions, weights = task.reward_functions(config)
    recorder = RewardRecorder(functions, weights, config.grpo.num_generations)
    mlflow.log_metric("rl_prompts/long_answers_skipped", float(skipped))
    metrics = _fit_and_publish(task, config, dataset, policy, tokenizer, base, recorder,
                               source=Path(data_dir) / "rl.jsonl", base_dir=base_dir, sft_dir=sft_dir, out_dir=out_dir,
                               checkpoint_root=checkpoint_root, curve_path=curve_path,
                               title=f"{task.name} GRPO adapter", data_note={"long_answers_skipped": skipped})
    return {**metrics, "long_answers_skipped": skipped}


def _fit_and_publish(task: Task, config: Config, dataset, policy, tokenizer, base: str, recorder: RewardRecorder, *,
                     source: Path, base_dir: Path, sft_dir: Path, out_dir: Path,
                     checkpoint_root: Path, curve_path: Path, title: str, bind: Callable | None = None,
                     extra_logged: tuple[str, ...] = (), data_note: dict | None = None) -> dict:
    """What both GRPO runs share: train (resuming a run of the same inputs), log the means of the output stats
    (and of the `extra_logged` trainer log keys), publish the adapter with its card and the chain it applies to.
    `bind` receives the trainer before training (for rewards that generate with the policy being trained)."""
    run_hash = grpo_run_hash(config, dataset.to_list(), source, Path(sft_dir), reward_code_digest(task))
    checkpoints = checkpoint_dir(checkpoint_root, run_hash)
    chain = {"base": base, "base_dir": str(base_dir), "sft_adapter": str(sft_dir)}
    trainer = trainer_for(config, dataset, policy, tokenizer, recorder, checkpoints,
                          [EmptyOutputAlarm(), StepMetricsCallback(), ChainInCheckpoints(chain)])
    if bind is not None:
        bind(trainer)
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
        "redrawn_prompts_per_step": _mean_logged(history, REDRAWN_PROMPTS_KEY),
        **{key.replace("/", "_"): _mean_logged(history, key) for key in extra_logged},
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
    card = model_card(title=title, base_model=base, stage="grpo", task=task.name,
                      data={"split": str(source), "prompts": len(dataset), "sft_adapter": str(sft_dir),
                            **(data_note or {})},
                      params={**dataclasses.asdict(config.grpo), "reward_weights": dict(
                          zip([f.__name__ for f in recorder.functions], recorder.weights, strict=True))},
                      metrics=metrics,
                      load_note=load_note)
    publish_adapter(trainer, tokenizer, Path(out_dir), card,
                    extra_json={MERGED_FROM_FILE: chain})
    return metrics


# -- GRPO on articles: stage 1 rewarded through stage 2 ---------------------------------------------

EMPTY_EXTRACTION_KEY = "articles/empty_extraction_share"
"""Share of a batch's stage-1 rollouts that kept no passage: a collapse to "nothing found" shows here first."""


class StageTwoRewards:
    """The task's reward functions applied to stage 2 of each stage-1 rollout: the passages a rollout kept
    (`ArticlePath.stage2_record`) are answered by the policy being trained (greedy, the task's grammar, as
    evaluation decodes), once per batch for all reward components, and that answer is what the task's functions
    score against the row's gold; a rollout that kept nothing is scored as `ArticlePath.nothing_found`. Only the
    stage-1 tokens are trained: stage 2 is the same weights answering, not a second rollout."""

    def __init__(self, task: Task, config: Config):
        self.task, self.config, self.path = task, config, task.article_path()
        self.settings = GenerationSettings(max_new_tokens=config.grpo.max_completion_length,
                                           batch_size=config.evaluate.batch_size,
                                           stop_on_loop=config.evaluate.stop_on_loop)
        self.trainer = None
        self._last: tuple[tuple, list[str], float] | None = None

    def bind(self, trainer) -> None:
        self.trainer = trainer

    def answers(self, completions: list, sources: list[str]) -> tuple[list[str], float]:
        """Stage 2's answer to every rollout of the batch, and the share of rollouts that kept nothing."""
        texts = [completion_text(completion) for completion in completions]
        key = (tuple(texts), tuple(sources))
        if self._last is None or self._last[0] != key:
            records = [self.path.stage2_record(source, text) for source, text in zip(sources, texts, strict=True)]
            asked = [index for index, record in enumerate(records) if record is not None]
            answers = [self.path.nothing_found()] * len(texts)
            for index, answer in zip(asked, self._generate([records[i] for i in asked]) if asked else [], strict=True):
                answers[index] = answer
            self._last = (key, answers, 1.0 - len(asked) / len(texts))
        return self._last[1], self._last[2]

    def _generate(self, records: list[dict]) -> list[str]:
        if self.trainer is None:
            raise RuntimeError("StageTwoRewards.bind(trainer) must come before the first reward")
        tokenizer = self.trainer.processing_class
        model = self.trainer.accelerator.unwrap_model(self.trainer.model)
        prompts = chat_prompts(tokenizer, [self.task.prompt(record) for record in records])
        tokens = [tokenizer(prompt, add_special_tokens=False)["input_ids"] for prompt in prompts]
        settings = dataclasses.replace(self.settings, grammar=answer_grammar(self.task, self.config, records))
        training = model.training
        try:
            new_tokens = generate_token_ids(model, tokenizer, tokens, settings)
        finally:
            model.train(training)
        return tokenizer.batch_decode(new_tokens, skip_special_tokens=True)

    def wrap(self, function: RewardFunction, *, logs_extraction: bool) -> RewardFunction:
        def reward(prompts: list, completions: list, *, log_metric, **columns) -> list[float]:
            answers, empty_share = self.answers(completions, columns[ARTICLE_SOURCE_COLUMN])
            if logs_extraction:
                log_metric(EMPTY_EXTRACTION_KEY, empty_share)
            return function(prompts, answers, log_metric=log_metric, **columns)

        reward.__name__ = function.__name__
        return reward


def run_article_grpo(task: Task, config: Config, *, article_dir: Path, base_dir: Path, sft_dir: Path, out_dir: Path,
                     checkpoint_root: Path, curve_path: Path) -> dict:
    """GRPO on stage 1 of the task's article path, from the article SFT adapter: the prompts are the rl articles'
    chunks (`ArticlePath.rl_rows`), the reward the task's own on stage 2's answer (`StageTwoRewards`). Checkpoints
    and publishing as `run_grpo`; the metrics add the chunk counts and the mean share of empty extractions."""
    from datasets import Dataset

    if config.grpo.prompt_order != "shuffled":
        raise InputError(config.params_file, "GRPO on articles trains its chunk prompts shuffled; the easy-to-hard "
                                             "order is built for the task's own prompts", field="grpo.prompt_order")
    path = task.article_path()
    policy, tokenizer = load_policy(base_dir, sft_dir, config.model, for_training=True)
    rows, counts = path.rl_rows(config, article_dir, tokenizer)
    source = Path(article_dir) / "rl.jsonl"
    if not rows:
        raise InputError(source, f"no chunk of the rl articles has exact gold to train on ({counts})")
    stage_two = StageTwoRewards(task, config)
    functions, weights = task.reward_functions(config)
    recorder = RewardRecorder([stage_two.wrap(function, logs_extraction=index == 0)
                               for index, function in enumerate(functions)], weights, config.grpo.num_generations)
    mlflow.log_metrics({f"rl_chunks/{name}": float(value) for name, value in counts.items()})
    metrics = _fit_and_publish(task, config, Dataset.from_list(rows), policy, tokenizer, resolve_base(base_dir),
                               recorder, source=source, base_dir=base_dir, sft_dir=sft_dir, out_dir=out_dir,
                               checkpoint_root=checkpoint_root, curve_path=curve_path,
                               title=f"{task.name} article GRPO adapter (stage 1 through stage 2)",
                               bind=stage_two.bind, extra_logged=(EMPTY_EXTRACTION_KEY,),
                               data_note={"chunks": counts})
    return {**metrics, **{f"rl_chunks_{name}": value for name, value in counts.items()}}
