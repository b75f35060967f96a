"""Per-document funding scoring, micro aggregation in three modes and the GRPO reward, with hand-computed counts.

The expectations follow the published harness's rules as written in the `score.py` docstring; each count below
is worked out by hand in the comment beside it (no harness run is involved).

Similarities used below (balanced mode, see tests/test_scoring_text.py):
"National Science Foundation (NSF)"~"NSF" 0.90 (acronym); ~"National Science Foundation" 0.90;
"Max Planck Society"~"Max Planck" 0.85 and "Max Planck Institute"~"Max Planck" 0.85 (token subset),
but "Max Planck Society"~"Max Planck Institute" 0.53; unrelated funders (Wellcome Trust, European Research
Council, Cancer Research UK) score at most 0.60 against each other.
"""

import json
import random

import pytest

from sciextract.config import Config, FundingEvalSettings
from sciextract.tasks.funding.rewards import DEFAULT_REWARD_WEIGHTS, funding_reward_components
from sciextract.tasks.funding.score import merge_plan, score_document, score_documents
from sciextract.tasks.funding.task import FundingTask
from sciextract.tasks.base import Parsed
from sciextract.train.rewards import weighted_totals

LEVELS = ("funder", "award_id", "scheme", "title")
MODES = ("balanced", "permissive", "strict")
SCORES = ("precision", "recall", "f1", "f0_5", "f1_5")
COMPONENTS = ("funder_f05", "award_f05", "flat_award_f05", "scheme_f05", "title_f05")


def funder(name, ids=(), schemes=(), titles=()):
    return {"funder_name": name,
            "awards": [{"award_ids": list(ids), "funding_scheme": list(schemes), "award_title": list(titles)}]}


def counts(gold, pred, settings=FundingEvalSettings()):
    """(gold, pred, matched) per level in the settings' mode."""
    by_level = score_document(gold, pred, settings)[settings.mode]
    return {level: (c.gold, c.pred, c.matched) for level, c in by_level.items()}


def total(parts: dict, weights: dict = DEFAULT_REWARD_WEIGHTS) -> float:
    """The weighted reward as GRPO pays it (`weighted_totals`, the one place the total is computed)."""
    return weighted_totals(list(weights.values()), [[parts[name]] for name in weights])[0]


RICH_GOLD = [
    funder("National Science Foundation (NSF)", ["DMR-1234567", "dmr 1234567"], ["CAREER"], ["Quantum materials"]),
    funder("NSF", ["CHE-7654321"]),  # merges into the first funder (balanced, permissive)
    funder("Wellcome Trust", ["WT/123"], [], ["A title", "A  title"]),  # the two titles normalize alike: 2 titles
    funder(None, ["X1"]),
    funder(None, [], ["Fellowship"]),
]


# --- per document -----------------------------------------------------------------------------------

def test_gold_against_itself_is_perfect_everywhere():
    # funders: NSF merged -> 2 named; ids: DMR1234567 twice + CHE7654321 + WT123 + unnamed X1 = 5
    # schemes: CAREER + unnamed Fellowship = 2; titles: "Quantum materials" + "A title" twice = 3
    assert counts(RICH_GOLD, RICH_GOLD) == {"funder": (2, 2, 2), "award_id": (5, 5, 5),
                                            "scheme": (2, 2, 2), "title": (3, 3, 3)}
    # strict keeps "NSF" apart (token_sort 6/36): 3 funders, the other counts alike
    assert counts(RICH_GOLD, RICH_GOLD, FundingEvalSettings(mode="strict"))["funder"] == (3, 3, 3)
    report, _ = score_documents([("d1", RICH_GOLD, RICH_GOLD, False)])
    for mode in MODES:
        for level in LEVELS:
            for name in SCORES:
                assert report["metrics"]["by_mode"][mode][level][name] == 1.0, (mode, level, name)
    assert funding_reward_components(RICH_GOLD, RICH_GOLD) == dict.fromkeys(COMPONENTS, 1.0)


