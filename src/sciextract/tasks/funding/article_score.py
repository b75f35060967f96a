"""Scoring the two-stage path on article gold: stage 1's statements on their own, and the funders end to end.

Stage 1: a gold statement is found when a kept statement matches it: rapidfuzz `fuzz.partial_ratio` of the two
after `article.normalize_statement` (whitespace runs as one space, invisible characters dropped) at or above
`STATEMENT_MATCH_THRESHOLD`, one kept statement per gold statement (the optimal one-to-one assignment). Precision
is matched / kept, recall matched / gold, micro-averaged over articles; an article with no gold statement and an
empty answer is a correct negative (it adds nothing to either count, and is reported as such).

End to end: the funding scorer (score.py, every mode) on each article's gold funders against the predicted ones.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from rapidfuzz import fuzz

from sciextract.config import FundingEvalSettings
from sciextract.errors import InputError
from sciextract.io import sha256_json
from sciextract.scoring.assignment import assign
from sciextract.scoring.fbeta import Counts
from sciextract.tasks.base import Parsed
from sciextract.tasks.funding.article import STAGE1_COUNTS, ArticlePrediction, normalize_statement
from sciextract.tasks.funding.score import score_documents

STATEMENT_MATCH_THRESHOLD = 90.0
STATEMENT_MATCH_RULE = (f"rapidfuzz fuzz.partial_ratio >= {STATEMENT_MATCH_THRESHOLD:g} on whitespace-normalized "
                        "text, one-to-one; no gold and no kept statement = correct negative")


def statement_counts(gold: list[str], kept: list[str]) -> Counts:
    """Gold statements, kept statements and one-to-one matches of one article."""
    gold_texts = [normalize_statement(text) for text in gold]
    kept_texts = [normalize_statement(text) for text in kept]
    scores = np.array([[fuzz.partial_ratio(g, k) for k in kept_texts] for g in gold_texts]).reshape(len(gold_texts),
                                                                                                     len(kept_texts))
    return Counts(gold=len(gold_texts), pred=len(kept_texts),
                  matched=len(assign(scores, STATEMENT_MATCH_THRESHOLD)))


def score_articles(records: list[dict], predictions: list[Parsed | None], settings: FundingEvalSettings,
                   stamp: dict) -> tuple[dict, list[dict]]:
    """Article predictions (`ArticlePrediction`s; None: no row, scored as no statement and no funder) against
    article gold: the funding report of the funders end to end (every mode, `metrics.<level>`), with stage 1's
    statement scores at `metrics.statement` and its counts under `stage1`; per-article rows carry both stages'
    counts (`statement` for stage 1)."""
    for record, prediction in zip(records, predictions, strict=True):
        if prediction is not None and not isinstance(prediction, ArticlePrediction):
            raise InputError(None, f"article '{record['id']}' has a prediction row without 'statements': article "
                                   "gold is scored against article prediction rows (sciextract predict on articles)")
    report, documents = score_documents(
        [(r["id"], r["funders"], [] if p is None else p.value, p is not None and p.failed)
         for r, p in zip(records, predictions, strict=True)], settings, stamp)
    total, stage1 = Counts(), Counter(dict.fromkeys(STAGE1_COUNTS, 0))
    negatives = correct_negatives = 0
    for record, prediction, document in zip(records, predictions, documents, strict=True):
        kept = [] if prediction is None else prediction.statements
        counts = statement_counts(record["funding_statements"], kept)
        total.add(counts)
        negatives += not record["funding_statements"]
        correct_negatives += not record["funding_statements"] and not kept
        if prediction is not None:
            stage1.update(prediction.stage1)
        document["statement"] = counts.as_dict()
    report["metrics"]["statement"] = total.scores()
    report["stage1"] = {"negative_articles": negatives, "correct_negatives": correct_negatives, **stage1}
    return report, documents


def article_stamp(records: list[dict], settings: FundingEvalSettings, *, chunk_tokens: int, chunk_overlap: int) -> dict:
    """What an article score depends on besides the predictions, the evaluation's chunking among it."""
    return {
        "task": "funding",
        "input": "article",
        "statement_match": STATEMENT_MATCH_RULE,
        "mode": settings.mode,
        "funder_threshold": settings.funder_threshold,
        "text_threshold": settings.text_threshold,
        "chunk_tokens": chunk_tokens,
        "chunk_overlap": chunk_overlap,
        "data_hash": sha256_json([[r["id"], r["text"], r["funding_statements"], r["funders"]] for r in records])[:16],
    }
