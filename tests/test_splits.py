"""Content-addressed splits: the same statement (up to case, spacing, invisible characters and Unicode
compatibility forms) always lands in the same split, and no statement crosses splits."""

from __future__ import annotations

import os
import random
import string
import subprocess
import sys
from collections import Counter

import pytest

from sciextract.splits import SPLITS, assign_splits, cross_split_overlap, normalize_for_split, split_of

RATIOS = {"sft": 0.8, "rl": 0.1, "test": 0.1}
TEN_WAYS = {f"s{i}": 1.0 for i in range(10)}  # a chance agreement between two texts has odds 1 in 10


def random_statement(rng: random.Random) -> str:
    words = ["".join(rng.choice(string.ascii_letters + string.digits) for _ in range(rng.randint(1, 9)))
             for _ in range(rng.randint(1, 12))]
    return " ".join(words)


def variants(text: str) -> list[str]:
    """Spellings that must normalise to the same statement."""
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    return [
        text.upper(),
        text.lower(),
        text.swapcase(),
        f"  {text}\n",
        text.replace(" ", " \t\n "),
        text.replace(" ", "\u00a0"),  # no-break space
        text.replace(" ", "\u3000"),  # ideographic space
        "\u200b".join(text),  # zero-width space between every character
        f"\ufeff{text}\u2060",
        text.replace(" ", "\u200c \u200d"),
        fullwidth,
    ]


def test_normalize_for_split_by_hand():
    assert normalize_for_split("  Funded\tby the\u00a0NSF \n") == "funded by the nsf"
    assert normalize_for_split("Fun\u200bded\u200c by\u200d\u2060 NSF\ufeff") == "funded by nsf"
    assert normalize_for_split("ＮＳＦ　ｇｒａｎｔ　１２３") == "nsf grant 123"
    assert normalize_for_split("The \ufb01rst study") == "the first study"  # fi ligature
    assert normalize_for_split("x\u00b2") == "x2"
    assert normalize_for_split("") == ""


def test_split_of_is_deterministic_and_in_the_ratios():
    rng = random.Random(0)
    texts = [random_statement(rng) for _ in range(200)]
    first = [split_of(t, RATIOS) for t in texts]
    assert first == [split_of(t, RATIOS) for t in texts]
    assert set(first) <= set(RATIOS)


def test_split_of_does_not_depend_on_the_process_hash_seed():
    texts = ["Funded by the NSF.", "Wellcome Trust grant 212345/Z/18/Z", "ERC 725974"]
    here = [split_of(t, TEN_WAYS) for t in texts]
    code = ("from sciextract.splits import split_of;"
            f"print(','.join(split_of(t, {TEN_WAYS!r}) for t in {texts!r}))")
    for seed in ("1", "12345"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip()
        assert out.split(",") == here


def test_split_of_ignores_case_whitespace_invisible_characters_and_compatibility_forms():
    rng = random.Random(1)
    for _ in range(150):
        text = random_statement(rng)
        expected = split_of(text, TEN_WAYS)
        for variant in variants(text):
            assert normalize_for_split(variant) == normalize_for_split(text), (text, variant)
            assert split_of(variant, TEN_WAYS) == expected, (text, variant)


def test_different_texts_spread_over_splits():
    rng = random.Random(2)
    assert len({split_of(random_statement(rng), TEN_WAYS) for _ in range(200)}) == 10


@pytest.mark.parametrize("ratios", [RATIOS, {"sft": 8, "rl": 1, "test": 1}, {"a": 0.25, "b": 0.75},
                                    {"a": 1, "b": 1, "c": 1, "d": 1}])
def test_ratios_respected_on_5000_random_strings(ratios):
    rng = random.Random(42)
    texts = {"".join(rng.choice(string.printable) for _ in range(rng.randint(5, 60))) for _ in range(5000)}
    counts = Counter(split_of(t, ratios) for t in texts)
    total = sum(ratios.values())
    for name, share in ratios.items():
        assert abs(counts[name] / len(texts) - share / total) < 0.02, (name, counts)


def test_scaled_ratios_give_the_same_assignment():
    rng = random.Random(3)
    texts = [random_statement(rng) for _ in range(500)]
    assert [split_of(t, RATIOS) for t in texts] == [split_of(t, {"sft": 8, "rl": 1, "test": 1}) for t in texts]


def test_zero_share_split_gets_nothing_and_a_sole_split_gets_everything():
    rng = random.Random(4)
    texts = [random_statement(rng) for _ in range(2000)]
    assert {split_of(t, {"sft": 1.0, "rl": 0.0, "test": 0.0}) for t in texts} == {"sft"}
    assert {split_of(t, {"sft": 0.0, "rl": 0.0, "test": 1.0}) for t in texts} == {"test"}
    assert "rl" not in {split_of(t, {"sft": 0.5, "rl": 0.0, "test": 0.5}) for t in texts}


def test_assign_splits_keeps_every_record_and_variants_together():
    rng = random.Random(5)
    bases = [random_statement(rng) for _ in range(400)]
    records = []
    for index, base in enumerate(bases):
        for copy in range(rng.randint(1, 3)):
            text = rng.choice(variants(base)) if copy else base
            records.append({"id": f"{index}-{copy}", "base": index, "funding_statement": text})
    rng.shuffle(records)
    splits = assign_splits(records, key=lambda r: r["funding_statement"], ratios=RATIOS)
    assert list(splits) == list(RATIOS)
    assert sorted(r["id"] for rows in splits.values() for r in rows) == sorted(r["id"] for r in records)
    where = {}
    for name, rows in splits.items():
        for r in rows:
            assert where.setdefault(r["base"], name) == name  # all copies of a statement share a split
    overlap = cross_split_overlap(splits, key=lambda r: r["funding_statement"])
    assert overlap == {"sft/rl": 0, "sft/test": 0, "rl/test": 0}
    assert all(rows for rows in splits.values())


def test_assign_splits_of_the_splits_constant():
    splits = assign_splits([], key=str, ratios=dict.fromkeys(SPLITS, 1.0))
    assert splits == {"sft": [], "rl": [], "test": []}


def test_cross_split_overlap_detects_shared_statements():
    splits = {
        "sft": [{"t": "Funded by NSF."}, {"t": "Wellcome"}],
        "rl": [{"t": "  FUNDED by\u200b nsf. "}],
        "test": [{"t": "wellcome"}, {"t": "ERC"}],
    }
    assert cross_split_overlap(splits, key=lambda r: r["t"]) == {"sft/rl": 1, "sft/test": 1, "rl/test": 0}


@pytest.mark.parametrize("ratios", [{}, {"sft": -0.1, "rl": 0.6, "test": 0.5}, {"sft": 0.0, "rl": 0.0, "test": 0.0},
                                    {"sft": -1.0, "rl": 0.5}])
def test_invalid_ratios_raise(ratios):
    with pytest.raises(ValueError, match="split ratios"):
        assign_splits([{"t": "a"}], key=lambda r: r["t"], ratios=ratios)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_ratios_raise(bad):
    with pytest.raises(ValueError):
        assign_splits([{"t": "a"}, {"t": "b"}], key=lambda r: r["t"], ratios={"sft": bad, "rl": 0.1, "test": 0.1})
