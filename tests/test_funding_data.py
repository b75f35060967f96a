"""Funding file loading and validation (data/funding.py) and the file helpers it rests on (io.py).

Every bad input must be an `InputError` whose message names the file, the line on which the offending
record starts and, where a field is at fault, the dotted field path.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from pathlib import Path

import pytest

from sciextract.tasks.funding.data import (
    canonical_funders,
    load_funding_records,
    statement_id,
    validate_record,
)
from sciextract.config import Config
from sciextract.errors import InputError
from sciextract.io import atomic_path, read_records, sha256_json, write_json, write_jsonl
from sciextract.predict import evaluation_sets
from sciextract.tasks.funding.task import FundingTask

STATEMENT = "Supported by the National Science Foundation (DMS-1912345)."


def empty_award(**fields) -> dict:
    return {"award_ids": [], "funding_scheme": [], "award_title": [], **fields}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def record_json(**fields) -> str:
    return json.dumps(fields)


def assert_input_error(exc: InputError, path: Path, line: int | None, field: str | None) -> None:
    """The error's attributes and its message both name the file, the line and the field."""
    message = str(exc)
    assert exc.path == str(path)
    assert message.startswith(str(path))
    assert exc.line == line
    if line is None:
        assert ", line " not in message
    else:
        assert f", line {line}" in message
    assert exc.field == field
    if field is None:
        assert "field '" not in message
    else:
        assert f"field '{field}'" in message


# -- the fixture file -----------------------------------------------------------------------------


