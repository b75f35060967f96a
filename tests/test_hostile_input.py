"""Hostile model output and hostile prediction files: the parsers and rewards never raise and take time linear
in their input, a lone surrogate never loses a run's outputs, and empty or mistyped inputs are errors."""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

import pytest

from sciextract.config import Config
from sciextract.errors import InputError
from sciextract.io import EmbeddedJson, clean_text, read_records, write_json, write_jsonl
from sciextract.predict import predict_file, score_file
from sciextract.tasks.base import Parsed
from sciextract.tasks.funding.parse import parse_funders
from sciextract.tasks.funding.task import FundingTask
from sciextract.tasks.review.parse import parse_concerns
from sciextract.tasks.review.rewards import unreadable_penalty
from sciextract.tasks.sciie.parse import read_answer
from sciextract.tasks.sciie.rewards import DEFAULT_REWARD_WEIGHTS, answer_format_value, reward_functions

HUGE = "9" * 5000
NSF = '[{"funder_name": "NSF", "awards": [{"award_ids": ["DMS-1"]}]}]'
SCIIE = '<think>plan</think><answer>{"ner": [["BERT", "Method"]], "rel": []}</answer>'

# -- never raise ----------------------------------------------------------------------------------

HOSTILE_OUTPUTS = [
    ("huge integer", f'[{{"funder_name": "NSF", "award_ids": [{HUGE}]}}]'),
    ("huge integer in a concern", f'[{{"text": {HUGE}}}, {{"text": "a"}}]'),
    ("huge integer in an answer", f'<answer>{{"ner": [[{HUGE}, "Task"]], "rel": []}}</answer>'),
    ("bare huge integer", HUGE),
    ("deep brackets", "[" * 10_000),
    ("deep objects", '{"ner": ' * 5_000),
    ("deep then an answer", "[" * 3_000 + " " + NSF),
    ("deep lists of ones", "[1," * 5_000),
    ("raw lone surrogate", '[{"text": "a\ud800", "funder_name": "b\udfff"}]'),
    ("escaped lone surrogate", '[{"text": "a\\ud800", "funder_name": "b\\udfff"}]'),
    ("surrogate in the answer", '<answer>{"ner": [["A\\ud800", "Task"]], "rel": []}</answer>'),
]


@pytest.mark.parametrize("text", [case[1] for case in HOSTILE_OUTPUTS], ids=[case[0] for case in HOSTILE_OUTPUTS])
def test_parsers_and_rewards_never_raise(text):
    for parse in (parse_funders, parse_concerns):
        result = parse(text)
        assert isinstance(result, Parsed) and isinstance(result.failed, bool)
        json.dumps(result.value, ensure_ascii=False).encode("utf-8")  # every string is writable
    answer = read_answer(text)
    assert answer is None or json.dumps(answer, ensure_ascii=False).encode("utf-8")
    functions, _ = reward_functions(DEFAULT_REWARD_WEIGHTS)
    gold = json.dumps({"ner": [["BERT", "Method"]], "rel": []})
    for function in functions:
        (value,) = function(["p"], [[{"role": "assistant", "content": text}]], gold_answer=[gold], sentence=["s"])
        assert 0.0 <= value <= 1.0
    assert unreadable_penalty(["p"], [text]) in ([0.0], [-1.0])


def test_a_lone_surrogate_is_read_as_a_replacement_character():
    assert parse_funders('[{"funder_name": "N\\ud800SF"}]').value[0]["funder_name"] == "N\ufffdSF"
    assert parse_funders('[{"funder_name": "N\ud800SF"}]').value[0]["funder_name"] == "N\ufffdSF"
    assert parse_concerns('["a\\udfff"]').value[0]["text"] == "a\ufffd"
    assert read_answer('{"ner": [["A\ud800", "Task"]]}') == {"ner": [["A\ufffd", "Task"]], "rel": []}


def test_a_huge_integer_does_not_hide_the_answer_after_it():
    assert parse_concerns(f'[{{"text": {HUGE}}}, {{"text": "a", "category": "other", "severity": "minor"}}]').value == [
        {"text": "a", "category": "other", "severity": "minor"}]
    assert read_answer(f'{{"x": {HUGE}}} {{"ner": [], "rel": []}}') == {"ner": [], "rel": []}
    assert parse_funders("[" * 3_000 + " prose " + NSF).value[0]["funder_name"] == "NSF"
    assert parse_funders("[" * 3_000 + NSF).failed  # the answer inside an array cut off by the end is a fragment


def test_clean_text_replaces_lone_surrogates_and_joins_pairs():
    assert clean_text("a\ud800b\udfff") == "a\ufffdb\ufffd"
    assert clean_text("\ud83d\ude00") == "\U0001F600"
    assert clean_text("plain ä") == "plain ä"


def test_embedded_json_reports_where_a_value_fails_and_where_it_is_cut():
    reader = EmbeddedJson('[1, {"a": [2, 3]}, x] [4')
    assert reader.read(4) == (True, {"a": [2, 3]}, 17)
    assert reader.read(0) == (False, None, 19)  # the 'x'
    assert reader.read(22) == (False, None, 24)  # cut off by the end of the text
    assert EmbeddedJson(f"[{HUGE}]").read(0).ok is False
    assert EmbeddedJson("[" * 40 + "]" * 40).read(0).ok is False  # deeper than MAX_NESTING


# -- linear time ----------------------------------------------------------------------------------

