"""The funding GRPO reward components: funder, award-id, flat award-id, scheme and title F0.5 per completion.

The components use the evaluator's matching (`score.py`, headline mode of the default settings), with soft
credit for award ids one edit apart, so the policy is paid for what the evaluator counts and a little for near
misses. The weighted total is not computed here: TRL, the sweep and `sciextract reward` weigh the components
with `train.rewards.weighted_totals` and the weights of params (`grpo.rewards.funding`, defaulting to
`DEFAULT_REWARD_WEIGHTS`).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sciextract.config import FundingEvalSettings
from sciextract.scoring.fbeta import Counts, fbeta
from sciextract.tasks.base import RewardFunction, completion_text
from sciextract.tasks.funding.parse import parse_funders
from sciextract.tasks.funding.score import (
    DEFAULT_SETTINGS,
    Side,
    count_ids,
    count_texts,
    matched_ids,
    merge_side,
    pair_groups,
    read_side,
)

DEFAULT_REWARD_WEIGHTS = {"funder_f05": 0.50, "award_f05": 0.40, "flat_award_f05": 0.10,
                          "scheme_f05": 0.0, "title_f05": 0.0}
"""Scheme and title are off by default; a profile turns them on under `grpo.rewards.funding`."""

_ZERO = dict.fromkeys(DEFAULT_REWARD_WEIGHTS, 0.0)


def _f05(counts: Counts) -> float:
    """F0.5 of one document's level; a level with no gold and no predicted item scores 1.0 (`fbeta`)."""
    return fbeta(counts.matched, counts.gold, counts.pred, 0.5)


def funding_reward_components(pred_funders: list[dict] | None, gold_funders: list[dict],
                              settings: FundingEvalSettings = DEFAULT_SETTINGS) -> dict[str, float]:
    """The reward components of one answer (`DEFAULT_REWARD_WEIGHTS` names them), each in [0, 1].

    - An unreadable answer (`pred_funders` None) earns 0.0 everywhere, even against empty gold. The published
      harness reads garbage as an empty answer, which earns 1.0 against empty gold; an output that cannot be
      read is never rewarded here.
    - An empty answer earns 0.0 everywhere against non-empty gold, whatever the gold holds (even funders
      without award ids), and 1.0 everywhere against empty gold.
    - Otherwise each component is the F0.5 of one level under the evaluator's matching, where award ids one
      edit apart (both >= 6 characters) earn 0.5 after exact matches. `flat_award_f05` pools every award id
      occurrence of the document, whatever funder (or the unnamed pool) it sits under. A level with no gold and
      no predicted item scores 1.0, except scheme and title: as soon as either side lists a funder, an empty
      scheme or title level takes funder F0.5 x award-id F0.5, so that absent optional fields never pay more
      than the funders and ids earn.
    """
    if pred_funders is None or (not pred_funders and gold_funders):
        return dict(_ZERO)
    mode, threshold = settings.mode, settings.funder_threshold
    gold = merge_side(read_side(gold_funders), mode, threshold)
    pred = merge_side(read_side(pred_funders), mode, threshold)
    funder_counts, pairs = pair_groups(gold, pred, mode, threshold)
    scheme_counts = count_texts(pairs, "schemes", mode, settings.text_threshold)
    title_counts = count_texts(pairs, "titles", mode, settings.text_threshold)
    gold_flat, pred_flat = _all_ids(gold), _all_ids(pred)
    flat_counts = Counts(len(gold_flat), len(pred_flat), matched_ids(gold_flat, pred_flat, soft=True))
    components = {
        "funder_f05": _f05(funder_counts),
        "award_f05": _f05(count_ids(pairs, soft=True)),
        "flat_award_f05": _f05(flat_counts),
        "scheme_f05": _f05(scheme_counts),
        "title_f05": _f05(title_counts),
    }
    if gold_funders or pred_funders:
        earned = components["funder_f05"] * components["award_f05"]
        for name, counts in (("scheme_f05", scheme_counts), ("title_f05", title_counts)):
            if counts.gold == 0 and counts.pred == 0:
                components[name] = earned
    return components


def _all_ids(side: Side) -> list[str]:
    """Every award id occurrence of one side, named funders and the unnamed pool alike."""
    groups = (*side.named, side.unnamed)
    return [i for group in groups if group is not None for i in group.award_ids]


@lru_cache(maxsize=4096)
def _reward_components(completion: str, gold_json: str) -> dict[str, float]:
    """One scoring per (completion, gold) shared by the component functions of a batch."""
    parsed = parse_funders(completion)
    return funding_reward_components(None if parsed.failed else parsed.value, json.loads(gold_json))


def component_reward(name: str) -> RewardFunction:
    """The TRL reward function of one component, reading the gold from the `gold_funders` column."""
    def reward(prompts: list, completions: list, gold_funders: list[str], **_: Any) -> list[float]:
        return [_reward_components(completion_text(completion), gold)[name]
                for completion, gold in zip(completions, gold_funders, strict=True)]

    reward.__name__ = name
    return reward
