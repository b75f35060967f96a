"""MimicSFT targets for SciIE: a fixed five-step plan filled from the gold inside `<think>`, then the JSON
answer inside `<answer>` (the layout R2GRPO's rewards expect), with no real chain of thought."""

from __future__ import annotations

from sciextract.tasks.sciie.parse import answer_for, distinct, render_answer

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


PLAN_STEPS = {"ner": ("entities", "conclusion"),
              **{variant: ("entities", "pairs", "evidence", "patterns", "conclusion")
                 for variant in ("re", "re_plus", "end2end")}}
"""The plan's steps per task variant, in order: `Step <i> <name>: <content>`, one line each."""


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
        steps = {"entities": f"{_plural(len(types), 'entity', 'entities')} given"}
    else:
        steps = {"entities": "; ".join(f'"{t}" {y}' for t, y in entities) or "none"}
    if variant == "ner":
        steps["conclusion"] = _plural(len(entities), 'entity', 'entities')
    else:
        relations = answer["rel"]
        related = len({frozenset((s, o)) for s, _, o in relations})
        steps["pairs"] = f"{_plural(len(types) * (len(types) - 1) // 2, 'pair', 'pairs')}, {related} related"
        evidence = [evidence_phrase(record["sentence"], s, o, r) for s, r, o in relations]
        steps["evidence"] = "; ".join(f'"{e}"' if e is not None else "no contiguous phrase" for e in evidence) or "none"
        steps["patterns"] = "; ".join(pattern_statement(e, r, types[s], types[o])
                                      for (s, r, o), e in zip(relations, evidence, strict=True)) or "none"
        found = f"{_plural(len(entities), 'entity', 'entities')}, " if variant == "end2end" else ""
        steps["conclusion"] = f"{found}{_plural(len(relations), 'relation', 'relations')}"
    plan = "\n".join(f"Step {i} {name}: {steps[name]}" for i, name in enumerate(PLAN_STEPS[variant], start=1))
    return f"<think><plan>\n{plan}\n</plan></think>\n<answer>{render_answer(answer)}</answer>"
