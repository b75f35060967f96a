"""What the leaderboard shows of the funding task: P/R/F1/F0.5 per level, parse failures; ranked by funder F1."""

from __future__ import annotations

from sciextract.tasks.base import CountedMetric, TaskBoard, prf_columns

LEVELS = ("funder", "award_id", "scheme", "title")

BOARD = TaskBoard(
    columns={**{path: header for level in LEVELS for path, header in prf_columns(level, level).items()},
             "parse_failure_rate": "parse failures"},
    headline="metrics.funder.f1",
    intervals={f"metrics.{level}.f1": CountedMetric(level, "f1") for level in LEVELS},
)
