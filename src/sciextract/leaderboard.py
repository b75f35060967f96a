"""The leaderboard: every evaluation ranked against the rows it can fairly be compared with.

Rows are (task, model variant, evaluation set). Two rows are ranked together only when their stamps
agree on everything that changes what a score means (data, matching method, mode, thresholds, encoder,
document cut, decoding): every stamp field except the ones that name the system under test. Headline
metrics carry bootstrap confidence intervals over documents, recomputed from the per-document counts the
evaluate stage writes, which are also checked against metrics.json so stale files never mix. Published
reference rows (reports/references.yaml) are shown with their source and never ranked: their stamps
come from other evaluators.

What each task shows lives in `TASK_BOARDS`; a new task adds one entry there.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sciextract.config import LeaderboardSettings
from sciextract.errors import InputError
from sciextract.io import atomic_path, read_records, sha256_json, write_json, write_text
from sciextract.scoring.bootstrap import Interval, bootstrap_intervals
from sciextract.scoring.fbeta import prf
from sciextract.scoring.funding_eval import LEVELS as FUNDING_LEVELS
from sciextract.tracking import flatten

EVAL_ROOT = Path("reports/eval")
REFERENCES_PATH = Path("reports/references.yaml")
OUTPUT_DIR = Path("reports")
OUTPUT_NAME = "leaderboard"
PARAMS_SOURCE = "params.yaml"


# -- what each task shows -------------------------------------------------------------------------


@dataclass(frozen=True)
class CountedMetric:
    """A column recomputable from documents.jsonl: `prf(matched, gold, pred)[stat]` of summed counts.

    `counts_at` is the dotted path, inside each per-document row, of an object with `gold`, `pred` and
    `matched`; the empty path means the row itself. A `{dotted}` part is replaced by the value at that path
    in the set's report (sciie's headline names its level in `metrics.headline.level`).
    """

    counts_at: str
    stat: str


@dataclass(frozen=True)
class TaskBoard:
    """The columns one task shows, the one it ranks by, and those that get confidence intervals."""

    columns: dict[str, str]
    """Dotted path inside a set's report in metrics.json -> column header, in display order."""
    headline: str
    intervals: dict[str, CountedMetric]
    nullable: frozenset[str] = frozenset()
    """Columns a task reports as null when a variant does not measure them (shown as —, never gated as passing)."""


def _prf_columns(level: str, label: str) -> dict[str, str]:
    names = {"precision": "P", "recall": "R", "f1": "F1", "f0_5": "F0.5"}
    return {f"metrics.{level}.{stat}": f"{label} {short}" for stat, short in names.items()}


TASK_BOARDS: dict[str, TaskBoard] = {
    "funding": TaskBoard(
        columns={**{path: header for level in FUNDING_LEVELS for path, header in _prf_columns(level, level).items()},
                 "parse_failure_rate": "parse failures"},
        headline="metrics.funder.f1",
        intervals={f"metrics.{level}.f1": CountedMetric(level, "f1") for level in FUNDING_LEVELS},
    ),
    # review: documents.jsonl rows carry the concern counts `gold`, `pred`, `matched` at the top level.
    "review": TaskBoard(
        columns={"metrics.f1": "F1", "metrics.recall": "recall", "metrics.precision": "precision",
                 "metrics.major_recall": "major-concern recall",
                 "metrics.mean_concerns_per_article": "concerns per article"},
        headline="metrics.f1",
        intervals={"metrics.f1": CountedMetric("", "f1")},
    ),
    # sciie: documents.jsonl rows carry `ner`, `rel`, `rel_plus` (each `gold`, `pred`, `matched`, or null for a
    # level the task variant does not ask for); the headline is the variant's own level.
    "sciie": TaskBoard(
        columns={"metrics.headline.f1": "headline F1", "metrics.ner.f1": "NER F1", "metrics.rel.f1": "REL F1",
                 "metrics.rel_plus.f1": "REL+ F1", "parse_failure_rate": "parse failures"},
        headline="metrics.headline.f1",
        intervals={"metrics.headline.f1": CountedMetric("{metrics.headline.level}", "f1"),
                   **{f"metrics.{level}.f1": CountedMetric(level, "f1") for level in ("ner", "rel", "rel_plus")}},
        nullable=frozenset(f"metrics.{level}.f1" for level in ("ner", "rel", "rel_plus")),
    ),
}