def test_every_listed_id_counts_duplicates_included():
    # "DMR-1" and "DMR1" both normalize to DMR1: two gold ids under one funder, one predicted -> (2, 1, 1)
    gold = [funder("Wellcome Trust", ["DMR-1", "DMR1"])]
    assert counts(gold, [funder("Wellcome Trust", ["DMR1"])])["award_id"] == (2, 1, 1)
    # predicted twice as well: each occurrence matches once -> (2, 2, 2)
    assert counts(gold, [funder("Wellcome Trust", ["dmr 1", "DMR1"])])["award_id"] == (2, 2, 2)
    # an extra predicted copy is a false alarm: gold 1, pred 2, matched 1
    extra_copy = [funder("Wellcome Trust", ["A1", "a-1"])]
    assert counts([funder("Wellcome Trust", ["A1"])], extra_copy)["award_id"] == (1, 2, 1)
    # ids of several awards of one funder are all counted: A1 in two awards -> 2
    two_awards = {"funder_name": "Wellcome Trust", "awards": [funder(None, ["A1"])["awards"][0]] * 2}
    assert counts([two_awards], [two_awards])["award_id"] == (2, 2, 2)


def test_every_listed_scheme_and_title_counts():
    # schemes: gold CAREER twice, pred once -> the one-to-one assignment pairs one of them: (2, 1, 1)
    # titles: "Deep  learning" and "Deep learning*" both normalize to "Deep learning": gold 2, pred 1 -> (2, 1, 1)
    gold = [funder("ERC", schemes=["CAREER", "CAREER"], titles=["Deep  learning", "Deep learning*"])]
    pred = [funder("ERC", schemes=["CAREER"], titles=["Deep learning"])]
    assert counts(gold, pred)["scheme"] == (2, 1, 1)
    assert counts(gold, pred)["title"] == (2, 1, 1)


def test_items_that_normalize_to_nothing_still_count():
    # ids "-" and "/" both normalize to "": listed, so counted, and equal, so matched -> (1, 1, 1)
    assert counts([funder("Wellcome Trust", ["-"])], [funder("Wellcome Trust", ["/"])])["award_id"] == (1, 1, 1)
    # a scheme "*" normalizes to "": counted; balanced scores "" at 0.0 (no match), strict and permissive 1.0
    gold, pred = [funder("Wellcome Trust", schemes=["*"])], [funder("Wellcome Trust", schemes=["*"])]
    assert counts(gold, pred)["scheme"] == (1, 1, 0)
    assert counts(gold, pred, FundingEvalSettings(mode="strict"))["scheme"] == (1, 1, 1)
    assert counts(gold, pred, FundingEvalSettings(mode="permissive"))["scheme"] == (1, 1, 1)


def test_a_name_that_normalizes_to_nothing_is_a_named_funder_matched_by_no_one_in_balanced_mode():
    # "*" is a name (not null), so a funder item; normalized it is "", which balanced scores 0.0 against anything:
    # funder (1, 1, 0), and its ids sit under unmatched funders: (1, 1, 0)
    assert counts([funder("*", ["A1"])], [funder("*", ["A1"])])["funder"] == (1, 1, 0)
    assert counts([funder("*", ["A1"])], [funder("*", ["A1"])])["award_id"] == (1, 1, 0)
    # strict: token_sort("", "") = 1.0 -> matched, ids too
    strict = FundingEvalSettings(mode="strict")
    assert counts([funder("*", ["A1"])], [funder("*", ["A1"])], strict)["award_id"] == (1, 1, 1)
    # two "*" funders on one side never merge in balanced mode: 2 gold funders
    assert counts([funder("*"), funder("*")], [])["funder"] == (2, 0, 0)


def test_merge_runs_in_rounds_of_optimal_pairings():
    # A~B 0.85, B~C 0.95, A~C 0.5 (threshold 0.8). Round 1: the assignment of [A, B, C] against itself
    # maximizes the total: B<->C (1.90) beats A<->B (1.70) and the 3-cycle (0.85 + 0.95 + 0 = 1.80), so B and C
    # merge into B (C's awards after B's). Round 2: [B+C, A]: B~A 0.85 -> merge into B, A's awards last.
    similarities = {frozenset("AB"): 0.85, frozenset("BC"): 0.95, frozenset("AC"): 0.5}
    plan = merge_plan(("A", "B", "C"), lambda a, b: similarities[frozenset(a + b)], 0.8)
    assert plan == ((1, 2, 0),)  # one group, named B, holding B's, C's and A's awards in that order
    # a single ordered scan would have merged A+B first and left C alone: ((0, 1), (2,))


def test_merge_keeps_merged_groups_first_then_the_rest_in_order():
    # [P, Q, R, S]: only Q~S 0.9 is eligible -> round 1 merges (1, 3); new order: [Q+S, P, R]; round 2 nothing
    similarities = {frozenset("QS"): 0.9}
    plan = merge_plan(tuple("PQRS"), lambda a, b: similarities.get(frozenset(a + b), 0.1), 0.8)
    assert plan == ((1, 3), (0,), (2,))
    # a pair below the threshold never merges, even when the assignment pairs it: nothing merges here
    assert merge_plan(("P", "Q"), lambda a, b: 0.79, 0.8) == ((0,), (1,))


