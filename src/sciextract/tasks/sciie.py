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
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sciextract import paths
from sciextract.config import Config
from sciextract.data.scier import ENTITY_TYPES, RELATION_TYPES, load_scier, sentence_hash
from sciextract.data.splits import cross_split_overlap, normalize_for_split
from sciextract.errors import InputError
from sciextract.io import sha256_file, sha256_json, write_jsonl
from sciextract.scoring.sciie_eval import (EMPTY, METHOD, aggregate, best_at_k, predicted_items, read_answer)
from sciextract.tasks.base import Messages, Parsed, RewardFunction, Task
from sciextract.tasks.sciie_rewards import DEFAULT_REWARD_WEIGHTS, reward_functions

TRAIN_LABEL, DEV_LABEL = "SciER train", "SciER dev"
ANSWER_KEYS = {"ner": ("ner",), "re": ("rel",), "re_plus": ("rel",), "end2end": ("ner", "rel")}

ENTITY_DEFINITIONS = {
    "Method": "an algorithm, model, architecture or technique",
    "Task": "a problem or application that methods address",
    "Dataset": "a named data collection or benchmark",
}
RELATION_DEFINITIONS = {
    "Part-Of": "subject is a component of object",
    "SubClass-Of": "subject is a specific kind of object",
    "SubTask-Of": "subject task is a step of object task",
    "Benchmark-For": "subject dataset is a test bed for object task",
    "Trained-With": "subject method learns from object dataset",
    "Evaluated-With": "subject method is tested on object dataset",
    "Synonym-Of": "subject is another name or abbreviation of object",
    "Used-For": "subject is used for or applied to object",
    "Compare-With": "subject is compared with object",
}
ANSWER_SCHEMAS = {
    "ner": '{"ner": [[entity text, type], ...]}',
    "re": '{"rel": [[subject, relation, object], ...]} using only the given entities as subject and object',
    "re_plus": '{"rel": [[subject, relation, object], ...]} using only the given entities as subject and object',
    "end2end": '{"ner": [[entity text, type], ...], "rel": [[subject, relation, object], ...]}',
}
RELATION_CUES = {
    "Part-Of": ("component", "module", "layer", "consists", "contains", "composed", "includes", "within", "with", "of",
                "in"),
    "SubClass-Of": ("variant", "variants", "kind", "type", "family", "class", "such", "like", "including"),
    "SubTask-Of": ("subtask", "step", "stage", "part", "including", "such"),
    "Benchmark-For": ("benchmark", "benchmarks", "dataset", "evaluate", "for", "on"),
    "Trained-With": ("trained", "pretrained", "pre-trained", "training", "train", "learned", "from", "on"),
    "Evaluated-With": ("evaluated", "evaluate", "tested", "test", "experiments", "results", "achieves", "on"),
    "Synonym-Of": ("abbreviated", "called", "named", "known", "aka", "i.e.", "or", "("),
    "Used-For": ("using", "use", "uses", "used", "applied", "apply", "applies", "employ", "employs", "adopt", "based",
                 "leverage", "via", "for", "to"),
    "Compare-With": ("outperforms", "outperform", "surpasses", "beats", "compared", "compare", "than", "versus", "vs",
                     "vs.", "against", "over", "better"),
}
"""Words that often signal a relation, most specific first; MimicSFT cites the first one in the evidence."""
EVIDENCE_MAX_WORDS, CUE_WINDOW_WORDS = 6, 4


def system_prompt(variant: str) -> str:
    lines = ["You extract scientific entities and relations from one sentence of a research paper.",
             "Entity types:"]
    lines += [f"- {name}: {ENTITY_DEFINITIONS[name]}" for name in ENTITY_TYPES]
    if "rel" in ANSWER_KEYS[variant]:
        lines.append("Relations (subject -> object):")
        lines += [f"- {name}: {RELATION_DEFINITIONS[name]}" for name in RELATION_TYPES]
    lines.append("Copy entity texts exactly as written. Think inside <think></think>, then give only JSON inside "
                 f"<answer></answer>: {ANSWER_SCHEMAS[variant]}")
    return "\n".join(lines)


def distinct(items: Sequence[Sequence[str]]) -> list[list[str]]:
    """Items in first-seen order, each once (gold lists repeat an entity mentioned twice)."""
    seen: dict[tuple[str, ...], None] = {}
    for item in items:
        seen.setdefault(tuple(item), None)
    return [list(item) for item in seen]


def answer_for(record: dict) -> dict:
    """The gold answer of the record's variant, without repeated items."""
    keys = ANSWER_KEYS[record["task_variant"]]
    return {key: distinct(record[key]) for key in keys}


def render_answer(answer: dict) -> str:
    """Compact JSON (no spaces after separators): about a tenth fewer tokens for the same answer."""
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":"))


def user_message(record: dict) -> str:
    text = f"Sentence: {record['sentence']}"
    variant = record["task_variant"]
    if variant == "re":
        text += "\nEntities: " + "; ".join(f'"{t}"' for t in dict.fromkeys(t for t, _ in record["ner"]))
    elif variant == "re_plus":
        text += "\nEntities: " + "; ".join(f'"{t}" ({y})' for t, y in distinct(record["ner"]))
    return text


