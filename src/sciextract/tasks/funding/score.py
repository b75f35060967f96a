"""Funding extraction scoring: per-document matching and micro-averaged metrics, in all three similarity modes.

The rules are those of the published funding harness, so that a count here is the count there. Per document
and per mode (`fuzzy.MODES`), on each side (gold, prediction) separately:
1. Items are counted as listed: every award id (`normalize_award_id`), scheme and title (`normalize_text`) of
   a funder counts once per occurrence, duplicates included, so "DMR-1" and "DMR1" under one funder are two
   gold ids. An item that normalizes to the empty string ("-" as an id, "*" as a scheme) is still a listed
   item and counts too; it matches what the harness lets it match: an empty id equals another empty id, and
   an empty scheme or title matches another one in strict and permissive mode (rapidfuzz scores two empty
   strings 1.0) but never in balanced mode (0.0). Null, empty and blank strings never reach the scorer: the
   canonical funder form (`data.py`) drops them when a file or an answer is read. The harness drops null and
   empty strings but keeps a blank one (" "), which it would count as an empty item: the one place, outside
   this module, where a count can differ.
2. Funders with a null name pool their awards into one unnamed group; it is scored for items only, never as
   a funder. "Named" means a non-null `funder_name`, even one that normalizes to the empty string.
3. Named funders merge in rounds (`merge_plan`): in each round the groups' names are compared pairwise with
   the mode's similarity, scores under `funder_threshold` are zeroed, and the optimal one-to-one assignment
   of the groups against themselves (`assign`, i.e. `linear_sum_assignment` on the negated matrix) gives the
   pairs; each assigned pair (i, j) with i < j at or above the threshold merges, i keeping its name and j's
   awards appended after its own, unless i or j already merged in this round. The new group list is the
   merged groups in the order their pairs were found, then the unmerged ones in their old order. Rounds
   repeat until one merges nothing.
4. Named gold funders are matched one-to-one to named predicted funders (`assign` over name similarity).
5. Inside each matched pair, and between the gold and predicted unnamed groups, items are compared: award
   ids exactly after normalization (a multiset intersection, which is what an optimal assignment of equal ids
   finds); schemes and titles fuzzily (`assign` at `text_threshold`).
6. Items under an unmatched funder (or an unpaired unnamed group) are misses (gold) or false alarms (pred).

Aggregation sums the counts over documents per mode and level. A level with no gold and no predicted item in
the whole set reports P = R = F = 0.0, as the harness does (`level_scores`); `scoring.fbeta`'s generic
convention (1.0) stays the reward's rule for an empty level of one document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, partial

import numpy as np
from rapidfuzz.distance import Levenshtein

from sciextract.config import FundingEvalSettings
from sciextract.scoring.assignment import assign
from sciextract.scoring.fbeta import BETAS, Counts
from sciextract.tasks.funding.board import LEVELS
from sciextract.tasks.funding.fuzzy import MODES, check_mode, name_similarity, similarity_matrix
from sciextract.tasks.funding.text import normalize_award_id, normalize_text

SOFT_ID_CREDIT = 0.5
SOFT_ID_MIN_LENGTH = 6

DEFAULT_SETTINGS = FundingEvalSettings()


@dataclass(frozen=True)
class Items:
    """Every listed item of one funder group, normalized, in the order the awards list them."""

    award_ids: tuple[str, ...] = ()
    schemes: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()

    def __add__(self, other: Items) -> Items:
        return Items(self.award_ids + other.award_ids, self.schemes + other.schemes, self.titles + other.titles)


def listed_items(awards: list[dict]) -> Items:
    return Items(
        award_ids=tuple(normalize_award_id(i) for award in awards for i in award["award_ids"]),
        schemes=tuple(normalize_text(s) for award in awards for s in award["funding_scheme"]),
        titles=tuple(normalize_text(t) for award in awards for t in award["award_title"]),
    )


@dataclass(frozen=True)
class Side:
    """One side of a document: named funders (normalized name and items, in order) and the unnamed pool."""

    names: tuple[str, ...]
    named: tuple[Items, ...]
    unnamed: Items | None
    """The pooled items of the null-named funders; None when the side has none."""


def read_side(funders: list[dict]) -> Side:
    """Normalize one side's canonical funders (step 1) and pool the unnamed ones (step 2); no merging yet, so
    the result serves every mode."""
    named = [funder for funder in funders if funder["funder_name"] is not None]
    unnamed = [award for funder in funders if funder["funder_name"] is None for award in funder["awards"]]
    has_unnamed = len(named) < len(funders)
    return Side(names=tuple(normalize_text(funder["funder_name"]) for funder in named),
                named=tuple(listed_items(funder["awards"]) for funder in named),
                unnamed=listed_items(unnamed) if has_unnamed else None)


Similarity = Callable[[str, str], float]
MergePlan = tuple[tuple[int, ...], ...]
"""Per merged group, the indices of the funders it joins, in the order their awards are concatenated; the
group keeps the name of its first funder."""


def merge_plan(names: tuple[str, ...], similarity: Similarity, threshold: float) -> MergePlan:
    """How the named funders of one side merge, in rounds of optimal pairings (step 3 of the module docstring).

    The assignment of the groups against themselves may pair a group with itself (the diagonal, score 0) or
    give both (i, j) and (j, i); only pairs with i < j at or above the threshold count.
    """
    groups: list[tuple[int, ...]] = [(index,) for index in range(len(names))]
    while len(groups) > 1:
        count = len(groups)
        scores = np.zeros((count, count))
        for i in range(count):
            for j in range(i + 1, count):
                scores[i, j] = scores[j, i] = similarity(names[groups[i][0]], names[groups[j][0]])
        if count == 2:  # the common case: two groups pair up exactly when their score is eligible
            pairs = [(0, 1, scores[0, 1])] if scores[0, 1] >= threshold else []
        else:
            pairs = assign(scores, threshold)
        merged: list[tuple[int, ...]] = []
        used: set[int] = set()
        for i, j, _ in pairs:
            if i < j and i not in used and j not in used:
                merged.append(groups[i] + groups[j])
                used.update((i, j))
        if not used:
            break
        groups = merged + [group for k, group in enumerate(groups) if k not in used]
    return tuple(groups)


@lru_cache(maxsize=1 << 16)
def _mode_merge_plan(names: tuple[str, ...], mode: str, threshold: float) -> MergePlan:
    """`merge_plan` under a mode's similarity, cached: the same funder lists recur across documents and rollouts."""
    return merge_plan(names, partial(name_similarity, mode=mode), threshold)


