"""Reading the leaderboard's inputs: every evaluation's metrics.json (with bootstrap intervals recomputed from
its per-document counts, which are checked against metrics.json so stale files never mix) and the published
reference rows of reports/references.yaml."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sciextract.config import LeaderboardSettings, dotted_get
from sciextract.errors import InputError
from sciextract.io import check_unique_ids, read_records, sha256_json
from sciextract.leaderboard.rank import DocumentCounts, Row, task_board
from sciextract.scoring.bootstrap import Interval, SummedMetric, bootstrap_intervals
from sciextract.scoring.fbeta import prf
from sciextract.tasks.base import CountedMetric
from sciextract.tracking import flatten

_FRACTION_SUFFIXES = ("precision", "recall", "f1", "f0_5", "f1_5", "rate")


# -- reading evaluations --------------------------------------------------------------------------


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _require(mapping: Any, key: str, kind: type | tuple[type, ...], *, path: Path, field_name: str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise InputError(path, "missing", field=field_name)
    value = mapping[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InputError(path, f"expected {getattr(kind, '__name__', kind)}, got {type(value).__name__}", field=field_name)
    return value


def read_metrics_file(path: Path) -> dict:
    records = read_records(path)
    if len(records) != 1 or not isinstance(records[0][1], dict):
        raise InputError(path, "metrics.json must hold one JSON object", line=records[0][0] if records else None)
    return records[0][1]


def read_evaluation(path: Path, eval_root: Path, settings: LeaderboardSettings) -> list[Row]:
    """The rows of one metrics.json (one per evaluation set), with intervals from its documents.jsonl files."""
    data = read_metrics_file(path)
    task = _require(data, "task", str, path=path, field_name="task")
    folder_task = path.relative_to(eval_root).parts[0]
    if task != folder_task:
        raise InputError(path, f"task '{task}' does not match its folder reports/eval/{folder_task}", field="task")
    board = task_board(task, path=path, field_name="task")
    variant = _require(data, "variant", str, path=path, field_name="variant")
    sets = _require(data, "sets", dict, path=path, field_name="sets")
    if not sets:
        raise InputError(path, "no evaluation sets", field="sets")
    rows = []
    for set_name, report in sets.items():
        where = f"sets.{set_name}"
        stamp = _require(report, "stamp", dict, path=path, field_name=f"{where}.stamp")
        for key, expected in (("task", task), ("set", set_name)):
            if stamp.get(key) != expected:
                raise InputError(path, f"stamp says {stamp.get(key)!r}, expected {expected!r}", field=f"{where}.stamp.{key}")
        values = {}
        for column in board.columns:
            try:
                value = dotted_get(report, column)
            except KeyError:
                if column not in board.optional:
                    raise InputError(path, "missing", field=f"{where}.{column}") from None
                value = None
            if value is None and (column in board.nullable or column in board.optional):
                values[column] = None
                continue
            if not _number(value):
                raise InputError(path, f"expected a finite number, got {value!r}", field=f"{where}.{column}")
            values[column] = float(value)
        documents = _require(report, "documents", int, path=path, field_name=f"{where}.documents")
        counted = {column: _resolve(metric, report, path, where) for column, metric in board.intervals.items()
                   if values[column] is not None}
        doc_path = path.parent / "predictions" / f"{set_name}.documents.jsonl"
        document_counts = read_document_counts(doc_path, counted, documents)
        rows.append(Row(task=task, set=set_name, system=variant, stamp=stamp, values=values,
                        intervals=document_intervals(document_counts, values, settings), documents=documents,
                        document_counts=document_counts))
    return rows


_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.]+)\}")


def _resolve(metric: CountedMetric, report: dict, path: Path, where: str) -> CountedMetric:
    """`metric` with each `{dotted}` part of `counts_at` replaced by that value of the set's report."""

    def value_at(match: re.Match) -> str:
        try:
            value = dotted_get(report, match[1])
        except KeyError:
            value = None
        if not isinstance(value, str):
            raise InputError(path, f"expected the name of a count level, got {value!r}", field=f"{where}.{match[1]}")
        return value

    return CountedMetric(_PLACEHOLDER.sub(value_at, metric.counts_at), metric.stat, metric.empty)


def read_document_counts(doc_path: Path, counted: dict[str, CountedMetric], documents: int) -> DocumentCounts:
    """The ids and the counts the `counted` columns are recomputed from, one entry per row of documents.jsonl.

    Every row names its document (`id`, unique in the file): paired differences join two evaluations by it."""
    rows = read_records(doc_path)
    if len(rows) != documents:
        raise InputError(doc_path, f"{len(rows)} document rows, but metrics.json reports {documents} documents")
    if not rows:
        raise InputError(doc_path, "no document rows: no confidence interval can be computed")
    ids = check_unique_ids([(line, _document_id(row, doc_path, line)) for line, row in rows], doc_path)
    counts: dict[str, list[float]] = {}
    for counts_at in dict.fromkeys(metric.counts_at for metric in counted.values()):
        for name in ("gold", "pred", "matched"):
            dotted = f"{counts_at}.{name}" if counts_at else name
            column = counts.setdefault(dotted, [])
            for line, row in rows:
                try:
                    value = dotted_get(row, dotted)
                except KeyError:
                    raise InputError(doc_path, "missing", line, dotted) from None
                if not _number(value):
                    raise InputError(doc_path, f"expected a finite number, got {value!r}", line, dotted)
                column.append(float(value))
    return DocumentCounts(path=doc_path, ids=ids, counts=counts, metrics=counted)


