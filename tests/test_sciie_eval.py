"""SciIE answer parser, exact-match micro scoring and the sampled metrics (Best@K, Avg@K), with counts worked
out by hand."""

from __future__ import annotations

import pytest

from sciextract.tasks.sciie.parse import read_answer
from sciextract.tasks.sciie.score import EMPTY, aggregate, avg_at_k, best_at_k, predicted_items

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
    # NER: gold 3 distinct; pred 3 distinct (duplicate BERT once); only BERT/Method matches.
    assert {k: metrics["ner"][k] for k in ("gold", "pred", "matched")} == {"gold": 3, "pred": 3, "matched": 1}
    # REL: 3 distinct predicted triples, both gold triples found.
    assert {k: metrics["rel"][k] for k in ("gold", "pred", "matched")} == {"gold": 2, "pred": 3, "matched": 2}
    assert metrics["rel"]["precision"] == pytest.approx(2 / 3) and metrics["rel"]["recall"] == 1.0
    # REL+: SQuAD is typed Task by the prediction's entity list, "question answering" is not in it, and
    # "reading  comprehension" (two spaces) does not type "reading comprehension".
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


def test_strings_match_exactly_case_and_spacing_included():
    sentence_gold = record(ner=[["question answering", "Task"], ["BERT", "Method"]],
                           rel=[["BERT", "Used-For", "question answering"]],
                           rel_plus=[["BERT:Method", "Used-For", "question answering:Task"]])
    variants = {"case": {"ner": [["bert", "Method"], ["Question answering", "Task"]],
                         "rel": [["bert", "Used-For", "question answering"]]},
                "spacing": {"ner": [["BERT ", "Method"], ["question  answering", "Task"]],
                            "rel": [["BERT", "Used-For", "question  answering"]]},
                "exact": {"ner": [["BERT", "Method"], ["question answering", "Task"]],
                          "rel": [["BERT", "Used-For", "question answering"]]}}
    matched = {name: aggregate([sentence_gold], [predicted_items(sentence_gold, answer)], [False])[0]["metrics"]
               for name, answer in variants.items()}
    assert [(m["ner"]["matched"], m["rel"]["matched"], m["rel_plus"]["matched"]) for m in matched.values()] == [
        (0, 0, 0), (0, 0, 0), (2, 1, 1)]
    assert matched["spacing"]["ner"]["pred"] == 2 and matched["spacing"]["rel"]["pred"] == 1


def test_an_unreadable_answer_counts_its_gold_as_misses():
    other = record([["ELMo", "Method"]], [], [], rid="s2")
    report, rows = aggregate([GOLD, other], [EMPTY, EMPTY], [True, False])
    assert rows[0] == {"id": "s1", "ner": {"gold": 3, "pred": 0, "matched": 0}, "rel": {"gold": 2, "pred": 0, "matched": 0},
                       "rel_plus": {"gold": 2, "pred": 0, "matched": 0}, "parse_failed": True}
    assert report["metrics"]["ner"]["recall"] == 0.0 and report["metrics"]["ner"]["gold"] == 4
    assert report["metrics"]["rel"]["f1"] == 0.0


# -- sampled metrics ------------------------------------------------------------------------------

ALL_ENTITIES = {"ner": [["BERT", "Method"], ["SQuAD", "Dataset"], ["question answering", "Task"]], "rel": []}
"""Every gold entity, no relation: NER F1 1, REL F1 0."""
BOTH_RELATIONS = {"ner": [["BERT", "Method"], ["SQuAD", "Dataset"]],
                  "rel": [["BERT", "Evaluated-With", "SQuAD"], ["BERT", "Used-For", "question answering"]]}
"""Two of three entities (NER F1 0.8) and both gold relations (REL F1 1); "question answering" is untyped."""
OTHER = record([["ELMo", "Method"]], [], [], rid="s2")


