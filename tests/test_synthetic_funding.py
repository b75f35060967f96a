import inspect
import random
import re
import time
from collections import Counter

import pytest

from sciextract.tasks.funding.data import validate_record
from sciextract.tasks.funding.gazetteer import FUNDERS, generate_award_id, pattern_regex
from sciextract.tasks.funding.noise import CONTROL_CHARS, LIGATURES, ODD_SPACES, ZERO_WIDTH_CHARS
import sciextract.tasks.funding.synthetic as synthetic_funding
from sciextract.tasks.funding.synthetic import (
    COMPOSED_FUNDER_FRACTION,
    COMPOSED_IDLESS_FRACTION,
    NEGATIVE_FRACTION,
    NOISE_FRACTION,
    OFF_PATTERN_ID_FRACTION,
    PROMINENT_FUNDERS,
    SECTION_JOIN_FRACTION,
    UNNAMED_FRACTION,
    UNNAMED_ID_PATTERNS,
    generate_funding_records,
)

FUNDERS_BY_NAME = {funder.name: funder for funder in FUNDERS}
GAZETTEER_FORMS: dict[str, list] = {}
for _funder in FUNDERS:
    for _form in _funder.surface_forms:
        GAZETTEER_FORMS.setdefault(_form, []).append(_funder)
# Words that mark an organisation by its shape (a generic list, written here; not the baseline's).
ORGANISATION_WORD = re.compile(r"\b(?:Foundation|Fund|Trust|Society|Council|Ministry|Agency|Association|Academy"
                               r"|Endowment|Commission|Stiftung|Fondazione|Fundación|Fondation|Fundação)\b")
FORMATTING_CHARS = (set(ZERO_WIDTH_CHARS) | set(ODD_SPACES) | {ligature for _, ligature in LIGATURES} | set("<>~")
                    | set(CONTROL_CHARS))
# Kinds of named award, by their words (a generic list, written here): grant and award types are titles in
# publisher gold unless they name a person-type award (fellowships, career and young-investigator awards).
GRANT_TYPE = re.compile(r"\b(?:Grant|Award)s?$")
PERSON_TYPE = re.compile(r"fellow|scholar|career|investigator|young|youth|talent|leader|doctoral|postdoc", re.I)

# Real award numbers as printed in published funding statements, by funder.
REAL_AWARD_IDS = {
    "National Science Foundation": ["DMS-1912345", "CHE-2045678", "2045678"],
    "National Institutes of Health": ["R01-AI123456", "R01AI123456", "5R01GM098765-03"],
    "National Cancer Institute": ["P30 CA016672"],
    "European Research Council": ["725974", "101001234"],
    "European Commission": ["812345"],
    "National Natural Science Foundation of China": ["61972123", "12274567"],
    "National Key Research and Development Program of China": ["2018YFA0305600"],
    "Japan Society for the Promotion of Science": ["JP21H01234", "19K05678"],
    "Deutsche Forschungsgemeinschaft": ["390685689", "SFB 1234"],
    "Engineering and Physical Sciences Research Council": ["EP/X012345/1"],
    "Biotechnology and Biological Sciences Research Council": ["BB/T012345/1"],
    "Medical Research Council": ["MR/S012345/1"],
    "Natural Environment Research Council": ["NE/S012345/1"],
    "Agence Nationale de la Recherche": ["ANR-19-CE12-0012"],
    "Natural Sciences and Engineering Research Council of Canada": ["RGPIN-2019-04567"],
    "Australian Research Council": ["DP210101234", "FT190100123"],
    "National Health and Medical Research Council": ["APP1123456", "GNT2001234"],
    "Wellcome Trust": ["212345/Z/18/Z"],
    "Conselho Nacional de Desenvolvimento Científico e Tecnológico": ["308765/2019-0"],
    "São Paulo Research Foundation": ["2019/12345-6"],
    "Swiss National Science Foundation": ["200021_182345"],
    "Dutch Research Council": ["VI.Vidi.192.012"],
    "National Research Foundation of Korea": ["NRF-2020R1A2C1012345"],
    "Science and Engineering Research Board": ["CRG/2019/001234"],
    "Bill & Melinda Gates Foundation": ["OPP1123456", "INV-012345"],
    "Simons Foundation": ["601234"],
}


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return generate_funding_records(2000, seed=13)