def test_merge_order_decides_which_funder_the_prediction_meets():
    # strict and balanced similarities (token_sort, no raise applies; hand-computed with LCS):
    # A "National Science Fund" ~ B "National Sciences Foundation": sorted "Fund National Science" is a
    #   subsequence of "Foundation National Sciences": 2·21/(21+28) = 0.857
    # B ~ C "National Science Foundation (NSF)": LCS "Foundation National Science" 27 -> 2·27/(28+33) = 0.885
    # A ~ C: LCS 21 -> 2·21/(21+33) = 0.778 < 0.8
    # Rounds: B+C first (0.885 + 0.885 beats 0.857 + 0.857), then A joins: one gold funder named B, ids b, c, a.
    # The prediction names B with all three ids -> funder (1, 1, 1), ids (3, 3, 3).
    # (An ordered scan would give gold [A+B {a, b}, C {c}]; B's match would be C (0.885 > 0.857): ids 3/3/1.)
    a, b, c = "National Science Fund", "National Sciences Foundation", "National Science Foundation (NSF)"
    gold = [funder(a, ["ID-A"]), funder(b, ["ID-B"]), funder(c, ["ID-C"])]
    pred = [funder(b, ["ID-A", "ID-B", "ID-C"])]
    for mode in ("balanced", "strict"):
        result = counts(gold, pred, FundingEvalSettings(mode=mode))
        assert (result["funder"], result["award_id"]) == ((1, 1, 1), (3, 3, 3)), mode


def test_merge_joins_similar_named_funders_and_concatenates_awards():
    # gold: "NSF" and "National Science Foundation" score 0.90 each against the first and about 0.13 against
    # each other: round 1 merges one of them into the first, round 2 the other -> one funder, ids A1 A2 A3
    gold = [funder("National Science Foundation (NSF)", ["A1"]), funder("NSF", ["A2"]),
            funder("National Science Foundation", ["A3"])]
    pred = [funder("NSF", ["A1", "A2", "A3"])]
    assert counts(gold, pred)["funder"] == (1, 1, 1)
    assert counts(gold, pred)["award_id"] == (3, 3, 3)


def test_a_merged_group_is_compared_by_the_name_it_keeps():
    society, institute, short = "Max Planck Society", "Max Planck Institute", "Max Planck"
    # (S, I) 0.53; (S, MP) 0.85; (I, MP) 0.85.
    # [S, I, MP]: round 1 pairs MP (index 2) with S or I, which keeps its own name; round 2 compares S with I
    # (0.53): no merge -> 2 funders
    assert counts([funder(society), funder(institute), funder(short)], [])["funder"] == (2, 0, 0)
    # [MP, S, I]: round 1 pairs MP (index 0) with S or I and the group keeps the name "Max Planck"; round 2
    # compares "Max Planck" with the other (0.85): merge -> 1 funder
    assert counts([funder(short), funder(society), funder(institute)], [])["funder"] == (1, 0, 0)


def test_prediction_side_merges_too():
    # pred "Max Planck" merges into "Max Planck Society" with its id -> 1 pred funder holding P1 P2
    gold = [funder("Max Planck Society", ["P1", "P2"])]
    pred = [funder("Max Planck Society", ["P1"]), funder("Max Planck", ["P2"])]
    assert counts(gold, pred)["funder"] == (1, 1, 1)
    assert counts(gold, pred)["award_id"] == (2, 2, 2)


def test_unnamed_funders_pool_and_are_paired_with_each_other():
    # gold pool: ids [A1, A2], schemes [Fellowship]; pred pool: ids [A1 ("a-1"), A3], schemes [Fellowship]
    gold = [funder(None, ["A1"]), funder(None, ["A2"], ["Fellowship"])]
    pred = [funder(None, ["a-1", "A3"], ["Fellowship"])]
    assert counts(gold, pred) == {"funder": (0, 0, 0), "award_id": (2, 2, 1), "scheme": (1, 1, 1), "title": (0, 0, 0)}


