import inspect

import pytest

import sciextract.tasks.funding.rules as funding_rules
from sciextract.tasks.funding.data import canonical_funders
from sciextract.tasks.funding.gazetteer import FUNDERS, award_id_issuer
from sciextract.tasks.funding.synthetic import generate_funding_records
from sciextract.tasks.funding.rules import extract_funders_by_rules


def _ids_by_funder(funders: list[dict]) -> dict[str | None, list[str]]:
    return {funder["funder_name"]: [award_id for award in funder["awards"] for award_id in award["award_ids"]]
            for funder in funders}


def _all_ids(funders: list[dict]) -> set[str]:
    return {award_id for funder in funders for award in funder["awards"] for award_id in award["award_ids"]}


def test_chinese_statement_with_nos_list_and_programme_in_parentheses():
    statement = ("This work was supported by the National Natural Science Foundation of China (Grant Nos. 61972123 "
                 "and 62072456) and the National Key R&D Program of China (2018YFA0305600).")
    assert _ids_by_funder(extract_funders_by_rules(statement)) == {
        "National Natural Science Foundation of China": ["61972123", "62072456"],
        "National Key R&D Program of China": ["2018YFA0305600"],
    }


def test_brackets_parentheses_and_conflict_sentence():
    statement = ("Funding: This research was funded by the Wellcome Trust [212345/Z/18/Z] and the Engineering and "
                 "Physical Sciences Research Council (EP/X012345/1). The funders had no role in study design, data "
                 "collection and analysis, decision to publish, or preparation of the manuscript.")
    assert _ids_by_funder(extract_funders_by_rules(statement)) == {
        "Wellcome Trust": ["212345/Z/18/Z"],
        "Engineering and Physical Sciences Research Council": ["EP/X012345/1"],
    }


@pytest.mark.parametrize("statement", [
    "The authors received no specific funding for this work.",
    "This research received no external funding.",
    "Funding: Not applicable. The authors declare no competing interests.",
    "We thank J. Smith for helpful discussions and the anonymous reviewers for their comments. Computations were "
    "performed on resources provided by the Swedish National Infrastructure for Computing (SNIC) at NSC.",
])
def test_statements_without_funding_give_nothing(statement):
    assert extract_funders_by_rules(statement) == []


def test_grant_without_a_named_funder_goes_to_an_unnamed_funder():
    statement = ("We thank J. Smith for helpful discussions and the anonymous reviewers. Computations were performed "
                 "on resources provided by the Swedish National Infrastructure for Computing (SNIC). This work was "
                 "supported by grant 2019-1234.")
    assert extract_funders_by_rules(statement) == [
        {"funder_name": None, "awards": [{"award_ids": ["2019-1234"], "funding_scheme": [], "award_title": []}]}]


def test_html_markup_and_aliases_in_parentheses():
    statement = ("<p>J.S. acknowledges support from the <italic>Deutsche Forschungsgemeinschaft</italic> (DFG, German "
                 "Research Foundation) under Germany&apos;s Excellence Strategy &ndash; EXC 2111 &ndash; "
                 "390814868.</p>")
    assert _ids_by_funder(extract_funders_by_rules(statement)) == {
        "Deutsche Forschungsgemeinschaft": ["EXC 2111", "390814868"]}


def test_publisher_grant_award_number_form():
    statement = ("Funding information: National Science Foundation, Grant/Award Number: DMS-1912345; National "
                 "Institutes of Health, Grant/Award Numbers: R01-AI123456, 5R01GM098765-03")
    assert _ids_by_funder(extract_funders_by_rules(statement)) == {
        "National Science Foundation": ["DMS-1912345"],
        "National Institutes of Health": ["R01-AI123456", "5R01GM098765-03"],
    }


def test_kakenhi_acronym_and_id_formats():
    statement = "This work was partly supported by JSPS KAKENHI Grant Numbers JP21H01234 and 19K05678."
    assert _ids_by_funder(extract_funders_by_rules(statement)) == {"JSPS": ["JP21H01234", "19K05678"]}


def test_horizon_statement_finds_both_funders_and_the_grant_agreement():
    statement = ("This project has received funding from the European Research Council (ERC) under the European "
                 "Union's Horizon 2020 research and innovation programme (grant agreement No 725974).")
    found = _ids_by_funder(extract_funders_by_rules(statement))
    assert set(found) == {"European Research Council", "European Union"}
    assert [award_id for ids in found.values() for award_id in ids] == ["725974"]


def test_latex_noise_and_lower_case_names_are_read_through():
    statement = ("supported by the national science foundation under grant no.~CHE-2045678 and by the "
                 "\\textit{U.S. Department of Energy}, Office of Science, Basic Energy Sciences, under Award "
                 "No.\u00a0DE-SC0012704.")
    assert _ids_by_funder(extract_funders_by_rules(statement)) == {
        "national science foundation": ["CHE-2045678"],
        "U.S. Department of Energy": ["DE-SC0012704"],
    }


