"""`sciextract ensemble --task funding`: the union of funding answers on hand-made statements, and the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sciextract.cli import main
from sciextract.errors import InputError
from sciextract.tasks.funding.ensemble import union_funders


def funder(name, *awards):
    return {"funder_name": name, "awards": [{"award_ids": list(ids), "funding_scheme": list(schemes),
                                             "award_title": list(titles)} for ids, schemes, titles in awards]}


def test_a_matched_funder_gains_only_what_it_lacks():
    model = [funder("National Science Foundation", (["DMR-1"], [], []))]
    rule = [funder("National Science Foundation (NSF)", (["DMR 1", "DMR-2"], ["CAREER"], []))]
    combined = union_funders([model, rule], "balanced", 0.8)
    assert [f["funder_name"] for f in combined] == ["National Science Foundation"]  # the preferred name stays
    # "DMR 1" normalizes to the id the model already gave: only the new id and the scheme are added
    assert combined[0]["awards"] == [{"award_ids": ["DMR-1"], "funding_scheme": [], "award_title": []},
                                     {"award_ids": ["DMR-2"], "funding_scheme": ["CAREER"], "award_title": []}]
    assert model[0]["awards"] == [{"award_ids": ["DMR-1"], "funding_scheme": [], "award_title": []}]  # input untouched


def test_an_unmatched_funder_is_added_without_ids_another_funder_has():
    model = [funder("Wellcome Trust", (["WT-9"], [], []))]
    rule = [funder("European Research Council", (["WT-9", "ERC-7"], [], [])),
            funder("Royal Society", )]
    combined = union_funders([model, rule], "balanced", 0.8)
    assert [f["funder_name"] for f in combined] == ["Wellcome Trust", "European Research Council", "Royal Society"]
    assert combined[1]["awards"] == [{"award_ids": ["ERC-7"], "funding_scheme": [], "award_title": []}]
    assert combined[2]["awards"] == []


def test_a_nameless_funder_is_added_only_with_a_new_id():
    model = [funder("Wellcome Trust", (["WT-9"], [], []))]
    repeats = [funder(None, (["WT-9"], [], []))]
    adds = [funder(None, (["X-1"], [], []))]
    assert union_funders([model, repeats], "balanced", 0.8) == model
    assert union_funders([model, adds], "balanced", 0.8)[1] == funder(None, (["X-1"], [], []))


def test_names_match_by_the_evaluators_similarity_and_threshold():
    model = [funder("Wellcome Trust")]
    assert len(union_funders([model, [funder("The Wellcome Trust")]], "balanced", 0.8)) == 1  # subset rule: 0.85
    assert len(union_funders([model, [funder("The Wellcome Trust")]], "balanced", 0.9)) == 2
    assert len(union_funders([model, [funder("Cancer Research UK")]], "balanced", 0.8)) == 2


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


STATEMENTS = ["Funded by the Wellcome Trust (WT-9).", "Supported by NSF grant DMR-2."]


def test_the_command_writes_a_file_that_scores_better_than_either_system(tmp_path):
    gold = write(tmp_path / "gold.jsonl", [
        {"id": "a", "funding_statement": STATEMENTS[0], "funders": [funder("Wellcome Trust", (["WT-9"], [], []))]},
        {"id": "b", "funding_statement": STATEMENTS[1],
         "funders": [funder("National Science Foundation", (["DMR-2"], [], []))]}])
    model = write(tmp_path / "model.jsonl", [
        {"id": "a", "funding_statement": STATEMENTS[0], "predicted_funders": [funder("Wellcome Trust", (["WT-9"], [], []))]},
        {"id": "b", "funding_statement": STATEMENTS[1], "raw_output": "not json"}])
    rule = write(tmp_path / "rule.jsonl", [  # rows in another order, joined on the statement text
        {"funding_statement": STATEMENTS[1], "predicted_funders": [funder("National Science Foundation", (["DMR-2"], [], []))]},
        {"funding_statement": STATEMENTS[0], "predicted_funders": []}])
    out = tmp_path / "union.jsonl"
    assert main(["ensemble", "--task", "funding", "--predictions", str(model), str(rule), "--output", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["id"] for row in rows] == ["a", "b"]
    assert [row["parse_failed"] for row in rows] == [False, False]  # b: the model failed, the rule did not
    scores = {}
    for name, predictions in (("model", model), ("rule", rule), ("union", out)):
        report = tmp_path / f"{name}.report.json"
        assert main(["score", "--task", "funding", "--gold", str(gold), "--predictions", str(predictions),
                     "--output", str(report)]) == 0
        scores[name] = json.loads(report.read_text())["metrics"]["funder"]["f1"]
    assert scores["union"] == 1.0 > max(scores["model"], scores["rule"])


def test_the_command_refuses_what_it_cannot_do(tmp_path):
    first = write(tmp_path / "a.jsonl", [{"id": "a", "funding_statement": STATEMENTS[0], "predicted_funders": []}])
    other = write(tmp_path / "b.jsonl", [{"id": "z", "funding_statement": "another", "predicted_funders": []}])
    out = tmp_path / "out.jsonl"
    base = ["ensemble", "--task", "funding", "--output", str(out), "--predictions"]
    assert main([*base, str(first), str(other)]) == 2  # statement 'a' has no prediction in b.jsonl
    assert main([*base, str(first), str(first), "--mode", "intersection"]) == 2
    assert main([*base, str(first), str(first), "--threshold", "0.7"]) == 2
    assert main([*base, str(first)]) == 2
    assert main(["ensemble", "--task", "sciie", "--output", str(out), "--predictions", str(first), str(first)]) == 2
    assert not out.exists()


def test_a_statement_missing_from_a_later_file_is_an_error_naming_it(tmp_path):
    from sciextract.config import Config
    from sciextract.tasks.funding.ensemble import ensemble_files
    from sciextract.tasks.funding.task import FundingTask

    first = write(tmp_path / "a.jsonl", [{"id": key, "funding_statement": text, "predicted_funders": []}
                                         for key, text in zip("ab", STATEMENTS)])
    other = write(tmp_path / "b.jsonl", [{"id": "b", "funding_statement": STATEMENTS[1], "predicted_funders": []}])
    with pytest.raises(InputError, match="b.jsonl") as error:
        ensemble_files(FundingTask(), Config(), [first, other], tmp_path / "out.jsonl", mode="union")
    assert "'a'" in str(error.value)
