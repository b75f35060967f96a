"""Batched generation for evaluation: transformers with a KV cache, or vLLM where installed (GPU)."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm
from transformers import (
    DynamicCache,
    LogitsProcessorList,
    StoppingCriteria,
    TemperatureLogitsWarper,
    TopPLogitsWarper,
)
from transformers.cache_utils import DynamicLayer

from sciextract.decoding import BatchConstraint, GrammarChoice, prompt_grammars, vllm_structured_outputs

PREFILL_BATCH = 4
"""Prompts prefilled together; they are length-sorted, so right padding wastes little compute."""


@dataclass
class GenerationSettings:
    max_new_tokens: int = 256
    min_new_tokens: int = 0
    """Benchmarks force a fixed output length with this; evaluation leaves it at 0."""
    batch_size: int = 32
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    stop_on_loop: int = 0
    """End a sequence once its generated tail is one span repeated this many times in a row (0: never)."""
    grammar: GrammarChoice = None
    """Constrain every answer to this grammar, or each prompt's answer to its own (a sequence in prompt order: a
    grammar built from the input, see `decoding.copied_string`); None generates freely (`decoding.structured`)."""
    seed: int | None = None
    """Sampling draws from a generator seeded with this, so that a sampled evaluation repeats on the same inputs;
    None draws from torch's global generator (GRPO's rollouts, seeded by the trainer)."""


def chat_prompts(tokenizer, conversations: list[list[dict]]) -> list[str]:
    return [tokenizer.apply_chat_template(c, add_generation_prompt=True, tokenize=False) for c in conversations]


class LoopStop(StoppingCriteria):
    """Ends each sequence whose generated tail is one span of 4-64 tokens (not all one token) repeated `repeats` times.

    Small models under greedy decoding can repeat an item until `max_new_tokens`; the copies add
    nothing a parser keeps, and one looping row holds its whole batch to the longest length.
    """

    periods = range(4, 65)

    def __init__(self, prompt_length: int, repeats: int):
        self.prompt_length = prompt_length
        self.repeats = repeats

    def __call__(self, input_ids: torch.LongTensor, scores, **kwargs) -> torch.BoolTensor:
        generated = input_ids[:, self.prompt_length:]
        looping = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        for period in self.periods:
            span = period * self.repeats
            if span > generated.shape[1]:
                break
            tail = generated[:, -span:]
            varied = (tail[:, :period] != tail[:, :1]).any(dim=1)  # a run of one token may be a legal id
            looping |= varied & (tail[:, period:] == tail[:, :-period]).all(dim=1)
        return looping


def shared_prefix_length(token_lists: list[list[int]]) -> int:
    """Length of the token prefix every prompt starts with, leaving each at least one token of its own."""
    first = token_lists[0]
    length = min(len(tokens) for tokens in token_lists) - 1
    for tokens in token_lists[1:]:
        length = next((i for i in range(length) if tokens[i] != first[i]), length)
    return max(length, 0)


def _prefix_cache(model, prefix: list[int]) -> list[tuple[torch.Tensor, torch.Tensor]] | None:
    """Key/value states of the shared prefix, or None where they cannot be reused.

    Reuse needs a prefix and plain full-attention layers; sliding-window and linear-attention
    (hybrid) caches are not a list of positions that can be copied and padded.
    """
    cache = DynamicCache(config=model.config)
    if not prefix or any(type(layer) is not DynamicLayer for layer in cache.layers):
        return None
    model(input_ids=torch.tensor([prefix], device=model.device), cache=cache, use_cache=True, logits_to_keep=1)
    return [(layer.keys, layer.values) for layer in cache.layers]


def _prefill(model, token_lists: list[list[int]], prefix_cache: list[tuple[torch.Tensor, torch.Tensor]],
             pad_id: int) -> list[list[tuple[torch.Tensor, torch.Tensor]]]:
    """Per prompt and layer, the key/value states of its tokens after the shared prefix."""
    offset = prefix_cache[0][0].shape[2]
    states = []
    for start in range(0, len(token_lists), PREFILL_BATCH):
        chunk = token_lists[start:start + PREFILL_BATCH]
        width = max(len(tokens) for tokens in chunk)
        cache = DynamicCache([(k.expand(len(chunk), -1, -1, -1), v.expand(len(chunk), -1, -1, -1)) for k, v in prefix_cache],
                             config=model.config)
        if width:
            # Right padding: with causal attention a prompt's tokens never see the pads that follow them.
            ids = torch.tensor([tokens + [pad_id] * (width - len(tokens)) for tokens in chunk], device=model.device)
            model(input_ids=ids, cache=cache, use_cache=True, logits_to_keep=1)
        for row, tokens in enumerate(chunk):
            states.append([(layer.keys[row, :, offset:offset + len(tokens)], layer.values[row, :, offset:offset + len(tokens)])
                           for layer in cache.layers])
    return states


def _cached_inputs(model, prefix: list[int], prefix_cache, suffixes: list[list[int]], pad_id: int):
    """Input ids, attention mask and cache for `generate`, laid out [prefix][pads][own tokens].

    The cache covers all but the last position, so `generate` starts by feeding each prompt's last
    token; positions come from the mask, so padding in the middle shifts nothing.
    """
    suffix_states = _prefill(model, [s[:-1] for s in suffixes], prefix_cache, pad_id)
    rows, length = len(suffixes), len(prefix) + max(len(s) for s in suffixes)
    ids = torch.full((rows, length), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    ids[:, :len(prefix)] = torch.tensor(prefix, dtype=torch.long)
    mask[:, :len(prefix)] = 1
    for row, tokens in enumerate(suffixes):
        ids[row, length - len(tokens):] = torch.tensor(tokens, dtype=torch.long)
        mask[row, length - len(tokens):] = 1
    layers = []
    for layer, (prefix_keys, prefix_values) in enumerate(prefix_cache):
        keys = prefix_keys.new_zeros((rows, prefix_keys.shape[1], length - 1, prefix_keys.shape[3]))
        values = torch.zeros_like(keys)
        keys[:, :, :len(prefix)] = prefix_keys
        values[:, :, :len(prefix)] = prefix_values
        for row, states in enumerate(suffix_states):
            own_keys, own_values = states[layer]
            keys[row, :, length - 1 - own_keys.shape[1]:] = own_keys
            values[row, :, length - 1 - own_keys.shape[1]:] = own_values
        layers.append((keys, values))
    return ids.to(model.device), mask.to(model.device), DynamicCache(layers, config=model.config)


class ReservedLayer(DynamicLayer):
    """A cache layer whose keys and values are views of buffers reserved for the whole generation.

    `DynamicLayer` grows by `torch.cat`, copying the layer's whole cache at every decode step: a quarter of the CPU
    time of decoding 8 rows (torch profiler, 64 steps after a 210-token prompt). Here a step writes its own
    position in place, and the attention reads the same values, so the answers are those of `DynamicLayer`.
    """

    def __init__(self, layer: DynamicLayer, capacity: int):
        super().__init__()
        length = layer.keys.shape[2]
        self._key_buffer = layer.keys.new_empty((*layer.keys.shape[:2], capacity, layer.keys.shape[3]))
        self._value_buffer = layer.values.new_empty((*layer.values.shape[:2], capacity, layer.values.shape[3]))
        self._key_buffer[:, :, :length] = layer.keys
        self._value_buffer[:, :, :length] = layer.values
        self.device, self.is_initialized = layer.keys.device, True
        self._view(length)

    def _view(self, length: int) -> None:
        self.keys, self.values = self._key_buffer[:, :, :length], self._value_buffer[:, :, :length]

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs):
        start = self.keys.shape[2]
        end = start + key_states.shape[2]
        if end > self._key_buffer.shape[2]:
            raise RuntimeError(f"generation ran past the {self._key_buffer.shape[2]} cache positions it reserved")
        self._key_buffer[:, :, start:end] = key_states
        self._value_buffer[:, :, start:end] = value_states
        self._view(end)
        return self.keys, self.values

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        length = self.keys.shape[2]
        self._key_buffer, self._value_buffer = self._key_buffer[indices], self._value_buffer[indices]
        self._view(length)


def _padded_inputs(model, token_lists: list[list[int]], pad_id: int):
    """Left-padded input ids and mask, for models whose cache cannot be reused across prompts."""
    length = max(len(tokens) for tokens in token_lists)
    ids = torch.tensor([[pad_id] * (length - len(tokens)) + tokens for tokens in token_lists])
    mask = torch.tensor([[0] * (length - len(tokens)) + [1] * len(tokens) for tokens in token_lists])
    return ids.to(model.device), mask.to(model.device), None


def _eos_ids(model, tokenizer) -> set[int]:
    configured = model.generation_config.eos_token_id if model.generation_config is not None else None
    ids = configured if isinstance(configured, list) else [configured]
    return {i for i in ids if i is not None} | {tokenizer.eos_token_id}


def _decode(model, ids: torch.Tensor, mask: torch.Tensor, cache: DynamicCache | None, settings: GenerationSettings,
            eos_ids: set[int], constraint: BatchConstraint | None = None, sampler: torch.Generator | None = None
            ) -> list[list[int]]:
    """Each row's new tokens, generated step by step; a row that ends (end of sequence, loop stop, length) leaves
    the batch at once, with its cache rows.

    `model.generate` keeps every finished row computing until the longest one ends; on CPU a step's cost grows
    with the rows in it, and one long answer then held 31 finished ones for hundreds of steps. Dropping them cut
    the 100 real dev answers of an SFT adapter from 285 s to 136 s (batches of 32, README, "Benchmarks").

    A `constraint` masks each step's logits to its grammar before the token is chosen, is fed the chosen tokens,
    and drops the rows that leave the batch, like the cache.
    """
    if constraint is not None and settings.min_new_tokens:
        raise ValueError("min_new_tokens forbids the end of sequence that a complete constrained answer needs")
    rows = ids.shape[0]
    if cache is None:  # plain left-padded batch: the whole prompt goes in first
        cache, step_ids = DynamicCache(config=model.config), ids
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
    else:  # [prefix][pads][own tokens] with all but the last position cached
        step_ids, positions = ids[:, -1:], mask.sum(-1, keepdim=True) - 1
        cache.layers = [ReservedLayer(layer, layer.keys.shape[2] + settings.max_new_tokens) for layer in cache.layers]
    warpers = None
    if settings.do_sample:  # as `generate` samples: temperature, then top-p, each only where it changes anything
        warpers = LogitsProcessorList([TemperatureLogitsWarper(settings.temperature)] if settings.temperature != 1.0 else [])
        if settings.top_p < 1.0:
            warpers.append(TopPLogitsWarper(settings.top_p))
    loop_stop = LoopStop(0, settings.stop_on_loop) if settings.stop_on_loop else None
    eos = torch.tensor(sorted(eos_ids), device=ids.device)
    active = torch.arange(rows, device=ids.device)
    generated = torch.empty((rows, 0), dtype=torch.long, device=ids.device)
    results: list[list[int]] = [[] for _ in range(rows)]
    for step in range(settings.max_new_tokens):
        logits = model(input_ids=step_ids, attention_mask=mask, position_ids=positions, cache=cache,
                       use_cache=True, logits_to_keep=1).logits[:, -1, :].to(dtype=torch.float32)
        if step < settings.min_new_tokens:
            logits[:, eos] = -float("inf")
        if constraint is not None:
            constraint.mask_(logits)
        if warpers is None:
            tokens = logits.argmax(dim=-1)
        else:
            tokens = torch.multinomial(torch.softmax(warpers(generated, logits), dim=-1), num_samples=1,
                                       generator=sampler).squeeze(1)
        generated = torch.cat([generated, tokens[:, None]], dim=1)
        if constraint is not None:
            constraint.advance(tokens.tolist())
        done = torch.isin(tokens, eos)
        if loop_stop is not None:
            done |= loop_stop(generated, None)
        if step + 1 == settings.max_new_tokens:
            done[:] = True
        for row in torch.nonzero(done).flatten().tolist():
            results[active[row]] = generated[row].tolist()
        keep = torch.nonzero(~done).flatten()
        if len(keep) == 0:
            break
        if len(keep) < len(active):
            cache.batch_select_indices(keep)
            if constraint is not None:
                constraint.select(keep.tolist())
            active, generated, tokens = active[keep], generated[keep], tokens[keep]
            mask, positions = mask[keep], positions[keep]
        mask = torch.cat([mask, mask.new_ones((len(active), 1))], dim=1)
        step_ids, positions = tokens[:, None], positions[:, -1:] + 1
    return results


@torch.inference_mode()
def generate_token_ids(model, tokenizer, prompt_tokens: list[list[int]], settings: GenerationSettings,
                       *, progress: str | None = None) -> list[list[int]]:
    """The new token ids of each tokenized prompt, in input order, ending with the end-of-sequence token that
    stopped it (none where the loop stop or `max_new_tokens` did).

    Prefill is the expensive part on CPU, and chat prompts share their system message: its key/value
    states are computed once and copied into every batch, and each prompt's own tokens are prefilled
    in small length-sorted groups instead of one batch padded to its longest prompt. With `settings.grammar`
    every answer follows its grammar (compiled once per grammar and tokenizer, see `sciextract.decoding`).
    """
    model.eval()
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    eos_ids = _eos_ids(model, tokenizer)
    grammars = prompt_grammars(settings.grammar, len(prompt_tokens))
    prefix = prompt_tokens[0][:shared_prefix_length(prompt_tokens)]
    prefix_cache = _prefix_cache(model, prefix)
    order = sorted(range(len(prompt_tokens)), key=lambda i: len(prompt_tokens[i]), reverse=True)
    sampler = None if settings.seed is None else torch.Generator(device=model.device).manual_seed(settings.seed)
    outputs: list[list[int] | None] = [None] * len(prompt_tokens)
    bar = tqdm(total=len(prompt_tokens), desc=progress, disable=progress is None, unit="doc")
    for start in range(0, len(order), settings.batch_size):
        batch = order[start:start + settings.batch_size]
        if prefix_cache is None:
            ids, mask, cache = _padded_inputs(model, [prompt_tokens[i] for i in batch], pad_id)
        else:
            ids, mask, cache = _cached_inputs(model, prefix, prefix_cache, [prompt_tokens[i][len(prefix):] for i in batch],
                                              pad_id)
        constraint = None
        if grammars is not None:
            constraint = BatchConstraint([grammars[i] for i in batch], tokenizer, model.config.vocab_size, eos_ids)
        answers = _decode(model, ids, mask, cache, settings, eos_ids, constraint, sampler)
        for index, new_tokens in zip(batch, answers, strict=True):
            outputs[index] = new_tokens
        bar.update(len(batch))
    bar.close()
    return outputs  # type: ignore[return-value]


def generate_transformers(model, tokenizer, prompts: list[str], settings: GenerationSettings,
                          *, progress: str | None = "generating") -> list[str]:
    """Greedy (or sampled) completions for chat-formatted prompts, in input order (see `generate_token_ids`)."""
    tokens = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
    return tokenizer.batch_decode(generate_token_ids(model, tokenizer, tokens, settings, progress=progress),
                                  skip_special_tokens=True)


def vllm_available() -> bool:
    return importlib.util.find_spec("vllm") is not None and torch.cuda.is_available()


def generate_vllm(model_path: str, prompts: list[str], settings: GenerationSettings, *, adapter_dir: str | None = None,
                  lora_rank: int = 16, dtype: str = "bfloat16") -> list[str]:
    """GPU generation with vLLM; a LoRA adapter is applied per request rather than merged."""
    if not vllm_available():
        raise RuntimeError("model.generation_backend: vllm needs the vllm package and a CUDA GPU")
    from vllm import LLM, SamplingParams
    from vllm.lora.request import LoRARequest

    # The grammars are Lark text, which vLLM hands to llguidance only under its `guidance` backend.
    grammars = prompt_grammars(settings.grammar, len(prompts))
    structured = {"structured_outputs_config": {"backend": "guidance"}} if grammars is not None else {}
    llm = LLM(model=model_path, dtype=dtype, enable_lora=adapter_dir is not None, max_lora_rank=max(lora_rank, 16),
              **structured)
    params = [SamplingParams(max_tokens=settings.max_new_tokens,
                             temperature=settings.temperature if settings.do_sample else 0.0,
                             top_p=settings.top_p if settings.do_sample else 1.0, seed=settings.seed,
                             **vllm_structured_outputs(grammar))
              for grammar in (grammars or [None] * len(prompts))]
    lora = LoRARequest("adapter", 1, adapter_dir) if adapter_dir else None
    results = llm.generate(prompts, params, lora_request=lora)
    return [result.outputs[0].text for result in results]
