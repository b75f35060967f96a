"""GRPO's published-recipe controls on the tiny random model: the entropy bonus, TRL options from params, dynamic
sampling, the completions table in MLflow, rollouts through the project's generator and R2GRPO's curriculum."""

from __future__ import annotations

import math

import mlflow
import pytest
import torch
from datasets import Dataset

from sciextract.config import Config, GRPOSettings, LoraSettings
from sciextract.generate import GenerationSettings, chat_prompts, generate_transformers
from sciextract.modeling import load_policy
from sciextract.tasks.funding.task import FundingTask
from sciextract.train.grpo import (FLAT_GROUPS_KEPT_KEY, REDRAWN_PROMPTS_KEY, ProjectRollouts, RewardRecorder,
                                   completions_table, easy_to_hard, grpo_args, group_reward_spreads, merge_groups,
                                   select_informative_groups, trainer_for)
from tiny_model import build_tiny_model
from test_grpo import FundingWithLengthBonus, funding_records


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("controls") / "base")


def tiny_settings(**overrides) -> GRPOSettings:
    values = dict(lora=LoraSettings(r=4, dropout=0.0), learning_rate=1e-2, beta=0.0, num_generations=2,
                  per_device_train_batch_size=4, max_completion_length=12, mask_truncated_completions=False,
                  max_steps=1, save_steps=100, logging_steps=1, temperature=1.0)
    return GRPOSettings(**{**values, **overrides})


def build_trainer(base_dir, output_dir, settings: GRPOSettings, functions, weights, records=None):
    config = Config()
    config.grpo = settings
    policy, tokenizer = load_policy(base_dir, None, config.model, for_training=True)
    task = FundingTask()
    dataset = Dataset.from_list([task.rl_example(r) for r in records or funding_records(6)])
    recorder = RewardRecorder(functions, weights, settings.num_generations)
    return trainer_for(config, dataset, policy, tokenizer, recorder, output_dir, [])


def mean_entropy(model, ids: torch.Tensor) -> float:
    with torch.no_grad():
        logits = model(input_ids=ids).logits.float()
    return float(-(torch.softmax(logits, -1) * torch.log_softmax(logits, -1)).sum(-1).mean())


def constant_reward(prompts, completions, **_):
    return [0.5 for _ in completions]


@pytest.mark.parametrize("entropy_coef", [0.0, 1.0])
def test_entropy_bonus_alone_raises_entropy(tiny_base, tmp_path, entropy_coef):
    """Equal rewards make every advantage 0, so the policy term has no gradient and beta 0 drops the KL term:
    the one optimizer step moves the policy by the entropy bonus alone, up; without the bonus it does not move."""
    trainer = build_trainer(tiny_base, tmp_path, tiny_settings(entropy_coef=entropy_coef), [constant_reward], [1.0])
    probe = torch.randint(3, 300, (2, 24), generator=torch.Generator().manual_seed(0))
    before = mean_entropy(trainer.model, probe)
    trainer.train()
    after = mean_entropy(trainer.model, probe)
    if entropy_coef:
        assert after > before + 1e-4
    else:
        assert after == pytest.approx(before, abs=1e-6)


def test_grpo_args_carry_the_params(tmp_path):
    config = Config()
    config.grpo = GRPOSettings(lr_scheduler_type="constant_with_warmup", warmup_steps=20, max_grad_norm=0.5,
                               entropy_coef=0.01, num_iterations=3, top_p=0.9, vllm_importance_sampling="token_truncate",
                               save_total_limit=None)
    args = grpo_args(config, [0.5, 0.5], tmp_path)
    assert (args.lr_scheduler_type.value, args.warmup_steps, args.max_grad_norm, args.entropy_coef, args.num_iterations,
            args.top_p, args.save_total_limit) == ("constant_with_warmup", 20, 0.5, 0.01, 3, 0.9, None)
    assert args.vllm_importance_sampling_correction and args.vllm_importance_sampling_mode == "token_truncate"
    config.grpo = GRPOSettings(vllm_importance_sampling="off")
    assert grpo_args(config, [1.0], tmp_path).vllm_importance_sampling_correction is False
    with pytest.raises(ValueError, match="rollout_backend"):
        GRPOSettings(rollout_backend="vllm")


