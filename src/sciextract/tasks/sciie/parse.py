"""The SciIE answer format: reading `{"ner": [[text, type]], "rel": [[subject, relation, object]]}` out of any
model output, with or without the `<think>...</think><answer>...</answer>` frame."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

ANSWER_KEYS = {"ner": ("ner",), "re": ("rel",), "re_plus": ("rel",), "end2end": ("ner", "rel")}
"""The answer keys each task variant asks for."""

_ANSWER_BLOCK = re.compile(r"<answer>(.*?)(?:</answer>|$)", re.DOTALL)
_REASONING_BLOCKS = re.compile(r"<(think|reasoning)>.*?</\1>", re.DOTALL)
_OBJECT_START = re.compile(r"\{")


def clean(text: str) -> str:
    return " ".join(text.split())


def coerce_answer(value: Any) -> dict | None:
    """`{"ner": [[text, type]], "rel": [[subject, relation, object]]}` with lists of strings, or None.

    A missing key is an empty list (a variant asks for one of them only); any other shape is unreadable.
    Labels are not checked here: an unknown type or relation is a wrong prediction, scored as such.
    """
    if not isinstance(value, dict) or not ({"ner", "rel"} & set(value)):
        return None
    answer = {}
    for key, size in (("ner", 2), ("rel", 3)):
        items = value.get(key, [])
        if not isinstance(items, list) or not all(
                isinstance(item, list) and len(item) == size and all(isinstance(s, str) for s in item) for item in items):
            return None
        answer[key] = [list(item) for item in items]
    return answer


def read_answer(text: str | None) -> dict | None:
    """The answer in any model output, or None when unreadable; never raises.

    Reads the `<answer>` block when there is one (an unterminated block runs to the end), else the text
    without its `<think>`/`<reasoning>` blocks, and decodes the first JSON object there that has the answer's
    shape (`coerce_answer`); code fences and prose around it do not matter.
    """
    if not text:
        return None
    block = _ANSWER_BLOCK.search(text)
    body = block.group(1) if block else _REASONING_BLOCKS.sub("", text)
    decoder = json.JSONDecoder()
    for match in _OBJECT_START.finditer(body):
        try:
            value, _ = decoder.raw_decode(body, match.start())
        except json.JSONDecodeError:
            continue
        answer = coerce_answer(value)
        if answer is not None:
            return answer
    return None


def distinct(items: Sequence[Sequence[str]]) -> list[list[str]]:
    """Items in first-seen order, each once (gold lists repeat an entity mentioned twice)."""
    seen: dict[tuple[str, ...], None] = {}
    for item in items:
        seen.setdefault(tuple(item), None)
    return [list(item) for item in seen]


def answer_for(record: dict) -> dict:
    """The gold answer of the record's variant, without repeated items."""
    keys = ANSWER_KEYS[record["task_variant"]]
    return {key: distinct(record[key]) for key in keys}


def render_answer(answer: dict) -> str:
    """Compact JSON (no spaces after separators): about a tenth fewer tokens for the same answer."""
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
