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

from sciextract.config import FundingEvalSettings
from sciextract.scoring.assignment import assign
from sciextract.scoring.fbeta import Counts
from sciextract.tasks.funding.board import LEVELS
from sciextract.tasks.funding.fuzzy import name_similarity, similarity_matrix
from sciextract.tasks.funding.text import normalize_award_id, normalize_text

SOFT_ID_CREDIT = 0.5
SOFT_ID_MIN_LENGTH = 6


DEFAULT_SETTINGS = FundingEvalSettings()


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


def prepare_side(funders: list[dict], settings: FundingEvalSettings) -> _Side:
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


GroupPair = tuple[_Group | None, _Group | None]


def pair_groups(gold: _Side, pred: _Side, settings: FundingEvalSettings) -> tuple[Counts, list[GroupPair]]:
    """Funder-level counts and the (gold, pred) groups whose items are compared; None marks a missing side."""
    matches = assign(similarity_matrix(gold.names, pred.names, settings.mode), settings.funder_threshold)
    matched_gold = {i for i, _, _ in matches}
    matched_pred = {j for _, j, _ in matches}
    pairs: list[GroupPair] = [(gold.named[i], pred.named[j]) for i, j, _ in matches]
    pairs += [(group, None) for i, group in enumerate(gold.named) if i not in matched_gold]
    pairs += [(None, group) for j, group in enumerate(pred.named) if j not in matched_pred]
    if gold.unnamed is not None or pred.unnamed is not None:
        pairs.append((gold.unnamed, pred.unnamed))
    return Counts(len(gold.names), len(pred.names), len(matches)), pairs


def matched_ids(gold_ids: tuple[str, ...], pred_ids: tuple[str, ...], soft: bool) -> float:
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


def count_ids(pairs: list[GroupPair], soft: bool) -> Counts:
    counts = Counts()
    for gold, pred in pairs:
        counts.gold += len(gold.award_ids) if gold is not None else 0
        counts.pred += len(pred.award_ids) if pred is not None else 0
        if gold is not None and pred is not None:
            counts.matched += matched_ids(gold.award_ids, pred.award_ids, soft)
    return counts


def document_ids(side: _Side) -> tuple[str, ...]:
    """All distinct ids of one side, whatever funder (or the unnamed pool) they sit under."""
    groups = (*side.named, side.unnamed)
    return _distinct(i for group in groups if group is not None for i in group.award_ids)


def _count_texts(pairs: list[GroupPair], attribute: str, settings: FundingEvalSettings) -> Counts:
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


def score_document(gold: list[dict], pred: list[dict], settings: FundingEvalSettings = DEFAULT_SETTINGS) -> dict[str, Counts]:
    """Counts per level (`LEVELS`) for one document's canonical gold and predicted funders."""
    funder_counts, pairs = pair_groups(prepare_side(gold, settings), prepare_side(pred, settings), settings)
    return {
        "funder": funder_counts,
        "award_id": count_ids(pairs, soft=False),
        "scheme": _count_texts(pairs, "schemes", settings),
        "title": _count_texts(pairs, "titles", settings),
    }


def metrics_report(totals: dict[str, Counts], parse_failures: int, documents: int, stamp: dict) -> dict:
    """The aggregate JSON: micro-averaged metrics per level from summed counts, plus parse-failure stats."""
    return {
        "stamp": stamp,
        "metrics": {level: totals[level].scores() for level in LEVELS},
        "parse_failures": parse_failures,
        "parse_failure_rate": parse_failures / documents if documents else 0.0,
        "documents": documents,
    }


def score_documents(documents: Iterable[tuple[str, list[dict], list[dict] | None, bool]],
                    settings: FundingEvalSettings = DEFAULT_SETTINGS, stamp: dict | None = None) -> tuple[dict, list[dict]]:
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