def test_group_spreads_by_hand():
    spreads = group_reward_spreads([0.5, 0.5, 0.2, 0.6, 0.3, math.nan], num_generations=2)
    assert spreads[0] == 0.0 and spreads[1] == pytest.approx(math.sqrt(0.08)) and spreads[2] == 0.0


def test_dynamic_sampling_drops_flat_group_and_redraws():
    calls = []

    def redraw(prompts):
        calls.append(prompts)
        return [0.004, 0.3][:prompts] if len(calls) == 1 else [0.2] * prompts

    # group 0 spread 0.25 is kept; group 1 (0.001: continuous rewards that barely differ) and group 2 (0) are not
    selection = select_informative_groups([0.25, 0.001, 0.0], redraw, min_std=0.01, max_redraws=3)
    assert calls == [2, 1]  # first redraw: one of the two new groups is flat too, so one more prompt
    assert selection.groups == [(0, 0), (1, 1), (2, 0)]
    assert selection.redrawn_prompts == 3 and selection.flat_groups_kept == 0


def test_dynamic_sampling_stops_after_max_redraws_and_fills_with_flattest():
    calls = []

    def redraw(prompts):
        calls.append(prompts)
        return [0.005] * prompts

    selection = select_informative_groups([0.5, 0.0, 0.0], redraw, min_std=0.01, max_redraws=1)
    assert calls == [2] and selection.redrawn_prompts == 2 and selection.flat_groups_kept == 2
    assert selection.groups == [(0, 0), (1, 0), (1, 1)]  # the redrawn 0.005 groups beat the 0.0 ones
    assert select_informative_groups([0.0, 0.0], redraw, min_std=0.0, max_redraws=5).redrawn_prompts == 0


def test_merge_groups_pads_each_side():
    first = {"prompt_ids": torch.tensor([[9, 1], [9, 2], [0, 3], [0, 4]]), "prompt_mask": torch.tensor([[1, 1]] * 4),
             "completion_ids": torch.tensor([[5], [6], [7], [8]]), "completion_mask": torch.ones(4, 1, dtype=torch.long),
             "advantages": torch.tensor([1.0, -1.0, 0.0, 0.0]), "num_items_in_batch": torch.tensor(4)}
    second = {"prompt_ids": torch.tensor([[1, 2, 3]] * 2), "prompt_mask": torch.ones(2, 3, dtype=torch.long),
              "completion_ids": torch.tensor([[5, 6, 7], [5, 0, 0]]), "completion_mask": torch.tensor([[1, 1, 1], [1, 0, 0]]),
              "advantages": torch.tensor([0.7, -0.7]), "num_items_in_batch": torch.tensor(4)}
    merged = merge_groups([first, second], [(0, 0), (1, 0)], num_generations=2, pad_id=0)
    assert merged["prompt_ids"].tolist() == [[0, 9, 1], [0, 9, 2], [1, 2, 3], [1, 2, 3]]
    assert merged["prompt_mask"].tolist() == [[0, 1, 1], [0, 1, 1], [1, 1, 1], [1, 1, 1]]
    assert merged["completion_mask"].tolist() == [[1, 0, 0], [1, 0, 0], [1, 1, 1], [1, 0, 0]]
    assert merged["advantages"].tolist() == pytest.approx([1.0, -1.0, 0.7, -0.7])
    assert int(merged["num_items_in_batch"]) == 6
    with pytest.raises(ValueError, match="pixel_values"):
        merge_groups([{**first, "pixel_values": torch.zeros(4, 1)}], [(0, 0)], num_generations=2, pad_id=0)


