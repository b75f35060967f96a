"""GRPO stage on the tiny random model: real TRL, PEFT and MLflow, seconds per test."""

from __future__ import annotations

import csv
import json
import logging
import random

import mlflow
import pytest
import torch

from sciextract.config import Config, GRPOSettings, LoraSettings
from sciextract.io import write_jsonl
from tiny_model import build_tiny_model
from sciextract.modeling import adapter_chain, load_policy, lora_config
from sciextract.tasks.base import completion_text
from sciextract.tasks.funding.task import FundingTask, render_funders
from sciextract.train.grpo import (EMPTY_SHARE_KEY, EmptyOutputAlarm, RewardRecorder, ZERO_SPREAD_KEY,
                                   output_stats, run_grpo)


def funding_records(count: int) -> list[dict]:
    funders = ["National Science Foundation", "Wellcome Trust", "European Research Council", "NIH", "DFG", "JSPS"]
    return [{"id": f"r{i}",
             "funding_statement": f"This work was supported by the {funders[i % len(funders)]} (grant {100000 + i}).",
             "funders": [{"funder_name": funders[i % len(funders)],
                          "awards": [{"award_ids": [str(100000 + i)], "funding_scheme": [], "award_title": []}]}]}
            for i in range(count)]


def test_output_stats_by_hand():
    stats = output_stats(["", "  ", "abc", "de"], [0.5, 0.5, 0.2, 0.9], num_generations=2)
    assert stats.zero_spread_fraction == 0.5  # first group tied, second spread
    assert stats.empty_share == 0.5  # "" and whitespace-only
    assert stats.mean_completion_chars == (0 + 2 + 3 + 2) / 4
    assert output_stats(["a", "b", "c", "d"], [0.5, 0.5, 0.2, 0.9], num_generations=4).zero_spread_fraction == 0.0
    with pytest.raises(ValueError, match="groups of 2"):
        output_stats(["a", "b", "c"], [0.0, 0.0, 0.0], num_generations=2)


def test_recorder_scores_each_completion_against_its_own_gold():
    task = FundingTask()
    examples = [task.rl_example(r) for r in funding_records(6)]
    perfect = [[{"role": "assistant", "content": render_funders(r["funders"])}] for r in funding_records(6)]
    pairs = list(zip(examples, perfect, strict=True))
    random.Random(3).shuffle(pairs)
    functions, weights = task.reward_functions(Config())
    recorder = RewardRecorder(functions, weights, num_generations=2)
    logged: dict[str, float] = {}

    def score(golds: list[str]) -> list[list[float]]:
        return [f([e["prompt"] for e, _ in pairs], [c for _, c in pairs], gold_funders=golds,
                  log_metric=logged.__setitem__) for f in recorder.functions]

    aligned = score([e["gold_funders"] for e, _ in pairs])
    assert all(reward == 1.0 for rewards in aligned for reward in rewards)
    assert logged[ZERO_SPREAD_KEY] == 1.0 and logged[EMPTY_SHARE_KEY] == 0.0
    rotated = score([e["gold_funders"] for e, _ in pairs[1:] + pairs[:1]])
    assert all(reward < 1.0 for reward in rotated[0])  # funder F0.5 against a neighbour's gold


def test_empty_output_alarm_warns(caplog):
    class State:
        global_step = 7

    with caplog.at_level(logging.WARNING, logger="sciextract.train.grpo"):
        EmptyOutputAlarm().on_log(None, State(), None, logs={EMPTY_SHARE_KEY: 0.4})
        assert not caplog.records
        EmptyOutputAlarm().on_log(None, State(), None, logs={EMPTY_SHARE_KEY: 0.75})
    assert len(caplog.records) == 1 and "EMPTY" in caplog.text and "step 7" in caplog.text


class FundingWithLengthBonus(FundingTask):
    """Funding rewards plus a length bonus: a random model scores 0 on funding, and GRPO needs rewards that
    differ within a group to move the adapter at all."""

    def reward_functions(self, config):
        functions, resolved = super().reward_functions(config)

        def length_bonus(prompts, completions, **_):
            return [len(completion_text(c)) / 100 for c in completions]

        return functions + [length_bonus], resolved + [1.0]


@pytest.fixture(scope="module")
def tiny_sft(tmp_path_factory):
    """Tiny base, data splits, and an SFT adapter with non-zero weights (so merged SFT differs from base)."""
    from peft import get_peft_model
    from transformers import AutoModelForCausalLM

    root = tmp_path_factory.mktemp("grpo")
    base_dir = build_tiny_model(root / "base")
    data_dir = root / "data"
    for split, records in {"sft": funding_records(4), "rl": funding_records(6), "test": funding_records(2)}.items():
        write_jsonl(data_dir / f"{split}.jsonl", records)
    torch.manual_seed(0)
    sft = get_peft_model(AutoModelForCausalLM.from_pretrained(base_dir), lora_config(LoraSettings(r=4)))
    with torch.no_grad():
        for name, param in sft.named_parameters():
            if "lora_B" in name:
                param.normal_(std=0.05)
    sft.save_pretrained(root / "sft")
    return root, base_dir, data_dir, root / "sft"


