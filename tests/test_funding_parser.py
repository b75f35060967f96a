"""Reading model output (`parse_funders`, `render_funders`) and the funding reward plumbing of `FundingTask`."""

from __future__ import annotations

import json
from collections import Counter
import random
import string

import pytest

from sciextract.tasks.funding.data import load_funding_records
from sciextract.errors import InputError
from sciextract.tasks.base import Parsed
from sciextract.tasks.funding.parse import PIECE_SEPARATOR, statement_pieces
from sciextract.tasks.funding.task import FundingTask, parse_funders, render_funders
from sciextract.predict import model_answers
from sciextract.tasks import get_task
from sciextract.config import Config

NSF = {"funder_name": "NSF", "awards": [{"award_ids": ["DMS-1"], "funding_scheme": [], "award_title": []}]}
NSF_JSON = json.dumps([NSF])


def award(ids=(), schemes=(), titles=()):
    return {"award_ids": list(ids), "funding_scheme": list(schemes), "award_title": list(titles)}


def assert_canonical(value) -> None:
    assert isinstance(value, list)
    for funder in value:
        assert set(funder) == {"funder_name", "awards"}
        assert funder["funder_name"] is None or isinstance(funder["funder_name"], str)
        assert isinstance(funder["awards"], list)
        for item in funder["awards"]:
            assert set(item) == {"award_ids", "funding_scheme", "award_title"}
            assert all(isinstance(v, list) and all(isinstance(s, str) and s for s in v) for v in item.values())


# -- accepted shapes ------------------------------------------------------------------------------

