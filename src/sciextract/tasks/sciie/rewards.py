"""R2GRPO rewards for the SciIE task: four separate TRL reward functions, so MLflow logs each one.

Expected output: `<reasoning>...</reasoning>` (optional), then `<think>...</think>`, then
`<answer>{"ner": [...], "rel": [...]}</answer>`. Every function returns values in [0, 1]; the R2GRPO
magnitudes are the default weights (`grpo.rewards` overrides them by name), so the weighted total lies in
[0, 4]:
- `ner_match` (weight 1.0): 0.7 x exact-match F1 over distinct `(text, type)` + 0.3 x boundary overlap,
  the mean over gold entity texts of the best word-level Jaccard with any predicted entity text
  (case-folded words, type ignored: it rewards nearly right spans);
- `relation_f1` (weight 2.0): exact-match F1 over distinct `(subject, relation, object)`;
- `think_relevance` (weight 0.5, so at most 0.5 in total): credits inside the `<think>` block, see
  `think_relevance_value`;
- `answer_format` (weight 0.5): 1 when the whole output is the format above, else 0.
Conventions: gold and prediction are sets (a duplicate earns nothing and costs nothing). Nothing expected
and nothing predicted is perfect: an empty answer to empty gold earns 1 on `ner_match` and on
`relation_f1` (2 after weighting). Unreadable output earns 0 on both, even against empty gold. The gold is
the answer of the record's variant (`gold_answer` column), so under `ner` the relation gold is empty and
under `re`/`re_plus` the entity gold is empty.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sciextract.scoring.fbeta import prf
from sciextract.tasks.base import RewardFunction, completion_text
from sciextract.tasks.sciie.parse import clean, read_answer

DEFAULT_REWARD_WEIGHTS = {"ner_match": 1.0, "relation_f1": 2.0, "think_relevance": 0.5, "answer_format": 0.5}
EXACT_SHARE, BOUNDARY_SHARE = 0.7, 0.3

QUOTE_CREDIT, QUOTE_CAP, QUOTE_FULL_CREDIT_WORDS = 0.05, 0.3, 4
"""A quoted phrase found in the sentence earns 0.05 if it has at most 4 words, proportionally less if
longer (a quoted whole sentence earns almost nothing); quotes earn at most 0.3 together."""
RULE_CREDIT = 0.1
TRIPLE_CREDIT = 0.2
RULE_PATTERNS = {
    "implies": re.compile(r"\bimplies\b", re.IGNORECASE),
    "because": re.compile(r"\bbecause\b", re.IGNORECASE),
    # The atomic group settles on a line's first "pattern", so a line with many of them is read once.
    "pattern_suggests": re.compile(r"^(?>[^\n]*?\bpattern\b)[^\n]*?\bsuggests\b", re.IGNORECASE | re.MULTILINE),
    "step_marker": re.compile(r"\bstep\s*\d+", re.IGNORECASE),
}
_QUOTED = re.compile(r"\"([^\"\n]+)\"|\u201c([^\u201c\u201d\n]+)\u201d")
"""A quoted phrase on one line; a curly quote ends at the next curly quote of either kind, so a line of opening
quotes is read once."""
_SPACE = re.compile(r"\s*+")
_REASONING_THEN_THINK = re.compile(r"</reasoning>\s*+<think>")
_THINK_THEN_ANSWER = re.compile(r"</think>\s*+<answer>")


def _f1(gold: frozenset, pred: frozenset) -> float:
    return prf(len(gold & pred), len(gold), len(pred))["f1"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.lower().split())


def boundary_overlap(gold_texts: Iterable[str], pred_texts: Iterable[str]) -> float:
    """Mean over distinct gold texts of the best word-level Jaccard with any predicted text.

    No gold: 1.0 for no prediction, else 0.0 (the F1 convention)."""
    gold_words = {_words(t) for t in gold_texts}
    pred_words = {_words(t) for t in pred_texts}
    if not gold_words:
        return 0.0 if pred_words else 1.0
    return sum(max((len(g & p) / len(g | p) for p in pred_words), default=0.0) for g in gold_words) / len(gold_words)


def ner_match_value(pred_ner: list | None, gold_ner: list) -> float:
    if pred_ner is None:
        return 0.0
    gold = frozenset((clean(t), y) for t, y in gold_ner)
    pred = frozenset((clean(t), y) for t, y in pred_ner)
    return EXACT_SHARE * _f1(gold, pred) + BOUNDARY_SHARE * boundary_overlap({t for t, _ in gold}, {t for t, _ in pred})


def relation_f1_value(pred_rel: list | None, gold_rel: list) -> float:
    if pred_rel is None:
        return 0.0
    return _f1(frozenset((clean(s), r, clean(o)) for s, r, o in gold_rel),
               frozenset((clean(s), r, clean(o)) for s, r, o in pred_rel))


def think_relevance_value(text: str, sentence: str, gold_rel: list) -> float:
    """Credits inside the first complete `<think>` block (none: 0), capped at 1 in total:
    - each distinct quoted phrase ("..." or curly quotes) with a letter or digit that occurs in the
      sentence (whitespace collapsed): 0.05 x min(1, 4 / its words), at most 0.3 for all quotes;
    - each rule form stated at least once: "implies", "because", "pattern ... suggests" (on one line), a
      step marker ("Step 2"): 0.1 each;
    - each distinct gold triple whose subject, relation and object strings all appear: 0.2.
    """
    start = text.find("<think>")
    end = text.find("</think>", start + len("<think>")) if start >= 0 else -1
    if end < 0:
        return 0.0
    think = text[start + len("<think>"):end]
    body = clean(think)
    sentence = clean(sentence)
    phrases = {clean(a or b) for a, b in _QUOTED.findall(think)}
    quotes = sum(QUOTE_CREDIT * min(1.0, QUOTE_FULL_CREDIT_WORDS / len(p.split()))
                 for p in phrases if any(c.isalnum() for c in p) and p in sentence)
    rules = RULE_CREDIT * sum(bool(pattern.search(think)) for pattern in RULE_PATTERNS.values())
    triples = {(clean(s), r, clean(o)) for s, r, o in gold_rel}
    stated = TRIPLE_CREDIT * sum(all(part in body for part in triple) for triple in triples)
    return min(1.0, min(quotes, QUOTE_CAP) + rules + stated)


def answer_format_value(text: str) -> float:
    """1.0 when the whole output is `[<reasoning>...</reasoning>] <think>...</think> <answer>...</answer>` with only
    whitespace around and between the blocks (a block's inside may hold anything), else 0.0.

    Checked with one left-to-right search per link instead of a backtracking regex, which took quadratic time and
    more on long outputs: the earliest `</reasoning>`-`<think>` and `</think>`-`<answer>` links leave the most room
    for what follows, so the output has the format exactly when they exist and the text ends in a `</answer>`
    after the last one.
    """
    pos = _SPACE.match(text).end()
    if text.startswith("<reasoning>", pos):
        link = _REASONING_THEN_THINK.search(text, pos + len("<reasoning>"))
        if link is None:
            return 0.0
        pos = link.end()
    elif text.startswith("<think>", pos):
        pos += len("<think>")
    else:
        return 0.0
    link = _THINK_THEN_ANSWER.search(text, pos)
    end = len(text.rstrip())
    return 1.0 if link is not None and text.endswith("</answer>", 0, end) and end - len("</answer>") >= link.end() \
        else 0.0


@lru_cache(maxsize=8192)
def _components(text: str, gold_json: str, sentence: str) -> dict[str, float]:
    """All four values of one (completion, gold), computed once for the four functions of a batch."""
    gold = json.loads(gold_json)
    answer = read_answer(text)
    return {
        "ner_match": ner_match_value(None if answer is None else answer["ner"], gold["ner"]),
        "relation_f1": relation_f1_value(None if answer is None else answer["rel"], gold["rel"]),
        "think_relevance": think_relevance_value(text, sentence, gold["rel"]),
        "answer_format": answer_format_value(text),
    }


def _component_reward(name: str) -> RewardFunction:
    def reward(prompts: list, completions: list, gold_answer: list[str], sentence: list[str], **_: Any) -> list[float]:
        return [_components(completion_text(c), gold, s)[name]
                for c, gold, s in zip(completions, gold_answer, sentence, strict=True)]

    reward.__name__ = name
    return reward


def reward_functions(weights: dict[str, float]) -> tuple[list[RewardFunction], list[float]]:
    """The component functions for resolved `weights` (`Task.reward_weights`), in their order."""
    return [_component_reward(name) for name in weights], list(weights.values())
