"""Normalization and name-similarity rules, each with a hand-computed expectation.

Notation: ratio(x, y) = 2·LCS(x, y) / (len x + len y); token_sort_ratio sorts whitespace tokens first
(case-sensitive, so "(" < upper case < lower case).
"""

import pytest

from sciextract.tasks.funding.fuzzy import name_similarity, similarity_matrix
from sciextract.tasks.funding.text import normalize_award_id, normalize_text


# --- normalize_text -------------------------------------------------------------------------------

def test_ftfy_repairs_mojibake_and_html_entities():
    assert normalize_text("Caf\u00c3\u00a9 Fund") == "Caf\u00e9 Fund"
    assert normalize_text("Smith &amp; Jones Foundation") == "Smith & Jones Foundation"


def test_curly_quotes_become_straight():
    assert normalize_text("\u2018Ramón y Cajal\u2019 \u201cprogramme\u201d") == "'Ramón y Cajal' \"programme\""
    # the low-9 and reversed-9 forms too (ftfy straightens every curly quote)
    assert normalize_text("\u201aa\u201b \u201eb\u201f") == "'a' \"b\""


def test_tex_quotes_become_double_quotes():
    # `` and '' -> " ; ‘‘ ’’ are first straightened to '' and then follow the same rule; a lone ` stays
    assert normalize_text("``Deep learning'' grant") == '"Deep learning" grant'
    assert normalize_text("\u2018\u2018Deep learning\u2019\u2019 grant") == '"Deep learning" grant'
    assert normalize_text("a ` b") == "a ` b"


def test_star_bullet_and_asterisk_are_dropped():
    # drop ⋆ • * -> "Fund  A" -> whitespace collapsed -> "Fund A"
    assert normalize_text("Fund\u22c6 \u2022 *A") == "Fund A"


def test_whitespace_collapses_and_strips():
    assert normalize_text("  Wellcome \t\n  Trust  ") == "Wellcome Trust"


def test_backslash_is_dropped_only_before_lowercase():
    assert normalize_text("\\alpha grant \\Beta") == "alpha grant \\Beta"


def test_case_is_kept():
    assert normalize_text("NSF and nsf") == "NSF and nsf"


def test_award_id_normalization():
    # upper-case; whitespace, "-" and "/" removed
    assert normalize_award_id(" dmr-12 34/5\t") == "DMR12345"


# --- name_similarity -------------------------------------------------------------------------------

def test_strict_is_token_sort_ratio():
    # sorted tokens equal -> 1.0
    assert name_similarity("Wellcome Trust", "Trust Wellcome", "strict") == 1.0
    # "abcd"/"abce": LCS 3 -> 6/8
    assert name_similarity("abcd", "abce", "strict") == pytest.approx(0.75)
    # case-sensitive: "Case"/"case": LCS "ase" 3 -> 6/8
    assert name_similarity("Case", "case", "strict") == pytest.approx(0.75)


def test_permissive_takes_the_best_of_four_scorers():
    # token_sort: "Wellcome" vs "The Trust Wellcome": LCS 8 -> 16/26 = 0.615; partial_ratio: substring -> 1.0
    assert name_similarity("Wellcome", "The Wellcome Trust", "strict") == pytest.approx(16 / 26)
    assert name_similarity("Wellcome", "The Wellcome Trust", "permissive") == 1.0
    # "abcd"/"abce": token_sort 0.75; partial_ratio aligns "abc" within a 3-4 char window -> 6/7
    assert name_similarity("abcd", "abce", "permissive") == pytest.approx(6 / 7)


def test_balanced_acronym_raise():
    # token_sort: "NSF" vs "(NSF) Foundation National Science" (33): LCS 3 -> 6/36; acronym NSF == NSF -> 0.90
    assert name_similarity("National Science Foundation (NSF)", "NSF", "strict") == pytest.approx(6 / 36)
    assert name_similarity("National Science Foundation (NSF)", "NSF") == 0.90
    assert name_similarity("NSF", "National Science Foundation (NSF)") == 0.90  # the longer may come second
    # the shorter is upper-cased before the comparison: "Nsf" -> "NSF"
    assert name_similarity("National Science Foundation (NSF)", "Nsf") == 0.90


def test_balanced_acronym_boundaries():
    # 10 characters qualify: token_sort 2·10/(10+24) = 0.588 -> raised to 0.90
    assert name_similarity("Some Agency (ABCDEFGHIJ)", "ABCDEFGHIJ") == 0.90
    # 11 characters do not: token_sort 2·11/(11+25) = 0.611 stays (and "(abcdefghijk)" is no token match)
    assert name_similarity("Some Agency (ABCDEFGHIJK)", "ABCDEFGHIJK") == pytest.approx(22 / 36)
    # ratio("ABCDEFGHIJ", "ABCDEFGHIK") = 2·9/20 = 90 -> exactly at the bar, raised
    assert name_similarity("Agency (ABCDEFGHIJ)", "abcdefghik") == 0.90
    # ratio("DFG", "DFH") = 4/6 = 66.7 < 90: no raise; token_sort "DFH" vs "(DFG) Deutsche ..." (37): 4/40
    assert name_similarity("Deutsche Forschungsgemeinschaft (DFG)", "DFH") == pytest.approx(0.1)


def test_balanced_acronym_must_be_upper_case():
    # "(nsf)" is no acronym and the token "(nsf)" != "nsf": token_sort LCS "NS"... = 2 -> 4/36
    assert name_similarity("National Science Foundation (nsf)", "NSF") == pytest.approx(4 / 36)