SYSTEM_STAMP_FIELDS = frozenset({"variant", "base_model", "adapter", "documents_without_prediction"})
"""Stamp fields that describe the system under test; every other field must agree for rows to be ranked together."""

_FRACTION_SUFFIXES = ("precision", "recall", "f1", "f0_5", "f1_5", "rate")


def task_board(task: str, *, path: str | Path, line: int | None = None, field_name: str | None = None) -> TaskBoard:
    if task not in TASK_BOARDS:
        raise InputError(path, f"unknown task '{task}': the leaderboard knows {', '.join(sorted(TASK_BOARDS))} "
                               f"(add an entry to TASK_BOARDS in sciextract/leaderboard.py)", line, field_name)
    return TASK_BOARDS[task]


# -- gates ----------------------------------------------------------------------------------------

_CONDITION = re.compile(r"^\s*(?P<path>[A-Za-z0-9_.]+)\s*(?P<op>>=|<=)\s*"
                        r"(?P<threshold>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True)
class Condition:
    """`path >= threshold` or `path <= threshold` on one leaderboard column."""

    path: str
    op: str
    threshold: float

    def holds(self, value: float | None) -> bool:
        """A column the row does not measure (None) never satisfies a condition."""
        if value is None:
            return False
        return value >= self.threshold if self.op == ">=" else value <= self.threshold

    def __str__(self) -> str:
        return f"{self.path} {self.op} {self.threshold:g}"


@dataclass(frozen=True)
class Gate:
    """Pass when every `all_of` condition holds and, if any are listed, at least one `any_of` condition."""

    all_of: tuple[Condition, ...]
    any_of: tuple[Condition, ...]

    def check(self, values: dict[str, float | None]) -> tuple[bool, str]:
        """(passed, the conditions that failed) for one row's column values."""

        def shown(condition: Condition) -> str:
            value = values[condition.path]
            return f"{condition} (is {'not measured' if value is None else f'{value:.3f}'})"

        failed = [shown(c) for c in self.all_of if not c.holds(values[c.path])]
        if self.any_of and not any(c.holds(values[c.path]) for c in self.any_of):
            failed.append("none of " + "; ".join(shown(c) for c in self.any_of))
        return not failed, "; ".join(failed)


def parse_gates(gates: dict[str, dict[str, list[str]]]) -> dict[str, Gate]:
    """Validated gates by task; errors name the params field of the offending entry."""
    parsed = {}
    for task, spec in gates.items():
        prefix = f"leaderboard.gates.{task}"
        board = task_board(task, path=PARAMS_SOURCE, field_name=prefix)
        unknown = sorted(set(spec) - {"all_of", "any_of"})
        if unknown:
            raise InputError(PARAMS_SOURCE, "a gate has only `all_of` and `any_of` lists", field=f"{prefix}.{unknown[0]}")
        if not any(spec.values()):
            raise InputError(PARAMS_SOURCE, "a gate needs at least one condition in `all_of` or `any_of`", field=prefix)
        lists = {}
        for kind in ("all_of", "any_of"):
            conditions = []
            for index, text in enumerate(spec.get(kind, [])):
                where = f"{prefix}.{kind}[{index}]"
                match = _CONDITION.match(text)
                if match is None:
                    raise InputError(PARAMS_SOURCE, f"cannot read condition '{text}': write '<column> >= <number>' "
                                                    f"or '<column> <= <number>'", field=where)
                if match["path"] not in board.columns:
                    raise InputError(PARAMS_SOURCE, f"unknown metric path '{match['path']}' for task '{task}' "
                                                    f"(known: {', '.join(board.columns)})", field=where)
                conditions.append(Condition(match["path"], match["op"], float(match["threshold"])))
            lists[kind] = tuple(conditions)
        parsed[task] = Gate(**lists)
    return parsed


def check_settings(settings: LeaderboardSettings) -> dict[str, Gate]:
    """Range checks the typed config cannot express, then the parsed gates."""
    if settings.bootstrap_samples < 1:
        raise InputError(PARAMS_SOURCE, f"must be at least 1, got {settings.bootstrap_samples}",
                         field="leaderboard.bootstrap_samples")
    if not 0 < settings.confidence < 1:
        raise InputError(PARAMS_SOURCE, f"must lie strictly between 0 and 1, got {settings.confidence}",
                         field="leaderboard.confidence")
    return parse_gates(settings.gates)


# -- rows and groups ------------------------------------------------------------------------------


@dataclass
class Row:
    """One system on one evaluation set: our evaluation, or a published result (`source` set)."""

    task: str
    set: str
    system: str
    stamp: dict
    values: dict[str, float | None]
    """Column path -> value; None where the variant does not measure it; a published row may lack columns."""
    intervals: dict[str, Interval] = field(default_factory=dict)
    documents: int | None = None
    source: str | None = None
    rank: int | None = None
    delta: float | None = None
    gate_passed: bool | None = None
    gate_detail: str = ""

    @property
    def headline(self) -> float:
        return self.values[TASK_BOARDS[self.task].headline]

    @property
    def label(self) -> str:
        return f"{self.task}/{self.set}/{self.system}"


def comparable_stamp(stamp: dict) -> dict:
    """The stamp fields that must agree for two rows to be ranked together."""
    return {key: value for key, value in sorted(stamp.items()) if key not in SYSTEM_STAMP_FIELDS}


@dataclass
class StampGroup:
    """Rows with one comparable stamp: ranked together (ours) or only listed (published)."""

    stamp: dict
    rows: list[Row]
    published: bool
    has_reference_variant: bool = False

    @property
    def id(self) -> str:
        return sha256_json(self.stamp)[:8]

    @property
    def task(self) -> str:
        return self.stamp["task"]


@dataclass
class Leaderboard:
    """Ranked groups of our rows and the published groups, with the settings that produced them."""

    settings: LeaderboardSettings
    groups: list[StampGroup]
    published: list[StampGroup]

    @property
    def tasks(self) -> list[str]:
        return sorted({group.task for group in self.groups})


def group_by_stamp(rows: Iterable[Row], *, published: bool) -> list[StampGroup]:
    groups: dict[str, StampGroup] = {}
    for row in rows:
        stamp = comparable_stamp(row.stamp)
        key = sha256_json(stamp)
        groups.setdefault(key, StampGroup(stamp=stamp, rows=[], published=published)).rows.append(row)
    return sorted(groups.values(), key=lambda g: (g.task, str(g.stamp["set"]), g.id))


def rank_group(group: StampGroup, reference_variant: str, gate: Gate | None) -> None:
    """Competition ranking by headline (ties share a rank), Δ to the reference variant, and the gate."""
    group.rows.sort(key=lambda row: (-row.headline, row.system))
    reference = next((row for row in group.rows if row.system == reference_variant), None)
    group.has_reference_variant = reference is not None
    for row in group.rows:
        row.rank = 1 + sum(other.headline > row.headline for other in group.rows)
        row.delta = row.headline - reference.headline if reference is not None else None
        if gate is not None:
            row.gate_passed, row.gate_detail = gate.check(row.values)


# -- reading evaluations --------------------------------------------------------------------------


def _lookup(node: Any, dotted: str) -> Any:
    """The value at a dotted path ('' is the node itself), None below a null; KeyError if a part is missing."""
    for part in dotted.split(".") if dotted else []:
        if node is None:
            return None
        if not isinstance(node, dict) or part not in node:
            raise KeyError(part)
        node = node[part]
    return node


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
                value = _lookup(report, column)
            except KeyError:
                raise InputError(path, "missing", field=f"{where}.{column}") from None
            if value is None and column in board.nullable:
                values[column] = None
                continue
            if not _number(value):
                raise InputError(path, f"expected a finite number, got {value!r}", field=f"{where}.{column}")
            values[column] = float(value)
        documents = _require(report, "documents", int, path=path, field_name=f"{where}.documents")
        counted = {column: _resolve(metric, report, path, where) for column, metric in board.intervals.items()
                   if values[column] is not None}
        doc_path = path.parent / "predictions" / f"{set_name}.documents.jsonl"
        intervals = document_intervals(doc_path, counted, values, documents, settings)
        rows.append(Row(task=task, set=set_name, system=variant, stamp=stamp, values=values, intervals=intervals,
                        documents=documents))
    return rows


_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.]+)\}")


