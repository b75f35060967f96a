"""The SciIE rule baseline: an entity lexicon from the SFT split and one abbreviation relation rule."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sciextract.tasks.sciie.parse import distinct


class EntityLexicon:
    """Dictionary baseline built from the SFT split only (never from dev or test gold).

    Entries are the SFT entity strings, each with its most frequent type (ties: alphabetical), kept only
    where the string is annotated in at least half of the SFT sentences containing it on word boundaries
    (so "model" or "data", usually not entities, are left out). Prediction is a greedy left-to-right,
    longest-match scan of the sentence's words. One relation rule: two found entities written
    `A ( B )` give `[B, Synonym-Of, A]` (an abbreviation in parentheses).
    """

    MIN_ANNOTATION_RATE = 0.5

    def __init__(self, records: Sequence[dict]):
        types: dict[tuple[str, ...], Counter] = {}
        annotated: Counter = Counter()
        for record in records:
            for words in {tuple(text.split()) for text, _ in record["ner"]}:
                annotated[words] += 1
            for text, entity_type in record["ner"]:
                types.setdefault(tuple(text.split()), Counter())[entity_type] += 1
        self.longest = max((len(words) for words in types), default=0)
        occurring: Counter = Counter()
        for record in records:
            occurring.update(self._ngrams(record["sentence"].split()) & types.keys())
        self.entries = {words: min(counts, key=lambda t: (-counts[t], t)) for words, counts in types.items()
                        if annotated[words] >= self.MIN_ANNOTATION_RATE * occurring[words]}

    def _ngrams(self, tokens: list[str]) -> set[tuple[str, ...]]:
        return {tuple(tokens[i:i + n]) for n in range(1, self.longest + 1) for i in range(len(tokens) - n + 1)}

    def entities(self, sentence: str) -> list[list[str]]:
        tokens, found, i = sentence.split(), [], 0
        while i < len(tokens):
            match = next((n for n in range(min(self.longest, len(tokens) - i), 0, -1)
                          if tuple(tokens[i:i + n]) in self.entries), 0)
            if match:
                words = tuple(tokens[i:i + match])
                found.append([" ".join(words), self.entries[words]])
            i += match or 1
        return distinct(found)


def abbreviation_relations(sentence: str, entity_texts: Sequence[str]) -> list[list[str]]:
    spaced = " ".join(sentence.split())
    return [[short, "Synonym-Of", full] for full in entity_texts for short in entity_texts
            if short != full and f"{full} ( {short} )" in spaced]
