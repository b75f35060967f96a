"""Bootstrap confidence intervals over documents for micro-averaged metrics.

A micro metric is a function of counts summed over documents (matched, gold, pred, ...), so the
resampling unit is the document: draw documents with replacement, sum each count over the draw,
recompute the metric. A task only describes its per-document counts and a metric over summed counts;
every metric of one call sees the same resamples, so intervals of related metrics stay consistent.
The intervals are percentile intervals of the resampled metric.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

SummedMetric = Callable[[Mapping[str, float]], float]
"""A metric over counts summed across documents, e.g. `lambda c: prf(c["matched"], c["gold"], c["pred"])["f1"]`."""

_CHUNK_ELEMENTS = 1 << 22
"""Resample-by-document multiplicities held in memory at once (32 MiB of int64)."""


@dataclass(frozen=True)
class Interval:
    """A metric on all documents and its bootstrap interval."""

    estimate: float
    low: float
    high: float


def resampled_sums(counts: np.ndarray, samples: int, seed: int) -> np.ndarray:
    """Column sums of `counts` (documents x counts) over `samples` resamples of the documents.

    Each resample is a vector of document multiplicities (how often each document was drawn), so a
    whole chunk of resamples is one matrix product; chunks bound the memory for large sets.
    """
    documents = counts.shape[0]
    rng = np.random.default_rng(seed)
    per_chunk = max(1, _CHUNK_ELEMENTS // documents)
    sums = np.empty((samples, counts.shape[1]), dtype=np.float64)
    for start in range(0, samples, per_chunk):
        size = min(per_chunk, samples - start)
        draws = rng.integers(0, documents, size=(size, documents))
        draws += np.arange(size)[:, None] * documents  # one bin range per resample
        multiplicity = np.bincount(draws.ravel(), minlength=size * documents).reshape(size, documents)
        sums[start:start + size] = multiplicity @ counts
    return sums


def bootstrap_intervals(counts: Mapping[str, Sequence[float]], metrics: Mapping[str, SummedMetric], *,
                        samples: int, seed: int, confidence: float = 0.95) -> dict[str, Interval]:
    """Percentile intervals of each metric over document resamples, by metric name.

    `counts` maps a count name to its per-document values (all of one length, one entry per document);
    each metric receives a mapping of count name to the sum over one resample.
    """
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    names = list(counts)
    if not names:
        raise ValueError("no counts to resample")
    matrix = np.column_stack([np.asarray(counts[name], dtype=np.float64) for name in names])
    if matrix.shape[0] == 0:
        raise ValueError("no documents to resample")
    totals = dict(zip(names, matrix.sum(axis=0).tolist()))
    resamples = [dict(zip(names, row)) for row in resampled_sums(matrix, samples, seed).tolist()]
    tail = (1 - confidence) / 2
    intervals = {}
    for metric_name, metric in metrics.items():
        values = np.fromiter((metric(sums) for sums in resamples), dtype=np.float64, count=samples)
        low, high = np.quantile(values, [tail, 1 - tail])
        intervals[metric_name] = Interval(estimate=metric(totals), low=float(low), high=float(high))
    return intervals
