"""The SciIE answer grammar: the compact JSON `render_answer` teaches, with the keys of the task variant and the
entity and relation labels of SciER; for MimicSFT (`data.sciie.sft_format: mimic`) inside the frame that
`mimic_target` writes: `<think><plan>` with the variant's plan steps in order, one line each and each capped
in tokens, then `</plan></think>\\n<answer>JSON</answer>`."""

from __future__ import annotations

from functools import lru_cache

from sciextract.decoding import JSON_STRING, Grammar, copied_string, lark_choice
from sciextract.tasks.sciie.data import ENTITY_TYPES, RELATION_TYPES
from sciextract.tasks.sciie.mimic import PLAN_STEPS
from sciextract.tasks.sciie.parse import ANSWER_KEYS

PLAN_STEP_MAX_TOKENS = {"entities": 160, "pairs": 24, "evidence": 96, "patterns": 96, "conclusion": 24}
"""Tokens a plan step may take before the grammar ends its line. MimicSFT models on CPU looped inside a free-text
plan until the token limit (69 of the 73 unreadable answers of a 60-step run, README): a capped step ends and the
frame goes on to the answer. Step lines of the 5,575 SciER train targets (end2end, SmolLM2 tokens, p99 / max):
entities 82 / 152, pairs 13 / 15, evidence 60 / 193, patterns 81 / 255, conclusion 13 / 14."""

ANSWER_MAX_ITEMS = {"ner": 16, "rel": 12}
"""Items an answer list may hold before the grammar closes it. A 60-step MimicSFT model repeated one entity in its
answer list until the token limit (`["CNN","Method"],["CNN","Method"],...`: all 68 unreadable answers of the
loop-stop-off run, README); a bounded list closes, and scoring counts a repeated item once. SciER train (5,575
sentences) has 9 sentences with more than 16 entities (24 of 18,041 entities beyond the bound) and 21 with more than
12 relations (90 of 8,743 triples beyond it)."""

_ITEM_RULES = {"ner": "entity", "rel": "relation"}
_LISTS = {key: f'"\\"{key}\\":[" ({item} ("," {item})~0..{ANSWER_MAX_ITEMS[key] - 1})? "]"'
          for key, item in _ITEM_RULES.items()}


@lru_cache(maxsize=64)
def sciie_grammar(variant: str, sft_format: str, sentence: str | None = None) -> Grammar:
    """The answer of `variant` (`ner`, `re`, `re_plus`, `end2end`), bare (`plain`) or framed (`mimic`); given the
    `sentence` asked, its entity texts and relation arguments are substrings of it."""
    answer = '"{" ' + ' "," '.join(_LISTS[key] for key in ANSWER_KEYS[variant]) + ' "}"'
    if sft_format == "mimic":
        steps = PLAN_STEPS[variant]
        start = '"<think><plan>\\n" plan "</plan></think>\\n<answer>" answer "</answer>"'
        think = "\n".join([
            "plan: " + " ".join(f'"Step {i} {name}: " {name}_step "\\n"' for i, name in enumerate(steps, start=1)),
            *(f"{name}_step[max_tokens={PLAN_STEP_MAX_TOKENS[name]}]: PLAN_LINE" for name in steps),
            "PLAN_LINE: /[^\\n]*/"])
    else:
        start, think = "answer", ""
    name = f"sciie:{variant}:{sft_format}" + ("" if sentence is None else ":copied")
    return Grammar(name, f'''
start: {start}
answer: {answer}
entity: "[" SPAN "," entity_type "]"
relation: "[" SPAN "," relation_type "," SPAN "]"
entity_type: {lark_choice(ENTITY_TYPES)}
relation_type: {lark_choice(RELATION_TYPES)}
SPAN: {JSON_STRING if sentence is None else copied_string(sentence)}
{think}
''')
