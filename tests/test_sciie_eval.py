"""SciIE answer parser and exact-match micro scoring, with counts worked out by hand."""

from __future__ import annotations

import pytest

from sciextract.tasks.sciie.parse import read_answer
from sciextract.tasks.sciie.score import EMPTY, aggregate, best_at_k, predicted_items

ANSWER = '{"ner": [["BERT", "Method"]], "rel": []}'


@pytest.mark.parametrize("text", [
    f"<think>plan</think>\n<answer>{ANSWER}</answer>",
    f"<answer>```json\n{ANSWER}\n```</answer>",
    f"```json\n{ANSWER}\n```",
    f"Here it is: {ANSWER} Hope this helps.",
    f"<think>I see {{\"ner\": []}} in my notes</think> {ANSWER}",  # a JSON object inside <think> is not the answer
    f"<think>plan</think><answer>{ANSWER}",  # unterminated answer block: cut after the JSON
    f'{{"note": "not it"}} {ANSWER}',  # the first object without the answer's shape is passed over
])
def test_reader_finds_the_answer(text):
    assert read_answer(text) == {"ner": [["BERT", "Method"]], "rel": []}


def test_a_missing_key_is_an_empty_list():
    assert read_answer('{"rel": [["A", "Used-For", "B"]]}') == {"ner": [], "rel": [["A", "Used-For", "B"]]}


@pytest.mark.parametrize("text", [
    None, "", "no json here", "<answer>{'ner': []}</answer>", '{"entities": []}',
    '{"ner": [["BERT"]]}', '{"rel": [["A", "B"]]}', '{"ner": [["BERT", 3]]}', '{"ner": "BERT"}',
    f"<answer>nothing</answer> {ANSWER}",  # an answer block is read alone
    '<think>{"ner": [["BERT", "Method"]]}</think>',
])
def test_unreadable_outputs_are_none_and_never_raise(text):
    assert read_answer(text) is None


def record(ner, rel, rel_plus, variant="end2end", rid="s1"):
    return {"id": rid, "sentence": "unused", "ner": ner, "rel": rel, "rel_plus": rel_plus, "task_variant": variant,
            "split": "SciER dev"}


GOLD = record(
    ner=[["BERT", "Method"], ["SQuAD", "Dataset"], ["question answering", "Task"], ["BERT", "Method"]],
    rel=[["BERT", "Evaluated-With", "SQuAD"], ["BERT", "Used-For", "question answering"]],
    rel_plus=[["BERT:Method", "Evaluated-With", "SQuAD:Dataset"], ["BERT:Method", "Used-For", "question answering:Task"]])


def test_counts_by_hand_with_duplicates_typing_and_per_relation():
    answer = {"ner": [["BERT", "Method"], ["BERT", "Method"], ["SQuAD", "Task"], ["reading  comprehension", "Task"]],
              "rel": [["BERT", "Evaluated-With", "SQuAD"], ["BERT", "Evaluated-With", "SQuAD"],
                      ["BERT", "Used-For", "question answering"], ["reading comprehension", "Compare-With", "BERT"]]}
    report, rows = aggregate([GOLD], [predicted_items(GOLD, answer)], [False])
    metrics = report["metrics"]
    # NER: gold 3 distinct; pred 3 distinct (duplicate BERT once, whitespace collapsed); only BERT/Method matches.
    assert {k: metrics["ner"][k] for k in ("gold", "pred", "matched")} == {"gold": 3, "pred": 3, "matched": 1}
    # REL: 3 distinct predicted triples, both gold triples found.
    assert {k: metrics["rel"][k] for k in ("gold", "pred", "matched")} == {"gold": 2, "pred": 3, "matched": 2}
    assert metrics["rel"]["precision"] == pytest.approx(2 / 3) and metrics["rel"]["recall"] == 1.0
    # REL+: SQuAD is typed Task by the prediction's entity list and "question answering" is not in it.
    assert metrics["rel_plus"]["matched"] == 0 and metrics["rel_plus"]["pred"] == 3
    assert metrics["per_relation"]["Evaluated-With"] == pytest.approx(
        {"precision": 1.0, "recall": 1.0, "f1": 1.0, "f0_5": 1.0, "f1_5": 1.0, "gold": 1, "pred": 1, "matched": 1})
    assert metrics["per_relation"]["Compare-With"]["pred"] == 1 and metrics["per_relation"]["Compare-With"]["f1"] == 0.0
    assert metrics["per_relation"]["Synonym-Of"]["f1"] == 1.0  # nothing expected, nothing predicted
    assert metrics["headline"] == {"level": "rel_plus", **metrics["rel_plus"]}
    assert rows == [{"id": "s1", "ner": {"gold": 3, "pred": 3, "matched": 1}, "rel": {"gold": 2, "pred": 3, "matched": 2},
                     "rel_plus": {"gold": 2, "pred": 3, "matched": 0}, "parse_failed": False}]


