"""SciER loading: the hand-written fixture reads back; every malformed field is an error naming file, line, field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sciextract.tasks.sciie.data import ENTITY_TYPES, RELATION_TYPES, load_scier, split_typed_argument
from sciextract.errors import InputError

FIXTURE = Path(__file__).parent / "fixtures/scier_small.jsonl"

GOOD = {"doc_id": "p1", "sentence": "We apply BERT to question answering .",
        "ner": [["BERT", "Method"], ["question answering", "Task"]],
        "rel": [["BERT", "Used-For", "question answering"]],
        "rel_plus": [["BERT:Method", "Used-For", "question answering:Task"]]}


def write(tmp_path: Path, *records: dict) -> Path:
    path = tmp_path / "scier.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_fixture_covers_every_type_and_gets_ids_per_paper():
    records = load_scier(FIXTURE)
    assert len(records) == 12
    assert [r["id"] for r in records[:4]] == ["fx-paper-1#0", "fx-paper-1#1", "fx-paper-1#2", "fx-paper-2#0"]
    assert {t for r in records for _, t in r["ner"]} == set(ENTITY_TYPES)
    assert {rel for r in records for _, rel, _ in r["rel"]} == set(RELATION_TYPES)
    assert any(not r["ner"] for r in records)  # a sentence without entities


def test_a_record_may_bring_its_own_id_and_ids_must_be_unique(tmp_path):
    assert load_scier(write(tmp_path, {**GOOD, "id": "s-7"}))[0]["id"] == "s-7"
    with pytest.raises(InputError, match=r"line 2, field 'id': id 's-7' already used on line 1"):
        load_scier(write(tmp_path, {**GOOD, "id": "s-7"}, {**GOOD, "id": "s-7"}))


def test_typed_argument_splits_at_the_last_colon():
    assert split_typed_argument("Stage 1: pre-training:Method") == ("Stage 1: pre-training", "Method")


@pytest.mark.parametrize(("change", "message"), [
    ({"ner": [["BERT", "Model"]], "rel": [], "rel_plus": []}, r"field 'ner\[0\]\[1\]': unknown entity type 'Model'"),
    ({"ner": [["GPT", "Method"]], "rel": [], "rel_plus": []}, r"field 'ner\[0\]\[0\]': entity 'GPT' does not occur"),
    ({"ner": [["BERT"]], "rel": [], "rel_plus": []}, r"field 'ner\[0\]': expected a list of 2 non-empty strings"),
    ({"rel": [["BERT", "Applied-To", "question answering"]]}, r"field 'rel\[0\]\[1\]': unknown relation 'Applied-To'"),
    ({"rel": [["BERT", "Used-For", "answering"]]}, r"field 'rel\[0\]\[2\]': argument 'answering' is not an entity"),
    ({"rel_plus": []}, r"field 'rel_plus': has 0 triples but 'rel' has 1"),
    ({"rel_plus": [["BERT:Task", "Used-For", "question answering:Task"]]},
     r"field 'rel_plus\[0\]\[0\]': 'BERT:Task' is not 'BERT' typed as in 'ner'"),
    ({"rel_plus": [["BERT:Method", "Part-Of", "question answering:Task"]]},
     r"field 'rel_plus\[0\]\[1\]': relation 'Part-Of' differs"),
    ({"sentence": ""}, r"field 'sentence': expected a non-empty string"),
    ({"doc_id": 17}, r"field 'doc_id': expected a non-empty string"),
    ({"ner": {"BERT": "Method"}}, r"field 'ner': expected a list"),
    ({"relations": []}, r"field 'relations': unknown key"),
])
def test_malformed_records_name_file_line_and_field(tmp_path, change, message):
    path = write(tmp_path, GOOD, {**GOOD, **change})
    with pytest.raises(InputError, match=rf"scier.jsonl, line 2, {message}"):
        load_scier(path)


def test_missing_field_and_empty_file_are_errors(tmp_path):
    incomplete = {k: v for k, v in GOOD.items() if k != "rel_plus"}
    with pytest.raises(InputError, match=r"line 1, field 'rel_plus': missing"):
        load_scier(write(tmp_path, incomplete))
    with pytest.raises(InputError, match="no SciER records"):
        load_scier(write(tmp_path))
