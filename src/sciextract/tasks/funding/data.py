"""Funding records: the one canonical shape, strict validation of files, lenient reading of model output.

Canonical funder: `{"funder_name": str | None, "awards": [{"award_ids": [str], "funding_scheme": [str],
"award_title": [str]}]}`. A record adds `id` and `funding_statement`. Everything downstream (evaluator,
reward, targets, predictions) works on this shape only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sciextract.errors import InputError
from sciextract.io import check_unique_ids, read_records

AWARD_FIELDS = ("award_ids", "funding_scheme", "award_title")
HF_PREFIX = "hf:"


def _string_list(value: Any, *, strict: bool, where: tuple) -> list[str]:
    """A scalar becomes a one-item list; nulls and empty strings are dropped."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for index, item in enumerate(items):
        if item is None:
            continue
        if not isinstance(item, str):
            if strict:
                path, line, field = where
                raise InputError(path, f"expected a string, got {type(item).__name__}", line, f"{field}[{index}]")
            if isinstance(item, (dict, list)):
                continue  # lenient (model output): a nested structure holds no string to keep
            item = str(item)
        item = item.strip()
        if item:
            out.append(item)
    return out


def _award(value: Any, *, strict: bool, where: tuple) -> dict:
    path, line, field = where
    if not isinstance(value, dict):
        raise InputError(path, f"an award must be an object, got {type(value).__name__}", line, field)
    return {name: _string_list(value.get(name), strict=strict, where=(path, line, f"{field}.{name}"))
            for name in AWARD_FIELDS}


def _funder(value: Any, *, strict: bool, where: tuple) -> dict:
    path, line, field = where
    if not isinstance(value, dict):
        raise InputError(path, f"a funder must be an object, got {type(value).__name__}", line, field)
    name = value.get("funder_name")
    if name is not None and not isinstance(name, str):
        if strict or isinstance(name, (dict, list)):
            raise InputError(path, f"expected a string or null, got {type(name).__name__}", line, f"{field}.funder_name")
        name = str(name)
    name = name.strip() or None if isinstance(name, str) else None
    awards_value = value.get("awards")
    if awards_value is None:
        awards_value = []
    if not isinstance(awards_value, list):
        if strict:
            raise InputError(path, f"expected an array, got {type(awards_value).__name__}", line, f"{field}.awards")
        awards_value = [awards_value]
    awards = [_award(a, strict=strict, where=(path, line, f"{field}.awards[{i}]")) for i, a in enumerate(awards_value)]
    if any(key in value for key in AWARD_FIELDS):  # flat form: the award fields sit on the funder
        flat = _award(value, strict=strict, where=(path, line, field))
        if any(flat.values()):
            awards.append(flat)
    return {"funder_name": name, "awards": awards}


def canonical_funders(value: Any, *, path: str | Path | None = None, line: int | None = None,
                      field: str = "funders") -> list[dict]:
    """Validate a gold funder list (nested or flat form) and return it in canonical form."""
    if not isinstance(value, list):
        raise InputError(path, f"expected an array, got {type(value).__name__}", line, field)
    return [_funder(f, strict=True, where=(path, line, f"{field}[{i}]")) for i, f in enumerate(value)]


def coerce_funders(value: Any) -> list[dict] | None:
    """Read a model's decoded JSON as funders, tolerating loose types; None if the shape is unreadable.

    Accepts an array of funders, `{"funders": [...]}`, or a single funder object (nested or flat).
    """
    if isinstance(value, dict):
        if isinstance(value.get("funders"), list):
            value = value["funders"]
        elif "funder_name" in value or "awards" in value or any(k in value for k in AWARD_FIELDS):
            value = [value]
        else:
            return None
    if not isinstance(value, list):
        return None
    try:
        return [_funder(f, strict=False, where=(None, None, f"[{i}]")) for i, f in enumerate(value)]
    except InputError:
        return None


def statement_id(statement: str) -> str:
    """Deterministic id for records that come without one."""
    return "fs-" + hashlib.sha1(statement.encode("utf-8")).hexdigest()[:12]


def validate_record(raw: Any, *, path: str | Path | None, line: int | None) -> dict:
    """One funding record in canonical form, or an `InputError` naming file, line and field."""
    if not isinstance(raw, dict):
        raise InputError(path, f"a record must be an object, got {type(raw).__name__}", line)
    statement = raw.get("funding_statement")
    if not isinstance(statement, str):
        problem = "missing" if statement is None else f"expected a string, got {type(statement).__name__}"
        raise InputError(path, problem, line, "funding_statement")
    if not statement.strip():
        raise InputError(path, "empty statement", line, "funding_statement")
    record_id = raw.get("id")
    if record_id is None:
        record_id = statement_id(statement)
    elif isinstance(record_id, (str, int)) and not isinstance(record_id, bool):
        record_id = str(record_id)
    else:
        raise InputError(path, f"expected a string or integer, got {type(record_id).__name__}", line, "id")
    if "funders" not in raw:
        raise InputError(path, "missing", line, "funders")
    funders = canonical_funders(raw["funders"], path=path, line=line)
    return {"id": record_id, "funding_statement": statement, "funders": funders}


def load_funding_records(source: str | Path) -> list[dict]:
    """Load funding records from a `.json`/`.jsonl` file or `hf:<dataset>[:<split>]` (needs a network).

    Duplicate ids are an error: ids join predictions to gold.
    """
    source_str = str(source)
    if source_str.startswith(HF_PREFIX):
        rows = _hf_rows(source_str[len(HF_PREFIX):])
        where = source_str
    else:
        rows = read_records(source)
        where = source
    records = [(line, validate_record(raw, path=where, line=line)) for line, raw in rows]
    check_unique_ids([(line, record["id"]) for line, record in records], where)
    return [record for _, record in records]


def _hf_rows(spec: str) -> list[tuple[int, Any]]:
    """Rows of a Hugging Face dataset, numbered from 1 so errors can name the row."""
    import datasets

    name, _, split = spec.partition(":")
    dataset = datasets.load_dataset(name, split=split or "train")
    return [(index, dict(row)) for index, row in enumerate(dataset, start=1)]
