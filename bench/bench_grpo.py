"""GRPO step time with TRL's rollouts (`model.generate`) against the project's generator (`grpo.rollout_backend`).

Run: `.venv/bin/python bench/bench_grpo.py [--params params.yaml] [--steps 3] [--backends trl project]`.
Both runs train the pipeline's GRPO stage as configured (the SFT adapter `models/funding/sft` merged into
`models/base`, prompts of `data/funding/rl.jsonl`, params' group size, batch, temperature and completion length)
for the same number of steps from the same seed, so they see the same prompts; sampling draws differ between the
generators, so each run prints its completion tokens next to its times. Per backend: seconds per optimizer step,
of which rollout generation, generated tokens per second of generation, mean completion tokens. Run it with
nothing else on the machine: torch's CPU threads stall when another process takes a core.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import peak_rss_gib
from sciextract.config import load_config, with_overrides
from sciextract.tasks.funding.task import FundingTask
from sciextract.train.grpo import RewardRecorder, setup, trainer_for


def timed_run(config, backend: str, steps: int) -> dict:
    config = with_overrides(config, {"grpo.rollout_backend": backend, "grpo.max_steps": steps,
                                     "grpo.save_steps": 10**6, "grpo.logging_steps": 1}, source="bench flags")
    task = FundingTask()
    dataset, policy, tokenizer, _, _ = setup(task, config, Path("data/funding"), Path("models/base"),
                                             Path("models/funding/sft"))
    functions, weights = task.reward_functions(config)
    recorder = RewardRecorder(functions, weights, config.grpo.num_generations)
    with tempfile.TemporaryDirectory() as out:
        trainer = trainer_for(config, dataset, policy, tokenizer, recorder, Path(out), [])
        generate = trainer._generate
        generation_seconds = []

        def timed_generate(prompts):
            started = time.perf_counter()
            result = generate(prompts)
            generation_seconds.append(time.perf_counter() - started)
            return result

        trainer._generate = timed_generate
        started = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - started
    logged = [entry for entry in trainer.state.log_history if "completions/mean_length" in entry]
    completions = config.grpo.per_device_train_batch_size * config.grpo.gradient_accumulation_steps
    tokens = sum(entry["completions/mean_length"] for entry in logged) * completions
    return {"backend": backend, "seconds_per_step": seconds / steps, "generation_seconds_per_step": sum(generation_seconds) / steps,
            "generated_tokens_per_second": tokens / sum(generation_seconds),
            "mean_completion_tokens": tokens / (completions * len(logged)), "reward": [entry["reward"] for entry in logged]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--backends", nargs="+", default=["trl", "project"], choices=["trl", "project"])
    args = parser.parse_args()
    config = load_config(args.params, apply_sweep_best=False)
    g = config.grpo
    print(f"{args.steps} GRPO steps of {g.per_device_train_batch_size * g.gradient_accumulation_steps} completions "
          f"({g.num_generations} per prompt, at most {g.max_completion_length} tokens, temperature {g.temperature}, "
          f"top_p {g.top_p})")
    for backend in args.backends:
        result = timed_run(config, backend, args.steps)
        print(f"{backend:8s} {result['seconds_per_step']:6.1f} s/step, generation {result['generation_seconds_per_step']:6.1f} "
              f"s/step, {result['generated_tokens_per_second']:5.1f} generated tokens/s, "
              f"{result['mean_completion_tokens']:5.1f} tokens per completion, rewards {result['reward']}", flush=True)
    print(f"peak RSS {peak_rss_gib():.1f} GiB")


if __name__ == "__main__":
    main()
