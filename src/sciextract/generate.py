"""Batched generation for evaluation: transformers with a KV cache, or vLLM where installed (GPU)."""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

log = logging.getLogger(__name__)


@dataclass
class GenerationSettings:
    max_new_tokens: int = 256
    min_new_tokens: int = 0
    """Benchmarks force a fixed output length with this; evaluation leaves it at 0."""
    batch_size: int = 32
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0


def chat_prompts(tokenizer, conversations: list[list[dict]]) -> list[str]:
    return [tokenizer.apply_chat_template(c, add_generation_prompt=True, tokenize=False) for c in conversations]


@torch.inference_mode()
def generate_transformers(model, tokenizer, prompts: list[str], settings: GenerationSettings,
                          *, progress: str | None = "generating") -> list[str]:
    """Greedy (or sampled) completions for chat-formatted prompts, in input order.

    Prompts are sorted by length before batching so a batch carries little padding; left padding
    keeps every prompt's last token at the end, where generation starts.
    """
    tokenizer.padding_side = "left"
    model.eval()
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]), reverse=True)
    outputs: list[str | None] = [None] * len(prompts)
    sampling = {"do_sample": True, "temperature": settings.temperature, "top_p": settings.top_p} if settings.do_sample else {
        "do_sample": False, "temperature": None, "top_p": None, "top_k": None}
    bar = tqdm(total=len(prompts), desc=progress, disable=progress is None, unit="doc")
    for start in range(0, len(order), settings.batch_size):
        batch = order[start:start + settings.batch_size]
        encoded = tokenizer([prompts[i] for i in batch], return_tensors="pt", padding=True,
                            add_special_tokens=False).to(model.device)
        generated = model.generate(**encoded, max_new_tokens=settings.max_new_tokens, min_new_tokens=settings.min_new_tokens, use_cache=True,
                                   pad_token_id=tokenizer.pad_token_id, **sampling)
        new_tokens = generated[:, encoded["input_ids"].shape[1]:]
        for index, text in zip(batch, tokenizer.batch_decode(new_tokens, skip_special_tokens=True), strict=True):
            outputs[index] = text
        bar.update(len(batch))
    bar.close()
    return outputs  # type: ignore[return-value]


def vllm_available() -> bool:
    return importlib.util.find_spec("vllm") is not None and torch.cuda.is_available()


def generate_vllm(model_path: str, prompts: list[str], settings: GenerationSettings, *, adapter_dir: str | None = None,
                  lora_rank: int = 16, dtype: str = "bfloat16") -> list[str]:
    """GPU generation with vLLM; a LoRA adapter is applied per request rather than merged."""
    if not vllm_available():
        raise RuntimeError("model.generation_backend: vllm needs the vllm package and a CUDA GPU")
    from vllm import LLM, SamplingParams
    from vllm.lora.request import LoRARequest

    llm = LLM(model=model_path, dtype=dtype, enable_lora=adapter_dir is not None, max_lora_rank=max(lora_rank, 16))
    params = SamplingParams(max_tokens=settings.max_new_tokens,
                            temperature=settings.temperature if settings.do_sample else 0.0,
                            top_p=settings.top_p if settings.do_sample else 1.0)
    lora = LoRARequest("adapter", 1, adapter_dir) if adapter_dir else None
    results = llm.generate(prompts, params, lora_request=lora)
    return [result.outputs[0].text for result in results]
