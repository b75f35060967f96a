"""Leaderboard: ranking within stamps, bootstrap intervals, deltas, gates, references and the outputs."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from sciextract.config import Config, LeaderboardSettings, load_config
from sciextract.errors import InputError
from sciextract.leaderboard import build_leaderboard, write_leaderboard
from sciextract.leaderboard.rank import check_settings
from sciextract.leaderboard.read import read_references
from sciextract.scoring.bootstrap import bootstrap_intervals
from sciextract.scoring.fbeta import Counts, prf
from sciextract.tasks.funding.board import LEVELS
from sciextract.tasks.funding.score import level_scores
from sciextract.tasks import get_board, get_task, task_names

REPO = Path(__file__).resolve().parents[1]
STAMP = {"task": "funding", "method": "fuzzy-hungarian", "mode": "balanced", "funder_threshold": 0.8,
         "text_threshold": 0.8, "data_hash": "abc123", "documents_without_prediction": 0, "base_model": "tiny",
         "adapter": None, "max_documents": 0, "decoding": "greedy"}
SETTINGS = LeaderboardSettings(bootstrap_samples=300, seed=1)


MODES = ("balanced", "permissive", "strict")


def funding_documents(hits: int, total: int, award_hits: int | None = None) -> list[dict]:
    """`total` one-funder documents, the first `hits` found; award ids found in the first `award_hits`.

    Every mode counts alike except strict, which finds only the first `hits // 2` funders; the headline mode is
    balanced, as in STAMP.
    """
    award_hits = hits if award_hits is None else award_hits
    rows = []
    for index in range(total):
        found, award = index < hits, index < award_hits
        counts = {"funder": {"gold": 1, "pred": 1, "matched": int(found)},
                  "award_id": {"gold": 1, "pred": 1, "matched": int(award)},
                  "scheme": {"gold": 0, "pred": 0, "matched": 0},
                  "title": {"gold": 1, "pred": 0, "matched": 0}}
        strict = {**counts, "funder": {"gold": 1, "pred": 1, "matched": int(index < hits // 2)}}
        rows.append({"id": f"d{index}", "parse_failed": False, **counts,
                     "by_mode": {"balanced": counts, "permissive": counts, "strict": strict}})
    return rows


def set_report(documents: list[dict], stamp: dict) -> dict:
    """The set report the evaluate stage writes for these per-document counts (the evaluator's `level_scores`)."""

    def scores(counts_of) -> dict:
        summed = {level: Counts(*(sum(counts_of(row)[level][key] for row in documents)
                                  for key in ("gold", "pred", "matched"))) for level in LEVELS}
        return {level: level_scores(counts) for level, counts in summed.items()}

    by_mode = {mode: scores(lambda row, m=mode: row["by_mode"][m]) for mode in MODES}
    metrics = {**scores(lambda row: row), "by_mode": by_mode}
    return {"stamp": stamp, "metrics": metrics, "parse_failures": 0, "parse_failure_rate": 0.0,
            "documents": len(documents), "seconds": 1.0}


def write_evaluation(root: Path, variant: str, sets: dict[str, list[dict]], task: str = "funding",
                     reports: dict[str, dict] | None = None, **stamp_changes) -> Path:
    folder = root / task / variant
    (folder / "predictions").mkdir(parents=True, exist_ok=True)
    built = {}
    for set_name, documents in sets.items():
        stamp = {**STAMP, "task": task, "variant": variant, "set": set_name, **stamp_changes}
        built[set_name] = (reports or {}).get(set_name) or set_report(documents, stamp)
        lines = "".join(json.dumps(row) + "\n" for row in documents)
        (folder / "predictions" / f"{set_name}.documents.jsonl").write_text(lines, encoding="utf-8")
    path = folder / "metrics.json"
    path.write_text(json.dumps({"task": task, "variant": variant, "sets": built}, indent=2), encoding="utf-8")
    return path


def rows_by_system(group) -> dict:
    return {row.system: row for row in group.rows}


# -- ranking and stamps ---------------------------------------------------------------------------


def test_rows_are_ranked_by_headline_within_a_stamp_group(tmp_path):
    write_evaluation(tmp_path, "rule", {"test": funding_documents(30, 100)})
    write_evaluation(tmp_path, "sft", {"test": funding_documents(70, 100)}, base_model="other", adapter="models/x")
    write_evaluation(tmp_path, "grpo", {"test": funding_documents(80, 100)})
    write_evaluation(tmp_path, "base", {"test": funding_documents(70, 100)})
    board = build_leaderboard(SETTINGS, tmp_path, None)
    # model identity (base_model, adapter) never splits a group
    assert len(board.groups) == 1
    group = board.groups[0]
    assert [row.system for row in group.rows] == ["grpo", "base", "sft", "rule"]
    assert [row.rank for row in group.rows] == [1, 2, 2, 4]  # ties share a rank
    assert group.rows[0].headline == pytest.approx(0.8)


def test_rows_with_different_stamps_are_never_ranked_together(tmp_path):
    write_evaluation(tmp_path, "rule", {"test": funding_documents(30, 100), "extra": funding_documents(5, 10)})
    write_evaluation(tmp_path, "sft", {"test": funding_documents(70, 100)}, mode="strict")
    write_evaluation(tmp_path, "grpo", {"test": funding_documents(90, 100)}, data_hash="other")
    write_evaluation(tmp_path, "base", {"test": funding_documents(60, 100)}, funder_threshold=0.9)
    board = build_leaderboard(SETTINGS, tmp_path, None)
    assert len(board.groups) == 5
    assert all(len(group.rows) == 1 and group.rows[0].rank == 1 for group in board.groups)
    assert len({group.id for group in board.groups}) == 5
    text = (write_leaderboard(board, tmp_path / "out")[0]).read_text(encoding="utf-8")
    assert text.count("## funding · test · stamp") == 4 and text.count("## funding · extra · stamp") == 1
    assert "mode=strict" in text and "data_hash=other" in text and "funder_threshold=0.9" in text


def test_article_rows_show_stage_one_columns_that_statement_rows_leave_blank(tmp_path):
    statement_documents = funding_documents(7, 10)
    # 10 articles: 6 hold one gold statement (5 found, plus 1 wrong kept), 4 are correct negatives
    article_documents = [{**row, "statement": {"gold": int(index < 6), "pred": int(index < 5) + (index == 9),
                                               "matched": int(index < 5)}}
                         for index, row in enumerate(funding_documents(6, 10))]
    write_evaluation(tmp_path, "sft", {"test": statement_documents})
    article_stamp = {**STAMP, "variant": "sft", "set": "article_test", "input": "article"}
    article_report = set_report(article_documents, article_stamp)
    article_report["metrics"]["statement"] = prf(5, 6, 6)
    write_evaluation(tmp_path, "sft", {"test": statement_documents, "article_test": article_documents},
                     reports={"article_test": article_report})
    rows = {group.rows[0].set: group.rows[0] for group in build_leaderboard(SETTINGS, tmp_path, None).groups}
    assert rows["test"].values["metrics.statement.recall"] is None
    assert "metrics.statement.f1" not in rows["test"].intervals
    assert rows["article_test"].values["metrics.statement.recall"] == pytest.approx(5 / 6)
    interval = rows["article_test"].intervals["metrics.statement.f1"]
    assert interval.estimate == pytest.approx(5 / 6) and interval.low < 5 / 6 < interval.high
    text = write_leaderboard(build_leaderboard(SETTINGS, tmp_path, None), tmp_path / "out")[0].read_text("utf-8")
    assert "stage-1 statement R" in text

    # any column a board does not mark optional must be in every report
    del article_report["metrics"]["award_id"]
    write_evaluation(tmp_path, "sft", {"article_test": article_documents}, reports={"article_test": article_report})
    with pytest.raises(InputError, match="award_id"):
        build_leaderboard(SETTINGS, tmp_path, None)


# -- confidence intervals -------------------------------------------------------------------------


def test_interval_contains_the_estimate_and_narrows_with_more_documents(tmp_path):
    write_evaluation(tmp_path, "small", {"test": funding_documents(6, 10)})
    write_evaluation(tmp_path, "large", {"test": funding_documents(600, 1000)}, data_hash="large")
    board = build_leaderboard(SETTINGS, tmp_path, None)
    widths = {}
    for group in board.groups:
        (row,) = group.rows
        for column in ("metrics.funder.f1", "metrics.award_id.f1", "metrics.funder.f1_5",
                       "metrics.by_mode.strict.funder.f1"):
            interval = row.intervals[column]
            assert interval.low <= row.values[column] <= interval.high
            assert interval.estimate == pytest.approx(row.values[column])
        # strict finds half the funders: 3 of 10, 300 of 1000
        assert row.values["metrics.by_mode.strict.funder.f1"] == pytest.approx(0.3)
        # a level with no gold and no predicted item scores 0.0, in metrics.json and in every resample
        scheme = row.intervals["metrics.scheme.f1"]
        assert row.values["metrics.scheme.f1"] == 0.0 and (scheme.estimate, scheme.low, scheme.high) == (0.0, 0.0, 0.0)
        funder = row.intervals["metrics.funder.f1"]
        widths[row.system] = funder.high - funder.low
    assert 0 < widths["large"] < widths["small"] / 3


def test_bootstrap_is_seeded_and_generic_over_counts():
    rng = np.random.default_rng(0)
    hits = rng.integers(0, 2, 500)
    counts = {"hits": hits, "trials": np.ones(500)}
    metrics = {"rate": lambda sums: sums["hits"] / sums["trials"]}
    first = bootstrap_intervals(counts, metrics, samples=200, seed=7)["rate"]
    assert first == bootstrap_intervals(counts, metrics, samples=200, seed=7)["rate"]
    assert first != bootstrap_intervals(counts, metrics, samples=200, seed=8)["rate"]
    assert first.estimate == pytest.approx(hits.mean())
    # binomial standard error sqrt(p(1-p)/n) ~ 0.022: the 95% interval spans about 4 of them
    assert first.high - first.low == pytest.approx(4 * np.sqrt(first.estimate * (1 - first.estimate) / 500), rel=0.25)


def test_stale_documents_file_is_an_error_naming_it(tmp_path):
    report = set_report(funding_documents(50, 100), {**STAMP, "variant": "sft", "set": "test"})
    write_evaluation(tmp_path, "sft", {"test": funding_documents(40, 100)}, reports={"test": report})
    with pytest.raises(InputError, match="different runs") as info:
        build_leaderboard(SETTINGS, tmp_path, None)
    assert info.value.path.endswith("test.documents.jsonl")


def test_missing_document_count_names_file_line_and_field(tmp_path):
    documents = funding_documents(5, 10)
    write_evaluation(tmp_path, "sft", {"test": documents})
    broken = documents[:3] + [{**documents[3], "award_id": {"gold": 1, "pred": 1}}] + documents[4:]
    path = tmp_path / "funding/sft/predictions/test.documents.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in broken), encoding="utf-8")
    with pytest.raises(InputError) as info:
        build_leaderboard(SETTINGS, tmp_path, None)
    assert (info.value.path, info.value.line, info.value.field) == (str(path), 4, "award_id.matched")


# -- delta and gates ------------------------------------------------------------------------------


def test_delta_against_the_reference_variant_under_the_same_stamp(tmp_path):
    write_evaluation(tmp_path, "rule", {"test": funding_documents(30, 100)})
    write_evaluation(tmp_path, "sft", {"test": funding_documents(70, 100), "extra": funding_documents(8, 10)})
    board = build_leaderboard(SETTINGS, tmp_path, None)
    test_group = next(g for g in board.groups if g.stamp["set"] == "test")
    extra_group = next(g for g in board.groups if g.stamp["set"] == "extra")
    rows = rows_by_system(test_group)
    assert rows["sft"].delta == pytest.approx(0.4) and rows["rule"].delta == 0
    # no rule row on the extra set: no delta, and the table says why
    assert extra_group.rows[0].delta is None and not extra_group.has_reference_variant
    markdown = write_leaderboard(board, tmp_path / "out")[0].read_text(encoding="utf-8")
    assert "No `rule` row under this stamp, so no Δ." in markdown
    assert "+0.400" in markdown


PAIRED = LeaderboardSettings(bootstrap_samples=300, seed=1, paired_against={"grpo": "sft"})


def test_paired_difference_is_the_rows_difference_with_an_interval_the_rows_overlap_on(tmp_path):
    # GRPO finds every funder SFT finds and 6 more of 30; award ids alike in both
    write_evaluation(tmp_path, "sft", {"test": funding_documents(18, 30, award_hits=10)})
    write_evaluation(tmp_path, "grpo", {"test": list(reversed(funding_documents(24, 30, award_hits=10)))})
    rows = rows_by_system(build_leaderboard(PAIRED, tmp_path, None).groups[0])
    grpo, sft = rows["grpo"], rows["sft"]
    assert grpo.paired_against == "sft" and sft.paired_against is None and not sft.paired
    assert set(grpo.paired) == set(get_board("funding").intervals) - {"metrics.statement.f1"}
    for column, paired in grpo.paired.items():
        assert paired.estimate == pytest.approx(grpo.values[column] - sft.values[column]), column
    funder = grpo.paired["metrics.funder.f1"]
    assert funder.estimate == pytest.approx(0.2)
    # the rows' own intervals overlap; the paired one (documents joined by id, whatever their order) clears 0
    assert grpo.intervals["metrics.funder.f1"].low < sft.intervals["metrics.funder.f1"].high
    assert 0 < funder.low <= funder.estimate <= funder.high
    award = grpo.paired["metrics.award_id.f0_5"]
    assert (award.estimate, award.low, award.high) == (0, 0, 0)


def test_paired_rows_must_score_the_same_documents(tmp_path):
    write_evaluation(tmp_path, "sft", {"test": funding_documents(18, 30)})
    others = [{**row, "id": f"other{index}"} for index, row in enumerate(funding_documents(24, 30))]
    write_evaluation(tmp_path, "grpo", {"test": others})
    with pytest.raises(InputError, match="same documents") as info:
        build_leaderboard(PAIRED, tmp_path, None)
    assert info.value.path.endswith("sft/predictions/test.documents.jsonl")


def test_duplicate_document_id_names_file_line_and_field(tmp_path):
    documents = funding_documents(5, 10)
    documents[6]["id"] = documents[2]["id"]
    write_evaluation(tmp_path, "sft", {"test": documents})
    with pytest.raises(InputError, match="duplicate id 'd2' \\(first on line 3\\)") as info:
        build_leaderboard(SETTINGS, tmp_path, None)
    assert (info.value.line, info.value.field) == (7, "id")


def test_paired_variant_without_its_baseline_under_the_stamp_says_so(tmp_path):
    write_evaluation(tmp_path, "sft", {"test": funding_documents(18, 30)})
    write_evaluation(tmp_path, "grpo", {"test": funding_documents(24, 30), "extra": funding_documents(5, 10)})
    board = build_leaderboard(PAIRED, tmp_path, None)
    extra = next(group for group in board.groups if group.stamp["set"] == "extra")
    assert not extra.rows[0].paired
    markdown = write_leaderboard(board, tmp_path / "out")[0].read_text(encoding="utf-8")
    assert markdown.count("No `sft` row under this stamp, so no paired Δ of `grpo`.") == 1
    assert markdown.count("Paired Δ:") == 1 and "| grpo − sft" in markdown and "+0.200 [+0." in markdown


def test_variant_paired_against_itself_names_the_params_field():
    with pytest.raises(InputError) as info:
        check_settings(LeaderboardSettings(paired_against={"grpo": "sft", "sft": "sft"}))
    assert info.value.field == "leaderboard.paired_against.sft"


def test_gate_all_of_holds_a_row_failing_any_condition(tmp_path):
    write_evaluation(tmp_path, "sft", {"test": funding_documents(85, 100, award_hits=75)})
    write_evaluation(tmp_path, "grpo", {"test": funding_documents(90, 100, award_hits=60)})
    write_evaluation(tmp_path, "rule", {"test": funding_documents(50, 100)})
    settings = LeaderboardSettings(bootstrap_samples=100, gates={
        "funding": {"all_of": ["metrics.funder.f1 >= 0.80", "metrics.award_id.f1 >= 0.70"]}})
    rows = rows_by_system(build_leaderboard(settings, tmp_path, None).groups[0])
    assert rows["sft"].gate_passed is True
    assert rows["grpo"].gate_passed is False and "metrics.award_id.f1 >= 0.7 (is 0.600)" in rows["grpo"].gate_detail
    assert rows["rule"].gate_passed is False and "metrics.funder.f1 >= 0.8" in rows["rule"].gate_detail


def review_documents(matched: int, total: int) -> list[dict]:
    return [{"id": f"a{i}", "gold": 2, "pred": 2, "matched": 2 if i < matched else 0} for i in range(total)]


def review_report(documents: list[dict], recall_of_major: float, variant: str) -> dict:
    gold, pred, matched = (sum(row[key] for row in documents) for key in ("gold", "pred", "matched"))
    scores = prf(matched, gold, pred)
    stamp = {"task": "review", "set": "test", "method": "semantic", "encoder": "all-MiniLM-L6-v2",
             "threshold": 0.6, "data_hash": "r1", "variant": variant}
    return {"stamp": stamp, "documents": len(documents), "parse_failure_rate": 0.0,
            "metrics": {"f1": scores["f1"], "recall": scores["recall"], "precision": scores["precision"],
                        "major_recall": recall_of_major, "mean_concerns_per_article": pred / len(documents)}}


def test_gate_any_of_passes_when_one_condition_holds(tmp_path):
    for variant, matched, major in (("sft", 12, 0.50), ("grpo", 4, 0.70), ("base", 4, 0.20)):
        documents = review_documents(matched, 20)
        write_evaluation(tmp_path, variant, {"test": documents}, task="review",
                         reports={"test": review_report(documents, major, variant)})
    settings = LeaderboardSettings(bootstrap_samples=100, gates={
        "review": {"any_of": ["metrics.f1 >= 0.58", "metrics.major_recall >= 0.45"]}})
    (group,) = build_leaderboard(settings, tmp_path, None).groups
    rows = rows_by_system(group)
    assert group.stamp["encoder"] == "all-MiniLM-L6-v2"
    assert rows["sft"].gate_passed and rows["grpo"].gate_passed  # f1 0.6; major-concern recall 0.7
    assert rows["base"].gate_passed is False and rows["base"].gate_detail.startswith("none of ")


@pytest.mark.parametrize(("gates", "field"), [
    ({"funding": {"all_of": ["metrics.funder.f1 >= 0.8", "metrics.funder.f2 >= 0.7"]}}, "leaderboard.gates.funding.all_of[1]"),
    ({"funding": {"any_of": ["metrics.funder.f1 > 0.8"]}}, "leaderboard.gates.funding.any_of[0]"),
    ({"funding": {"all_off": ["metrics.funder.f1 >= 0.8"]}}, "leaderboard.gates.funding.all_off"),
    ({"funding": {"all_of": []}}, "leaderboard.gates.funding"),
    ({"poetry": {"all_of": ["metrics.f1 >= 0.5"]}}, "leaderboard.gates.poetry"),
])
def test_bad_gates_name_the_params_field(gates, field):
    with pytest.raises(InputError) as info:
        check_settings(LeaderboardSettings(gates=gates))
    assert info.value.path == "params.yaml" and info.value.field == field


def test_repo_params_leaderboard_section_is_valid():
    settings = load_config(REPO / "params.yaml").leaderboard
    gates = check_settings(settings)
    assert settings.bootstrap_samples == 1000 and settings.reference_variant == "rule"
    assert settings.paired_against == {"grpo": "sft", "article_grpo": "article_sft"}
    assert [str(c) for c in gates["funding"].all_of] == ["metrics.funder.f1 >= 0.8", "metrics.award_id.f1 >= 0.7"]
    assert len(gates["review"].any_of) == 2


def test_task_boards_are_consistent():
    for task in task_names():
        board = get_board(task)
        assert board.headline in board.columns and board.headline not in board.nullable, task
        assert board.headline in board.intervals, task
        assert set(board.intervals) <= set(board.columns) and board.nullable <= set(board.columns), task
        assert board.optional <= set(board.columns) and board.headline not in board.optional, task
        assert get_task(task).board is board, task


def sciie_documents(hits: int, total: int, variant_levels: tuple[str, ...]) -> list[dict]:
    counts = [{"gold": 2, "pred": 2, "matched": 2 if index < hits else 1} for index in range(total)]
    return [{"id": f"s{index}", "parse_failed": False,
             **{level: counts[index] if level in variant_levels else None for level in ("ner", "rel", "rel_plus")}}
            for index in range(total)]


def sciie_report(documents: list[dict], variant: str, headline_level: str, set_name: str) -> dict:
    metrics: dict = {}
    for level in ("ner", "rel", "rel_plus"):
        rows = [row[level] for row in documents]
        if rows[0] is None:
            metrics[level] = None
            continue
        gold, pred, matched = (sum(row[key] for row in rows) for key in ("gold", "pred", "matched"))
        metrics[level] = {**prf(matched, gold, pred), "gold": gold, "pred": pred, "matched": matched}
    metrics["headline"] = {"level": headline_level, **metrics[headline_level]}
    stamp = {"task": "sciie", "set": set_name, "task_variant": "re_plus", "method": "exact-match-micro",
             "data_hash": "s1", "variant": variant}
    return {"stamp": stamp, "metrics": metrics, "parse_failures": 0, "parse_failure_rate": 0.0,
            "documents": len(documents)}


def test_sciie_levels_a_variant_does_not_measure_are_shown_empty_and_fail_gates(tmp_path):
    for variant, hits in (("sft", 30), ("grpo", 36)):
        documents = sciie_documents(hits, 40, ("rel", "rel_plus"))
        write_evaluation(tmp_path, variant, {"test": documents}, task="sciie",
                         reports={"test": sciie_report(documents, variant, "rel_plus", "test")})
    settings = LeaderboardSettings(bootstrap_samples=100, gates={
        "sciie": {"any_of": ["metrics.ner.f1 >= 0.5", "metrics.rel_plus.f1 >= 0.9"]}})
    board = build_leaderboard(settings, tmp_path, None)
    rows = rows_by_system(board.groups[0])
    assert rows["grpo"].rank == 1 and rows["grpo"].headline == pytest.approx(0.95)  # (36·2 + 4·1) / 80
    assert rows["grpo"].values["metrics.ner.f1"] is None and "metrics.ner.f1" not in rows["grpo"].intervals
    headline = rows["grpo"].intervals["metrics.headline.f1"]
    assert headline == rows["grpo"].intervals["metrics.rel_plus.f1"]  # the headline is recounted from rel_plus
    assert rows["grpo"].gate_passed and not rows["sft"].gate_passed
    assert "metrics.ner.f1 >= 0.5 (is not measured)" in rows["sft"].gate_detail
    markdown = write_leaderboard(board, tmp_path / "out")[0].read_text(encoding="utf-8")
    assert "task_variant=re_plus" in markdown and "| —" in markdown


# -- published references -------------------------------------------------------------------------


def test_reference_rows_are_shown_with_their_source_and_never_ranked(tmp_path):
    write_evaluation(tmp_path / "eval", "sft", {"test": funding_documents(70, 100)})
    board = build_leaderboard(SETTINGS, tmp_path / "eval", REPO / "reports/references.yaml")
    assert all(group.published and all(row.rank is None for row in group.rows) for group in board.published)
    published = next(group for group in board.published if group.task == "sciie")
    rows = rows_by_system(published)
    assert published.stamp["set"] == "SciER test"
    assert rows["Qwen2.5-7B, MimicSFT + R2GRPO"].values["metrics.rel_plus.f1"] == pytest.approx(0.6595)
    assert rows["HGERE (best supervised baseline)"].values["metrics.ner.f1"] == pytest.approx(0.8685)
    assert all("arXiv:2505.22068" in row.source for row in published.rows)
    markdown, csv_path = (path for path in write_leaderboard(board, tmp_path / "out") if path.suffix in (".md", ".csv"))
    text = markdown.read_text(encoding="utf-8")
    assert "## sciie · SciER test" in text and "(published, not ranked)" in text and "arXiv:2505.22068" in text
    table = pd.read_csv(csv_path)
    assert set(table.loc[table["kind"] == "published", "rank"].isna()) == {True}


def test_published_funding_rows_come_one_per_mode_and_review_rows_per_set(tmp_path):
    write_evaluation(tmp_path / "eval", "sft", {"test": funding_documents(70, 100)})
    board = build_leaderboard(SETTINGS, tmp_path / "eval", REPO / "reports/references.yaml")
    funding = {(group.stamp["set"], group.stamp["mode"]): group for group in board.published if group.task == "funding"}
    # 4 sets x 3 modes; the Llama baseline shares the balanced groups of arxiv_test and test_degraded
    assert len(funding) == 12
    balanced = rows_by_system(funding["arxiv_test", "balanced"])
    assert sorted(balanced) == ["Llama-3.1-8B baseline", "Qwen3.5-9B LoRA, SFT + GRPO"]
    assert balanced["Llama-3.1-8B baseline"].values["metrics.funder.f1"] == pytest.approx(0.9001)
    (strict,) = funding["test", "strict"].rows
    assert strict.values == pytest.approx({"metrics.funder.f1": 0.8493, "metrics.award_id.f1": 0.7930,
                                           "metrics.scheme.f1": 0.3934, "metrics.title.f1": 0.0195})
    assert funding["test_degraded", "permissive"].stamp["documents"] == 1288
    review = {group.stamp["set"]: rows_by_system(group) for group in board.published if group.task == "review"}
    assert sorted(review) == ["test", "validation"] and len(review["test"]) == 4
    ensemble = review["test"]["Qwen3-8B + Qwen3.5-9B union ensemble"]
    assert ensemble.values == pytest.approx({"metrics.f1": 0.704, "metrics.recall": 0.695, "metrics.precision": 0.713,
                                             "metrics.major_recall": 0.814})
    assert "BioReview_Training" in ensemble.source and ensemble.stamp["threshold"] == 0.65
    # columns a published row does not report are left blank
    markdown = write_leaderboard(board, tmp_path / "out")[0].read_text(encoding="utf-8")
    llama_line = next(line for line in markdown.splitlines() if line.startswith("| Llama-3.1-8B baseline"))
    assert "0.900" in llama_line and "—" in llama_line


def test_reference_given_in_percent_is_an_error_naming_line_and_field(tmp_path):
    path = tmp_path / "references.yaml"
    path.write_text("references:\n  - system: A\n    stamp: {task: sciie, set: S, source: paper}\n"
                    "    metrics: {headline: {f1: 0.5}}\n"
                    "  - system: B\n    stamp: {task: sciie, set: S, source: paper}\n"
                    "    metrics: {ner: {f1: 84.36}, headline: {f1: 0.6}}\n", encoding="utf-8")
    with pytest.raises(InputError, match="fractions") as info:
        read_references(path)
    assert (info.value.line, info.value.field) == (5, "references[1].metrics.ner.f1")


# -- errors on evaluation files -------------------------------------------------------------------


def test_unknown_task_is_an_error(tmp_path):
    path = write_evaluation(tmp_path, "sft", {"test": funding_documents(5, 10)}, task="poetry")
    with pytest.raises(InputError, match="unknown task 'poetry'") as info:
        build_leaderboard(SETTINGS, tmp_path, None)
    assert info.value.path == str(path) and info.value.field == "task"


def test_malformed_metrics_json_names_the_file(tmp_path):
    path = write_evaluation(tmp_path, "sft", {"test": funding_documents(5, 10)})
    path.write_text('{"task": "funding",\n "variant": "sft",\n "sets": {,}}\n', encoding="utf-8")
    with pytest.raises(InputError, match="invalid JSON") as info:
        build_leaderboard(SETTINGS, tmp_path, None)
    assert info.value.path == str(path) and info.value.line == 3


def test_missing_metric_names_its_field(tmp_path):
    documents = funding_documents(5, 10)
    report = set_report(documents, {**STAMP, "variant": "sft", "set": "test"})
    del report["metrics"]["scheme"]["f0_5"]
    path = write_evaluation(tmp_path, "sft", {"test": documents}, reports={"test": report})
    with pytest.raises(InputError) as info:
        build_leaderboard(SETTINGS, tmp_path, None)
    assert info.value.path == str(path) and info.value.field == "sets.test.metrics.scheme.f0_5"


def test_no_evaluations_is_an_error(tmp_path):
    with pytest.raises(InputError, match="no metrics.json"):
        build_leaderboard(SETTINGS, tmp_path, None)


# -- outputs --------------------------------------------------------------------------------------


def test_every_output_is_written(tmp_path):
    write_evaluation(tmp_path / "eval", "rule", {"test": funding_documents(30, 100)})
    write_evaluation(tmp_path / "eval", "sft", {"test": funding_documents(70, 100)})
    board = build_leaderboard(SETTINGS, tmp_path / "eval", REPO / "reports/references.yaml")
    out = tmp_path / "out"
    paths = write_leaderboard(board, out)
    assert sorted(p.name for p in paths) == sorted(f"leaderboard.{ext}" for ext in ("md", "csv", "html", "png", "json"))
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)  # no temporary files left
    assert (out / "leaderboard.png").read_bytes().startswith(b"\x89PNG")
    html = (out / "leaderboard.html").read_text(encoding="utf-8")
    assert html.count("<table") == len(board.groups) + len(board.published) and 'src="leaderboard.png"' in html
    table = pd.read_csv(out / "leaderboard.csv")
    sft = table[table["row"] == "funding/test/sft"].iloc[0]
    assert (sft["rank"], sft["headline"], sft["delta_vs_rule"]) == (1, pytest.approx(0.7), pytest.approx(0.4))
    assert sft["headline_ci_low"] <= 0.7 <= sft["headline_ci_high"] and sft["stamp.mode"] == "balanced"
    summary = json.loads((out / "leaderboard.json").read_text(encoding="utf-8"))
    assert sorted(summary) == ["funding/test/rule", "funding/test/sft"]
    assert summary["funding/test/sft"] == {
        "rank": 1, "metrics.funder.f1": pytest.approx(0.7), "ci_low": sft["headline_ci_low"],
        "ci_high": sft["headline_ci_high"], "delta_vs_rule": pytest.approx(0.4), "gate": None, "stamp": sft["stamp_id"]}


