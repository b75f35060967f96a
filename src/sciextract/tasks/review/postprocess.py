"""Review predictions between the parser and the scorer: dedup, then cap (`evaluate.review`).

Exact dedup (whitespace-collapsed, lower-cased text) by default, or embedding dedup (cosine >=
`dedup_threshold`), keeping the first of duplicates; then the first `max_concerns` concerns. The metrics
report how many concerns each step removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from sciextract.config import ReviewEvalSettings
from sciextract.tasks.review.data import normalize_concern_text
from sciextract.tasks.review.encoder import EmbeddingTable, cosine_similarities


def concern_texts(concerns: Iterable[dict]) -> list[str]:
    return [concern["text"] for concern in concerns]


# -- postprocessing -------------------------------------------------------------------------------

@dataclass
class Postprocessed:
    concerns: list[dict]
    after_dedup: int
    removed_by_dedup: int
    removed_by_cap: int


def dedup_exact(concerns: list[dict]) -> list[dict]:
    seen: set[str] = set()
    kept = []
    for concern in concerns:
        key = normalize_concern_text(concern["text"])
        if key not in seen:
            seen.add(key)
            kept.append(concern)
    return kept


def dedup_by_embedding(concerns: list[dict], embeddings: np.ndarray, threshold: float) -> list[dict]:
    """Keep a concern unless it is at least `threshold` similar to one kept before it."""
    similarities = cosine_similarities(embeddings, embeddings)
    kept: list[int] = []
    for index in range(len(concerns)):
        if not kept or similarities[index, kept].max() < threshold:
            kept.append(index)
    return [concerns[index] for index in kept]


def postprocess(concerns: list[dict], settings: ReviewEvalSettings, table: EmbeddingTable) -> Postprocessed:
    """Dedup, then cap; `table` must hold the concerns' embeddings when dedup is `embedding`."""
    if settings.dedup == "embedding":
        unique = dedup_by_embedding(concerns, table.lookup(concern_texts(concerns)), settings.dedup_threshold)
    else:
        unique = dedup_exact(concerns)
    capped = unique[: settings.max_concerns]
    return Postprocessed(capped, len(unique), len(concerns) - len(unique), len(unique) - len(capped))


