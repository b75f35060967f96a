"""SFT throughput on CPU: SmolLM2-135M, LoRA r 16 on all linear layers, batch 4 x accumulation 2.

Run: `.venv/bin/python bench/bench_sft.py [--dtype bfloat16|float32] [--steps 8] [--attn sdpa|eager]
[--batch 4 --accumulation 2] [--profile]`.
It trains through the project's own SFT trainer (`sciextract.train.sft.trainer_for`) on funding
examples of the synthetic corpus and prints trained tokens/s (prompt + completion tokens, padding
excluded, as counted by the trainer) and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import torch
from common import base_model_dir, funding_records, peak_rss_gib
from datasets import Dataset
from sciextract.config import Config
from sciextract.modeling import load_causal_lm, load_tokenizer
from sciextract.tasks.funding.task import FundingTask
from sciextract.train.sft import sft_model_config, trainer_for


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dtype", default="bfloat16")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--lora-dropout", type=float, default=0.0)
    parser.add_argument("--attn", default="eager", help="sft.attn_implementation (params.yaml's CPU setting: eager)")
    parser.add_argument("--batch", type=int, default=Config().sft.per_device_train_batch_size)
    parser.add_argument("--accumulation", type=int, default=Config().sft.gradient_accumulation_steps)
    parser.add_argument("--profile", action="store_true", help="also print the operators that took the most CPU time")
    args = parser.parse_args()

    config = Config()
    config.model.dtype = args.dtype
    config.sft.attn_implementation = args.attn
    config.sft.max_steps = args.steps
    config.sft.save_steps = 10**6
    config.sft.logging_steps = args.steps
    config.sft.lora.dropout = args.lora_dropout
    config.sft.per_device_train_batch_size = args.batch
    config.sft.gradient_accumulation_steps = args.accumulation
    base = str(base_model_dir())
    task = FundingTask()
    dataset = Dataset.from_list([task.sft_example(r) for r in funding_records(400)])
    tokenizer = load_tokenizer(base)
    model = load_causal_lm(base, sft_model_config(config), for_training=True)
    with tempfile.TemporaryDirectory() as out:
        trainer = trainer_for(config, dataset, model, tokenizer, Path(out), callbacks=[])
        lengths = [len(ids) for ids in trainer.train_dataset["input_ids"]]
        mean_length = sum(lengths) / len(lengths)
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) if args.profile else nullcontext() as prof:
            started = time.perf_counter()
            trainer.train()
            seconds = time.perf_counter() - started
    examples_per_step = config.sft.per_device_train_batch_size * config.sft.gradient_accumulation_steps
    tokens = next(e["num_tokens"] for e in reversed(trainer.state.log_history) if "num_tokens" in e)
    print(f"dtype {args.dtype}, {args.attn} attention, LoRA r {config.sft.lora.r} all-linear, batch {config.sft.per_device_train_batch_size}"
          f" x accumulation {config.sft.gradient_accumulation_steps}, mean sequence {mean_length:.0f} tokens")
    print(f"{args.steps} steps, {tokens} tokens in {seconds:.1f} s: {tokens / seconds:.1f} trained tokens/s, "
          f"peak RSS {peak_rss_gib():.2f} GiB, {args.steps * examples_per_step / seconds:.2f} examples/s")
    if args.profile:
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))


if __name__ == "__main__":
    main()
