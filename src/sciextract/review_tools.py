"""Review predictions between the parser and the scores: dedup and cap, joining prediction rows to gold,
ensembles of several models' prediction files, and the F1-versus-threshold calibration.

Postprocessing (`evaluate.review`): exact dedup (whitespace-collapsed, lower-cased text) by default, or
embedding dedup (cosine >= `dedup_threshold`), keeping the first of duplicates; then the first
`max_concerns` concerns. The metrics report how many concerns each step removed.

Ensembles combine models' postprocessed concerns per article; the first prediction file is the preferred
model. `union`: concerns linked by cosine >= the cluster threshold form clusters (connected components)
and each cluster keeps the longest concern of the preferred model (of any model if it has none there).
`intersection`: the preferred model's concerns that have a concern at or above the evaluator's matching
threshold in every other model. Clusters are single-link: A~B and B~C put A and C together however
dissimilar they are. With all-MiniLM-L6-v2, paraphrases of one generic point ("the sample size is small")
sit at 0.7-0.85 and neighbouring generic points ("underpowered", "the statistics are insufficient") at
0.4-0.6, so a threshold in that band bridges point to point until most of an article is one cluster (see
README, "The review task"). Thresholds below `CLUSTER_THRESHOLD_FLOOR` are refused, and a cluster that
swallows most of an article's concerns is an error.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from sciextract.config import Config, ReviewEvalSettings
from sciextract.data.review import PARSE_NOTES, coerce_concerns, load_gold_articles, normalize_concern_text, parse_concerns
from sciextract.errors import InputError
from sciextract.io import read_prediction_rows, sha256_json, write_json, write_jsonl, write_text
from sciextract.scoring.semantic import (METHOD, EmbeddingTable, Encoder, cosine_similarities, document_counts, embed_texts,
                                         load_encoder, match_concerns, semantic_metrics)

CLUSTER_THRESHOLD_FLOOR = 0.9
"""Lowest cluster threshold accepted for union ensembles (see the module docstring)."""
GIANT_CLUSTER_SHARE = 0.5
GIANT_CLUSTER_MIN_CONCERNS = 6
"""A union cluster larger than the number of models and holding more than `GIANT_CLUSTER_SHARE` of an
article's concerns (articles with at least `GIANT_CLUSTER_MIN_CONCERNS`) is chaining, not agreement."""
CALIBRATION_THRESHOLDS = tuple(round(0.5 + 0.05 * step, 2) for step in range(7))
ENSEMBLE_MODES = ("union", "intersection")


def concern_texts(concerns: Iterable[dict]) -> list[str]:
    return [concern["text"] for concern in concerns]


# -- postprocessing -------------------------------------------------------------------------------

@dataclass
class Postprocessed:
    concerns: list[dict]
    after_dedup: int
    removed_by_dedup: int
    removed_by_cap: int


def dedup_exact(concerns: list[dict]) -> list[dict]:
    seen: set[str] = set()
    kept = []
    for concern in concerns:
        key = normalize_concern_text(concern["text"])
        if key not in seen:
            seen.add(key)
            kept.append(concern)
    return kept


def dedup_by_embedding(concerns: list[dict], embeddings: np.ndarray, threshold: float) -> list[dict]:
    """Keep a concern unless it is at least `threshold` similar to one kept before it."""
    similarities = cosine_similarities(embeddings, embeddings)
    kept: list[int] = []
    for index in range(len(concerns)):
        if not kept or similarities[index, kept].max() < threshold:
            kept.append(index)
    return [concerns[index] for index in kept]


def postprocess(concerns: list[dict], settings: ReviewEvalSettings, table: EmbeddingTable) -> Postprocessed:
    """Dedup, then cap; `table` must hold the concerns' embeddings when dedup is `embedding`."""
    if settings.dedup == "embedding":
        unique = dedup_by_embedding(concerns, table.lookup(concern_texts(concerns)), settings.dedup_threshold)
    else:
        unique = dedup_exact(concerns)
    capped = unique[: settings.max_concerns]
    return Postprocessed(capped, len(unique), len(concerns) - len(unique), len(unique) - len(capped))