def merge_side(side: Side, mode: str, threshold: float) -> Side:
    """The side with its similar named funders merged under `mode`."""
    if len(side.names) < 2:
        return side
    plan = _mode_merge_plan(side.names, mode, threshold)
    return Side(names=tuple(side.names[group[0]] for group in plan),
                named=tuple(sum((side.named[index] for index in group[1:]), side.named[group[0]]) for group in plan),
                unnamed=side.unnamed)


def optimal_pairs(rows: tuple[str, ...], columns: tuple[str, ...], mode: str, threshold: float
                  ) -> list[tuple[int, int, float]]:
    """`assign` over the similarity matrix of `rows` x `columns`; an empty side or a single pair (most funder,
    scheme and title comparisons) is answered without building a matrix, with the same result."""
    if not rows or not columns:
        return []
    if len(rows) == 1 and len(columns) == 1:
        score = name_similarity(rows[0], columns[0], mode)
        return [(0, 0, score)] if score >= threshold else []
    return assign(similarity_matrix(list(rows), list(columns), mode), threshold)


GroupPair = tuple[Items | None, Items | None]


def pair_groups(gold: Side, pred: Side, mode: str, threshold: float) -> tuple[Counts, list[GroupPair]]:
    """Funder-level counts of two merged sides and the (gold, pred) groups whose items are compared; None marks
    a missing side."""
    matches = optimal_pairs(gold.names, pred.names, mode, threshold)
    matched_gold = {i for i, _, _ in matches}
    matched_pred = {j for _, j, _ in matches}
    pairs: list[GroupPair] = [(gold.named[i], pred.named[j]) for i, j, _ in matches]
    pairs += [(group, None) for i, group in enumerate(gold.named) if i not in matched_gold]
    pairs += [(None, group) for j, group in enumerate(pred.named) if j not in matched_pred]
    if gold.unnamed is not None or pred.unnamed is not None:
        pairs.append((gold.unnamed, pred.unnamed))
    return Counts(len(gold.names), len(pred.names), len(matches)), pairs


def _exact_matches(gold_ids: Iterable[str], pred_ids: Iterable[str]) -> tuple[int, list[str], list[str]]:
    """Equal ids paired one-to-one, each occurrence once (the multiset intersection, which is what an optimal
    assignment of equal ids finds), and the ids left over on each side; a merge of the sorted sides."""
    gold, pred = sorted(gold_ids), sorted(pred_ids)
    matched, i, j = 0, 0, 0
    gold_left: list[str] = []
    pred_left: list[str] = []
    while i < len(gold) and j < len(pred):
        if gold[i] == pred[j]:
            matched, i, j = matched + 1, i + 1, j + 1
        elif gold[i] < pred[j]:
            gold_left.append(gold[i])
            i += 1
        else:
            pred_left.append(pred[j])
            j += 1
    return matched, gold_left + gold[i:], pred_left + pred[j:]


def matched_ids(gold_ids: Iterable[str], pred_ids: Iterable[str], soft: bool) -> float:
    """Ids matched one-to-one: equal ids first; with `soft`, leftover ids one edit apart (both >= 6 characters)
    then earn 0.5 each, one-to-one."""
    matched, gold_left, pred_left = _exact_matches(gold_ids, pred_ids)
    if not soft:
        return matched
    gold_left = [i for i in gold_left if len(i) >= SOFT_ID_MIN_LENGTH]
    pred_left = [i for i in pred_left if len(i) >= SOFT_ID_MIN_LENGTH]
    if not gold_left or not pred_left:
        return matched
    one_edit = np.array([[Levenshtein.distance(g, p, score_cutoff=1) == 1 for p in pred_left] for g in gold_left],
                        dtype=np.float64)
    return matched + SOFT_ID_CREDIT * len(assign(one_edit, 1.0))


