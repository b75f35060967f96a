"""Name similarity in [0, 1] under three modes, used for funder names and for schemes and titles.

All modes take already normalized strings (`normalize_text`) and use rapidfuzz 3 scorers, which are
case-sensitive and do no preprocessing. The rules are those of the published funding harness:

- strict: `token_sort_ratio / 100`.
- permissive: max of `partial_ratio(a, b)`, `partial_ratio(b, a)`, `token_sort_ratio`, `token_set_ratio`, / 100.
- balanced (default): 0.0 when either string is empty; otherwise `token_sort_ratio / 100`, raised so that an
  acronym or a shortened name still matches:
  * to 0.90 when the longer name holds a parenthetical whose stripped content is upper case
    (`str.isupper()`: "(NSF)", "(NIH/NCI)", "(ÖAW)") and at most 10 characters long, and whose
    `fuzz.ratio` with the shorter name, both upper-cased, is at least 90 ("National Science Foundation
    (NSF)" vs "NSF"); any parenthetical may qualify;
  * to 0.85 when every token of the shorter name is a token of the longer one and the shorter has at least
    45% of the longer's characters ("Wellcome Trust" vs "The Wellcome Trust"). Tokens: lower-cased, split on
    runs of whitespace, `/`, `-`, `,`; empty tokens dropped; a shorter name without tokens never qualifies.
  "Shorter" and "longer" compare character lengths; on a tie the first argument is the shorter.
The empty-string rule is balanced's only, as in the harness: strict and permissive keep rapidfuzz's own
answer (two empty strings 1.0, one empty string 0.0).

Scores of a pair are cached per mode: names and schemes recur across documents, reward rollouts and the
three modes every evaluation reports.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz

MODES = ("balanced", "permissive", "strict")  # the order reports list them in
ACRONYM_MAX_LENGTH = 10
ACRONYM_SCORE = 0.90
ACRONYM_MIN_RATIO = 90.0
SUBSET_SCORE = 0.85
SUBSET_MIN_LENGTH_SHARE = 0.45
_PARENTHETICAL = re.compile(r"\(([^)]+)\)")
_TOKEN_SEPARATORS = re.compile(r"[\s/\-,]+")
_CACHE_SIZE = 1 << 18


@lru_cache(maxsize=1 << 16)
def _tokens(name: str) -> frozenset[str]:
    return frozenset(token for token in _TOKEN_SEPARATORS.split(name.lower()) if token)


@lru_cache(maxsize=1 << 16)
def _acronyms(name: str) -> tuple[str, ...]:
    """Upper-cased acronyms of the parentheticals of `name` that read as acronyms (see the module docstring)."""
    stripped = (content.strip() for content in _PARENTHETICAL.findall(name))
    return tuple(content.upper() for content in stripped if content.isupper() and len(content) <= ACRONYM_MAX_LENGTH)


def _balanced(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    score = fuzz.token_sort_ratio(a, b) / 100
    if score >= ACRONYM_SCORE:
        return score  # no raise can change it
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    shorter_upper = shorter.upper()
    if any(fuzz.ratio(shorter_upper, acronym) >= ACRONYM_MIN_RATIO for acronym in _acronyms(longer)):
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


_SCORERS = {mode: lru_cache(maxsize=_CACHE_SIZE)(scorer)
            for mode, scorer in zip(MODES, (_balanced, _permissive, _strict), strict=True)}


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
