"""R2GRPO reward components: values by hand, ranges, and the edge cases (empty gold or output, unreadable
JSON, duplicates), called the way TRL calls them."""

from __future__ import annotations

import json

import pytest

from sciextract.errors import InputError
from sciextract.config import Config
from sciextract.tasks.sciie.task import SciIETask
from sciextract.tasks.sciie.rewards import (DEFAULT_REWARD_WEIGHTS, answer_format_value, boundary_overlap,
                                            ner_match_value, relation_f1_value,
                                            think_relevance_value)

SENTENCE = "We apply the graph attention network to citation intent classification on SciCite-X ."
GOLD = {"ner": [["graph attention network", "Method"], ["citation intent classification", "Task"],
                ["SciCite-X", "Dataset"]],
        "rel": [["graph attention network", "Used-For", "citation intent classification"],
                ["graph attention network", "Evaluated-With", "SciCite-X"]]}


def output(answer: dict | str, think: str = "Step 1 entities") -> str:
    body = answer if isinstance(answer, str) else json.dumps(answer)
    return f"<think>{think}</think>\n<answer>{body}</answer>"


def test_ner_match_mixes_exact_f1_and_boundary_overlap():
    assert ner_match_value(GOLD["ner"], GOLD["ner"]) == 1.0
    partial = [["attention network", "Method"], ["SciCite-X", "Dataset"]]
    # exact: 1 of 2 predicted, 1 of 3 gold -> F1 0.4; boundary: (2/3 + 0 + 1) / 3 = 5/9
    assert ner_match_value(partial, GOLD["ner"]) == pytest.approx(0.7 * 0.4 + 0.3 * 5 / 9)
    assert ner_match_value(GOLD["ner"] + GOLD["ner"], GOLD["ner"]) == 1.0  # duplicates neither help nor hurt
    wrong_type = [["SciCite-X", "Task"]]
    assert ner_match_value(wrong_type, [["SciCite-X", "Dataset"]]) == pytest.approx(0.3)  # boundary only


def test_empty_gold_and_unreadable_output():
    assert ner_match_value([], []) == 1.0 and relation_f1_value([], []) == 1.0
    assert ner_match_value([["BERT", "Method"]], []) == 0.0 and relation_f1_value([["a", "Part-Of", "b"]], []) == 0.0
    assert ner_match_value([], GOLD["ner"]) == 0.0 and relation_f1_value([], GOLD["rel"]) == 0.0
    assert ner_match_value(None, []) == 0.0 and relation_f1_value(None, []) == 0.0  # never rewarded
    assert boundary_overlap([], []) == 1.0 and boundary_overlap([], ["x"]) == 0.0


def test_relation_f1_is_exact_on_distinct_triples():
    one = [GOLD["rel"][0], GOLD["rel"][0], ["graph attention network", "Used-For", "SciCite-X"]]
    assert relation_f1_value(one, GOLD["rel"]) == pytest.approx(0.5)  # P 1/2, R 1/2
    assert relation_f1_value([[" graph  attention network", "Used-For", "citation intent classification"]],
                             GOLD["rel"][:1]) == 1.0  # whitespace collapsed


def test_think_relevance_credits_and_cap():
    assert think_relevance_value(output(GOLD, think=""), SENTENCE, GOLD["rel"]) == 0.0
    assert think_relevance_value('"graph attention network"', SENTENCE, GOLD["rel"]) == 0.0  # no <think> block
    short = think_relevance_value(output(GOLD, think='"citation intent classification"'), SENTENCE, [])
    long = think_relevance_value(output(GOLD, think=f'"{SENTENCE}"'), SENTENCE, [])
    assert short == pytest.approx(0.05) and long == pytest.approx(0.05 * 4 / len(SENTENCE.split()))
    assert think_relevance_value(output(GOLD, think='"graph network" "(" "."'), SENTENCE, []) == 0.0
    rules = "Step 1 ... this implies Used-For because the pattern Method ... Task suggests it"
    assert think_relevance_value(output(GOLD, think=rules), SENTENCE, []) == pytest.approx(0.4)
    triple = "graph attention network Used-For citation intent classification"
    assert think_relevance_value(output(GOLD, think=triple), SENTENCE, GOLD["rel"]) == pytest.approx(0.2)
    everything = " ".join([rules, triple, "graph attention network Evaluated-With SciCite-X"]
                          + [f'"{w}"' for w in ("We", "apply", "the", "graph", "attention", "network", "to")])
    assert think_relevance_value(output(GOLD, think=everything), SENTENCE, GOLD["rel"]) == 1.0  # 0.3+0.4+0.4 capped


@pytest.mark.parametrize(("text", "value"), [
    ("<think>x</think><answer>{}</answer>", 1.0),
    ("  <reasoning>r</reasoning>\n<think>x</think>\n<answer>{}</answer>\n", 1.0),
    ("<answer>{}</answer><think>x</think>", 0.0),
    ("<think>x</think>", 0.0),
    ("<think>x</think><answer>{}</answer> and more", 0.0),
    ('{"ner": []}', 0.0),
])
def test_answer_format(text, value):
    assert answer_format_value(text) == value


def call(functions, completions: list[str], gold: dict = GOLD) -> dict[str, list[float]]:
    """Call each function as TRL does: conversational completions, one gold column value per sample."""
    messages = [[{"role": "assistant", "content": text}] for text in completions]
    columns = {"gold_answer": [json.dumps(gold)] * len(completions), "sentence": [SENTENCE] * len(completions)}
    return {f.__name__: f(prompts=[[]] * len(completions), completions=messages, log_metric=print, **columns)
            for f in functions}


def test_functions_are_named_weighted_and_bounded():
    functions, weights = SciIETask().reward_functions(Config())
    assert [f.__name__ for f in functions] == list(DEFAULT_REWARD_WEIGHTS) == ["ner_match", "relation_f1",
                                                                                "think_relevance", "answer_format"]
    assert weights == [1.0, 2.0, 0.5, 0.5]
    completions = [output(GOLD), output("{not json"), "", json.dumps(GOLD), output({"ner": [], "rel": []}),
                   output(GOLD, think=" ".join(f'"{w}" Step {i}' for i, w in enumerate(SENTENCE.split())))]
    values = call(functions, completions)
    for name, per_completion in values.items():
        assert all(0.0 <= v <= 1.0 for v in per_completion), name
    assert values["ner_match"][:4] == [1.0, 0.0, 0.0, 1.0]
    assert values["relation_f1"][:4] == [1.0, 0.0, 0.0, 1.0]
    assert values["answer_format"][:4] == [1.0, 1.0, 0.0, 0.0]
    empty_gold = call(functions, [output({"ner": [], "rel": []}), output("[]")], gold={"ner": [], "rel": []})
    assert empty_gold["relation_f1"] == [1.0, 0.0]  # empty answer to empty gold: full; unreadable: nothing


def test_weights_override_by_name_and_unknown_names_fail():
    config = Config()
    config.grpo.rewards = {"sciie": {"relation_f1": 3.0}}
    _, weights = SciIETask().reward_functions(config)
    assert weights == [1.0, 3.0, 0.5, 0.5]
    config.grpo.rewards = {"sciie": {"funder_f05": 0.5}}
    with pytest.raises(InputError, match=r"field 'grpo.rewards.sciie': unknown reward component\(s\) \['funder_f05'\]"):
        SciIETask().reward_functions(config)
