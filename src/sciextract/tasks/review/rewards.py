"""The review GRPO reward: the evaluator's semantic F1 of each completion, and a penalty for unreadable output."""

from __future__ import annotations

import json
from typing import Any

from sciextract.config import ReviewEvalSettings
from sciextract.scoring.fbeta import prf
from sciextract.tasks.base import RewardFunction, completion_text
from sciextract.tasks.review.encoder import embed_texts, load_encoder
from sciextract.tasks.review.parse import parse_concerns
from sciextract.tasks.review.postprocess import concern_texts, postprocess
from sciextract.tasks.review.score import match_concerns

DEFAULT_REWARD_WEIGHTS = {"semantic_f1": 1.0, "unreadable_penalty": 0.5}
"""`semantic_f1`: the evaluator's F1 of one output against its article's human concerns (0 if unreadable);
`unreadable_penalty`: -1 for output the parser cannot read, else 0."""


def semantic_f1_reward(settings: ReviewEvalSettings) -> RewardFunction:
    def semantic_f1(prompts: list, completions: list, gold_concerns: list[str], **_: Any) -> list[float]:
        """The evaluator's F1 per completion: same encoder, threshold, dedup and cap; unreadable output scores 0."""
        parses = [parse_concerns(completion_text(c)) for c in completions]
        golds = [json.loads(gold) for gold in gold_concerns]
        encoder = load_encoder(settings.encoder, settings.encoder_revision)  # cached: loaded once per process
        table = embed_texts(encoder, [text for parse in parses for text in concern_texts(parse.value)]
                            + [text for gold in golds for text in concern_texts(gold)], settings.encode_batch_size)
        rewards = []
        for parse, gold in zip(parses, golds, strict=True):
            if parse.failed:
                rewards.append(0.0)
                continue
            final = postprocess(parse.value, settings, table).concerns
            match = match_concerns(table.lookup(concern_texts(final)), table.lookup(concern_texts(gold)), settings.threshold)
            rewards.append(prf(len(match.pairs), len(gold), len(final))["f1"])
        return rewards

    return semantic_f1


def unreadable_penalty(prompts: list, completions: list, **_: Any) -> list[float]:
    return [-1.0 if parse_concerns(completion_text(c)).failed else 0.0 for c in completions]
