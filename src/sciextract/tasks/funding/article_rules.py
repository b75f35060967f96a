"""A rule-based stage 1: funding statements located in an article without a model, the floor for stage 1.

A sentence (rules.py's splitter, which also breaks at line ends) is a funding sentence when rules.py keeps it as
one (no conflict-of-interest or no-funding wording; a facility sentence only with a funding word), it carries a
funding word ("supported", "funded", "grant", ...), and it names a funder or an award id as rules.py finds them.
Consecutive funding sentences are one statement. Each statement is the article's own text, so it passes stage 1's
verbatim check like a model's.
"""

from __future__ import annotations

from collections import Counter

from sciextract.tasks.funding.article import Extraction, clean_article
from sciextract.tasks.funding.rules import FUNDING_CUE, owned_award_ids, sentence_spans


def _names_funding(sentence: str) -> bool:
    if FUNDING_CUE.search(sentence) is None:
        return False
    mentions, owned = owned_award_ids(sentence)
    return bool(owned or mentions)


def locate_statements_by_rules(article: str) -> Extraction:
    """The funding statements of an article (before or after `clean_article`), in article order."""
    text = clean_article(article)
    runs: list[tuple[int, int]] = []
    previous = None
    for index, sentence in enumerate(sentence_spans(text)):
        if not _names_funding(sentence.text):
            continue
        if previous is not None and previous == index - 1:
            runs[-1] = (runs[-1][0], sentence.end)
        else:
            runs.append((sentence.start, sentence.end))
        previous = index
    statements = [text[start:end].strip() for start, end in runs]
    return Extraction([statement for statement in statements if statement], Counter())