# -- prediction rows ------------------------------------------------------------------------------

@dataclass
class Prediction:
    """One article's parsed model concerns, before postprocessing."""

    concerns: list[dict]
    failed: bool
    notes: Counter = field(default_factory=Counter)


def prediction_from_row(row: dict, *, path: str | Path | None, line: int | None) -> Prediction:
    """`predicted_concerns` when present (read leniently, repairs counted), else `raw_output` parsed.

    The parser's notes on `raw_output` are counted either way, so a model row reports what its text needed.
    """
    raw = row.get("raw_output")
    if raw is not None and not isinstance(raw, str):
        raise InputError(path, f"expected a string or null, got {type(raw).__name__}", line, "raw_output")
    parsed = parse_concerns(raw) if raw is not None else None
    if row.get("predicted_concerns") is not None:
        value = row["predicted_concerns"]
        if not isinstance(value, list):
            raise InputError(path, f"expected an array of concerns, got {type(value).__name__}", line, "predicted_concerns")
        failed = row.get("parse_failed", False)
        if not isinstance(failed, bool):
            raise InputError(path, f"expected true or false, got {failed!r}", line, "parse_failed")
        concerns, notes = coerce_concerns(value, Counter(parsed.notes) if parsed else None)
        return Prediction(concerns, failed, notes)
    if "raw_output" not in row:
        raise InputError(path, "a prediction row needs 'predicted_concerns' or 'raw_output'", line)
    if parsed is None:
        return Prediction([], failed=True)
    return Prediction(parsed.concerns, parsed.failed, parsed.notes)


def predictions_by_id(records: list[dict], rows: list[dict] | list[tuple[int, dict]], *,
                      path: str | Path | None = None) -> dict[str, Prediction]:
    """Prediction rows joined to gold articles by `id`: an unknown id or a second row for an id is an error.

    Rows are dicts or `(line, dict)` pairs read from a file. Articles without a row are absent from the result.
    """
    known = {record["id"] for record in records}
    predictions: dict[str, Prediction] = {}
    for line, row in (row if isinstance(row, tuple) else (None, row) for row in rows):
        article_id = row.get("id")
        article_id = str(article_id) if isinstance(article_id, (str, int)) and not isinstance(article_id, bool) else None
        if article_id not in known:
            raise InputError(path, "prediction has no matching gold article", line, "id")
        if article_id in predictions:
            raise InputError(path, f"second prediction for article '{article_id}'", line, "id")
        predictions[article_id] = prediction_from_row(row, path=path, line=line)
    return predictions


# -- scoring --------------------------------------------------------------------------------------

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
    notes: Counter


def article_predictions(records: list[dict], predictions: dict[str, Prediction], settings: ReviewEvalSettings,
                        table: EmbeddingTable) -> list[ArticlePrediction]:
    """Every gold article with its postprocessed prediction; an article without one gets an empty prediction."""
    articles = []
    for record in records:
        prediction = predictions.get(record["id"], Prediction([], failed=False))
        concerns = [] if prediction.failed else prediction.concerns
        post = postprocess(concerns, settings, table)
        articles.append(ArticlePrediction(record["id"], record["source"], record["concerns"], post.concerns, len(concerns),
                                          post.after_dedup, post.removed_by_dedup, post.removed_by_cap, prediction.failed,
                                          prediction.notes))
    return articles


def embed_evaluation(encoder: Encoder, records: list[dict], predictions: Iterable[Prediction], settings: ReviewEvalSettings,
                     extra: Iterable[str] = ()) -> EmbeddingTable:
    """One encoding pass over every gold and predicted concern text (and `extra` texts)."""
    texts = [text for record in records for text in concern_texts(record["concerns"])]
    texts += [text for prediction in predictions for text in concern_texts(prediction.concerns)]
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


# -- ensembles ------------------------------------------------------------------------------------

