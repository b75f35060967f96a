"""SciER in its LLM JSONL format: sentences with typed entities and relations, validated on load.

A record (one per line) is `{"doc_id", "sentence", "ner": [[text, type]], "rel": [[subject, relation,
object]], "rel_plus": [["subject:Type", relation, "object:Type"]]}`, optionally with a string `id`.
Validation enforces what makes exact-match extraction well posed: every entity text occurs verbatim in
its sentence, relation arguments are entities of the same sentence, and `rel_plus` is `rel` with the
argument types of the `ner` list, triple by triple. Any violation is an `InputError` naming the file,
the line and the field; unknown keys are errors too, so a misspelt field is never silently ignored.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sciextract.errors import InputError
from sciextract.io import read_records
from sciextract.splits import normalize_for_split

ENTITY_TYPES = ("Dataset", "Method", "Task")
RELATION_TYPES = ("Part-Of", "SubClass-Of", "SubTask-Of", "Benchmark-For", "Trained-With", "Evaluated-With",
                  "Synonym-Of", "Used-For", "Compare-With")
_REQUIRED = ("doc_id", "sentence", "ner", "rel", "rel_plus")
_OPTIONAL = ("id",)


def sentence_hash(sentence: str) -> str:
    """Hash of the normalised sentence (as `data.splits` folds it): a stable, content-based order."""
    return hashlib.sha256(normalize_for_split(sentence).encode("utf-8")).hexdigest()


def split_typed_argument(argument: str) -> tuple[str, str]:
    """`"text:Type"` -> `(text, Type)`, split at the last colon (entity texts may hold colons)."""
    text, _, entity_type = argument.rpartition(":")
    return text, entity_type


def _string_tuple(value: Any, size: int, path: Path, line: int, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) != size or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(path, f"expected a list of {size} non-empty strings, got {value!r}", line, field)
    return tuple(value)


def validate_record(value: Any, path: Path, line: int) -> dict:
    """One SciER record checked field by field; returns it with plain lists of lists."""
    if not isinstance(value, dict):
        raise InputError(path, f"a record must be an object, got {type(value).__name__}", line)
    unknown = sorted(set(value) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise InputError(path, f"unknown key (known: {', '.join(_REQUIRED + _OPTIONAL)})", line, unknown[0])
    for key in _REQUIRED:
        if key not in value:
            raise InputError(path, "missing", line, key)
    for key in ("doc_id", "sentence", *(k for k in _OPTIONAL if k in value)):
        if not isinstance(value[key], str) or not value[key].strip():
            raise InputError(path, f"expected a non-empty string, got {value[key]!r}", line, key)
    sentence = value["sentence"]
    for key in ("ner", "rel", "rel_plus"):
        if not isinstance(value[key], list):
            raise InputError(path, f"expected a list, got {type(value[key]).__name__}", line, key)

    entities = []
    for i, item in enumerate(value["ner"]):
        text, entity_type = _string_tuple(item, 2, path, line, f"ner[{i}]")
        if entity_type not in ENTITY_TYPES:
            raise InputError(path, f"unknown entity type '{entity_type}' (known: {', '.join(ENTITY_TYPES)})",
                             line, f"ner[{i}][1]")
        if text not in sentence:
            raise InputError(path, f"entity '{text}' does not occur in the sentence", line, f"ner[{i}][0]")
        entities.append([text, entity_type])
    entity_texts = {text for text, _ in entities}
    typed_entities = {(text, entity_type) for text, entity_type in entities}

    relations = []
    for i, item in enumerate(value["rel"]):
        subject, relation, obj = _string_tuple(item, 3, path, line, f"rel[{i}]")
        if relation not in RELATION_TYPES:
            raise InputError(path, f"unknown relation '{relation}' (known: {', '.join(RELATION_TYPES)})",
                             line, f"rel[{i}][1]")
        for position, argument in ((0, subject), (2, obj)):
            if argument not in entity_texts:
                raise InputError(path, f"argument '{argument}' is not an entity of this sentence", line,
                                 f"rel[{i}][{position}]")
        relations.append([subject, relation, obj])

    if len(value["rel_plus"]) != len(relations):
        raise InputError(path, f"has {len(value['rel_plus'])} triples but 'rel' has {len(relations)}", line, "rel_plus")
    typed_relations = []
    for i, item in enumerate(value["rel_plus"]):
        typed = _string_tuple(item, 3, path, line, f"rel_plus[{i}]")
        for position in (0, 2):
            text, entity_type = split_typed_argument(typed[position])
            if text != relations[i][position] or (text, entity_type) not in typed_entities:
                raise InputError(path, f"'{typed[position]}' is not '{relations[i][position]}' typed as in 'ner'",
                                 line, f"rel_plus[{i}][{position}]")
        if typed[1] != relations[i][1]:
            raise InputError(path, f"relation '{typed[1]}' differs from rel[{i}] '{relations[i][1]}'", line,
                             f"rel_plus[{i}][1]")
        typed_relations.append(list(typed))

    record = {"doc_id": value["doc_id"], "sentence": sentence, "ner": entities, "rel": relations,
              "rel_plus": typed_relations}
    if "id" in value:
        record["id"] = value["id"]
    return record


def load_scier(path: str | Path) -> list[dict]:
    """Validated records of a SciER file, each with an `id`.

    A record without its own `id` gets `<doc_id>#<n>`, the n-th sentence (from 0) of its paper in file
    order, so ids are stable for an unchanged file and readable in prediction tables.
    """
    path = Path(path)
    records: list[dict] = []
    seen_ids: dict[str, int] = {}
    sentences_per_doc: dict[str, int] = {}
    for line, value in read_records(path):
        record = validate_record(value, path, line)
        ordinal = sentences_per_doc.get(record["doc_id"], 0)
        sentences_per_doc[record["doc_id"]] = ordinal + 1
        record = {"id": record.pop("id", f"{record['doc_id']}#{ordinal}"), **record}
        if record["id"] in seen_ids:
            raise InputError(path, f"id '{record['id']}' already used on line {seen_ids[record['id']]}", line, "id")
        seen_ids[record["id"]] = line
        records.append(record)
    if not records:
        raise InputError(path, "no SciER records in the file")
    return records