def _resolve(metric: CountedMetric, report: dict, path: Path, where: str) -> CountedMetric:
    """`metric` with each `{dotted}` part of `counts_at` replaced by that value of the set's report."""

    def value_at(match: re.Match) -> str:
        try:
            value = _lookup(report, match[1])
        except KeyError:
            value = None
        if not isinstance(value, str):
            raise InputError(path, f"expected the name of a count level, got {value!r}", field=f"{where}.{match[1]}")
        return value

    return CountedMetric(_PLACEHOLDER.sub(value_at, metric.counts_at), metric.stat)


def document_intervals(doc_path: Path, counted: dict[str, CountedMetric], values: dict[str, float | None],
                       documents: int, settings: LeaderboardSettings) -> dict[str, Interval]:
    """Bootstrap intervals of the counted columns, after checking the counts reproduce metrics.json."""
    rows = read_records(doc_path)
    if len(rows) != documents:
        raise InputError(doc_path, f"{len(rows)} document rows, but metrics.json reports {documents} documents")
    if not rows:
        raise InputError(doc_path, "no document rows: no confidence interval can be computed")
    counts: dict[str, list[float]] = {}
    for counts_at in dict.fromkeys(metric.counts_at for metric in counted.values()):
        for name in ("gold", "pred", "matched"):
            dotted = f"{counts_at}.{name}" if counts_at else name
            column = counts.setdefault(dotted, [])
            for line, row in rows:
                try:
                    value = _lookup(row, dotted)
                except KeyError:
                    raise InputError(doc_path, "missing", line, dotted) from None
                if not _number(value):
                    raise InputError(doc_path, f"expected a finite number, got {value!r}", line, dotted)
                column.append(float(value))
    metrics = {column: _counted(metric) for column, metric in counted.items()}
    intervals = bootstrap_intervals(counts, metrics, samples=settings.bootstrap_samples, seed=settings.seed,
                                    confidence=settings.confidence)
    for column, interval in intervals.items():
        if not math.isclose(interval.estimate, values[column], rel_tol=1e-9, abs_tol=1e-12):
            raise InputError(doc_path, f"the document counts give {column} = {interval.estimate:.6f}, but "
                                       f"metrics.json says {values[column]:.6f}: the two files come from different runs")
    return intervals