def test_unnamed_group_without_counterpart_and_never_matched_to_a_named_funder():
    # gold unnamed A1 vs pred named Wellcome A1: funder 0 gold / 1 pred; the ids sit in different groups
    assert counts([funder(None, ["A1"])], [funder("Wellcome Trust", ["A1"])])["funder"] == (0, 1, 0)
    assert counts([funder(None, ["A1"])], [funder("Wellcome Trust", ["A1"])])["award_id"] == (1, 1, 0)
    assert counts([funder("Wellcome Trust", ["A1"])], [funder(None, ["A1"])])["award_id"] == (1, 1, 0)
    # unnamed awards never merge into a named funder: Wellcome pair matches A1; gold-unnamed A2 is a miss,
    # pred Wellcome's A2 a false alarm -> ids gold 2, pred 2, matched 1
    gold = [funder("Wellcome Trust", ["A1"]), funder(None, ["A2"])]
    pred = [funder("Wellcome Trust", ["A1", "A2"])]
    assert counts(gold, pred)["award_id"] == (2, 2, 1)


def test_items_under_unmatched_funders_are_misses_and_false_alarms():
    gold = [funder("Wellcome Trust", ["W1", "W2"], ["Investigator Award"], ["T1 title"]),
            funder("European Research Council", ["E1"], ["Starting Grant"])]
    pred = [funder("Wellcome Trust", ["W1"]),
            funder("Cancer Research UK", ["C1", "C2"], ["Programme Grant"], ["Other title"])]
    # funders: Wellcome matched; ERC (0.60 vs CRUK) missed; CRUK a false alarm -> 2/2/1
    # ids: gold W1 W2 E1 = 3, pred W1 C1 C2 = 3, matched W1 = 1
    # schemes: gold 2 (Investigator Award, Starting Grant), pred 1 (under CRUK), matched 0
    # titles: gold 1 (Wellcome), pred 1 (CRUK), never compared -> 0
    assert counts(gold, pred) == {"funder": (2, 2, 1), "award_id": (3, 3, 1), "scheme": (2, 1, 0), "title": (1, 1, 0)}


def test_evaluation_gives_no_soft_credit_for_near_ids():
    near = counts([funder("Wellcome Trust", ["ABC1234"])], [funder("Wellcome Trust", ["ABC1235"])])
    assert near["award_id"] == (1, 1, 0)


def test_schemes_and_titles_match_fuzzily_one_to_one():
    # schemes: Skłodowska/Sklodowska 58/60 = 0.97 match; "Starting Grant"/"Advanced Grant" 0.36 no -> (2, 2, 1)
    gold = [funder("ERC", schemes=["Marie Skłodowska-Curie Actions", "Starting Grant"])]
    pred = [funder("ERC", schemes=["Marie Sklodowska-Curie Actions", "Advanced Grant"])]
    assert counts(gold, pred)["scheme"] == (2, 2, 1)
    # "Starting Grant" matches both "Starting Grant" (1.0) and "Starting grant" (0.85), but only once -> (1, 2, 1)
    one_to_one = counts([funder("ERC", schemes=["Starting Grant"])],
                        [funder("ERC", schemes=["Starting Grant", "Starting grant"])])
    assert one_to_one["scheme"] == (1, 2, 1)
    # strict mode has no lower-casing subset rule: token_sort("Starting Grant", "Starting grant") = 0.57
    strict = counts([funder("ERC", schemes=["Starting Grant"])], [funder("ERC", schemes=["Starting grant"])],
                    FundingEvalSettings(mode="strict"))
    assert strict["scheme"] == (1, 1, 0)


def test_mode_and_threshold_settings_drive_funder_matching():
    gold = [funder("National Science Foundation (NSF)", ["A1"])]
    pred = [funder("NSF", ["A1"])]
    # balanced 0.90 and permissive 1.0 (substring) match; strict 6/36 = 0.17 does not, so A1 is missed + false alarm
    assert counts(gold, pred)["award_id"] == (1, 1, 1)
    assert counts(gold, pred, FundingEvalSettings(mode="permissive"))["funder"] == (1, 1, 1)
    assert counts(gold, pred, FundingEvalSettings(mode="strict"))["award_id"] == (1, 1, 0)
    # 0.90 < 0.95
    assert counts(gold, pred, FundingEvalSettings(funder_threshold=0.95))["funder"] == (1, 1, 0)
    with pytest.raises(ValueError):
        FundingEvalSettings(mode="fuzzy")


def test_empty_sides():
    assert counts([], []) == {level: (0, 0, 0) for level in LEVELS}
    assert counts([funder("Wellcome Trust", ["W1"])], [])["award_id"] == (1, 0, 0)


# --- micro aggregation -------------------------------------------------------------------------------

