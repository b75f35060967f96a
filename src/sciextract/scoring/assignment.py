"""Thresholded optimal one-to-one assignment over any score matrix (fuzzy ratios, cosine similarities, ...)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment


def assign(scores: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """Pairs `(row, column, score)` of the best one-to-one assignment, keeping only scores >= `threshold`.

    Scores below the threshold are zeroed before `linear_sum_assignment(maximize=True)`, so a weak pair
    never displaces a strong one; an empty side gives no pairs.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2:
        raise ValueError(f"expected a 2-D score matrix, got shape {scores.shape}")
    if scores.size == 0:
        return []
    eligible = scores >= threshold
    rows, columns = linear_sum_assignment(np.where(eligible, scores, 0.0), maximize=True)
    return [(int(row), int(column), float(scores[row, column]))
            for row, column in zip(rows, columns) if eligible[row, column]]
