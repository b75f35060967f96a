import html
import random
import re

import pytest

from sciextract.tasks.funding.noise import (
    LIGATURES,
    OCR_CONFUSIONS,
    ODD_SPACES,
    ZERO_WIDTH_CHARS,
    Segment,
    add_noise,
    apply_ligatures,
    html_markup,
    insert_zero_width,
    latex_markup,
    ocr_case_error,
    ocr_char_confusion,
    replace_spaces,
)

TEXT = "This work was financially supported by the Office of Naval Research & NSF (grant 1510 OBS)."
NOISE_FUNCTIONS = (ocr_case_error, ocr_char_confusion, insert_zero_width, replace_spaces, apply_ligatures,
                   html_markup, latex_markup)
MARKUP_CHARS = set("<>\\~") | set(ZERO_WIDTH_CHARS) | set(ODD_SPACES) | {ligature for _, ligature in LIGATURES}


def _differences(before: str, after: str) -> list[tuple[str, str]]:
    assert len(before) == len(after)
    return [(old, new) for old, new in zip(before, after) if old != new]


@pytest.mark.parametrize("noise", NOISE_FUNCTIONS)
def test_noise_is_deterministic_for_a_seed(noise):
    assert noise(TEXT, random.Random(3)) == noise(TEXT, random.Random(3))


@pytest.mark.parametrize("noise", NOISE_FUNCTIONS)
def test_noise_leaves_text_without_targets_alone(noise):
    assert noise("", random.Random(0)) == ""


def test_ocr_case_error_flips_exactly_one_letter():
    for seed in range(50):
        noisy = ocr_case_error(TEXT, random.Random(seed))
        (old, new), = _differences(TEXT, noisy)
        assert old.swapcase() == new


def test_ocr_char_confusion_swaps_one_look_alike():
    for seed in range(50):
        noisy = ocr_char_confusion(TEXT, random.Random(seed))
        (old, new), = _differences(TEXT, noisy)
        assert OCR_CONFUSIONS[old] == new


def test_zero_width_characters_are_invisible_insertions():
    for seed in range(50):
        noisy = insert_zero_width(TEXT, random.Random(seed))
        assert noisy != TEXT
        assert noisy.translate(dict.fromkeys(map(ord, ZERO_WIDTH_CHARS))) == TEXT


def test_odd_spaces_only_replace_spaces():
    for seed in range(50):
        noisy = replace_spaces(TEXT, random.Random(seed))
        assert noisy != TEXT
        assert all(old == " " and new in ODD_SPACES for old, new in _differences(TEXT, noisy))


def test_ligatures_expand_back_to_letters():
    noisy = apply_ligatures("scientific fluid office", random.Random(1))
    assert noisy != "scientific fluid office"
    for letters, ligature in LIGATURES:
        noisy = noisy.replace(ligature, letters)
    assert noisy == "scientific fluid office"


def test_html_markup_strips_back_to_the_original():
    for seed in range(50):
        noisy = html_markup(TEXT, random.Random(seed))
        assert noisy != TEXT
        stripped = re.sub(r"<sup>\d</sup>|</?\w+>", "", noisy)
        assert html.unescape(stripped) == TEXT


def test_latex_markup_strips_back_to_the_original():
    for seed in range(50):
        noisy = latex_markup(TEXT, random.Random(seed))
        assert noisy != TEXT
        stripped = re.sub(r"\\(?:textit|emph|textbf|textsc)\{([^{}]*)\}", r"\1", noisy)
        assert re.sub(r"\\([&%])", r"\1", stripped).replace("~", " ") == TEXT


def test_markup_never_lands_inside_existing_markup():
    text = "Supported by <italic>the</italic> \\emph{Royal} Society."
    for seed in range(100):
        rng = random.Random(seed)
        noisy = latex_markup(html_markup(text, rng), rng)
        assert "<\\" not in noisy and "\\emph{<" not in noisy and "{\\text" not in noisy


def _segments() -> list[Segment]:
    return [Segment("This work was supported by the "), Segment("National Science Foundation", gold=True),
            Segment(" (grant no. "), Segment("DMS-1912345", gold=True), Segment(") and by "),
            Segment("Office of Naval Research", gold=True), Segment(", as well as the reviewers' suggestions.")]


def test_add_noise_keeps_shape_and_gold_flags():
    segments = _segments()
    for seed in range(300):
        noisy = add_noise(segments, random.Random(seed))
        assert [segment.gold for segment in noisy] == [segment.gold for segment in segments]


def test_add_noise_touches_gold_only_with_copied_noise():
    segments = _segments()
    changed_gold = 0
    for seed in range(500):
        noisy = add_noise(segments, random.Random(seed))
        for original, after in zip(segments, noisy):
            if not original.gold:
                continue
            assert not set(after.text) & MARKUP_CHARS
            differences = _differences(original.text, after.text)
            assert len(differences) <= 2
            assert all(old.swapcase() == new or OCR_CONFUSIONS.get(old) == new for old, new in differences)
            changed_gold += bool(differences)
    assert changed_gold > 20


def test_add_noise_changes_plain_text_and_may_wrap_gold_from_outside():
    segments = _segments()
    changed = wrapped = 0
    for seed in range(300):
        noisy = add_noise(segments, random.Random(seed))
        changed += noisy != segments
        wrapped += any(noisy[index - 1].text.endswith(("<italic>", "<bold>", "<i>", "<b>", "<em>", "<sc>", "{"))
                       for index in (1, 3, 5))
    assert changed > 280
    assert wrapped > 10