def test_run_grpo_trains_publishes_and_resumes(tiny_sft):
    from peft import PeftModel
    from safetensors.torch import load_file

    root, base_dir, data_dir, sft_dir = tiny_sft
    config = Config()
    config.grpo = GRPOSettings(lora=LoraSettings(r=4), learning_rate=1e-2, beta=0.1, num_generations=2,
                               per_device_train_batch_size=2, max_completion_length=16, max_prompt_examples=4,
                               mask_truncated_completions=False, max_steps=2, save_steps=1, logging_steps=1,
                               temperature=1.0)
    kwargs = dict(data_dir=data_dir, base_dir=base_dir, sft_dir=sft_dir, out_dir=root / "grpo",
                  checkpoint_root=root / "checkpoints", curve_path=root / "curve.csv")
    mlflow.set_tracking_uri(f"sqlite:///{root}/mlflow.db")
    with mlflow.start_run() as run:
        metrics = run_grpo(FundingWithLengthBonus(), config, **kwargs)
    assert metrics["train_steps"] == 2 and metrics["resumed_from_step"] == 0 and metrics["train_prompts"] == 4
    for key in ("final_reward_mean", "zero_spread_fraction", "empty_share", "mean_completion_chars",
                "seconds_per_step"):
        assert key in metrics
    assert 0.0 <= metrics["zero_spread_fraction"] <= 1.0 and 0.0 <= metrics["empty_share"] <= 1.0
    logged = mlflow.get_run(run.info.run_id).data.metrics
    assert "final/zero_spread_fraction" in logged and "outputs/empty_share" in logged and "reward" in logged

    with open(root / "curve.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {"reward", "reward_std", "rewards/funder_f05/mean", "rewards/length_bonus/mean", ZERO_SPREAD_KEY,
            EMPTY_SHARE_KEY, "kl"} <= set(rows[0])
    assert [row["step"] for row in rows[:2]] == ["1", "2"]
    assert float(rows[1]["kl"]) > 0  # step 1 moved the policy away from the reference (adapter disabled)

    out = root / "grpo"
    assert (out / "adapter_config.json").exists()
    trained = load_file(out / "adapter_model.safetensors")
    assert any(tensor.abs().sum() > 0 for name, tensor in trained.items() if "lora_B" in name)
    assert json.loads((out / "merged_from.json").read_text())["sft_adapter"] == str(sft_dir)
    # each checkpoint names its chain too, so a curve's checkpoints are scored on base + SFT, as they were trained
    kept = sorted((root / "checkpoints").glob("*/checkpoint-*"))
    assert [path.name for path in kept] == ["checkpoint-1", "checkpoint-2"]
    assert all(adapter_chain(path) == [sft_dir, path] for path in kept)
    assert "merged in, not on the bare base" in (out / "README.md").read_text()
    merged, _ = load_policy(base_dir, sft_dir, config.model)
    policy = PeftModel.from_pretrained(load_policy(base_dir, sft_dir, config.model)[0], str(out))
    ids = torch.tensor([[1, 5, 9, 12]])
    with torch.no_grad():
        with policy.disable_adapter():
            assert torch.allclose(policy(ids).logits, merged(ids).logits)  # the adapter's base is base+SFT
        assert not torch.allclose(policy(ids).logits, merged(ids).logits)

    with mlflow.start_run():
        rerun = run_grpo(FundingWithLengthBonus(), config, **kwargs)
    assert rerun["resumed_from_step"] == 2 and rerun["train_steps"] == 2  # finished: restored, not trained on
    assert rerun["zero_spread_fraction"] == metrics["zero_spread_fraction"]  # from the checkpointed log history
    republished = load_file(out / "adapter_model.safetensors")
    assert all(torch.equal(trained[name], republished[name]) for name in trained)


