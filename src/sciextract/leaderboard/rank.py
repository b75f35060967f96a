"""Ranking: gates on leaderboard columns, rows grouped by comparable stamp, competition ranks and deltas.

Two rows are ranked together only when their stamps agree on everything that changes what a score means
(data, matching method, mode, thresholds, encoder, document cut, decoding, the hash of the evaluation code):
every stamp field except the ones that name the system under test.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sciextract.config import LeaderboardSettings
from sciextract.errors import InputError
from sciextract.io import sha256_json
from sciextract.scoring.bootstrap import Interval
from sciextract.tasks import get_board
from sciextract.tasks.base import CountedMetric, TaskBoard

PARAMS_SOURCE = "params.yaml"

SYSTEM_STAMP_FIELDS = frozenset({"variant", "base_model", "adapter", "documents_without_prediction"})
"""Stamp fields that describe the system under test; every other field must agree for rows to be ranked together."""

_FRACTION_SUFFIXES = ("precision", "recall", "f1", "f0_5", "f1_5", "rate")


def task_board(task: str, *, path: str | Path, line: int | None = None, field_name: str | None = None) -> TaskBoard:
    """The board of a task named in a file; an unknown task is an error naming the file, line and field."""
    try:
        return get_board(task)
    except ValueError as exc:
        raise InputError(path, str(exc), line, field_name) from None


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
    for variant, baseline in settings.paired_against.items():
        if variant == baseline:
            raise InputError(PARAMS_SOURCE, "a variant paired against itself differs by 0 on every document",
                             field=f"leaderboard.paired_against.{variant}")
    return parse_gates(settings.gates)


# -- rows and groups ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentCounts:
    """One evaluation set's documents.jsonl as the bootstrap reads it: document ids in file order, each count column
    (`funder.matched`, ...) per document, and how each interval column is recomputed from summed counts."""

    path: Path
    ids: list[str]
    counts: dict[str, list[float]]
    metrics: dict[str, CountedMetric]


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
    document_counts: DocumentCounts | None = None
    """Our rows: the per-document counts behind the intervals, kept for paired differences."""
    source: str | None = None
    rank: int | None = None
    delta: float | None = None
    gate_passed: bool | None = None
    gate_detail: str = ""
    paired_against: str | None = None
    """The baseline of `leaderboard.paired_against` this row was compared with, document by document."""
    paired: dict[str, Interval] = field(default_factory=dict)
    """Column path -> this row minus the baseline's row, with its paired bootstrap interval."""

    @property
    def headline(self) -> float:
        return self.values[get_board(self.task).headline]

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