KB = 1024
SLOW_INPUTS = [  # each took 6 s to minutes in at least one parser or reward before
    ("unclosed think, repeated", "<think>" * (128 * KB // 7)),
    ("fence then spaces", "```" + " " * 128 * KB),
    ("format check bait", "<think>x" + "</think> <answer>{}</answer>" * (128 * KB // 28) + " x"),
    ("reasoning bait", "<reasoning>" + "</reasoning> <think>" * (128 * KB // 20) + "</think><answer>{}</answer>!"),
    ("curly quote flood", "<think>" + "\u201c" * 128 * KB + "</think>"),
    ("rule word flood", "<think>" + "pattern " * (16 * KB) + "</think>"),
    ("objects that are not items", '{"a": 1} ' * (128 * KB // 9)),
    ("items that are not concerns", "[" + '{"text": 1}, ' * (128 * KB // 13)),
    ("nested brackets", "[" * 128 * KB),
]


@pytest.mark.parametrize("text", [case[1] for case in SLOW_INPUTS], ids=[case[0] for case in SLOW_INPUTS])
def test_parsers_and_rewards_read_128_kb_quickly(text):
    functions, _ = reward_functions(DEFAULT_REWARD_WEIGHTS)
    gold = json.dumps({"ner": [], "rel": []})
    started = time.perf_counter()
    parse_funders(text)
    parse_concerns(text)
    read_answer(text)
    for function in functions:
        function(["p"], [text + "\n"], gold_answer=[gold], sentence=["a sentence"])
    assert time.perf_counter() - started < 5.0


OLD_FORMAT = re.compile(r"\s*(?:<reasoning>.*?</reasoning>\s*)?<think>.*?</think>\s*<answer>.*?</answer>\s*", re.DOTALL)


def test_format_check_agrees_with_the_regex_it_replaced():
    """The linear check gives the backtracking regex's answer on short outputs, where the regex is fast."""
    pieces = ["<think>", "</think>", "<answer>", "</answer>", "<reasoning>", "</reasoning>", " ", "\n", "x", "{}"]
    rng = random.Random(3)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert answer_format_value(text) == (1.0 if OLD_FORMAT.fullmatch(text) else 0.0), text


# -- what is written and scored -------------------------------------------------------------------


def test_predict_writes_an_output_holding_a_lone_surrogate(tmp_path, funding_file, monkeypatch):
    """Generation is the expensive part: an output that decodes to a lone surrogate must not lose the run at
    write time. It is written with U+FFFD in its place, raw_output included."""
    task = FundingTask()
    raw = NSF.replace("NSF", "NSF\ud800")

    def fake_predictor(task, config, variant):
        return lambda records, samples=0: [(raw, task.parse(raw)) for _ in records]

    monkeypatch.setattr("sciextract.predict.make_predictor", fake_predictor)
    out = tmp_path / "predictions.jsonl"
    predict_file(task, Config(), "sft", funding_file, out)
    rows = [row for _, row in read_records(out)]
    assert len(rows) == 8
    assert rows[0]["raw_output"] == NSF.replace("NSF", "NSF\ufffd")
    assert rows[0]["predicted_funders"][0]["funder_name"] == "NSF\ufffd"


def test_writers_replace_lone_surrogates_instead_of_failing(tmp_path):
    write_jsonl(tmp_path / "rows.jsonl", [{"raw_output": "a\ud800"}])
    write_json(tmp_path / "report.json", {"x": ["\udfff"]})
    assert read_records(tmp_path / "rows.jsonl") == [(1, {"raw_output": "a\ufffd"})]
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8")) == {"x": ["\ufffd"]}


def _score(tmp_path: Path, gold: Path, rows: list[dict] | None, raw_text: str | None = None) -> dict:
    predictions = tmp_path / "predictions.jsonl"
    if rows is not None:
        write_jsonl(predictions, rows)
    else:
        predictions.write_text(raw_text or "", encoding="utf-8")
    return score_file(FundingTask(), Config(), gold=gold, predictions=predictions, output=None)


def test_scoring_empty_gold_is_an_error(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="no gold records") as info:
        _score(tmp_path, gold, [{"id": "a", "raw_output": "[]"}])
    assert info.value.path == str(gold)


@pytest.mark.parametrize("text", ["", "\n\n"])
def test_scoring_an_empty_predictions_file_is_an_error(tmp_path, funding_file, text):
    with pytest.raises(InputError, match="no prediction rows") as info:
        _score(tmp_path, funding_file, None, text)
    assert info.value.path == str(tmp_path / "predictions.jsonl")


@pytest.mark.parametrize("row", [
    {"id": "fx-1", "raw_output": NSF, "parse_failed": "false"},
    {"id": "fx-1", "raw_output": NSF, "parse_failed": None},
    {"id": "fx-1", "predicted_funders": [], "parse_failed": 0},
])
def test_a_parse_failed_flag_that_is_not_a_boolean_is_an_error(tmp_path, funding_file, row):
    with pytest.raises(InputError) as info:
        _score(tmp_path, funding_file, [row])
    assert info.value.field == "parse_failed" and info.value.line == 1


def test_a_huge_raw_output_is_scored(tmp_path, funding_file):
    started = time.perf_counter()
    report = _score(tmp_path, funding_file, [{"id": "fx-1", "raw_output": "<think>" * 150_000},
                                             {"id": "fx-2", "raw_output": "```" + " " * 500_000 + "[]"}])
    assert report["parse_failures"] == 1 and report["documents"] == 8
    assert time.perf_counter() - started < 10.0


def test_a_prediction_row_with_a_huge_integer_names_its_line(tmp_path, funding_file):
    with pytest.raises(InputError) as info:
        _score(tmp_path, funding_file, None, '{"id": "fx-1", "raw_output": "[]"}\n{"id": ' + HUGE + "}\n")
    assert info.value.line == 2 and "too long" in str(info.value)
