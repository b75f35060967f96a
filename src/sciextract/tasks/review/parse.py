"""The review answer format: lenient reading of model output into concerns, and the JSON SFT teaches."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from sciextract.io import EmbeddedJson, answer_text, clean_text, read_array_items
from sciextract.tasks.base import Parsed
from sciextract.tasks.review.data import (
    CATEGORIES,
    FALLBACK_SEVERITY,
    PLAIN_STRING_CATEGORY,
    SEVERITIES,
    target_concern,
)

# -- lenient reading of model output --------------------------------------------------------------

PARSE_NOTES = ("missing_open_bracket", "truncated", "plain_strings", "unknown_category", "unknown_severity",
               "invalid_items")
"""What the parser repaired or dropped in one output, counted per output and summed in the metrics."""


def _label(value: Any, allowed: tuple[str, ...]) -> str | None:
    if not isinstance(value, str):
        return None
    label = re.sub(r"[\s\-]+", "_", value.strip().lower())
    return label if label in allowed else None


def coerce_concerns(items: list, notes: Counter | None = None) -> tuple[list[dict], Counter]:
    """Decoded JSON items as canonical concerns, tolerating what models get wrong, each repair counted.

    An object needs a non-empty `text` (or `concern_text`); an unknown or missing category becomes `other`,
    an unknown or missing severity `minor` (see FALLBACK_SEVERITY). A plain string is a concern of category
    `other` and severity `minor`. Anything else is dropped and counted as `invalid_items`.
    """
    notes = Counter() if notes is None else notes
    concerns = []
    for item in items:
        if isinstance(item, str) and item.strip():
            notes["plain_strings"] += 1
            concerns.append({"text": item.strip(), "category": PLAIN_STRING_CATEGORY, "severity": FALLBACK_SEVERITY})
            continue
        text = item.get("text", item.get("concern_text")) if isinstance(item, dict) else None
        if not isinstance(text, str) or not text.strip():
            notes["invalid_items"] += 1
            continue
        category = _label(item.get("category"), CATEGORIES)
        if category is None:
            notes["unknown_category"] += 1
        severity = _label(item.get("severity"), SEVERITIES)
        if severity is None:
            notes["unknown_severity"] += 1
        concerns.append({"text": text.strip(), "category": category or "other", "severity": severity or FALLBACK_SEVERITY})
    return concerns, notes


_ITEM_START = re.compile(r"\[(?=\s*+[\[{\"\-0-9tfnNI\]])|\{(?=[ \t\n\r]*+[\"}])")
"""A bracket whose first item could be read: any other stops at once (item-separating space is any space)."""


def parse_concerns(text: str | None) -> Parsed:
    """Read concerns from any model output; never raises, in time linear in the text.

    Lone surrogates become U+FFFD; drops `<think>` blocks and code fences, then reads the first JSON array of
    concern objects, recovering: an array whose leading `[` is missing, `{"concerns": [...]}`, plain string
    arrays, truncated output (the complete items are kept), unknown categories and severities (see
    `coerce_concerns`). An explicit `[]` is a valid empty answer; output with no readable concern is a parse
    failure. Each array is tried from its first item and from every item after a missing `[`; items a read
    found no concern in are not read again from a later start.
    """
    if not text:
        return Parsed([], failed=True)
    text = answer_text(clean_text(text))
    reader = EmbeddedJson(text)
    exhausted: set[int] = set()
    # A string array missing its `[` can only be told from prose when the output starts with the string.
    starts = ([0] if text.startswith('"') else []) + [match.start() for match in _ITEM_START.finditer(text)]
    for start in starts:
        if text[start] == "{":
            read = reader.read(start)
            if not read.ok:
                continue  # its items would stop at this very object
            if isinstance(read.value, dict) and isinstance(read.value.get("concerns"), list):
                concerns, notes = coerce_concerns(read.value["concerns"])
                return Parsed(concerns, failed=not concerns and bool(read.value["concerns"]), notes=notes)
        first, missing_bracket = (start + 1, 0) if text[start] == "[" else (start, 1)
        items, positions, closed, truncated, joined = read_array_items(reader, first, exhausted)
        if items or closed:
            concerns, notes = coerce_concerns(items, Counter(missing_open_bracket=missing_bracket))
            if joined and concerns:  # the part after the join decides the flags: read it all
                items, positions, closed, truncated, _ = read_array_items(reader, first)
                concerns, notes = coerce_concerns(items, Counter(missing_open_bracket=missing_bracket))
            if concerns or (closed and not items):
                notes["truncated"] += truncated
                return Parsed(concerns, failed=False, notes=+notes)
        exhausted.update(positions)
    return Parsed([], failed=True)


def render_concerns(concerns: list[dict]) -> str:
    """The JSON the model is taught to emit (the SFT target)."""
    return json.dumps([target_concern(c) for c in concerns], ensure_ascii=False)