def test_micro_aggregation_across_documents():
    doc1 = ("d1", [funder("Wellcome Trust", ["W1"])], [funder("Wellcome Trust", ["W1"])], False)
    # funders gold 3 (Wellcome, ERC, CRUK), pred 1, matched 1; ids gold [W1, W2], pred [W1, W9], matched 1
    doc2 = ("d2", [funder("Wellcome Trust", ["W1", "W2"]), funder("European Research Council"),
                   funder("Cancer Research UK")], [funder("Wellcome Trust", ["W1", "W9"])], False)
    # parse failure: the prediction is ignored and scored as empty -> funder 1/0/0, ids 1/0/0
    doc3 = ("d3", [funder("Wellcome Trust", ["W3"])], [funder("Wellcome Trust", ["W3"])], True)
    report, rows = score_documents([doc1, doc2, doc3], stamp={"run": "test"})

    funder_metrics = report["metrics"]["funder"]
    # summed: gold 1+3+1 = 5, pred 1+1+0 = 2, matched 2 -> P = 1, R = 2/5
    # F1 = 0.8/1.4 = 4/7; F0.5 = 1.25·0.4/(0.25 + 0.4) = 10/13; F1.5 = 3.25·0.4/(2.25 + 0.4) = 26/53
    assert (funder_metrics["gold"], funder_metrics["pred"], funder_metrics["matched"]) == (5, 2, 2)
    assert funder_metrics["precision"] == 1.0
    assert funder_metrics["recall"] == pytest.approx(0.4)
    assert funder_metrics["f1"] == pytest.approx(4 / 7)
    assert funder_metrics["f0_5"] == pytest.approx(10 / 13)
    assert funder_metrics["f1_5"] == pytest.approx(26 / 53)
    # ids: gold 1+2+1 = 4, pred 1+2+0 = 3, matched 2 -> P = 2/3, R = 1/2, F1 = 2·(1/3)/(7/6) = 4/7
    award_metrics = report["metrics"]["award_id"]
    assert (award_metrics["gold"], award_metrics["pred"], award_metrics["matched"]) == (4, 3, 2)
    assert award_metrics["precision"] == pytest.approx(2 / 3)
    assert award_metrics["f1"] == pytest.approx(4 / 7)

    assert report["stamp"] == {"run": "test"}
    assert report["documents"] == 3
    assert report["parse_failures"] == 1
    assert report["parse_failure_rate"] == pytest.approx(1 / 3)
    assert set(report) == {"stamp", "metrics", "parse_failures", "parse_failure_rate", "documents"}
    assert set(report["metrics"]) == {*LEVELS, "by_mode"}
    json.dumps(report)

    assert [row["id"] for row in rows] == ["d1", "d2", "d3"]
    assert [row["parse_failed"] for row in rows] == [False, False, True]
    assert rows[1]["funder"] == {"gold": 3, "pred": 1, "matched": 1}
    assert rows[2]["award_id"] == {"gold": 1, "pred": 0, "matched": 0}


def test_a_level_without_gold_or_predicted_items_scores_zero_in_the_report():
    # no scheme and no title on either side in any document: gold = pred = 0 -> P = R = F = 0.0, every mode
    wellcome = [funder("Wellcome Trust", ["W1"])]
    report, rows = score_documents([("d1", wellcome, wellcome, False)])
    for metrics in (report["metrics"], *report["metrics"]["by_mode"].values()):
        for level in ("scheme", "title"):
            assert metrics[level] == {**dict.fromkeys(SCORES, 0.0), "gold": 0, "pred": 0, "matched": 0}
        assert metrics["funder"]["f1"] == 1.0  # a level with items keeps prf
    assert rows[0]["scheme"] == {"gold": 0, "pred": 0, "matched": 0}
    # an empty set reports every level at 0.0 as well
    empty, _ = score_documents([("d1", [], [], False)])
    assert all(empty["metrics"][level]["f1"] == 0.0 for level in LEVELS)