def test_article_rewards_score_stage_two_of_each_rollout_answered_by_the_policy(tiny_model_dir):
    """A rollout that copied a statement of its chunk is scored on the policy's stage-2 answer to that statement
    (one generation call per batch, whatever the number of reward components); one that kept nothing is scored as
    the answer "no funder"; the share of those is logged."""
    from types import SimpleNamespace

    from sciextract.modeling import load_tokenizer
    from sciextract.tasks import get_task
    from sciextract.train.grpo import EMPTY_EXTRACTION_KEY, StageTwoRewards

    config = Config()
    config.grpo = GRPOSettings(max_completion_length=6)
    task = get_task("funding")
    tokenizer = load_tokenizer(str(tiny_model_dir))
    model, _ = load_policy(tiny_model_dir, None, config.model)
    model.train()
    stage_two = StageTwoRewards(task, config)
    stage_two.bind(SimpleNamespace(processing_class=tokenizer, model=model,
                                   accelerator=SimpleNamespace(unwrap_model=lambda m: m)))
    calls = []
    generate = stage_two._generate
    stage_two._generate = lambda records: calls.append(records) or generate(records)
    seen, logged = [], {}

    def component(prompts, completions, gold_funders, **_):
        seen.append(list(completions))
        return [1.0] * len(completions)

    chunk = "Methods were standard. This work was supported by the Wellcome Trust (grant 123456). Thanks."
    rollouts = [[{"role": "assistant", "content": '{"statements": ["This work was supported by the Wellcome Trust '
                                                   '(grant 123456)."]}'}],
                [{"role": "assistant", "content": '{"statements": []}'}]]
    columns = {"source": [chunk, chunk], "gold_funders": ["[]", "[]"]}
    first = stage_two.wrap(component, logs_extraction=True)
    second = stage_two.wrap(component, logs_extraction=False)
    for reward in (first, second):
        assert reward([[], []], rollouts, log_metric=logged.__setitem__, **columns) == [1.0, 1.0]
    assert logged == {EMPTY_EXTRACTION_KEY: 0.5}
    assert calls == [[{"funding_statement": "This work was supported by the Wellcome Trust (grant 123456)."}]]
    assert seen[0] == seen[1] and seen[0][1] == "[]" and isinstance(seen[0][0], str)
    assert model.training  # back in training mode after generating, as TRL expects


def answer_tokens(task, tokenizer, record: dict) -> int:
    """The gold answer's length as a rollout would reach it: the target and the end-of-sequence token."""
    return len(tokenizer(task.target(record) + tokenizer.eos_token, add_special_tokens=False)["input_ids"])


def test_prompts_whose_answer_passes_the_completion_budget_are_left_out(tiny_model_dir, tmp_path):
    """`grpo.skip_long_answers`: a record whose gold answer (target and end-of-sequence token) is longer than
    `max_completion_length` tokens is left out and counted; a budget no answer fits is an error naming the field."""
    from sciextract.errors import InputError
    from sciextract.modeling import load_tokenizer
    from sciextract.train.grpo import answers_within

    task, tokenizer = FundingTask(), load_tokenizer(str(tiny_model_dir))
    short = funding_records(3)
    long_record = {**short[0], "id": "long", "funders": short[0]["funders"] * 6}
    length = {record["id"]: answer_tokens(task, tokenizer, record) for record in [*short, long_record]}
    budget = max(length[record["id"]] for record in short)
    assert length["long"] > budget
    config = Config()
    config.grpo = GRPOSettings(max_completion_length=budget, skip_long_answers=True)
    kept, skipped = answers_within(task, [short[0], long_record, *short[1:]], tokenizer, config,
                                   split=tmp_path / "rl.jsonl")
    assert [record["id"] for record in kept] == ["r0", "r1", "r2"] and skipped == 1

    config.grpo.max_completion_length = min(length.values()) - 1
    with pytest.raises(InputError, match="grpo.max_completion_length"):
        answers_within(task, short, tokenizer, config, split=tmp_path / "rl.jsonl")


def test_skipped_prompts_are_not_replaced_from_beyond_max_prompt_examples(tiny_sft, tmp_path):
    """The sweep trains on the first `max_prompt_examples` rl records and scores on the next ones: a skipped long
    answer among the first must leave a gap, not pull in a record the trials are scored on."""
    from sciextract.modeling import load_tokenizer
    from sciextract.train.grpo import setup

    _, base_dir, _, sft_dir = tiny_sft
    task, tokenizer = FundingTask(), load_tokenizer(str(base_dir))
    records = funding_records(5)
    records[1] = {**records[1], "funders": records[1]["funders"] * 6}
    write_jsonl(tmp_path / "rl.jsonl", records)
    config = Config()
    config.grpo = GRPOSettings(max_prompt_examples=3, skip_long_answers=True,
                               max_completion_length=max(answer_tokens(task, tokenizer, r) for r in records[2:]))
    dataset, _, _, _, skipped = setup(task, config, tmp_path, base_dir, sft_dir)
    statements = [row["prompt"][-1]["content"] for row in dataset]
    assert skipped == 1 and len(statements) == 2
    assert [r["id"] for r in records if any(r["funding_statement"] in text for text in statements)] == ["r0", "r2"]
