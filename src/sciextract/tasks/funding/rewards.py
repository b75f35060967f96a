"""The funding GRPO reward: funder F0.5, award-id F0.5 and a flat award-id F0.5 per completion.

The components use the evaluator's matching (`score.py`), with soft credit for ids one edit apart, so the
policy is paid for what the evaluator counts and a little for near misses.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sciextract.config import FundingEvalSettings
from sciextract.scoring.fbeta import fbeta
from sciextract.tasks.base import RewardFunction, completion_text
from sciextract.tasks.funding.parse import parse_funders
from sciextract.tasks.funding.score import (
    DEFAULT_SETTINGS,
    count_ids,
    document_ids,
    matched_ids,
    pair_groups,
    prepare_side,
)

DEFAULT_REWARD_WEIGHTS = {"funder_f05": 0.50, "award_f05": 0.40, "flat_award_f05": 0.10}


def funding_reward_components(pred_funders: list[dict] | None, gold_funders: list[dict],
                              settings: FundingEvalSettings = DEFAULT_SETTINGS, *, w_funder: float = 0.50,
                              w_award: float = 0.40, w_flat: float = 0.10) -> dict[str, float]:
    """The GRPO reward of one prediction and its parts: funder F0.5, award-id F0.5, flat award-id F0.5.

    Same matching as `score_document`, but award ids one edit apart (both >= 6 characters) earn 0.5 after
    exact matches, and the flat term pools all distinct ids of the document regardless of funder. A level
    with no gold and no prediction scores 1.0, so an empty answer to empty gold earns 1.0. An unreadable
    answer (`pred_funders` None) earns 0.0 on every part, even against empty gold: it is never rewarded.
    With the default weights (sum 1) the reward lies in [0, 1].
    """
    if pred_funders is None:
        return {"funder_f05": 0.0, "award_f05": 0.0, "flat_award_f05": 0.0, "reward": 0.0}
    gold, pred = prepare_side(gold_funders, settings), prepare_side(pred_funders, settings)
    funder_counts, pairs = pair_groups(gold, pred, settings)
    award_counts = count_ids(pairs, soft=True)
    gold_flat, pred_flat = document_ids(gold), document_ids(pred)
    components = {
        "funder_f05": fbeta(funder_counts.matched, funder_counts.gold, funder_counts.pred, 0.5),
        "award_f05": fbeta(award_counts.matched, award_counts.gold, award_counts.pred, 0.5),
        "flat_award_f05": fbeta(matched_ids(gold_flat, pred_flat, soft=True), len(gold_flat), len(pred_flat), 0.5),
    }
    components["reward"] = (w_funder * components["funder_f05"] + w_award * components["award_f05"]
                            + w_flat * components["flat_award_f05"])
    return components


def funding_reward(pred_funders: list[dict] | None, gold_funders: list[dict],
                   settings: FundingEvalSettings = DEFAULT_SETTINGS, *, w_funder: float = 0.50,
                   w_award: float = 0.40, w_flat: float = 0.10) -> float:
    """Scalar GRPO reward; see `funding_reward_components`."""
    return funding_reward_components(pred_funders, gold_funders, settings,
                                     w_funder=w_funder, w_award=w_award, w_flat=w_flat)["reward"]


@lru_cache(maxsize=4096)
def _reward_components(completion: str, gold_json: str) -> dict[str, float]:
    """One scoring per (completion, gold) shared by the component functions of a batch."""
    parsed = parse_funders(completion)
    return funding_reward_components(None if parsed.failed else parsed.value, json.loads(gold_json))


def component_reward(name: str) -> RewardFunction:
    """The TRL reward function of one component, reading the gold from the `gold_funders` column."""
    def reward(prompts: list, completions: list, gold_funders: list[str], **_: Any) -> list[float]:
        return [_reward_components(completion_text(c), gold)[name] for c, gold in zip(completions, gold_funders, strict=True)]

    reward.__name__ = name
    return reward