def test_every_mode_is_reported_and_the_headline_mode_sits_at_the_top():
    # "National Science Foundation (NSF)" vs "NSF": balanced 0.90 and permissive 1.0 match, strict 6/36 does not
    documents = [("d1", [funder("National Science Foundation (NSF)", ["A1"])], [funder("NSF", ["A1"])], False)]
    expected = {"balanced": (1, 1, 1), "permissive": (1, 1, 1), "strict": (1, 1, 0)}  # funder and award_id alike
    for headline in MODES:
        report, rows = score_documents(documents, FundingEvalSettings(mode=headline))
        by_mode = report["metrics"]["by_mode"]
        assert list(by_mode) == list(MODES)
        for mode, (gold, pred, matched) in expected.items():
            for level in ("funder", "award_id"):
                assert set(by_mode[mode][level]) == {*SCORES, "gold", "pred", "matched"}
                assert (by_mode[mode][level]["gold"], by_mode[mode][level]["pred"],
                        by_mode[mode][level]["matched"]) == (gold, pred, matched)
                assert rows[0]["by_mode"][mode][level] == {"gold": gold, "pred": pred, "matched": matched}
        assert {level: report["metrics"][level] for level in LEVELS} == by_mode[headline]
        assert {level: rows[0][level] for level in LEVELS} == rows[0]["by_mode"][headline]
    # strict headline: funder F1 = 0 (P = 0/1, R = 0/1); balanced: 1.0
    assert score_documents(documents, FundingEvalSettings(mode="strict"))[0]["metrics"]["funder"]["f1"] == 0.0
    assert score_documents(documents)[0]["metrics"]["funder"]["f1"] == 1.0


def test_a_missing_prediction_counts_as_parse_failure():
    report, rows = score_documents([("d1", [funder("Wellcome Trust")], None, False)])
    assert report["parse_failures"] == 1 and rows[0]["parse_failed"] is True
    assert rows[0]["funder"] == {"gold": 1, "pred": 0, "matched": 0}


def test_no_documents():
    report, rows = score_documents([])
    assert rows == [] and report["documents"] == 0 and report["parse_failure_rate"] == 0.0
    assert report["stamp"] == {}


def test_report_table_prints_the_three_modes_headline_first():
    config = Config()
    config.evaluate.funding.mode = "strict"
    records = [{"id": "d1", "funding_statement": "NSF grant A1.", "funders": [funder("National Science Foundation (NSF)", ["A1"])]}]
    report, _ = FundingTask().score(records, [Parsed([funder("NSF", ["A1"])], failed=False)], config)
    lines = FundingTask().report_table(report).splitlines()
    headers = [line for line in lines if line.startswith("mode ")]
    assert headers == ["mode strict (headline)", "mode balanced", "mode permissive"]
    funder_lines = [line.split() for line in lines if line.startswith("funder")]
    # strict: P R F1 F0.5 F1.5 all 0 with gold 1, pred 1, matched 0; balanced: all 1
    assert funder_lines[0][1:] == ["0.0000"] * 5 + ["1", "1", "0"]
    assert funder_lines[1][1:] == ["1.0000"] * 5 + ["1", "1", "1"]
    assert lines[-1] == ("documents 1, parse failures 0 (0.00%), truncated answers 0, repeated award ids dropped 0, "
                         "headline mode strict")


# --- reward ------------------------------------------------------------------------------------------

def test_reward_empty_gold_and_empty_answer_is_one():
    assert funding_reward_components([], []) == dict.fromkeys(COMPONENTS, 1.0)


def test_reward_unreadable_answer_is_zero_even_for_empty_gold():
    zero = dict.fromkeys(COMPONENTS, 0.0)
    assert funding_reward_components(None, [funder("Wellcome Trust", ["W1"])]) == zero
    assert funding_reward_components(None, []) == zero


def test_reward_empty_answer_to_non_empty_gold_is_zero_whatever_the_gold_holds():
    zero = dict.fromkeys(COMPONENTS, 0.0)
    # a gold funder without any award id: no id level would be empty-and-empty = 1.0 here, yet the answer earns 0
    assert funding_reward_components([], [funder("Wellcome Trust")]) == zero
    # even a gold holding only a null-named funder without items
    assert funding_reward_components([], [funder(None)]) == zero
    assert funding_reward_components([], [funder("Wellcome Trust", ["W1"])]) == zero


def test_reward_soft_credit_for_one_edit():
    # funder F0.5 = 1; ids ABC1234/ABC1235 (7 chars, distance 1) -> 0.5 of 1: P = R = 0.5 -> F0.5 = 0.5
    # scheme and title: none on either side, funders present -> funder x award = 1 x 0.5 = 0.5
    # reward = 0.5·1 + 0.4·0.5 + 0.1·0.5 = 0.75
    parts = funding_reward_components([funder("Wellcome Trust", ["ABC1235"])], [funder("Wellcome Trust", ["ABC1234"])])
    assert parts == pytest.approx({"funder_f05": 1.0, "award_f05": 0.5, "flat_award_f05": 0.5,
                                   "scheme_f05": 0.5, "title_f05": 0.5})
    assert total(parts) == pytest.approx(0.75)
    # exactly 6 characters qualify
    assert funding_reward_components([funder("Wellcome Trust", ["AB1235"])],
                                     [funder("Wellcome Trust", ["AB1234"])])["award_f05"] == 0.5


