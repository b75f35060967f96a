"""Articles per second through the two-stage funding path on CPU, and the share of the time spent in stage 1.

Run: `.venv/bin/python bench/bench_articles.py [--per-size 4] [--sizes 1 2 4] [--variant article_sft]`.
Synthetic articles (tasks/funding/article_synthetic.py) are grouped by their chunk count at params.yaml's
`data.funding.article` chunking; each group of `--per-size` articles goes through stage 1 (all chunks in one
generation call) and stage 2 (one call), as `sciextract predict` runs a batch. The model is SmolLM2 at models/base
with the variant's adapter (`article_sft`: models/funding/article_sft, the one trained for both stages; `sft`:
models/funding/sft; `base`: no adapter). Generation settings
are params.yaml's `evaluate` section. Stage-1 recall on the group is printed too, as a sanity check.
"""

from __future__ import annotations

import argparse
import time

from common import base_model_dir
from sciextract import paths
from sciextract.config import load_config
from sciextract.modeling import load_tokenizer
from sciextract.article_predict import article_stages
from sciextract.tasks import get_task
from sciextract.tasks.funding.article import chunk_article, clean_article
from sciextract.tasks.funding.article_score import statement_counts
from sciextract.tasks.funding.article_synthetic import generate_articles


def articles_by_chunks(sizes: list[int], per_size: int, chunk_tokens: int, chunk_overlap: int, tokenizer,
                       seed: int) -> dict[int, list[dict]]:
    """`per_size` synthetic articles with each chunk count of `sizes`, drawn from one seeded stream."""
    groups: dict[int, list[dict]] = {size: [] for size in sizes}
    drawn = 0
    while any(len(group) < per_size for group in groups.values()):
        batch = generate_articles(drawn + 200, seed=seed)[drawn:]
        drawn += 200
        for article in batch:
            size = len(chunk_article(clean_article(article["text"]), tokenizer, chunk_tokens, chunk_overlap))
            if size in groups and len(groups[size]) < per_size:
                groups[size].append(article)
        if drawn > 20000:
            raise SystemExit(f"no articles of sizes {sizes} at this chunking: {chunk_tokens}/{chunk_overlap}")
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-size", type=int, default=4)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--variant", default="article_sft")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = load_config()
    task = get_task("funding")
    variant = args.variant
    if variant != "base":  # a trained adapter of models/funding/, never silently the base model instead
        adapter = paths.adapter_dir("funding", variant)
        if not (adapter / "adapter_config.json").exists():
            raise SystemExit(f"no adapter at {adapter}: train it first (`make articles` for article_sft, "
                             "`make pipeline` for sft), or pass --variant base")
        variant = str(adapter)
    settings = config.data.funding.article
    tokenizer = load_tokenizer(str(base_model_dir()))
    groups = articles_by_chunks(args.sizes, args.per_size, settings.chunk_tokens, settings.chunk_overlap, tokenizer,
                                args.seed)
    extract, parse = article_stages(task, config, variant, base_dir=base_model_dir())
    print(f"variant {variant}, chunk_tokens {settings.chunk_tokens}, overlap {settings.chunk_overlap}, "
          f"batch {config.evaluate.batch_size}, max_new_tokens {config.evaluate.max_new_tokens}")
    print(f"{'chunks':>6}{'articles':>9}{'stage1 s':>10}{'stage2 s':>10}{'art/s':>8}{'stage1 %':>10}{'recall':>8}")
    for size, articles in groups.items():
        start = time.perf_counter()
        extractions = extract(articles)
        middle = time.perf_counter()
        rows = task.article_path().rows(articles, extractions, parse)
        end = time.perf_counter()
        found = [statement_counts(a["funding_statements"], row["statements"]) for a, row in zip(articles, rows)]
        gold = sum(c.gold for c in found)
        recall = sum(c.matched for c in found) / gold if gold else float("nan")
        print(f"{size:>6}{len(articles):>9}{middle - start:>10.1f}{end - middle:>10.1f}"
              f"{len(articles) / (end - start):>8.3f}{100 * (middle - start) / (end - start):>10.1f}{recall:>8.2f}")


if __name__ == "__main__":
    main()
