"""SFT loss and batched generation on the tiny random model."""

from __future__ import annotations

import itertools

import pytest
import torch

from sciextract.config import Config
from sciextract.tasks.funding.data import load_funding_records
from sciextract.generate import GenerationSettings, chat_prompts, generate_transformers
from sciextract.modeling import load_causal_lm, load_tokenizer
from sciextract.tasks.funding.task import FundingTask
from sciextract.train.sft import (
    PACKED_ATTENTION,
    ShuffledLengthBuckets,
    completion_only_loss,
    packed_completion_only_loss,
    sft_model_config,
    sft_run_hash,
    shared_prompt_length,
    trainer_for,
)


def _sft_trainer(tiny_model_dir, funding_file, tmp_path, attention=None, packing=False, **sft_settings):
    from datasets import Dataset

    config = Config()
    config.model.dtype = "float32"
    config.sft.max_length = 1024
    config.sft.attn_implementation = attention
    config.sft.packing = packing
    for name, value in sft_settings.items():
        setattr(config.sft, name, value)
    task = FundingTask()
    dataset = Dataset.from_list([task.sft_example(r) for r in load_funding_records(funding_file)])
    tokenizer = load_tokenizer(str(tiny_model_dir))
    model = load_causal_lm(str(tiny_model_dir), sft_model_config(config), for_training=True)
    return trainer_for(config, dataset, model, tokenizer, tmp_path, callbacks=[])


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
def test_completion_only_loss_equals_the_full_logits_loss(tiny_model_dir, funding_file, tmp_path, attention):
    trainer = _sft_trainer(tiny_model_dir, funding_file, tmp_path, attention)
    assert trainer.model.config._attn_implementation == attention
    batch = next(iter(trainer.get_train_dataloader()))
    model = trainer.model.eval()  # no dropout: both passes must see the same network
    # the system prompt is shared, so the loss takes the path that runs it once for the batch
    assert shared_prompt_length(batch["input_ids"], batch["labels"], batch["attention_mask"]) > 20
    lora = [p for p in model.parameters() if p.requires_grad]
    ours, correct, labelled = completion_only_loss(model, batch)
    ours_grads = torch.autograd.grad(ours, lora)
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    reference = torch.nn.functional.cross_entropy(logits[:, :-1].flatten(0, 1).float(),
                                                  batch["labels"][:, 1:].flatten(), ignore_index=-100)
    reference_grads = torch.autograd.grad(reference, lora)
    predicted = logits[:, :-1].argmax(-1)
    keep = batch["labels"][:, 1:] != -100
    assert labelled == int(keep.sum()) > 0
    assert correct == int((predicted[keep] == batch["labels"][:, 1:][keep]).sum())
    torch.testing.assert_close(ours, reference, rtol=1e-5, atol=1e-5)
    assert any(float(g.abs().max()) > 0 for g in reference_grads)
    for got, expected in zip(ours_grads, reference_grads, strict=True):
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-6)
    # prompt tokens carry no label: the loss is taken on the completion only
    assert bool((batch["labels"][:, :5] == -100).all())


def test_shared_prompt_stops_at_the_first_difference_label_or_pad():
    ids = torch.tensor([[1, 2, 3, 4, 5, 6], [1, 2, 3, 9, 5, 6]])
    unlabelled = torch.full_like(ids, -100)
    ones = torch.ones_like(ids)
    assert shared_prompt_length(ids, unlabelled, ones) == 3
    labels = unlabelled.clone()
    labels[1, 2] = 3  # position 1 predicts a labelled token, so it must produce its own hidden state
    assert shared_prompt_length(ids, labels, ones) == 1
    mask = ones.clone()
    mask[0, 0] = 0
    assert shared_prompt_length(ids, unlabelled, mask) == 0
    same = torch.tensor([[1, 2, 3], [1, 2, 3]])
    assert shared_prompt_length(same, torch.full_like(same, -100), None) == 2  # one position left to run per row


def test_trainer_logs_token_count_and_accuracy(tiny_model_dir, funding_file, tmp_path):
    trainer = _sft_trainer(tiny_model_dir, funding_file, tmp_path)
    trainer.args.max_steps = 2
    trainer.args.logging_steps = 1
    trainer.train()
    logged = [entry for entry in trainer.state.log_history if "loss" in entry]
    assert len(logged) == 2
    batch_tokens = trainer.args.per_device_train_batch_size * trainer.args.max_length
    assert 0 < logged[0]["num_tokens"] <= batch_tokens * trainer.args.gradient_accumulation_steps
    assert logged[0]["num_tokens"] < logged[1]["num_tokens"] <= 2 * batch_tokens * trainer.args.gradient_accumulation_steps
    assert 0.0 <= logged[-1]["mean_token_accuracy"] <= 1.0