def test_reward_no_soft_credit_for_short_ids_or_two_edits():
    # 5 characters, or distance 2: ids score 0 -> reward = 0.5·1 = 0.5
    for pred_id, gold_id in (("AB124", "AB123"), ("ABC1299", "ABC1234")):
        parts = funding_reward_components([funder("Wellcome Trust", [pred_id])], [funder("Wellcome Trust", [gold_id])])
        assert (parts["award_f05"], parts["flat_award_f05"], total(parts)) == (0.0, 0.0, 0.5)


def test_reward_exact_matches_first_then_soft_one_to_one():
    # exact ABCDEF1; leftover ABCDEF2 vs ABCDEF3 soft 0.5 -> 1.5 of 2: P = R = 0.75
    # reward = 0.5 + 0.4·0.75 + 0.1·0.75 = 0.875
    gold = [funder("Wellcome Trust", ["ABCDEF1", "ABCDEF2"])]
    parts = funding_reward_components([funder("Wellcome Trust", ["ABCDEF1", "ABCDEF3"])], gold)
    assert total(parts) == pytest.approx(0.875)
    # one gold id near two predicted ids: one soft pair only -> 0.5; P = 0.5/2, R = 0.5/1
    # F0.5 = 1.25·0.125/(0.0625 + 0.5) = 5/18; reward = 0.5 + 0.5·5/18 = 23/36
    parts = funding_reward_components([funder("Wellcome Trust", ["ABCDEF2", "ABCDEF3"])],
                                      [funder("Wellcome Trust", ["ABCDEF1"])])
    assert parts["award_f05"] == pytest.approx(5 / 18)
    assert total(parts) == pytest.approx(23 / 36)


def test_reward_counts_every_id_occurrence():
    # gold ABCDEF1 twice, predicted once: exact 1 of gold 2, pred 1 -> P = 1, R = 1/2 -> F0.5 = 0.625/0.75 = 5/6
    parts = funding_reward_components([funder("Wellcome Trust", ["ABCDEF1"])],
                                      [funder("Wellcome Trust", ["ABCDEF1", "abcdef-1"])])
    assert parts["award_f05"] == pytest.approx(5 / 6) and parts["flat_award_f05"] == pytest.approx(5 / 6)
    # duplicates on both sides, one edit apart: no exact pair, two soft pairs -> 1.0 of 2: P = R = 0.5 -> 0.5
    parts = funding_reward_components([funder("Wellcome Trust", ["ABCDEF2", "ABCDEF2"])],
                                      [funder("Wellcome Trust", ["ABCDEF1", "ABCDEF1"])])
    assert parts["award_f05"] == pytest.approx(0.5)


def test_reward_flat_term_ignores_the_funder_and_counts_occurrences():
    # id under the wrong funder: funder F = 0 (1 gold, 1 pred, 0 matched), per-funder ids 0, flat 1
    # scheme and title: funder x award = 0 -> reward = 0.1
    parts = funding_reward_components([funder("Cancer Research UK", ["W12345"])],
                                      [funder("Wellcome Trust", ["W12345"])])
    assert parts == pytest.approx({"funder_f05": 0.0, "award_f05": 0.0, "flat_award_f05": 1.0,
                                   "scheme_f05": 0.0, "title_f05": 0.0})
    assert total(parts) == pytest.approx(0.1)
    # the same id under two gold funders is two flat gold ids: flat gold 2, pred 1, matched 1 -> F0.5 = 5/6
    # funders 2 gold / 1 pred / 1 matched: F0.5 = 1.25·0.5/(0.25 + 0.5) = 5/6; per-funder ids likewise 5/6
    # reward = 0.5·5/6 + 0.4·5/6 + 0.1·5/6 = 5/6
    gold = [funder("Wellcome Trust", ["W1"]), funder("Cancer Research UK", ["W1"])]
    parts = funding_reward_components([funder("Wellcome Trust", ["W1"])], gold)
    assert parts["flat_award_f05"] == pytest.approx(5 / 6)
    assert total(parts) == pytest.approx(5 / 6)


def test_reward_levels_without_items():
    # no ids on either side: award and flat levels are 1.0; scheme and title = funder x award = 1.0
    no_ids = [funder("Wellcome Trust")]
    assert funding_reward_components(no_ids, no_ids) == dict.fromkeys(COMPONENTS, 1.0)
    # predicting something for empty gold: funder and ids are false alarms -> 0; scheme/title = 0 x 0
    assert funding_reward_components([funder("Wellcome Trust", ["W1"])], []) == dict.fromkeys(COMPONENTS, 0.0)


