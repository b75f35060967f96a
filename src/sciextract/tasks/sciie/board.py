"""What the leaderboard shows of the SciIE task: the variant's headline F1, NER/REL/REL+ F1, parse failures."""

from __future__ import annotations

from sciextract.tasks.base import CountedMetric, TaskBoard

LEVELS = ("ner", "rel", "rel_plus")

# documents.jsonl rows carry `ner`, `rel`, `rel_plus` (each `gold`, `pred`, `matched`, or null for a level the
# task variant does not ask for); the headline is the variant's own level.
BOARD = TaskBoard(
    columns={"metrics.headline.f1": "headline F1", "metrics.ner.f1": "NER F1", "metrics.rel.f1": "REL F1",
             "metrics.rel_plus.f1": "REL+ F1", "parse_failure_rate": "parse failures"},
    headline="metrics.headline.f1",
    intervals={"metrics.headline.f1": CountedMetric("{metrics.headline.level}", "f1"),
               **{f"metrics.{level}.f1": CountedMetric(level, "f1") for level in LEVELS}},
    nullable=frozenset(f"metrics.{level}.f1" for level in LEVELS),
)
