"""Stable, content-addressed train/eval splits: identical texts always land in the same split."""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Callable, Iterable

SPLITS = ("sft", "rl", "test")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def normalize_for_split(text: str) -> str:
    """Fold case, Unicode compatibility forms, invisible characters and whitespace.

    Two statements that differ only in such details are the same statement for leakage purposes.
    """
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    return " ".join(text.lower().split())


def split_of(text: str, ratios: dict[str, float]) -> str:
    """The split a text belongs to: a hash of its normalised form mapped onto the cumulative ratios."""
    digest = hashlib.sha256(normalize_for_split(text).encode("utf-8")).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    total = sum(ratios.values())
    cumulative = 0.0
    for name, share in ratios.items():
        cumulative += share / total
        if point < cumulative:
            return name
    return next(reversed(ratios))


def assign_splits(records: Iterable[dict], key: Callable[[dict], str], ratios: dict[str, float]) -> dict[str, list[dict]]:
    if not ratios or not all(math.isfinite(share) and share >= 0 for share in ratios.values()) \
            or sum(ratios.values()) <= 0:
        raise ValueError(f"split ratios must be non-negative and sum to more than 0, got {ratios}")
    out: dict[str, list[dict]] = {name: [] for name in ratios}
    for record in records:
        out[split_of(key(record), ratios)].append(record)
    return out


def cross_split_overlap(splits: dict[str, list[dict]], key: Callable[[dict], str]) -> dict[str, int]:
    """Number of normalised texts shared by each pair of splits (all zero by construction; verified anyway)."""
    seen = {name: {normalize_for_split(key(r)) for r in rows} for name, rows in splits.items()}
    names = list(seen)
    return {f"{a}/{b}": len(seen[a] & seen[b]) for i, a in enumerate(names) for b in names[i + 1:]}
