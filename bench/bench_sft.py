"""SFT throughput on CPU with the pipeline's own SFT settings (params.yaml: model, LoRA, batch, max_length).

Run: `.venv/bin/python bench/bench_sft.py [--params params.yaml] [--steps 8] [--dtype auto|bfloat16|float32]
[--attn sdpa|eager] [--batch 4 --accumulation 2] [--max-length 768] [--profile]`; a flag overrides its params field.
It trains through the project's own SFT trainer (`sciextract.train.sft.trainer_for`) on funding examples of
the synthetic corpus and prints trained tokens/s (prompt + completion tokens, padding excluded, as counted by
the trainer) and the peak resident memory of the process. Run it with nothing else on the machine: torch's CPU
threads stall when another process takes a core.
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
from sciextract.config import load_config, with_overrides
from sciextract.modeling import load_causal_lm, load_tokenizer, resolved_dtype
from sciextract.tasks.funding.task import FundingTask
from sciextract.train.sft import sft_model_config, trainer_for


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--params", default="params.yaml", help="the SFT settings to measure (default: the pipeline's)")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--dtype", help="model.dtype")
    parser.add_argument("--attn", help="sft.attn_implementation")
    parser.add_argument("--batch", type=int, help="sft.per_device_train_batch_size")
    parser.add_argument("--accumulation", type=int, help="sft.gradient_accumulation_steps")
    parser.add_argument("--max-length", type=int, help="sft.max_length")
    parser.add_argument("--first-layer", type=int, help="sft.lora.first_layer (0: LoRA on every layer)")
    parser.add_argument("--packing", choices=["true", "false"], help="sft.packing: a step's buckets as one packed pass")
    parser.add_argument("--profile", action="store_true", help="also print the operators that took the most CPU time")
    args = parser.parse_args()

    flags = {"model.dtype": args.dtype, "sft.attn_implementation": args.attn, "sft.per_device_train_batch_size": args.batch,
             "sft.gradient_accumulation_steps": args.accumulation, "sft.max_length": args.max_length,
             "sft.lora.first_layer": args.first_layer,
             "sft.packing": None if args.packing is None else args.packing == "true"}
    config = with_overrides(load_config(args.params, apply_sweep_best=False),
                            {"sft.max_steps": args.steps, "sft.save_steps": 10**6, "sft.logging_steps": args.steps,
                             **{key: value for key, value in flags.items() if value is not None}}, source="bench flags")
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
    print(f"dtype {config.model.dtype} ({resolved_dtype(config.model)}), {config.sft.attn_implementation} attention, LoRA r {config.sft.lora.r} "
          f"{config.sft.lora.target_modules} from layer {config.sft.lora.first_layer}, batch {config.sft.per_device_train_batch_size} x accumulation {config.sft.gradient_accumulation_steps}, "
          f"max_length {config.sft.max_length}, packing {config.sft.packing}, mean sequence {mean_length:.0f} tokens (longest {max(lengths)})")
    print(f"{args.steps} steps, {tokens} tokens in {seconds:.1f} s: {tokens / seconds:.1f} trained tokens/s, "
          f"peak RSS {peak_rss_gib():.2f} GiB, {args.steps * examples_per_step / seconds:.2f} examples/s")
    if args.profile:
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))


if __name__ == "__main__":
    main()