def test_completions_table_columns():
    table = completions_table(3, [[{"role": "system", "content": "S"}, {"role": "user", "content": "doc"}]] * 2,
                              [[{"role": "assistant", "content": "[]"}], [{"role": "assistant", "content": "x"}]],
                              {"funder_f05": [1.0, 0.0], "award_f05": [0.5, math.nan]}, [0.5, 0.4], [0.9, -0.9])
    assert table == {"step": [3, 3], "prompt": ["doc", "doc"], "completion": ["[]", "x"], "funder_f05": [1.0, 0.0],
                     "award_f05": [0.5, None], "reward": pytest.approx([0.7, 0.0]), "advantage": [0.9, -0.9]}


def test_project_rollouts_keep_order_and_grouping(tiny_base, tmp_path):
    """One completion per prompt entry, on TRL's prompt tokens, in input order: with top-p so small that sampling
    is greedy, each group repeats one completion and that completion is what evaluation's generator writes."""
    settings = tiny_settings(rollout_backend="project", top_p=1e-6)
    trainer = build_trainer(tiny_base, tmp_path, settings, [constant_reward], [1.0])
    assert isinstance(trainer.rollout_func, ProjectRollouts)
    examples = [FundingTask().rl_example(r) for r in funding_records(3)]
    prompts = [example["prompt"] for example in examples for _ in range(settings.num_generations)]
    trainer.model.train()
    output = trainer.rollout_func(prompts, trainer)
    assert trainer.model.training  # the trainer's mode survives the generator's eval()
    assert output["prompt_ids"] == trainer._tokenize_prompts(prompts)[0]
    completions = trainer.processing_class.batch_decode(output["completion_ids"], skip_special_tokens=True)
    assert len(completions) == len(prompts) and completions[0] == completions[1] and completions[2] == completions[3]
    tokenizer = trainer.processing_class
    expected = generate_transformers(trainer.model, tokenizer, chat_prompts(tokenizer, [e["prompt"] for e in examples]),
                                     GenerationSettings(max_new_tokens=settings.max_completion_length), progress=None)
    assert completions[::2] == expected
    eos = {tokenizer.eos_token_id}
    assert all(ids[-1] in eos or len(ids) == settings.max_completion_length for ids in output["completion_ids"])


def test_two_steps_with_project_rollouts_dynamic_sampling_and_table(tiny_base, tmp_path):
    """A threshold no group reaches: each step redraws its 2 prompts once, then merges the flattest 2 of the 4
    groups into the batch it trains on."""
    settings = tiny_settings(rollout_backend="project", max_steps=2, dynamic_sampling_min_std=10.0,
                             dynamic_sampling_max_redraws=1, entropy_coef=0.01)
    task = FundingWithLengthBonus()
    functions, weights = task.reward_functions(Config())
    trainer = build_trainer(tiny_base, tmp_path / "out", settings, functions, weights)
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db")
    with mlflow.start_run() as run:
        trainer.train()
    history = [entry for entry in trainer.state.log_history if "reward" in entry]
    assert [(entry[REDRAWN_PROMPTS_KEY], entry[FLAT_GROUPS_KEPT_KEY]) for entry in history] == [(2, 2), (2, 2)]
    table = mlflow.load_table("completions/step_000002.json", run_ids=[run.info.run_id])
    names = [function.__name__ for function in functions]
    assert "length_bonus" in names and "funder_f05" in names
    assert list(table.columns) == ["step", "prompt", "completion", *names, "reward", "advantage"]
    assert len(table) >= settings.per_device_train_batch_size and (table["step"] == 2).all()
    components = table[names].fillna(0.0).to_numpy()
    assert table["reward"].tolist() == pytest.approx((components @ weights).tolist())
    assert table["completion"].map(len).tolist() == pytest.approx((100 * table["length_bonus"]).tolist())


