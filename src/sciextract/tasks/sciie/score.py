"""SciIE evaluation under the SciER rules: exact-match micro P/R/F1 for entities (NER), relations (REL) and
typed relations (REL+), and the sampled metrics `oracle_best_at_k` and `avg_at_k`.

The rules, identical for every system:
- strings are compared exactly as the SciER files write them: case-sensitive, spacing as in the sentence, no
  normalisation of any kind (lenient matching of case and whitespace lives in the GRPO rewards only);
- per sentence, gold and predicted items are sets: a tuple listed twice counts once on either side;
- NER matches `(text, type)`; REL matches `(subject, relation, object)` on argument texts; REL+ also needs
  both argument types right. Gold argument types come from `rel_plus`. A predicted argument takes the type
  that the prediction's own entity list gives its text (the first listed, if the text is listed twice with
  different types); an argument missing from that list has no type, so the triple counts as predicted but
  cannot match under REL+. In the variants where entities are input (`re`, `re_plus`) the given entity
  list types the predicted triples;
- micro averages: tp, fp and fn summed over sentences, then `scoring.fbeta.prf` (an empty gold and an empty
  prediction over the whole set score 1.0);
- per relation type: the REL counts split by relation label;
- an unreadable answer (parse failure) is scored as an empty prediction, so its sentence's gold items all
  count as misses; failures are counted.
Levels a variant does not ask for are null: NER under `re`/`re_plus`, REL and REL+ under `ner`. The
`headline` level is the variant's own target (see `HEADLINE_LEVEL`), which sweeps and the leaderboard rank by.

Sampled metrics, from K sampled outputs per sentence (drawn by the evaluate stage, an unreadable sample
counting as an empty prediction); both are labelled `sampled` and neither is a model's greedy score:
- `oracle_best_at_k`: per sentence, the NER sample and the relation sample are chosen separately, each the
  sample with the highest sentence F1 against gold on its level (NER, and REL for relations; the earlier
  sample on ties), and the empty prediction when every sample scores 0 there. The relation sample brings its
  REL+ triples, typed as that sample is typed on its own. It looks at gold to choose, so it bounds what a
  perfect reranker of K samples could reach.
- `avg_at_k`: sample k of every sentence scored as one system (micro, as above), and the P/R/F-scores of the
  K systems averaged: the expected score of one sampled run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sciextract.scoring.fbeta import BETAS, Counts
from sciextract.tasks.sciie.board import LEVELS
from sciextract.tasks.sciie.data import RELATION_TYPES, split_typed_argument

METHOD = "exact-match-micro"
MATCHING = ("exact strings as the SciER files write them (case-sensitive, spacing as in the sentence, no "
            "normalisation); distinct tuples per sentence; tp/fp/fn summed over sentences; an unreadable answer "
            "scores as empty, its gold counted as misses")
"""The scoring rule every stamp names."""
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
        types.setdefault(text, entity_type)
    return types


def gold_items(record: dict) -> Items:
    typed = set()
    for subject, relation, obj in record["rel_plus"]:
        subject_text, subject_type = split_typed_argument(subject)
        object_text, object_type = split_typed_argument(obj)
        typed.add((subject_text, subject_type, relation, object_text, object_type))
    return Items(ner=frozenset((text, entity_type) for text, entity_type in record["ner"]),
                 rel=frozenset((s, r, o) for s, r, o in record["rel"]), rel_plus=frozenset(typed))


def predicted_items(record: dict, answer: dict) -> Items:
    """Items of a parsed answer `{"ner": [...], "rel": [...]}` for `record` (its variant decides the typing)."""
    typing_entities = record["ner"] if record["task_variant"] in ENTITIES_ARE_INPUT else answer["ner"]
    types = _entity_types(typing_entities)
    rel = frozenset((s, r, o) for s, r, o in answer["rel"])
    return Items(ner=frozenset((text, entity_type) for text, entity_type in answer["ner"]), rel=rel,
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


# -- sampled metrics ------------------------------------------------------------------------------

SCORE_NAMES = ("precision", "recall", *BETAS)


def _sample_items(records: Sequence[dict], samples_per_record: Sequence[Sequence[dict | None]]) -> list[list[Items]]:
    """Items of every sample (None: unreadable, scored as empty); every record needs the same K >= 1 samples."""
    if len(samples_per_record) != len(records):
        raise ValueError(f"{len(samples_per_record)} sample lists for {len(records)} records")
    sizes = {len(samples) for samples in samples_per_record}
    if len(sizes) != 1 or 0 in sizes:
        raise ValueError(f"every record needs the same number (>= 1) of samples, got sizes {sorted(sizes)}")
    return [[EMPTY if answer is None else predicted_items(record, answer) for answer in samples]
            for record, samples in zip(records, samples_per_record, strict=True)]


def _sampled_entry(samples_per_record: Sequence[Sequence[dict | None]], metrics: dict, *, oracle: bool) -> dict:
    """What every sampled metric reports besides its own details; `headline_f1` sits at the top so that
    MLflow logging (which flattens one level of `metrics`) records it."""
    return {"sampled": True, "oracle": oracle, "k": len(samples_per_record[0]), "headline_f1": metrics["headline"]["f1"],
            "unreadable_samples": sum(answer is None for samples in samples_per_record for answer in samples),
            "metrics": metrics}


def _best_sample(gold: Items, candidates: Sequence[Items], level: str) -> Items | None:
    """The candidate with the highest sentence F1 at `level` (the first of ties); None when every one scores 0."""
    best, best_f1 = None, 0.0
    for candidate in candidates:
        f1 = sentence_f1(gold, candidate, level)
        if f1 > best_f1:
            best, best_f1 = candidate, f1
    return best


def best_at_k(records: Sequence[dict], samples_per_record: Sequence[Sequence[dict | None]]) -> dict:
    """Oracle Best@K (see the module docstring): per sentence the best NER sample and, separately, the best
    relation sample by sentence F1 against gold, or the empty prediction where every sample scores 0.
    Samples are parsed answers, None for an unreadable one."""
    candidates = _sample_items(records, samples_per_record)
    levels = VARIANT_LEVELS[_variant_of(records)]
    chosen_levels = [level for level in ("ner", "rel") if level in levels]
    empty_choices = dict.fromkeys(chosen_levels, 0)
    chosen = []
    for record, items in zip(records, candidates, strict=True):
        gold = gold_items(record)
        picks = {level: _best_sample(gold, items, level) for level in chosen_levels}
        for level, pick in picks.items():
            empty_choices[level] += pick is None
        entities, relations = picks.get("ner") or EMPTY, picks.get("rel") or EMPTY
        chosen.append(Items(ner=entities.ner, rel=relations.rel, rel_plus=relations.rel_plus))
    report, _ = aggregate(records, chosen, [False] * len(records))
    return {**_sampled_entry(samples_per_record, report["metrics"], oracle=True),
            "selected_by": "per sentence, the sample with the best sentence NER F1 and, separately, the sample with "
                           "the best sentence REL F1 against gold; the empty prediction where every sample scores 0",
            "empty_choices": empty_choices}


def avg_at_k(records: Sequence[dict], samples_per_record: Sequence[Sequence[dict | None]]) -> dict:
    """Avg@K (see the module docstring): the mean over k of the micro P/R/F-scores of the system made of
    sample k of every sentence. Samples are parsed answers, None for an unreadable one."""
    candidates = _sample_items(records, samples_per_record)
    variant = _variant_of(records)
    k = len(candidates[0])
    systems = [aggregate(records, [items[index] for items in candidates], [False] * len(records))[0]["metrics"]
               for index in range(k)]
    metrics: dict = {level: {name: sum(system[level][name] for system in systems) / k for name in SCORE_NAMES}
                     if level in VARIANT_LEVELS[variant] else None for level in LEVELS}
    headline = HEADLINE_LEVEL[variant]
    metrics["headline"] = {"level": headline, **metrics[headline]}
    return {**_sampled_entry(samples_per_record, metrics, oracle=False),
            "averaged_over": "the K systems made of sample k of every sentence, each scored micro over sentences",
            "headline_f1_per_sample": [system["headline"]["f1"] for system in systems]}
