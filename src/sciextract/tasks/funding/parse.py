"""The funding answer format: reading any model output into funders, and the JSON SFT teaches."""

from __future__ import annotations

import json
import re

from sciextract.tasks.base import Parsed
from sciextract.tasks.funding.data import coerce_funders

_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.DOTALL)
_FENCED = re.compile(r"```[A-Za-z]*\s*(.*?)```", re.DOTALL)
_OPEN_FENCE = re.compile(r"^```[A-Za-z]*\s*")
_JSON_START = re.compile(r"[\[{]")


def parse_funders(text: str | None) -> Parsed:
    """Read funders from any model output; never raises.

    Drops `<think>` blocks (an unterminated one hides everything after it), unwraps code fences, and
    decodes the first JSON value that reads as funders: an array, `{"funders": [...]}`, or a single
    funder object in nested or flat form. Anything else, including an answer cut off mid-JSON, is a
    parse failure with no funders.
    """
    if not text:
        return Parsed([], failed=True)
    text = _THINK_BLOCK.sub("", text).split("<think>")[0]
    fenced = _FENCED.search(text)
    text = fenced.group(1) if fenced else _OPEN_FENCE.sub("", text.strip())
    text = text.strip()
    decoder = json.JSONDecoder()
    for match in _JSON_START.finditer(text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError as exc:
            if exc.pos >= len(text):
                break  # truncated: the values nested inside it are fragments, not the answer
            continue
        except (ValueError, RecursionError):  # over-long integers, absurd nesting
            continue
        funders = coerce_funders(value)
        if funders is not None:
            return Parsed(funders, failed=False)
    return Parsed([], failed=True)


def render_funders(funders: list[dict]) -> str:
    """The JSON the model is taught to emit: canonical funders, keys in schema order, empty award fields
    left out. The parser restores them, and the answers get a quarter shorter (158 -> 114 SmolLM2 tokens
    on average over the synthetic sft split), which every training step and every generation pays for."""
    slim = [{"funder_name": f["funder_name"], "awards": [{k: v for k, v in award.items() if v} for award in f["awards"]]}
            for f in funders]
    return json.dumps(slim, ensure_ascii=False)
