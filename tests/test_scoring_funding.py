"""Per-document funding scoring, micro aggregation and the GRPO reward, with hand-computed counts.

Similarities used below (balanced mode, see tests/test_scoring_text.py):
"National Science Foundation (NSF)"~"NSF" 0.90 (acronym); ~"National Science Foundation" 0.90;
"Max Planck Society"~"Max Planck" 0.85 and "Max Planck Institute"~"Max Planck" 0.85 (token subset),
but "Max Planck Society"~"Max Planck Institute" 0.53; unrelated funders (Wellcome Trust, European Research
Council, Cancer Research UK) score at most 0.60 against each other.
"""

import json
import random

import pytest

from sciextract.config import FundingEvalSettings
from sciextract.tasks.funding.rewards import funding_reward, funding_reward_components
from sciextract.tasks.funding.score import score_document, score_documents


def funder(name, ids=(), schemes=(), titles=()):
    return {"funder_name": name,
            "awards": [{"award_ids": list(ids), "funding_scheme": list(schemes), "award_title": list(titles)}]}


def counts(gold, pred, settings=FundingEvalSettings()):
    """(gold, pred, matched) per level."""
    return {level: (c.gold, c.pred, c.matched) for level, c in score_document(gold, pred, settings).items()}


RICH_GOLD = [
    funder("National Science Foundation (NSF)", ["DMR-1234567", "dmr 1234567"], ["CAREER"], ["Quantum materials"]),
    funder("NSF", ["CHE-7654321"]),  # merges into the first funder
    funder("Wellcome Trust", ["WT/123"], [], ["A title", "A  title"]),  # the titles normalize to one
    funder(None, ["X1"]),
    funder(None, [], ["Fellowship"]),
]


# --- per document -----------------------------------------------------------------------------------

def test_gold_against_itself_is_perfect_everywhere():
    # funders: NSF merged -> 2 named; ids: {DMR1234567, CHE7654321} + {WT123} + unnamed {X1} = 4
    # schemes: CAREER + unnamed Fellowship = 2; titles: "Quantum materials" + "A title" = 2
    assert counts(RICH_GOLD, RICH_GOLD) == {"funder": (2, 2, 2), "award_id": (4, 4, 4),
                                            "scheme": (2, 2, 2), "title": (2, 2, 2)}
    report, _ = score_documents([("d1", RICH_GOLD, RICH_GOLD, False)])
    for level, metrics in report["metrics"].items():
        for name in ("precision", "recall", "f1", "f0_5", "f1_5"):
            assert metrics[name] == 1.0, (level, name)
    assert funding_reward(RICH_GOLD, RICH_GOLD) == 1.0


def test_merge_joins_similar_named_funders_and_concatenates_awards():
    # gold: "NSF" (0.90) and "National Science Foundation" (0.90) merge into the first -> one funder, ids A1 A2 A3
    gold = [funder("National Science Foundation (NSF)", ["A1"]), funder("NSF", ["A2"]),
            funder("National Science Foundation", ["A3"])]
    pred = [funder("NSF", ["A1", "A2", "A3"])]
    assert counts(gold, pred)["funder"] == (1, 1, 1)
    assert counts(gold, pred)["award_id"] == (3, 3, 3)


def test_merge_is_order_deterministic_and_not_transitive_through_a_merged_name():
    society, institute, short = "Max Planck Society", "Max Planck Institute", "Max Planck"
    # [Society, Institute, Max Planck]: (S,I) 0.53 no; (S,MP) 0.85 merge -> [S, I]; (S,I) no -> 2 funders
    assert counts([funder(society), funder(institute), funder(short)], [])["funder"] == (2, 0, 0)
    # [Max Planck, Society, Institute]: (MP,S) merge; restart (MP,I) 0.85 merge -> 1 funder
    assert counts([funder(short), funder(society), funder(institute)], [])["funder"] == (1, 0, 0)
    # a funder merged once is gone: "Max Planck" (P3) joins Society only, not Institute as well
    # -> gold Society {P1, P3}, Institute {P2}: ids 3/3/3
    gold = [funder(society, ["P1"]), funder(institute, ["P2"]), funder(short, ["P3"])]
    pred = [funder(society, ["P1", "P3"]), funder(institute, ["P2"])]
    assert counts(gold, pred)["award_id"] == (3, 3, 3)


def test_prediction_side_merges_too():
    # pred "Max Planck" merges into "Max Planck Society" with its id -> 1 pred funder holding P1 P2
    gold = [funder("Max Planck Society", ["P1", "P2"])]
    pred = [funder("Max Planck Society", ["P1"]), funder("Max Planck", ["P2"])]
    assert counts(gold, pred)["funder"] == (1, 1, 1)
    assert counts(gold, pred)["award_id"] == (2, 2, 2)


def test_unnamed_funders_pool_and_are_paired_with_each_other():
    # gold pool: ids {A1, A2}, schemes {Fellowship}; pred pool: ids {A1 ("a-1"), A3}, schemes {Fellowship}
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


