"""Generation with a reused prompt prefix, against plain `model.generate` on one unpadded prompt."""

from __future__ import annotations

import torch
from transformers import MistralConfig, MistralForCausalLM

from sciextract.config import ModelConfig
from sciextract.tasks.funding.data import load_funding_records
from sciextract.generate import (
    GenerationSettings,
    LoopStop,
    _prefix_cache,
    chat_prompts,
    generate_transformers,
    shared_prefix_length,
)
from sciextract.modeling import load_causal_lm, load_tokenizer
from sciextract.tasks.funding.task import FundingTask


def _spread_weights(model) -> None:
    """The tiny models' own small init repeats one token whatever the prompt; larger weights make each
    prompt's greedy output its own, so a mix-up between prompts or positions would show."""
    torch.manual_seed(0)
    with torch.no_grad():
        for weight in model.parameters():
            if weight.dim() > 1:
                weight.normal_(0.0, 0.3)


def _model_and_prompts(tiny_model_dir, funding_file):
    tokenizer = load_tokenizer(str(tiny_model_dir))
    model = load_causal_lm(str(tiny_model_dir), ModelConfig(dtype="float32"), for_training=False)
    _spread_weights(model)
    prompts = chat_prompts(tokenizer, [FundingTask().prompt(r) for r in load_funding_records(funding_file)])
    return model, tokenizer, prompts


def _reference(model, tokenizer, prompt: str, new_tokens: int, **sampling) -> str:
    ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
    out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=new_tokens,
                         pad_token_id=tokenizer.pad_token_id, **sampling)
    return tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True)