def test_paired_differences_reach_every_output(tmp_path):
    write_evaluation(tmp_path / "eval", "sft", {"test": funding_documents(18, 30)})
    write_evaluation(tmp_path / "eval", "grpo", {"test": funding_documents(24, 30)})
    out = tmp_path / "out"
    write_leaderboard(build_leaderboard(PAIRED, tmp_path / "eval", None), out)
    grpo = pd.read_csv(out / "leaderboard.csv").set_index("row").loc["funding/test/grpo"]
    assert grpo["paired_against"] == "sft" and grpo["metrics.funder.f0_5.paired_delta"] == pytest.approx(0.2)
    assert 0 < grpo["metrics.funder.f1.paired_ci_low"] < 0.2 < grpo["metrics.funder.f1.paired_ci_high"]
    summary = json.loads((out / "leaderboard.json").read_text(encoding="utf-8"))
    assert summary["funding/test/grpo"]["paired_vs_sft"] == {
        "delta": pytest.approx(0.2), "ci_low": grpo["metrics.funder.f1.paired_ci_low"],
        "ci_high": grpo["metrics.funder.f1.paired_ci_high"]}
    assert "paired_vs_sft" not in summary["funding/test/sft"]
    html = (out / "leaderboard.html").read_text(encoding="utf-8")
    assert html.count("<table") == 2 and "grpo − sft" in html


def test_stage_logs_every_output_to_mlflow(project_dir):
    write_evaluation(project_dir / "reports/eval", "rule", {"test": funding_documents(30, 100)})
    references = project_dir / "reports/references.yaml"
    references.write_text((REPO / "reports/references.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    from sciextract.stages import run_leaderboard

    config = Config(leaderboard=LeaderboardSettings(bootstrap_samples=50))
    config.tracking.tracking_uri = f"sqlite:///{project_dir / 'mlflow.db'}"
    run_leaderboard(config)
    (run,) = mlflow.search_runs(experiment_names=["sciextract-leaderboard"], output_format="list")
    logged = sorted(Path(a.path).name for a in mlflow.MlflowClient().list_artifacts(run.info.run_id, "leaderboard"))
    assert logged == sorted(f"leaderboard.{ext}" for ext in ("csv", "html", "json", "md", "png"))
    assert run.data.tags["tasks"] == "funding" and run.info.status == "FINISHED"