def count_ids(pairs: list[GroupPair], soft: bool) -> Counts:
    counts = Counts()
    for gold, pred in pairs:
        counts.gold += len(gold.award_ids) if gold is not None else 0
        counts.pred += len(pred.award_ids) if pred is not None else 0
        if gold is not None and pred is not None and gold.award_ids and pred.award_ids:
            counts.matched += matched_ids(gold.award_ids, pred.award_ids, soft)
    return counts


def count_texts(pairs: list[GroupPair], attribute: str, mode: str, threshold: float) -> Counts:
    """Counts of one text level (`schemes` or `titles`) over the group pairs."""
    counts = Counts()
    for gold, pred in pairs:
        gold_texts = getattr(gold, attribute) if gold is not None else ()
        pred_texts = getattr(pred, attribute) if pred is not None else ()
        counts.gold += len(gold_texts)
        counts.pred += len(pred_texts)
        counts.matched += len(optimal_pairs(gold_texts, pred_texts, mode, threshold))
    return counts


def count_levels(gold: Side, pred: Side, mode: str, settings: FundingEvalSettings) -> dict[str, Counts]:
    """Counts per level (`LEVELS`) of two read (unmerged) sides under one similarity mode."""
    gold, pred = merge_side(gold, mode, settings.funder_threshold), merge_side(pred, mode, settings.funder_threshold)
    funder_counts, pairs = pair_groups(gold, pred, mode, settings.funder_threshold)
    return {
        "funder": funder_counts,
        "award_id": count_ids(pairs, soft=False),
        "scheme": count_texts(pairs, "schemes", mode, settings.text_threshold),
        "title": count_texts(pairs, "titles", mode, settings.text_threshold),
    }


def score_document(gold: list[dict], pred: list[dict], settings: FundingEvalSettings = DEFAULT_SETTINGS
                   ) -> dict[str, dict[str, Counts]]:
    """Counts per mode and level for one document's canonical gold and predicted funders; the sides are
    normalized once for all modes."""
    gold_side, pred_side = read_side(gold), read_side(pred)
    return {mode: count_levels(gold_side, pred_side, mode, settings) for mode in MODES}


def level_scores(counts: Counts) -> dict[str, float]:
    """One level of the aggregate report: `prf` of the summed counts and the counts, except that a level with
    no gold and no predicted item scores P = R = F = 0.0, the evaluator's convention."""
    if counts.gold == 0 and counts.pred == 0:
        return {**dict.fromkeys(("precision", "recall", *BETAS), 0.0), **counts.as_dict()}
    return counts.scores()


def metrics_report(totals: dict[str, dict[str, Counts]], headline_mode: str, parse_failures: int, documents: int,
                   stamp: dict) -> dict:
    """The aggregate JSON: micro-averaged metrics per level of the headline mode (`metrics.<level>`, what gates
    and the board read) and of every mode (`metrics.by_mode.<mode>.<level>`), plus parse-failure stats."""
    by_mode = {mode: {level: level_scores(totals[mode][level]) for level in LEVELS} for mode in MODES}
    return {
        "stamp": stamp,
        "metrics": {**by_mode[headline_mode], "by_mode": by_mode},
        "parse_failures": parse_failures,
        "parse_failure_rate": parse_failures / documents if documents else 0.0,
        "documents": documents,
    }


def score_documents(documents: Iterable[tuple[str, list[dict], list[dict] | None, bool]],
                    settings: FundingEvalSettings = DEFAULT_SETTINGS, stamp: dict | None = None
                    ) -> tuple[dict, list[dict]]:
    """Score `(doc_id, gold, pred, parse_failed)` tuples; returns (aggregate report, per-document rows).

    A parse failure (flag set, or a None prediction) is scored as an empty prediction and counted. A
    per-document row holds the headline mode's counts at `<level>` and every mode's at `by_mode.<mode>.<level>`.
    """
    check_mode(settings.mode)
    totals = {mode: {level: Counts() for level in LEVELS} for mode in MODES}
    rows: list[dict] = []
    parse_failures = 0
    for doc_id, gold, pred, parse_failed in documents:
        failed = parse_failed or pred is None
        counts = score_document(gold, [] if failed else pred, settings)
        parse_failures += failed
        for mode in MODES:
            for level in LEVELS:
                totals[mode][level].add(counts[mode][level])
        by_mode = {mode: {level: counts[mode][level].as_dict() for level in LEVELS} for mode in MODES}
        rows.append({"id": doc_id, "parse_failed": failed, **by_mode[settings.mode], "by_mode": by_mode})
    return metrics_report(totals, settings.mode, parse_failures, len(rows), stamp or {}), rows