def test_reward_empty_scheme_and_title_take_funder_times_award_when_any_funder_is_listed():
    # named funder matched (F0.5 1), ids missed (W1 vs W2, short: no soft credit; F0.5 0) -> scheme/title 1 x 0 = 0
    parts = funding_reward_components([funder("Wellcome Trust", ["W2"])], [funder("Wellcome Trust", ["W1"])])
    assert (parts["scheme_f05"], parts["title_f05"]) == (0.0, 0.0)
    # a null-named funder is a funder too: no named funder (funder level 1.0), pooled ids A1 vs A2 (F0.5 0)
    # -> scheme/title 1 x 0 = 0, where a free empty level would have paid 1.0
    parts = funding_reward_components([funder(None, ["A2"])], [funder(None, ["A1"])])
    assert (parts["funder_f05"], parts["award_f05"], parts["scheme_f05"], parts["title_f05"]) == (1.0, 0.0, 0.0, 0.0)
    # a level with items is scored on them: scheme matched (1.0) although the ids are missed; title empty -> 0
    parts = funding_reward_components([funder("Wellcome Trust", ["W2"], ["Investigator Award"])],
                                      [funder("Wellcome Trust", ["W1"], ["Investigator Award"])])
    assert (parts["scheme_f05"], parts["title_f05"]) == (1.0, 0.0)
    # partial credit multiplies: funders 2 gold / 1 pred / 1 matched -> 5/6; ids W1 of [W1, E1] -> 5/6
    # -> scheme = title = 25/36
    parts = funding_reward_components([funder("Wellcome Trust", ["W1"])],
                                      [funder("Wellcome Trust", ["W1"]), funder("European Research Council", ["E1"])])
    assert parts["scheme_f05"] == pytest.approx(25 / 36) and parts["title_f05"] == pytest.approx(25 / 36)


def test_scheme_and_title_components_are_off_by_default_and_can_be_turned_on():
    assert list(DEFAULT_REWARD_WEIGHTS) == list(COMPONENTS)
    assert DEFAULT_REWARD_WEIGHTS["scheme_f05"] == DEFAULT_REWARD_WEIGHTS["title_f05"] == 0.0
    config = Config()
    config.grpo.rewards = {"funding": {"scheme_f05": 0.2, "title_f05": 0.1}}
    functions, weights = FundingTask().reward_functions(config)
    assert dict(zip([f.__name__ for f in functions], weights)) == {**DEFAULT_REWARD_WEIGHTS, "scheme_f05": 0.2,
                                                                   "title_f05": 0.1}
    # ids missed under a matched funder, scheme right: funder 1, ids 0, flat 0, scheme 1 (matched), title
    # (none listed) 1 x 0 = 0
    gold = json.dumps([funder("Wellcome Trust", ["W1"], ["Investigator Award"])])
    answer = json.dumps([funder("Wellcome Trust", ["W2"], ["Investigator Award"])])
    completion = [{"role": "assistant", "content": answer}]
    values = [f([None], [completion], gold_funders=[gold])[0] for f in functions]
    # default weights pay 0.5 · 1 = 0.5; the profile adds 0.2 · 1 for the scheme: 0.7
    assert values == [1.0, 0.0, 0.0, 1.0, 0.0]
    assert weighted_totals(weights, [[value] for value in values]) == [pytest.approx(0.7)]


def test_reward_range_on_random_documents():
    names = ["Wellcome Trust", "NSF", "National Science Foundation (NSF)", "European Research Council", None]
    rng = random.Random(7)

    def random_funders():
        return [funder(rng.choice(names), [f"G{rng.randint(100000, 100020)}" for _ in range(rng.randint(0, 3))],
                       rng.sample(["CAREER", "Fellowship"], rng.randint(0, 1)))
                for _ in range(rng.randint(0, 3))]

    perfect = dict.fromkeys(COMPONENTS, 1.0)
    for _ in range(300):
        gold, pred = random_funders(), random_funders()
        parts = funding_reward_components(pred, gold)
        assert set(parts) == set(COMPONENTS)
        assert all(0.0 <= value <= 1.0 for value in parts.values())
        assert funding_reward_components(gold, gold) == perfect
        assert funding_reward_components(None, gold) == dict.fromkeys(COMPONENTS, 0.0)
