"""The SciIE answer grammar: the compact JSON `render_answer` teaches, with the keys of the task variant and the
entity and relation labels of SciER; for MimicSFT (`data.sciie.sft_format: mimic`) inside the frame
`<think>free text</think>\\n<answer>JSON</answer>` that `mimic_target` writes."""

from __future__ import annotations

from functools import lru_cache

from sciextract.decoding import JSON_STRING, Grammar, lark_choice
from sciextract.tasks.sciie.data import ENTITY_TYPES, RELATION_TYPES
from sciextract.tasks.sciie.parse import ANSWER_KEYS

_LISTS = {"ner": '"\\"ner\\":[" (entity ("," entity)*)? "]"',
          "rel": '"\\"rel\\":[" (relation ("," relation)*)? "]"'}


@lru_cache(maxsize=None)
def sciie_grammar(variant: str, sft_format: str) -> Grammar:
    """The answer of `variant` (`ner`, `re`, `re_plus`, `end2end`), bare (`plain`) or framed (`mimic`)."""
    answer = '"{" ' + ' "," '.join(_LISTS[key] for key in ANSWER_KEYS[variant]) + ' "}"'
    if sft_format == "mimic":
        # One lexeme from `<think>` to the first `</think>`: any text in between, the closing tag only at its end.
        start = 'THINK "\\n<answer>" answer "</answer>"'
        think = r'THINK: /<think>(?s:.*)<\/think>/ & ~/<think>(?s:.*)<\/think>(?s:.+)/'
    else:
        start, think = "answer", ""
    return Grammar(f"sciie:{variant}:{sft_format}", f'''
start: {start}
answer: {answer}
entity: "[" STRING "," entity_type "]"
relation: "[" STRING "," relation_type "," STRING "]"
entity_type: {lark_choice(ENTITY_TYPES)}
relation_type: {lark_choice(RELATION_TYPES)}
STRING: {JSON_STRING}
{think}
''')
