"""Paired differences: a variant against its baseline (`leaderboard.paired_against`), document by document.

Two rows' own intervals overlap whenever the documents are hard for both systems alike, which hides most
differences between two adapters of one base model. Resampling the documents once for both rows removes what
they share: each resample sums both rows' counts over the same draw, and the interval is the percentile interval
of the difference of the two recomputed metrics. The rows must have scored the same documents (joined by id).
"""

from __future__ import annotations

from sciextract.config import LeaderboardSettings
from sciextract.errors import InputError
from sciextract.leaderboard.rank import DocumentCounts, StampGroup
from sciextract.leaderboard.read import counted_metric
from sciextract.scoring.bootstrap import Interval, bootstrap_intervals


def paired_intervals(system: DocumentCounts, baseline: DocumentCounts,
                     settings: LeaderboardSettings) -> dict[str, Interval]:
    """`system` minus `baseline` on every column both recompute, with paired bootstrap intervals."""
    if set(system.ids) != set(baseline.ids):
        only = sorted(set(system.ids) ^ set(baseline.ids))
        raise InputError(baseline.path, f"scores other documents than {system.path} ({len(only)} ids in one file "
                                        f"only, e.g. '{only[0]}'): a paired difference needs the same documents")
    position = {doc_id: index for index, doc_id in enumerate(baseline.ids)}
    aligned = [position[doc_id] for doc_id in system.ids]
    counts = {f"system.{name}": values for name, values in system.counts.items()}
    counts |= {f"baseline.{name}": [values[index] for index in aligned] for name, values in baseline.counts.items()}
    columns = [column for column in system.metrics if column in baseline.metrics]

    def difference(column: str):
        of_system = counted_metric(system.metrics[column], "system.")
        of_baseline = counted_metric(baseline.metrics[column], "baseline.")
        return lambda sums: of_system(sums) - of_baseline(sums)

    return bootstrap_intervals(counts, {column: difference(column) for column in columns},
                               samples=settings.bootstrap_samples, seed=settings.seed, confidence=settings.confidence)


def pair_group(group: StampGroup, settings: LeaderboardSettings) -> None:
    """Set `paired` on each row of the group that `paired_against` names and whose baseline has a row here."""
    rows = {row.system: row for row in group.rows}
    for variant, baseline in settings.paired_against.items():
        if variant in rows and baseline in rows:
            row = rows[variant]
            row.paired_against = baseline
            row.paired = paired_intervals(row.document_counts, rows[baseline].document_counts, settings)
