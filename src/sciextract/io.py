"""File helpers: atomic writes, JSON/JSONL reading with line-accurate errors, content hashes."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sciextract.errors import InputError


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; rename it onto `path` only if the block succeeds.

    Readers never see a half-written file, and a crash leaves the old file (or none) in place.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | Path, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def write_jsonl(path: str | Path, rows: Iterable[dict]) -> None:
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_records(path: str | Path) -> list[tuple[int, Any]]:
    """Read a `.jsonl` file (one value per non-blank line) or a `.json` array.

    Returns `(line, value)` pairs so later validation can name the line where each record starts,
    in both formats. Unparseable JSON is an `InputError`.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    if path.suffix == ".jsonl":
        rows = []
        with path.open("rb") as fh:
            for lineno, raw in enumerate(fh, start=1):
                line = _decode(raw, path, lineno)
                if not line.strip():
                    continue
                try:
                    rows.append((lineno, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise InputError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", line=lineno) from exc
        return rows
    if path.suffix == ".json":
        return _read_json_array(path)
    raise InputError(path, f"unsupported file type '{path.suffix}': expected .json or .jsonl")


def _decode(raw: bytes, path: Path, line: int) -> str:
    """UTF-8 (a leading byte-order mark tolerated); anything else names the line it was found on."""
    try:
        return raw.decode("utf-8-sig" if line == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not valid UTF-8 (byte {exc.start} of the line)", line=line) from exc


def _read_json_array(path: Path) -> list[tuple[int, Any]]:
    """Decode a JSON array element by element to learn the line on which each record starts."""
    text = "".join(_decode(raw, path, lineno) for lineno, raw in enumerate(path.read_bytes().splitlines(keepends=True),
                                                                          start=1))
    decoder = json.JSONDecoder()

    def line_of(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    def skip_ws(pos: int) -> int:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        return pos

    def decode(pos: int) -> tuple[Any, int]:
        try:
            return decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno) from exc

    pos = skip_ws(0)
    if pos < len(text) and text[pos] == "{":
        start = pos
        value, pos = decode(pos)
        if skip_ws(pos) != len(text):
            raise InputError(path, "unexpected data after the JSON object", line=line_of(skip_ws(pos)))
        return [(line_of(start), value)]
    if pos >= len(text) or text[pos] != "[":
        raise InputError(path, "a .json file must hold an array of records or one record", line=line_of(pos))
    rows: list[tuple[int, Any]] = []
    pos = skip_ws(pos + 1)
    if pos < len(text) and text[pos] == "]":
        pos += 1
    else:
        while True:
            start = pos
            value, pos = decode(pos)
            rows.append((line_of(start), value))
            pos = skip_ws(pos)
            if pos < len(text) and text[pos] == ",":
                pos = skip_ws(pos + 1)
                continue
            if pos < len(text) and text[pos] == "]":
                pos += 1
                break
            raise InputError(path, "invalid JSON: expected ',' or ']' in the array", line=line_of(pos))
    if skip_ws(pos) != len(text):
        raise InputError(path, "unexpected data after the JSON array", line=line_of(skip_ws(pos)))
    return rows


def read_prediction_rows(path: str | Path) -> list[tuple[int, dict]]:
    """A predictions file (any task): `(line, row)` pairs whose rows are JSON objects."""
    rows = read_records(path)
    for line, row in rows:
        if not isinstance(row, dict):
            raise InputError(path, f"a prediction row must be an object, got {type(row).__name__}", line)
    return rows


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_json(obj: Any) -> str:
    """Hash of a JSON-serialisable value, independent of key order."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