def test_balanced_acronym_is_any_upper_case_parenthetical():
    # "NIH/NCI".isupper() (the "/" has no case): token_sort "(NIH/NCI) Cancer Institute National" (35) vs
    # "NIH/NCI" (7): LCS 7 -> 14/42 = 0.333; acronym ratio 100 -> 0.90
    assert name_similarity("National Cancer Institute (NIH/NCI)", "NIH/NCI", "strict") == pytest.approx(14 / 42)
    assert name_similarity("National Cancer Institute (NIH/NCI)", "NIH/NCI") == 0.90
    # non-ASCII capitals: token_sort "(ÖAW) Akademie Wissenschaften der Österreichische" (49) vs "ÖAW": 6/52
    name = "Österreichische Akademie der Wissenschaften (ÖAW)"
    assert name_similarity(name, "ÖAW", "strict") == pytest.approx(6 / 52)
    assert name_similarity(name, "ÖAW") == 0.90
    # the content is stripped: "( NSF )" reads as "NSF" (token_sort "( ) Agency NSF" vs "NSF": 6/17)
    assert name_similarity("Agency ( NSF )", "NSF", "strict") == pytest.approx(6 / 17)
    assert name_similarity("Agency ( NSF )", "NSF") == 0.90
    # digits alone have no case, so "(2019)" is no acronym: token_sort "(2019) Fund" vs "2019": 8/15 stays
    assert name_similarity("Fund (2019)", "2019") == pytest.approx(8 / 15)


def test_balanced_token_subset_raise():
    # tokens {max, planck} ⊂ {max, planck, society}; 10/18 = 0.56 >= 0.45; token_sort 20/28 = 0.714 -> 0.85
    assert name_similarity("Max Planck Society", "Max Planck", "strict") == pytest.approx(20 / 28)
    assert name_similarity("Max Planck Society", "Max Planck") == 0.85
    # tokens are lower-cased: token_sort 16/28 = 0.571 -> 0.85
    assert name_similarity("Max Planck Society", "max planck") == 0.85
    # "-" separates tokens: "Max-Planck" -> {max, planck}
    assert name_similarity("Max-Planck", "Max Planck Society") == 0.85
    # lower-casing makes case-only differences match: "CAREER"/"career" token_sort 0 -> 0.85
    assert name_similarity("CAREER", "career") == 0.85


def test_balanced_token_subset_negative_cases():
    # length share 3/18 = 0.17 < 0.45: token_sort "Max" vs "Max Planck Society" 6/21 stays
    assert name_similarity("Max Planck Society", "Max") == pytest.approx(6 / 21)
    # share 8/18 = 0.444 < 0.45 (just below): token_sort 16/26 stays
    assert name_similarity("The Wellcome Trust", "Wellcome") == pytest.approx(16 / 26)
    # "fund" is not a token of the longer name: token_sort "Fund Planck" vs "Max Planck Society": LCS 7 -> 14/29
    assert name_similarity("Max Planck Society", "Planck Fund") == pytest.approx(14 / 29)


def test_balanced_tie_in_length_treats_first_argument_as_shorter():
    # both 12 characters; token_sort: LCS 10 -> 20/24 = 0.833
    # first = "ABCDEFGHIJKL" is the shorter, so "(ABCDEFGHIJ)" is the longer: its acronym vs "ABCDEFGHIJKL":
    # ratio 20/22 = 90.9 -> 0.90
    assert name_similarity("ABCDEFGHIJKL", "(ABCDEFGHIJ)") == 0.90
    # first = "(ABCDEFGHIJ)" is the shorter; the longer "ABCDEFGHIJKL" has no parenthetical -> stays 0.833
    assert name_similarity("(ABCDEFGHIJ)", "ABCDEFGHIJKL") == pytest.approx(20 / 24)


def test_balanced_keeps_higher_scores():
    # token_sort "National Science Foundation" vs "(NSF) National ...": 2·27/60 = 0.90; subset raise (0.85) is lower
    assert name_similarity("National Science Foundation (NSF)", "National Science Foundation") == pytest.approx(0.9)
    assert name_similarity("Wellcome Trust", "Trust Wellcome") == 1.0


def test_empty_strings_score_zero_in_balanced_mode_only():
    # balanced: an empty string on either side scores 0.0, two empty strings included
    assert name_similarity("", "") == 0.0
    assert name_similarity("", "NSF") == 0.0 and name_similarity("NSF", "") == 0.0
    # strict and permissive keep rapidfuzz's answer: ratio("", "") = 100, against a non-empty string 0
    for mode in ("strict", "permissive"):
        assert name_similarity("", "", mode) == 1.0
        assert name_similarity("", "NSF", mode) == 0.0


def test_similarity_matrix_matches_pairwise_scores():
    names = ["National Science Foundation (NSF)", "NSF", "Max Planck Society", "max planck"]
    for mode in ("strict", "balanced", "permissive"):
        matrix = similarity_matrix(names, names[::-1], mode)
        assert matrix.shape == (4, 4)
        for i, a in enumerate(names):
            for j, b in enumerate(names[::-1]):
                assert matrix[i, j] == name_similarity(a, b, mode)
    assert similarity_matrix([], ["NSF"]).shape == (0, 1)


def test_unknown_mode_is_an_error():
    with pytest.raises(ValueError, match="unknown similarity mode"):
        name_similarity("a", "b", "lenient")