@pytest.mark.parametrize("limit, kept", [(2, ["checkpoint-2", "checkpoint-3"]),
                                         (None, ["checkpoint-1", "checkpoint-2", "checkpoint-3"])])
def test_sft_keeps_as_many_checkpoints_as_configured(tiny_model_dir, funding_file, tmp_path, limit, kept):
    """A curve scored at every checkpoint needs them all (`save_total_limit: null`); the default keeps the last two."""
    output = tmp_path / "run"
    trainer = _sft_trainer(tiny_model_dir, funding_file, output, max_steps=3, save_steps=1, save_total_limit=limit)
    trainer.train()
    assert sorted(path.name for path in output.glob("checkpoint-*")) == kept


def test_length_buckets_are_tight_and_visited_in_random_order():
    lengths = [(i * 37) % 500 + 100 for i in range(203)]  # 50 full batches of 4 and a last one of 3
    sampler = ShuffledLengthBuckets(lengths, batch_size=4, seed=7, group_batches=10)
    order = list(sampler)
    assert sorted(order) == list(range(203))
    batches = [order[i:i + 4] for i in range(0, len(order), 4)]
    assert len(batches[-1]) == 3  # the short batch comes last, so every other boundary falls on a multiple of 4

    def padded_share(batched: list[list[int]]) -> float:
        return sum(max(lengths[i] for i in b) * len(b) for b in batched) / sum(lengths) - 1

    shuffled = torch.randperm(203, generator=torch.Generator().manual_seed(0)).tolist()
    assert padded_share(batches) < 0.1
    assert padded_share([shuffled[i:i + 4] for i in range(0, 203, 4)]) > 0.3  # what plain shuffling would pad
    # no long-to-short cycle: batch length means are not sorted within any group of 10 batches
    means = [sum(lengths[i] for i in b) / len(b) for b in batches[:-1]]
    assert all(means[k:k + 10] != sorted(means[k:k + 10], reverse=True) for k in range(0, 50, 10))
    assert list(ShuffledLengthBuckets(lengths, 4, seed=7, group_batches=10)) == order  # what a resumed run replays
    sampler.set_epoch(1)
    assert list(sampler) != order


def test_sft_trainer_batches_with_shuffled_length_buckets(tiny_model_dir, funding_file, tmp_path):
    trainer = _sft_trainer(tiny_model_dir, funding_file, tmp_path)
    sampler = trainer._get_train_sampler()
    assert isinstance(sampler, ShuffledLengthBuckets)
    assert sampler.lengths == [len(ids) for ids in trainer.train_dataset["input_ids"]]
    assert sampler.batch_size == trainer.args.per_device_train_batch_size


def test_batched_generation_keeps_input_order(tiny_model_dir, funding_file):
    tokenizer = load_tokenizer(str(tiny_model_dir))
    config = Config()
    config.model.dtype = "float32"
    model = load_causal_lm(str(tiny_model_dir), config.model, for_training=False)
    task = FundingTask()
    prompts = chat_prompts(tokenizer, [task.prompt(r) for r in load_funding_records(funding_file)])
    settings = GenerationSettings(max_new_tokens=6, batch_size=1)
    one_by_one = generate_transformers(model, tokenizer, prompts, settings, progress=None)
    batched = generate_transformers(model, tokenizer, prompts, GenerationSettings(max_new_tokens=6, batch_size=4),
                                    progress=None)
    assert len(batched) == len(prompts)
    assert batched == one_by_one


def test_min_new_tokens_forces_the_benchmark_length(tiny_model_dir, funding_file):
    tokenizer = load_tokenizer(str(tiny_model_dir))
    model = load_causal_lm(str(tiny_model_dir), Config().model.__class__(dtype="float32"), for_training=False)
    prompts = chat_prompts(tokenizer, [FundingTask().prompt(r) for r in load_funding_records(funding_file)[:2]])
    settings = GenerationSettings(max_new_tokens=5, min_new_tokens=5, batch_size=2)
    outputs = generate_transformers(model, tokenizer, prompts, settings, progress=None)
    tokens = [tokenizer(text, add_special_tokens=False)["input_ids"] for text in outputs]
    assert all(len(t) >= 3 for t in tokens)  # decoding may merge byte tokens, but never drops to nothing


def test_sft_attention_kernel_defaults_to_the_model_one():
    config = Config()
    config.model.attn_implementation = "sdpa"
    assert sft_model_config(config).attn_implementation == "sdpa"
    config.sft.attn_implementation = "eager"
    assert sft_model_config(config).attn_implementation == "eager"
    assert config.model.attn_implementation == "sdpa"  # generation and GRPO keep theirs


