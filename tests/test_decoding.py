"""Structured decoding: each task's grammar accepts what its SFT targets teach, masks what breaks it, and
constrained generation is batched like free generation (rows leaving at different steps)."""

from __future__ import annotations

import pytest
import torch

from sciextract.config import Config, ModelConfig
from sciextract.decoding import (BatchConstraint, _template, accepts, answer_grammar, copies_substrings,
                                 prompt_grammars)
from sciextract.generate import GenerationSettings, chat_prompts, generate_token_ids, generate_transformers
from sciextract.modeling import load_causal_lm, load_tokenizer
from sciextract.tasks.funding.data import load_funding_records
from sciextract.tasks.funding.article import parse_statements, render_statements
from sciextract.tasks.funding.grammar import FUNDING_GRAMMAR, statements_grammar
from sciextract.tasks.funding.task import FundingTask
from sciextract.tasks.review.grammar import REVIEW_GRAMMAR
from sciextract.tasks.review.task import ReviewTask
from sciextract.tasks.sciie.grammar import ANSWER_MAX_ITEMS, PLAN_STEP_MAX_TOKENS, sciie_grammar
from sciextract.tasks.sciie.task import SciIETask

FUNDERS = [
    [],
    [{"funder_name": "Wellcome Trust", "awards": []}],
    [{"funder_name": None, "awards": [{"award_ids": ["123456"], "funding_scheme": [], "award_title": []}]},
     {"funder_name": "Deutsche Forschungsgemeinschaft (DFG) \"Über\"", "awards": [
         {"award_ids": [], "funding_scheme": ["Emmy Noether"], "award_title": ["A \\ path\nwith  two spaces"]},
         {"award_ids": [], "funding_scheme": [], "award_title": ["Title only"]},
         {"award_ids": ["DMS-1", "DMS-2"], "funding_scheme": ["CAREER"], "award_title": []}]}],
]
CONCERNS = [[], [{"text": "The \"n\" is small.", "category": category, "severity": severity}
                 for category, severity in (("design_flaw", "major"), ("other", "optional"), ("interpretation", "minor"))]]
SENTENCE = {"sentence": "We apply CNN (convolutional network) to image classification on ImageNet .",
            "ner": [["CNN", "Method"], ["convolutional network", "Method"], ["image classification", "Task"],
                    ["ImageNet", "Dataset"], ["CNN", "Method"]],
            "rel": [["CNN", "Used-For", "image classification"], ["CNN", "Synonym-Of", "convolutional network"],
                    ["ImageNet", "Benchmark-For", "image classification"]]}


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    return load_tokenizer(str(tiny_model_dir))