def test_fixture_file_loads_in_canonical_form(funding_file):
    records = load_funding_records(funding_file)
    assert [r["id"] for r in records] == [f"fx-{i}" for i in range(1, 9)]
    assert all(set(r) == {"id", "funding_statement", "funders"} for r in records)
    by_id = {r["id"]: r for r in records}
    assert by_id["fx-2"]["funders"] == []
    assert by_id["fx-6"]["funders"][0] == {"funder_name": None, "awards": [empty_award(award_ids=["2019-1234"])]}
    assert by_id["fx-8"]["funders"][1] == {"funder_name": "Fondazione Cariplo", "awards": []}
    assert by_id["fx-4"]["funders"][1]["awards"] == [empty_award(award_ids=["JP21H01234"], funding_scheme=["KAKENHI"])]
    # the fixture is already canonical, so loading it changes nothing
    raw = [json.loads(line) for line in funding_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert records == raw


# -- nested and flat forms ------------------------------------------------------------------------


def test_nested_form_fills_missing_award_fields_and_strips_strings():
    funders = canonical_funders([
        {"funder_name": "  Wellcome Trust ", "awards": [{"award_ids": [" 212345/Z/18/Z "]}]},
        {"funder_name": "ERC", "awards": None},
        {"funder_name": "NIH"},
    ])
    assert funders == [
        {"funder_name": "Wellcome Trust", "awards": [empty_award(award_ids=["212345/Z/18/Z"])]},
        {"funder_name": "ERC", "awards": []},
        {"funder_name": "NIH", "awards": []},
    ]


def test_nested_form_scalars_become_lists_and_nulls_and_empty_strings_drop():
    funders = canonical_funders([{"funder_name": "NSF", "awards": [
        {"award_ids": "DMS-1", "funding_scheme": None, "award_title": ["", "  ", None, "A title"]},
    ]}])
    assert funders == [{"funder_name": "NSF", "awards": [
        {"award_ids": ["DMS-1"], "funding_scheme": [], "award_title": ["A title"]}]}]


@pytest.mark.parametrize("name", [None, "", "   "])
def test_null_or_blank_funder_name_is_unnamed(name):
    assert canonical_funders([{"funder_name": name, "awards": []}]) == [{"funder_name": None, "awards": []}]


def test_flat_form_award_fields_on_the_funder():
    funders = canonical_funders([
        {"funder_name": "NSF", "award_ids": "DMS-1912345", "funding_scheme": None, "award_title": ""},
        {"funder_name": "ERC", "award_ids": ["725974", None, ""], "funding_scheme": "Horizon 2020",
         "award_title": ["Quantum", ""]},
    ])
    assert funders == [
        {"funder_name": "NSF", "awards": [empty_award(award_ids=["DMS-1912345"])]},
        {"funder_name": "ERC", "awards": [
            {"award_ids": ["725974"], "funding_scheme": ["Horizon 2020"], "award_title": ["Quantum"]}]},
    ]


def test_flat_form_with_only_empty_fields_adds_no_award():
    funders = canonical_funders([{"funder_name": "Fondazione Cariplo", "award_ids": [], "funding_scheme": None,
                                  "award_title": ["", None]}])
    assert funders == [{"funder_name": "Fondazione Cariplo", "awards": []}]


def test_flat_fields_next_to_nested_awards_are_appended_as_one_more_award():
    funders = canonical_funders([{"funder_name": "NSF", "awards": [{"award_ids": ["A-1"]}], "award_ids": ["B-2"]}])
    assert funders == [{"funder_name": "NSF", "awards": [empty_award(award_ids=["A-1"]), empty_award(award_ids=["B-2"])]}]


def test_flat_form_in_a_file(tmp_path):
    path = write_lines(tmp_path / "flat.jsonl", [record_json(
        id="r1", funding_statement=STATEMENT,
        funders=[{"funder_name": "National Science Foundation", "award_ids": "DMS-1912345"}])])
    assert load_funding_records(path) == [{"id": "r1", "funding_statement": STATEMENT, "funders": [
        {"funder_name": "National Science Foundation", "awards": [empty_award(award_ids=["DMS-1912345"])]}]}]


# -- file formats ---------------------------------------------------------------------------------


def test_jsonl_with_blank_lines_reports_true_line_numbers(tmp_path):
    path = write_lines(tmp_path / "gaps.jsonl", [
        "",
        record_json(id="a", funding_statement="Statement A.", funders=[]),
        "   ",
        "",
        record_json(id="b", funding_statement="Statement B.", funders=[]),
    ])
    assert [line for line, _ in read_records(path)] == [2, 5]
    assert [r["id"] for r in load_funding_records(path)] == ["a", "b"]


def test_jsonl_with_crlf_line_endings(tmp_path):
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(b'{"x": 1}\r\n\r\n{"y": 2}\r\n')
    assert read_records(path) == [(1, {"x": 1}), (3, {"y": 2})]


def test_json_array_reports_the_line_each_element_starts_on(tmp_path):
    path = tmp_path / "arr.json"
    path.write_text('[\n  {"x": 1},\n\n  {"y":\n    2},\n  3\n]\n', encoding="utf-8")
    assert read_records(path) == [(2, {"x": 1}), (4, {"y": 2}), (6, 3)]


def test_json_array_records_and_an_error_in_the_second_element(tmp_path):
    good = {"id": "a", "funding_statement": "Statement A.", "funders": []}
    bad = {"id": "b", "funding_statement": "Statement B.", "funders": [{"funder_name": 7}]}
    path = tmp_path / "records.json"
    path.write_text("[\n" + json.dumps(good, indent=2) + ",\n" + json.dumps(bad, indent=2) + "\n]\n", encoding="utf-8")
    good_lines = len(json.dumps(good, indent=2).splitlines())  # element 1 starts on line 2
    with pytest.raises(InputError) as info:
        load_funding_records(path)
    assert_input_error(info.value, path, 2 + good_lines, "funders[0].funder_name")


def test_json_array_of_records_loads(tmp_path, funding_file):
    raw = [json.loads(line) for line in funding_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    path = tmp_path / "records.json"
    path.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    assert load_funding_records(path) == load_funding_records(funding_file)


def test_empty_json_array_and_empty_jsonl(tmp_path):
    (tmp_path / "empty.json").write_text(" [ \n ] \n", encoding="utf-8")
    (tmp_path / "empty.jsonl").write_text("\n\n", encoding="utf-8")
    assert load_funding_records(tmp_path / "empty.json") == []
    assert load_funding_records(tmp_path / "empty.jsonl") == []


def test_single_object_json(tmp_path):
    path = tmp_path / "one.json"
    path.write_text("\n\n" + json.dumps({"id": 7, "funding_statement": STATEMENT, "funders": []}, indent=2),
                    encoding="utf-8")
    assert read_records(path)[0][0] == 3
    assert load_funding_records(path) == [{"id": "7", "funding_statement": STATEMENT, "funders": []}]


# -- ids ------------------------------------------------------------------------------------------


def test_id_is_derived_from_the_statement_when_absent(tmp_path):
    other = "Funded by the Wellcome Trust."
    path = write_lines(tmp_path / "noid.jsonl", [
        record_json(funding_statement=STATEMENT, funders=[]),
        record_json(funding_statement=other, funders=[]),
    ])
    first = [r["id"] for r in load_funding_records(path)]
    again = [r["id"] for r in load_funding_records(path)]
    assert first == again
    assert first == ["fs-" + hashlib.sha1(STATEMENT.encode()).hexdigest()[:12],
                     "fs-" + hashlib.sha1(other.encode()).hexdigest()[:12]]
    assert all(re.fullmatch(r"fs-[0-9a-f]{12}", i) for i in first)
    assert statement_id(STATEMENT) == first[0]
    assert validate_record({"funding_statement": STATEMENT, "funders": []}, path=None, line=None)["id"] == first[0]


def test_integer_id_becomes_a_string():
    assert validate_record({"id": 12, "funding_statement": STATEMENT, "funders": []}, path=None, line=None)["id"] == "12"


def test_validate_record_drops_unknown_top_level_keys():
    record = validate_record({"id": "x", "funding_statement": STATEMENT, "funders": [], "doi": "10.1/x"},
                             path="f.jsonl", line=4)
    assert record == {"id": "x", "funding_statement": STATEMENT, "funders": []}


# -- errors ---------------------------------------------------------------------------------------

GOOD_LINE = record_json(id="ok", funding_statement="A fine statement.", funders=[])

BAD_RECORDS = [
    # (case, text of the bad line, field)
    ("invalid json", '{"id": "x", "funding_statement": ', None),
    ("non-object record", '["a", "b"]', None),
    ("record is a string", '"just text"', None),
    ("missing statement", record_json(id="x", funders=[]), "funding_statement"),
    ("null statement", record_json(id="x", funding_statement=None, funders=[]), "funding_statement"),
    ("empty statement", record_json(id="x", funding_statement="", funders=[]), "funding_statement"),
    ("blank statement", record_json(id="x", funding_statement=" \n\t ", funders=[]), "funding_statement"),
    ("non-string statement", record_json(id="x", funding_statement=5, funders=[]), "funding_statement"),
    ("list statement", record_json(id="x", funding_statement=["a"], funders=[]), "funding_statement"),
    ("float id", record_json(id=1.5, funding_statement="S.", funders=[]), "id"),
    ("bool id", record_json(id=True, funding_statement="S.", funders=[]), "id"),
    ("list id", record_json(id=["x"], funding_statement="S.", funders=[]), "id"),
    ("object id", record_json(id={"x": 1}, funding_statement="S.", funders=[]), "id"),
    ("missing funders", record_json(id="x", funding_statement="S."), "funders"),
    ("null funders", record_json(id="x", funding_statement="S.", funders=None), "funders"),
    ("object funders", record_json(id="x", funding_statement="S.", funders={"funder_name": "NSF"}), "funders"),
    ("string funders", record_json(id="x", funding_statement="S.", funders="NSF"), "funders"),
    ("non-object funder", record_json(id="x", funding_statement="S.", funders=[{"funder_name": "A"}, "NSF"]),
     "funders[1]"),
    ("null funder", record_json(id="x", funding_statement="S.", funders=[None]), "funders[0]"),
    ("int funder_name", record_json(id="x", funding_statement="S.", funders=[{"funder_name": 5}]),
     "funders[0].funder_name"),
    ("list funder_name", record_json(id="x", funding_statement="S.",
                                     funders=[{"funder_name": "A"}, {"funder_name": ["NSF"]}]),
     "funders[1].funder_name"),
    ("string awards", record_json(id="x", funding_statement="S.", funders=[{"funder_name": "A", "awards": "x"}]),
     "funders[0].awards"),
    ("object awards", record_json(id="x", funding_statement="S.",
                                  funders=[{"funder_name": "A", "awards": {"award_ids": ["1"]}}]),
     "funders[0].awards"),
    ("non-object award", record_json(id="x", funding_statement="S.",
                                     funders=[{"funder_name": "A", "awards": [{"award_ids": []}, "G-1"]}]),
     "funders[0].awards[1]"),
    ("non-string id item", record_json(id="x", funding_statement="S.", funders=[
        {"funder_name": "A", "awards": []},
        {"funder_name": "B", "awards": [{"award_ids": ["a", None, 7]}]}]),
     "funders[1].awards[0].award_ids[2]"),
    ("object id item", record_json(id="x", funding_statement="S.", funders=[
        {"funder_name": "B", "awards": [{"award_ids": [{"id": "a"}]}]}]),
     "funders[0].awards[0].award_ids[0]"),
    ("non-string scheme", record_json(id="x", funding_statement="S.", funders=[
        {"funder_name": "B", "awards": [{"funding_scheme": ["ok", 3.5]}]}]),
     "funders[0].awards[0].funding_scheme[1]"),
    ("non-string title", record_json(id="x", funding_statement="S.", funders=[
        {"funder_name": "B", "awards": [{}, {"award_title": [False]}]}]),
     "funders[0].awards[1].award_title[0]"),
    ("flat non-string id item", record_json(id="x", funding_statement="S.", funders=[
        {"funder_name": "A"}, {"funder_name": "B", "award_ids": ["G-1", 2]}]),
     "funders[1].award_ids[1]"),
    ("flat non-string scheme", record_json(id="x", funding_statement="S.", funders=[
        {"funder_name": "B", "funding_scheme": ["x", "y", ["z"]]}]),
     "funders[0].funding_scheme[2]"),
]


@pytest.mark.parametrize(("text", "field"), [case[1:] for case in BAD_RECORDS], ids=[c[0] for c in BAD_RECORDS])
def test_bad_jsonl_record_names_file_line_and_field(tmp_path, text, field):
    path = write_lines(tmp_path / "bad.jsonl", [GOOD_LINE, "", text, GOOD_LINE.replace('"ok"', '"ok2"')])
    with pytest.raises(InputError) as info:
        load_funding_records(path)
    assert_input_error(info.value, path, 3, field)


@pytest.mark.parametrize(("text", "field"), [case[1:] for case in BAD_RECORDS if case[0] != "invalid json"],
                         ids=[c[0] for c in BAD_RECORDS if c[0] != "invalid json"])
def test_bad_json_array_element_names_file_line_and_field(tmp_path, text, field):
    path = tmp_path / "bad.json"
    path.write_text(f"[\n{GOOD_LINE},\n\n\n{text}\n]\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_funding_records(path)
    assert_input_error(info.value, path, 5, field)


def test_invalid_json_inside_an_array_names_the_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[\n  {"id": "a"},\n  {"id": }\n]\n', encoding="utf-8")
    with pytest.raises(InputError, match="invalid JSON") as info:
        read_records(path)
    assert_input_error(info.value, path, 3, None)


def test_missing_comma_in_an_array_names_the_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[\n  {"id": "a"}\n  {"id": "b"}\n]\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_records(path)
    assert_input_error(info.value, path, 3, None)


def test_trailing_garbage_after_a_json_array_on_the_closing_line(tmp_path):
    path = tmp_path / "trail.json"
    path.write_text('[\n  {"id": "a"}\n] ]\n', encoding="utf-8")
    with pytest.raises(InputError, match="after the JSON array") as info:
        read_records(path)
    assert_input_error(info.value, path, 3, None)


@pytest.mark.parametrize(("text", "line"), [('[\n  {"id": "a"}\n]\n\n  x\n', 5), ('[{"id": "a"}]\n\n\n[]', 4)])
def test_trailing_garbage_after_a_json_array_names_the_garbage_line(tmp_path, text, line):
    path = tmp_path / "trail.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="after the JSON array") as info:
        read_records(path)
    assert_input_error(info.value, path, line, None)


def test_trailing_garbage_after_a_single_json_object_is_an_error(tmp_path):
    path = tmp_path / "trail.json"
    path.write_text('{"id": "a"}\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="after the JSON object") as info:
        read_records(path)
    assert info.value.path == str(path)


def test_trailing_garbage_after_a_single_json_object_names_the_garbage_line(tmp_path):
    path = tmp_path / "trail.json"
    path.write_text('{"id": "a"}\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="after the JSON object") as info:
        read_records(path)
    assert_input_error(info.value, path, 2, None)


@pytest.mark.parametrize("text", ["", "   \n", "5", '"records"', "null"])
def test_json_that_is_neither_array_nor_object(tmp_path, text):
    path = tmp_path / "scalar.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="array of records or one record") as info:
        read_records(path)
    assert info.value.path == str(path)


@pytest.mark.parametrize("text", ["[", '[{"id": "a"},', '[{"id": "a"}', '[{"id": "a"},]'])
def test_truncated_json_array(tmp_path, text):
    path = tmp_path / "cut.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_records(path)
    assert info.value.path == str(path) and info.value.line == 1


@pytest.mark.parametrize("name", ["records.csv", "records.txt", "records", "records.JSONL.gz"])
def test_unsupported_extension(tmp_path, name):
    path = tmp_path / name
    path.write_text(GOOD_LINE + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="unsupported file type") as info:
        load_funding_records(path)
    assert_input_error(info.value, path, None, None)


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.jsonl"
    with pytest.raises(InputError, match="not found") as info:
        load_funding_records(path)
    assert_input_error(info.value, path, None, None)


def test_duplicate_ids_name_both_lines(tmp_path):
    path = write_lines(tmp_path / "dup.jsonl", [
        record_json(id="a", funding_statement="One.", funders=[]),
        record_json(id="b", funding_statement="Two.", funders=[]),
        "",
        record_json(id="a", funding_statement="Three.", funders=[]),
    ])
    with pytest.raises(InputError, match=r"duplicate id 'a' \(first on line 1\)") as info:
        load_funding_records(path)
    assert_input_error(info.value, path, 4, "id")


def test_integer_and_string_ids_that_read_the_same_are_duplicates(tmp_path):
    path = write_lines(tmp_path / "dup.jsonl", [
        record_json(id=1, funding_statement="One.", funders=[]),
        record_json(id="1", funding_statement="Two.", funders=[]),
    ])
    with pytest.raises(InputError, match="duplicate id '1'") as info:
        load_funding_records(path)
    assert_input_error(info.value, path, 2, "id")


def test_repeated_statement_without_ids_is_a_duplicate(tmp_path):
    path = write_lines(tmp_path / "dup.jsonl", [record_json(funding_statement=STATEMENT, funders=[])] * 2)
    with pytest.raises(InputError, match="duplicate id") as info:
        load_funding_records(path)
    assert_input_error(info.value, path, 2, "id")


def test_canonical_funders_without_a_file_still_names_the_field():
    with pytest.raises(InputError) as info:
        canonical_funders([{"funder_name": "A", "awards": [{"award_ids": [1]}]}])
    assert info.value.path is None and info.value.line is None
    assert info.value.field == "funders[0].awards[0].award_ids[0]"
    assert str(info.value).startswith("<input>, field 'funders[0].awards[0].award_ids[0]'")


def test_canonical_funders_custom_field_prefix():
    with pytest.raises(InputError) as info:
        canonical_funders([{"funder_name": 3}], path="p.jsonl", line=9, field="predicted_funders")
    assert (info.value.path, info.value.line, info.value.field) == ("p.jsonl", 9, "predicted_funders[0].funder_name")


def test_validate_record_non_object_names_file_and_line():
    with pytest.raises(InputError) as info:
        validate_record(["x"], path="g.jsonl", line=12)
    assert_input_error(info.value, Path("g.jsonl"), 12, None)


def test_invalid_utf8_is_an_input_error(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(GOOD_LINE.encode() + b'\n{"id": "x", "funding_statement": "caf\xe9", "funders": []}\n')
    with pytest.raises(InputError) as info:
        load_funding_records(path)
    assert info.value.path == str(path) and info.value.line == 2


# -- io helpers -----------------------------------------------------------------------------------


def test_write_json_and_jsonl_round_trip_and_leave_no_temp_files(tmp_path):
    rows = [{"a": "ä", "n": 1}, {"b": [1, 2]}]
    write_jsonl(tmp_path / "sub" / "rows.jsonl", rows)
    write_json(tmp_path / "sub" / "obj.json", {"rows": rows})
    assert read_records(tmp_path / "sub" / "rows.jsonl") == [(1, rows[0]), (2, rows[1])]
    assert json.loads((tmp_path / "sub" / "obj.json").read_text(encoding="utf-8")) == {"rows": rows}
    assert "ä" in (tmp_path / "sub" / "rows.jsonl").read_text(encoding="utf-8")  # not \u-escaped
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["obj.json", "rows.jsonl"]


def test_atomic_path_keeps_the_old_file_when_the_block_fails(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half-written", encoding="utf-8")
        raise RuntimeError("crash")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_sha256_json_ignores_key_order():
    assert sha256_json({"a": 1, "b": [1, 2]}) == sha256_json({"b": [1, 2], "a": 1})
    assert sha256_json({"a": 1}) != sha256_json({"a": 2})


# -- evaluation sets ------------------------------------------------------------------------------


def _funding_config(tmp_path: Path, **funding) -> Config:
    config = Config()
    config.data.funding = dataclasses.replace(config.data.funding, synthetic_records=60, **funding)
    return config


def test_an_evaluation_set_found_in_the_training_splits_stops_prepare(tmp_path, funding_file):
    """The real dev set (or any evaluation set) must never be trained on: listing its file in `files` too is an
    error naming the file, not a silent leak."""
    config = _funding_config(tmp_path, files=[str(funding_file)], optional_eval_sets={"dev": str(funding_file)},
                             split_ratios={"sft": 0.98, "rl": 0.01, "test": 0.01})
    with pytest.raises(InputError, match="evaluation set 'dev' are also in the sft/rl splits") as caught:
        FundingTask().prepare(config, tmp_path / "data")
    assert caught.value.path == str(funding_file)


def test_optional_evaluation_set_is_skipped_with_a_notice_when_absent(tmp_path, funding_file, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    config = _funding_config(tmp_path, eval_sets={"fixture": str(funding_file)},
                             optional_eval_sets={"real_dev": str(tmp_path / "absent.jsonl")})
    FundingTask().prepare(config, tmp_path / "data/funding")
    with caplog.at_level("WARNING"):
        sets = evaluation_sets(FundingTask(), config)
    assert set(sets) == {"test", "fixture"}
    assert "optional evaluation set 'real_dev' skipped" in caplog.text
    config.data.funding.optional_eval_sets = {"real_dev": str(funding_file)}
    assert set(evaluation_sets(FundingTask(), config)) == {"test", "fixture", "real_dev"}
    config.data.funding.optional_eval_sets = {"fixture": str(funding_file)}
    with pytest.raises(InputError, match="'fixture' is used twice"):
        evaluation_sets(FundingTask(), config)


# -- hostile records: every reader turns them into file/line/field errors ----------------------------

HOSTILE_LINES = [
    ("deep nesting", '{"id": "x", "funding_statement": "s", "funders": ' + "[" * 10_000 + "]" * 10_000 + "}", None),
    ("5000-digit integer", '{"id": ' + "7" * 5000 + ', "funding_statement": "s", "funders": []}', None),
    ("lone surrogate in a funder name", '{"id": "x", "funding_statement": "s", "funders": [{"funder_name": "A\\ud800B", '
     '"awards": []}]}', "funders[0].funder_name"),
    ("lone low surrogate in an award id", '{"id": "x", "funding_statement": "s", "funders": [{"funder_name": "A", '
     '"awards": [{"award_ids": ["G-1", "\\udc00"]}]}]}', "funders[0].awards[0].award_ids[1]"),
    ("lone surrogate in a key", '{"id": "x", "funding_statement": "s", "funders": [], "\\ud800": 1}', "\ud800"),
]


@pytest.mark.parametrize(("text", "field"), [case[1:] for case in HOSTILE_LINES], ids=[c[0] for c in HOSTILE_LINES])
def test_hostile_jsonl_record_names_file_line_and_field(tmp_path, text, field):
    path = write_lines(tmp_path / "hostile.jsonl", [GOOD_LINE, text])
    with pytest.raises(InputError) as info:
        load_funding_records(path)
    assert_input_error(info.value, path, 2, field)


@pytest.mark.parametrize(("text", "field"), [case[1:] for case in HOSTILE_LINES], ids=[c[0] for c in HOSTILE_LINES])
def test_hostile_json_array_element_names_file_line_and_field(tmp_path, text, field):
    path = tmp_path / "hostile.json"
    path.write_text(f"[\n{GOOD_LINE},\n{text}\n]\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_records(path)
    assert_input_error(info.value, path, 3, field)


def test_a_valid_surrogate_pair_escape_is_one_character(tmp_path):
    path = write_lines(tmp_path / "emoji.jsonl", ['{"id": "x", "funding_statement": "funded \\ud83d\\ude00", "funders": []}'])
    assert load_funding_records(path)[0]["funding_statement"] == "funded \U0001F600"


def test_an_empty_file_in_data_funding_files_stops_prepare(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    config = _funding_config(tmp_path, files=[str(empty)])
    with pytest.raises(InputError, match="no funding records in this file") as info:
        FundingTask().prepare(config, tmp_path / "data")
    assert info.value.path == str(empty)
    assert not (tmp_path / "data").exists()


def test_a_prepare_that_fails_half_way_leaves_every_split_as_it_was(tmp_path, funding_file, monkeypatch):
    """Each split is written in full before any replaces its predecessor: a failure while writing the second
    split (a full disk, a kill, an unwritable record) leaves sft, rl and test of the previous run together."""
    out = tmp_path / "data"
    FundingTask().prepare(_funding_config(tmp_path, files=[str(funding_file)]), out)
    before = {name: (out / name).read_bytes() for name in ("sft.jsonl", "rl.jsonl", "test.jsonl")}
    written = []

    def fail_on_the_second_split(path, rows):
        written.append(path)
        if len(written) == 2:
            raise OSError("disk full")
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")

    monkeypatch.setattr("sciextract.io._write_jsonl_to", fail_on_the_second_split)
    with pytest.raises(OSError, match="disk full"):
        FundingTask().prepare(_funding_config(tmp_path, seed=99), out)
    assert {name: (out / name).read_bytes() for name in before} == before
    assert sorted(p.name for p in out.iterdir()) == sorted(before)  # no temporary file left behind