def _counted(metric: CountedMetric):
    prefix = f"{metric.counts_at}." if metric.counts_at else ""

    def recompute(sums: dict[str, float]) -> float:
        return prf(sums[f"{prefix}matched"], sums[f"{prefix}gold"], sums[f"{prefix}pred"])[metric.stat]

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


# -- building -------------------------------------------------------------------------------------


def build_leaderboard(settings: LeaderboardSettings, eval_root: Path = EVAL_ROOT,
                      references_path: Path | None = REFERENCES_PATH) -> Leaderboard:
    """Read, check and rank everything; `references_path` None shows no published rows."""
    gates = check_settings(settings)
    groups = group_by_stamp(read_evaluations(eval_root, settings), published=False)
    for group in groups:
        rank_group(group, settings.reference_variant, gates.get(group.task))
    published = group_by_stamp(read_references(references_path), published=True) if references_path else []
    for group in published:
        group.rows.sort(key=lambda row: (-row.headline, row.system))
    return Leaderboard(settings=settings, groups=groups, published=published)


# -- rendering ------------------------------------------------------------------------------------


def _fmt(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def _stamp_text(stamp: dict) -> str:
    return ", ".join(f"{key}={value}" for key, value in stamp.items() if key not in ("task", "set"))


def _gate_word(row: Row) -> str | None:
    return None if row.gate_passed is None else ("pass" if row.gate_passed else "hold")


def _gate_text(row: Row) -> str:
    if row.gate_passed is None:
        return "no gate"
    return "pass" if row.gate_passed else f"hold: {row.gate_detail}"


def _group_table(group: StampGroup, reference_variant: str) -> pd.DataFrame:
    """Display cells (strings) of one group: CIs inline, Δ and gate for our rows, the source for published ones."""
    board = TASK_BOARDS[group.task]
    records = []
    for row in group.rows:
        cells: dict[str, str] = {} if group.published else {"rank": str(row.rank)}
        cells["system"] = row.system
        cells["stamp"] = group.id  # spelled out above the table
        for column, header in _ordered_columns(board):
            value = row.values.get(column)
            interval = row.intervals.get(column)
            cells[header] = _fmt(value) + (f" [{interval.low:.3f}, {interval.high:.3f}]" if interval else "")
            if column == board.headline and not group.published:
                cells[f"Δ vs {reference_variant}"] = _fmt(row.delta, signed=True)
                cells["gate"] = _gate_text(row)
        if group.published:
            cells["source"] = row.source or ""
        else:
            cells["documents"] = str(row.documents)
        records.append(cells)
    return pd.DataFrame.from_records(records)


def _ordered_columns(board: TaskBoard) -> list[tuple[str, str]]:
    """Headline first, then the rest in table order."""
    return [(board.headline, board.columns[board.headline])] + [
        (column, header) for column, header in board.columns.items() if column != board.headline]


def _group_title(group: StampGroup) -> str:
    kind = "published, not ranked" if group.published else "ranked"
    return f"{group.task} · {group.stamp['set']} · stamp {group.id} ({kind})"


def _group_notes(group: StampGroup, settings: LeaderboardSettings) -> list[str]:
    notes = [f"Stamp: {_stamp_text(group.stamp)}."]
    if not group.published and not group.has_reference_variant:
        notes.append(f"No `{settings.reference_variant}` row under this stamp, so no Δ.")
    return notes


def _intro(board: Leaderboard) -> str:
    s = board.settings
    return (f"Rows are ranked only against rows with the same evaluation stamp; each table is one stamp. "
            f"Intervals are {s.confidence:.0%} bootstrap intervals over documents ({s.bootstrap_samples} resamples, "
            f"seed {s.seed}). Δ is the headline difference to variant `{s.reference_variant}` under the same stamp. "
            f"Published rows come from other evaluators and are never ranked with ours.")


def render_markdown(board: Leaderboard) -> str:
    parts = ["# Leaderboard", "", _intro(board), ""]
    for group in [*board.groups, *board.published]:
        parts += [f"## {_group_title(group)}", "", *_group_notes(group, board.settings), "",
                  _group_table(group, board.settings.reference_variant).to_markdown(index=False, disable_numparse=True), ""]
    return "\n".join(parts)


def render_html(board: Leaderboard, image_name: str) -> str:
    sections = []
    for group in [*board.groups, *board.published]:
        notes = "".join(f"<p>{html.escape(note)}</p>" for note in _group_notes(group, board.settings))
        table = _group_table(group, board.settings.reference_variant).to_html(index=False, border=0, escape=True)
        sections.append(f"<h2>{html.escape(_group_title(group))}</h2>\n{notes}\n{table}")
    body = "\n".join(sections)
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Leaderboard</title>\n"
            f"<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}"
            f"td,th{{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left}}</style></head>\n"
            f"<body><h1>Leaderboard</h1>\n<p>{html.escape(_intro(board))}</p>\n"
            f"<img src=\"{html.escape(image_name)}\" alt=\"headline metric per variant and set\">\n{body}\n</body></html>\n")