def concern_clusters(similarities: np.ndarray, threshold: float) -> list[list[int]]:
    """Connected components of the graph linking concerns at cosine >= `threshold` (single-link clusters),
    each sorted, ordered by their first member."""
    if len(similarities) == 0:
        return []
    count, labels = connected_components(csr_matrix(similarities >= threshold), directed=False)
    clusters = [sorted(np.flatnonzero(labels == label).tolist()) for label in range(count)]
    return sorted(clusters, key=lambda members: members[0])


CLUSTER_THRESHOLD_SOURCE = "params.yaml or --cluster-threshold"
CLUSTER_THRESHOLD_FIELD = "evaluate.review.cluster_threshold"


def check_cluster_threshold(threshold: float) -> None:
    if not CLUSTER_THRESHOLD_FLOOR <= threshold <= 1.0:
        raise InputError(CLUSTER_THRESHOLD_SOURCE, f"cluster threshold {threshold} is below the floor "
                         f"{CLUSTER_THRESHOLD_FLOOR} (or above 1): single-link clustering chains A~B and B~C into one "
                         "cluster however unlike A and C are, and related concerns sit at cosine 0.4-0.85, so a low "
                         "threshold bridges them until most of an article is one cluster", field=CLUSTER_THRESHOLD_FIELD)


def _check_no_giant_cluster(clusters: list[list[int]], models: int, article_id: str, threshold: float) -> None:
    total = sum(len(members) for members in clusters)
    largest = max((len(members) for members in clusters), default=0)
    if total >= GIANT_CLUSTER_MIN_CONCERNS and largest > models and largest > GIANT_CLUSTER_SHARE * total:
        raise InputError(CLUSTER_THRESHOLD_SOURCE, f"article '{article_id}': one cluster holds {largest} of {total} "
                         f"concerns from {models} models at cluster threshold {threshold}: that is single-link chaining, "
                         "not agreement; raise the cluster threshold", field=CLUSTER_THRESHOLD_FIELD)


def union_ensemble(model_concerns: list[list[dict]], table: EmbeddingTable, cluster_threshold: float, *,
                   article_id: str) -> list[dict]:
    """One concern per cluster: the longest of the preferred (first) model's, else the longest of any model's."""
    check_cluster_threshold(cluster_threshold)
    flat = [(model, concern) for model, concerns in enumerate(model_concerns) for concern in concerns]
    embeddings = table.lookup([concern["text"] for _, concern in flat])
    clusters = concern_clusters(cosine_similarities(embeddings, embeddings), cluster_threshold)
    _check_no_giant_cluster(clusters, len(model_concerns), article_id, cluster_threshold)
    kept = []
    for members in clusters:
        preferred = [index for index in members if flat[index][0] == 0] or members
        kept.append(flat[max(preferred, key=lambda index: len(flat[index][1]["text"]))][1])  # max keeps the first of ties
    return kept


def intersection_ensemble(model_concerns: list[list[dict]], table: EmbeddingTable, threshold: float) -> list[dict]:
    """The preferred (first) model's concerns that some concern of every other model matches at >= `threshold`."""
    preferred = model_concerns[0]
    own = table.lookup(concern_texts(preferred))
    keep = np.ones(len(preferred), dtype=bool)
    for others in model_concerns[1:]:
        if not others:
            return []
        keep &= cosine_similarities(own, table.lookup(concern_texts(others))).max(axis=1) >= threshold
    return [concern for concern, kept in zip(preferred, keep, strict=True) if kept]


