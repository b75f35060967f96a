"""Name similarity in [0, 1] under three modes, used for funder names and for schemes and titles.

All modes take already normalized strings (`normalize_text`) and use rapidfuzz 3 scorers, which are
case-sensitive and do no preprocessing.

- strict: `token_sort_ratio / 100`.
- permissive: max of `partial_ratio(a, b)`, `partial_ratio(b, a)`, `token_sort_ratio`, `token_set_ratio`, / 100.
- balanced (default): `token_sort_ratio / 100`, raised so that an acronym or a shortened name still matches:
  * to 0.90 when the longer name holds a parenthetical matching `ACRONYM_PATTERN` (1 to 10 characters,
    each an upper-case ASCII letter, a digit, `&`, `-` or `.`) whose `fuzz.ratio` with the upper-cased
    shorter name is at least 90 ("National Science Foundation (NSF)" vs "NSF"); any parenthetical may qualify;
  * to 0.85 when every token of the shorter name is a token of the longer one and the shorter has at least
    45% of the longer's characters ("Wellcome Trust" vs "The Wellcome Trust"). Tokens: lower-cased, split on
    runs of whitespace, `/`, `-`, `,`; empty tokens dropped; an empty shorter name never qualifies.
  "Longer" and "shorter" compare character lengths; on a tie the first argument is the longer.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz

MODES = ("strict", "balanced", "permissive")
ACRONYM_PATTERN = re.compile(r"\(([A-Z0-9&.\-]{1,10})\)")
ACRONYM_SCORE = 0.90
ACRONYM_MIN_RATIO = 90.0
SUBSET_SCORE = 0.85
SUBSET_MIN_LENGTH_SHARE = 0.45
_TOKEN_SEPARATORS = re.compile(r"[\s/\-,]+")


@lru_cache(maxsize=1 << 16)
def _tokens(name: str) -> frozenset[str]:
    return frozenset(token for token in _TOKEN_SEPARATORS.split(name.lower()) if token)


@lru_cache(maxsize=1 << 16)
def _acronyms(name: str) -> tuple[str, ...]:
    return tuple(ACRONYM_PATTERN.findall(name))


def _balanced(a: str, b: str) -> float:
    score = fuzz.token_sort_ratio(a, b) / 100
    if score >= ACRONYM_SCORE:
        return score  # no raise can change it
    longer, shorter = (a, b) if len(a) >= len(b) else (b, a)
    shorter_upper = shorter.upper()
    if any(fuzz.ratio(acronym, shorter_upper) >= ACRONYM_MIN_RATIO for acronym in _acronyms(longer)):
        return ACRONYM_SCORE
    if score >= SUBSET_SCORE:
        return score
    shorter_tokens = _tokens(shorter)
    if (shorter_tokens and shorter_tokens <= _tokens(longer)
            and len(shorter) / len(longer) >= SUBSET_MIN_LENGTH_SHARE):
        return SUBSET_SCORE
    return score


def _permissive(a: str, b: str) -> float:
    return max(fuzz.partial_ratio(a, b), fuzz.partial_ratio(b, a),
               fuzz.token_sort_ratio(a, b), fuzz.token_set_ratio(a, b)) / 100


def _strict(a: str, b: str) -> float:
    return fuzz.token_sort_ratio(a, b) / 100


_SCORERS = {"strict": _strict, "balanced": _balanced, "permissive": _permissive}


def check_mode(mode: str) -> None:
    """Fail early on a misspelt mode instead of deep inside a scoring loop."""
    if mode not in _SCORERS:
        raise ValueError(f"unknown similarity mode '{mode}': expected one of {', '.join(MODES)}")


def name_similarity(a: str, b: str, mode: str = "balanced") -> float:
    """Similarity of two normalized names in [0, 1] under `mode` (see the module docstring)."""
    check_mode(mode)
    return _SCORERS[mode](a, b)


def similarity_matrix(rows: list[str], columns: list[str], mode: str = "balanced") -> np.ndarray:
    """`name_similarity` of every row string against every column string, shape (len(rows), len(columns))."""
    check_mode(mode)
    scorer = _SCORERS[mode]
    scores = np.empty((len(rows), len(columns)), dtype=np.float64)
    for i, row in enumerate(rows):
        for j, column in enumerate(columns):
            scores[i, j] = scorer(row, column)
    return scores