def test_zero_width_characters_and_ligatures_are_removed():
    statement = ("Supported by the Natural Sciences and Engi\u200bneering Research Council of Canada "
                 "(RGPIN\u2060-2019-04567).")
    assert _ids_by_funder(extract_funders_by_rules(statement)) == {
        "Natural Sciences and Engineering Research Council of Canada": ["RGPIN-2019-04567"]}
    assert extract_funders_by_rules("The author received no speciﬁc funding.") == []


def test_funder_outside_the_gazetteer_is_found_by_its_shape():
    statement = ("This study was funded by the Smith Family Foundation (grant number SF-2020-0042). The authors "
                 "declare no competing interests.")
    assert _ids_by_funder(extract_funders_by_rules(statement)) == {"Smith Family Foundation": ["SF-2020-0042"]}


def test_names_outside_the_gazetteer_own_the_ids_that_follow_them():
    statement = ("This work was supported by the Hubei Key Laboratory of Soil Biology (grant number: HB2021-07), "
                 "QZRF (2022-KT-0031) and PLRDF projects 21-PL-004 and 22-PL-118. K.W. thanks the Wuhan Botanical "
                 "Garden at Central China University (2019-2021).")
    assert _ids_by_funder(extract_funders_by_rules(statement)) == {
        "Hubei Key Laboratory of Soil Biology": ["HB2021-07"],
        "QZRF": ["2022-KT-0031"],
        "PLRDF": ["21-PL-004", "22-PL-118"],
    }  # a year range is not an id, so the university in the last sentence owns nothing


def test_acronyms_naming_a_grant_are_not_funders():
    statement = ("Supported by the ERC Starting Grant TOPOCELL (101039876), by the ANR project HOLOMORPH "
                 "(ANR-19-CE40-0012) and by JSPS KAKENHI JP21K03210.")
    assert _ids_by_funder(extract_funders_by_rules(statement)) == {
        "ERC": ["101039876"], "ANR": ["ANR-19-CE40-0012"], "JSPS": ["JP21K03210"]}


def test_id_before_its_funder_and_funder_without_ids():
    statement = ("M.K. was supported by an NSERC Discovery Grant (RGPIN-2019-04567) and by the Fonds de recherche du "
                 "Québec – Nature et technologies. Grant 61972123 from the NSFC supported L.W.")
    assert _ids_by_funder(extract_funders_by_rules(statement)) == {
        "NSERC": ["RGPIN-2019-04567"],
        "Fonds de recherche du Québec – Nature et technologies": [],
        "NSFC": ["61972123"],
    }


def test_disclaimer_naming_a_funder_adds_nothing():
    statement = ("Financial support from CNPq (308765/2019-0) and FAPESP (2019/12345-6) is gratefully acknowledged. "
                 "Any opinions, findings, and conclusions or recommendations expressed in this material are those of "
                 "the author(s) and do not necessarily reflect the views of the National Science Foundation.")
    assert _ids_by_funder(extract_funders_by_rules(statement)) == {
        "CNPq": ["308765/2019-0"], "FAPESP": ["2019/12345-6"]}


def test_output_is_canonical():
    statement = "Supported by NIH grants R01 GM123456 and P30 CA016672 and by the Wellcome Trust."
    funders = extract_funders_by_rules(statement)
    assert canonical_funders(funders) == funders
    assert _ids_by_funder(funders) == {"NIH": ["R01 GM123456", "P30 CA016672"], "Wellcome Trust": []}


def test_baseline_does_not_read_the_generator():
    source = inspect.getsource(funding_rules)
    assert "sciextract.tasks.funding.synthetic" not in source and "sciextract.tasks.funding.noise" not in source


def test_baseline_is_a_fair_floor_on_synthetic_data():
    """Loose bounds: the floor should find most ids, rarely invent any, and stay quiet on negatives."""
    true_positives = false_positives = false_negatives = quiet_negatives = negatives = 0
    for record in generate_funding_records(400, seed=21):
        predicted = extract_funders_by_rules(record["funding_statement"])
        gold, found = _all_ids(record["funders"]), _all_ids(predicted)
        true_positives += len(gold & found)
        false_positives += len(found - gold)
        false_negatives += len(gold - found)
        if not record["funders"]:
            negatives += 1
            quiet_negatives += predicted == []
    assert true_positives / (true_positives + false_positives) > 0.9
    assert true_positives / (true_positives + false_negatives) > 0.8
    assert quiet_negatives / negatives > 0.9


def test_a_funder_issues_ids_of_its_lettered_formats_only():
    nih = FUNDERS.index(next(funder for funder in FUNDERS if funder.name == "National Institutes of Health"))
    assert award_id_issuer("National Institutes of Health", "R01NS032830") == nih
    assert award_id_issuer("NIH", "U19HL065962") == nih  # an acronym names the same funder
    assert award_id_issuer("National Institutes of Health (NIH)", "R01NS032830") == nih
    assert award_id_issuer("National Institutes of Health", "UL1TR002243") is None  # no activity code of its list
    # the NSF's bare numbers ("{15..24}#####") would be any funder's seven digits: they name no issuer
    assert award_id_issuer("NSF", "1507409") is None
    assert award_id_issuer("NSF", "DMR1507409") is not None
    assert award_id_issuer("Genomic data", "R01NS032830") is None
