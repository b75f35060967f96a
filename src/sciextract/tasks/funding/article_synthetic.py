"""Synthetic articles for the two-stage funding path: paper-like markdown with 0, 1 or 2 funding statements.

Each article has a title, authors, an abstract, body sections of varied length (from under one chunk to several
chunks at the CPU default), back matter and references. Its funding statements come from the statement generator
(tasks/funding/synthetic.py, no negatives) and sit where papers put them: a Funding section, an Acknowledgements
section, a first-page footnote, or a sentence inside a longer acknowledgement. Back matter brings distractors that
are not funding statements (thanks to people, computing time, author contributions, competing interests, data
availability), drawn from the statement generator's own pools. Noisy articles open with a byte-order mark, carry
zero-width characters in their prose and hard line breaks inside paragraphs, as text extracted from PDFs does; the
statements keep whatever noise the statement generator gave them, so every gold statement is a verbatim substring
of its article.

Gold: `{"id", "text", "funding_statements": [as inserted], "funders": [every statement's funders]}`.
"""

from __future__ import annotations

import random
import textwrap

from sciextract.tasks.funding.noise import insert_zero_width
from sciextract.tasks.funding.synthetic import (
    _CONFLICTS,
    _FACILITIES,
    _PEOPLE,
    _THANKS,
    NAMED_AWARD_FRACTION,
    NOISE_FRACTION,
    _fill_ids,
    _fill_people,
    generate_funding_records,
)

STATEMENT_COUNT_WEIGHTS = {0: 30, 1: 50, 2: 20}
"""Articles with no, one and two funding statements."""
PLACEMENT_WEIGHTS = {"funding_section": 35, "acknowledgements": 30, "footnote": 15, "inside_acknowledgement": 20}
ARTICLE_SEED_OFFSET = 7_919_000
"""Added to the seed of the statements drawn for articles, so that they are not the statements the statement-level
splits generate from the same `data.funding.seed`."""
BODY_WORDS = (20, 900)
"""Range of the body's length in words (introduction to discussion): under one 512-token chunk to about four."""

_TOPICS = ("protein folding", "soil microbiomes", "graph neural networks", "coastal erosion", "sleep regulation",
           "perovskite solar cells", "antibiotic resistance", "language acquisition", "glacier dynamics",
           "tumour heterogeneity", "urban heat islands", "quantum error correction", "bird migration",
           "gut inflammation", "seismic imaging", "battery degradation", "vaccine uptake", "coral bleaching")
_ADJECTIVES = ("robust", "scalable", "longitudinal", "comparative", "multiscale", "unsupervised", "high-resolution",
               "population-based", "mechanistic", "probabilistic", "integrative", "rapid")
_NOUNS = ("model", "framework", "cohort", "dataset", "assay", "pipeline", "estimator", "protocol", "simulation",
          "measurement", "sample", "signal", "network", "parameter", "baseline", "variance", "threshold")
_VERBS = ("measured", "estimated", "compared", "characterised", "simulated", "validated", "quantified", "analysed",
          "observed", "derived", "calibrated", "reconstructed")
_FINDINGS = ("increased", "decreased", "remained stable", "varied strongly", "correlated with the baseline",
             "differed between groups", "converged after a few iterations", "depended on the temperature")
_SENTENCES = (
    "We {verb} the {noun} of {topic} across {n} independent {noun2}s.",
    "The {adj} {noun} {finding} when the {noun2} was held fixed (p = 0.0{n}).",
    "Previous work on {topic} has relied on a {adj} {noun} [{n}].",
    "In this study, we {verb} a {adj} {noun} for {topic}.",
    "Figure {n} shows how the {noun} {finding} over time.",
    "Each {noun2} was {verb} twice by two independent annotators.",
    "These results suggest that the {noun} of {topic} is more {adj} than assumed.",
    "Table {n} summarises the {noun2} used in the {adj} analysis.",
    "A {adj} {noun} was fitted to the {noun2} with {n} degrees of freedom.",
    "Overall, the {noun} {finding}, in line with earlier reports on {topic} [{n}].",
    "Limitations include the size of the {noun2} and the {adj} {noun} we assumed.",
    "We excluded {n} {noun2}s in which the {noun} could not be {verb}.",
)
_BODY_SECTIONS = ("Introduction", "Methods", "Results", "Discussion")
_CONTRIBUTIONS = ("{p} and {q} designed the study. {p} performed the experiments. All authors wrote the manuscript.",
                  "{p} conceived the project; {q} analysed the data; both authors approved the final version.")
_DATA_AVAILABILITY = ("The data that support the findings of this study are available from the corresponding author "
                      "upon reasonable request.",
                      "All code and data are available in a public repository under an open licence.")
_JOURNALS = ("J. Appl. Stat.", "Nat. Commun.", "Phys. Rev. B", "PLoS ONE", "Ecol. Lett.", "Bioinformatics")


def _sentence(rng: random.Random, topic: str) -> str:
    return rng.choice(_SENTENCES).format(verb=rng.choice(_VERBS), noun=rng.choice(_NOUNS), noun2=rng.choice(_NOUNS),
                                         adj=rng.choice(_ADJECTIVES), finding=rng.choice(_FINDINGS), topic=topic,
                                         n=rng.randint(1, 9))


def _paragraph(rng: random.Random, topic: str, words: int) -> str:
    sentences: list[str] = []
    while sum(len(sentence.split()) for sentence in sentences) < words:
        sentences.append(_sentence(rng, topic))
    return " ".join(sentences)


