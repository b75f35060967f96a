"""The SciIE answer format: reading `{"ner": [[text, type]], "rel": [[subject, relation, object]]}` out of any
model output, with or without the `<think>...</think><answer>...</answer>` frame."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from rapidfuzz import fuzz

from sciextract.io import clean_text, first_json_answer
from sciextract.tasks.base import Parsed

ANSWER_KEYS = {"ner": ("ner",), "re": ("rel",), "re_plus": ("rel",), "end2end": ("ner", "rel")}
"""The answer keys each task variant asks for."""

_REASONING_OPEN = re.compile(r"<(think|reasoning)>")


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
    """The answer in any model output, or None when unreadable; never raises, in time linear in the text.

    Lone surrogates become U+FFFD. Reads the `<answer>` block when there is one (an unterminated block runs to
    the end), else the text without its complete `<think>`/`<reasoning>` blocks, and decodes the first JSON
    object there that has the answer's shape (`coerce_answer`), also nested inside another object; code fences
    and prose around it do not matter.
    """
    if not text:
        return None
    text = clean_text(text)
    start = text.find("<answer>")
    if start >= 0:
        end = text.find("</answer>", start)
        body = text[start + len("<answer>"):end if end >= 0 else len(text)]
    else:
        body = without_reasoning(text)
    return first_json_answer(body, coerce_answer, openers="{")


def without_reasoning(text: str) -> str:
    """`text` without its complete `<think>...</think>` and `<reasoning>...</reasoning>` blocks (each up to the
    first matching close); an opening tag never closed stays in place."""
    last_close = {tag: text.rfind(f"</{tag}>") for tag in ("think", "reasoning")}
    kept, pos, search = [], 0, 0
    while (match := _REASONING_OPEN.search(text, search)) is not None:
        tag = match.group(1)
        if last_close[tag] < match.end():
            search = match.end()
            continue
        end = text.find(f"</{tag}>", match.end()) + len(f"</{tag}>")
        kept.append(text[pos:match.start()])
        pos = search = end
    kept.append(text[pos:])
    return "".join(kept)


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


GROUNDING_COUNTS = ("recased_spans", "unsupported_entities", "unsupported_relations")


def _as_written(text: str, sentence: str, lowered: str | None) -> str:
    """`text` as the sentence writes it: itself when the sentence holds it, else the sentence's span that equals it
    but for case (`lowered` is the lower-cased sentence, None when lower-casing changes its length)."""
    if text in sentence or lowered is None or len(text.lower()) != len(text):
        return text
    start = lowered.find(text.lower())
    return text if start < 0 else sentence[start:start + len(text)]


def ground_answer(parsed: Parsed, sentence: str, threshold: float) -> Parsed:
    """`parsed` with every entity text and relation argument copied as the sentence writes it, and without the
    entities whose text, and the relations whose subject or object, then match no span of `sentence` (rapidfuzz
    partial ratio, case kept, below `threshold` x 100; at 1.0 only verbatim copies stay). Re-cased strings and
    removals are counted in the notes (`GROUNDING_COUNTS`).

    SciER's entities are spans of their sentence and scoring is exact, so a text the sentence does not hold can
    never match: 44 of the 410 distinct entities of the CPU profile's SFT answers on SciER dev were such texts,
    about half of them the sentence's words in another case ("Sparse CNN" for "sparse CNN"). Re-casing those and
    dropping the rest at 1.0 raised NER F1 0.470 -> 0.512 (README, "Grounding")."""
    lowered = sentence.lower() if len(sentence.lower()) == len(sentence) else None
    notes = Counter(parsed.notes)
    kept: dict[str, list] = {}
    for key, copied, count in (("ner", (0,), "unsupported_entities"), ("rel", (0, 2), "unsupported_relations")):
        items = []
        for item in parsed.value.get(key, []):
            written = [_as_written(text, sentence, lowered) if index in copied else text
                       for index, text in enumerate(item)]
            if all(fuzz.partial_ratio(written[index], sentence) >= threshold * 100 for index in copied):
                notes["recased_spans"] += written != item
                items.append(written)
            else:
                notes[count] += 1
        kept[key] = items
    return Parsed({**parsed.value, **kept}, failed=parsed.failed, notes=notes)


def render_answer(answer: dict) -> str:
    """Compact JSON (no spaces after separators): about a tenth fewer tokens for the same answer."""
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
