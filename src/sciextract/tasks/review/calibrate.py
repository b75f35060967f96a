"""`sciextract calibrate-threshold --task review`: review F1 of one prediction file as a function of the
matching threshold (0.50 to 0.80), to see how much a score depends on where the threshold sits."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from sciextract.config import Config
from sciextract.io import read_prediction_rows, sha256_json, write_json, write_text
from sciextract.tasks.review.data import load_gold_articles
from sciextract.tasks.review.encoder import EmbeddingTable, load_encoder
from sciextract.tasks.review.score import (
    ArticlePrediction,
    article_predictions,
    embed_evaluation,
    evaluation_stamp,
    score_articles,
)
from sciextract.tasks.review.task import ReviewTask

CALIBRATION_THRESHOLDS = tuple(round(0.5 + 0.05 * step, 2) for step in range(7))


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
    aligned = ReviewTask().join_predictions(records, read_prediction_rows(predictions), path=predictions)
    encoder = load_encoder(settings.encoder, settings.encoder_revision)
    table = embed_evaluation(encoder, records, aligned, settings)
    rows = calibration_table(article_predictions(records, aligned, settings, table), table)
    stamp = {**evaluation_stamp(encoder, settings, sha256_json([[r["id"], r["concerns"]] for r in records])[:16]),
             "gold": str(gold), "predictions": str(predictions),
             "documents_without_prediction": sum(p is None for p in aligned)}
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