def test_award_ids_are_normalized_and_deduplicated_per_funder():
    # gold: "DMR-123", "dmr 123" -> DMR123 twice -> one; "X/1" -> X1; "-" -> empty, dropped: 2 distinct
    # pred: DMR123 twice -> 1 distinct; matched DMR123 -> (2, 1, 1)
    gold = [funder("Wellcome Trust", ["DMR-123", "dmr 123", "X/1", "-"])]
    pred = [funder("Wellcome Trust", ["DMR123", "DMR123"])]
    assert counts(gold, pred)["award_id"] == (2, 1, 1)
    # ids across several awards of one funder are flattened before deduplication: A1 twice -> 1
    two_awards = {"funder_name": "Wellcome Trust", "awards": [funder(None, ["A1"])["awards"][0]] * 2}
    assert counts([two_awards], [two_awards])["award_id"] == (1, 1, 1)


def test_evaluation_gives_no_soft_credit_for_near_ids():
    near = counts([funder("Wellcome Trust", ["ABC1234"])], [funder("Wellcome Trust", ["ABC1235"])])
    assert near["award_id"] == (1, 1, 0)


def test_schemes_and_titles_match_fuzzily_one_to_one():
    # schemes: Skłodowska/Sklodowska 58/60 = 0.97 match; "Starting Grant"/"Advanced Grant" 0.36 no -> (2, 2, 1)
    # titles: "Deep  learning" and "Deep learning*" both normalize to "Deep learning" -> (1, 1, 1)
    gold = [funder("ERC", schemes=["Marie Skłodowska-Curie Actions", "Starting Grant"],
                   titles=["Deep  learning", "Deep learning*"])]
    pred = [funder("ERC", schemes=["Marie Sklodowska-Curie Actions", "Advanced Grant"], titles=["Deep learning"])]
    assert counts(gold, pred)["scheme"] == (2, 2, 1)
    assert counts(gold, pred)["title"] == (1, 1, 1)
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
    assert counts([], []) == {level: (0, 0, 0) for level in ("funder", "award_id", "scheme", "title")}
    assert counts([funder("Wellcome Trust", ["W1"])], [])["award_id"] == (1, 0, 0)


# --- micro aggregation -------------------------------------------------------------------------------

def test_micro_aggregation_across_documents():
    doc1 = ("d1", [funder("Wellcome Trust", ["W1"])], [funder("Wellcome Trust", ["W1"])], False)
    # funders gold 3 (Wellcome, ERC, CRUK), pred 1, matched 1; ids gold {W1, W2}, pred {W1, W9}, matched 1
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
    # no schemes anywhere: 0/0/0 scores 1.0 by convention
    assert report["metrics"]["scheme"]["f1"] == 1.0

    assert report["stamp"] == {"run": "test"}
    assert report["documents"] == 3
    assert report["parse_failures"] == 1
    assert report["parse_failure_rate"] == pytest.approx(1 / 3)
    assert set(report) == {"stamp", "metrics", "parse_failures", "parse_failure_rate", "documents"}
    assert set(report["metrics"]) == {"funder", "award_id", "scheme", "title"}
    json.dumps(report)

    assert [row["id"] for row in rows] == ["d1", "d2", "d3"]
    assert [row["parse_failed"] for row in rows] == [False, False, True]
    assert rows[1]["funder"] == {"gold": 3, "pred": 1, "matched": 1}
    assert rows[2]["award_id"] == {"gold": 1, "pred": 0, "matched": 0}


def test_a_missing_prediction_counts_as_parse_failure():
    report, rows = score_documents([("d1", [funder("Wellcome Trust")], None, False)])
    assert report["parse_failures"] == 1 and rows[0]["parse_failed"] is True
    assert rows[0]["funder"] == {"gold": 1, "pred": 0, "matched": 0}


def test_no_documents():
    report, rows = score_documents([])
    assert rows == [] and report["documents"] == 0 and report["parse_failure_rate"] == 0.0
    assert report["stamp"] == {}


# --- reward ------------------------------------------------------------------------------------------

def test_reward_empty_gold_and_empty_answer_is_one():
    assert funding_reward_components([], []) == {"funder_f05": 1.0, "award_f05": 1.0, "flat_award_f05": 1.0,
                                                 "reward": 1.0}


def test_reward_unreadable_answer_is_zero_even_for_empty_gold():
    zero = {"funder_f05": 0.0, "award_f05": 0.0, "flat_award_f05": 0.0, "reward": 0.0}
    assert funding_reward_components(None, [funder("Wellcome Trust", ["W1"])]) == zero
    assert funding_reward_components(None, []) == zero


