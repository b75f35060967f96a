"""What the leaderboard shows of the review task: semantic P/R/F1, major-concern recall, concerns per article."""

from __future__ import annotations

from sciextract.tasks.base import CountedMetric, TaskBoard

# documents.jsonl rows carry the concern counts `gold`, `pred`, `matched` at the top level.
BOARD = TaskBoard(
    columns={"metrics.f1": "F1", "metrics.recall": "recall", "metrics.precision": "precision",
             "metrics.major_recall": "major-concern recall",
             "metrics.mean_concerns_per_article": "concerns per article"},
    headline="metrics.f1",
    intervals={"metrics.f1": CountedMetric("", "f1", empty=0.0)},  # the evaluator's empty-count convention
)