def flat_rows(board: Leaderboard) -> list[dict]:
    """One flat record per row (ours and published): numbers, not display strings, for CSV and dvc plots."""
    records = []
    for group in [*board.groups, *board.published]:
        headline = TASK_BOARDS[group.task].headline
        for row in group.rows:
            interval = row.intervals.get(headline)
            record = {
                "row": row.label, "kind": "published" if group.published else "evaluation",
                "task": row.task, "set": row.set, "system": row.system, "stamp_id": group.id, "rank": row.rank,
                "headline_metric": headline, "headline": row.headline,
                "headline_ci_low": interval.low if interval else None,
                "headline_ci_high": interval.high if interval else None,
                f"delta_vs_{board.settings.reference_variant}": row.delta,
                "gate": _gate_word(row), "gate_detail": row.gate_detail or None, "documents": row.documents, "source": row.source,
            }
            record.update(row.values)
            for column, bounds in row.intervals.items():
                record[f"{column}.ci_low"], record[f"{column}.ci_high"] = bounds.low, bounds.high
            record.update({f"stamp.{key}": value for key, value in comparable_stamp(row.stamp).items()})
            records.append(record)
    return records


def flat_table(board: Leaderboard) -> pd.DataFrame:
    """`flat_rows` as one table: identity and headline first, then metrics, their intervals, stamp fields.

    Object dtype keeps integers (ranks, counts) as written rather than as floats padded for empty cells.
    """
    records = flat_rows(board)
    metric_columns = {column for spec in TASK_BOARDS.values() for column in spec.columns}

    def place(key: str) -> int:
        if key.startswith("stamp."):
            return 3
        if key.endswith((".ci_low", ".ci_high")):
            return 2
        return 1 if key in metric_columns else 0

    columns = sorted(dict.fromkeys(key for record in records for key in record), key=place)
    return pd.DataFrame(records, columns=columns, dtype=object)