def _ids(tokenizer, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def _sciie_config(variant: str, sft_format: str) -> Config:
    config = Config()
    config.data.sciie.variant, config.data.sciie.sft_format = variant, sft_format
    return config


def test_every_task_grammar_accepts_its_sft_targets(tokenizer):
    funding = FundingTask()
    for funders in FUNDERS:
        target = funding.target({"funders": funders})
        assert accepts(funding.output_grammar(Config()), tokenizer, _ids(tokenizer, target)), target
    review = ReviewTask()
    for concerns in CONCERNS:
        target = review.target({"concerns": concerns})
        assert accepts(review.output_grammar(Config()), tokenizer, _ids(tokenizer, target)), target
    sciie = SciIETask()
    for variant in ("ner", "re", "re_plus", "end2end"):
        for sft_format in ("plain", "mimic"):
            for record in (SENTENCE, {"sentence": "Nothing here .", "ner": [], "rel": []}):
                target = sciie.target({**record, "task_variant": variant, "sft_format": sft_format})
                grammar = sciie.output_grammar(_sciie_config(variant, sft_format))
                assert accepts(grammar, tokenizer, _ids(tokenizer, target)), (variant, sft_format, target)


def test_grammars_refuse_what_training_never_teaches(tokenizer):
    assert not accepts(FUNDING_GRAMMAR, tokenizer, _ids(tokenizer, '[{"funder_name": "A", "awards": []}'))  # unclosed
    assert not accepts(FUNDING_GRAMMAR, tokenizer, _ids(tokenizer, '[{"funder_name": "A   B", "awards": []}]'))
    assert not accepts(FUNDING_GRAMMAR, tokenizer, _ids(tokenizer, '[{"funder_name": "A", "awards": [{"award_title": '
                                                                   '["t"], "award_ids": ["1"]}]}]'))  # key order
    assert not accepts(REVIEW_GRAMMAR, tokenizer, _ids(tokenizer, '[{"text": "x", "category": "figure_issue", '
                                                                  '"severity": "major"}]'))
    assert not accepts(sciie_grammar("end2end", "plain"), tokenizer, _ids(tokenizer, '{"ner":[["x","Model"]],"rel":[]}'))
    assert not accepts(sciie_grammar("ner", "plain"), tokenizer, _ids(tokenizer, '{"ner":[],"rel":[]}'))
    framed = '<think>a</think>\n<answer>{"ner":[],"rel":[]}</answer>'  # a free-text think block: no plan steps
    assert not accepts(sciie_grammar("end2end", "mimic"), tokenizer, _ids(tokenizer, framed))


def test_copied_sciie_spans_are_substrings_of_the_sentence_asked(tokenizer):
    config = _sciie_config("end2end", "mimic")
    config.decoding.copied_substrings = {"sciie": True}
    record = {**SENTENCE, "task_variant": "end2end", "sft_format": "mimic"}
    other = {**record, "sentence": "A different sentence ."}
    grammars = answer_grammar(SciIETask(), config, [record, other])
    assert [g.name for g in grammars] == ["sciie:end2end:mimic:copied"] * 2
    target = _ids(tokenizer, SciIETask().target(record))
    assert accepts(grammars[0], tokenizer, target) and not accepts(grammars[1], tokenizer, target)
    invented = SciIETask().target({**record, "ner": [["ResNet", "Method"]], "rel": []})
    assert not accepts(grammars[0], tokenizer, _ids(tokenizer, invented))  # an entity the sentence does not hold
    assert answer_grammar(SciIETask(), config) == sciie_grammar("end2end", "mimic")  # the stamp's grammar
    config.decoding.structured = {"sciie": False}
    assert answer_grammar(SciIETask(), config, [record]) is None


def test_copied_funding_statements_leave_the_statement_answer_one_grammar():
    """`copied_substrings.funding` holds stage 1's statements to the chunk; the statement answer copies nothing, so
    it keeps the one grammar (compiled once for the batch) and its evaluation is not stamped as copied."""
    config = Config()
    config.decoding.copied_substrings = {"funding": True}
    records = [{"funding_statement": "Funded by the NSF."}, {"funding_statement": "Funded by the ERC."}]
    assert answer_grammar(FundingTask(), config, records) is FUNDING_GRAMMAR
    assert not copies_substrings(FundingTask(), config)
    config.decoding.copied_substrings = {"sciie": True}
    assert copies_substrings(SciIETask(), config)


def test_mimic_plan_steps_come_in_order_and_each_ends_at_its_cap(tokenizer):
    grammar = sciie_grammar("end2end", "mimic")
    target = SciIETask().target({**SENTENCE, "task_variant": "end2end", "sft_format": "mimic"})
    assert accepts(grammar, tokenizer, _ids(tokenizer, target))
    for step in ("Step 2 pairs: ", "Step 5 conclusion: "):
        assert step in target
        assert not accepts(grammar, tokenizer, _ids(tokenizer, target.replace(step, "")))  # a step left out
    entities_line = target.split("\n")[1]
    assert entities_line.startswith("Step 1 entities: ")

    def with_entities(words: int) -> list[int]:  # the line repeating one word, as a looping model writes it
        return _ids(tokenizer, target.replace(entities_line, "Step 1 entities:" + " alpha" * words))

    def line_tokens(words: int) -> int:
        return len(with_entities(words)) - len(_ids(tokenizer, target.replace(entities_line, "Step 1 entities:")))

    cap = PLAN_STEP_MAX_TOKENS["entities"]
    longest = max(words for words in range(1, cap + 1) if line_tokens(words) <= cap)
    assert accepts(grammar, tokenizer, with_entities(longest))
    assert line_tokens(longest + 1) > cap and not accepts(grammar, tokenizer, with_entities(longest + 1))


def test_answer_lists_close_at_their_bound(tokenizer):
    """A model repeating one entity or triple must close the list once it holds the bound's number of items."""
    entity, triple = '["CNN","Method"]', '["CNN","Used-For","image classification"]'

    def answer(entities: int, triples: int) -> list[int]:
        return _ids(tokenizer, '{"ner":[' + ",".join([entity] * entities) + '],"rel":[' + ",".join([triple] * triples)
                    + "]}")

    grammar = sciie_grammar("end2end", "plain")
    most_entities, most_triples = ANSWER_MAX_ITEMS["ner"], ANSWER_MAX_ITEMS["rel"]
    assert accepts(grammar, tokenizer, answer(most_entities, most_triples))
    assert not accepts(grammar, tokenizer, answer(most_entities + 1, 0))
    assert not accepts(grammar, tokenizer, answer(0, most_triples + 1))
    framed = SciIETask().target({**SENTENCE, "task_variant": "end2end", "sft_format": "mimic"})
    framed_answer = framed[framed.index("<answer>") + len("<answer>"):framed.index("</answer>")]
    looping = _ids(tokenizer, framed.replace(framed_answer, '{"ner":[' + ",".join([entity] * (most_entities + 1))
                                             + '],"rel":[]}'))
    assert not accepts(sciie_grammar("end2end", "mimic"), tokenizer, looping)


def test_mask_forbids_schema_violations_and_leaves_only_eos_after_a_complete_answer(tokenizer):
    vocab, eos = len(tokenizer), {tokenizer.eos_token_id, tokenizer.pad_token_id}
    constraint = BatchConstraint([FUNDING_GRAMMAR] * 2, tokenizer, vocab, eos)
    logits = torch.zeros((2, vocab + 3))  # the model's vocabulary may be padded past the tokenizer's
    constraint.mask_(logits)
    bracket, brace = tokenizer.convert_tokens_to_ids("["), tokenizer.convert_tokens_to_ids("{")
    assert logits[0, bracket] == 0 and logits[0, brace] == -float("inf")
    assert (logits[:, vocab:] == -float("inf")).all() and (logits[:, sorted(eos)] == -float("inf")).all()
    closing, quote = tokenizer.convert_tokens_to_ids("]"), tokenizer.convert_tokens_to_ids('"')
    constraint.advance([bracket, bracket])
    constraint.advance([closing, brace])
    logits = torch.zeros((2, vocab))
    constraint.mask_(logits)
    assert torch.isfinite(logits[0]).nonzero().flatten().tolist() == sorted(eos)  # complete: every end token, only
    assert logits[1, bracket] == -float("inf") and logits[1, quote] == 0  # `[{` goes on with `"funder_name"`
    constraint.select([1])
    assert len(constraint.matchers) == 1
    with pytest.raises(RuntimeError, match="rejected token"):
        constraint.advance([brace])


def _model(tiny_model_dir):
    """The tiny model with spread weights, so each prompt's greedy output is its own (see test_generation)."""
    model = load_causal_lm(str(tiny_model_dir), ModelConfig(dtype="float32"), for_training=False)
    torch.manual_seed(0)
    with torch.no_grad():
        for weight in model.parameters():
            if weight.dim() > 1:
                weight.normal_(0.0, 0.3)
    return model


def _is_prefix(grammar, tokenizer, tokens: list[int]) -> bool:
    matcher = _template(grammar, tokenizer, len(tokenizer))[1].deep_copy()
    return matcher.consume_tokens(tokens) and not matcher.is_error()


@pytest.mark.parametrize("task, config", [(FundingTask(), Config()), (ReviewTask(), Config()),
                                          (SciIETask(), _sciie_config("end2end", "plain")),
                                          (SciIETask(), _sciie_config("end2end", "mimic"))])
def test_constrained_random_model_outputs_parse_or_are_cut_grammar_prefixes(tiny_model_dir, tokenizer, funding_file,
                                                                          task, config):
    model = _model(tiny_model_dir)
    grammar = task.output_grammar(config)
    statements = [r["funding_statement"] for r in load_funding_records(funding_file)]
    messages = [[{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": s}] for s in statements]
    prompts = [_ids(tokenizer, p) for p in chat_prompts(tokenizer, messages)]
    settings = GenerationSettings(max_new_tokens=96, batch_size=4, grammar=grammar)
    outputs = generate_token_ids(model, tokenizer, prompts, settings)
    ended = 0
    for tokens in outputs:
        if tokens and tokens[-1] == tokenizer.eos_token_id:  # the grammar closed the answer
            ended += 1
            assert accepts(grammar, tokenizer, tokens[:-1])
            assert not task.parse(tokenizer.decode(tokens, skip_special_tokens=True)).failed
        else:  # cut by the token limit: still a valid beginning of an answer
            assert len(tokens) == settings.max_new_tokens and _is_prefix(grammar, tokenizer, tokens)
    assert ended >= 1 or task.name == "sciie"  # the random model closes no SciIE answer within the limit


def test_constrained_batch_equals_rows_one_by_one_on_both_cache_paths(tiny_model_dir, tokenizer, funding_file):
    model = _model(tiny_model_dir)
    prompts = chat_prompts(tokenizer, [FundingTask().prompt(r) for r in load_funding_records(funding_file)])
    tokens = [_ids(tokenizer, p) for p in prompts]
    plain = [t[i:] for i, t in enumerate(tokens)]  # no shared first token: the left-padded path
    settings = GenerationSettings(max_new_tokens=24, batch_size=len(tokens), grammar=FUNDING_GRAMMAR)
    one = GenerationSettings(max_new_tokens=24, batch_size=1, grammar=FUNDING_GRAMMAR)
    for prompt_tokens in (tokens, plain):
        batched = generate_token_ids(model, tokenizer, prompt_tokens, settings)
        assert batched == [generate_token_ids(model, tokenizer, [t], one)[0] for t in prompt_tokens]
        assert len({len(t) for t in batched}) > 1  # rows left the batch at different steps


CHUNK = 'He said "hi".\nThis work was funded by the NSF (grant\tDMS-12). We thank Ana.'


@pytest.mark.parametrize("statements, copied", [
    ([], True),
    (["This work was funded by the NSF (grant\tDMS-12)."], True),
    (['said "hi".\nThis work', "NSF", "We thank Ana."], True),
    (["funded by the NIH"], False),  # not in the chunk
    (["unded by the NSF"], False),  # starts inside a word
    (["This work was fun"], False),  # ends inside one
    (["the NSF (grant\tDMS"], True),  # a tab, written as its JSON escape
])
def test_copied_statements_are_whole_word_substrings_of_their_chunk(tokenizer, statements, copied):
    answer = _ids(tokenizer, render_statements(statements))
    assert accepts(statements_grammar(CHUNK), tokenizer, answer) is copied
    assert accepts(statements_grammar(), tokenizer, answer)  # the plain grammar takes any string


def test_each_row_decodes_under_its_own_grammar(tiny_model_dir, tokenizer):
    """Per-prompt grammars (stage 1's copied statements): every answer copies from its own chunk only."""
    model = _model(tiny_model_dir)
    chunks = ["The NSF funded this work (grant 1).", "We thank the Wellcome Trust for grant 2.", "Nothing here."]
    messages = [[{"role": "system", "content": "Copy."}, {"role": "user", "content": chunk}] for chunk in chunks]
    prompts = [_ids(tokenizer, p) for p in chat_prompts(tokenizer, messages)]
    grammars = [statements_grammar(chunk) for chunk in chunks]
    # sampled, so that the random model also opens strings (greedy, it closes every list at once)
    settings = GenerationSettings(max_new_tokens=64, batch_size=4, do_sample=True, temperature=3.0, grammar=grammars * 4)
    torch.manual_seed(0)
    copied = []
    for tokens, grammar, chunk in zip(generate_token_ids(model, tokenizer, prompts * 4, settings), grammars * 4,
                                      chunks * 4, strict=True):
        complete = tokens[-1] == tokenizer.eos_token_id
        assert accepts(grammar, tokenizer, tokens[:-1]) if complete else _is_prefix(grammar, tokenizer, tokens)
        statements = parse_statements(tokenizer.decode(tokens, skip_special_tokens=True)).value
        assert all(statement in chunk for statement in statements)
        copied += statements
    assert copied  # the random model copied something
    with pytest.raises(ValueError, match="2 grammars for 3 prompts"):
        prompt_grammars(grammars[:2], 3)


def test_unconstrained_generation_is_unchanged(tiny_model_dir, tokenizer, funding_file):
    """`generate_transformers` is `generate_token_ids` decoded, and both still equal plain `model.generate`."""
    model = _model(tiny_model_dir)
    prompts = chat_prompts(tokenizer, [FundingTask().prompt(r) for r in load_funding_records(funding_file)])
    settings = GenerationSettings(max_new_tokens=12, batch_size=3)
    texts = generate_transformers(model, tokenizer, prompts, settings, progress=None)
    ids = generate_token_ids(model, tokenizer, [_ids(tokenizer, p) for p in prompts], settings)
    assert texts == tokenizer.batch_decode(ids, skip_special_tokens=True)
    for prompt, new_tokens in zip(prompts, ids, strict=True):
        prompt_ids = torch.tensor([_ids(tokenizer, prompt)])
        with torch.inference_mode():
            reference = model.generate(input_ids=prompt_ids, attention_mask=torch.ones_like(prompt_ids),
                                       max_new_tokens=12, pad_token_id=tokenizer.pad_token_id, do_sample=False,
                                       temperature=None, top_p=None, top_k=None)
        assert new_tokens == reference[0, prompt_ids.shape[1]:].tolist()
