"""SciIE task: one sentence of a paper -> its scientific entities and relations (SciER).

Variants (`data.sciie.variant`): `ner` (sentence -> typed entities), `re` (sentence + entities -> relations),
`re_plus` (sentence + typed entities -> relations), `end2end` (sentence -> entities and relations). The
answer is JSON `{"ner": [[text, type], ...], "rel": [[subject, relation, object], ...]}` holding the keys
the variant asks for. `prepare` writes the variant into every record (and the SFT format into the SFT
records), because the prompt, the SFT target, the reward gold and the scored levels all depend on it and
the stages hand the task nothing but records.

SFT targets (`data.sciie.sft_format`): `plain` is the bare JSON; `mimic` (MimicSFT) is a structured plan
with no real chain of thought, inside the `<think>` block GRPO expects, then the JSON in `<answer>`:

    <think><plan>
    Step 1 entities: "CNN" Method; "image classification" Task
    Step 2 pairs: 1 pair, 1 related
    Step 3 evidence: "is applied to"
    Step 4 patterns: "applied" implies Used-For
    Step 5 conclusion: 2 entities, 1 relation
    </plan></think>
    <answer>{"ner":[["CNN","Method"],["image classification","Task"]],"rel":[["CNN","Used-For","image classification"]]}</answer>

So the SFT model already writes R2GRPO's `<think>...</think><answer>...</answer>` and GRPO refines it
(the optional `<reasoning>` block is never taught). Both formats share one prompt, which asks for that
layout, so `plain` vs `mimic` changes the SFT target only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sciextract import paths
from sciextract.config import Config
from sciextract.decoding import Grammar
from sciextract.errors import InputError
from sciextract.io import published_together, sha256_file, sha256_json
from sciextract.splits import cross_split_overlap, normalize_for_split
from sciextract.tasks.base import Messages, Parsed, RewardFunction, Task, row_count
from sciextract.tasks.sciie.board import BOARD
from sciextract.tasks.sciie.data import ENTITY_TYPES, RELATION_TYPES, load_scier, sentence_hash
from sciextract.tasks.sciie.grammar import sciie_grammar
from sciextract.tasks.sciie.mimic import mimic_target
from sciextract.tasks.sciie.parse import (ANSWER_KEYS, GROUNDING_COUNTS, answer_for, coerce_answer, distinct,
                                          ground_answer, read_answer, render_answer)
from sciextract.tasks.sciie.rewards import DEFAULT_REWARD_WEIGHTS, reward_functions
from sciextract.tasks.sciie.rules import EntityLexicon, abbreviation_relations
from sciextract.tasks.sciie.score import (EMPTY, LEVELS, MATCHING, METHOD, aggregate, avg_at_k, best_at_k,
                                          predicted_items)

TRAIN_LABEL, DEV_LABEL = "SciER train", "SciER dev"

# The SciER annotation guideline's definitions, condensed for a 135M model's context and written in our own words
# (sources: the SciER paper, arXiv 2410.21155, and the Dataset/Method/Task guideline of SciDMT, the same group's
# earlier corpus). The argument types and directions are what the SciER train split annotates: e.g.
# Used-For is Method -> Task in 82% of its 2,398 triples, Synonym-Of puts the shorter name first in 96% of 880.
ENTITY_DEFINITIONS = {
    "Dataset": "a named corpus, benchmark or collection of data that methods are trained or tested on",
    "Method": "a named algorithm, model, architecture, network layer, loss or technique; not a metric, score, "
              "device or software platform",
    "Task": "a problem or application the work addresses, e.g. image classification",
}
SPAN_RULES = ("Copy each entity's name exactly as written, without determiners; skip generic or pronoun-like "
              "mentions (this task, our model, the dataset); an abbreviation is an entity of its own.")
RELATION_DEFINITIONS = {
    "Used-For": "a Method used for a Task or for another Method",
    "Part-Of": "a Method that is a component of another Method",
    "SubClass-Of": "a specific kind of a more general Method, Dataset or Task",
    "SubTask-Of": "a Task that is a step of a larger Task",
    "Synonym-Of": "an abbreviation or other name -> the name it stands for",
    "Compare-With": "two Methods (or Datasets, Tasks) compared with each other",
    "Evaluated-With": "a Method tested on a Dataset",
    "Trained-With": "a Method trained on a Dataset",
    "Benchmark-For": "a Dataset that is a benchmark for a Task",
}
ANSWER_SCHEMAS = {
    "ner": '{"ner": [[entity text, type], ...]}',
    "re": '{"rel": [[subject, relation, object], ...]} using only the given entities as subject and object',
    "re_plus": '{"rel": [[subject, relation, object], ...]} using only the given entities as subject and object',
    "end2end": '{"ner": [[entity text, type], ...], "rel": [[subject, relation, object], ...]}',
}


def system_prompt(variant: str) -> str:
    lines = ["You extract scientific entities and relations from one sentence of a research paper.",
             "Entity types:"]
    lines += [f"- {name}: {ENTITY_DEFINITIONS[name]}" for name in ENTITY_TYPES]
    lines.append(SPAN_RULES)
    if "rel" in ANSWER_KEYS[variant]:
        lines.append("Relations (subject -> object):")
        lines += [f"- {name}: {RELATION_DEFINITIONS[name]}" for name in RELATION_TYPES]
    lines.append(f"Think inside <think></think>, then give only JSON inside <answer></answer>: {ANSWER_SCHEMAS[variant]}")
    return "\n".join(lines)


def user_message(record: dict) -> str:
    text = f"Sentence: {record['sentence']}"
    variant = record["task_variant"]
    if variant == "re":
        text += "\nEntities: " + "; ".join(f'"{t}"' for t in dict.fromkeys(t for t, _ in record["ner"]))
    elif variant == "re_plus":
        text += "\nEntities: " + "; ".join(f'"{t}" ({y})' for t, y in distinct(record["ner"]))
    return text


# -- the task ---------------------------------------------------------------------------------------


def first_occurrences(records: Sequence[dict]) -> tuple[list[dict], int, int]:
    """Records whose normalised sentence was not seen before, the number of repeats dropped, and how many
    of those repeats carried a different annotation than the kept copy."""
    kept: dict[str, dict] = {}
    repeats = conflicting = 0
    for record in records:
        key = normalize_for_split(record["sentence"])
        if key in kept:
            repeats += 1
            conflicting += (kept[key]["ner"], kept[key]["rel"]) != (record["ner"], record["rel"])
        else:
            kept[key] = record
    return list(kept.values()), repeats, conflicting


class SciIETask(Task):
    name = "sciie"
    board = BOARD
    answer_fields = ("ner", "rel")
    text_key = "sentence"
    answer_copies_input = True
    default_reward_weights = DEFAULT_REWARD_WEIGHTS

    def __init__(self) -> None:
        self._lexicon: EntityLexicon | None = None

    # -- data -----------------------------------------------------------------------------------
    def prepare(self, config: Config, out_dir: Path) -> dict:
        """`rl` and `sft` come from the train file, `test` from the dev file.

        Train sentences (repeats dropped, first copy kept) are ordered by a hash of the normalised sentence,
        a fixed shuffle that mixes papers: the first `rl_examples` form `rl`, the next `train_examples`
        (0: all the rest) form `sft`, so the two are disjoint and `rl` stays put when the SFT size changes.
        `test` is the dev file, or its first `dev_examples` sentences in the same hash order (kept in file
        order). Sentence overlap between every pair of splits, and between `sft`/`rl` and every extra
        evaluation set, is verified to be zero. Everything is read and checked before the first file is written;
        the three splits are then published together (with the report, inside `run_prepare`).
        """
        settings = config.data.sciie
        train, repeats, conflicting = first_occurrences(load_scier(settings.train_file))
        dev = load_scier(settings.dev_file)
        ordered = sorted(train, key=lambda r: sentence_hash(r["sentence"]))
        wanted = settings.rl_examples + settings.train_examples
        if wanted > len(ordered):
            raise InputError(config.params_file, f"rl_examples + train_examples = {wanted} but {settings.train_file} "
                             f"has {len(ordered)} distinct sentences", field="data.sciie.train_examples")
        rl = ordered[:settings.rl_examples]
        sft = ordered[settings.rl_examples:wanted] if settings.train_examples else ordered[settings.rl_examples:]
        test = dev
        if settings.dev_examples:
            chosen = {r["id"] for r in sorted(dev, key=lambda r: sentence_hash(r["sentence"]))[:settings.dev_examples]}
            test = [r for r in dev if r["id"] in chosen]
        splits = {"sft": sft, "rl": rl, "test": test}
        overlap = cross_split_overlap(splits, key=lambda r: r["sentence"])
        if any(overlap.values()):
            raise InputError(settings.dev_file, f"sentences shared between splits: {overlap}", field="sentence")
        eval_sets = {}
        present_optional = {name: path for name, path in settings.optional_eval_sets.items() if Path(path).exists()}
        for name, path in {**settings.eval_sets, **present_optional}.items():
            shared = cross_split_overlap({"train": sft + rl, name: load_scier(path)}, key=lambda r: r["sentence"])
            if any(shared.values()):
                raise InputError(path, f"{sum(shared.values())} sentences also in the sft/rl splits", field="sentence")
            eval_sets[name] = {"file": path, "sha256": sha256_file(path)[:16]}

        variant = settings.variant
        labels = {"sft": TRAIN_LABEL, "rl": TRAIN_LABEL, "test": DEV_LABEL}
        with published_together() as files:
            for split, rows in splits.items():
                extra = {"sft_format": settings.sft_format} if split == "sft" else {}
                files.write_jsonl(Path(out_dir) / f"{split}.jsonl",
                                  [{**r, "task_variant": variant, "split": labels[split], **extra} for r in rows])
        return {
            "task_variant": variant,
            "sft_format": settings.sft_format,
            "train_file": settings.train_file,
            "train_sha256": sha256_file(settings.train_file)[:16],
            "dev_file": settings.dev_file,
            "dev_sha256": sha256_file(settings.dev_file)[:16],
            "train_sentences": len(train) + repeats,
            "repeated_train_sentences_dropped": repeats,
            "repeats_with_other_annotation": conflicting,
            "dev_sentences": len(dev),
            "test_split": DEV_LABEL,
            "splits": {split: len(rows) for split, rows in splits.items()},
            "entities": {split: sum(len(distinct(r["ner"])) for r in rows) for split, rows in splits.items()},
            "relations": {split: sum(len(distinct(r["rel"])) for r in rows) for split, rows in splits.items()},
            "cross_split_overlap": overlap,
            "eval_sets": eval_sets,
        }

    def prepared_variant(self) -> str:
        """The variant `prepare` chose, read from the prepared test split: every file is prompted alike."""
        test_path = paths.data_dir(self.name) / "test.jsonl"
        if not test_path.exists():
            raise InputError(test_path, "not prepared: run `sciextract prepare` first (it fixes the task variant)")
        return self.load_split(paths.data_dir(self.name), "test")[0]["task_variant"]

    def load_eval_file(self, path: str | Path, config: Config) -> list[dict]:
        variant = self.prepared_variant()
        return [{**r, "task_variant": variant, "split": str(path)} for r in load_scier(path)]

    # -- prompting ------------------------------------------------------------------------------
    def prompt(self, record: dict) -> Messages:
        return [{"role": "system", "content": system_prompt(record["task_variant"])},
                {"role": "user", "content": user_message(record)}]

    def input_record(self, item: str | Mapping[str, Any], config: Config) -> dict:
        """The input with the task variant of the run's settings, which every prepared record carries."""
        return {"task_variant": config.data.sciie.variant, **super().input_record(item, config)}

    def target(self, record: dict) -> str:
        if record["sft_format"] == "mimic":
            return mimic_target(record)
        return render_answer(answer_for(record))

    def output_grammar(self, config: Config, record: dict | None = None) -> Grammar:
        """The answer of the run's variant in the run's SFT format (plain JSON, or the MimicSFT frame); for a
        `record`, its entity texts and relation arguments substrings of its sentence."""
        return sciie_grammar(config.data.sciie.variant, config.data.sciie.sft_format,
                             None if record is None else record["sentence"])

    def parse(self, text: str | None) -> Parsed:
        answer = read_answer(text)
        return Parsed({"ner": [], "rel": []}, failed=True) if answer is None else Parsed(answer, failed=False)

    def ground(self, record: dict, parsed: Parsed, threshold: float) -> Parsed:
        return ground_answer(parsed, record["sentence"], threshold)

    def answer_from_row(self, row: dict, *, path: str | Path | None, line: int | None) -> Parsed:
        """`ner` and `rel` lists written as in the SciER files (a missing one is empty)."""
        answer = coerce_answer({key: row[key] for key in ("ner", "rel") if row.get(key) is not None})
        if answer is None:
            raise InputError(path, "expected `ner` as [[text, type], ...] and `rel` as [[subject, relation, object], "
                                   "...], lists of strings", line, "ner" if row.get("ner") is not None else "rel")
        return Parsed(answer, failed=False)

    def prediction_from_row(self, row: dict, *, path: str | Path | None, line: int | None) -> Parsed:
        """The row's answer, with the counts of what grounding dropped from it (0 in a row without them)."""
        parsed = super().prediction_from_row(row, path=path, line=line)
        parsed.notes.update({name: row_count(row, name, path=path, line=line) for name in GROUNDING_COUNTS})
        return parsed

    # -- RL -------------------------------------------------------------------------------------
    def reward_columns(self, record: dict) -> dict:
        gold = answer_for(record)
        return {"gold_answer": json.dumps({"ner": gold.get("ner", []), "rel": gold.get("rel", [])}, ensure_ascii=False),
                "sentence": record["sentence"]}

    def reward_functions(self, config: Config) -> tuple[list[RewardFunction], list[float]]:
        return reward_functions(self.reward_weights(config))

    # -- evaluation -----------------------------------------------------------------------------
    def baselines(self, config: Config) -> dict[str, Callable[[dict], Any]]:
        return {"rule": self._rule_answer}

    def _rule_answer(self, record: dict) -> dict:
        if record["task_variant"] in ("re", "re_plus"):
            texts = list(dict.fromkeys(t for t, _ in record["ner"]))
            return {"ner": [], "rel": abbreviation_relations(record["sentence"], texts)}
        if self._lexicon is None:
            self._lexicon = EntityLexicon(self.load_split(paths.data_dir(self.name), "sft"))
        entities = self._lexicon.entities(record["sentence"])
        relations = abbreviation_relations(record["sentence"], [t for t, _ in entities])
        return {"ner": entities, "rel": relations if record["task_variant"] == "end2end" else []}

    def prediction_row(self, record: dict, raw_output: str | None, parsed: Parsed) -> dict:
        return {"id": record["id"], "sentence": record["sentence"], "raw_output": raw_output,
                "ner": parsed.value["ner"], "rel": parsed.value["rel"], "parse_failed": parsed.failed,
                **{name: parsed.notes[name] for name in GROUNDING_COUNTS}}

    def score(self, records: list[dict], predictions: list[Parsed | None], config: Config) -> tuple[dict, list[dict]]:
        items = [EMPTY if p is None or p.failed else predicted_items(record, p.value)
                 for record, p in zip(records, predictions, strict=True)]
        report, documents = aggregate(records, items, [p is not None and p.failed for p in predictions])
        stamp = {
            "task": self.name,
            "task_variant": records[0]["task_variant"],
            "method": METHOD,
            "matching": MATCHING,
            "data_hash": sha256_json([[r["id"], r["sentence"], r["ner"], r["rel"], r["rel_plus"]] for r in records])[:16],
            "split": records[0]["split"],
            "sentences": len(records),
            "documents_without_prediction": sum(p is None for p in predictions),
            "grounding": config.decoding.grounding.get(self.name),
        }
        grounding = {name: sum(p.notes[name] for p in predictions if p is not None) for name in GROUNDING_COUNTS}
        return {"stamp": stamp, **report, **grounding}, documents

    def report_table(self, report: dict) -> str:
        lines = [f"{'level':<10}{'P':>8}{'R':>8}{'F1':>8}{'gold':>8}{'pred':>8}{'match':>8}"]
        for level in LEVELS:
            m = report["metrics"][level]
            if m is not None:
                lines.append(f"{level:<10}{m['precision']:>8.4f}{m['recall']:>8.4f}{m['f1']:>8.4f}{m['gold']:>8}"
                             f"{m['pred']:>8}{m['matched']:>8}")
        lines.append(f"sentences {report['documents']}, parse failures {report['parse_failures']} "
                     f"({report['parse_failure_rate']:.2%}), variant {report['stamp']['task_variant']}")
        for name, label in (("oracle_best_at_k", "oracle Best@K"), ("avg_at_k", "Avg@K")):
            sampled = report["metrics"].get(name)
            if sampled is not None:
                lines.append(f"sampled {label} (K={sampled['k']}): {sampled['metrics']['headline']['level']} F1 "
                             f"{sampled['headline_f1']:.4f}")
        return "\n".join(lines)

    def oracle_samples(self, config: Config) -> int:
        return config.evaluate.sciie.best_at_k

    def score_samples(self, records: list[dict], samples: list[list[str]]) -> dict:
        """The sampled metrics over K sampled outputs per record: `oracle_best_at_k` (an upper bound that
        chooses with gold) and `avg_at_k` (the mean score of one sampled run); see `sciextract.tasks.sciie.score`."""
        answers = [[read_answer(text) for text in texts] for texts in samples]
        return {"oracle_best_at_k": best_at_k(records, answers), "avg_at_k": avg_at_k(records, answers)}


TASK = SciIETask
