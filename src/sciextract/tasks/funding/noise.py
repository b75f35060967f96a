"""Noise that real funding statements carry: OCR slips, Unicode debris, and leftover markup.

Two kinds, treated differently where gold spans are concerned:

- *Copied* noise (`ocr_case_error`, `ocr_char_confusion`) changes characters an extractor should copy
  as they stand; it may touch any segment, gold included, and the gold follows the noisy text.
- *Formatting* noise (HTML tags and entities, LaTeX commands, zero-width characters, odd spaces,
  ligatures) is what a reader strips; it only ever edits plain segments, never a gold one. Markup
  may *surround* a gold segment, by editing the plain neighbours on either side.

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

# A word not inside markup: not a tag name (`<b>`), a command (`\\emph`) or an argument already wrapped.
_WORD = re.compile(r"(?<![<\\/{\w])[^\W\d_](?:[\w'’.-]*[^\W_])?(?![>}\w])")
_SPACE = re.compile(r" ")


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


COPIED_NOISE: tuple[Callable[[str, random.Random], str], ...] = (ocr_case_error, ocr_char_confusion)
FORMATTING_NOISE: tuple[Callable[[str, random.Random], str], ...] = (
    insert_zero_width, replace_spaces, apply_ligatures, html_markup, latex_markup)


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


def add_noise(segments: Sequence[Segment], rng: random.Random, attempts: int = 5) -> list[Segment]:
    """Apply one to three kinds of noise; the result has the same length and the same gold flags.

    Copied noise picks a gold segment half the time; formatting noise edits only plain segments
    (HTML and LaTeX may also wrap a gold segment from its neighbours, and wrap the whole statement).
    Markup comes last, so character noise never lands inside a tag or a command. Kinds that find
    nothing to change (no 'fi' for a ligature) are drawn again, up to `attempts` times.
    """
    noisy = list(segments)
    for _ in range(attempts):
        noisy = _noise_once(segments, rng)
        if noisy != list(segments):
            break
    return noisy


def _noise_once(segments: Sequence[Segment], rng: random.Random) -> list[Segment]:
    """One draw of noise kinds, applied in a fixed order (copied, character-level, then markup)."""
    noisy = list(segments)
    order = COPIED_NOISE + FORMATTING_NOISE
    kinds = sorted(rng.sample(order, k=rng.choice((1, 1, 2, 2, 3))), key=order.index)
    wrap_paragraph = False
    plain = [index for index, segment in enumerate(noisy) if not segment.gold and segment.text.strip()]
    gold = [index for index, segment in enumerate(noisy) if segment.gold]
    for kind in kinds:
        if kind in COPIED_NOISE:
            pool = gold if gold and (rng.random() < 0.5 or not plain) else plain
            if pool:
                index = rng.choice(pool)
                noisy[index] = replace(noisy[index], text=kind(noisy[index].text, rng))
            continue
        for index in rng.sample(plain, k=min(len(plain), rng.randint(1, 3))):
            noisy[index] = replace(noisy[index], text=kind(noisy[index].text, rng))
        if kind in (html_markup, latex_markup) and rng.random() < 0.5:
            _wrap_gold(noisy, rng, use_latex=kind is latex_markup)
        wrap_paragraph = wrap_paragraph or (kind is html_markup and rng.random() < 0.3)
    if wrap_paragraph and noisy and not noisy[0].gold and not noisy[-1].gold:
        noisy[0] = replace(noisy[0], text="<p>" + noisy[0].text)
        noisy[-1] = replace(noisy[-1], text=noisy[-1].text + "</p>")
    return noisy
