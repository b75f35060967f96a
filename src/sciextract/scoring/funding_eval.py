"""Funding extraction scoring: per-document matching, micro-averaged metrics and the GRPO reward.

Per document, on each side (gold, prediction) separately:
1. Named funders whose normalized names are similar (>= `funder_threshold`) merge: pairs i < j are scanned
   in order, j merges into i (i keeps its name, j's awards are appended), until no pair merges.
2. Funders with a null name pool into one unnamed group; it is scored for award items only, never as a funder.
   "Named" means a non-null `funder_name`, even one that normalizes to the empty string.
3. Named gold funders are matched one-to-one to named predicted funders (`assign` over name similarity).
4. Inside each matched pair, and between the gold and predicted unnamed groups, items are compared:
   award ids exactly after `normalize_award_id`; schemes and titles fuzzily (`assign` at `text_threshold`).
   Each funder's items are deduplicated after normalization first, so a count is the number of distinct
   normalized items per funder; items that normalize to the empty string are dropped.
5. Items under an unmatched funder (or an unpaired unnamed group) are misses (gold) or false alarms (pred).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz.distance import Levenshtein

from sciextract.scoring.assignment import assign
from sciextract.scoring.fbeta import fbeta, prf
from sciextract.scoring.fuzzy import check_mode, name_similarity, similarity_matrix
from sciextract.scoring.text import normalize_award_id, normalize_text

LEVELS = ("funder", "award_id", "scheme", "title")
SOFT_ID_CREDIT = 0.5
SOFT_ID_MIN_LENGTH = 6


@dataclass(frozen=True)
class EvalSettings:
    """Similarity mode and the thresholds for funder names and for schemes/titles."""

    mode: str = "balanced"
    funder_threshold: float = 0.8
    text_threshold: float = 0.8

    def __post_init__(self) -> None:
        check_mode(self.mode)


DEFAULT_SETTINGS = EvalSettings()


@dataclass
class Counts:
    """Gold items, predicted items and matches at one level; `matched` is fractional only in the reward."""

    gold: int = 0
    pred: int = 0
    matched: float = 0

    def add(self, other: Counts) -> None:
        self.gold += other.gold
        self.pred += other.pred
        self.matched += other.matched

    def as_dict(self) -> dict[str, float]:
        return {"gold": self.gold, "pred": self.pred, "matched": self.matched}


@dataclass(frozen=True)
class _Group:
    """The distinct normalized items of one funder (or of the unnamed pool)."""

    award_ids: tuple[str, ...]
    schemes: tuple[str, ...]
    titles: tuple[str, ...]


@dataclass
class _Side:
    """One side of a document after merging: named funders (name + items) and the unnamed pool."""

    names: list[str] = field(default_factory=list)
    named: list[_Group] = field(default_factory=list)
    unnamed: _Group | None = None


def _distinct(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


def _group(awards: list[dict]) -> _Group:
    return _Group(
        award_ids=_distinct(normalize_award_id(i) for award in awards for i in award["award_ids"]),
        schemes=_distinct(normalize_text(s) for award in awards for s in award["funding_scheme"]),
        titles=_distinct(normalize_text(t) for award in awards for t in award["award_title"]),
    )


def _prepare(funders: list[dict], settings: EvalSettings) -> _Side:
    """Normalize names, merge similar named funders (step 1) and pool the unnamed ones (step 2)."""
    names: list[str] = []
    awards: list[list[dict]] = []
    unnamed_awards: list[dict] | None = None  # None: no unnamed funder on this side
    for funder in funders:
        if funder["funder_name"] is None:
            unnamed_awards = [*(unnamed_awards or []), *funder["awards"]]
        else:
            names.append(normalize_text(funder["funder_name"]))
            awards.append(list(funder["awards"]))
    # One ordered pass equals "merge the first similar pair (i < j), restart": names never change,
    # so every pair before the current one stays dissimilar.
    alive = [True] * len(names)
    for i in range(len(names)):
        if not alive[i]:
            continue
        for j in range(i + 1, len(names)):
            if alive[j] and name_similarity(names[i], names[j], settings.mode) >= settings.funder_threshold:
                awards[i].extend(awards[j])
                alive[j] = False
    side = _Side(unnamed=None if unnamed_awards is None else _group(unnamed_awards))
    for name, funder_awards, kept in zip(names, awards, alive):
        if kept:
            side.names.append(name)
            side.named.append(_group(funder_awards))
    return side


_GroupPair = tuple[_Group | None, _Group | None]


def _pair_groups(gold: _Side, pred: _Side, settings: EvalSettings) -> tuple[Counts, list[_GroupPair]]:
    """Funder-level counts and the (gold, pred) groups whose items are compared; None marks a missing side."""
    matches = assign(similarity_matrix(gold.names, pred.names, settings.mode), settings.funder_threshold)
    matched_gold = {i for i, _, _ in matches}
    matched_pred = {j for _, j, _ in matches}
    pairs: list[_GroupPair] = [(gold.named[i], pred.named[j]) for i, j, _ in matches]
    pairs += [(group, None) for i, group in enumerate(gold.named) if i not in matched_gold]
    pairs += [(None, group) for j, group in enumerate(pred.named) if j not in matched_pred]
    if gold.unnamed is not None or pred.unnamed is not None:
        pairs.append((gold.unnamed, pred.unnamed))
    return Counts(len(gold.names), len(pred.names), len(matches)), pairs


def _matched_ids(gold_ids: tuple[str, ...], pred_ids: tuple[str, ...], soft: bool) -> float:
    """Exact matches of distinct ids; with `soft`, leftover ids one edit apart (both >= 6 chars) earn 0.5 each."""
    exact = set(gold_ids).intersection(pred_ids)
    if not soft:
        return len(exact)
    gold_left = [i for i in gold_ids if i not in exact and len(i) >= SOFT_ID_MIN_LENGTH]
    pred_left = [i for i in pred_ids if i not in exact and len(i) >= SOFT_ID_MIN_LENGTH]
    if not gold_left or not pred_left:
        return len(exact)
    one_edit = np.array([[Levenshtein.distance(g, p, score_cutoff=1) == 1 for p in pred_left] for g in gold_left],
                        dtype=np.float64)
    return len(exact) + SOFT_ID_CREDIT * len(assign(one_edit, 1.0))


def _count_ids(pairs: list[_GroupPair], soft: bool) -> Counts:
    counts = Counts()
    for gold, pred in pairs:
        counts.gold += len(gold.award_ids) if gold is not None else 0
        counts.pred += len(pred.award_ids) if pred is not None else 0
        if gold is not None and pred is not None:
            counts.matched += _matched_ids(gold.award_ids, pred.award_ids, soft)
    return counts


def _document_ids(side: _Side) -> tuple[str, ...]:
    """All distinct ids of one side, whatever funder (or the unnamed pool) they sit under."""
    groups = (*side.named, side.unnamed)
    return _distinct(i for group in groups if group is not None for i in group.award_ids)


def _count_texts(pairs: list[_GroupPair], attribute: str, settings: EvalSettings) -> Counts:
    counts = Counts()
    for gold, pred in pairs:
        gold_texts = getattr(gold, attribute) if gold is not None else ()
        pred_texts = getattr(pred, attribute) if pred is not None else ()
        counts.gold += len(gold_texts)
        counts.pred += len(pred_texts)
        if gold_texts and pred_texts:
            scores = similarity_matrix(list(gold_texts), list(pred_texts), settings.mode)
            counts.matched += len(assign(scores, settings.text_threshold))
    return counts


def score_document(gold: list[dict], pred: list[dict], settings: EvalSettings = DEFAULT_SETTINGS) -> dict[str, Counts]:
    """Counts per level (`LEVELS`) for one document's canonical gold and predicted funders."""
    funder_counts, pairs = _pair_groups(_prepare(gold, settings), _prepare(pred, settings), settings)
    return {
        "funder": funder_counts,
        "award_id": _count_ids(pairs, soft=False),
        "scheme": _count_texts(pairs, "schemes", settings),
        "title": _count_texts(pairs, "titles", settings),
    }