@pytest.fixture(scope="module")
def clean_records() -> list[dict]:
    return generate_funding_records(2000, seed=13, noise_fraction=0.0)


def _gazetteer_owners(name: str) -> list:
    """Gazetteer funders a gold name writes: a surface form, 'Full Name (ACR)', 'ACR (Full Name)' or 'US ACR'."""
    parts = [name, *re.fullmatch(r"(.+) \((.+)\)", name).groups()] if name.endswith(")") else [name]
    parts += [part.split(" ", 1)[1] for part in parts if re.fullmatch(r"\S+ [A-Z][A-Z&-]+", part)]
    return [owner for part in parts for owner in GAZETTEER_FORMS.get(part, [])]


def _is_composed(name: str | None) -> bool:
    return name is not None and not _gazetteer_owners(name)


@pytest.fixture(scope="module")
def composed_names() -> list[str]:
    """Gold funder names (one per mention) that name no gazetteer funder, in 3,000 clean records."""
    return [funder["funder_name"] for record in generate_funding_records(3000, seed=29, noise_fraction=0.0)
            for funder in record["funders"] if _is_composed(funder["funder_name"])]


def _gold_strings(record: dict) -> list[str]:
    strings = []
    for funder in record["funders"]:
        if funder["funder_name"] is not None:
            strings.append(funder["funder_name"])
        for award in funder["awards"]:
            strings += award["award_ids"] + award["funding_scheme"] + award["award_title"]
    return strings


def _positives(records: list[dict]) -> list[dict]:
    return [record for record in records if record["funders"]]


def _named_funders(records: list[dict]) -> list[dict]:
    return [funder for record in records for funder in record["funders"] if funder["funder_name"] is not None]


def _share(records: list[dict], has) -> float:
    return sum(1 for record in records if has(record)) / len(records)


# --- gazetteer ---

def test_gazetteer_has_many_funders_with_unique_names_from_many_countries():
    assert len(FUNDERS) >= 150
    assert len({funder.name for funder in FUNDERS}) == len(FUNDERS)
    countries = {funder.country for funder in FUNDERS}
    assert {"US", "GB", "EU", "DE", "FR", "CN", "JP", "KR", "IN", "CA", "AU", "BR", "CH", "NL", "SE", "DK", "NO",
            "FI", "ES", "IT"} <= countries
    for funder in FUNDERS:
        assert funder.id_patterns, funder.name
        assert all(form == form.strip() and form for form in funder.surface_forms), funder.name


def test_gazetteer_knows_the_major_private_foundations():
    for name in ("Wellcome Trust", "Bill & Melinda Gates Foundation", "Howard Hughes Medical Institute",
                 "Simons Foundation", "Novo Nordisk Foundation", "Alfred P. Sloan Foundation"):
        assert name in FUNDERS_BY_NAME


def test_every_id_pattern_generates_strings_it_describes():
    rng = random.Random(0)
    for funder in FUNDERS:
        for pattern in funder.id_patterns:
            regex = re.compile(pattern_regex(pattern))
            for _ in range(10):
                value = generate_award_id(pattern, rng)
                assert regex.fullmatch(value), (funder.name, pattern, value)
                assert value == value.strip() and not set(value) & set("{}|")


def test_id_generation_is_seeded():
    pattern = "{DMS|CHE}-{15..24}#####"
    first = [generate_award_id(pattern, random.Random(7)) for _ in range(3)]
    assert first == [generate_award_id(pattern, random.Random(7)) for _ in range(3)]
    assert generate_award_id("{07..09}-@*", random.Random(1))[:2] in {"07", "08", "09"}


@pytest.mark.parametrize("name", sorted(REAL_AWARD_IDS))
def test_real_award_numbers_match_their_funders_patterns(name):
    regexes = [re.compile(pattern_regex(pattern)) for pattern in FUNDERS_BY_NAME[name].id_patterns]
    for award_id in REAL_AWARD_IDS[name]:
        assert any(regex.fullmatch(award_id) for regex in regexes), award_id


# --- generator ---

def test_generation_is_deterministic_per_seed():
    assert generate_funding_records(200, seed=5) == generate_funding_records(200, seed=5)
    assert generate_funding_records(50, seed=5) != generate_funding_records(50, seed=6)