def test_best_at_k_picks_the_ner_and_the_relation_sample_separately():
    oracle = best_at_k([GOLD], [[ALL_ENTITIES, BOTH_RELATIONS]])
    metrics = oracle["metrics"]
    assert oracle["sampled"] is True and oracle["oracle"] is True and oracle["k"] == 2
    assert metrics["ner"]["f1"] == 1.0  # from the first sample
    assert metrics["rel"]["f1"] == 1.0  # from the second
    # REL+ comes with the relation sample, typed by that sample's own entities: one of two triples typed right
    assert (metrics["rel_plus"]["matched"], metrics["rel_plus"]["pred"]) == (1, 2)
    assert oracle["headline_f1"] == metrics["headline"]["f1"] == 0.5 and oracle["empty_choices"] == {"ner": 0, "rel": 0}
    # ties go to the earlier sample: both score REL F1 2/3, only the first types its triple right for REL+
    typed = {"ner": [["BERT", "Method"], ["SQuAD", "Dataset"]], "rel": [["BERT", "Evaluated-With", "SQuAD"]]}
    untyped = {"ner": [], "rel": [["BERT", "Used-For", "question answering"]]}
    assert best_at_k([GOLD], [[typed, untyped]])["metrics"]["rel_plus"]["matched"] == 1
    assert best_at_k([GOLD], [[untyped, typed]])["metrics"]["rel_plus"]["matched"] == 0


def test_best_at_k_uses_the_empty_prediction_when_every_sample_scores_zero():
    wrong = {"ner": [["BERT", "Task"], ["SQuAD", "Method"]], "rel": [["SQuAD", "Used-For", "BERT"]]}
    oracle = best_at_k([GOLD, OTHER], [[wrong, None], [{"ner": [["ELMo", "Task"]], "rel": []}, None]])
    metrics = oracle["metrics"]
    assert (metrics["ner"]["pred"], metrics["rel"]["pred"], metrics["rel_plus"]["pred"]) == (0, 0, 0)
    assert metrics["ner"]["gold"] == 4 and oracle["empty_choices"] == {"ner": 2, "rel": 1}
    assert oracle["unreadable_samples"] == 2
    # a sentence without relations: the empty relation list scores 1 and is kept, spurious relations are not
    assert best_at_k([OTHER], [[{"ner": [], "rel": [["ELMo", "Used-For", "ELMo"]]}]])["empty_choices"] == {"ner": 1,
                                                                                                          "rel": 1}


def test_best_at_k_only_chooses_the_levels_the_variant_asks_for():
    ner_only = {**GOLD, "task_variant": "ner"}
    oracle = best_at_k([ner_only], [[BOTH_RELATIONS, ALL_ENTITIES]])
    assert oracle["empty_choices"] == {"ner": 0} and oracle["metrics"]["rel"] is None
    assert oracle["metrics"]["headline"]["level"] == "ner" and oracle["headline_f1"] == 1.0


def test_avg_at_k_averages_the_micro_scores_of_the_k_sampled_systems():
    samples = [[ALL_ENTITIES, BOTH_RELATIONS], [None, {"ner": [["ELMo", "Method"], ["x", "Task"]], "rel": []}]]
    average = avg_at_k([GOLD, OTHER], samples)
    metrics = average["metrics"]
    assert average["sampled"] is True and average["oracle"] is False and average["k"] == 2
    # system 0: NER 3 of 4 gold, 3 predicted (P 1, R .75); no relation predicted
    # system 1: NER 3 of 4 gold, 4 predicted (P .75, R .75); REL 2/2; REL+ 1 of 2
    assert metrics["ner"]["precision"] == pytest.approx(0.875) and metrics["ner"]["recall"] == pytest.approx(0.75)
    assert metrics["ner"]["f1"] == pytest.approx((6 / 7 + 0.75) / 2)  # the mean of F1s, not the F1 of means
    assert (metrics["rel"]["precision"], metrics["rel"]["recall"], metrics["rel"]["f1"]) == (0.5, 0.5, 0.5)
    assert metrics["rel_plus"]["f1"] == pytest.approx(0.25) and metrics["headline"]["level"] == "rel_plus"
    assert average["headline_f1_per_sample"] == [0.0, 0.5] and average["headline_f1"] == pytest.approx(0.25)
    assert average["unreadable_samples"] == 1


def test_sampled_metrics_need_k_samples_for_every_record():
    for metric in (best_at_k, avg_at_k):
        with pytest.raises(ValueError, match="same number"):
            metric([GOLD, OTHER], [[ALL_ENTITIES], [ALL_ENTITIES, None]])
        with pytest.raises(ValueError, match="1 sample lists for 2 records"):
            metric([GOLD, OTHER], [[ALL_ENTITIES]])
