"""The article pipeline's data (`sciextract prepare_articles`): synthetic gold articles split sft/rl/test, and the
SFT mixture that teaches one adapter both stages.

Articles are split by a hash of their text (which holds their statements), so an article is in one split only.
Its statements are checked as well: an rl or test article that holds a statement trained on (a statement of an
sft article, or of the statement-level sft/rl splits of `prepare`) is dropped and counted, and an article
evaluation set that holds one is an error, as for statement evaluation sets.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sciextract.config import Config
from sciextract.errors import InputError
from sciextract.io import published_together, read_records
from sciextract.splits import assign_splits, cross_split_overlap, normalize_for_split
from sciextract.tasks.base import Task
from sciextract.tasks.funding.article import load_article_records
from sciextract.tasks.funding.article_sft import extract_examples, sft_mixture
from sciextract.tasks.funding.article_synthetic import generate_articles

ARTICLE_SPLITS = ("sft", "rl", "test")

log = logging.getLogger(__name__)


def _statement_keys(articles: list[dict]) -> set[str]:
    return {normalize_for_split(statement) for article in articles for statement in article["funding_statements"]}


def _unseen(articles: list[dict], trained: set[str]) -> tuple[list[dict], int]:
    """The articles none of whose statements was trained on, and how many were dropped."""
    kept = [article for article in articles if not _statement_keys([article]) & trained]
    return kept, len(articles) - len(kept)


def prepare_articles(task: Task, config: Config, statement_dir: Path, out_dir: Path, mixture_file: Path,
                     tokenizer) -> dict:
    """Write `{sft,rl,test}.jsonl` of gold articles under `out_dir` and the SFT mixture to `mixture_file`, all
    together, and return the report (counts only: it is a DVC metric, so nothing in it changes between identical runs).

    The mixture is every statement SFT example of `statement_dir/sft.jsonl` plus extract examples of the sft
    articles at `data.funding.article.extract_fraction` (`article_sft.sft_mixture`); extract examples longer than
    `sft.max_length` are dropped and counted (SFT would cut their answer off)."""
    data, settings = config.data.funding, config.data.funding.article
    if not settings.synthetic_articles:
        raise InputError(config.params_file, "no articles: set synthetic_articles > 0 for the article pipeline",
                         field="data.funding.article.synthetic_articles")
    articles = generate_articles(settings.synthetic_articles, seed=data.seed, noise_fraction=data.noise_fraction,
                                 named_award_fraction=data.named_award_fraction)
    splits = assign_splits(articles, key=lambda article: article["text"], ratios=settings.split_ratios)
    if any(cross_split_overlap(splits, key=lambda article: article["text"]).values()):
        raise RuntimeError("article text crosses splits")
    statement_records = {split: [record for _, record in read_records(Path(statement_dir) / f"{split}.jsonl")]
                         for split in ("sft", "rl")}
    trained = _statement_keys(splits["sft"]) | {normalize_for_split(record["funding_statement"])
                                                 for records in statement_records.values() for record in records}
    splits["rl"], dropped_rl = _unseen(splits["rl"], trained)
    splits["test"], dropped_test = _unseen(splits["test"], trained | _statement_keys(splits["rl"]))
    _check_eval_sets_unseen(task, config, trained)

    parse = [task.sft_example(record) for record in statement_records["sft"]]
    extract, counts = extract_examples(splits["sft"], tokenizer, chunk_tokens=settings.chunk_tokens,
                                       chunk_overlap=settings.chunk_overlap, max_tokens=config.sft.max_length)
    mixture = sft_mixture(parse, extract, settings.extract_fraction, seed=data.seed,
                          empty_chunk_share=settings.empty_chunk_share)
    with published_together() as files:
        for split in ARTICLE_SPLITS:
            files.write_jsonl(Path(out_dir) / f"{split}.jsonl", splits[split])
        files.write_jsonl(Path(mixture_file), mixture)
    extract_used = len(mixture) - len(parse)
    return {
        "articles": len(articles),
        "splits": {split: len(splits[split]) for split in ARTICLE_SPLITS},
        "dropped_for_trained_statements": {"rl": dropped_rl, "test": dropped_test},
        "statements": {split: sum(len(a["funding_statements"]) for a in splits[split]) for split in ARTICLE_SPLITS},
        "negative_articles": {split: sum(not a["funding_statements"] for a in splits[split])
                              for split in ARTICLE_SPLITS},
        "extract_examples": {**counts, "in_mixture": extract_used},
        "mixture": {"examples": len(mixture), "parse": len(parse), "extract": extract_used,
                    "extract_share": round(extract_used / len(mixture), 4) if mixture else 0.0},
    }


def _check_eval_sets_unseen(task: Task, config: Config, trained: set[str]) -> None:
    """No statement of an article evaluation set may be trained on (an error naming the file)."""
    settings = config.data.funding.article
    sets = {**settings.eval_sets, **{n: p for n, p in settings.optional_eval_sets.items() if Path(p).exists()}}
    for name, path in sets.items():
        shared = _statement_keys(load_article_records(path)) & trained
        if shared:
            raise InputError(path, f"{len(shared)} statements of article evaluation set '{name}' are trained on "
                                   "(article sft split or statement sft/rl splits): an evaluation set never is",
                             field="funding_statements")


def article_eval_sets(config: Config, data_dir: Path) -> dict[str, list[dict]]:
    """The article gold sets an article evaluation scores, by set name: `article_test` (the prepared test split)
    and `article_<name>` for each of `data.funding.article.eval_sets` and the existing `optional_eval_sets` (the
    prefix keeps their rows apart from statement sets of the same name). `evaluate.max_documents` cuts each."""
    settings = config.data.funding.article
    sets = {"article_test": load_article_records(Path(data_dir) / "test.jsonl")}
    for name, path in {**settings.eval_sets, **settings.optional_eval_sets}.items():
        if name in settings.optional_eval_sets and not Path(path).exists():
            log.warning("optional article evaluation set '%s' skipped: %s does not exist on this machine", name, path)
            continue
        sets[f"article_{name}"] = load_article_records(path)
    if config.evaluate.max_documents:
        sets = {name: records[: config.evaluate.max_documents] for name, records in sets.items()}
    return sets