def test_easy_to_hard_orders_prompts_by_the_sft_policy_reward(tiny_base, tmp_path, monkeypatch):
    """R2GRPO's curriculum: the records the policy answers right come first, ties keep the split's order, the
    rewards go to MLflow in curriculum order, and TRL keeps that order (no shuffling)."""
    task, config = FundingTask(), Config()
    config.grpo = tiny_settings(prompt_order="easy_to_hard")
    records = funding_records(6)
    policy, tokenizer = load_policy(tiny_base, None, config.model, for_training=True)
    prompts = chat_prompts(tokenizer, [task.prompt(record) for record in records])
    right = {1, 4}  # the records the stand-in policy answers with their gold; the others get an empty list
    answers = {prompt: task.target(record) if index in right else "[]"
               for index, (prompt, record) in enumerate(zip(prompts, records, strict=True))}

    def answer_each(model, tokenizer_, asked, settings, progress=None):
        assert settings.grammar is None and settings.max_new_tokens == config.grpo.max_completion_length
        return [answers[prompt] for prompt in asked]

    monkeypatch.setattr("sciextract.train.grpo.generate_transformers", answer_each)
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db")
    policy.train()
    with mlflow.start_run() as run:
        ordered = easy_to_hard(task, config, records, policy, tokenizer)
    assert [records.index(record) for record in ordered] == [1, 4, 0, 2, 3, 5]
    assert policy.training
    logged = mlflow.MlflowClient().get_metric_history(run.info.run_id, "curriculum/sft_reward")
    rewards = [metric.value for metric in sorted(logged, key=lambda metric: metric.step)]
    assert len(rewards) == 6 and rewards[0] == rewards[1] > rewards[2] == rewards[5]
    assert grpo_args(config, [1.0], tmp_path).shuffle_dataset is False
    config.grpo = tiny_settings()
    assert grpo_args(config, [1.0], tmp_path).shuffle_dataset is True


def test_cpu_log_probs_equal_trls_fused_head(tiny_base, tmp_path):
    """The CPU override scores the completion positions only; TRL's fused head scores all of them: the same
    log-probabilities and entropies at the sampling temperature, with the same gradients, padding set to 0."""
    from trl import GRPOTrainer

    trainer = build_trainer(tiny_base, tmp_path, tiny_settings(temperature=0.7), [constant_reward], [1.0])
    model = trainer.model.float()
    with torch.no_grad():  # a non-zero adapter, so the gradients reach the LoRA weights through it
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(std=0.05)
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(3, 300, (3, 20), generator=generator)
    mask = torch.ones_like(ids)
    mask[0, :4] = 0  # a left-padded prompt
    mask[1, -3:] = 0  # a completion that ended early
    lora = [p for p in model.parameters() if p.requires_grad]
    ours = trainer._get_per_token_logps_and_entropies(model, ids, mask, 8, batch_size=2, compute_entropy=True)
    theirs = GRPOTrainer._get_per_token_logps_and_entropies(trainer, model, ids, mask, 8, batch_size=2,
                                                            compute_entropy=True)
    assert ours[0].shape == theirs[0].shape == (3, 8) and ours[2] is None
    assert not ours[0][1, -3:].detach().any() and not ours[1][1, -3:].detach().any()
    for got, expected in zip(ours[:2], theirs[:2]):
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
    loss = lambda logps, entropies: (logps * torch.linspace(-1, 1, 8)).sum() + entropies.sum()  # noqa: E731
    ours_grads = torch.autograd.grad(loss(*ours[:2]), lora)
    theirs_grads = torch.autograd.grad(loss(*theirs[:2]), lora)
    assert any(float(g.abs().max()) > 0 for g in theirs_grads)
    for got, expected in zip(ours_grads, theirs_grads, strict=True):
        torch.testing.assert_close(got, expected, rtol=1e-3, atol=1e-5)