def ensemble_files(config: Config, prediction_files: list[Path], output: Path, *, mode: str,
                   cluster_threshold: float | None = None, threshold: float | None = None) -> dict:
    """Combine prediction files of two or more models on the same articles into one prediction file.

    Each model's concerns are postprocessed (dedup, cap) first; the ensemble file is scored like any other
    prediction file, so the cap applies to the combined list too. Returns a summary.
    """
    settings = config.evaluate.review
    if len(prediction_files) < 2:
        raise InputError(None, "an ensemble needs at least two prediction files", field="--predictions")
    if mode not in ENSEMBLE_MODES:
        raise InputError(None, f"unknown ensemble mode '{mode}' (known: {', '.join(ENSEMBLE_MODES)})", field="--mode")
    cluster_threshold = settings.cluster_threshold if cluster_threshold is None else cluster_threshold
    threshold = settings.threshold if threshold is None else threshold
    if mode == "union":
        check_cluster_threshold(cluster_threshold)
    first_rows = read_prediction_rows(prediction_files[0])
    articles = [{"id": str(row.get("id")), "source": row.get("source")} for _, row in first_rows]
    per_model = []
    for path in prediction_files:
        by_id = predictions_by_id(articles, first_rows if path == prediction_files[0] else read_prediction_rows(path),
                                  path=path)
        missing = [article["id"] for article in articles if article["id"] not in by_id]
        if missing:
            raise InputError(path, f"no prediction for article '{missing[0]}' of {prediction_files[0]}", field="id")
        per_model.append(by_id)
    encoder = load_encoder(settings.encoder, settings.encoder_revision)
    table = embed_texts(encoder, [text for by_id in per_model for prediction in by_id.values()
                                  for text in concern_texts(prediction.concerns)], settings.encode_batch_size)
    out_rows = []
    for article in articles:
        models = [by_id[article["id"]] for by_id in per_model]
        concerns = [postprocess([] if p.failed else p.concerns, settings, table).concerns for p in models]
        combined = (union_ensemble(concerns, table, cluster_threshold, article_id=article["id"]) if mode == "union"
                    else intersection_ensemble(concerns, table, threshold))
        out_rows.append({**article, "raw_output": None, "predicted_concerns": combined,
                         "parse_failed": all(p.failed for p in models)})
    write_jsonl(output, out_rows)
    summary = {"mode": mode, "models": [str(path) for path in prediction_files], "preferred": str(prediction_files[0]),
               "similarity_threshold": cluster_threshold if mode == "union" else threshold, "articles": len(out_rows),
               "concerns": sum(len(row["predicted_concerns"]) for row in out_rows), **encoder.stamp()}
    print(json.dumps(summary, indent=2))
    return summary


# -- threshold calibration ------------------------------------------------------------------------

def calibration_table(articles: list[ArticlePrediction], table: EmbeddingTable,
                      thresholds: Iterable[float] = CALIBRATION_THRESHOLDS) -> list[dict]:
    """Micro P/R/F1 of the same predictions at each matching threshold."""
    out = []
    for threshold in thresholds:
        metrics, _ = score_articles(articles, table, threshold)
        out.append({"threshold": threshold, **{key: metrics[key] for key in ("precision", "recall", "f1", "matched",
                                                                              "gold", "pred")}})
    return out


def calibrate_threshold_file(config: Config, *, gold: Path, predictions: Path, output: Path | None) -> dict:
    """F1 against the matching threshold (0.50 to 0.80): printed, and written to OUTPUT.json and OUTPUT.csv."""
    settings = config.evaluate.review
    records = load_gold_articles(gold)
    by_id = predictions_by_id(records, read_prediction_rows(predictions), path=predictions)
    encoder = load_encoder(settings.encoder, settings.encoder_revision)
    table = embed_evaluation(encoder, records, by_id.values(), settings)
    rows = calibration_table(article_predictions(records, by_id, settings, table), table)
    stamp = {**evaluation_stamp(encoder, settings, sha256_json([[r["id"], r["concerns"]] for r in records])[:16]),
             "gold": str(gold), "predictions": str(predictions), "documents_without_prediction": len(records) - len(by_id)}
    stamp.pop("threshold")
    result = {"stamp": stamp, "thresholds": rows}
    print(f"{'threshold':>10}{'P':>8}{'R':>8}{'F1':>8}{'matched':>9}{'gold':>7}{'pred':>7}")
    for row in rows:
        print(f"{row['threshold']:>10.2f}{row['precision']:>8.4f}{row['recall']:>8.4f}{row['f1']:>8.4f}"
              f"{row['matched']:>9}{row['gold']:>7}{row['pred']:>7}")
    if output is not None:
        write_json(output.with_suffix(".json"), result)
        table_text = io.StringIO()
        writer = csv.DictWriter(table_text, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        write_text(output.with_suffix(".csv"), table_text.getvalue())
    return result
