"""Batched generation throughput on CPU (the GRPO rollouts and every evaluation use this path).

Run: `.venv/bin/python bench/bench_generation.py [--dtype auto|bfloat16|float32] [--new-tokens 64] [--attn sdpa|eager]`.
Each batch generates exactly `--new-tokens` tokens per sequence (EOS is ignored via min_new_tokens),
so tokens/s counts real generated tokens; prompts are funding-task prompts of the synthetic corpus.

With `--answers FILE [--adapter DIR]` it times instead what an evaluation does: greedy answers to every
statement of a funding file, each ending at its own length (`--new-tokens` is then the cap) or at params.yaml's
`evaluate.stop_on_loop`, in batches of each size of `--batches`.

`--structured` constrains generation to the funding grammar (`decoding.structured`). In the fixed-length mode
the grammar is the funding array left open (it never completes, so every row still generates exactly
`--new-tokens` tokens and end of sequence stays masked without min_new_tokens): the cost of the mask at the
same batch shapes as the free run. In the `--answers` mode it is the task's grammar, as evaluation uses it.

`--copied` (fixed-length mode) constrains each row instead to stage 1's statements grammar with every statement
copied from that row's own statement (`decoding.copied_substrings`: one grammar per prompt, compiled per batch),
its list left open the same way: the cost of per-prompt substring grammars at the same prompts and shapes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from common import base_model_dir, funding_records, peak_rss_gib
from sciextract.config import ModelConfig, load_config
from sciextract.decoding import Grammar
from sciextract.generate import GenerationSettings, chat_prompts, generate_transformers
from sciextract.modeling import load_causal_lm, load_policy, load_tokenizer, resolved_dtype
from sciextract.tasks.funding.data import load_funding_records
from sciextract.tasks.funding.grammar import FUNDING_GRAMMAR, statements_grammar
from sciextract.tasks.funding.task import FundingTask

CLOSED_START = 'start: "[" (funder (", " funder)*)? "]"'
CLOSED_STATEMENTS = 'start: "{\\"statements\\": [" (STATEMENT (", " STATEMENT)*)? "]}"'


def open_funding_grammar() -> Grammar:
    """The funding grammar with its array never closed: no answer completes, so end of sequence is never allowed."""
    assert CLOSED_START in FUNDING_GRAMMAR.lark, "the funding grammar's start rule changed: update the benchmark"
    return Grammar("funding, open", FUNDING_GRAMMAR.lark.replace(CLOSED_START, 'start: "[" funder (", " funder)*'))


def open_copied_grammar(source: str) -> Grammar:
    """Stage 1's statements grammar copying from `source`, its list never closed (no answer completes)."""
    closed = statements_grammar(source)
    assert CLOSED_STATEMENTS in closed.lark, "the statements grammar's start rule changed: update the benchmark"
    return Grammar("funding-statements:copied, open", closed.lark.replace(
        CLOSED_STATEMENTS, 'start: "{\\"statements\\": [" STATEMENT (", " STATEMENT)*'))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dtype", default="auto", help="model.dtype (auto: as the pipeline resolves it here)")
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--batches", default="1,8,32")
    parser.add_argument("--attn", default=ModelConfig().attn_implementation)
    parser.add_argument("--answers", help="a funding file: time real answers to its statements")
    parser.add_argument("--adapter", help="a LoRA adapter folder merged into the base (e.g. models/funding/sft)")
    parser.add_argument("--structured", action="store_true", help="constrain generation to the funding grammar")
    parser.add_argument("--copied", action="store_true",
                        help="constrain each row to statements copied from its own statement (fixed-length mode)")
    args = parser.parse_args()
    if args.copied and (args.structured or args.answers):
        parser.error("--copied is a grammar of its own, for the fixed-length mode")
    if args.answers:
        time_answers(args)
        return

    base = str(base_model_dir())
    tokenizer = load_tokenizer(base)
    model = load_causal_lm(base, ModelConfig(dtype=args.dtype, attn_implementation=args.attn), for_training=False)
    task = FundingTask()
    records = funding_records(64)
    prompts = chat_prompts(tokenizer, [task.prompt(r) for r in records])
    prompt_tokens = [len(tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts]
    print(f"model {base} dtype {args.dtype} ({resolved_dtype(ModelConfig(dtype=args.dtype))}) {args.attn} attention threads {torch.get_num_threads()} "
          f"prompt tokens mean {sum(prompt_tokens) / len(prompt_tokens):.0f} structured {args.structured} "
          f"copied {args.copied}")
    warmup = GenerationSettings(max_new_tokens=4, min_new_tokens=4, batch_size=1)
    generate_transformers(model, tokenizer, prompts[:1], warmup, progress=None)
    for batch in (int(b) for b in args.batches.split(",")):
        if args.structured:
            settings = GenerationSettings(max_new_tokens=args.new_tokens, batch_size=batch, grammar=open_funding_grammar())
        elif args.copied:  # the grammars are built inside the timing, as the article path builds them per call
            settings = None
        else:
            settings = GenerationSettings(max_new_tokens=args.new_tokens, min_new_tokens=args.new_tokens, batch_size=batch)
        started = time.perf_counter()
        if settings is None:
            settings = GenerationSettings(max_new_tokens=args.new_tokens, batch_size=batch, grammar=[
                open_copied_grammar(record["funding_statement"]) for record in records[:batch]])
        generate_transformers(model, tokenizer, prompts[:batch], settings, progress=None)
        seconds = time.perf_counter() - started
        print(f"batch {batch:>3}: {batch * args.new_tokens / seconds:8.1f} generated tokens/s "
              f"({seconds:.2f} s for {batch} x {args.new_tokens} tokens)")
    print(f"peak RSS {peak_rss_gib():.2f} GiB")


def time_answers(args) -> None:
    base = base_model_dir()
    adapter = Path(args.adapter) if args.adapter else None
    model, tokenizer = load_policy(base, adapter, ModelConfig(dtype=args.dtype, attn_implementation=args.attn))
    records = load_funding_records(args.answers)
    stop_on_loop = load_config("params.yaml", apply_sweep_best=False).evaluate.stop_on_loop
    prompts = chat_prompts(tokenizer, [FundingTask().prompt(r) for r in records])
    print(f"model {base} adapter {args.adapter} dtype {args.dtype} ({resolved_dtype(ModelConfig(dtype=args.dtype))}) threads {torch.get_num_threads()} "
          f"{len(records)} statements of {args.answers} structured {args.structured}")
    for batch in (int(b) for b in args.batches.split(",")):
        settings = GenerationSettings(max_new_tokens=args.new_tokens, batch_size=batch, stop_on_loop=stop_on_loop,
                                      grammar=FUNDING_GRAMMAR if args.structured else None)
        started = time.perf_counter()
        answers = generate_transformers(model, tokenizer, prompts, settings, progress=None)
        seconds = time.perf_counter() - started
        answer_tokens = sum(len(tokenizer(a, add_special_tokens=False)["input_ids"]) for a in answers)
        print(f"batch {batch:>3}: {seconds:.1f} s for {len(records)} answers ({answer_tokens} answer tokens, "
              f"cap {args.new_tokens})")
    print(f"peak RSS {peak_rss_gib():.2f} GiB")


if __name__ == "__main__":
    main()