def _document_id(row: object, doc_path: Path, line: int) -> str:
    doc_id = row.get("id") if isinstance(row, dict) else None
    if not isinstance(doc_id, (str, int)) or isinstance(doc_id, bool):
        raise InputError(doc_path, f"expected the document's id (a string or an integer), got {doc_id!r}", line, "id")
    return str(doc_id)


def document_intervals(document_counts: DocumentCounts, values: dict[str, float | None],
                       settings: LeaderboardSettings) -> dict[str, Interval]:
    """Bootstrap intervals of the counted columns, after checking the counts reproduce metrics.json."""
    metrics = {column: counted_metric(metric) for column, metric in document_counts.metrics.items()}
    intervals = bootstrap_intervals(document_counts.counts, metrics, samples=settings.bootstrap_samples,
                                    seed=settings.seed, confidence=settings.confidence)
    for column, interval in intervals.items():
        if not math.isclose(interval.estimate, values[column], rel_tol=1e-9, abs_tol=1e-12):
            raise InputError(document_counts.path,
                             f"the document counts give {column} = {interval.estimate:.6f}, but metrics.json says "
                             f"{values[column]:.6f}: the two files come from different runs")
    return intervals


def counted_metric(metric: CountedMetric, prefix: str = "") -> SummedMetric:
    """`metric` over summed counts; `prefix` is put before each count name (`system.` in a paired resample)."""
    prefix += f"{metric.counts_at}." if metric.counts_at else ""

    def recompute(sums: Mapping[str, float]) -> float:
        gold, pred = sums[f"{prefix}gold"], sums[f"{prefix}pred"]
        if gold == 0 and pred == 0:
            return metric.empty
        return prf(sums[f"{prefix}matched"], gold, pred)[metric.stat]

    return recompute


def read_evaluations(eval_root: Path, settings: LeaderboardSettings) -> list[Row]:
    """Rows of every metrics.json under `eval_root` (any depth: a variant may be an adapter folder)."""
    files = sorted(Path(eval_root).rglob("metrics.json"))
    if not files:
        raise InputError(eval_root, "no metrics.json found: run the evaluate stages first")
    rows: list[Row] = []
    seen: dict[str, Path] = {}
    for path in files:
        for row in read_evaluation(path, Path(eval_root), settings):
            if row.label in seen:
                raise InputError(path, f"{row.label} is also reported by {seen[row.label]}", field="variant")
            seen[row.label] = path
            rows.append(row)
    return rows


# -- published references -------------------------------------------------------------------------

_REFERENCE_KEYS = {"system", "stamp", "metrics"}
_REFERENCE_STAMP_KEYS = ("task", "set", "source")


def read_references(path: Path) -> list[Row]:
    """Published rows: `references: [{system, stamp: {task, set, source, ...}, metrics: {...}}]`.

    Metrics are written like a set report in metrics.json (`metrics: {ner: {f1: 0.8436}}`), as fractions.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    text = path.read_text(encoding="utf-8")
    try:
        document = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(path, f"invalid YAML: {exc}", line=mark.line + 1 if mark else None) from exc
    if not isinstance(data, dict) or set(data) != {"references"} or not isinstance(data["references"], list):
        raise InputError(path, "expected a mapping with one key, `references`, holding a list", line=1)
    entries_node = next(value for key, value in document.value if key.value == "references")
    rows: list[Row] = []
    seen: set[str] = set()
    for index, (entry, node) in enumerate(zip(data["references"], entries_node.value, strict=True)):
        line, where = node.start_mark.line + 1, f"references[{index}]"
        if not isinstance(entry, dict):
            raise InputError(path, "a reference must be a mapping", line, where)
        if set(entry) != _REFERENCE_KEYS:
            odd = sorted(set(entry) ^ _REFERENCE_KEYS)[0]
            raise InputError(path, f"a reference has exactly the keys {sorted(_REFERENCE_KEYS)}", line, f"{where}.{odd}")
        system = _reference_text(entry, "system", path, line, where)
        stamp = entry["stamp"]
        if not isinstance(stamp, dict):
            raise InputError(path, "expected a mapping", line, f"{where}.stamp")
        for key in _REFERENCE_STAMP_KEYS:
            _reference_text(stamp, key, path, line, f"{where}.stamp")
        board = task_board(stamp["task"], path=path, line=line, field_name=f"{where}.stamp.task")
        values = {}
        for column, value in flatten(entry["metrics"], "metrics.").items():
            if column not in board.columns:
                raise InputError(path, f"not a column of task '{stamp['task']}' (known: {', '.join(board.columns)})",
                                 line, f"{where}.{column}")
            if not _number(value):
                raise InputError(path, f"expected a number, got {value!r}", line, f"{where}.{column}")
            if column.endswith(_FRACTION_SUFFIXES) and not 0 <= value <= 1:
                raise InputError(path, f"write scores as fractions (84.36% is 0.8436), got {value}", line, f"{where}.{column}")
            values[column] = float(value)
        if board.headline not in values:
            raise InputError(path, f"a reference must report the headline metric {board.headline}", line, f"{where}.metrics")
        row = Row(task=stamp["task"], set=stamp["set"], system=system, stamp=stamp, values=values, source=stamp["source"])
        identity = sha256_json([stamp, system])
        if identity in seen:
            raise InputError(path, f"second reference row for {system} under the same stamp", line, where)
        seen.add(identity)
        rows.append(row)
    return rows


def _reference_text(mapping: dict, key: str, path: Path, line: int, where: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InputError(path, "expected a non-empty string", line, f"{where}.{key}")
    return value
