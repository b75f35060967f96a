"""What the leaderboard shows of the funding task, ranked by funder F1 of the headline mode.

Per level P/R/F1/F0.5 of the headline mode (`evaluate.funding.mode`, balanced unless params say otherwise),
F1.5 for funders and award ids as the published tables give it, the funder and award-id F1 of the other two
similarity modes (`metrics.by_mode.<mode>`; every evaluation reports all three), and parse failures.

Article evaluations (the two-stage path on whole articles, reports/articles/) show the same columns for the funders
end to end, and stage 1's statement precision, recall and F1 (blank on statement rows); their stamp (`input: article`, the statement match rule, chunking, the article data hash) differs from
every statement stamp, so the two kinds are never ranked together.
"""

from __future__ import annotations

from sciextract.tasks.base import CountedMetric, TaskBoard, prf_columns

LEVELS = ("funder", "award_id", "scheme", "title")
HEADLINE_LEVELS = ("funder", "award_id")
"""The levels the published tables lead with: they also get F1.5 and a column per other mode."""
OTHER_MODES = ("permissive", "strict")
"""The modes beside the default headline mode, balanced."""

_STATS = ("precision", "recall", "f1", "f0_5")
_EXTRA_STATS = {level: ("f1_5",) for level in HEADLINE_LEVELS}

# documents.jsonl rows carry the headline mode's counts at `<level>` and every mode's at `by_mode.<mode>.<level>`.
# A level without gold or predicted items scores 0.0, as in the published harness (`empty=0.0`).
BOARD = TaskBoard(
    columns={**{path: header for level in LEVELS
                for path, header in prf_columns(level, level, _STATS + _EXTRA_STATS.get(level, ())).items()},
             **{f"metrics.by_mode.{mode}.{level}.f1": f"{mode} {level} F1" for mode in OTHER_MODES
                for level in HEADLINE_LEVELS},
             **prf_columns("statement", "stage-1 statement", ("precision", "recall", "f1")),
             "parse_failure_rate": "parse failures"},
    headline="metrics.funder.f1",
    intervals={**{f"metrics.{level}.f1": CountedMetric(level, "f1", empty=0.0) for level in LEVELS},
               **{f"metrics.{level}.{stat}": CountedMetric(level, stat, empty=0.0) for level in HEADLINE_LEVELS
                  for stat in ("f0_5", "f1_5")},
               **{f"metrics.by_mode.{mode}.{level}.f1": CountedMetric(f"by_mode.{mode}.{level}", "f1", empty=0.0)
                  for mode in OTHER_MODES for level in HEADLINE_LEVELS},
               # an article set of correct negatives only has no statement to find or keep: F1 1.0, as it reports
               "metrics.statement.f1": CountedMetric("statement", "f1")},
    optional=frozenset(f"metrics.statement.{stat}" for stat in ("precision", "recall", "f1")),
)
