"""Text normalization applied before any comparison, so that encoding noise never costs a match.

Funder names, funding schemes and award titles go through `normalize_text`; award ids go through the
stricter `normalize_award_id`. Case is kept in names and texts on purpose: rapidfuzz 3 scorers are
case-sensitive and the similarity rules (acronyms) rely on capitals.
"""

from __future__ import annotations

import re
from functools import lru_cache

import ftfy

# Curly quotes, including the low-9 and reversed-9 forms (the same ranges ftfy straightens).
_STRAIGHT_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
})
_DROPPED_CHARACTERS = re.compile(r"[\u22c6\u2022*]")  # ⋆ • * (footnote and bullet marks)
_WHITESPACE = re.compile(r"\s+")
_BACKSLASH_BEFORE_LOWERCASE = re.compile(r"\\(?=[a-z])")  # LaTeX leftovers: \alpha -> alpha
_AWARD_ID_NOISE = re.compile(r"[\s\-/]")


@lru_cache(maxsize=1 << 16)
def normalize_text(text: str) -> str:
    """Fix mojibake (ftfy), straighten quotes, drop ⋆ • *, collapse whitespace, drop `\\` before a-z.

    Cached: the same funder names recur across documents and reward rollouts, and ftfy is the slow part.
    """
    text = ftfy.fix_text(text).translate(_STRAIGHT_QUOTES)
    text = _DROPPED_CHARACTERS.sub("", text)
    text = _WHITESPACE.sub(" ", text).strip()
    return _BACKSLASH_BEFORE_LOWERCASE.sub("", text)


def normalize_award_id(award_id: str) -> str:
    """Upper-case and remove whitespace, `-` and `/`, so "ab-12 / 3" and "AB123" are the same id."""
    return _AWARD_ID_NOISE.sub("", award_id.upper())
