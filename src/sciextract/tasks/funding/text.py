"""Text normalization applied before any comparison, so that encoding noise never costs a match.

Funder names, funding schemes and award titles go through `normalize_text`; award ids go through the
stricter `normalize_award_id`. Both follow the published funding harness step for step, so a string means
the same thing here and there. Case is kept in names and texts on purpose: rapidfuzz 3 scorers are
case-sensitive and the similarity rules (acronyms) rely on capitals.
"""

from __future__ import annotations

import re
from functools import lru_cache

import ftfy

_TEX_QUOTES = (("``", '"'), ("''", '"'))  # LaTeX-style double quotes, opening and closing
_DROPPED_CHARACTERS = re.compile(r"[\u22c6\u2022*]")  # ⋆ • * (footnote and bullet marks)
_WHITESPACE = re.compile(r"\s+")
_BACKSLASH_BEFORE_LOWERCASE = re.compile(r"\\(?=[a-z])")  # LaTeX leftovers: \alpha -> alpha
_AWARD_ID_NOISE = re.compile(r"[\s\-/]")


@lru_cache(maxsize=1 << 16)
def normalize_text(text: str) -> str:
    """Fix mojibake and straighten curly quotes (ftfy), turn ``` `` ``` and `''` into `"`, drop ⋆ • *,
    collapse whitespace, drop `\\` before a-z.

    ftfy's quote straightening covers every curly quote (‘ ’ ‚ ‛ “ ” „ ‟ and ʼ), so the two-apostrophe
    rule also sees the `''` that ‘’ becomes. Cached: the same funder names recur across documents and
    reward rollouts, and ftfy is the slow part.
    """
    text = ftfy.fix_text(text)
    for quote, straight in _TEX_QUOTES:
        text = text.replace(quote, straight)
    text = _DROPPED_CHARACTERS.sub("", text)
    text = _WHITESPACE.sub(" ", text).strip()
    return _BACKSLASH_BEFORE_LOWERCASE.sub("", text)


@lru_cache(maxsize=1 << 16)
def normalize_award_id(award_id: str) -> str:
    """Upper-case and remove whitespace, `-` and `/`, so "ab-12 / 3" and "AB123" are the same id (cached: an id
    recurs in the gold and in every rollout of a GRPO group)."""
    return _AWARD_ID_NOISE.sub("", award_id.upper())