def summary_json(board: Leaderboard) -> dict:
    """Our rows by task/set/variant with their headline figures: a short list for `dvc metrics show/diff`.

    Every other column, the stamps and the published rows are in the CSV, markdown and HTML.
    """
    summary = {}
    for group in board.groups:
        headline = TASK_BOARDS[group.task].headline
        for row in group.rows:
            interval = row.intervals[headline]
            summary[row.label] = {
                "rank": row.rank, headline: row.headline, "ci_low": interval.low, "ci_high": interval.high,
                f"delta_vs_{board.settings.reference_variant}": row.delta, "gate": _gate_word(row), "stamp": group.id,
            }
    return summary


def render_chart(board: Leaderboard) -> Figure:
    """Headline per system, one panel per stamp group; error bars are the bootstrap intervals."""
    groups = [*board.groups, *board.published]
    heights = [0.8 + 0.35 * len(group.rows) for group in groups]
    figure = Figure(figsize=(8, sum(heights) + 0.4 * len(groups)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(groups), 1, squeeze=False, height_ratios=heights)[:, 0]
    for ax, group in zip(axes, groups):
        board_spec = TASK_BOARDS[group.task]
        rows = list(reversed(group.rows))  # best on top
        values = [row.headline for row in rows]
        errors = None
        if not group.published:
            intervals = [row.intervals[board_spec.headline] for row in rows]
            errors = [[max(0.0, v - i.low) for v, i in zip(values, intervals)],
                      [max(0.0, i.high - v) for v, i in zip(values, intervals)]]
        bars = ax.barh([row.system for row in rows], values, xerr=errors, capsize=3,
                       color="#9e9e9e" if group.published else "#4c72b0")
        ax.bar_label(bars, fmt="%.3f", label_type="center", color="white", fontsize=8)
        ax.set_xlim(0, max(1.0, *values))
        ax.set_xlabel(board_spec.columns[board_spec.headline])
        ax.set_title(_group_title(group), fontsize=9, loc="left")
    return figure


def write_leaderboard(board: Leaderboard, out_dir: Path = OUTPUT_DIR) -> list[Path]:
    """Write md, csv, html, png and json atomically; returns the paths written."""
    out_dir = Path(out_dir)
    paths = {ext: out_dir / f"{OUTPUT_NAME}.{ext}" for ext in ("md", "csv", "html", "png", "json")}
    write_text(paths["md"], render_markdown(board))
    write_text(paths["csv"], flat_table(board).to_csv(index=False))
    write_text(paths["html"], render_html(board, paths["png"].name))
    with atomic_path(paths["png"]) as tmp:
        render_chart(board).savefig(tmp, format="png", dpi=120)
    write_json(paths["json"], summary_json(board))
    return list(paths.values())
