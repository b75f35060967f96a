"""Review scoring under the BioReview rules: model concerns matched one-to-one to human concerns by sentence
similarity, micro P/R/F1.

- Model and human concerns are embedded by the sentence encoder (`encoder.py`: normalized embeddings,
  cosine similarity). `assign_most_matches` pairs them one-to-one: the most pairs at or above the threshold
  first, then the highest similarity among such assignments; every pair it keeps is a match.
- Every gold article is scored, also one without a (scorable) human concern: its model concerns are false
  positives. Only concerns flagged `requires_figure_reading` are left out of the gold (see `data.py`).
- Counts are kept per article (the rows a bootstrap resamples) and summed for micro metrics.
- Breakdowns: a matched model concern takes the category and severity of its human concern, an unmatched one
  those of the most similar human concern of its article; a model concern of an article without human
  concerns has nothing to take labels from and counts in the overall numbers only. `per_category` lists the
  categories of the human concerns only.
- Empty counts score 0.0: a level with neither a human nor a model concern (say no major concern anywhere)
  has precision, recall and F-scores 0.0, where `scoring.fbeta` would say 1.0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from sciextract.config import ReviewEvalSettings
from sciextract.errors import InputError
from sciextract.scoring.fbeta import BETAS, prf
from sciextract.tasks.base import Parsed
from sciextract.tasks.review.data import CATEGORIES, FIGURE_CATEGORY, SEVERITIES, SOURCES
from sciextract.tasks.review.encoder import (
    EmbeddingTable,
    Encoder,
    cosine_similarities,
    embed_texts,
)
from sciextract.tasks.review.parse import PARSE_NOTES
from sciextract.tasks.review.postprocess import concern_texts, postprocess

METHOD = "semantic-hungarian-most-matches"
COUNT_NAMES = ("gold", "pred", "matched")

# -- matching one article -------------------------------------------------------------------------

def assign_most_matches(similarities: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """Pairs `(row, column, similarity)` of the one-to-one assignment with the most pairs at or above
    `threshold`, and among those the highest total similarity.

    The cost of a pair is `1 - similarity` when allowed and a prohibitive cost otherwise, minimised by
    `linear_sum_assignment` over min(rows, columns) pairs; the assigned forbidden pairs are then dropped.
    The prohibitive cost exceeds 2 * min(rows, columns), more than any set of allowed pairs costs together
    (each costs at most 2), so one forbidden pair fewer always lowers the total: no assignment holds more
    allowed pairs. Maximising total similarity instead (`scoring.assignment.assign`) can trade three matches
    for two closer ones.
    """
    similarities = np.asarray(similarities, dtype=np.float64)
    if similarities.ndim != 2:
        raise ValueError(f"expected a 2-D similarity matrix, got shape {similarities.shape}")
    if similarities.size == 0:
        return []
    allowed = similarities >= threshold
    prohibitive = 2.0 * min(similarities.shape) + 1.0
    rows, columns = linear_sum_assignment(np.where(allowed, 1.0 - similarities, prohibitive))
    return [(int(row), int(column), float(similarities[row, column]))
            for row, column in zip(rows, columns) if allowed[row, column]]


@dataclass
class ConcernMatch:
    pairs: list[tuple[int, int, float]]
    """(model concern, human concern, similarity) of the assignment, all >= threshold."""
    attributed: list[int | None]
    """Per model concern: its matched human concern, else its most similar one; None when there is no human concern."""


def match_concerns(pred_embeddings: np.ndarray, gold_embeddings: np.ndarray, threshold: float) -> ConcernMatch:
    similarities = cosine_similarities(pred_embeddings, gold_embeddings)
    pairs = assign_most_matches(similarities, threshold)
    matched = {pred: gold for pred, gold, _ in pairs}
    nearest = similarities.argmax(axis=1) if similarities.shape[1] else [None] * similarities.shape[0]
    attributed = [matched.get(i, None if nearest[i] is None else int(nearest[i])) for i in range(similarities.shape[0])]
    return ConcernMatch(pairs=pairs, attributed=attributed)


def document_counts(gold: list[dict], pred: list[dict], match: ConcernMatch) -> dict:
    """One article's counts: overall, by severity (flat keys `<severity>_gold|pred|matched`) and by category
    (the categories of its human concerns only).

    A model concern counts under the category and severity of the human concern it matched, or else of the
    human concern most similar to it, so per-category precision asks "of the concerns the model raised about
    this kind of issue, how many were real". Without any human concern it counts in no breakdown.
    """
    counts: dict[str, Any] = {"gold": len(gold), "pred": len(pred), "matched": len(match.pairs)}
    by_severity = {severity: dict.fromkeys(COUNT_NAMES, 0) for severity in SEVERITIES}
    by_category: dict[str, dict[str, int]] = {}

    def tally(concern: dict, name: str) -> None:
        by_severity[concern["severity"]][name] += 1
        by_category.setdefault(concern["category"], dict.fromkeys(COUNT_NAMES, 0))[name] += 1

    for concern in gold:
        tally(concern, "gold")
    for gold_index in match.attributed:
        if gold_index is not None:
            tally(gold[gold_index], "pred")
    for _, gold_index, _ in match.pairs:
        tally(gold[gold_index], "matched")
    for severity, values in by_severity.items():
        counts.update({f"{severity}_{name}": value for name, value in values.items()})
    counts["categories"] = by_category
    return counts


# -- metrics over articles ------------------------------------------------------------------------

def review_scores(totals: dict[str, float]) -> dict[str, float]:
    """P/R/F-scores of summed counts followed by the counts, where nothing counted (no human and no model
    concern) scores 0.0, as BioReview reports a severity or category with nothing in it."""
    if totals["gold"] == 0 and totals["pred"] == 0:
        scores = dict.fromkeys(("precision", "recall", *BETAS), 0.0)
    else:
        scores = prf(totals["matched"], totals["gold"], totals["pred"])
    return {**scores, **totals}


def _summed(rows: list[dict], prefix: str = "") -> dict[str, float]:
    return {name: sum(row[f"{prefix}{name}"] for row in rows) for name in COUNT_NAMES}


def semantic_metrics(rows: list[dict]) -> dict:
    """Micro metrics from per-article count rows (each with `source`, see `document_counts`).

    `mean_concerns_per_article` is the mean number of scored model concerns.
    """
    overall = review_scores(_summed(rows))
    per_severity = {severity: review_scores(_summed(rows, f"{severity}_")) for severity in SEVERITIES}
    present = {category for row in rows for category in row["categories"]}
    per_category = {category: review_scores({name: sum(row["categories"].get(category, {}).get(name, 0) for row in rows)
                                              for name in COUNT_NAMES})
                     for category in (*CATEGORIES, FIGURE_CATEGORY) if category in present}
    per_source = {source: {**review_scores(_summed(group)), "articles": len(group)}
                  for source in SOURCES if (group := [row for row in rows if row["source"] == source])}
    headline = {
        **overall,
        "major_recall": per_severity["major"]["recall"],
        "minor_recall": per_severity["minor"]["recall"],
        "mean_concerns_per_article": overall["pred"] / len(rows) if rows else 0.0,
        "articles_without_human_concerns": sum(row["gold"] == 0 for row in rows),
    }
    # `micro` repeats the headline numbers as one mapping: MLflow logging flattens mappings of `metrics` only.
    return {**headline, "micro": dict(headline), "per_severity": per_severity, "per_category": per_category,
            "per_source": per_source}


# -- scoring articles -----------------------------------------------------------------------------

@dataclass
class ArticlePrediction:
    """A gold article with the model concerns that get scored (postprocessed) and what happened to them."""

    id: str
    source: str
    gold: list[dict]
    concerns: list[dict]
    raw_count: int
    after_dedup: int
    removed_by_dedup: int
    removed_by_cap: int
    failed: bool
    notes: dict


def article_predictions(records: list[dict], predictions: list[Parsed | None], settings: ReviewEvalSettings,
                        table: EmbeddingTable) -> list[ArticlePrediction]:
    """Every gold article with its postprocessed prediction; an article without one (None) gets an empty one."""
    articles = []
    for record, prediction in zip(records, predictions, strict=True):
        prediction = prediction or Parsed([], failed=False)
        concerns = [] if prediction.failed else prediction.value
        post = postprocess(concerns, settings, table)
        articles.append(ArticlePrediction(record["id"], record["source"], record["concerns"], post.concerns, len(concerns),
                                          post.after_dedup, post.removed_by_dedup, post.removed_by_cap, prediction.failed,
                                          prediction.notes))
    return articles


def embed_evaluation(encoder: Encoder, records: list[dict], predictions: Iterable[Parsed | None],
                     settings: ReviewEvalSettings, extra: Iterable[str] = ()) -> EmbeddingTable:
    """One encoding pass over every gold and predicted concern text (and `extra` texts)."""
    texts = [text for record in records for text in concern_texts(record["concerns"])]
    texts += [text for prediction in predictions if prediction is not None for text in concern_texts(prediction.value)]
    return embed_texts(encoder, [*texts, *extra], settings.encode_batch_size)


def score_articles(articles: list[ArticlePrediction], table: EmbeddingTable, threshold: float) -> tuple[dict, list[dict]]:
    """Metrics and per-article count rows (the rows a bootstrap over articles resamples)."""
    rows = []
    for article in articles:
        match = match_concerns(table.lookup(concern_texts(article.concerns)), table.lookup(concern_texts(article.gold)),
                               threshold)
        rows.append({"id": article.id, "source": article.source, **document_counts(article.gold, article.concerns, match),
                     "pred_raw": article.raw_count, "pred_after_dedup": article.after_dedup,
                     "removed_by_dedup": article.removed_by_dedup, "removed_by_cap": article.removed_by_cap,
                     "parse_failed": article.failed, "parse_notes": {note: article.notes[note] for note in PARSE_NOTES}})
    metrics = semantic_metrics(rows)
    metrics["postprocessing"] = {
        "pred_raw": sum(row["pred_raw"] for row in rows),
        "removed_by_dedup": sum(row["removed_by_dedup"] for row in rows),
        "removed_by_cap": sum(row["removed_by_cap"] for row in rows),
        "mean_raw_concerns_per_article": sum(row["pred_raw"] for row in rows) / len(rows) if rows else 0.0,
    }
    metrics["parse_notes"] = {note: sum(row["parse_notes"][note] for row in rows) for note in PARSE_NOTES}
    return metrics, rows


def check_scorable(records: list[dict], path: str | Path | None = None) -> None:
    """Stop when no article has a human concern: there is nothing to score against, and every model concern
    would be a false positive (an unlabeled split, such as bioreview-bench's benchmark test split with
    `concerns: []`, is for predicting, not scoring). Single articles without concerns are scored."""
    if records and not any(record["concerns"] for record in records):
        raise InputError(path, f"none of the {len(records)} articles has a scorable human concern: nothing to score "
                               "against (an unlabeled split?)", field="concerns")


def evaluation_stamp(encoder: Encoder, settings: ReviewEvalSettings, data_hash: str) -> dict:
    """What a review score depends on besides the system: method, encoder, thresholds, postprocessing, data.

    `threshold_calibrated_for` (`evaluate.review.threshold_calibrated_for`) names the encoder whose similarity
    scale the threshold was calibrated on: the published 0.65 is SPECTER2's, whatever encoder scores.
    """
    return {"task": "review", "method": METHOD, **encoder.stamp(), "threshold": settings.threshold,
            "threshold_calibrated_for": settings.threshold_calibrated_for,
            "dedup": settings.dedup, "dedup_threshold": settings.dedup_threshold if settings.dedup == "embedding" else None,
            "max_concerns": settings.max_concerns, "data_hash": data_hash}
