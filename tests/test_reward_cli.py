"""`sciextract reward`: the GRPO reward of a predictions file against a gold file, end to end through the CLI.

Hand-made funding gold (five records) and predictions; rewards by hand with the default weights
(funder 0.5, award 0.4, flat award 0.1, scheme 0, title 0):

id   prediction                                         funder  award  flat   reward
r1   raw: Wellcome Trust, ABC1235 (gold ABC1234)        1       0.5    0.5    0.5 + 0.2 + 0.05 = 0.75
     (one edit, 7 characters: soft credit 0.5 of 1 -> P = R = 0.5 -> F0.5 = 0.5)
r2   raw "[]", joined by its statement; gold empty      1       1      1      1.0
r3   structured only: NSF with DMR1234567               5/6    1      1      0.5·5/6 + 0.4 + 0.1 = 11/12
     (gold NSF + ERC: funders gold 2, pred 1, matched 1 -> F0.5 = 1.25·0.5/(0.25 + 0.5) = 5/6)
r4   raw prose, unreadable                              0       0      0      0.0
r5   no prediction row: an empty output, unreadable     0       0      0      0.0
mean = (0.75 + 1 + 11/12) / 5 = 8/15
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sciextract.cli import main
from sciextract.tasks.funding.parse import render_funders

COMPONENTS = ["funder_f05", "award_f05", "flat_award_f05", "scheme_f05", "title_f05"]
STATEMENTS = {"r1": "Supported by the Wellcome Trust (ABC1234).", "r2": "No funding was received.",
              "r3": "Funded by NSF (DMR-1234567) and the European Research Council.",
              "r4": "Supported by Cancer Research UK.", "r5": "Supported by the Max Planck Society."}


def funder(name: str, ids: list[str] = ()) -> dict:
    return {"funder_name": name, "awards": [{"award_ids": list(ids), "funding_scheme": [], "award_title": []}]}


GOLD = {"r1": [funder("Wellcome Trust", ["ABC1234"])], "r2": [],
        "r3": [funder("NSF", ["DMR-1234567"]), funder("European Research Council")],
        "r4": [funder("Cancer Research UK")], "r5": [funder("Max Planck Society")]}


def write_rows(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def gold_file(tmp_path) -> Path:
    return write_rows(tmp_path / "gold.jsonl", [{"id": key, "funding_statement": STATEMENTS[key], "funders": funders}
                                                for key, funders in GOLD.items()])


def prediction_rows() -> list[dict]:
    return [
        {"id": "r1",
         "raw_output": '```json\n[{"funder_name": "Wellcome Trust", "awards": [{"award_ids": ["ABC1235"]}]}]\n```'},
        {"funding_statement": STATEMENTS["r2"], "raw_output": "[]"},
        {"id": "r3", "predicted_funders": [funder("NSF", ["DMR1234567"])]},
        {"id": "r4", "raw_output": "I could not find any funder in this statement."},
    ]


def run_reward(gold: Path, predictions: Path, output: Path, *options: str) -> int:
    return main([*options, "reward", "--task", "funding", "--gold", str(gold), "--predictions", str(predictions),
                 "--output", str(output)])


def read_output(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_one_row_per_gold_row_with_the_weighted_reward_and_its_components(gold_file, tmp_path, capsys):
    predictions = write_rows(tmp_path / "pred.jsonl", prediction_rows())
    output = tmp_path / "out" / "rewards.jsonl"
    assert run_reward(gold_file, predictions, output) == 0
    rows = read_output(output)
    assert [row["id"] for row in rows] == ["r1", "r2", "r3", "r4", "r5"]
    assert all(set(row) == {"id", "reward", "components"} and list(row["components"]) == COMPONENTS for row in rows)
    assert [row["reward"] for row in rows] == pytest.approx([0.75, 1.0, 11 / 12, 0.0, 0.0])
    # r1: scheme and title (none listed, funders present) take funder x award = 1 x 0.5
    assert rows[0]["components"] == pytest.approx({"funder_f05": 1.0, "award_f05": 0.5, "flat_award_f05": 0.5,
                                                   "scheme_f05": 0.5, "title_f05": 0.5})
    assert rows[2]["components"]["funder_f05"] == pytest.approx(5 / 6)
    assert rows[3]["components"] == rows[4]["components"] == dict.fromkeys(COMPONENTS, 0.0)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0] == f"mean reward {8 / 15:.4f} over 5 rows (1 rewarded as empty output) -> {output}"
    assert sorted(p.name for p in output.parent.iterdir()) == ["rewards.jsonl"]  # no temporary file left


def test_weights_come_from_the_params_file(gold_file, tmp_path):
    # funder F0.5 alone: r1 1.0, r2 1.0, r3 5/6, r4 and r5 0
    params = tmp_path / "params.yaml"
    params.write_text("task: funding\ngrpo:\n  rewards:\n    funding: {funder_f05: 1.0, award_f05: 0.0, "
                      "flat_award_f05: 0.0}\n", encoding="utf-8")
    predictions = write_rows(tmp_path / "pred.jsonl", prediction_rows())
    output = tmp_path / "rewards.jsonl"
    assert run_reward(gold_file, predictions, output, "--params", str(params)) == 0
    assert [row["reward"] for row in read_output(output)] == pytest.approx([1.0, 1.0, 5 / 6, 0.0, 0.0])


def test_a_structured_answer_earns_what_its_sft_rendering_earns(gold_file, tmp_path):
    # the same answers as structured rows and as raw outputs in the SFT target format: identical rewards
    structured = [{"id": key, "predicted_funders": funders} for key, funders in GOLD.items()]
    raw = [{"id": key, "raw_output": render_funders(funders)} for key, funders in GOLD.items()]
    for name, rows in (("structured", structured), ("raw", raw)):
        assert run_reward(gold_file, write_rows(tmp_path / f"{name}.jsonl", rows), tmp_path / f"{name}.out.jsonl") == 0
    assert read_output(tmp_path / "structured.out.jsonl") == read_output(tmp_path / "raw.out.jsonl")
    assert [row["reward"] for row in read_output(tmp_path / "raw.out.jsonl")] == pytest.approx([1.0] * 5)


def test_a_row_flagged_parse_failed_without_raw_output_is_an_empty_output(gold_file, tmp_path):
    # r2's gold is empty: its structured answer [] would earn 1.0, but the row says the output was unreadable
    rows = [{"id": "r2", "predicted_funders": [], "parse_failed": True}, {"id": "r1", "raw_output": None}]
    output = tmp_path / "rewards.jsonl"
    assert run_reward(gold_file, write_rows(tmp_path / "pred.jsonl", rows), output) == 0
    assert [row["reward"] for row in read_output(output)] == [0.0] * 5


def test_a_prediction_naming_no_gold_row_is_an_error_and_writes_nothing(gold_file, tmp_path, capsys):
    output = tmp_path / "rewards.jsonl"
    output.write_text("old\n", encoding="utf-8")
    predictions = write_rows(tmp_path / "pred.jsonl", [*prediction_rows(), {"id": "r9", "raw_output": "[]"}])
    assert run_reward(gold_file, predictions, output) == 2
    err = capsys.readouterr().err
    assert str(predictions) in err and "line 5" in err and "no matching gold record" in err
    assert output.read_text(encoding="utf-8") == "old\n"


def test_a_bad_structured_answer_is_an_error_naming_line_and_field(gold_file, tmp_path, capsys):
    predictions = write_rows(tmp_path / "pred.jsonl", [{"id": "r1", "predicted_funders": "Wellcome"}])
    assert run_reward(gold_file, predictions, tmp_path / "rewards.jsonl") == 2
    err = capsys.readouterr().err
    assert "line 1" in err and "field 'predicted_funders'" in err
    assert not (tmp_path / "rewards.jsonl").exists()


def test_an_empty_gold_file_is_an_error(tmp_path, capsys):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("", encoding="utf-8")
    predictions = write_rows(tmp_path / "pred.jsonl", [])
    assert run_reward(gold, predictions, tmp_path / "rewards.jsonl") == 2
    assert str(gold) in capsys.readouterr().err and not (tmp_path / "rewards.jsonl").exists()