def test_a_longer_run_extends_a_shorter_one():
    assert generate_funding_records(300, seed=2)[:40] == generate_funding_records(40, seed=2)


def test_ids_are_numbered_and_unique(records):
    assert [record["id"] for record in records[:3]] == ["syn-000000", "syn-000001", "syn-000002"]
    assert len({record["id"] for record in records}) == len(records)


def test_records_are_canonical(records):
    for record in records:
        assert validate_record(record, path="synthetic", line=None) == record


def test_every_gold_string_occurs_verbatim_in_its_statement(records):
    for record in records:
        for value in _gold_strings(record):
            assert value and value in record["funding_statement"], (record["id"], value)


def test_gold_strings_never_hold_formatting_noise(records):
    for record in records:
        for value in _gold_strings(record):
            assert not set(value) & (FORMATTING_CHARS | {"\n"}), (record["id"], value)
            assert not re.search(r"\\(?:textit|emph|textbf|textsc)|&amp;", value), (record["id"], value)


def test_clean_statements_carry_no_formatting_noise(clean_records):
    for record in clean_records:
        statement = record["funding_statement"]
        assert not set(statement) & FORMATTING_CHARS, record["id"]
        assert "\\textit" not in statement and "\\emph" not in statement


def _own_ids(record: dict) -> list[tuple[str | None, str]]:
    """(funder name, id) for every id credited to one funder only (a shared id follows the first funder)."""
    credits = Counter(award_id for funder in record["funders"] for award in funder["awards"]
                      for award_id in award["award_ids"])
    return [(funder["funder_name"], award_id) for funder in record["funders"] for award in funder["awards"]
            for award_id in award["award_ids"] if credits[award_id] == 1]


def test_gazetteer_funders_mostly_use_their_own_id_formats(clean_records):
    every_pattern = [pattern for funder in FUNDERS for pattern in funder.id_patterns] + list(UNNAMED_ID_PATTERNS)
    any_id = re.compile("|".join(f"(?:{pattern_regex(pattern)})" for pattern in every_pattern))
    own = off = unnamed = unnamed_well_formed = 0
    for record in clean_records:
        for name, award_id in _own_ids(record):
            if name is None:
                unnamed += 1
                unnamed_well_formed += bool(any_id.fullmatch(award_id))
            elif name in GAZETTEER_FORMS:
                regexes = [re.compile(pattern_regex(pattern)) for owner in GAZETTEER_FORMS[name]
                           for pattern in owner.id_patterns]
                if any(regex.fullmatch(award_id) for regex in regexes):
                    own += 1
                else:
                    off += 1
    assert abs(off / (own + off) - OFF_PATTERN_ID_FRACTION) < 0.04  # internal references, off the patterns
    assert unnamed_well_formed / unnamed > 0.98


def test_many_gold_funders_are_outside_the_gazetteer(composed_names, clean_records):
    named = _named_funders(clean_records)
    in_sample = sum(_is_composed(funder["funder_name"]) for funder in named)
    assert abs(in_sample / len(named) - COMPOSED_FUNDER_FRACTION) < 0.05
    assert len(set(composed_names)) > 1000  # thousands of distinct names, not a second small list
    assert all(name == name.strip() and "{" not in name for name in composed_names)


def test_composed_names_are_diverse_in_kind_and_shape(composed_names):
    distinct = set(composed_names)
    for marker in ("University", "Hospital", "Province", "Ministry", "Society", "Foundation", "Fondazione",
                   "Department of", "Endowed", "Trust", "Institute"):
        assert sum(marker in name for name in distinct) > 10, marker
    assert any(name.endswith(("Pharmaceuticals", "Therapeutics", "GmbH", "Ltd")) for name in distinct)
    # Some carry an organisation word a shape rule can spot, many do not (universities, hospitals, companies).
    assert 0.3 < sum(bool(ORGANISATION_WORD.search(name)) for name in composed_names) / len(composed_names) < 0.7


