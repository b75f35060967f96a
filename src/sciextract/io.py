"""File helpers: atomic writes (one file, a set of files published together, a folder swapped in whole),
JSON/JSONL reading with line-accurate errors, content hashes, and reading JSON out of model output in linear time."""

from __future__ import annotations

import contextlib
import contextvars
import glob
import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from sciextract.errors import InputError

# -- text that can be written ----------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD, so it can be encoded as UTF-8.

    A model's tokens can decode to a lone surrogate, and a JSON escape such as `\\ud800` decodes to one; Python
    holds it, but writing it as UTF-8 fails, which would lose a whole run's outputs at write time. A surrogate pair
    held as two code points becomes the one character it encodes.
    """
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


# -- atomic writes ----------------------------------------------------------------------------------


def _new_beside(path: Path, kind: str, *, folder: bool = False) -> Path:
    """A new empty file (or folder) named `.<name>.<kind>-<random>` next to `path`, with the mode every new file
    gets (0666 or 0777 less the umask). `tempfile.mkstemp` would make it 0600 and `os.replace` would hand that
    mode on to the published file."""
    while True:
        candidate = path.parent / f".{path.name}.{kind}-{os.urandom(4).hex()}"
        try:
            if folder:
                candidate.mkdir(0o777)
            else:
                os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return candidate
        except FileExistsError:
            continue


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; rename it onto `path` only if the block succeeds.

    Readers never see a half-written file, and a crash leaves the old file (or none) in place.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = _new_beside(path, "tmp")
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _write_text_to(path: Path, text: str) -> None:
    path.write_text(clean_text(text), encoding="utf-8")


def _write_jsonl_to(path: Path, rows: Iterable[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(clean_text(json.dumps(row, ensure_ascii=False)) + "\n")


def _json_text(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        _write_text_to(tmp, text)


def write_json(path: str | Path, obj: Any) -> None:
    write_text(path, _json_text(obj))


def write_jsonl(path: str | Path, rows: Iterable[dict]) -> None:
    with atomic_path(path) as tmp:
        _write_jsonl_to(tmp, rows)


class FileSet:
    """Files of one output set (a task's splits and their report), each written to a temporary file next to its
    target and renamed onto it only when the whole set is written (see `published_together`)."""

    def __init__(self) -> None:
        self._staged: dict[Path, Path] = {}

    def _stage(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path in self._staged:  # written twice: the second version wins
            self._staged.pop(path).unlink()
        self._staged[path] = _new_beside(path, "tmp")
        return self._staged[path]

    def write_json(self, path: str | Path, obj: Any) -> None:
        _write_text_to(self._stage(path), _json_text(obj))

    def write_jsonl(self, path: str | Path, rows: Iterable[dict]) -> None:
        _write_jsonl_to(self._stage(path), rows)

    def _publish(self) -> None:
        for path, tmp in self._staged.items():
            os.replace(tmp, path)
        self._staged.clear()

    def _discard(self) -> None:
        for tmp in self._staged.values():
            tmp.unlink(missing_ok=True)
        self._staged.clear()


_OPEN_FILE_SET: contextvars.ContextVar[FileSet | None] = contextvars.ContextVar("open_file_set", default=None)


@contextlib.contextmanager
def published_together() -> Iterator[FileSet]:
    """A `FileSet` whose files replace their targets together when the block succeeds, and none when it fails.

    Every file is written in full before the first rename, so a failure half-way (bad input, a full disk, a kill
    while writing) leaves the previous set whole, never new splits beside an old report. A block opened inside
    another one (a task's `prepare` inside `run_prepare`, which adds the report) joins the outer set.
    """
    outer = _OPEN_FILE_SET.get()
    if outer is not None:
        yield outer
        return
    files = FileSet()
    token = _OPEN_FILE_SET.set(files)
    try:
        yield files
        files._publish()
    finally:
        _OPEN_FILE_SET.reset(token)
        files._discard()


@contextlib.contextmanager
def replaced_folder(path: str | Path) -> Iterator[Path]:
    """Yield a new empty folder next to `path`; when the block succeeds it takes the place of `path` whole.

    A run killed before the end leaves the previous folder untouched (no new predictions beside an old
    metrics.json); the swap itself is two renames. Leftovers of a killed earlier swap of the same folder are
    removed first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for kind in ("new", "old"):
        for leftover in path.parent.glob(f".{glob.escape(path.name)}.{kind}-????????"):
            shutil.rmtree(leftover)
    staging = _new_beside(path, "new", folder=True)
    try:
        yield staging
        if path.exists():
            retired = _new_beside(path, "old", folder=True)
            os.replace(path, retired)
            os.replace(staging, path)
            shutil.rmtree(retired)
        else:
            os.replace(staging, path)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


# -- reading records --------------------------------------------------------------------------------


def read_records(path: str | Path) -> list[tuple[int, Any]]:
    """Read a `.jsonl` file (one value per non-blank line) or a `.json` array.

    Returns `(line, value)` pairs so later validation can name the line where each record starts, in both
    formats. Unparseable JSON, a number too long to convert, nesting deeper than the JSON decoder goes, and a
    lone surrogate escape (`\\ud800`, which no UTF-8 file can hold) in any string are `InputError`s naming the
    file and line (and, for a surrogate, the field).
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
                rows.append((lineno, _checked_value(_load_line(line, path, lineno), line, path, lineno)))
        return rows
    if path.suffix == ".json":
        return _read_json_array(path)
    raise InputError(path, f"unsupported file type '{path.suffix}': expected .json or .jsonl")


def check_unique_ids(lines_and_ids: Iterable[tuple[int, str]], path: str | Path) -> list[str]:
    """The ids of a file's records, in order; an id given twice is an `InputError` naming the second one's line and
    the first one's. Ids join predictions to gold and one evaluation to another, so a repeat would pair wrongly."""
    first_line: dict[str, int] = {}
    for line, record_id in lines_and_ids:
        if record_id in first_line:
            raise InputError(path, f"duplicate id '{record_id}' (first on line {first_line[record_id]})", line, "id")
        first_line[record_id] = line
    return list(first_line)


def _load_line(line: str, path: Path, lineno: int) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", line=lineno) from exc
    except (ValueError, RecursionError) as exc:
        raise InputError(path, _unreadable_json(exc), line=lineno) from exc


def _unreadable_json(exc: ValueError | RecursionError) -> str:
    """Why valid-looking JSON could not be decoded: absurd nesting, or an integer longer than Python converts."""
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply to read"
    return f"a number too long to read (more than {sys.get_int_max_str_digits()} digits)"


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _checked_value(value: Any, text: str, path: Path, line: int) -> Any:
    """`value` (decoded from `text`), or an `InputError` naming the field of the first string (or key) holding a
    lone surrogate. Only text with a surrogate escape is walked."""
    if not _SURROGATE_ESCAPE.search(text):
        return value
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                raise InputError(path, "a lone surrogate escape (\\ud800-\\udfff) is not a character", line,
                                 where or None)
        elif isinstance(node, dict):
            for key, item in reversed(node.items()):
                dotted = f"{where}.{key}" if where else str(key)
                if _SURROGATE.search(key):
                    raise InputError(path, "a lone surrogate escape (\\ud800-\\udfff) in a key", line, dotted)
                stack.append((dotted, item))
        elif isinstance(node, list):
            stack.extend((f"{where}[{index}]", item) for index, item in reversed(list(enumerate(node))))
    return value


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
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno) from exc
        except (ValueError, RecursionError) as exc:
            raise InputError(path, _unreadable_json(exc), line=line_of(pos)) from exc
        return _checked_value(value, text[pos:end], path, line_of(pos)), end

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


# -- model output -----------------------------------------------------------------------------------
# Parsers read any text a model (or a user's file) produces; every helper below is linear in its input.

_FENCE_HEADER = re.compile(r"```[A-Za-z]*+\s*+")


def answer_text(text: str) -> str:
    """The part of a model output that holds the answer: `<think>...</think>` blocks dropped (an unterminated
    `<think>` hides everything after it), then the body of the first complete ``` code fence, or the whole text
    without an opening fence and its language tag; stripped."""
    kept, pos = [], 0
    while (start := text.find("<think>", pos)) >= 0:
        kept.append(text[pos:start])
        end = text.find("</think>", start + len("<think>"))
        if end < 0:
            pos = len(text)
            break
        pos = end + len("</think>")
    kept.append(text[pos:])
    text = "".join(kept)
    start = text.find("```")
    if start >= 0:
        body = _FENCE_HEADER.match(text, start).end()
        end = text.find("```", body)
        if end >= 0:
            return text[body:end].strip()
    text = text.strip()
    return text[_FENCE_HEADER.match(text).end():].strip() if text.startswith("```") else text


MAX_NESTING = 32
"""Arrays and objects of a model output nested deeper than this are not read (no answer nests half as deep);
it also keeps the recursive C decoder far from the interpreter's recursion limit."""

_JSON_SPACE = re.compile(r"[ \t\n\r]*+")
_JSON_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]++|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*+"')
_JSON_SCALAR = re.compile(r"(-?(?:0|[1-9][0-9]*+))(\.[0-9]++)?([eE][-+]?[0-9]++)?"
                          r"|true|false|null|NaN|Infinity|-Infinity")