# -- MimicSFT ---------------------------------------------------------------------------------------


def _occurrences(tokens: list[str], mention: str) -> list[tuple[int, int]]:
    words = mention.split()
    return [(i, i + len(words)) for i in range(len(tokens) - len(words) + 1) if tokens[i:i + len(words)] == words]


def evidence_phrase(sentence: str, subject: str, obj: str, relation: str) -> str | None:
    """A contiguous phrase of the sentence that supports a relation, or None when a mention is not found
    on word boundaries. Between the closest two mentions: all the words (at most 6); else a 4-word window
    from the first cue word of the relation; else the first 4 words. Mentions with nothing but punctuation
    between them cite the span covering both (at most 6 words)."""
    tokens = sentence.split()
    pairs = [(a, b) for a in _occurrences(tokens, subject) for b in _occurrences(tokens, obj)]
    if not pairs:
        return None
    first, second = min((sorted(pair) for pair in pairs), key=lambda p: max(0, p[1][0] - p[0][1]))
    between = tokens[first[1]:second[0]]
    if any(any(c.isalnum() for c in word) for word in between):
        if len(between) <= EVIDENCE_MAX_WORDS:
            return " ".join(between)
        lowered = [word.lower() for word in between]
        cue = next((lowered.index(c) for c in RELATION_CUES[relation] if c in lowered), 0)
        return " ".join(between[cue:cue + CUE_WINDOW_WORDS])
    span = tokens[first[0]:max(first[1], second[1])]
    return " ".join(span) if len(span) <= EVIDENCE_MAX_WORDS else None


def pattern_statement(evidence: str | None, relation: str, subject_type: str, object_type: str) -> str:
    words = {word.lower() for word in (evidence or "").split()}
    cue = next((c for c in RELATION_CUES[relation] if c in words), None)
    if cue is not None:
        return f'"{cue}" implies {relation}'
    return f"pattern {subject_type} ... {object_type} suggests {relation}"


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def mimic_target(record: dict) -> str:
    """The MimicSFT completion: a fixed five-step plan filled from the gold, then the JSON answer.

    Kept short because every token of it is generated before the answer (the prompt, the plan and the
    answer must fit `sft.max_length`, and plan plus answer `evaluate.max_new_tokens`): evidence and
    patterns follow the order of the answer's relations instead of repeating the arguments."""
    variant = record["task_variant"]
    answer = answer_for(record)
    entities = distinct(record["ner"])
    types: dict[str, str] = {}
    for text, entity_type in entities:
        types.setdefault(text, entity_type)
    if variant in ("re", "re_plus"):
        steps = [f"entities: {_plural(len(types), 'entity', 'entities')} given"]
    else:
        steps = ["entities: " + ("; ".join(f'"{t}" {y}' for t, y in entities) or "none")]
    if variant == "ner":
        steps.append(f"conclusion: {_plural(len(entities), 'entity', 'entities')}")
    else:
        relations = answer["rel"]
        related = len({frozenset((s, o)) for s, _, o in relations})
        steps.append(f"pairs: {_plural(len(types) * (len(types) - 1) // 2, 'pair', 'pairs')}, {related} related")
        evidence = [evidence_phrase(record["sentence"], s, o, r) for s, r, o in relations]
        steps.append("evidence: " + ("; ".join(f'"{e}"' if e is not None else "no contiguous phrase" for e in evidence)
                                     or "none"))
        steps.append("patterns: " + ("; ".join(pattern_statement(e, r, types[s], types[o])
                                               for (s, r, o), e in zip(relations, evidence, strict=True)) or "none"))
        found = f"{_plural(len(entities), 'entity', 'entities')}, " if variant == "end2end" else ""
        steps.append(f"conclusion: {found}{_plural(len(relations), 'relation', 'relations')}")
    plan = "\n".join(f"Step {i} {step}" for i, step in enumerate(steps, start=1))
    return f"<think><plan>\n{plan}\n</plan></think>\n<answer>{render_answer(answer)}</answer>"


# -- model-free baseline ----------------------------------------------------------------------------