def test_composed_funders_have_free_form_ids_or_none(clean_records):
    every_pattern = [pattern for funder in FUNDERS for pattern in funder.id_patterns]
    any_gazetteer_id = re.compile("|".join(f"(?:{pattern_regex(pattern)})" for pattern in every_pattern))
    ids = [award_id for record in clean_records for name, award_id in _own_ids(record) if _is_composed(name)]
    assert sum(bool(any_gazetteer_id.fullmatch(award_id)) for award_id in ids) / len(ids) < 0.2
    shapes = {re.sub(r"[A-Z]", "A", re.sub(r"\d", "9", award_id)) for award_id in ids}
    assert len(shapes) > 50
    composed = [funder for funder in _named_funders(clean_records) if _is_composed(funder["funder_name"])]
    without_ids = sum(not any(award["award_ids"] for award in funder["awards"]) for funder in composed)
    assert abs(without_ids / len(composed) - COMPOSED_IDLESS_FRACTION) < 0.1


def test_generator_does_not_read_the_baseline():
    source = inspect.getsource(synthetic_funding)
    assert "sciextract.tasks.funding.rules" not in source and "sciextract.tasks.funding.task" not in source


def test_negatives_have_empty_gold_in_the_expected_share(records):
    negatives = [record for record in records if not record["funders"]]
    assert abs(len(negatives) / len(records) - NEGATIVE_FRACTION) < 0.015
    assert generate_funding_records(100, seed=1, negative_fraction=1.0) == [
        record for record in generate_funding_records(100, seed=1, negative_fraction=1.0) if not record["funders"]]
    assert all(record["funders"] for record in generate_funding_records(100, seed=1, negative_fraction=0.0))


def test_unnamed_funders_hold_ids_without_a_name(records):
    positives = _positives(records)
    unnamed = [funder for record in positives for funder in record["funders"] if funder["funder_name"] is None]
    assert abs(_share(positives, lambda r: any(f["funder_name"] is None for f in r["funders"]))
               - UNNAMED_FRACTION) < 0.03
    assert all(funder["awards"] and all(award["award_ids"] for award in funder["awards"]) for funder in unnamed)
    assert all(sum(f["funder_name"] is None for f in record["funders"]) <= 1 for record in records)


def test_funder_and_id_counts_follow_real_statements(clean_records):
    """Real dev counts: about 2.9 funders per positive statement, 30% of funders without an id, and 77% of
    funders with ids holding exactly one."""
    positives = _positives(clean_records)
    assert abs(sum(len(record["funders"]) for record in positives) / len(positives) - 2.9) < 0.25
    assert max(len(record["funders"]) for record in positives) >= 10
    named = _named_funders(clean_records)
    id_counts = [sum(len(award["award_ids"]) for award in funder["awards"]) for funder in named]
    assert abs(sum(count == 0 for count in id_counts) / len(id_counts) - 0.30) < 0.04
    with_ids = [count for count in id_counts if count]
    assert abs(sum(count == 1 for count in with_ids) / len(with_ids) - 0.77) < 0.04
    assert max(with_ids) >= 6


def test_schemes_and_titles_reach_real_shares_and_kinds(records):
    """Real publisher gold: about 12% of funders carry a scheme and 14% a title, mostly scheme-like names."""
    named = _named_funders(records)
    schemes = [scheme for funder in named for award in funder["awards"] for scheme in award["funding_scheme"]]
    titles = [title for funder in named for award in funder["awards"] for title in award["award_title"]]
    assert abs(sum(any(award["funding_scheme"] for award in funder["awards"]) for funder in named) / len(named)
               - 0.12) < 0.03
    assert abs(sum(any(award["award_title"] for award in funder["awards"]) for funder in named) / len(named)
               - 0.14) < 0.03
    # Grant and award types are titles; a scheme ending in Grant/Award is a person-type award.
    assert all(PERSON_TYPE.search(scheme) for scheme in schemes if GRANT_TYPE.search(scheme))
    assert sum(bool(GRANT_TYPE.search(title)) for title in titles) / len(titles) > 0.1
    assert all(not scheme.startswith("Project ") for scheme in schemes)
    # Long descriptive project titles are rare; most titles are short names.
    assert sum(len(title.split()) > 5 for title in titles) / len(titles) < 0.1
    assert any(award["funding_scheme"] and not award["award_ids"] for funder in named for award in funder["awards"])
    assert any(award["award_title"] and award["funding_scheme"] for funder in named for award in funder["awards"])


