"""Review scoring: model concerns matched one-to-one to human concerns by sentence similarity, micro P/R/F1.

Model and human concerns are embedded by the sentence encoder (`encoder.py`: normalized embeddings, cosine
similarity); `assign` pairs them one-to-one with pairs below the threshold forbidden, and a pair at or above
it is a match. Counts are kept per article (the rows a bootstrap resamples) and summed for micro metrics.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sciextract.config import ReviewEvalSettings
from sciextract.scoring.assignment import assign
from sciextract.scoring.fbeta import prf
from sciextract.tasks.base import Parsed
from sciextract.tasks.review.data import CATEGORIES, SEVERITIES, SOURCES
from sciextract.tasks.review.encoder import EmbeddingTable, Encoder, cosine_similarities, embed_texts
from sciextract.tasks.review.parse import PARSE_NOTES
from sciextract.tasks.review.postprocess import concern_texts, postprocess

METHOD = "semantic-hungarian"

# -- matching one article -------------------------------------------------------------------------

@dataclass
class ConcernMatch:
    pairs: list[tuple[int, int, float]]
    """(model concern, human concern, similarity) of the optimal one-to-one assignment, all >= threshold."""
    attributed: list[int | None]
    """Per model concern: its matched human concern, else its most similar one; None when there is no human concern."""


def match_concerns(pred_embeddings: np.ndarray, gold_embeddings: np.ndarray, threshold: float) -> ConcernMatch:
    similarities = cosine_similarities(pred_embeddings, gold_embeddings)
    pairs = assign(similarities, threshold)
    matched = {pred: gold for pred, gold, _ in pairs}
    nearest = similarities.argmax(axis=1) if similarities.shape[1] else [None] * similarities.shape[0]
    attributed = [matched.get(i, None if nearest[i] is None else int(nearest[i])) for i in range(similarities.shape[0])]
    return ConcernMatch(pairs=pairs, attributed=attributed)


def document_counts(gold: list[dict], pred: list[dict], match: ConcernMatch) -> dict:
    """One article's counts: overall, by severity (flat keys `<severity>_gold|pred|matched`) and by category.

    A model concern counts under the category and severity of the human concern it matched, or else of the
    human concern most similar to it, so per-category precision asks "of the concerns the model raised about
    this kind of issue, how many were real". Without any human concern it keeps its own labels.
    """
    counts: dict[str, Any] = {"gold": len(gold), "pred": len(pred), "matched": len(match.pairs)}
    by_category = {category: {"gold": 0, "pred": 0, "matched": 0} for category in CATEGORIES}
    by_severity = {severity: {"gold": 0, "pred": 0, "matched": 0} for severity in SEVERITIES}
    for concern in gold:
        by_category[concern["category"]]["gold"] += 1
        by_severity[concern["severity"]]["gold"] += 1
    for index, concern in enumerate(pred):
        owner = concern if match.attributed[index] is None else gold[match.attributed[index]]
        by_category[owner["category"]]["pred"] += 1
        by_severity[owner["severity"]]["pred"] += 1
    for _, gold_index, _ in match.pairs:
        by_category[gold[gold_index]["category"]]["matched"] += 1
        by_severity[gold[gold_index]["severity"]]["matched"] += 1
    for severity, values in by_severity.items():
        counts.update({f"{severity}_{name}": value for name, value in values.items()})
    counts["categories"] = by_category
    return counts


# -- metrics over articles ------------------------------------------------------------------------

def _scores(totals: dict[str, float]) -> dict[str, float]:
    return {**prf(totals["matched"], totals["gold"], totals["pred"]), **totals}


def _summed(rows: list[dict], prefix: str = "") -> dict[str, float]:
    return {name: sum(row[f"{prefix}{name}"] for row in rows) for name in ("gold", "pred", "matched")}


def semantic_metrics(rows: list[dict]) -> dict:
    """Micro metrics from per-article count rows (each with `source`, see `document_counts`).

    Recall on major and minor concerns uses the conventions of `scoring.fbeta` (no such concern and none
    attributed: 1.0). `mean_concerns_per_article` is the mean number of scored model concerns.
    """
    overall = _scores(_summed(rows))
    per_severity = {severity: _scores(_summed(rows, f"{severity}_")) for severity in SEVERITIES}
    per_category = {category: _scores({name: sum(row["categories"][category][name] for row in rows)
                                       for name in ("gold", "pred", "matched")}) for category in CATEGORIES}
    per_source = {source: {**_scores(_summed(group)), "articles": len(group)}
                  for source in SOURCES if (group := [row for row in rows if row["source"] == source])}
    headline = {
        **overall,
        "major_recall": per_severity["major"]["recall"],
        "minor_recall": per_severity["minor"]["recall"],
        "mean_concerns_per_article": overall["pred"] / len(rows) if rows else 0.0,
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


def evaluation_stamp(encoder: Encoder, settings: ReviewEvalSettings, data_hash: str) -> dict:
    """What a review score depends on besides the system: method, encoder, thresholds, postprocessing, data."""
    return {"task": "review", "method": METHOD, **encoder.stamp(), "threshold": settings.threshold,
            "dedup": settings.dedup, "dedup_threshold": settings.dedup_threshold if settings.dedup == "embedding" else None,
            "max_concerns": settings.max_concerns, "data_hash": data_hash}