def test_lora_from_a_first_layer_adapts_only_the_layers_above_it(tiny_model_dir):
    from peft import get_peft_model

    from sciextract.config import LoraSettings, ModelConfig
    from sciextract.errors import InputError
    from sciextract.modeling import lora_config

    model = load_causal_lm(str(tiny_model_dir), ModelConfig(dtype="float32"), for_training=True)
    depth = model.config.num_hidden_layers
    peft_model = get_peft_model(model, lora_config(LoraSettings(r=4, first_layer=depth - 2), model))
    adapted = {name.split(".layers.")[1].split(".")[0] for name, _ in peft_model.named_parameters() if "lora_A" in name}
    assert adapted == {str(depth - 2), str(depth - 1)}
    adapted_kinds = {name.split(".")[-4] for name, _ in peft_model.named_parameters() if "lora_A" in name}
    assert adapted_kinds == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    with pytest.raises(InputError, match="first_layer"):
        lora_config(LoraSettings(first_layer=depth), load_causal_lm(str(tiny_model_dir), ModelConfig(dtype="float32"),
                                                                   for_training=False))


def test_run_hashes_change_with_the_rendered_text_not_only_with_files(tmp_path, funding_file):
    """A prompt changed in task code (same split files, same params) must train anew, never restore the adapter
    trained on the old text; the same rendering keeps the key, so a killed run still resumes."""
    from sciextract.train.grpo import grpo_run_hash, reward_code_digest

    config, task = Config(), FundingTask()
    records = load_funding_records(funding_file)
    examples = [task.sft_example(r) for r in records]
    reworded = [dict(e, prompt=[dict(m, content=m["content"] + " ") if m["role"] == "system" else m
                                for m in e["prompt"]]) for e in examples]
    (tmp_path / "base").mkdir()
    key = sft_run_hash(config, examples, funding_file, tmp_path / "base")
    assert key == sft_run_hash(config, [dict(e) for e in examples], funding_file, tmp_path / "base")
    assert key != sft_run_hash(config, reworded, funding_file, tmp_path / "base")
    prompts = [task.rl_example(r) for r in records]
    sft = tmp_path / "sft"
    sft.mkdir()
    (sft / "adapter_model.safetensors").write_bytes(b"weights")
    (sft / "README.md").write_text("train_seconds: 700")
    code = reward_code_digest(task)
    assert {"funding/rewards.py", "funding/parse.py", "scoring/fbeta.py"} <= code.keys()
    key = grpo_run_hash(config, prompts, funding_file, sft, code)
    assert key != grpo_run_hash(config, prompts[::-1], funding_file, sft, code)
    # the same prompts and weights with a changed reward (a parser, a grounding rule) train anew
    assert key != grpo_run_hash(config, prompts, funding_file, sft, {**code, "funding/parse.py": "changed"})
    # a restored SFT republishes its card: same weights, same GRPO key (GRPO restores instead of retraining)
    (sft / "README.md").write_text("train_seconds: 3")
    assert grpo_run_hash(config, prompts, funding_file, sft, code) == key
    (sft / "adapter_model.safetensors").write_bytes(b"other weights")
    assert grpo_run_hash(config, prompts, funding_file, sft, code) != key


def test_run_hashes_leave_out_how_many_checkpoints_are_kept(tmp_path, funding_file):
    """Keeping more checkpoints changes no weight: a run resumed with another limit resumes; a trained field still
    changes the key."""
    from sciextract.train.grpo import grpo_run_hash

    task = FundingTask()
    records = load_funding_records(funding_file)
    examples, prompts = [task.sft_example(r) for r in records], [task.rl_example(r) for r in records]
    (tmp_path / "base").mkdir()
    (tmp_path / "sft").mkdir()
    (tmp_path / "sft" / "adapter_model.safetensors").write_bytes(b"weights")

    def keys(config: Config) -> tuple[str, str]:
        return (sft_run_hash(config, examples, funding_file, tmp_path / "base"),
                grpo_run_hash(config, prompts, funding_file, tmp_path / "sft", {}))

    config = Config()
    default = keys(config)
    config.sft.save_total_limit = config.grpo.save_total_limit = None
    assert keys(config) == default
    config.sft.seed = config.grpo.seed = 7
    assert all(new != old for new, old in zip(keys(config), default, strict=True))