def metrics_report(totals: dict[str, Counts], parse_failures: int, documents: int, stamp: dict) -> dict:
    """The aggregate JSON: micro-averaged metrics per level from summed counts, plus parse-failure stats."""
    return {
        "stamp": stamp,
        "metrics": {level: {**prf(totals[level].matched, totals[level].gold, totals[level].pred),
                            **totals[level].as_dict()} for level in LEVELS},
        "parse_failures": parse_failures,
        "parse_failure_rate": parse_failures / documents if documents else 0.0,
        "documents": documents,
    }


def score_documents(documents: Iterable[tuple[str, list[dict], list[dict] | None, bool]],
                    settings: EvalSettings = DEFAULT_SETTINGS, stamp: dict | None = None) -> tuple[dict, list[dict]]:
    """Score `(doc_id, gold, pred, parse_failed)` tuples; returns (aggregate report, per-document rows).

    A parse failure (flag set, or a None prediction) is scored as an empty prediction and counted.
    """
    totals = {level: Counts() for level in LEVELS}
    rows: list[dict] = []
    parse_failures = 0
    for doc_id, gold, pred, parse_failed in documents:
        failed = parse_failed or pred is None
        counts = score_document(gold, [] if failed else pred, settings)
        parse_failures += failed
        for level in LEVELS:
            totals[level].add(counts[level])
        rows.append({"id": doc_id, "parse_failed": failed, **{level: counts[level].as_dict() for level in LEVELS}})
    return metrics_report(totals, parse_failures, len(rows), stamp or {}), rows


def funding_reward_components(pred_funders: list[dict] | None, gold_funders: list[dict],
                              settings: EvalSettings = DEFAULT_SETTINGS, *, w_funder: float = 0.50,
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
    gold, pred = _prepare(gold_funders, settings), _prepare(pred_funders, settings)
    funder_counts, pairs = _pair_groups(gold, pred, settings)
    award_counts = _count_ids(pairs, soft=True)
    gold_flat, pred_flat = _document_ids(gold), _document_ids(pred)
    components = {
        "funder_f05": fbeta(funder_counts.matched, funder_counts.gold, funder_counts.pred, 0.5),
        "award_f05": fbeta(award_counts.matched, award_counts.gold, award_counts.pred, 0.5),
        "flat_award_f05": fbeta(_matched_ids(gold_flat, pred_flat, soft=True), len(gold_flat), len(pred_flat), 0.5),
    }
    components["reward"] = (w_funder * components["funder_f05"] + w_award * components["award_f05"]
                            + w_flat * components["flat_award_f05"])
    return components


def funding_reward(pred_funders: list[dict] | None, gold_funders: list[dict],
                   settings: EvalSettings = DEFAULT_SETTINGS, *, w_funder: float = 0.50,
                   w_award: float = 0.40, w_flat: float = 0.10) -> float:
    """Scalar GRPO reward; see `funding_reward_components`."""
    return funding_reward_components(pred_funders, gold_funders, settings,
                                     w_funder=w_funder, w_award=w_award, w_flat=w_flat)["reward"]