def test_schemes_stand_next_to_their_funder_as_in_real_text(clean_records):
    """Real schemes follow the funder name directly or precede it ('X of the FUNDER'); 'under the X' is rare."""
    placed = adjacent = before = linked = 0
    for record in clean_records:
        text = record["funding_statement"]
        for funder in record["funders"]:
            for award in funder["awards"]:
                for scheme in award["funding_scheme"]:
                    placed += 1
                    adjacent += f"{funder['funder_name']} {scheme}" in text
                    before += bool(re.search(re.escape(scheme) + r"(?: \([^)]*\))? (?:of|from|funded by|awarded by"
                                             r"|supported by) (?:the )?" + re.escape(funder["funder_name"]), text))
                    linked += bool(re.search(r"(?:under|through|via|within) (?:the|its) " + re.escape(scheme), text))
    assert adjacent / placed > 0.25
    assert before / placed > 0.2
    assert linked / placed < 0.15


def test_full_name_and_acronym_are_one_gold_name(clean_records):
    """Publisher gold keeps 'Full Name (ACR)' (and 'ACR (Full Name)') whole, as written."""
    named = _named_funders(clean_records)
    with_parenthesis = [funder["funder_name"] for funder in named if funder["funder_name"].endswith(")")]
    assert abs(len(with_parenthesis) / len(named) - 0.11) < 0.03
    assert any(re.fullmatch(r"[A-Z]{2,}[A-Za-z&]* \([A-Z][\w ,'&.-]+\)", name) for name in with_parenthesis)
    acronym_only = sum(bool(re.fullmatch(r"[A-Z][A-Z&-]+", funder["funder_name"])) for funder in named)
    assert abs(acronym_only / len(named) - 0.2) < 0.05
    for record in clean_records:
        text = record["funding_statement"]
        gold = set(_gold_strings(record))
        for funder in record["funders"]:
            name = funder["funder_name"]
            if name is None:
                continue
            for match in re.finditer(re.escape(name) + r" \(([A-Z][A-Za-z&.-]{1,9})\)", text):
                assert match.group(1) in gold, (record["id"], name)  # a scheme in parentheses, never an acronym


def test_home_countries_lean_to_china_and_the_united_states(clean_records):
    countries = Counter(owners[0].country for funder in _named_funders(clean_records)
                        if (owners := _gazetteer_owners(funder["funder_name"])))
    total = sum(countries.values())
    assert abs(countries["US"] / total - 0.28) < 0.05
    assert abs(countries["CN"] / total - 0.22) < 0.05
    assert countries["EU"] / total > 0.05
    assert all(name in FUNDERS_BY_NAME for name in PROMINENT_FUNDERS)


PERSON_SUBJECT = re.compile(r"(?:^|[.\s])(?:[A-Z]{2}|[A-Z]\.[A-Z]\.|[A-Z]\. [A-Z][\w'’-]+|(?:Dr|Prof)\. [A-Z][\w'’-]+"
                            r"|The (?:first|second|corresponding) author|The work of [^.]+?"
                            r"|[A-Z][a-z]+ [A-Z][\w'’-]+'s (?:PhD|research))(?: and [A-Z][\w.]+)? "
                            r"(?:is|was|were|are|acknowledges|thank|thanks|received|gratefully)\b")


def test_statements_are_introduced_as_real_ones_are(records):
    statements = [record["funding_statement"] for record in _positives(records)]

    def share(pattern: str) -> float:
        return sum(bool(re.search(pattern, statement)) for statement in statements) / len(statements)

    assert abs(sum(bool(PERSON_SUBJECT.search(statement)) for statement in statements) / len(statements)
               - 0.33) < 0.06
    assert share(r"\b(?:[Tt]his|[Tt]he present) (?:work|research|study|project|material)\b[^.]{0,40}"
                 r"(?:supported|funded)") > 0.5
    assert abs(share(r"^(?:\d\.? )?(?:Acknowledge?ments?|ACKNOWLEDGE?MENTS)\b") - 0.2) < 0.05
    assert share(r"^(?:Funding|FUNDING|Financial support|Grant support|Sources? of funding)\b") < 0.08
    assert share(r"is acknowledged for") < 0.03
    assert abs(share(r" \| ") - SECTION_JOIN_FRACTION) < 0.025
    assert share(r"(?:\b(?:to|awarded to) [A-Z]|\([A-Z]{2}(?:, [A-Z]{2})?\))") > 0.05  # ids tied to people


