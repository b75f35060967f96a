"""SciIE evaluation: exact-match micro P/R/F1 for entities (NER), relations (REL) and typed relations (REL+).

The rules, identical for every system:
- strings are compared exactly after collapsing whitespace (case-sensitive, no other normalisation);
- per sentence, gold and predicted items are sets: a tuple listed twice counts once on either side;
- NER matches `(text, type)`; REL matches `(subject, relation, object)` on argument texts; REL+ also needs
  both argument types right. Gold argument types come from `rel_plus`. A predicted argument takes the type
  that the prediction's own entity list gives its text (the first listed, if the text is listed twice with
  different types); an argument missing from that list has no type, so the triple counts as predicted but
  cannot match under REL+. In the variants where entities are input (`re`, `re_plus`) the given entity
  list types the predicted triples;
- micro averages: counts summed over sentences, then `scoring.fbeta.prf` (an empty gold and an empty
  prediction score 1.0);
- per relation type: the REL counts split by relation label;
- a parse failure is scored as an empty prediction and counted.
Levels a variant does not ask for are null: NER under `re`/`re_plus`, REL and REL+ under `ner`. The
`headline` level is the variant's own target (see `HEADLINE_LEVEL`), which sweeps and the leaderboard rank by.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sciextract.scoring.fbeta import Counts
from sciextract.tasks.sciie.board import LEVELS
from sciextract.tasks.sciie.data import RELATION_TYPES, split_typed_argument
from sciextract.tasks.sciie.parse import clean

METHOD = "exact-match-micro"
VARIANT_LEVELS = {"ner": ("ner",), "re": ("rel", "rel_plus"), "re_plus": ("rel", "rel_plus"),
                  "end2end": ("ner", "rel", "rel_plus")}
HEADLINE_LEVEL = {"ner": "ner", "re": "rel", "re_plus": "rel_plus", "end2end": "rel_plus"}
"""End to end, REL+ is the strictest full measure: both entities found and typed, and the relation right."""
ENTITIES_ARE_INPUT = ("re", "re_plus")


@dataclass(frozen=True)
class Items:
    """The distinct items of one side of one sentence, per level."""

    ner: frozenset[tuple[str, str]]
    rel: frozenset[tuple[str, str, str]]
    rel_plus: frozenset[tuple[str, str | None, str, str, str | None]]


def _entity_types(ner: Sequence[Sequence[str]]) -> dict[str, str]:
    types: dict[str, str] = {}
    for text, entity_type in ner:
        types.setdefault(clean(text), entity_type)
    return types


def gold_items(record: dict) -> Items:
    typed = set()
    for subject, relation, obj in record["rel_plus"]:
        subject_text, subject_type = split_typed_argument(subject)
        object_text, object_type = split_typed_argument(obj)
        typed.add((clean(subject_text), subject_type, relation, clean(object_text), object_type))
    return Items(ner=frozenset((clean(text), entity_type) for text, entity_type in record["ner"]),
                 rel=frozenset((clean(s), r, clean(o)) for s, r, o in record["rel"]),
                 rel_plus=frozenset(typed))


def predicted_items(record: dict, answer: dict) -> Items:
    """Items of a parsed answer `{"ner": [...], "rel": [...]}` for `record` (its variant decides the typing)."""
    typing_entities = record["ner"] if record["task_variant"] in ENTITIES_ARE_INPUT else answer["ner"]
    types = _entity_types(typing_entities)
    rel = frozenset((clean(s), r, clean(o)) for s, r, o in answer["rel"])
    return Items(ner=frozenset((clean(text), entity_type) for text, entity_type in answer["ner"]), rel=rel,
                 rel_plus=frozenset((s, types.get(s), r, o, types.get(o)) for s, r, o in rel))


EMPTY = Items(frozenset(), frozenset(), frozenset())


def set_counts(gold: frozenset, pred: frozenset) -> Counts:
    return Counts(gold=len(gold), pred=len(pred), matched=len(gold & pred))


def level_counts(gold: Items, pred: Items, level: str) -> Counts:
    return set_counts(getattr(gold, level), getattr(pred, level))


def per_relation_counts(gold: Items, pred: Items) -> dict[str, Counts]:
    """REL counts of one sentence split by relation label (labels outside the nine count only in REL)."""
    return {relation: set_counts(frozenset(t for t in gold.rel if t[1] == relation),
                                 frozenset(t for t in pred.rel if t[1] == relation))
            for relation in RELATION_TYPES}


def sentence_f1(gold: Items, pred: Items, level: str) -> float:
    return level_counts(gold, pred, level).scores()["f1"]


def _variant_of(records: Sequence[dict]) -> str:
    variants = {r["task_variant"] for r in records}
    if len(variants) != 1:
        raise ValueError(f"records of one evaluation set must share one task variant, found {sorted(variants)}")
    return variants.pop()


def aggregate(records: Sequence[dict], predictions: Sequence[Items], failed: Sequence[bool]) -> tuple[dict, list[dict]]:
    """Micro metrics over sentences and the per-sentence count rows (for bootstrap intervals)."""
    variant = _variant_of(records)
    levels = VARIANT_LEVELS[variant]
    totals = {level: Counts() for level in levels}
    per_relation = {relation: Counts() for relation in RELATION_TYPES}
    rows = []
    for record, pred, parse_failed in zip(records, predictions, failed, strict=True):
        gold = gold_items(record)
        counts = {level: level_counts(gold, pred, level) for level in levels}
        for level in levels:
            totals[level].add(counts[level])
        if "rel" in levels:
            for relation, relation_counts in per_relation_counts(gold, pred).items():
                per_relation[relation].add(relation_counts)
        rows.append({"id": record["id"],
                     **{level: counts[level].as_dict() if level in counts else None for level in LEVELS},
                     "parse_failed": parse_failed})

    metrics: dict = {level: totals[level].scores() if level in levels else None for level in LEVELS}
    metrics["per_relation"] = {r: c.scores() for r, c in per_relation.items()} if "rel" in levels else None
    metrics["headline"] = {"level": HEADLINE_LEVEL[variant], **metrics[HEADLINE_LEVEL[variant]]}
    failures = sum(failed)
    return {"metrics": metrics, "parse_failures": failures,
            "parse_failure_rate": failures / len(records) if records else 0.0, "documents": len(records)}, rows


def best_at_k(records: Sequence[dict], samples_per_record: Sequence[Sequence[tuple[dict | None, bool]]]) -> dict:
    """Oracle Best@K: per sentence, the sample with the highest sentence F1 at the headline level, scored
    as above. It looks at the gold answer to choose, so it bounds what a perfect reranker of K samples
    could reach; it is never a model's score. Samples are `(parsed answer or None, parse_failed)`; ties go
    to the earlier sample."""
    if len(samples_per_record) != len(records):
        raise ValueError(f"{len(samples_per_record)} sample lists for {len(records)} records")
    sizes = {len(samples) for samples in samples_per_record}
    if len(sizes) != 1 or 0 in sizes:
        raise ValueError(f"every record needs the same number (>= 1) of samples, got sizes {sorted(sizes)}")
    level = HEADLINE_LEVEL[_variant_of(records)]
    chosen: list[Items] = []
    chosen_failed: list[bool] = []
    for record, samples in zip(records, samples_per_record, strict=True):
        gold = gold_items(record)
        candidates = [(EMPTY if failed or answer is None else predicted_items(record, answer), failed)
                      for answer, failed in samples]
        best = max(range(len(candidates)), key=lambda i: (sentence_f1(gold, candidates[i][0], level), -i))
        chosen.append(candidates[best][0])
        chosen_failed.append(candidates[best][1])
    report, _ = aggregate(records, chosen, chosen_failed)
    return {"k": sizes.pop(), "oracle": True, "selected_by": f"sentence {level} F1 against gold",
            "metrics": report["metrics"], "parse_failures": report["parse_failures"]}