ACCEPTED = [
    ("bare array", NSF_JSON, [NSF]),
    ("json fence", f"```json\n{NSF_JSON}\n```", [NSF]),
    ("JSON fence, no newline", f"```JSON{NSF_JSON}```", [NSF]),
    ("bare fence", f"```\n{NSF_JSON}\n```", [NSF]),
    ("fence after prose", f"Here is the answer:\n```json\n{NSF_JSON}\n```\nHope this helps.", [NSF]),
    ("unterminated fence", f"```json\n{NSF_JSON}\n", [NSF]),
    ("think block", f"<think>The NSF [grant] funds it {{maybe}}.</think>\n{NSF_JSON}", [NSF]),
    ("two think blocks", f"<think>a [1]</think><think>{{\"funder_name\": \"X\"}}</think>{NSF_JSON}", [NSF]),
    ("think then fence", f"<think>\nhmm\n</think>\n```json\n{NSF_JSON}\n```", [NSF]),
    ("json before an unterminated think", f"{NSF_JSON}\n<think>more thoughts [", [NSF]),
    ("funders key", json.dumps({"funders": [NSF]}), [NSF]),
    ("single nested funder", json.dumps(NSF), [NSF]),
    ("single flat funder", '{"funder_name": "NSF", "award_ids": "DMS-1"}', [NSF]),
    ("array of flat funders", '[{"funder_name": "NSF", "award_ids": ["DMS-1"]}, {"funder_name": "ERC", '
     '"funding_scheme": "Horizon 2020", "award_title": null}]',
     [NSF, {"funder_name": "ERC", "awards": [award(schemes=["Horizon 2020"])]}]),
    ("leading prose", f"The funders are as follows: {NSF_JSON}", [NSF]),
    ("prose with non-json brackets", f"Funders [see text] and {{notes}}: {NSF_JSON} (done)", [NSF]),
    ("prose with a non-funder array", f"References [1, 2] list: {NSF_JSON}", [NSF]),
    ("trailing prose", f"{NSF_JSON}\nThat is all.", [NSF]),
    ("whitespace around", f"\n\n   {NSF_JSON}   \n", [NSF]),
    ("loose types", '[{"funder_name": 5, "awards": [{"award_ids": [123, null, "", " X-1 "], "award_title": "T"}]}]',
     [{"funder_name": "5", "awards": [award(ids=["123", "X-1"], titles=["T"])]}]),
    ("awards as a single object", '[{"funder_name": "NSF", "awards": {"award_ids": ["DMS-1"]}}]', [NSF]),
    ("unnamed funder", '[{"funder_name": null, "awards": [{"award_ids": ["G-7"]}]}]',
     [{"funder_name": None, "awards": [award(ids=["G-7"])]}]),
    ("nested inside another object", json.dumps({"result": {"funders": [NSF]}}), [NSF]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_accepted_outputs(text, expected):
    assert parse_funders(text) == Parsed(expected, failed=False)


@pytest.mark.parametrize("text", ["[]", " [ ] ", "```json\n[]\n```", '{"funders": []}', "<think>none</think>[]",
                                  "No funding was declared, so the answer is: []"])
def test_empty_array_is_a_valid_empty_answer(text):
    assert parse_funders(text) == Parsed([], failed=False)


FAILURES = [
    ("none", None),
    ("empty", ""),
    ("whitespace", "   \n"),
    ("prose", "The work was funded by the NSF under grant DMS-1."),
    ("unknown object", '{"foo": 1}'),
    ("funders not a list", '{"funders": "NSF"}'),
    ("array of strings", '["NSF", "NIH"]'),
    ("array of numbers", "[1, 2, 3]"),
    ("funder name is an object", '[{"funder_name": {"name": "NSF"}}]'),
    ("truncated in the name", NSF_JSON[:20]),
    ("open bracket", "["),
    ("json null", "null"),
    ("json string", '"NSF"'),
    ("json number", "42"),
    ("unterminated think hides the answer", f"<think>Let me think... {NSF_JSON}"),
    ("think block only", "<think>[]</think>"),
    ("empty fence", "```json\n```"),
]


@pytest.mark.parametrize("text", [c[1] for c in FAILURES], ids=[c[0] for c in FAILURES])
def test_unreadable_outputs_fail_with_no_funders(text):
    assert parse_funders(text) == Parsed([], failed=True)


def test_task_parse_is_parse_funders():
    task = FundingTask()
    assert task.parse(NSF_JSON) == parse_funders(NSF_JSON)
    assert task.parse("nonsense") == Parsed([], failed=True)


# -- never raises ---------------------------------------------------------------------------------

FUZZ_ALPHABET = string.ascii_letters + string.digits + ' \n\t[]{}",:.-_/\\`<>' + "äé€\u200b\u2028"
JSON_TOKENS = ["[", "]", "{", "}", ",", ":", '"funder_name"', '"awards"', '"award_ids"', '"funders"', "null", "true",
               "1", '"x"', "```", "```json", "<think>", "</think>", " ", "\n", "-", "1e999", "NaN", "\\u12"]


def check_parse(text) -> Parsed:
    result = parse_funders(text)
    assert isinstance(result, Parsed)
    assert isinstance(result.failed, bool)
    assert_canonical(result.value)
    if result.failed:
        assert result.value == []
    return result


def test_parse_never_raises_on_random_text():
    rng = random.Random(1234)
    for _ in range(1500):
        check_parse("".join(rng.choice(FUZZ_ALPHABET) for _ in range(rng.randint(0, 80))))
    for _ in range(1500):
        check_parse("".join(rng.choice(JSON_TOKENS) for _ in range(rng.randint(0, 40))))


def test_parse_never_raises_on_decoded_random_bytes():
    rng = random.Random(99)
    for _ in range(500):
        blob = bytes(rng.randrange(256) for _ in range(rng.randint(0, 120)))
        check_parse(blob.decode("utf-8", errors="replace"))
        check_parse(blob.decode("latin-1"))


def test_parse_never_raises_on_truncated_or_mutated_valid_outputs(funding_file):
    rng = random.Random(7)
    for record in load_funding_records(funding_file):
        text = f"<think>ok</think>```json\n{render_funders(record['funders'])}\n```"
        for cut in range(len(text) + 1):
            check_parse(text[:cut])
            check_parse(text[cut:])
        for _ in range(100):
            chars = list(text)
            for _ in range(rng.randint(1, 4)):
                chars[rng.randrange(len(chars))] = rng.choice(FUZZ_ALPHABET)
            check_parse("".join(chars))


def test_an_answer_cut_off_mid_array_keeps_its_complete_funders_and_is_noted():
    erc = {"funder_name": "ERC", "awards": [{"award_ids": ["101"], "funding_scheme": [], "award_title": []}]}
    text = json.dumps([NSF, erc, {"funder_name": "DFG", "awards": []}])
    cut = text.index('{"funder_name": "DFG"') + 8  # the token limit stops the third funder
    assert parse_funders(text[:cut]) == Parsed([NSF, erc], failed=False, notes=Counter(truncated=1))
    # a bad escape breaks the array just as a cut does: the funders before it stand
    broken = text.replace('"DFG"', '"R\\&D"')
    assert parse_funders(broken) == Parsed([NSF, erc], failed=False, notes=Counter(truncated=1))
    # cut inside the first funder: nothing complete, and no inner award object is read as an unnamed funder
    assert parse_funders(text[:text.index('"DMS-1"') + 2]) == Parsed([], failed=True)


def test_an_answer_cut_off_in_its_first_funders_awards_keeps_the_complete_ones():
    awards = [{"award_ids": ["60873055"]}, {"award_ids": ["10lgzd12"]}, {"award_ids": ["2009"]}]
    looping = json.dumps([{"funder_name": "National Natural Science Foundation", "awards": awards}])
    cut = looping[:looping.index('"2009"') + 3]  # the loop stop ends the output inside the third award
    award = {"funding_scheme": [], "award_title": []}
    assert parse_funders(cut) == Parsed(
        [{"funder_name": "National Natural Science Foundation",
          "awards": [{"award_ids": ["60873055"], **award}, {"award_ids": ["10lgzd12"], **award}]}],
        failed=False, notes=Counter(truncated=1, repeated_award_ids=0))
    # after complete funders, the cut one's complete awards follow them
    two = json.dumps([NSF, {"funder_name": "ERC", "awards": [{"award_ids": ["101"]}, {"award_ids": ["102"]}]}])
    assert [f["funder_name"] for f in parse_funders(two[:two.index('"102"')]).value] == ["NSF", "ERC"]


def test_truncated_answer_is_not_read_as_an_unnamed_funder():
    result = parse_funders(NSF_JSON[:-2])  # the closing '}]' is cut off
    assert all(f["funder_name"] == "NSF" for f in result.value), result


def test_an_award_id_the_answer_already_gave_is_dropped_and_counted():
    text = json.dumps([{"funder_name": "ESRC", "awards": [{"award_ids": ["ES/1", "ES/2"]}]},
                       {"funder_name": "Templeton", "awards": [{"award_ids": ["ES/1"]}, {"award_ids": ["T-9", "ES/2"]}]},
                       {"funder_name": "Wellcome", "awards": [{"award_ids": ["ES/1"], "funding_scheme": ["Fellowship"]}]}])
    result = parse_funders(text)
    assert result.notes == Counter(repeated_award_ids=3)
    # the award left empty goes; the one that keeps a fresh id or a scheme stays
    assert [[a["award_ids"] for a in f["awards"]] for f in result.value] == [[["ES/1", "ES/2"]], [["T-9"]], [[]]]
    assert result.value[2]["awards"][0]["funding_scheme"] == ["Fellowship"]
    # the same id under one funder twice is a repeat too; different ids are all kept
    assert parse_funders('[{"funder_name": "NSF", "awards": [{"award_ids": ["A-1", "A-1", "A-2"]}]}]').value[0]["awards"] \
        == [{"award_ids": ["A-1", "A-2"], "funding_scheme": [], "award_title": []}]


def test_an_output_of_pieces_joins_their_funders_and_fails_only_when_no_piece_reads():
    erc = {"funder_name": "ERC", "awards": [{"award_ids": ["101"], "funding_scheme": [], "award_title": []}]}
    pieces = [NSF_JSON, "no JSON here", json.dumps([erc, {"funder_name": "DFG", "awards": [{"award_ids": ["DMS-1"]}]}])]
    result = parse_funders(PIECE_SEPARATOR.join(pieces))
    # the pieces' funders in order; DFG's id was NSF's, given in the first piece, so DFG keeps no award
    assert result == Parsed([NSF, erc, {"funder_name": "DFG", "awards": []}], failed=False,
                            notes=Counter(repeated_award_ids=1))
    cut = json.dumps([erc, NSF])[:-30]
    assert parse_funders(PIECE_SEPARATOR.join([cut, NSF_JSON])).notes == Counter(truncated=1, repeated_award_ids=0)
    assert parse_funders(PIECE_SEPARATOR.join(["no", "answer"])) == Parsed([], failed=True)
    assert parse_funders(PIECE_SEPARATOR.join(["[]", "no answer"])) == Parsed([], failed=False)


def test_a_long_statement_is_cut_into_runs_of_whole_sentences():
    sentences = ["This work was supported by the NSF (grant DMS-1) and the ERC.", "J.D. thanks the DFG for a grant.",
                 "Computing time came from the U.S. Department of Energy under contract No. DE-AC02.",
                 "We thank our colleagues for reading the manuscript and for many helpful comments on it."]
    statement = " ".join(sentences[:2]) + "\n" + " ".join(sentences[2:])
    assert statement_pieces(statement, 200) == [statement]
    words = [len(sentence.split()) for sentence in sentences]  # 12, 7, 14, 15
    assert statement_pieces(statement, 21) == [" ".join(sentences[:2]), sentences[2], sentences[3]]
    # a sentence longer than the limit is a piece alone; "No." and "U.S." end no sentence
    assert statement_pieces(statement, 10) == sentences and max(words) > 10
    # every piece verbatim from the statement, nothing left out
    for limit in (5, 13, 20, 30):
        pieces = statement_pieces(statement, limit)
        assert all(piece in statement for piece in pieces)
        assert "".join(pieces).replace(" ", "") == statement.replace(" ", "").replace("\n", "")


def test_a_model_reads_a_long_statement_in_pieces_and_answers_once():
    task, config = FundingTask(), Config()
    config.decoding.grounding = {"funding": 0.8}
    config.decoding.piece_words = {"funding": 12}
    short = {"id": "s", "funding_statement": "Funded by the NSF (grant DMS-1).", "funders": []}
    long = {"id": "l", "funding_statement": "This work was supported by the ERC under grant 101. The DFG funded "
                                            "J.D. through grant 7 and the NSF through grant DMS-1.", "funders": []}
    answers = {"Funded by the NSF (grant DMS-1).": [NSF],
               "This work was supported by the ERC under grant 101.": [{"funder_name": "ERC", "awards": [
                   {"award_ids": ["101"]}]}],
               "The DFG funded J.D. through grant 7 and the NSF through grant DMS-1.": [
                   {"funder_name": "DFG", "awards": [{"award_ids": ["7"]}]}, NSF]}
    asked = []

    def generate(conversations, *, sample=False, grammar=None):
        statements = [conversation[1]["content"].split("\n\n", 1)[1] for conversation in conversations]
        asked.append(statements)
        return [json.dumps(answers[statement]) for statement in statements]

    (short_raw, short_answer), (long_raw, long_answer) = model_answers(task, config, generate, [short, long])
    assert asked == [list(answers)]  # one generation call: the short statement whole, the long one in two pieces
    assert short_raw == json.dumps([NSF]) and short_answer.value == [NSF]
    assert long_raw.count(PIECE_SEPARATOR) == 1
    assert [(f["funder_name"], [a["award_ids"] for a in f["awards"]]) for f in long_answer.value] == [
        ("ERC", [["101"]]), ("DFG", [["7"]]), ("NSF", [["DMS-1"]])]
    # the row's raw output reads back to the same answer
    row = task.prediction_row(long, long_raw, long_answer)
    assert task.prediction_from_row(row, path="p.jsonl", line=1).value == long_answer.value
    # a task that reads its inputs whole says so
    config.decoding.piece_words = {"sciie": 12}
    with pytest.raises(NotImplementedError, match="piece_words"):
        model_answers(get_task("sciie"), config, generate, [{"id": "x", "sentence": "A B C."}])


def test_grounding_drops_names_and_ids_the_statement_does_not_hold_and_counts_them():
    statement = "Supported by the Wellcome Trust (grant 212345/Z/18/Z) and NSF award DMS–1752345. Thanks to Dr. Roe."
    answer = json.dumps([
        {"funder_name": "Wellcome trust", "awards": [{"award_ids": ["212345/Z/18/Z", "212345/Z/19/Z"]}]},
        {"funder_name": "NSF", "awards": [{"award_ids": ["DMS-1752345"]}, {"award_ids": ["—"]}]},  # dash variants match
        {"funder_name": "Temporal Research Council", "awards": [{"award_ids": ["212345/Z/18/Z"]}]},
        {"funder_name": None, "awards": [{"award_ids": ["99"]}, {"award_ids": [], "funding_scheme": ["Roe"]}]}])
    config = Config()
    config.decoding.grounding = {"funding": 0.8}
    grounded = FundingTask().answer({"funding_statement": statement}, answer, config)
    assert [(f["funder_name"], [a["award_ids"] for a in f["awards"]]) for f in grounded.value] == [
        ("Wellcome trust", [["212345/Z/18/Z"]]), ("NSF", [["DMS-1752345"]]), (None, [[]])]
    assert grounded.notes == Counter(unsupported_funders=1, unsupported_award_ids=3, repeated_award_ids=1)
    # not named in decoding.grounding: the answer as parsed (the repeated id of the invented funder dropped there)
    assert FundingTask().answer({"funding_statement": statement}, answer, Config()) == parse_funders(answer)


def _grounded(statement: str, funders: list[dict]) -> tuple[list[tuple], Counter]:
    config = Config()
    config.decoding.grounding = {"funding": 0.8}
    grounded = FundingTask().answer({"funding_statement": statement}, json.dumps(funders), config)
    return [(f["funder_name"], [a["award_ids"] for a in f["awards"]]) for f in grounded.value], grounded.notes


def test_grounding_parts_a_name_from_its_id_and_unnames_a_funder_named_by_an_id():
    statement = "Supported by NSF (ECCS-1128297; DMS-17) and by JSPS KAKENHI JP19H05603."
    value, notes = _grounded(statement, [{"funder_name": "NSF (ECCS-1128297; DMS-17)", "awards": []},
                                         {"funder_name": "JP19H05603", "awards": [{"award_ids": ["JP19H05603"]}]},
                                         {"funder_name": "JSPS KAKENHI", "awards": []}])
    # the ids parted from the name stay with NSF; the id-named funder's award goes to JSPS KAKENHI, named before it
    assert value == [("NSF", [["ECCS-1128297"], ["DMS-17"]]), (None, []), ("JSPS KAKENHI", [["JP19H05603"]])]
    assert (notes["award_ids_in_names"], notes["id_named_funders"], notes["rebound_award_ids"]) == (2, 1, 1)
    # a name with a word in it is a name, digits or not
    assert _grounded("Funded by the Horizon 2020 Programme.", [{"funder_name": "Horizon 2020 Programme",
                                                               "awards": []}])[0] == [("Horizon 2020 Programme", [])]


def test_grounding_leaves_the_cue_words_out_of_ids_parted_from_a_name_and_completes_cut_ids():
    statement = ("Supported by the National Natural Science Foundation (Nos. 60873055, 61073054) and the Swiss "
                 "National Science Foundation under contract number 200021-132802/1.")
    value, notes = _grounded(statement, [
        {"funder_name": "National Natural Science Foundation (Nos. 60873055, 61073054)", "awards": []},
        {"funder_name": "Swiss National Science Foundation", "awards": [{"award_ids": ["200021-132802"]}]}])
    assert value == [("National Natural Science Foundation", [["60873055"], ["61073054"]]),
                     ("Swiss National Science Foundation", [["200021-132802/1"]])]
    assert (notes["award_ids_in_names"], notes["completed_award_ids"]) == (2, 1)
    # an id that ends where the statement's token ends, or before a full stop, is left as it is
    assert _grounded("Funded by the NSF under grant DMS-1507409.",
                     [{"funder_name": "NSF", "awards": [{"award_ids": ["DMS-1507409"]}]}])[0] == \
        [("NSF", [["DMS-1507409"]])]


def test_grounding_drops_award_ids_without_a_digit():
    value, notes = _grounded("Funded by NSERC (Discovery Grant RGPIN-2019-04321; FEAS DRF).",
                             [{"funder_name": "NSERC", "awards": [{"award_ids": ["RGPIN-2019-04321", "FEAS DRF"]},
                                                                  {"award_ids": ["Discovery Grant"]}]}])
    assert value == [("NSERC", [["RGPIN-2019-04321"]])] and notes["digitless_award_ids"] == 2


def test_grounding_drops_funders_named_only_where_the_statement_speaks_of_no_funding():
    statement = ("We thank Tiffany Berglund for help with the sam-\nples. This work was sup-\nported by the "
                 "Simons Foundation. The NIH and the Simons Foundation had no role in the design.")
    value, notes = _grounded(statement, [{"funder_name": "Tiffany Berglund", "awards": []},
                                         {"funder_name": "Simons Foundation", "awards": []},
                                         {"funder_name": "NIH", "awards": []}])
    # "sup-\nported" is read as "supported"; the Simons Foundation is kept for it, the NIH is only in the disclaimer
    assert value == [("Simons Foundation", [])]
    assert notes["uncued_funders"] == 2


def test_grounding_gives_an_id_to_the_funder_named_nearest_before_it_in_its_sentence():
    statement = ("H.J. is supported by the NSFC (Grant No. 11935006) and the Sci-Tech Innovation Program of Hunan "
                 "Province (Grant No. 2020RC4047). Grant 77 of the ERC. R.H. is funded by grant 5501 from RIKEN.")
    value, notes = _grounded(statement, [
        {"funder_name": "NSFC", "awards": [{"award_ids": ["11935006"]}, {"award_ids": ["2020RC4047"]}]},
        {"funder_name": "Hunan Province", "awards": []},
        {"funder_name": "ERC", "awards": [{"award_ids": ["77"]}]},
        {"funder_name": "RIKEN", "awards": [{"award_ids": ["5501"]}]}])
    # ids with no funder named before them in their sentence stay where the model put them
    assert value == [("NSFC", [["11935006"]]), ("Hunan Province", [["2020RC4047"]]), ("ERC", [["77"]]),
                     ("RIKEN", [["5501"]])]
    assert notes["rebound_award_ids"] == 1
    # a name is mentioned as whole words only: "ERC" inside "Mercator" does not take the NSF's grant
    value, notes = _grounded("Supported by the NSF through the Mercator programme (grant 55). The ERC funded grant 77.",
                             [{"funder_name": "NSF", "awards": [{"award_ids": ["55"]}]},
                              {"funder_name": "ERC", "awards": [{"award_ids": ["77"]}]}])
    assert value == [("NSF", [["55"]]), ("ERC", [["77"]])] and notes["rebound_award_ids"] == 0


def test_grounding_gives_an_id_to_a_funder_only_the_rules_name_nearest_before_it_past_another_id():
    statement = ("This work was supported by grants from the Natural Science Foundation of Guangdong Province "
                 "(2022A1515012103), and the National Natural Science Foundation of China (81870222, 32070813).")
    value, notes = _grounded(statement, [{"funder_name": "Natural Science Foundation of Guangdong Province", "awards": [
        {"award_ids": ["2022A1515012103"]}, {"award_ids": ["81870222"]}, {"award_ids": ["32070813"]}]}])
    assert value == [("Natural Science Foundation of Guangdong Province", [["2022A1515012103"]]),
                     ("National Natural Science Foundation of China", [["81870222"], ["32070813"]])]
    assert (notes["rebound_award_ids"], notes["added_funders"]) == (2, 1)
    # with no id between the answer's funder and the name the rules find, that name is the funder's programme
    value, notes = _grounded("Funded by the Academy of Finland and its Finnish Flagship Programme Fund (300024).",
                             [{"funder_name": "Academy of Finland", "awards": [{"award_ids": ["300024"]}]}])
    assert value == [("Academy of Finland", [["300024"]])] and notes["added_funders"] == 0


def test_grounding_gives_ids_of_no_funder_to_the_answers_funder_that_issues_ids_of_their_shape():
    statement = ("This work was supported by Grants-in-Aid for Scientific Research (Grant Nos. JP19H05603 and "
                 "JP22H00112) and JSPS Bilateral Program Number JPJSBP120249911. Genomic data are also supported by "
                 "investigator-led projects that include R01NS032830 and U19HL065962. The National Institutes of "
                 "Health funded this work.")
    jsps = {"funder_name": "JSPS", "awards": [{"award_ids": ["JPJSBP120249911"]}]}
    nih = {"funder_name": "National Institutes of Health", "awards": []}
    value, notes = _grounded(statement, [{"funder_name": None, "awards": [{"award_ids": ["JP19H05603", "JP22H00112"]}]},
                                         jsps, nih])
    # the answer's unnamed KAKENHI ids go to the JSPS; the NIH ids it lacks, which the rules give to no funder,
    # are added to the NIH
    assert value == [(None, []), ("JSPS", [["JPJSBP120249911"], ["JP19H05603"], ["JP22H00112"]]),
                     ("National Institutes of Health", [["R01NS032830"], ["U19HL065962"]])]
    assert (notes["format_owned_award_ids"], notes["added_award_ids"]) == (2, 2)
    # two funders of the answer issue NIH ids of the GM institute: the id stays where it was
    value, notes = _grounded("Grant R01 GM123456 supported this work, as did the NIGMS and the NIH.",
                             [{"funder_name": None, "awards": [{"award_ids": ["R01 GM123456"]}]},
                              {"funder_name": "NIGMS", "awards": []}, {"funder_name": "NIH", "awards": []}])
    assert value[0] == (None, [["R01 GM123456"]]) and notes["format_owned_award_ids"] == 0


def test_grounding_adds_the_ids_the_answer_lacks_to_the_funders_the_rules_give_them_to():
    statement = ("This work was supported by the National Science Foundation (grant DMR-1507409) and the National "
                 "Natural Science Foundation of China (grants 81870222 and 32070813). Funding also came from DFG "
                 "grant GSC 226. The NIH (grant R01-GM123456) had no role in the design of the study.")
    value, notes = _grounded(statement, [{"funder_name": "National Science Foundation", "awards": []},
                                         {"funder_name": "DFG", "awards": [{"award_ids": ["DFG grant GSC 226"]}]}])
    # to a funder the answer names; with a funder it does not name; never an id the answer holds in a longer one,
    # nor one of a sentence that is no funding sentence
    assert value == [("National Science Foundation", [["DMR-1507409"]]), ("DFG", [["DFG grant GSC 226"]]),
                     ("National Natural Science Foundation of China", [["81870222"], ["32070813"]])]
    assert (notes["added_award_ids"], notes["added_funders"]) == (3, 1)


def test_grounding_drops_initials_named_as_funders_and_dates_given_as_award_ids():
    statement = ("GK was supported by the EU (grant 12345678) since 2018. AT thanks the NSF for grant DMS-17001 "
                 "(August 2015).")
    value, notes = _grounded(statement, [{"funder_name": "GK", "awards": [{"award_ids": ["12345678"]}]},
                                         {"funder_name": "EU", "awards": [{"award_ids": ["2018"]}]},
                                         {"funder_name": "AT", "awards": []},
                                         {"funder_name": "NSF",
                                          "awards": [{"award_ids": ["August 2015", "DMS-17001"]}]}])
    # "EU" is a funder's name; the id of the dropped "GK" comes back to the funder the rules give it to
    assert value == [("EU", [["12345678"]]), ("NSF", [["DMS-17001"]])]
    assert (notes["initials_funders"], notes["dates_as_award_ids"], notes["added_award_ids"]) == (2, 2, 1)


def test_grounding_names_an_acronym_funder_as_the_funder_of_the_answer_it_abbreviates():
    statement = ("This work was funded by the National Institutes of Health and the Deutsche Forschungsgemeinschaft "
                 "(DFG). NIH grant S10OD017985 paid for the microscope. The NSF supported J.D.")
    value, notes = _grounded(statement, [{"funder_name": "NIH", "awards": [{"award_ids": ["S10OD017985"]}]},
                                         {"funder_name": "National Institutes of Health", "awards": []},
                                         {"funder_name": "NSF", "awards": []},
                                         {"funder_name": "Deutsche Forschungsgemeinschaft (DFG)", "awards": []},
                                         {"funder_name": "DFG", "awards": []}])
    # "NSF" abbreviates no other funder of the answer; "DFG", named only in the brackets after the full name, is
    # that funder (the alias step, not this one)
    assert value == [("National Institutes of Health", [["S10OD017985"]]), ("National Institutes of Health", []),
                     ("NSF", []), ("Deutsche Forschungsgemeinschaft (DFG)", [])]
    assert (notes["acronym_funders"], notes["alias_funders"]) == (1, 1)


def test_grounding_joins_a_funder_named_as_the_alias_in_another_funders_brackets():
    statement = ("This work was supported by the Deutsche Forschungsgemeinschaft (DFG, German Research Foundation) "
                 "(270949263/GRK2162 to JEA; GRK2599 to IP), the National Science Foundation (NSF) and the Simons "
                 "Foundation (via the NSF).")
    value, notes = _grounded(statement, [
        {"funder_name": "Deutsche Forschungsgemeinschaft (DFG)", "awards": [{"award_ids": ["GRK2599"]}]},
        {"funder_name": "German Research Foundation", "awards": [{"award_ids": ["270949263/GRK2162"]}]},
        {"funder_name": "Simons Foundation", "awards": []},
        {"funder_name": "NSF", "awards": []}])
    # the joined funder is named as the statement writes it, brackets included; "NSF" is named outside brackets
    # too, so it is also in "(via the NSF)" after the Simons Foundation, where no name is an alias: it stays apart
    assert value[0] == ("Deutsche Forschungsgemeinschaft (DFG, German Research Foundation)",
                        [["GRK2599"], ["270949263/GRK2162"]])
    assert notes["alias_funders"] == 1


def test_grounding_counts_travel_in_prediction_rows():
    task, config = FundingTask(), Config()
    config.decoding.grounding = {"funding": 0.8}
    record = {"id": "a", "funding_statement": "Funded by the NSF.", "funders": []}
    raw = json.dumps([{"funder_name": "NSF", "awards": []}, {"funder_name": "Invented Council", "awards": []}])
    row = task.prediction_row(record, raw, task.answer(record, raw, config))
    assert (row["unsupported_funders"], row["unsupported_award_ids"]) == (1, 0)
    read = task.prediction_from_row(row, path="p.jsonl", line=1)
    assert [f["funder_name"] for f in read.value] == ["NSF"] and read.notes["unsupported_funders"] == 1
    with pytest.raises(InputError, match="unsupported_funders"):
        task.prediction_from_row({**row, "unsupported_funders": "1"}, path="p.jsonl", line=1)


def test_deeply_nested_brackets_do_not_raise():
    assert parse_funders("[" * 5000) == Parsed([], failed=True)


def test_huge_integer_literal_does_not_raise():
    result = parse_funders('[{"funder_name": "NSF", "award_ids": [' + "9" * 5000 + "]}]")
    assert isinstance(result, Parsed)


# -- render ---------------------------------------------------------------------------------------


def test_render_round_trips_every_fixture_record(funding_file):
    records = load_funding_records(funding_file)
    assert len(records) == 8
    for record in records:
        text = render_funders(record["funders"])
        assert not any(f"\"{name}\": []" in text for name in ("award_ids", "funding_scheme", "award_title"))
        assert parse_funders(text) == Parsed(record["funders"], failed=False)  # the parser restores them
        assert parse_funders(f"```json\n{text}\n```") == Parsed(record["funders"], failed=False)
        assert parse_funders(f"<think>x</think>{text}") == Parsed(record["funders"], failed=False)
        assert FundingTask().target(record) == text


def test_render_keeps_schema_key_order_and_unicode():
    funders = [{"funder_name": "Fundação para a Ciência",
                "awards": [{"award_ids": ["PTDC/1"], "funding_scheme": ["Grant"], "award_title": ["T"]}]}]
    text = render_funders(funders)
    assert "Fundação" in text
    assert text.index('"funder_name"') < text.index('"awards"')
    assert text.index('"award_ids"') < text.index('"funding_scheme"') < text.index('"award_title"')
    assert render_funders([]) == "[]"


def test_render_leaves_empty_award_fields_out():
    funders = [{"funder_name": None, "awards": [award(ids=["PTDC/1"])]}]
    assert json.loads(render_funders(funders)) == [{"funder_name": None, "awards": [{"award_ids": ["PTDC/1"]}]}]


# -- rewards --------------------------------------------------------------------------------------


def conversational(text: str) -> list[dict]:
    return [{"role": "assistant", "content": text}]


def weighted(functions, weights, completions, golds) -> list[float]:
    columns = [f([None] * len(completions), completions, gold_funders=golds) for f in functions]
    return [sum(w * column[i] for w, column in zip(weights, columns, strict=True)) for i in range(len(completions))]


def test_reward_functions_names_and_default_weights():
    functions, weights = FundingTask().reward_functions(Config())
    assert [f.__name__ for f in functions] == ["funder_f05", "award_f05", "flat_award_f05", "scheme_f05", "title_f05"]
    assert weights == [0.5, 0.4, 0.1, 0.0, 0.0]  # scheme and title: off unless a profile weights them
    assert all(callable(f) for f in functions)


def _with_rewards(funding_weights: dict) -> Config:
    config = Config()
    config.grpo.rewards = {"funding": funding_weights}
    return config


def test_reward_weights_override_by_name():
    functions, weights = FundingTask().reward_functions(_with_rewards({"award_f05": 0.2, "funder_f05": 1}))
    assert [f.__name__ for f in functions] == ["funder_f05", "award_f05", "flat_award_f05", "scheme_f05", "title_f05"]
    assert weights == [1, 0.2, 0.1, 0.0, 0.0]


def test_unknown_reward_weight_is_an_input_error():
    with pytest.raises(InputError, match="bogus") as info:
        FundingTask().reward_functions(_with_rewards({"funder_f05": 0.5, "bogus": 1.0}))
    assert info.value.field == "grpo.rewards.funding"
    assert "params.yaml" in str(info.value)


def test_perfect_answers_score_one_against_their_own_gold(funding_file):
    task = FundingTask()
    records = load_funding_records(funding_file)
    functions, weights = task.reward_functions(Config())
    completions = [conversational(render_funders(r["funders"])) for r in records]
    golds = [task.reward_columns(r)["gold_funders"] for r in records]
    for f in functions:
        assert f([task.prompt(r) for r in records], completions, gold_funders=golds) == [1.0] * 8
    assert weighted(functions, weights, completions, golds) == pytest.approx([1.0] * 8)


def test_each_sample_is_scored_against_its_own_gold_after_a_shuffle(funding_file):
    task = FundingTask()
    records = load_funding_records(funding_file)
    functions, weights = task.reward_functions(Config())
    pairs = [(conversational(render_funders(r["funders"])), task.reward_columns(r)["gold_funders"], r["id"])
             for r in records]
    rng = random.Random(5)
    for _ in range(3):
        rng.shuffle(pairs)
        completions, golds, _ = zip(*pairs, strict=True)
        assert weighted(functions, weights, list(completions), list(golds)) == pytest.approx([1.0] * 8)
    # pair every answer with its neighbour's gold: no fixture record shares its funders with another one
    completions, golds, ids = zip(*pairs, strict=True)
    rotated = list(golds[1:] + golds[:1])
    rewards = weighted(functions, weights, list(completions), rotated)
    assert all(r < 1.0 for r in rewards), dict(zip(ids, rewards, strict=True))


def test_unreadable_output_earns_zero_and_empty_answer_to_empty_gold_earns_one(funding_file):
    task = FundingTask()
    records = {r["id"]: r for r in load_funding_records(funding_file)}
    functions, weights = task.reward_functions(Config())
    gold_full = task.reward_columns(records["fx-1"])["gold_funders"]
    gold_empty = task.reward_columns(records["fx-2"])["gold_funders"]
    completions = [conversational("I cannot tell."), conversational(""), conversational("[]"),
                   conversational("not json"), conversational("[]")]
    golds = [gold_full, gold_full, gold_empty, gold_empty, gold_full]
    per_function = [f([None] * 5, completions, gold_funders=golds) for f in functions]
    assert per_function == [[0.0, 0.0, 1.0, 0.0, 0.0]] * 5
    assert weighted(functions, weights, completions, golds) == pytest.approx([0.0, 0.0, 1.0, 0.0, 0.0])


def test_partial_answer_reward_by_hand(funding_file):
    """Gold fx-1: NSF (2 ids) and NIH (1 id). The answer names NSF with both ids only.

    funder: matched 1, gold 2, pred 1 -> P 1, R 1/2 -> F0.5 = 1.25 * 0.5 / (0.25 + 0.5) = 5/6
    award and flat ids: matched 2, gold 3, pred 2 -> P 1, R 2/3 -> F0.5 = 1.25 * (2/3) / (0.25 + 2/3) = 10/11
    scheme and title: no gold and no answer item, but funders on both sides -> funder F0.5 x award F0.5 = 25/33
    weighted: 0.5 * 5/6 + 0.4 * 10/11 + 0.1 * 10/11 (scheme and title weigh 0 by default)
    """
    task = FundingTask()
    record = next(r for r in load_funding_records(funding_file) if r["id"] == "fx-1")
    answer = [record["funders"][0]]
    functions, weights = task.reward_functions(Config())
    gold = [task.reward_columns(record)["gold_funders"]]
    values = [f([None], [conversational(json.dumps(answer))], gold_funders=gold)[0] for f in functions]
    assert values == pytest.approx([5 / 6, 10 / 11, 10 / 11, 25 / 33, 25 / 33])
    assert weighted(functions, weights, [conversational(json.dumps(answer))], gold)[0] == pytest.approx(
        0.5 * 5 / 6 + 0.4 * 10 / 11 + 0.1 * 10 / 11)


def test_reward_accepts_plain_string_and_multi_message_completions_and_extra_columns(funding_file):
    task = FundingTask()
    record = next(r for r in load_funding_records(funding_file) if r["id"] == "fx-5")
    text = render_funders(record["funders"])
    gold = task.reward_columns(record)["gold_funders"]
    split = [{"role": "assistant", "content": text[:10]}, {"role": "assistant", "content": text[10:]}]
    functions, _ = task.reward_functions(Config())
    for f in functions:
        assert f(["p", "p", "p"], [text, split, conversational(f"```json\n{text}\n```")], gold_funders=[gold] * 3,
                 trainer_state=None, id=["a", "b", "c"]) == [1.0, 1.0, 1.0]


def test_reward_rejects_misaligned_gold_column():
    functions, _ = FundingTask().reward_functions(Config())
    with pytest.raises(ValueError):
        functions[0](["p", "p"], [conversational("[]"), conversational("[]")], gold_funders=["[]"])


def test_reward_columns_carry_gold_as_json(funding_file):
    task = FundingTask()
    for record in load_funding_records(funding_file):
        columns = task.reward_columns(record)
        assert set(columns) == {"gold_funders"}
        assert json.loads(columns["gold_funders"]) == record["funders"]
        example = task.rl_example(record)
        assert example["gold_funders"] == columns["gold_funders"]
        assert example["prompt"][-1]["content"].endswith(record["funding_statement"])