class EntityLexicon:
    """Dictionary baseline built from the SFT split only (never from dev or test gold).

    Entries are the SFT entity strings, each with its most frequent type (ties: alphabetical), kept only
    where the string is annotated in at least half of the SFT sentences containing it on word boundaries
    (so "model" or "data", usually not entities, are left out). Prediction is a greedy left-to-right,
    longest-match scan of the sentence's words. One relation rule: two found entities written
    `A ( B )` give `[B, Synonym-Of, A]` (an abbreviation in parentheses).
    """

    MIN_ANNOTATION_RATE = 0.5

    def __init__(self, records: Sequence[dict]):
        types: dict[tuple[str, ...], Counter] = {}
        annotated: Counter = Counter()
        for record in records:
            for words in {tuple(text.split()) for text, _ in record["ner"]}:
                annotated[words] += 1
            for text, entity_type in record["ner"]:
                types.setdefault(tuple(text.split()), Counter())[entity_type] += 1
        self.longest = max((len(words) for words in types), default=0)
        occurring: Counter = Counter()
        for record in records:
            occurring.update(self._ngrams(record["sentence"].split()) & types.keys())
        self.entries = {words: min(counts, key=lambda t: (-counts[t], t)) for words, counts in types.items()
                        if annotated[words] >= self.MIN_ANNOTATION_RATE * occurring[words]}

    def _ngrams(self, tokens: list[str]) -> set[tuple[str, ...]]:
        return {tuple(tokens[i:i + n]) for n in range(1, self.longest + 1) for i in range(len(tokens) - n + 1)}

    def entities(self, sentence: str) -> list[list[str]]:
        tokens, found, i = sentence.split(), [], 0
        while i < len(tokens):
            match = next((n for n in range(min(self.longest, len(tokens) - i), 0, -1)
                          if tuple(tokens[i:i + n]) in self.entries), 0)
            if match:
                words = tuple(tokens[i:i + match])
                found.append([" ".join(words), self.entries[words]])
            i += match or 1
        return distinct(found)


def abbreviation_relations(sentence: str, entity_texts: Sequence[str]) -> list[list[str]]:
    spaced = " ".join(sentence.split())
    return [[short, "Synonym-Of", full] for full in entity_texts for short in entity_texts
            if short != full and f"{full} ( {short} )" in spaced]


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
        evaluation set, is verified to be zero.
        """
        settings = config.data.sciie
        train, repeats, conflicting = first_occurrences(load_scier(settings.train_file))
        dev = load_scier(settings.dev_file)
        ordered = sorted(train, key=lambda r: sentence_hash(r["sentence"]))
        wanted = settings.rl_examples + settings.train_examples
        if wanted > len(ordered):
            raise InputError("params.yaml", f"rl_examples + train_examples = {wanted} but {settings.train_file} has "
                             f"{len(ordered)} distinct sentences", field="data.sciie.train_examples")
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
        for name, path in settings.eval_sets.items():
            shared = cross_split_overlap({"train": sft + rl, name: load_scier(path)}, key=lambda r: r["sentence"])
            if any(shared.values()):
                raise InputError(path, f"{sum(shared.values())} sentences also in the sft/rl splits", field="sentence")
            eval_sets[name] = {"file": path, "sha256": sha256_file(path)[:16]}

        variant = settings.variant
        labels = {"sft": TRAIN_LABEL, "rl": TRAIN_LABEL, "test": DEV_LABEL}
        for split, rows in splits.items():
            extra = {"sft_format": settings.sft_format} if split == "sft" else {}
            write_jsonl(Path(out_dir) / f"{split}.jsonl",
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

    def eval_files(self, config: Config) -> dict[str, str]:
        return dict(config.data.sciie.eval_sets)

    # -- prompting ------------------------------------------------------------------------------
    def prompt(self, record: dict) -> Messages:
        return [{"role": "system", "content": system_prompt(record["task_variant"])},
                {"role": "user", "content": user_message(record)}]

    def target(self, record: dict) -> str:
        if record["sft_format"] == "mimic":
            return mimic_target(record)
        return render_answer(answer_for(record))

    def parse(self, text: str) -> Parsed:
        answer = read_answer(text)
        return Parsed({"ner": [], "rel": []}, failed=True) if answer is None else Parsed(answer, failed=False)

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
                "predicted": parsed.value, "parse_failed": parsed.failed}

    def score(self, records: list[dict], rows: list[dict], config: Config) -> tuple[dict, list[dict]]:
        if [row["id"] for row in rows] != [r["id"] for r in records]:
            raise ValueError("prediction rows must follow the records one to one, in order")
        predictions = [EMPTY if row["parse_failed"] else predicted_items(record, row["predicted"])
                       for record, row in zip(records, rows, strict=True)]
        report, documents = aggregate(records, predictions, [row["parse_failed"] for row in rows])
        stamp = {
            "task": self.name,
            "task_variant": records[0]["task_variant"],
            "method": METHOD,
            "matching": "exact strings after collapsing whitespace; case-sensitive; distinct tuples per sentence",
            "data_hash": sha256_json([[r["id"], r["sentence"], r["ner"], r["rel"], r["rel_plus"]] for r in records])[:16],
            "split": records[0]["split"],
            "sentences": len(records),
        }
        return {"stamp": stamp, **report}, documents

    def oracle_samples(self, config: Config) -> int:
        return config.evaluate.sciie.best_at_k

    def score_samples(self, records: list[dict], samples: list[list[str]]) -> dict:
        """Oracle Best@K over K sampled outputs per record (see `scoring.sciie_eval.best_at_k`)."""
        answers = [[read_answer(text) for text in texts] for texts in samples]
        parsed = [[(answer, answer is None) for answer in per_record] for per_record in answers]
        return {"oracle_best_at_k": best_at_k(records, parsed)}

    def headline_metric(self) -> str:
        return "metrics.headline.f1"