def _noisy(paragraph: str, rng: random.Random, noisy: bool) -> str:
    """Prose as PDF extraction leaves it: zero-width characters and hard line breaks (noisy articles only)."""
    if not noisy:
        return paragraph
    if rng.random() < 0.5:
        paragraph = insert_zero_width(paragraph, rng)
    if rng.random() < 0.5:
        paragraph = "\n".join(textwrap.wrap(paragraph, width=rng.choice((72, 80, 96)), break_on_hyphens=False))
    return paragraph


def _body(rng: random.Random, topic: str, noisy: bool) -> list[tuple[str, list[str]]]:
    """Body sections, each a list of paragraphs, sharing a drawn total length."""
    total = rng.randint(*BODY_WORDS)
    shares = [rng.random() + 0.2 for _ in _BODY_SECTIONS]
    sections = []
    for name, share in zip(_BODY_SECTIONS, shares, strict=True):
        words = max(15, int(total * share / sum(shares)))
        paragraphs = []
        while words > 0:
            size = min(words, rng.randint(40, 140))
            paragraphs.append(_noisy(_paragraph(rng, topic, size), rng, noisy))
            words -= size
        sections.append((name, paragraphs))
    return sections


def _distractor_paragraphs(rng: random.Random) -> list[str]:
    """Acknowledgement sentences that are not funding: thanks to people and computing time."""
    kinds = [_fill_people(rng.choice(_THANKS), rng) for _ in range(rng.choice((1, 1, 2)))]
    if rng.random() < 0.4:
        kinds.append(_fill_ids(rng.choice(_FACILITIES), rng))
    return kinds


def _article(index: int, seed: int, statements: list[dict], noisy: bool) -> dict:
    rng = random.Random(f"sciextract-funding-article:{seed}:{index}")
    topic = rng.choice(_TOPICS)
    authors = rng.sample(_PEOPLE, rng.randint(1, 4))
    placements = [_weighted(PLACEMENT_WEIGHTS, rng) for _ in statements]
    if placements.count("footnote") > 1:
        placements[1] = "funding_section"
    footnote = [record["funding_statement"] for record, place in zip(statements, placements) if place == "footnote"]
    funding = [record["funding_statement"] for record, place in zip(statements, placements)
               if place == "funding_section"]
    acknowledged = [(record["funding_statement"], place) for record, place in zip(statements, placements)
                    if place in ("acknowledgements", "inside_acknowledgement")]

    title = f"A {rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} for {topic}"
    blocks = [f"# {title[0].upper()}{title[1:]}", ", ".join(authors)]
    blocks += ["## Abstract", _noisy(_paragraph(rng, topic, rng.randint(40, 120)), rng, noisy)]
    body = _body(rng, topic, noisy)
    for number, (name, paragraphs) in enumerate(body):
        blocks.append(f"## {name}")
        blocks.append(paragraphs[0])
        if number == 0:
            for statement in footnote:  # the first page ends after the introduction's first paragraph
                blocks.append(f"{rng.choice(('*', '¹', '†'))} {statement}")
        blocks += paragraphs[1:]

    back: list[tuple[str, str]] = []
    thanks = _distractor_paragraphs(rng)
    if acknowledged or rng.random() < 0.7:
        paragraphs = []
        for statement, place in acknowledged:
            if place == "inside_acknowledgement" and thanks:
                paragraphs.append(" ".join([thanks.pop(0), statement, *thanks]))
                thanks = []
            else:
                paragraphs.append(statement)
        if thanks:
            paragraphs.insert(rng.randint(0, len(paragraphs)), " ".join(thanks))
        back.append((rng.choice(("Acknowledgements", "Acknowledgments")), "\n\n".join(paragraphs)))
    if funding:
        back.append(("Funding", "\n\n".join(funding)))
    if rng.random() < 0.5:
        back.append(("Author contributions", _fill_people(rng.choice(_CONTRIBUTIONS), rng, "dotted")))
    if rng.random() < 0.6:
        back.append((rng.choice(("Competing interests", "Conflicts of interest")), rng.choice(_CONFLICTS[1:])))
    if rng.random() < 0.5:
        back.append(("Data availability", rng.choice(_DATA_AVAILABILITY)))
    rng.shuffle(back)
    for heading, text in back:
        blocks += [f"## {heading}", text]
    blocks.append("## References")
    blocks += [f"{n}. {rng.choice(_PEOPLE)}, {rng.choice(_PEOPLE)}. {_sentence(rng, topic)} "
               f"{rng.choice(_JOURNALS)} {rng.randint(1995, 2024)};{rng.randint(1, 80)}:{rng.randint(100, 999)}."
               for n in range(1, rng.randint(3, 9))]
    text = "\n\n".join(blocks) + "\n"
    if noisy and rng.random() < 0.5:
        text = "\ufeff" + text
    return {"id": f"art-{index:06d}", "text": text,
            "funding_statements": [record["funding_statement"] for record in statements],
            "funders": [funder for record in statements for funder in record["funders"]]}


def _weighted(weights: dict, rng: random.Random):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def generate_articles(n: int, seed: int, noise_fraction: float = NOISE_FRACTION,
                      named_award_fraction: float = NAMED_AWARD_FRACTION) -> list[dict]:
    """`n` gold articles; the same arguments always give the same articles. `noise_fraction` is both the statement
    generator's and the share of noisy articles."""
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    plan = random.Random(f"sciextract-funding-articles:{seed}")
    counts = [_weighted(STATEMENT_COUNT_WEIGHTS, plan) for _ in range(n)]
    noisy = [plan.random() < noise_fraction for _ in range(n)]
    pool = iter(generate_funding_records(sum(counts), seed=seed + ARTICLE_SEED_OFFSET, noise_fraction=noise_fraction,
                                         negative_fraction=0.0, named_award_fraction=named_award_fraction))
    return [_article(index, seed, [next(pool) for _ in range(count)], noisy[index])
            for index, count in enumerate(counts)]
