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

import weakref
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


_compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""tokenizer -> (llguidance tokenizer, {(grammar, vocab size): template matcher}); entries go with the tokenizer."""


def _template(grammar: Grammar, tokenizer, vocab_size: int):
    """A matcher in its start state, compiled once per (grammar, tokenizer, vocab size); rows copy it."""
    import llguidance
    import llguidance.hf

    if tokenizer not in _compiled:
        _compiled[tokenizer] = (llguidance.hf.from_tokenizer(tokenizer, n_vocab=vocab_size), {})
    engine_tokenizer, templates = _compiled[tokenizer]
    if (grammar, vocab_size) not in templates:
        matcher = llguidance.LLMatcher(engine_tokenizer, llguidance.LLMatcher.grammar_from_lark(grammar.lark))
        if matcher.is_error():
            raise ValueError(f"grammar '{grammar.name}' does not compile: {matcher.get_error()}")
        templates[(grammar, vocab_size)] = matcher
    return engine_tokenizer, templates[(grammar, vocab_size)]


class BatchConstraint:
    """The grammar state of every row of one `_decode` batch.

    Each step: `mask_` sets the logits of tokens the grammar forbids to -inf (once a row's answer is complete,
    only end-of-sequence remains), `advance` feeds the chosen tokens to the matchers, and `select` keeps the rows
    `_decode` keeps, in its order. The engine's single end-of-sequence token stands for every id in `eos_ids`.
    """

    def __init__(self, grammar: Grammar, tokenizer, rows: int, vocab_size: int, eos_ids: set[int]):
        import llguidance.torch

        engine_tokenizer, template = _template(grammar, tokenizer, vocab_size)
        self.grammar = grammar
        self.matchers = [template.deep_copy() for _ in range(rows)]
        self.bitmask = llguidance.torch.allocate_token_bitmask(rows, vocab_size)
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
        for matcher, token in zip(self.matchers, tokens, strict=True):
            if token in self.eos:
                continue
            if not matcher.consume_token(token):
                raise RuntimeError(f"grammar '{self.grammar.name}' rejected token {token} it allowed: "
                                   f"{matcher.get_error()}")

    def select(self, keep: list[int]) -> None:
        self.matchers = [self.matchers[row] for row in keep]


def accepts(grammar: Grammar, tokenizer, token_ids: list[int], vocab_size: int | None = None) -> bool:
    """Whether `token_ids` is a complete answer of the grammar (SFT targets must be)."""
    matcher = _template(grammar, tokenizer, vocab_size or len(tokenizer))[1].deep_copy()
    return matcher.consume_tokens(token_ids) and matcher.is_accepting()


def vllm_structured_outputs(grammar: Grammar | None) -> dict:
    """`SamplingParams` keyword arguments that constrain vLLM to `grammar` (empty when None).

    vLLM (0.12 and later) takes `structured_outputs=StructuredOutputsParams(grammar=...)`; the Lark text needs its
    `guidance` backend, chosen with `LLM(structured_outputs_config={"backend": "guidance"})` (see `generate_vllm`).
    """
    if grammar is None:
        return {}
    from vllm.sampling_params import StructuredOutputsParams

    return {"structured_outputs": StructuredOutputsParams(grammar=grammar.lark)}


def answer_grammar(task: Task, config: Config) -> Grammar | None:
    """The grammar a model variant of `task` generates under: the task's own unless `decoding.structured` turns it
    off (what `make_predictor` applies and evaluation stamps)."""
    return task.output_grammar(config) if config.decoding.structured_for(task.name) else None
