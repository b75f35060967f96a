"""GRPO on articles (`grpo_articles`): the stage-1 prompts of the rl articles, and how a rollout reaches stage 2.

Each rl article is chunked as inference chunks it, and a chunk becomes one prompt (the extract prompt) when its gold
is exact: it holds every gold statement of its article whole, so its gold is the article's funders, or it touches
none of them, so its gold is no funder. A chunk holding some of the statements, or part of one, is left out and
counted: article gold does not say which funders are whose. Chunks without a statement are sampled down to
`empty_chunk_share` of the prompts, as in the SFT mixture (three in four chunks hold none).

A rollout, one stage-1 answer, earns the final parse reward only: the statements it copied that occur in its chunk
are joined as stage 2 joins them, the policy parses them (train/grpo.py), and the task's statement reward scores
that parse against the chunk's gold. Keeping no statement stands for the answer "no funder", which earns the full
reward on a chunk without funding and nothing on a chunk with funding. Stage 1 thus gets credit only through the
funders its copies yield, never for the copying itself (a per-chunk extract reward taught the published model to
answer `{"statements": []}` everywhere).
"""

from __future__ import annotations

import random
from collections import Counter

from sciextract.tasks.base import ARTICLE_SOURCE_COLUMN, Task
from sciextract.tasks.funding.article import (empty_chunk_room, extract_prompt, gold_chunks, joined_statements,
                                              kept_statements)


def chunk_prompt_rows(task: Task, articles: list[dict], tokenizer, *, chunk_tokens: int, chunk_overlap: int,
                      empty_chunk_share: float, seed: int) -> tuple[list[dict], Counter]:
    """GRPO rows, one per chunk with exact gold (the extract prompt, the chunk in `ARTICLE_SOURCE_COLUMN`, the task's
    reward columns of the chunk's gold), in a seeded order, and counts: `chunks`, `with_funding`, `without_funding`
    (before sampling), `without_funding_kept`, `partial_chunks` (left out) and `unlocated_articles` (a gold
    statement not found in the article text: every chunk of it left out)."""
    counts = Counter(chunks=0, with_funding=0, without_funding=0, without_funding_kept=0, partial_chunks=0,
                     unlocated_articles=0)
    found, empty = [], []
    for gold in gold_chunks(articles, tokenizer, chunk_tokens, chunk_overlap, counts):
        chunk, places = gold.chunk, gold.places
        counts["chunks"] += 1
        inside = [(start, end) for start, end in places if chunk.start <= start and end <= chunk.end]
        touching = [(start, end) for start, end in places if start < chunk.end and end > chunk.start]
        if touching and len(inside) < len(places):
            counts["partial_chunks"] += 1
            continue
        record = {"funding_statement": joined_statements([gold.text[start:end] for start, end in inside]),
                  "funders": gold.article["funders"] if inside else []}
        row = {"prompt": extract_prompt(chunk.text), ARTICLE_SOURCE_COLUMN: chunk.text, **task.reward_columns(record)}
        (found if inside else empty).append(row)
    counts["with_funding"], counts["without_funding"] = len(found), len(empty)
    rng = random.Random(f"sciextract-funding-rl-chunks:{seed}")
    room = min(len(empty), empty_chunk_room(len(found), empty_chunk_share))
    rows = found + rng.sample(empty, room)
    counts["without_funding_kept"] = room
    rng.shuffle(rows)
    return rows, counts


def stage2_record(source: str, answer: str) -> dict | None:
    """The statement record stage 2 answers for one stage-1 `answer` on the chunk `source`: the statements it copied
    that occur in the chunk, merged and joined as for an article; None when it kept none."""
    statements = kept_statements(source, [answer]).statements
    return {"funding_statement": joined_statements(statements)} if statements else None
