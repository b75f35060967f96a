"""SFT examples for stage 1 (chunk -> `{"statements": [...]}`) and their mixture with the parse examples.

One adapter learns both stages, as in the published recipe: the extract examples are the chunks of gold articles,
cut exactly as inference cuts them, each answered with the gold statements that lie whole inside it (copied from
the chunk, so verbatim by construction) or with `{"statements": []}`. A statement that a boundary cuts is not an
answer for either half: the overlap puts it whole in a neighbouring chunk, and at inference the halves a model may
still copy are merged with it (`article.kept_statements`).
"""

from __future__ import annotations

import random
from collections import Counter

from sciextract.tasks.funding.article import empty_chunk_room, extract_prompt, gold_chunks, render_statements


def extract_examples(articles: list[dict], tokenizer, *, chunk_tokens: int, chunk_overlap: int,
                     max_tokens: int | None = None) -> tuple[list[dict], Counter]:
    """Conversational prompt-completion examples, one per chunk of every gold article, and counts: `chunks`,
    `with_statements`, `statements`, `too_long` (examples over `max_tokens` chat tokens, dropped: SFT would cut
    their answer off) and `unlocated_articles` (a gold statement not found in the article text: the article is left
    out, since its chunks would be answered as holding no funding)."""
    examples, counts = [], Counter(chunks=0, with_statements=0, statements=0, too_long=0, unlocated_articles=0)
    for gold in gold_chunks(articles, tokenizer, chunk_tokens, chunk_overlap, counts):
        chunk = gold.chunk
        inside = [gold.text[start:end] for start, end in gold.places if chunk.start <= start and end <= chunk.end]
        example = {"prompt": extract_prompt(chunk.text),
                   "completion": [{"role": "assistant", "content": render_statements(inside)}]}
        if max_tokens is not None and _chat_tokens(tokenizer, example) > max_tokens:
            counts["too_long"] += 1
            continue
        examples.append(example)
        counts["chunks"] += 1
        counts["with_statements"] += bool(inside)
        counts["statements"] += len(inside)
    return examples, counts


def _chat_tokens(tokenizer, example: dict) -> int:
    return len(tokenizer.apply_chat_template(example["prompt"] + example["completion"], tokenize=True))


def sft_mixture(parse_examples: list[dict], extract: list[dict], extract_fraction: float, seed: int,
                empty_chunk_share: float | None = None) -> list[dict]:
    """Parse and extract examples shuffled together, extract examples making up `extract_fraction` of the result
    (all parse examples are kept; the extract ones a seeded sample, all of them when there are too few), at most
    `empty_chunk_share` of those answered `{"statements": []}` (the chunks holding a statement come first; None: as
    many as the chunks give)."""
    if not 0.0 <= extract_fraction < 1.0:
        raise ValueError(f"extract_fraction must lie in [0, 1), got {extract_fraction}")
    rng = random.Random(f"sciextract-funding-sft-mixture:{seed}")
    wanted = round(len(parse_examples) * extract_fraction / (1.0 - extract_fraction))
    nothing_found = render_statements([])
    empty = [example for example in extract if example["completion"][0]["content"] == nothing_found]
    found = [example for example in extract if example["completion"][0]["content"] != nothing_found]
    found = rng.sample(found, min(wanted, len(found)))
    room = wanted - len(found)
    if empty_chunk_share is not None:
        room = min(room, empty_chunk_room(len(found), empty_chunk_share))
    mixed = parse_examples + found + rng.sample(empty, min(room, len(empty)))
    rng.shuffle(mixed)
    return mixed
