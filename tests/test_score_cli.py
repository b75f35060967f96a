"""`sciextract score funding`: scoring a predictions file against a gold file from the command line.

Gold counts of tests/fixtures/funding_small.jsonl, by hand (every listed item counts; the fixture lists no item
twice under one funder, and no two funders of one record are similar enough to merge in any mode):

record  funders                              award ids  schemes  titles
fx-1    NSF, NIH                         2   3          0        0
fx-2    -                                0   0          0        0
fx-3    ERC                              1   1          1        0
fx-4    NSFC, JSPS                       2   3          1        0
fx-5    Wellcome Trust                   1   1          0        0
fx-6    (unnamed), EPSRC                 1   2          0        1     (an unnamed funder is not a funder item)
fx-7    NSERC                            1   1          1        0
fx-8    DFG, Fondazione Cariplo          2   1          1        0
total                                    10  12         4        1
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sciextract.cli import main
from sciextract.tasks.funding.data import load_funding_records
from sciextract.config import Config
from sciextract.io import read_prediction_rows
from sciextract.predict import score_rows
from sciextract.tasks.funding.parse import GROUNDING_COUNTS, render_funders
from sciextract.tasks.funding.task import FundingTask

GOLD_TOTALS = {"funder": 10, "award_id": 12, "scheme": 4, "title": 1}
PER_RECORD = {  # (funder, award_id, scheme, title) gold counts, from the table above
    "fx-1": (2, 3, 0, 0), "fx-2": (0, 0, 0, 0), "fx-3": (1, 1, 1, 0), "fx-4": (2, 3, 1, 0),
    "fx-5": (1, 1, 0, 0), "fx-6": (1, 2, 0, 1), "fx-7": (1, 1, 1, 0), "fx-8": (2, 1, 1, 0),
}
LEVELS = ("funder", "award_id", "scheme", "title")
MODES = ("balanced", "permissive", "strict")
METRIC_KEYS = {"precision", "recall", "f1", "f0_5", "f1_5", "gold", "pred", "matched"}


def gold_records(funding_file: Path) -> list[dict]:
    return load_funding_records(funding_file)


def write_rows(path: Path, rows: list[dict | str]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def run_score(gold: Path, predictions: Path, output: Path, mode: str = "balanced", *extra: str) -> int:
    return main(["score", "--task", "funding", "--gold", str(gold), "--predictions", str(predictions),
                 "--set", f"evaluate.funding.mode={mode}", "--output", str(output), *extra])


def score_ok(gold: Path, predictions: Path, output: Path, mode: str = "balanced", *extra: str) -> dict:
    assert run_score(gold, predictions, output, mode, *extra) == 0
    return json.loads(output.read_text(encoding="utf-8"))


def assert_perfect(report: dict) -> None:
    for level in LEVELS:
        m = report["metrics"][level]
        assert m["gold"] > 0, level
        assert m["gold"] == m["pred"] == m["matched"], level
        for key in ("precision", "recall", "f1", "f0_5", "f1_5"):
            assert m[key] == 1.0, (level, key)
    assert report["parse_failures"] == 0
    assert report["parse_failure_rate"] == 0.0
    assert report["documents"] == 8


# -- perfect predictions --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["balanced", "permissive", "strict"])
def test_gold_scored_against_itself_is_perfect_in_every_mode(funding_file, tmp_path, mode):
    rows = [{"id": r["id"], "predicted_funders": r["funders"]} for r in gold_records(funding_file)]
    predictions = write_rows(tmp_path / "pred.jsonl", rows)
    report = score_ok(funding_file, predictions, tmp_path / "metrics.json", mode)
    assert_perfect(report)
    assert report["stamp"]["mode"] == mode


def test_gold_counts_by_hand(funding_file, tmp_path):
    rows = [{"id": r["id"], "predicted_funders": r["funders"]} for r in gold_records(funding_file)]
    report = score_ok(funding_file, write_rows(tmp_path / "pred.jsonl", rows), tmp_path / "m.json")
    assert {level: report["metrics"][level]["gold"] for level in LEVELS} == GOLD_TOTALS
    assert [sum(counts[i] for counts in PER_RECORD.values()) for i in range(4)] == list(GOLD_TOTALS.values())


def test_report_has_exactly_the_documented_shape(funding_file, tmp_path):
    rows = [{"id": r["id"], "predicted_funders": r["funders"]} for r in gold_records(funding_file)]
    predictions = write_rows(tmp_path / "pred.jsonl", rows)
    report = score_ok(funding_file, predictions, tmp_path / "m.json", "strict",
                      "--set", "evaluate.funding.funder_threshold=0.9",
                      "--set", "evaluate.funding.text_threshold=0.75")
    assert set(report) == {"stamp", "metrics", "parse_failures", "parse_failure_rate", "documents", "truncated_answers",
                           "repeated_award_ids", *GROUNDING_COUNTS}
    assert set(report["metrics"]) == {*LEVELS, "by_mode"}
    assert list(report["metrics"]["by_mode"]) == list(MODES)
    for level in LEVELS:
        assert set(report["metrics"][level]) == METRIC_KEYS
        for mode in MODES:
            assert set(report["metrics"]["by_mode"][mode][level]) == METRIC_KEYS
    assert {level: report["metrics"][level] for level in LEVELS} == report["metrics"]["by_mode"]["strict"]
    stamp = report["stamp"]
    assert stamp["mode"] == "strict"
    assert stamp["funder_threshold"] == 0.9
    assert stamp["text_threshold"] == 0.75
    assert stamp["task"] == "funding"
    assert stamp["gold"] == str(funding_file) and stamp["predictions"] == str(predictions)
    assert stamp["documents_without_prediction"] == 0
    assert isinstance(report["parse_failures"], int) and isinstance(report["documents"], int)


def test_default_mode_and_thresholds_are_stamped(funding_file, tmp_path):
    rows = [{"id": r["id"], "predicted_funders": r["funders"]} for r in gold_records(funding_file)]
    predictions = write_rows(tmp_path / "pred.jsonl", rows)
    output = tmp_path / "m.json"
    assert main(["score", "--task", "funding", "--gold", str(funding_file), "--predictions", str(predictions),
                 "--output", str(output)]) == 0
    stamp = json.loads(output.read_text(encoding="utf-8"))["stamp"]
    assert (stamp["mode"], stamp["funder_threshold"], stamp["text_threshold"]) == ("balanced", 0.8, 0.8)


def test_table_is_printed_to_stdout(funding_file, tmp_path, capsys):
    rows = [{"id": r["id"], "predicted_funders": r["funders"]} for r in gold_records(funding_file)]
    score_ok(funding_file, write_rows(tmp_path / "pred.jsonl", rows), tmp_path / "m.json")
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if line.startswith("mode ")] == ["mode balanced (headline)", "mode permissive",
                                                                    "mode strict"]
    for level in LEVELS:
        assert sum(line.startswith(level) for line in lines) == 3
    assert ("documents 8, parse failures 0 (0.00%), truncated answers 0, repeated award ids dropped 0, "
            "headline mode balanced") in lines


def test_every_mode_is_scored_and_the_headline_follows_the_mode_setting(funding_file, tmp_path):
    rows = [{"id": r["id"], "predicted_funders": r["funders"]} for r in gold_records(funding_file)]
    # fx-1: "National Science Foundation" (2 ids) predicted as "National Science Foundation of the United States":
    # balanced 0.85 (token subset, 27/48 of the length) and permissive 1.0 (substring) match; strict 0.72 does not
    rows[0]["predicted_funders"] = [{**rows[0]["predicted_funders"][0],
                                     "funder_name": "National Science Foundation of the United States"},
                                    rows[0]["predicted_funders"][1]]
    predictions = write_rows(tmp_path / "pred.jsonl", rows)
    # strict: funders 10 gold, 10 pred, 9 matched; the 2 NSF ids sit under unmatched funders: 12 / 12 / 10
    expected = {"balanced": {"funder": (10, 10, 10), "award_id": (12, 12, 12)},
                "permissive": {"funder": (10, 10, 10), "award_id": (12, 12, 12)},
                "strict": {"funder": (10, 10, 9), "award_id": (12, 12, 10)}}
    for headline in MODES:
        report = score_ok(funding_file, predictions, tmp_path / f"{headline}.json", headline)
        by_mode = report["metrics"]["by_mode"]
        for mode, levels in expected.items():
            for level, counts in levels.items():
                assert (by_mode[mode][level]["gold"], by_mode[mode][level]["pred"],
                        by_mode[mode][level]["matched"]) == counts, (headline, mode, level)
        assert report["metrics"]["funder"] == by_mode[headline]["funder"]
    assert report["metrics"]["funder"]["f1"] == pytest.approx(0.9)  # strict headline: P = R = 9/10


def test_data_hash_depends_on_gold_only(funding_file, tmp_path):
    rows = [{"id": r["id"], "predicted_funders": r["funders"]} for r in gold_records(funding_file)]
    first = score_ok(funding_file, write_rows(tmp_path / "a.jsonl", rows), tmp_path / "a.json")
    second = score_ok(funding_file, write_rows(tmp_path / "b.jsonl", rows[::-1]), tmp_path / "b.json")
    assert first["stamp"]["data_hash"] == second["stamp"]["data_hash"]
    assert first["metrics"] == second["metrics"]


# -- raw outputs, joins, missing predictions ------------------------------------------------------


def test_raw_output_rows_are_parsed(funding_file, tmp_path):
    rows = [{"id": r["id"], "raw_output": f"<think>x</think>```json\n{render_funders(r['funders'])}\n```"}
            for r in gold_records(funding_file)]
    report = score_ok(funding_file, write_rows(tmp_path / "pred.jsonl", rows), tmp_path / "m.json")
    assert_perfect(report)


def test_garbage_raw_output_is_a_parse_failure(funding_file, tmp_path):
    rows = [{"id": r["id"], "raw_output": render_funders(r["funders"])} for r in gold_records(funding_file)]
    rows[4]["raw_output"] = "Sorry, I cannot help with that."  # fx-5: 1 funder, 1 award id
    rows[5]["raw_output"] = None  # fx-6: 1 funder, 2 ids, 1 title
    report = score_ok(funding_file, write_rows(tmp_path / "pred.jsonl", rows), tmp_path / "m.json")
    assert report["parse_failures"] == 2
    assert report["parse_failure_rate"] == pytest.approx(2 / 8)
    m = report["metrics"]
    assert (m["funder"]["gold"], m["funder"]["pred"], m["funder"]["matched"]) == (10, 8, 8)
    assert (m["award_id"]["gold"], m["award_id"]["pred"], m["award_id"]["matched"]) == (12, 9, 9)
    assert (m["scheme"]["gold"], m["scheme"]["pred"], m["scheme"]["matched"]) == (4, 4, 4)
    assert (m["title"]["gold"], m["title"]["pred"], m["title"]["matched"]) == (1, 0, 0)
    assert m["funder"]["recall"] == pytest.approx(0.8) and m["funder"]["precision"] == 1.0
    assert m["award_id"]["recall"] == pytest.approx(0.75)
    assert m["title"]["recall"] == 0.0 and m["title"]["precision"] == 0.0 and m["title"]["f1"] == 0.0


def test_parse_failed_flag_with_predicted_funders_counts_as_failure(funding_file, tmp_path):
    rows = [{"id": r["id"], "predicted_funders": r["funders"], "parse_failed": False}
            for r in gold_records(funding_file)]
    rows[1] = {"id": "fx-2", "predicted_funders": [], "parse_failed": True}  # empty gold: counts stay perfect
    report = score_ok(funding_file, write_rows(tmp_path / "pred.jsonl", rows), tmp_path / "m.json")
    assert report["parse_failures"] == 1
    assert report["metrics"]["funder"]["recall"] == 1.0


def test_join_by_funding_statement_when_there_is_no_id(funding_file, tmp_path):
    rows = [{"funding_statement": r["funding_statement"], "predicted_funders": r["funders"]}
            for r in gold_records(funding_file)][::-1]
    report = score_ok(funding_file, write_rows(tmp_path / "pred.jsonl", rows), tmp_path / "m.json")
    assert_perfect(report)


def test_gold_without_prediction_is_scored_as_empty(funding_file, tmp_path):
    records = gold_records(funding_file)
    rows = [{"id": r["id"], "predicted_funders": r["funders"]} for r in records if r["id"] not in ("fx-1", "fx-3")]
    report = score_ok(funding_file, write_rows(tmp_path / "pred.jsonl", rows), tmp_path / "m.json")
    m = report["metrics"]
    # fx-1 loses 2 funders and 3 ids; fx-3 loses 1 funder, 1 id and 1 scheme
    assert (m["funder"]["gold"], m["funder"]["pred"], m["funder"]["matched"]) == (10, 7, 7)
    assert (m["award_id"]["gold"], m["award_id"]["pred"], m["award_id"]["matched"]) == (12, 8, 8)
    assert (m["scheme"]["gold"], m["scheme"]["pred"], m["scheme"]["matched"]) == (4, 3, 3)
    assert (m["title"]["gold"], m["title"]["pred"], m["title"]["matched"]) == (1, 1, 1)
    assert m["funder"]["recall"] == pytest.approx(0.7) and m["funder"]["precision"] == 1.0
    assert m["award_id"]["recall"] == pytest.approx(8 / 12)
    assert m["scheme"]["recall"] == pytest.approx(0.75)
    assert m["funder"]["f1"] == pytest.approx(2 * 0.7 / 1.7)
    assert m["funder"]["f0_5"] == pytest.approx(1.25 * 0.7 / (0.25 + 0.7))
    assert m["funder"]["f1_5"] == pytest.approx(3.25 * 0.7 / (2.25 + 0.7))
    assert report["documents"] == 8
    assert report["parse_failures"] == 0  # a missing prediction is empty, not unreadable
    assert report["stamp"]["documents_without_prediction"] == 2


def test_extra_predicted_funder_lowers_precision(funding_file, tmp_path):
    rows = [{"id": r["id"], "predicted_funders": r["funders"]} for r in gold_records(funding_file)]
    rows[1]["predicted_funders"] = [{"funder_name": "Wellcome Trust", "awards": [
        {"award_ids": ["X-1"], "funding_scheme": [], "award_title": []}]}]  # fx-2 has no funders
    report = score_ok(funding_file, write_rows(tmp_path / "pred.jsonl", rows), tmp_path / "m.json")
    m = report["metrics"]
    assert (m["funder"]["gold"], m["funder"]["pred"], m["funder"]["matched"]) == (10, 11, 10)
    assert m["funder"]["precision"] == pytest.approx(10 / 11) and m["funder"]["recall"] == 1.0
    assert (m["award_id"]["gold"], m["award_id"]["pred"], m["award_id"]["matched"]) == (12, 13, 12)


def test_predictions_as_a_json_array(funding_file, tmp_path):
    rows = [{"id": r["id"], "predicted_funders": r["funders"]} for r in gold_records(funding_file)]
    predictions = tmp_path / "pred.json"
    predictions.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    assert_perfect(score_ok(funding_file, predictions, tmp_path / "m.json"))


def test_score_rows_accepts_plain_dicts(funding_file):
    records = gold_records(funding_file)
    rows = [{"id": r["id"], "raw_output": render_funders(r["funders"])} for r in records]
    report, per_document = score_rows(FundingTask(), Config(), records, rows)
    assert_perfect(report)
    assert [row["id"] for row in per_document] == [r["id"] for r in records]
    assert per_document[0]["funder"] == {"gold": 2, "pred": 2, "matched": 2}
    assert report["truncated_answers"] == 0


def test_a_cut_answer_is_scored_on_its_complete_funders_and_counted(funding_file):
    records = gold_records(funding_file)[:1]
    assert len(records[0]["funders"]) == 2
    whole = render_funders(records[0]["funders"])
    cut = whole[:whole.index('{"funder_name"', 2) + 5]  # the token limit stops the second funder
    report, per_document = score_rows(FundingTask(), Config(), records, [{"id": records[0]["id"], "raw_output": cut}])
    assert report["truncated_answers"] == 1 and report["parse_failures"] == 0
    assert per_document[0]["funder"] == {"gold": 2, "pred": 1, "matched": 1}


def test_read_prediction_rows_numbers_lines(tmp_path):
    path = write_rows(tmp_path / "p.jsonl", [{"id": "a"}, "", {"id": "b"}])
    assert read_prediction_rows(path) == [(1, {"id": "a"}), (3, {"id": "b"})]


# -- errors ---------------------------------------------------------------------------------------


def assert_cli_error(capsys, code: int, predictions: Path, line: int, field: str | None, words: str) -> str:
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ")
    assert str(predictions) in err
    assert f"line {line}" in err
    if field is not None:
        assert f"field '{field}'" in err
    assert words in err
    return err


def test_prediction_without_gold_is_an_error(funding_file, tmp_path, capsys):
    rows = [{"id": r["id"], "predicted_funders": r["funders"]} for r in gold_records(funding_file)[:2]]
    rows.append({"id": "not-in-gold", "predicted_funders": []})
    predictions = write_rows(tmp_path / "pred.jsonl", rows)
    output = tmp_path / "m.json"
    code = run_score(funding_file, predictions, output)
    assert_cli_error(capsys, code, predictions, 3, "id", "no matching gold record")
    assert not output.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pred.jsonl"]


def test_statement_without_gold_is_an_error(funding_file, tmp_path, capsys):
    predictions = write_rows(tmp_path / "pred.jsonl", ["", {"funding_statement": "Unknown text.", "raw_output": "[]"}])
    code = run_score(funding_file, predictions, tmp_path / "m.json")
    assert_cli_error(capsys, code, predictions, 2, "funding_statement", "no matching gold record")


def test_second_prediction_for_a_document_is_an_error(funding_file, tmp_path, capsys):
    records = gold_records(funding_file)
    rows = [{"id": r["id"], "predicted_funders": r["funders"]} for r in records]
    rows.append({"funding_statement": records[2]["funding_statement"], "raw_output": "[]"})  # fx-3 again, by text
    predictions = write_rows(tmp_path / "pred.jsonl", rows)
    code = run_score(funding_file, predictions, tmp_path / "m.json")
    assert_cli_error(capsys, code, predictions, 9, None, "second prediction for record 'fx-3'")


@pytest.mark.parametrize(("row", "field", "words"), [
    ({"id": "fx-1", "predicted_funders": [{"funder_name": 3}]}, "predicted_funders[0].funder_name", "expected"),
    ({"id": "fx-1", "predicted_funders": "NSF"}, "predicted_funders", "expected an array"),
    ({"id": "fx-1", "raw_output": 5}, "raw_output", "expected a string or null"),
    ({"id": "fx-1"}, None, "needs 'predicted_funders' or 'raw_output'"),
    ({"id": "fx-1", "predicted_funders": None}, None, "needs 'predicted_funders' or 'raw_output'"),
])
def test_bad_prediction_row_is_an_error(funding_file, tmp_path, capsys, row, field, words):
    predictions = write_rows(tmp_path / "pred.jsonl", [{"id": "fx-2", "raw_output": "[]"}, row])
    code = run_score(funding_file, predictions, tmp_path / "m.json")
    assert_cli_error(capsys, code, predictions, 2, field, words)


@pytest.mark.parametrize("text", ['["fx-1"]', "42", '{"id": "fx-1", '])
def test_unreadable_prediction_line_is_an_error(funding_file, tmp_path, capsys, text):
    predictions = write_rows(tmp_path / "pred.jsonl", [{"id": "fx-2", "raw_output": "[]"}, text])
    code = run_score(funding_file, predictions, tmp_path / "m.json")
    assert_cli_error(capsys, code, predictions, 2, None, "")


def test_bad_gold_file_is_an_error(tmp_path, capsys):
    gold = write_rows(tmp_path / "gold.jsonl", [{"id": "a", "funding_statement": "S.", "funders": [{"awards": 1}]}])
    predictions = write_rows(tmp_path / "pred.jsonl", [{"id": "a", "raw_output": "[]"}])
    code = run_score(gold, predictions, tmp_path / "m.json")
    err = capsys.readouterr().err
    assert code == 2
    assert str(gold) in err and "line 1" in err and "field 'funders[0].awards'" in err


def test_missing_predictions_file_is_an_error(funding_file, tmp_path, capsys):
    code = run_score(funding_file, tmp_path / "none.jsonl", tmp_path / "m.json")
    err = capsys.readouterr().err
    assert code == 2 and str(tmp_path / "none.jsonl") in err and "not found" in err


# -- output file ----------------------------------------------------------------------------------


def test_output_is_written_atomically_and_overwrites(funding_file, tmp_path):
    rows = [{"id": r["id"], "predicted_funders": r["funders"]} for r in gold_records(funding_file)]
    predictions = write_rows(tmp_path / "pred.jsonl", rows)
    out_dir = tmp_path / "reports" / "nested"
    output = out_dir / "metrics.json"
    score_ok(funding_file, predictions, output)
    assert [p.name for p in out_dir.iterdir()] == ["metrics.json"]
    output.write_text("stale", encoding="utf-8")
    report = score_ok(funding_file, predictions, output, "strict")
    assert report["stamp"]["mode"] == "strict"
    assert [p.name for p in out_dir.iterdir()] == ["metrics.json"]
    assert output.read_text(encoding="utf-8").endswith("}\n")


def test_failed_score_leaves_an_existing_output_untouched(funding_file, tmp_path, capsys):
    predictions = write_rows(tmp_path / "pred.jsonl", [{"id": "zzz", "raw_output": "[]"}])
    output = tmp_path / "m.json"
    output.write_text('{"old": true}\n', encoding="utf-8")
    assert run_score(funding_file, predictions, output) == 2
    assert json.loads(output.read_text(encoding="utf-8")) == {"old": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "pred.jsonl"]