def test_prefix_reuse_matches_plain_generate_on_each_prompt(tiny_model_dir, funding_file):
    model, tokenizer, prompts = _model_and_prompts(tiny_model_dir, funding_file)
    tokens = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
    assert shared_prefix_length(tokens) > 20  # the system message is shared, so the reuse path runs
    assert len({len(t) for t in tokens}) > 1  # and prompts of different lengths share a batch
    greedy = {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
    with torch.inference_mode():
        expected = [_reference(model, tokenizer, p, 16, **greedy) for p in prompts]
    batched = generate_transformers(model, tokenizer, prompts, GenerationSettings(max_new_tokens=16, batch_size=3),
                                    progress=None)
    assert len(set(expected)) == len(expected)
    assert batched == expected


def test_sampled_generation_reuses_the_prefix_with_the_same_random_stream(tiny_model_dir, funding_file):
    model, tokenizer, prompts = _model_and_prompts(tiny_model_dir, funding_file)
    settings = GenerationSettings(max_new_tokens=12, batch_size=1, do_sample=True, temperature=1.0, top_p=1.0)
    torch.manual_seed(3)
    ours = generate_transformers(model, tokenizer, prompts[:1], settings, progress=None)
    torch.manual_seed(3)
    with torch.inference_mode():
        expected = _reference(model, tokenizer, prompts[0], 12, do_sample=True, temperature=1.0, top_p=1.0, top_k=None)
    assert ours == [expected]


def test_a_seeded_sampling_call_repeats_and_leaves_the_global_random_stream_alone(tiny_model_dir, funding_file):
    model, tokenizer, prompts = _model_and_prompts(tiny_model_dir, funding_file)
    settings = GenerationSettings(max_new_tokens=12, batch_size=2, do_sample=True, temperature=1.0, top_p=1.0, seed=5)
    torch.manual_seed(0)
    first = generate_transformers(model, tokenizer, prompts[:3], settings, progress=None)
    after_first = torch.rand(1)
    torch.manual_seed(1)
    assert generate_transformers(model, tokenizer, prompts[:3], settings, progress=None) == first
    torch.manual_seed(0)
    assert torch.equal(torch.rand(1), after_first)  # the seeded call drew nothing from torch's global generator
    other_seed = GenerationSettings(max_new_tokens=12, batch_size=2, do_sample=True, temperature=1.0, top_p=1.0, seed=6)
    assert generate_transformers(model, tokenizer, prompts[:3], other_seed, progress=None) != first


def test_shared_prefix_leaves_every_prompt_a_token_of_its_own():
    assert shared_prefix_length([[1, 2, 3, 4], [1, 2, 3, 5]]) == 3
    assert shared_prefix_length([[1, 2, 3], [1, 2, 3, 4]]) == 2
    assert shared_prefix_length([[7, 2], [1, 2]]) == 0
    assert shared_prefix_length([[5, 6, 7]]) == 2


def test_loop_stop_ends_only_sequences_repeating_a_span():
    prompt = [9] * 5
    looping = prompt + [1, 2] + [3, 4, 5, 6] * 3
    varied = prompt + [1, 2] + [3, 4, 5, 6, 3, 4, 5, 7, 3, 4, 5, 6]
    digits = prompt + [1, 2] + [0] * 12  # a run of one token, as in "1000000000000", is a legal id
    stop = LoopStop(prompt_length=5, repeats=3)
    flags = stop(torch.tensor([looping, varied, digits]), None)
    assert flags.tolist() == [True, False, False]
    assert LoopStop(prompt_length=5, repeats=4)(torch.tensor([looping]), None).tolist() == [False]


def test_generate_passes_the_loop_stop_to_each_sequence(tiny_model_dir, funding_file):
    model, tokenizer, prompts = _model_and_prompts(tiny_model_dir, funding_file)
    free = generate_transformers(model, tokenizer, prompts, GenerationSettings(max_new_tokens=24, batch_size=4),
                                 progress=None)
    # One "repeat" of a span is any 4 varied tokens, so each sequence stops after its first 4 tokens.
    cut = generate_transformers(model, tokenizer, prompts, GenerationSettings(max_new_tokens=24, batch_size=4, stop_on_loop=1),
                                progress=None)
    for full, short in zip(free, cut, strict=True):
        assert full.startswith(short) and len(short) < len(full)


def test_sliding_window_models_get_plain_padded_batches(tiny_model_dir, funding_file):
    tokenizer = load_tokenizer(str(tiny_model_dir))
    config = MistralConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=2, sliding_window=32,
                           pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
    model = MistralForCausalLM(config).eval()
    _spread_weights(model)
    prompts = chat_prompts(tokenizer, [FundingTask().prompt(r) for r in load_funding_records(funding_file)])[:3]
    assert _prefix_cache(model, [1, 2, 3]) is None  # a sliding-window cache is not reused across prompts
    greedy = {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
    with torch.inference_mode():
        expected = [_reference(model, tokenizer, p, 8, **greedy) for p in prompts]
    assert generate_transformers(model, tokenizer, prompts, GenerationSettings(max_new_tokens=8, batch_size=3),
                                 progress=None) == expected


def test_reserved_layer_writes_in_place_and_matches_the_growing_cache():
    import pytest
    from transformers.cache_utils import DynamicLayer

    from sciextract.generate import ReservedLayer

    keys, values = torch.randn(2, 3, 4, 8), torch.randn(2, 3, 4, 8)
    growing = DynamicLayer()
    growing.update(keys, values)
    reserved = ReservedLayer(growing, capacity=6)
    buffer = reserved.keys.data_ptr()
    for _ in range(2):
        step = torch.randn(2, 3, 1, 8), torch.randn(2, 3, 1, 8)
        expected = growing.update(*step)
        got = reserved.update(*step)
        assert got[0].data_ptr() == buffer  # a view of the reserved buffer: nothing copied
        torch.testing.assert_close(got, expected, rtol=0, atol=0)
    assert reserved.get_seq_length() == 6
    reserved.batch_select_indices(torch.tensor([1]))
    torch.testing.assert_close(reserved.keys, growing.keys[1:], rtol=0, atol=0)
    with pytest.raises(RuntimeError, match="past the 6 cache positions"):
        reserved.update(torch.randn(1, 3, 1, 8), torch.randn(1, 3, 1, 8))