_VALUE, _VALUE_OR_CLOSE, _KEY, _KEY_OR_CLOSE, _COLON, _AFTER_VALUE = range(6)
_CLOSER = {"[": "]", "{": "}"}


class JsonRead(NamedTuple):
    ok: bool
    value: Any
    end: int
    """Where the value ends (exclusive); where it fails when not `ok` (the text's length: cut off at the end)."""


class EmbeddedJson:
    """JSON values read at any positions of a free text (a model output), in time linear in the text over all the
    positions a parser tries.

    Calling `json.JSONDecoder.raw_decode` at every bracket, as a lenient parser must try them, reads the rest of a
    long or broken value again at each bracket inside it: quadratic, and with deep nesting a recursion to the
    interpreter's limit at every bracket. Here one non-recursive scan checks the JSON grammar token by token and
    remembers, for every array and object it opens, where it ends or at which position it fails (the position
    the decoder reports), so no later start scans the same value again. Only a value that scanned complete is
    handed to the C decoder, once per start. Lone surrogate escapes decode to U+FFFD.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._ends: dict[int, int] = {}
        """Bracket position -> end of its value, or `~position` of its failure."""
        self._decoder = json.JSONDecoder()

    def read(self, pos: int) -> JsonRead:
        """The JSON value that starts exactly at `pos`."""
        text = self.text
        if pos >= len(text):
            return JsonRead(False, None, len(text))
        end = self._extent(pos) if text[pos] in "[{" else self._scalar_end(pos)
        if end < 0:
            return JsonRead(False, None, ~end)
        value, _ = self._decoder.raw_decode(text, pos)
        if _SURROGATE_ESCAPE.search(text, pos, end):
            value = _without_surrogates(value)
        return JsonRead(True, value, end)

    def _scalar_end(self, pos: int) -> int:
        """End of the string, number or literal at `pos`, or `~pos`. An integer with more digits than Python
        converts (`sys.get_int_max_str_digits`) fails, as the decoder does."""
        text = self.text
        match = (_JSON_STRING if text[pos] == '"' else _JSON_SCALAR).match(text, pos)
        if match is None:
            return ~pos
        limit = sys.get_int_max_str_digits()
        integer = match.group(1) if text[pos] != '"' and not match.group(2) and not match.group(3) else None
        if integer and limit and len(integer.lstrip("-")) > limit:
            return ~pos
        return match.end()

    def _extent(self, start: int) -> int:
        """End of the array or object opening at `start`, or `~position` where it fails: a token the grammar does
        not allow there, the end of the text, or nesting deeper than MAX_NESTING below `start`. Every bracket the
        scan opens is remembered with its outcome (one that is still open when the scan fails fails there too)."""
        known = self._ends.get(start)
        if known is not None:
            return known
        text, size = self.text, len(self.text)
        stack = [start]
        expect = _VALUE_OR_CLOSE if text[start] == "[" else _KEY_OR_CLOSE
        pos = start + 1
        while True:
            pos = _JSON_SPACE.match(text, pos).end()
            if pos == size:
                break
            char = text[pos]
            if expect in (_VALUE, _VALUE_OR_CLOSE) and not (char == "]" and expect == _VALUE_OR_CLOSE):
                if char in "[{":
                    known = self._ends.get(pos)
                    if known is not None:
                        if known < 0:
                            pos = ~known
                            break
                        pos, expect = known, _AFTER_VALUE
                        continue
                    if len(stack) >= MAX_NESTING:
                        break
                    stack.append(pos)
                    expect = _VALUE_OR_CLOSE if char == "[" else _KEY_OR_CLOSE
                    pos += 1
                    continue
                end = self._scalar_end(pos)
                if end < 0:
                    break
                pos, expect = end, _AFTER_VALUE
                continue
            if expect in (_KEY, _KEY_OR_CLOSE) and not (char == "}" and expect == _KEY_OR_CLOSE):
                match = _JSON_STRING.match(text, pos) if char == '"' else None
                if match is None:
                    break
                pos, expect = match.end(), _COLON
                continue
            if expect == _COLON:
                if char != ":":
                    break
                pos, expect = pos + 1, _VALUE
                continue
            opener = text[stack[-1]]
            if expect == _AFTER_VALUE and char == ",":
                pos, expect = pos + 1, _VALUE if opener == "[" else _KEY
                continue
            if char != _CLOSER[opener]:
                break
            self._ends[stack.pop()] = pos + 1
            pos, expect = pos + 1, _AFTER_VALUE
            if not stack:
                return pos
        for opened in stack:
            self._ends[opened] = ~pos
        return ~pos


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(key): _without_surrogates(item) for key, item in value.items()}
    return value


def nested_values(value: Any) -> Iterator[Any]:
    """`value` and every array and object inside it, in the order they open in the text (pre-order)."""
    stack = [value]
    while stack:
        node = stack.pop()
        yield node
        children = node if isinstance(node, list) else node.values() if isinstance(node, dict) else ()
        stack.extend(child for child in reversed(list(children)) if isinstance(child, (list, dict)))


Answer = TypeVar("Answer")
OPENING = {"[": r"\[(?=[ \t\n\r]*+[\[{\"\-0-9tfnNI\]])", "{": r"\{(?=[ \t\n\r]*+[\"}])"}
"""A bracket whose first token could continue a JSON value: any other fails at once, so it is not tried."""
_OPENER_PATTERNS: dict[str, re.Pattern] = {}


def first_json_answer(text: str, coerce: Callable[[Any], Answer | None], *, openers: str = "[{",
                      stop_at_cut: bool = False) -> Answer | None:
    """The first JSON value of `text` that `coerce` accepts (returns non-None for), in reading order: each array or
    object opening at one of `openers` that decodes, then the arrays and objects nested in it; a decoded value's
    inside is not tried again as text. With `stop_at_cut`, a value cut off by the end of the text ends the search
    (what follows its opening bracket is a fragment, not an answer). None when nothing is accepted."""
    reader = EmbeddedJson(text)
    pattern = _OPENER_PATTERNS.setdefault(openers, re.compile("|".join(OPENING[char] for char in openers)))
    pos = 0
    while (match := pattern.search(text, pos)) is not None:
        read = reader.read(match.start())
        if not read.ok:
            if stop_at_cut and read.end >= len(text):
                return None
            pos = match.start() + 1
            continue
        for node in nested_values(read.value):
            answer = coerce(node)
            if answer is not None:
                return answer
        pos = read.end
    return None


_SPACE = re.compile(r"\s*+")


def _skip_space(text: str, pos: int) -> int:
    return _SPACE.match(text, pos).end()


def read_array_items(reader: EmbeddedJson, pos: int, exhausted: set[int] = frozenset()
                ) -> tuple[list, list[int], bool, bool, bool]:
    """Decode the items of a JSON array from `pos` (just past `[`, or where the `[` should have been) one by one,
    so an answer cut off by the token limit keeps its complete items.

    Returns (items, item positions, closed, truncated, joined): `closed` when a `]` ended the array; `truncated`
    when the text ran out, or an item stopped decoding, before that (the complete items before it are kept);
    `joined` when the items reached a position of `exhausted`, from which an earlier read found no concern (the
    read stops there, and the flags say nothing).
    """
    text = reader.text
    items: list = []
    positions: list[int] = []
    while True:
        pos = _skip_space(text, pos)
        if pos >= len(text):
            return items, positions, False, True, False
        if text[pos] == "]":
            return items, positions, True, False, False
        if pos in exhausted:
            return items, positions, False, False, True
        positions.append(pos)
        read = reader.read(pos)
        if not read.ok:
            return items, positions, False, True, False
        items.append(read.value)
        pos = _skip_space(text, read.end)
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos < len(text) and text[pos] == "]":
            return items, positions, True, False, False
        elif pos < len(text) and text[pos] not in "{\"":
            return items, positions, False, False, False  # prose after the last item: the array ends there
