"""Noise that real funding statements carry: PDF layout debris, OCR slips, Unicode debris and leftover markup.

Real statements are mostly clean. What debris they have comes from PDF layout far more often than
from markup: a line break in the middle of a sentence, a word hyphenated across a line end, an id
split after its dash ("ABC- 12345"), a stray control character. `NOISE_WEIGHTS` draws the kinds in
about the proportions real statements show them; markup and invisible characters stay, rarer, for
robustness.

Three kinds, treated differently where gold spans are concerned:

- *Copied* noise (`ocr_case_error`, `ocr_char_confusion`, `split_id_after_dash`) changes characters an
  extractor should copy as they stand; it may touch any segment, gold included, and the gold follows
  the noisy text.
- *Layout* noise (`break_line`, `hyphenate_line_break`, `insert_control_char`) and *formatting* noise
  (HTML tags and entities, LaTeX commands, zero-width characters, odd spaces, ligatures) are what a
  reader strips; they only ever edit plain segments, never a gold one. Markup may *surround* a gold
  segment, by editing the plain neighbours on either side.

Every function is pure: it takes the `random.Random` to draw from and returns new values.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

ZERO_WIDTH_CHARS = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad")
ODD_SPACES = ("\u00a0", "\u202f", "\u2009")
LIGATURES = (("ffi", "\ufb03"), ("ffl", "\ufb04"), ("ff", "\ufb00"), ("fi", "\ufb01"), ("fl", "\ufb02"))
OCR_CONFUSIONS = {"0": "O", "O": "0", "1": "l", "l": "1", "I": "1", "5": "S", "S": "5", "8": "B", "B": "8"}
HTML_WRAPPERS = ("italic", "bold", "i", "b", "em", "sc")
LATEX_WRAPPERS = ("textit", "emph", "textbf", "textsc")
CONTROL_CHARS = ("\x0c", "\x02", "\x03", "\x01", "\x1f")

# A word not inside markup: not a tag name (`<b>`), a command (`\\emph`) or an argument already wrapped.
_WORD = re.compile(r"(?<![<\\/{\w])[^\W\d_](?:[\w'’.-]*[^\W_])?(?![>}\w])")
_SPACE = re.compile(r" ")
_INNER_SPACE = re.compile(r"(?<=\S) (?=\S)")
_LONG_WORD = re.compile(r"(?<![\w-])[a-z]{6,}(?![\w-])")
_DASH_BEFORE_DIGITS = re.compile(r"(?<=[A-Za-z0-9])-(?=\d{3})")


@dataclass(frozen=True)
class Segment:
    """A piece of a statement; `gold` pieces are strings that appear verbatim in the gold funders."""

    text: str
    gold: bool = False


def ocr_case_error(text: str, rng: random.Random) -> str:
    """Flip the case of one letter, as OCR does with small caps and bad scans."""
    positions = [index for index, char in enumerate(text) if char.isalpha() and char.swapcase() != char
                 and len(char.swapcase()) == 1]
    if not positions:
        return text
    index = rng.choice(positions)
    return text[:index] + text[index].swapcase() + text[index + 1:]


def ocr_char_confusion(text: str, rng: random.Random) -> str:
    """Swap one character for its OCR look-alike (0/O, 1/l/I, 5/S, 8/B)."""
    positions = [index for index, char in enumerate(text) if char in OCR_CONFUSIONS]
    if not positions:
        return text
    index = rng.choice(positions)
    return text[:index] + OCR_CONFUSIONS[text[index]] + text[index + 1:]


def insert_zero_width(text: str, rng: random.Random) -> str:
    """Put one or two invisible characters inside words, as PDF extraction and web copy-paste leave them."""
    for _ in range(rng.randint(1, 2)):
        positions = [index for index in range(1, len(text)) if text[index - 1].isalnum() and text[index].isalnum()]
        if not positions:
            break
        index = rng.choice(positions)
        text = text[:index] + rng.choice(ZERO_WIDTH_CHARS) + text[index:]
    return text


def replace_spaces(text: str, rng: random.Random) -> str:
    """Turn some ordinary spaces into no-break or thin spaces."""
    spaces = [match.start() for match in _SPACE.finditer(text)]
    if not spaces:
        return text
    chars = list(text)
    for index in rng.sample(spaces, k=max(1, len(spaces) // rng.randint(2, 5))):
        chars[index] = rng.choice(ODD_SPACES)
    return "".join(chars)


def apply_ligatures(text: str, rng: random.Random) -> str:
    """Replace letter pairs by typographic ligatures, as text pulled from PDFs often has them."""
    for letters, ligature in LIGATURES:
        if rng.random() < 0.8:
            text = text.replace(letters, ligature)
    return text


def html_markup(text: str, rng: random.Random) -> str:
    """Wrap a word in an inline tag, or add a superscript footnote mark, or escape an ampersand."""
    choice = rng.random()
    if "&" in text and choice < 0.3:
        return text.replace("&", "&amp;")
    words = list(_WORD.finditer(text))
    if not words:
        return text
    word = rng.choice(words)
    if choice < 0.65:
        tag = rng.choice(HTML_WRAPPERS)
        return f"{text[:word.start()]}<{tag}>{word.group()}</{tag}>{text[word.end():]}"
    return f"{text[:word.end()]}<sup>{rng.randint(1, 9)}</sup>{text[word.end():]}"


def latex_markup(text: str, rng: random.Random) -> str:
    """Wrap a word in a LaTeX command, tie a space with `~`, or escape `&` and `%`."""
    choice = rng.random()
    if ("&" in text or "%" in text) and choice < 0.3:
        return text.replace("&", "\\&").replace("%", "\\%")
    spaces = [match.start() for match in _SPACE.finditer(text)]
    if spaces and choice < 0.55:
        index = rng.choice(spaces)
        return text[:index] + "~" + text[index + 1:]
    words = list(_WORD.finditer(text))
    if not words:
        return text
    word = rng.choice(words)
    return f"{text[:word.start()]}\\{rng.choice(LATEX_WRAPPERS)}{{{word.group()}}}{text[word.end():]}"


def break_line(text: str, rng: random.Random) -> str:
    """Turn one to three spaces between words into line breaks, as text copied out of a PDF column keeps them."""
    spaces = [match.start() for match in _INNER_SPACE.finditer(text)]
    if not spaces:
        return text
    chars = list(text)
    for index in rng.sample(spaces, k=min(len(spaces), rng.choice((1, 1, 2, 3)))):
        chars[index] = "\n"
    return "".join(chars)


def hyphenate_line_break(text: str, rng: random.Random) -> str:
    """Split one long lower-case word across a line end with a hyphen ('sup-\\nport'), as PDF text does."""
    words = list(_LONG_WORD.finditer(text))
    if not words:
        return text
    word = rng.choice(words)
    cut = word.start() + rng.randint(2, len(word.group()) - 3)
    return f"{text[:cut]}-\n{text[cut:]}"


def split_id_after_dash(text: str, rng: random.Random) -> str:
    """Put a space after a dash that precedes digits ('ABC-12345' -> 'ABC- 12345'), as a PDF line end leaves it."""
    dashes = [match.start() for match in _DASH_BEFORE_DIGITS.finditer(text)]
    if not dashes:
        return text
    index = rng.choice(dashes) + 1
    return text[:index] + " " + text[index:]


def insert_control_char(text: str, rng: random.Random) -> str:
    """Leave one control character next to a space, as PDF extraction sometimes does."""
    spaces = [match.start() for match in _SPACE.finditer(text)]
    if not spaces:
        return text
    index = rng.choice(spaces) + rng.choice((0, 1))
    return text[:index] + rng.choice(CONTROL_CHARS) + text[index:]


COPIED_NOISE: tuple[Callable[[str, random.Random], str], ...] = (
    ocr_case_error, ocr_char_confusion, split_id_after_dash)
LAYOUT_NOISE: tuple[Callable[[str, random.Random], str], ...] = (
    break_line, hyphenate_line_break, insert_control_char)
FORMATTING_NOISE: tuple[Callable[[str, random.Random], str], ...] = (
    insert_zero_width, replace_spaces, apply_ligatures, html_markup, latex_markup)
# How often each kind is drawn, about as real statements show them: among statements with debris,
# mid-sentence line breaks lead, then ids split after a dash and hyphenated line ends; OCR slips,
# control characters and the formatting kinds are rare (markup is about 1% of real statements).
NOISE_WEIGHTS: dict[Callable[[str, random.Random], str], int] = {
    break_line: 18, split_id_after_dash: 30, hyphenate_line_break: 8, insert_control_char: 4,
    ocr_case_error: 3, ocr_char_confusion: 3,
    insert_zero_width: 2, replace_spaces: 2, apply_ligatures: 1, html_markup: 2, latex_markup: 3,
}
_ORDER = COPIED_NOISE + LAYOUT_NOISE + FORMATTING_NOISE


def _wrap_gold(segments: list[Segment], rng: random.Random, use_latex: bool) -> None:
    """Surround one gold segment with markup written into its plain neighbours (the gold text is untouched)."""
    candidates = [index for index in range(1, len(segments) - 1) if segments[index].gold
                  and not segments[index - 1].gold and not segments[index + 1].gold]
    if not candidates:
        return
    index = rng.choice(candidates)
    if use_latex:
        opening, closing = f"\\{rng.choice(LATEX_WRAPPERS)}{{", "}"
    else:
        tag = rng.choice(HTML_WRAPPERS)
        opening, closing = f"<{tag}>", f"</{tag}>"
    segments[index - 1] = replace(segments[index - 1], text=segments[index - 1].text + opening)
    segments[index + 1] = replace(segments[index + 1], text=closing + segments[index + 1].text)


def add_noise(segments: Sequence[Segment], rng: random.Random, attempts: int = 100) -> list[Segment]:
    """Apply one kind of noise, sometimes two; the result has the same length and the same gold flags.

    Kinds are drawn by `NOISE_WEIGHTS`. Copied noise picks a gold segment half the time (an id split
    after its dash only where some segment has one); layout and formatting noise edit only plain
    segments (HTML and LaTeX may also wrap a gold segment from its neighbours, and wrap the whole
    statement). Markup comes last, so character noise never lands inside a tag or a command. A draw
    that finds nothing to change (no 'fi' for a ligature, no dashed id) is drawn again until one changes
    something: stopping after five such draws left 73 of 5,000 seeds of "Funded by NSF." clean. Segments that
    `attempts` draws leave unchanged are an error, never a silently clean statement.
    """
    for _ in range(attempts):
        noisy = _noise_once(segments, rng)
        if noisy != list(segments):
            return noisy
    raise ValueError(f"no noise kind changes the statement {''.join(s.text for s in segments)!r} "
                     f"in {attempts} draws")


def _draw_kinds(rng: random.Random) -> list[Callable[[str, random.Random], str]]:
    """One or two distinct kinds by `NOISE_WEIGHTS`, in application order (copied, layout, formatting)."""
    count = rng.choice((1, 1, 1, 2))
    kinds: list[Callable[[str, random.Random], str]] = []
    while len(kinds) < count:
        kind = rng.choices(list(NOISE_WEIGHTS), weights=list(NOISE_WEIGHTS.values()))[0]
        if kind not in kinds:
            kinds.append(kind)
    return sorted(kinds, key=_ORDER.index)


def _noise_once(segments: Sequence[Segment], rng: random.Random) -> list[Segment]:
    """One draw of noise kinds, applied in a fixed order (copied, layout and character-level, then markup)."""
    noisy = list(segments)
    wrap_paragraph = False
    plain = [index for index, segment in enumerate(noisy) if not segment.gold and segment.text.strip()]
    gold = [index for index, segment in enumerate(noisy) if segment.gold]
    for kind in _draw_kinds(rng):
        if kind in COPIED_NOISE:
            pool = gold if gold and (rng.random() < 0.5 or not plain) else plain
            if kind is split_id_after_dash:
                pool = [index for index in gold + plain if _DASH_BEFORE_DIGITS.search(noisy[index].text)]
            if pool:
                index = rng.choice(pool)
                noisy[index] = replace(noisy[index], text=kind(noisy[index].text, rng))
            continue
        wanted = rng.randint(1, 3 if kind in FORMATTING_NOISE else 2)
        for index in rng.sample(plain, k=len(plain)):  # the first plain segments the kind can change
            text = kind(noisy[index].text, rng)
            if text != noisy[index].text:
                noisy[index] = replace(noisy[index], text=text)
                wanted -= 1
                if not wanted:
                    break
        if kind in (html_markup, latex_markup) and rng.random() < 0.5:
            _wrap_gold(noisy, rng, use_latex=kind is latex_markup)
        wrap_paragraph = wrap_paragraph or (kind is html_markup and rng.random() < 0.3)
    if wrap_paragraph and noisy and not noisy[0].gold and not noisy[-1].gold:
        noisy[0] = replace(noisy[0], text="<p>" + noisy[0].text)
        noisy[-1] = replace(noisy[-1], text=noisy[-1].text + "</p>")
    return noisy