def test_reward_soft_credit_for_one_edit():
    # funder F0.5 = 1; ids ABC1234/ABC1235 (7 chars, distance 1) -> 0.5 of 1: P = R = 0.5 -> F0.5 = 0.5
    # reward = 0.5·1 + 0.4·0.5 + 0.1·0.5 = 0.75
    parts = funding_reward_components([funder("Wellcome Trust", ["ABC1235"])], [funder("Wellcome Trust", ["ABC1234"])])
    assert parts == pytest.approx({"funder_f05": 1.0, "award_f05": 0.5, "flat_award_f05": 0.5, "reward": 0.75})
    # exactly 6 characters qualify
    assert funding_reward([funder("Wellcome Trust", ["AB1235"])], [funder("Wellcome Trust", ["AB1234"])]) == 0.75


def test_reward_no_soft_credit_for_short_ids_or_two_edits():
    # 5 characters, or distance 2: ids score 0 -> reward = 0.5·1 = 0.5
    assert funding_reward([funder("Wellcome Trust", ["AB124"])], [funder("Wellcome Trust", ["AB123"])]) == 0.5
    assert funding_reward([funder("Wellcome Trust", ["ABC1299"])], [funder("Wellcome Trust", ["ABC1234"])]) == 0.5


def test_reward_exact_matches_first_then_soft_one_to_one():
    # exact ABCDEF1; leftover ABCDEF2 vs ABCDEF3 soft 0.5 -> 1.5 of 2: P = R = 0.75
    # reward = 0.5 + 0.4·0.75 + 0.1·0.75 = 0.875
    gold = [funder("Wellcome Trust", ["ABCDEF1", "ABCDEF2"])]
    assert funding_reward([funder("Wellcome Trust", ["ABCDEF1", "ABCDEF3"])], gold) == pytest.approx(0.875)
    # one gold id near two predicted ids: one soft pair only -> 0.5; P = 0.5/2, R = 0.5/1
    # F0.5 = 1.25·0.125/(0.0625 + 0.5) = 5/18; reward = 0.5 + 0.5·5/18 = 23/36
    parts = funding_reward_components([funder("Wellcome Trust", ["ABCDEF2", "ABCDEF3"])],
                                      [funder("Wellcome Trust", ["ABCDEF1"])])
    assert parts["award_f05"] == pytest.approx(5 / 18)
    assert parts["reward"] == pytest.approx(23 / 36)


def test_reward_flat_term_ignores_the_funder():
    # id under the wrong funder: funder F = 0 (1 gold, 1 pred, 0 matched), per-funder ids 0, flat 1 -> 0.1
    parts = funding_reward_components([funder("Cancer Research UK", ["W12345"])],
                                      [funder("Wellcome Trust", ["W12345"])])
    assert parts == pytest.approx({"funder_f05": 0.0, "award_f05": 0.0, "flat_award_f05": 1.0, "reward": 0.1})
    # the same id under two gold funders counts once in the flat term:
    # funders 2 gold / 1 pred / 1 matched: F0.5 = 1.25·0.5/(0.25 + 0.5) = 5/6; ids likewise 5/6; flat {W1} = 1
    # reward = 0.9·5/6 + 0.1 = 0.85
    gold = [funder("Wellcome Trust", ["W1"]), funder("Cancer Research UK", ["W1"])]
    assert funding_reward([funder("Wellcome Trust", ["W1"])], gold) == pytest.approx(0.85)


def test_reward_levels_without_items_score_one():
    # no ids on either side: award and flat levels are 1.0
    assert funding_reward([funder("Wellcome Trust")], [funder("Wellcome Trust")]) == 1.0
    # funder missed (F = 0), no ids anywhere (1.0, 1.0) -> 0.4 + 0.1 = 0.5
    assert funding_reward([], [funder("Wellcome Trust")]) == pytest.approx(0.5)
    # predicting something for empty gold: funder and ids are false alarms -> 0
    assert funding_reward([funder("Wellcome Trust", ["W1"])], []) == 0.0


def test_reward_weights_are_parameters():
    pred, gold = [funder("Wellcome Trust", ["ABC1235"])], [funder("Wellcome Trust", ["ABC1234"])]
    assert funding_reward(pred, gold, w_funder=1.0, w_award=0.0, w_flat=0.0) == 1.0
    assert funding_reward(pred, gold, w_funder=0.0, w_award=1.0, w_flat=0.0) == 0.5


def test_reward_sign_and_range_on_random_documents():
    names = ["Wellcome Trust", "NSF", "National Science Foundation (NSF)", "European Research Council", None]
    rng = random.Random(7)

    def random_funders():
        return [funder(rng.choice(names), [f"G{rng.randint(100000, 100020)}" for _ in range(rng.randint(0, 3))])
                for _ in range(rng.randint(0, 3))]

    for _ in range(300):
        gold, pred = random_funders(), random_funders()
        parts = funding_reward_components(pred, gold)
        assert all(0.0 <= value <= 1.0 for value in parts.values())
        assert funding_reward(gold, gold) == 1.0
        assert funding_reward(None, gold) == 0.0
        assert parts["reward"] <= funding_reward(gold, gold)
