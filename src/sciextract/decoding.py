"""Structured decoding: each task's output grammar turned into a per-step token mask for `generate._decode`.

Engine: llguidance (Lark-syntax grammars). Both maintained engines were timed on the SmolLM2 tokenizer (vocab
49152) with the funding schema, measured under contention on 2 shared cores (`/tmp`-style timing script in the
issue-16 report): compile 0.002-0.003 s (llguidance) vs 0.007 s (xgrammar); filling and advancing 32 matchers
0.4-1.9 ms per step (llguidance) vs 0.2-0.7 ms (xgrammar). Both are under 2% of a 135M model step at batch 32,
so speed does not decide. llguidance does: it has no Python dependencies (7.6 MB), where xgrammar 0.2.9 pulls in
triton (1 GB) and apache-tvm-ffi on a CPU project; its Lark grammars take regular-expression lexemes with
intersection and negation, which state "free text up to the first `</think>`" and "a JSON string without long
space runs" directly; and vLLM serves the same Lark text through its `guidance` structured-output backend.
"""

from __future__ import annotations

import json
import re
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from sciextract.config import Config
    from sciextract.tasks.base import Task

JSON_STRING = r'/"(( {0,2})([^"\\\x00-\x20]|\\["\\\/bfnrtu]))*( {0,2})"/'
"""A JSON string lexeme as `json.dumps(..., ensure_ascii=False)` writes it (escapes, any non-control character),
with at most two spaces in a row: a model cannot loop on spaces inside a string. (`\\u` is followed by any
characters the string allows, which covers its four hex digits.)"""


@dataclass(frozen=True)
class Grammar:
    """An answer format in llguidance's Lark syntax (https://github.com/guidance-ai/llguidance, docs/syntax.md).

    Frozen and hashable: the compiled form is cached per (grammar, tokenizer).
    """

    name: str
    """What the grammar describes (`funding`, `sciie:end2end:mimic`), for stamps and error messages."""
    lark: str


def lark_choice(values: tuple[str, ...]) -> str:
    """A Lark alternative of quoted JSON string literals: an enum field."""
    return " | ".join(f'"\\"{value}\\""' for value in values)


_JSON_TEXT_PIECE = re.compile(r'\\u[0-9a-fA-F]{4}|\\.|\w+|\s|[^\w\s\\]')
"""The pieces a copied string starts and ends between: a JSON escape, a word, one space or one other character."""


def copied_string(source: str) -> str:
    """A Lark lexeme for a JSON string (as `json.dumps(..., ensure_ascii=False)` writes it) whose text is a substring
    of `source` that starts and ends at whole words, escapes or punctuation, never inside one: what a model must
    copy from its input (llguidance's `substring_chunks`)."""
    pieces = _JSON_TEXT_PIECE.findall(json.dumps(source, ensure_ascii=False)[1:-1])
    return r'"\"" %regex ' + json.dumps({"substring_chunks": pieces}, ensure_ascii=False) + r' "\""'


TEMPLATES_KEPT = 64
"""Compiled grammars kept per tokenizer. A task's own grammar serves every answer; one built from an input (the
source of a `copied_string`) serves one answer, and compiles in about 7 ms for a 512-token chunk."""

_compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""tokenizer -> (llguidance tokenizer, {(grammar, vocab size): template matcher} of the `TEMPLATES_KEPT` latest
used); entries go with the tokenizer."""


def _template(grammar: Grammar, tokenizer, vocab_size: int):
    """A matcher in its start state, compiled once per (grammar, tokenizer, vocab size); rows copy it."""
    import llguidance
    import llguidance.hf

    if tokenizer not in _compiled:
        _compiled[tokenizer] = (llguidance.hf.from_tokenizer(tokenizer, n_vocab=vocab_size), OrderedDict())
    engine_tokenizer, templates = _compiled[tokenizer]
    key = (grammar, vocab_size)
    if key not in templates:
        matcher = llguidance.LLMatcher(engine_tokenizer, llguidance.LLMatcher.grammar_from_lark(grammar.lark))
        if matcher.is_error():
            raise ValueError(f"grammar '{grammar.name}' does not compile: {matcher.get_error()}")
        templates[key] = matcher
        if len(templates) > TEMPLATES_KEPT:
            templates.popitem(last=False)
    templates.move_to_end(key)
    return engine_tokenizer, templates[key]


class BatchConstraint:
    """The grammar state of every row of one `_decode` batch, each row under its own grammar.

    Each step: `mask_` sets the logits of tokens a row's grammar forbids to -inf (once a row's answer is complete,
    only end-of-sequence remains), `advance` feeds the chosen tokens to the matchers, and `select` keeps the rows
    `_decode` keeps, in its order. The engine's single end-of-sequence token stands for every id in `eos_ids`.
    """

    def __init__(self, grammars: Sequence[Grammar], tokenizer, vocab_size: int, eos_ids: set[int]):
        import llguidance.torch

        self.grammars = list(grammars)
        self.matchers = []
        for grammar in self.grammars:
            engine_tokenizer, template = _template(grammar, tokenizer, vocab_size)
            self.matchers.append(template.deep_copy())
        self.bitmask = llguidance.torch.allocate_token_bitmask(len(self.grammars), vocab_size)
        self.vocab_size = vocab_size
        self.engine_eos = engine_tokenizer.eos_token
        self.eos = sorted(eos_ids)
        self._fill = llguidance.torch.fill_next_token_bitmask

    def mask_(self, logits: torch.Tensor) -> None:
        """Forbidden tokens of each row to -inf, in place (`logits` has one row per live matcher)."""
        for row, matcher in enumerate(self.matchers):
            self._fill(matcher, self.bitmask, row)
        words = self.bitmask[:len(self.matchers)].numpy().view(np.uint8)  # little-endian: token 32*w+b is bit b of w
        allowed = torch.from_numpy(np.unpackbits(words, axis=1, bitorder="little")[:, :self.vocab_size]).bool()
        allowed[:, self.eos] = allowed[:, self.engine_eos:self.engine_eos + 1].clone()
        if logits.shape[1] > self.vocab_size:  # rows the model pads its vocabulary with: never a token
            logits[:, self.vocab_size:] = -float("inf")
        logits[:, :self.vocab_size].masked_fill_(~allowed.to(logits.device), -float("inf"))

    def advance(self, tokens: list[int]) -> None:
        """Feed each row its chosen token; end-of-sequence ends the row and is not fed."""
        for matcher, grammar, token in zip(self.matchers, self.grammars, tokens, strict=True):
            if token in self.eos:
                continue
            if not matcher.consume_token(token):
                raise RuntimeError(f"grammar '{grammar.name}' rejected token {token} it allowed: {matcher.get_error()}")

    def select(self, keep: list[int]) -> None:
        self.matchers = [self.matchers[row] for row in keep]
        self.grammars = [self.grammars[row] for row in keep]


def accepts(grammar: Grammar, tokenizer, token_ids: list[int], vocab_size: int | None = None) -> bool:
    """Whether `token_ids` is a complete answer of the grammar (SFT targets must be)."""
    matcher = _template(grammar, tokenizer, vocab_size or len(tokenizer))[1].deep_copy()
    return matcher.consume_tokens(token_ids) and matcher.is_accepting()


GrammarChoice = Grammar | Sequence[Grammar] | None
"""What generation is constrained to: one grammar for every prompt, one per prompt in input order, or nothing."""


def prompt_grammars(choice: GrammarChoice, prompts: int) -> list[Grammar] | None:
    """`choice` as one grammar per prompt (None when generation is free)."""
    if choice is None:
        return None
    if isinstance(choice, Grammar):
        return [choice] * prompts
    grammars = list(choice)
    if len(grammars) != prompts:
        raise ValueError(f"{len(grammars)} grammars for {prompts} prompts")
    return grammars


def vllm_structured_outputs(grammar: Grammar | None) -> dict:
    """`SamplingParams` keyword arguments that constrain vLLM to `grammar` (empty when None).

    vLLM (0.12 and later) takes `structured_outputs=StructuredOutputsParams(grammar=...)`; the Lark text needs its
    `guidance` backend, chosen with `LLM(structured_outputs_config={"backend": "guidance"})` (see `generate_vllm`).
    """
    if grammar is None:
        return {}
    from vllm.sampling_params import StructuredOutputsParams

    return {"structured_outputs": StructuredOutputsParams(grammar=grammar.lark)}


def copies_substrings(task: Task, config: Config) -> bool:
    """Whether `task`'s own answers are held to substrings of their input: `decoding.copied_substrings` names it and
    its answer copies from its input (funding's statement answer does not; its stage 1 does, see the article path)."""
    return task.answer_copies_input and config.decoding.copied_substrings_for(task.name)


def answer_grammar(task: Task, config: Config, records: list[dict] | None = None) -> GrammarChoice:
    """The grammar a model variant of `task` generates under: the task's own unless `decoding.structured` turns it
    off (what `make_predictor` applies and evaluation stamps); for the `records` asked, one grammar each where
    `copies_substrings`."""
    if not config.decoding.structured_for(task.name):
        return None
    if records is not None and copies_substrings(task, config):
        return [task.output_grammar(config, record) for record in records]
    return task.output_grammar(config)
