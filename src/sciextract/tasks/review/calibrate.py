"""`sciextract calibrate-threshold --task review`: where the matching threshold should sit, in two modes.

Sweep (`--predictions P --gold G`): micro P/R/F1 of one prediction file at thresholds 0.50 to 0.80, to see
how much a score depends on where the threshold sits.

Paraphrase calibration (`--paraphrases PAIRS`): the threshold at which the configured encoder agrees best
with SPECTER2-style matching. BioReview's threshold 0.65 is calibrated for SPECTER2 (`REFERENCE_ENCODER`):
at it, two concern texts match when they state one concern. Another encoder (the embedded
all-MiniLM-L6-v2) spreads similarities differently, so the same decision needs its own threshold. PAIRS is a
JSONL file of concern-text pairs `{"text_a": ..., "text_b": ..., "same_concern": true|false}`: true for two
wordings of one concern (a match under SPECTER2-style matching), false for different concerns (best taken
from one article, the pairs a matcher must tell apart). "Agrees best" is defined as follows. At threshold t
the encoder calls a pair a match when their cosine is >= t; agreement at t is the F1 of those calls against
the labels, with "same concern" the positive class (tp: same-concern pairs called a match, fp:
different-concern pairs called a match, fn: same-concern pairs not called one). The calibrated threshold is
the highest t of the grid 0.05, 0.06, ..., 0.95 that reaches the largest F1: equal F1 means the pairs cannot
tell those thresholds apart, and the stricter one makes fewer false matches. The lowest and the highest
grid thresholds reaching that F1 are reported as well (`best_range`).

The demo corpus (`corpora/review_demo.jsonl`) cannot serve as PAIRS: each of its concerns is a distinct
concern of its article, and no concern is marked as a rewording of another, so it holds no same-concern pair.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from sciextract.config import Config
from sciextract.errors import InputError
from sciextract.io import read_prediction_rows, read_records, sha256_file, sha256_json, write_json, write_text
from sciextract.scoring.fbeta import prf
from sciextract.tasks.review.data import load_gold_articles
from sciextract.tasks.review.encoder import (
    REFERENCE_ENCODER,
    REFERENCE_THRESHOLD,
    EmbeddingTable,
    embed_texts,
    load_encoder,
)
from sciextract.tasks.review.score import (
    ArticlePrediction,
    article_predictions,
    check_scorable,
    embed_evaluation,
    evaluation_stamp,
    score_articles,
)
from sciextract.tasks.review.task import ReviewTask

CALIBRATION_THRESHOLDS = tuple(round(0.5 + 0.05 * step, 2) for step in range(7))
PARAPHRASE_THRESHOLDS = tuple(round(0.05 + 0.01 * step, 2) for step in range(91))


# -- sweep: one prediction file at several thresholds ---------------------------------------------

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
    check_scorable(records, gold)
    aligned = ReviewTask().join_predictions(records, read_prediction_rows(predictions), path=predictions)
    encoder = load_encoder(settings.encoder, settings.encoder_revision)
    table = embed_evaluation(encoder, records, aligned, settings)
    rows = calibration_table(article_predictions(records, aligned, settings, table), table)
    stamp = {**evaluation_stamp(encoder, settings, sha256_json([[r["id"], r["concerns"]] for r in records])[:16]),
             "gold": str(gold), "predictions": str(predictions),
             "documents_without_prediction": sum(p is None for p in aligned)}
    stamp.pop("threshold")
    stamp.pop("threshold_calibrated_for")
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


# -- paraphrase calibration: the threshold that best separates same-concern pairs -----------------

def read_paraphrase_pairs(path: str | Path) -> list[tuple[str, str, bool]]:
    """`(text_a, text_b, same_concern)` of a pairs file; it needs pairs of both kinds to calibrate anything."""
    pairs = []
    for line, row in read_records(path):
        if not isinstance(row, dict):
            raise InputError(path, f"a pair must be an object, got {type(row).__name__}", line)
        for key in ("text_a", "text_b"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise InputError(path, f"expected a non-empty string, got {row.get(key)!r}", line, key)
        if not isinstance(row.get("same_concern"), bool):
            raise InputError(path, f"expected true or false, got {row.get('same_concern')!r}", line, "same_concern")
        pairs.append((row["text_a"], row["text_b"], row["same_concern"]))
    kinds = {same for _, _, same in pairs}
    if kinds != {True, False}:
        missing = "same-concern (paraphrase)" if True not in kinds else "different-concern"
        raise InputError(path, f"no {missing} pair among {len(pairs)}: the threshold cannot be calibrated",
                         field="same_concern")
    return pairs


def paraphrase_agreement(similarities: Sequence[float], same_concern: Sequence[bool],
                         thresholds: Sequence[float] = PARAPHRASE_THRESHOLDS) -> dict:
    """Agreement (F1 of "same concern" calls, see the module docstring) at each threshold, and the calibrated
    threshold: the highest one reaching the largest F1, with the lowest one reaching it."""
    similarities = np.asarray(similarities, dtype=np.float64)
    same = np.asarray(same_concern, dtype=bool)
    rows = []
    for threshold in thresholds:
        called = similarities >= threshold
        true_positives = int(np.sum(called & same))
        rows.append({"threshold": threshold, **prf(true_positives, int(same.sum()), int(called.sum())),
                     "tp": true_positives, "fp": int(np.sum(called & ~same)), "fn": int(np.sum(~called & same))})
    best_f1 = max(row["f1"] for row in rows)
    reaching = [row["threshold"] for row in rows if row["f1"] == best_f1]
    return {"threshold": reaching[-1], "f1": best_f1, "best_range": [reaching[0], reaching[-1]], "thresholds": rows}


def calibrate_paraphrase_file(config: Config, *, pairs: Path, output: Path | None) -> dict:
    """The configured encoder's threshold that agrees best with SPECTER2-style matching on PAIRS: printed,
    and written with the whole table to OUTPUT.json."""
    settings = config.evaluate.review
    labelled = read_paraphrase_pairs(pairs)
    encoder = load_encoder(settings.encoder, settings.encoder_revision)
    table = embed_texts(encoder, [text for a, b, _ in labelled for text in (a, b)], settings.encode_batch_size)
    left, right = table.lookup([a for a, _, _ in labelled]), table.lookup([b for _, b, _ in labelled])
    similarities = np.sum(left * right, axis=1) / (np.linalg.norm(left, axis=1) * np.linalg.norm(right, axis=1))
    agreement = paraphrase_agreement(similarities, [same for _, _, same in labelled])
    same_count = sum(same for _, _, same in labelled)
    stamp = {"task": "review", "method": "paraphrase-pair-f1", **encoder.stamp(), "pairs": str(pairs),
             "pairs_sha256": sha256_file(pairs)[:16], "same_concern_pairs": same_count,
             "different_concern_pairs": len(labelled) - same_count,
             "reference": {"encoder": REFERENCE_ENCODER, "threshold": REFERENCE_THRESHOLD}}
    result = {"stamp": stamp, **agreement}
    low, high = agreement["best_range"]
    print(f"{encoder.name} agrees best with SPECTER2-style matching (threshold {REFERENCE_THRESHOLD} for "
          f"{REFERENCE_ENCODER}) at threshold {agreement['threshold']:.2f}: F1 {agreement['f1']:.4f} over "
          f"{len(labelled)} pairs ({same_count} same-concern); thresholds {low:.2f}-{high:.2f} reach that F1")
    if output is not None:
        write_json(output.with_suffix(".json"), result)
    return result