def test_thanks_only_statements_are_negatives(records):
    negatives = [record["funding_statement"] for record in records if not record["funders"]]
    thanks_only = [text for text in negatives if not re.search(r"fund|grant|support|financ", text, re.I)]
    assert 0.3 < len(thanks_only) / len(negatives) < 0.7


def test_shared_awards_appear_under_each_funder(clean_records):
    shared = 0
    for record in clean_records:
        awards = [(funder["funder_name"], tuple(award["award_ids"])) for funder in record["funders"]
                  for award in funder["awards"]]
        counts = Counter(ids for _, ids in awards if ids)
        for ids, count in counts.items():
            if count > 1:
                shared += 1
                assert count == 2 and len({name for name, other in awards if other == ids}) == 2
                assert re.search(r"joint|co-funded", record["funding_statement"])
    assert shared > 20


def test_distractors_are_never_gold(records):
    facilities = ("SNIC", "NERSC", "Oak Ridge", "TACC", "PRACE", "GENCI", "Diamond Light Source", "UK Biobank")
    seen = set()
    for record in records:
        gold = " ".join(_gold_strings(record))
        for facility in facilities:
            if facility in record["funding_statement"]:
                seen.add(facility)
                assert facility not in gold
    assert len(seen) >= 6
    assert any("anonymous reviewers" in record["funding_statement"] for record in records)
    assert any("no role in study design" in record["funding_statement"] for record in _positives(records))


def test_noise_fraction_is_roughly_honoured(records, clean_records):
    noisy = sum(noisy["funding_statement"] != clean["funding_statement"]
                for noisy, clean in zip(records, clean_records))
    assert abs(noisy / len(records) - NOISE_FRACTION) < 0.03
    changed_gold = sum(noisy["funders"] != clean["funders"] for noisy, clean in zip(records, clean_records))
    assert 0 < changed_gold < noisy
    everything = generate_funding_records(300, seed=13, noise_fraction=1.0)
    assert all(record["funding_statement"] != clean["funding_statement"]
               for record, clean in zip(everything, clean_records))


def test_noise_is_mostly_pdf_layout_debris(records, clean_records):
    """Real statements carry line breaks, split ids and control characters far more often than markup."""
    markup = set(ZERO_WIDTH_CHARS) | set(ODD_SPACES) | {ligature for _, ligature in LIGATURES}
    layout = with_markup = noisy = 0
    for record, clean in zip(records, clean_records):
        text, before = record["funding_statement"], clean["funding_statement"]
        if text == before:
            continue
        noisy += 1
        layout += (text.count("\n") > before.count("\n") or bool(set(text) & set(CONTROL_CHARS))
                   or bool(re.search(r"-\s\d", text) and not re.search(r"-\s\d", before)))
        with_markup += bool(set(text) & markup or re.search(r"\\[a-z]+|</?\w+>|&amp;|~", text))
    assert layout / noisy > 0.7
    assert with_markup / noisy < 0.2
    assert any(re.search(r"-\s\d", award_id) for record in records for funder in record["funders"]
               for award in funder["awards"] for award_id in award["award_ids"])


def test_noise_keeps_the_gold_structure(records, clean_records):
    for noisy, clean in zip(records, clean_records):
        assert [len(funder["awards"]) for funder in noisy["funders"]] == [
            len(funder["awards"]) for funder in clean["funders"]]


def test_templates_vary(clean_records):
    statements = [record["funding_statement"] for record in clean_records]
    for marker in ("Grant/Award Number", "Funding: ", "Corresponding author", "grant Nos.", "gratefully acknowledged",
                   "jointly", "acknowledges support from", "(grant no. "):
        assert any(marker in statement for statement in statements), marker


def test_invalid_arguments_are_rejected():
    with pytest.raises(ValueError):
        generate_funding_records(-1, seed=0)
    with pytest.raises(ValueError):
        generate_funding_records(5, seed=0, noise_fraction=1.5)
    with pytest.raises(ValueError):
        generate_funding_records(5, seed=0, negative_fraction=-0.1)


def test_generation_is_fast():
    start = time.perf_counter()
    generate_funding_records(10_000, seed=0)
    assert time.perf_counter() - start < 10