def test_parse_failures_score_as_empty_and_are_counted():
    other = record([["ELMo", "Method"]], [], [], rid="s2")
    perfect = {"ner": [["ELMo", "Method"]], "rel": []}
    report, rows = aggregate([GOLD, other], [EMPTY, predicted_items(other, perfect)], [True, False])
    assert report["parse_failures"] == 1 and report["parse_failure_rate"] == 0.5 and report["documents"] == 2
    assert report["metrics"]["ner"]["recall"] == pytest.approx(1 / 4)
    assert rows[0]["parse_failed"] and rows[0]["ner"] == {"gold": 3, "pred": 0, "matched": 0}


def test_levels_a_variant_does_not_ask_for_are_null():
    ner_only = {**GOLD, "task_variant": "ner"}
    report, rows = aggregate([ner_only], [predicted_items(ner_only, {"ner": [["BERT", "Method"]], "rel": []})], [False])
    assert report["metrics"]["rel"] is None and report["metrics"]["per_relation"] is None
    assert report["metrics"]["headline"]["level"] == "ner" and rows[0]["rel_plus"] is None

    given = {**GOLD, "task_variant": "re"}
    answer = {"ner": [], "rel": [["BERT", "Used-For", "question answering"]]}
    report, rows = aggregate([given], [predicted_items(given, answer)], [False])
    assert report["metrics"]["ner"] is None and report["metrics"]["headline"]["level"] == "rel"
    assert report["metrics"]["rel_plus"]["matched"] == 1  # the given entity list types the arguments


def test_one_set_holds_one_variant():
    with pytest.raises(ValueError, match="share one task variant"):
        aggregate([GOLD, {**GOLD, "id": "s2", "task_variant": "ner"}], [EMPTY, EMPTY], [False, False])


def test_best_at_k_takes_each_sentence_best_sample_by_gold():
    wrong = {"ner": [["BERT", "Task"]], "rel": []}
    right = {"ner": [["BERT", "Method"], ["SQuAD", "Dataset"], ["question answering", "Task"]],
             "rel": [["BERT", "Evaluated-With", "SQuAD"]]}
    oracle = best_at_k([GOLD], [[(wrong, False), (None, True), (right, False)]])
    assert oracle["k"] == 3 and oracle["oracle"] is True
    assert oracle["metrics"]["rel_plus"]["matched"] == 1 and oracle["parse_failures"] == 0
    tied = best_at_k([GOLD], [[(None, True), (None, True)]])
    assert tied["parse_failures"] == 1  # all samples equal: the first is kept
    with pytest.raises(ValueError, match="same number"):
        best_at_k([GOLD, {**GOLD, "id": "s2"}], [[(right, False)], [(right, False), (wrong, False)]])
    with pytest.raises(ValueError, match="1 sample lists for 2 records"):
        best_at_k([GOLD, {**GOLD, "id": "s2"}], [[(right, False)]])