def test_packed_loss_equals_the_padded_loss_and_trains_on_the_same_steps(tiny_model_dir, funding_file, tmp_path):
    padded = _sft_trainer(tiny_model_dir, funding_file, tmp_path / "padded")
    packed = _sft_trainer(tiny_model_dir, funding_file, tmp_path / "packed", packing=True)
    assert packed.model.config._attn_implementation == PACKED_ATTENTION
    # one packed batch a step holds the step's accumulated buckets, in the same order
    packed_batch = next(iter(packed.get_train_dataloader()))
    buckets = list(itertools.islice(iter(padded.get_train_dataloader()), padded.args.gradient_accumulation_steps))
    assert packed.args.gradient_accumulation_steps == 1

    def rows(batch):
        return [ids[mask.bool()].tolist() for ids, mask in zip(batch["input_ids"], batch["attention_mask"])]

    assert rows(packed_batch) == [row for bucket in buckets for row in rows(bucket)] and len(rows(packed_batch)) == 8
    assert len({len(row) for row in rows(packed_batch)}) > 1  # rows of several lengths: the padded pass pads
    model = packed.model.eval()
    lora = [p for p in model.parameters() if p.requires_grad]
    ours, correct, labelled = packed_completion_only_loss(model, packed_batch)
    ours_grads = torch.autograd.grad(ours, lora)
    reference, reference_correct, reference_labelled = completion_only_loss(model, packed_batch)
    reference_grads = torch.autograd.grad(reference, lora)
    # a row that attended to another row's tokens would change the loss
    assert (correct, labelled) == (reference_correct, reference_labelled)
    torch.testing.assert_close(ours, reference, rtol=1e-5, atol=1e-5)
    assert any(float(g.abs().max()) > 0 for g in reference_grads)
    for got, expected in zip(ours_grads, reference_grads, strict=True):
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-6)
    # an unpacked call through the packed attention is plain SDPA, padding mask included
    plain = _sft_trainer(tiny_model_dir, funding_file, tmp_path / "plain", attention="sdpa").model.eval()
    logits = model(input_ids=packed_batch["input_ids"], attention_mask=packed_batch["attention_mask"]).logits
    expected = plain(input_ids=packed_batch["input_ids"], attention_mask=packed_batch["attention_mask"]).logits
    torch.testing.assert_close(logits, expected, rtol=1e-5, atol=1e-5)


def test_packing_refuses_models_with_other_than_full_attention(tiny_model_dir):
    from sciextract.train.sft import use_packed_attention

    config = Config()
    config.model.dtype = "float32"
    model = load_causal_lm(str(tiny_model_dir), sft_model_config(config), for_training=True)
    model.config.layer_types = ["full_attention", "linear_attention"]
    with pytest.raises(ValueError, match="sft.packing.*linear_attention"):
        use_packed_attention(model)


@pytest.mark.parametrize(("cuda", "cuda_bf16", "avx512_bf16", "amx", "expected"), [
    (False, False, False, False, "float32"),  # an AVX2-only CPU: bf16 emulated, ~20x slower
    (False, False, True, False, "bfloat16"),
    (False, False, False, True, "bfloat16"),
    (True, True, False, False, "bfloat16"),
    (True, False, False, False, "float32"),  # a GPU older than Ampere
])
def test_auto_dtype_is_bfloat16_only_where_the_hardware_runs_it(monkeypatch, tmp_path, tiny_model_dir, cuda,
                                                                cuda_bf16, avx512_bf16, amx, expected):
    import mlflow

    from sciextract.config import ModelConfig
    from sciextract.modeling import resolved_dtype
    from sciextract.train.common import model_identity, precision_flags

    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: cuda_bf16)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    assert resolved_dtype(ModelConfig(dtype="auto")) == expected
    for named in ("float32", "bfloat16", "float16"):  # a named dtype is taken as given, whatever the hardware
        assert resolved_dtype(ModelConfig(dtype=named)) == named
    # an `auto` run shares its checkpoints with a run that names the dtype auto chose, and no other
    assert model_identity(ModelConfig(dtype="auto")) == model_identity(ModelConfig(dtype=expected))
    other = "float32" if expected == "bfloat16" else "bfloat16"
    assert model_identity(ModelConfig(dtype="auto")) != model_identity(ModelConfig(dtype=other))
    assert precision_flags(ModelConfig(dtype="auto"))["bf16"] == (cuda and expected == "bfloat16")
    if not cuda:  # loading needs no GPU only here; the MLflow run is tagged with what the weights were loaded in
        mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
        with mlflow.start_run() as run:
            model = load_causal_lm(str(tiny_model_dir), ModelConfig(dtype="auto"), for_training=False)
        assert model.dtype == getattr(torch, expected)
        assert mlflow.get_run(run.info.run_id).data.tags["dtype"] == expected


def test_an_unknown_dtype_names_the_field():
    from sciextract.config import ModelConfig

    with pytest.raises(ValueError, match="dtype"):
        ModelConfig(dtype="int8")
