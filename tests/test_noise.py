import html
import random
import re

import pytest

from sciextract.tasks.funding.noise import (
    CONTROL_CHARS,
    LIGATURES,
    NOISE_WEIGHTS,
    OCR_CONFUSIONS,
    ODD_SPACES,
    ZERO_WIDTH_CHARS,
    Segment,
    add_noise,
    apply_ligatures,
    break_line,
    html_markup,
    hyphenate_line_break,
    insert_control_char,
    insert_zero_width,
    latex_markup,
    ocr_case_error,
    ocr_char_confusion,
    replace_spaces,
    split_id_after_dash,
)

TEXT = "This work was financially supported by the Office of Naval Research & NSF (grant 1510 OBS, DMS-1912345)."
NOISE_FUNCTIONS = (ocr_case_error, ocr_char_confusion, split_id_after_dash, break_line, hyphenate_line_break,
                   insert_control_char, insert_zero_width, replace_spaces, apply_ligatures, html_markup, latex_markup)
MARKUP_CHARS = (set("<>\\~\n") | set(ZERO_WIDTH_CHARS) | set(ODD_SPACES) | set(CONTROL_CHARS)
                | {ligature for _, ligature in LIGATURES})


def _differences(before: str, after: str) -> list[tuple[str, str]]:
    assert len(before) == len(after)
    return [(old, new) for old, new in zip(before, after) if old != new]


@pytest.mark.parametrize("noise", NOISE_FUNCTIONS)
def test_noise_is_deterministic_for_a_seed(noise):
    assert noise(TEXT, random.Random(3)) == noise(TEXT, random.Random(3))


@pytest.mark.parametrize("noise", NOISE_FUNCTIONS)
def test_noise_leaves_text_without_targets_alone(noise):
    assert noise("", random.Random(0)) == ""


def test_every_kind_of_noise_has_a_weight():
    assert set(NOISE_WEIGHTS) == set(NOISE_FUNCTIONS)
    assert all(weight > 0 for weight in NOISE_WEIGHTS.values())


def test_line_breaks_only_replace_spaces_between_words():
    for seed in range(50):
        noisy = break_line(TEXT, random.Random(seed))
        differences = _differences(TEXT, noisy)
        assert 1 <= len(differences) <= 3 and all(pair == (" ", "\n") for pair in differences)
        assert "\n " not in noisy and " \n" not in noisy


def test_hyphenated_line_break_splits_one_long_lower_case_word():
    for seed in range(50):
        noisy = hyphenate_line_break(TEXT, random.Random(seed))
        assert noisy.count("-\n") == 1 and noisy.replace("-\n", "") == TEXT
        assert re.search(r"[a-z]{2}-\n[a-z]{3}", noisy)
    assert hyphenate_line_break("NSF DMS-1912345 and ERC", random.Random(0)) == "NSF DMS-1912345 and ERC"


def test_id_split_after_dash_keeps_every_character():
    assert split_id_after_dash("DMS-1912345", random.Random(0)) == "DMS- 1912345"
    assert split_id_after_dash("ANR-19-CE12-0012", random.Random(3)).replace("- ", "-") == "ANR-19-CE12-0012"
    assert split_id_after_dash("Baden-Württemberg 12-34", random.Random(0)) == "Baden-Württemberg 12-34"


def test_control_characters_are_insertions_next_to_a_space():
    for seed in range(50):
        noisy = insert_control_char(TEXT, random.Random(seed))
        assert len(noisy) == len(TEXT) + 1
        assert noisy.translate(dict.fromkeys(map(ord, CONTROL_CHARS))) == TEXT
        index = next(index for index, char in enumerate(noisy) if char in CONTROL_CHARS)
        assert " " in noisy[index - 1:index + 2]


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


def _copied_changes(original: str, noisy: str) -> list[tuple[str, str]]:
    """The character changes copied noise may make in a gold string; a space after a dash counts as one."""
    if len(noisy) == len(original) + 1:
        index = noisy.index("- ") + 1
        return [("-", "- "), *_differences(original, noisy[:index] + noisy[index + 1:])]
    return _differences(original, noisy)


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
            differences = _copied_changes(original.text, after.text)
            assert len(differences) <= 2
            assert all(old.swapcase() == new or OCR_CONFUSIONS.get(old) == new or (old, new) == ("-", "- ")
                       for old, new in differences)
            changed_gold += bool(differences)
    assert changed_gold > 100


def test_add_noise_always_changes_something_and_may_wrap_gold_from_outside():
    segments = _segments()
    wrapped = 0
    for seed in range(1000):
        noisy = add_noise(segments, random.Random(seed))
        assert noisy != segments
        wrapped += any(noisy[index - 1].text.endswith(("<italic>", "<bold>", "<i>", "<b>", "<em>", "<sc>", "{"))
                       for index in (1, 3, 5))
    assert 5 < wrapped < 60


def test_add_noise_changes_even_a_short_statement_and_refuses_what_it_cannot_change():
    short = [Segment("Funded by ", gold=False), Segment("NSF", gold=True), Segment(".", gold=False)]
    assert all(add_noise(short, random.Random(seed)) != short for seed in range(5000))
    with pytest.raises(ValueError, match="no noise kind changes"):
        add_noise([Segment("", gold=True)], random.Random(0))


def test_add_noise_is_mostly_pdf_layout_debris():
    """As in real statements: line breaks, split ids and control characters lead; markup is rare."""
    segments = _segments()
    layout = markup = 0
    for seed in range(1000):
        text = "".join(segment.text for segment in add_noise(segments, random.Random(seed)))
        layout += bool("\n" in text or set(text) & set(CONTROL_CHARS) or "- " in text)
        markup += bool(re.search(r"</?\w+>|\\\w+\{|&amp;|~", text) or set(text) & set(ZERO_WIDTH_CHARS + ODD_SPACES)
                       or any(ligature in text for _, ligature in LIGATURES))
    assert layout > 700
    assert markup < 200
