"""The funding answer format: reading any model output into funders, and the JSON SFT teaches."""

from __future__ import annotations

import json

from sciextract.io import answer_text, clean_text, first_json_answer
from sciextract.tasks.base import Parsed
from sciextract.tasks.funding.data import coerce_funders


def parse_funders(text: str | None) -> Parsed:
    """Read funders from any model output; never raises, in time linear in the text.

    Lone surrogates become U+FFFD; drops `<think>` blocks (an unterminated one hides everything after it),
    unwraps code fences, and decodes the first JSON value that reads as funders: an array, `{"funders": [...]}`,
    or a single funder object in nested or flat form, also nested inside another value. Anything else, including
    an answer cut off mid-JSON, is a parse failure with no funders.
    """
    if not text:
        return Parsed([], failed=True)
    funders = first_json_answer(answer_text(clean_text(text)), coerce_funders, stop_at_cut=True)
    return Parsed([], failed=True) if funders is None else Parsed(funders, failed=False)


def render_funders(funders: list[dict]) -> str:
    """The JSON the model is taught to emit: canonical funders, keys in schema order, empty award fields
    left out. The parser restores them, and the answers get a quarter shorter (164 -> 122 SmolLM2 tokens
    on average over the synthetic sft split), which every training step and every generation pays for."""
    slim = [{"funder_name": f["funder_name"], "awards": [{k: v for k, v in award.items() if v} for award in f["awards"]]}
            for f in funders]
    return json.dumps(slim, ensure_ascii=False)
