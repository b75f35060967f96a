"""Review articles and their reviewer concerns: strict reading of files, lenient reading of model output,
the training filters, and the token-budget cut of the paper text.

An article file is JSONL (or a JSON array) in the public bioreview-bench layout: `id`, `source`, `title`,
`abstract`, `paper_text_sections` ({section name: text}) and `concerns`, each concern with `concern_text`
(or `text`), `category`, `severity` and optionally `requires_figure_reading` and `resolution_confidence`.
Other fields of that layout (doi, decision letters, author responses, ...) are ignored, and so are sections
with no text (they would render as a bare heading). The loader returns
canonical articles: `{"id", "source", "title", "abstract", "sections", "concerns": [{"text", "category",
"severity", "requires_figure_reading", "resolution_confidence"}]}`.

Concerns flagged `requires_figure_reading: true` are never scored or taught: the model reads text only.
What is left of an article's concerns after that is its *scorable* concerns; a concern of category
`figure_issue` without the flag stays scorable (BioReview excludes by the flag alone), and only the training
filters drop it (reason `figure_category`), because the prompt offers no such category. An article with no
scorable concern is still scored: its model concerns are all false positives.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sciextract.errors import InputError
from sciextract.io import check_unique_ids, read_records
from sciextract.splits import normalize_for_split

CATEGORIES = ("design_flaw", "statistical_methodology", "missing_experiment", "prior_art_novelty", "writing_clarity",
              "reagent_method_specificity", "interpretation", "other")
FIGURE_CATEGORY = "figure_issue"
"""Present in the source data, never in the prompt: scored when not flagged, dropped from training data."""
SEVERITIES = ("major", "minor", "optional")
SOURCES = ("elife", "plos", "f1000", "peerj", "nature")
DEMO_CORPUS = Path(__file__).parent / "corpora" / "review_demo.jsonl"

PLAIN_STRING_CATEGORY = "other"
FALLBACK_SEVERITY = "minor"
"""Severity given to a model concern that states none we know (or is a plain string): the model did not
claim the concern is major, and counting it as major would inflate the major-concern breakdown."""

SECTION_PRIORITY = (
    ("method", "material", "procedure"),
    ("result",),
    ("introduction", "background"),
    ("discussion", "conclusion"),
)
"""Keywords (matched case-insensitively inside a section name) in the order sections are kept under the
token budget: methods > results > introduction > discussion > any other section."""
CUT_MARKER = "\n\n[... article cut here to fit the {budget}-token input budget; the rest is omitted ...]"


# -- strict reading of article files --------------------------------------------------------------

def _string(value: Any, *, path, line, field_name: str, allow_empty: bool = False, allow_null: bool = False) -> str:
    if value is None and allow_null:
        return ""
    if not isinstance(value, str):
        problem = "missing" if value is None else f"expected a string, got {type(value).__name__}"
        raise InputError(path, problem, line, field_name)
    if not allow_empty and not value.strip():
        raise InputError(path, "empty string", line, field_name)
    return value.strip()


def _choice(value: Any, allowed: tuple[str, ...], *, path, line, field_name: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise InputError(path, f"expected one of {', '.join(allowed)}, got {value!r}", line, field_name)
    return value


def _concern(raw: Any, *, path, line, field_name: str) -> dict:
    if not isinstance(raw, dict):
        raise InputError(path, f"a concern must be an object, got {type(raw).__name__}", line, field_name)
    text_key = "concern_text" if "concern_text" in raw else "text"
    text = _string(raw.get(text_key), path=path, line=line, field_name=f"{field_name}.{text_key}")
    category = _choice(raw.get("category"), (*CATEGORIES, FIGURE_CATEGORY), path=path, line=line,
                       field_name=f"{field_name}.category")
    severity = _choice(raw.get("severity"), SEVERITIES, path=path, line=line, field_name=f"{field_name}.severity")
    figure = raw.get("requires_figure_reading", False)
    if figure is None:
        figure = False
    if not isinstance(figure, bool):
        raise InputError(path, f"expected true or false, got {figure!r}", line, f"{field_name}.requires_figure_reading")
    confidence = raw.get("resolution_confidence")
    if confidence is not None and (isinstance(confidence, bool) or not isinstance(confidence, (int, float))
                                   or not 0.0 <= confidence <= 1.0):
        raise InputError(path, f"expected a number from 0 to 1 or null, got {confidence!r}", line,
                         f"{field_name}.resolution_confidence")
    return {"text": text, "category": category, "severity": severity,
            "requires_figure_reading": figure,
            "resolution_confidence": None if confidence is None else float(confidence)}


def validate_article(raw: Any, *, path: str | Path | None, line: int | None) -> dict:
    """One article in canonical form, or an `InputError` naming file, line and field."""
    if not isinstance(raw, dict):
        raise InputError(path, f"an article must be an object, got {type(raw).__name__}", line)
    article_id = raw.get("id")
    if isinstance(article_id, int) and not isinstance(article_id, bool):
        article_id = str(article_id)
    article_id = _string(article_id, path=path, line=line, field_name="id")
    source = _choice(raw.get("source"), SOURCES, path=path, line=line, field_name="source")
    title = _string(raw.get("title"), path=path, line=line, field_name="title")
    abstract = _string(raw.get("abstract"), path=path, line=line, field_name="abstract", allow_empty=True, allow_null=True)
    sections_raw = raw.get("paper_text_sections")
    if sections_raw is None:
        sections_raw = {}
    if not isinstance(sections_raw, dict):
        raise InputError(path, f"expected an object {{section name: text}}, got {type(sections_raw).__name__}", line,
                         "paper_text_sections")
    sections = {str(name): _string(text, path=path, line=line, field_name=f"paper_text_sections.{name}", allow_empty=True)
                for name, text in sections_raw.items()}
    concerns_raw = raw.get("concerns")
    if not isinstance(concerns_raw, list):
        problem = "missing" if concerns_raw is None else f"expected an array, got {type(concerns_raw).__name__}"
        raise InputError(path, problem, line, "concerns")
    concerns = [_concern(c, path=path, line=line, field_name=f"concerns[{i}]") for i, c in enumerate(concerns_raw)]
    return {"id": article_id, "source": source, "title": title, "abstract": abstract,
            "sections": {name: text for name, text in sections.items() if text}, "concerns": concerns}


def _read_articles(path: str | Path) -> list[tuple[int, dict]]:
    """(line, canonical article) pairs of a file; duplicate ids are an error (ids join predictions to gold)."""
    articles = [(line, validate_article(raw, path=path, line=line)) for line, raw in read_records(path)]
    check_unique_ids([(line, article["id"]) for line, article in articles], path)
    return articles


def load_review_records(path: str | Path) -> list[dict]:
    """Articles of a `.jsonl`/`.json` file in the bioreview-bench layout."""
    return [article for _, article in _read_articles(path)]


def target_concern(concern: dict) -> dict:
    """The three fields a model is asked for, in the order the prompt names them."""
    return {"text": concern["text"], "category": concern["category"], "severity": concern["severity"]}


def scorable_concerns(article: dict) -> list[dict]:
    """The human concerns a text-only reviewer can be scored against: all but those flagged as needing a figure."""
    return [target_concern(c) for c in article["concerns"] if not c["requires_figure_reading"]]


def load_gold_articles(path: str | Path) -> list[dict]:
    """Articles of a gold file with their scorable concerns only. An article left with none stays: scoring
    counts its model concerns as false positives (see `score.check_scorable` for a file with none at all)."""
    return [{**article, "concerns": scorable_concerns(article)} for _, article in _read_articles(path)]


# -- training filters -----------------------------------------------------------------------------

def normalize_concern_text(text: str) -> str:
    """Whitespace collapsed and lower-cased: two concerns equal in this form are exact duplicates."""
    return " ".join(text.split()).lower()


def article_key(article: dict) -> str:
    """What identifies an article across sources and splits: its title and abstract."""
    return f"{article['title']}\n{article['abstract']}"


def drop_duplicate_articles(articles: list[dict]) -> list[dict]:
    """The first of articles whose title and abstract are equal after split normalization."""
    seen: set[str] = set()
    kept = []
    for article in articles:
        key = normalize_for_split(article_key(article))
        if key not in seen:
            seen.add(key)
            kept.append(article)
    return kept


@dataclass
class TrainingFilter:
    """Rules for the concerns of training articles (sft and rl splits); counts what each rule dropped."""

    min_concerns: int
    min_resolution_confidence: float | None
    dropped_concerns: Counter = field(default_factory=Counter)
    dropped_articles: Counter = field(default_factory=Counter)

    def concerns(self, article: dict) -> list[dict]:
        kept, seen = [], set()
        for concern in article["concerns"]:
            reason = self._drop_reason(concern, seen)
            if reason:
                self.dropped_concerns[reason] += 1
                continue
            seen.add(normalize_concern_text(concern["text"]))
            kept.append(target_concern(concern))
        return kept

    def _drop_reason(self, concern: dict, seen: set[str]) -> str | None:
        if concern["requires_figure_reading"]:
            return "figure"
        if concern["category"] == FIGURE_CATEGORY:
            return "figure_category"
        if self.min_resolution_confidence is not None:
            if concern["resolution_confidence"] is None:
                return "missing_resolution_confidence"
            if concern["resolution_confidence"] < self.min_resolution_confidence:
                return "low_resolution_confidence"
        if normalize_concern_text(concern["text"]) in seen:
            return "duplicate_concern"
        return None

    def articles(self, articles: list[dict]) -> list[dict]:
        """Articles with their filtered concerns; those left with fewer than `min_concerns` are dropped."""
        kept = []
        for article in articles:
            concerns = self.concerns(article)
            if len(concerns) < self.min_concerns:
                self.dropped_articles["too_few_concerns"] += 1
                continue
            kept.append({**article, "concerns": concerns})
        return kept


def scorable_articles(articles: list[dict]) -> tuple[list[dict], dict[str, dict[str, int]]]:
    """Test articles keep every human concern except those flagged as needing a figure, and every article
    stays, even one left with no concern (it is scored: its model concerns are false positives).

    Returns the articles and the drop counts, keyed like `TrainingFilter`'s (no article is ever dropped).
    """
    kept, figure = [], 0
    for article in articles:
        concerns = scorable_concerns(article)
        figure += len(article["concerns"]) - len(concerns)
        kept.append({**article, "concerns": concerns})
    return kept, {"concerns": {"figure": figure}, "articles": {}}


# -- the paper text and its token budget ----------------------------------------------------------

def section_rank(name: str) -> int:
    lowered = name.lower()
    for rank, keywords in enumerate(SECTION_PRIORITY):
        if any(keyword in lowered for keyword in keywords):
            return rank
    return len(SECTION_PRIORITY)


def render_paper(article: dict) -> str:
    """Title, abstract, then every section under its heading in priority order (methods first), so that
    cutting the text's end under a token budget keeps the sections in priority order."""
    parts = [f"Title: {article['title']}"]
    if article["abstract"]:
        parts.append(f"Abstract: {article['abstract']}")
    ordered = sorted(article["sections"].items(), key=lambda item: section_rank(item[0]))  # stable: others keep order
    parts += [f"## {name}\n{text}" for name, text in ordered]
    return "\n\n".join(parts)


@dataclass(frozen=True)
class PaperText:
    text: str
    tokens: int
    """Tokens of `text` (at most the budget)."""
    full_tokens: int
    """Tokens of the whole rendered paper before any cut."""

    @property
    def cut(self) -> bool:
        return self.full_tokens > self.tokens


def count_tokens(tokenizer, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def cut_paper(article: dict, tokenizer, budget: int) -> PaperText:
    """The article's paper text within `budget` tokens of the model's own tokenizer.

    The one cut used for training data and for every evaluation input. Text past the budget is dropped at
    a token boundary (so lower-priority sections go first) and an explicit marker says so; the marker's
    tokens count against the budget.
    """
    full = render_paper(article)
    encoded = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
    total = len(encoded["input_ids"])
    if total <= budget:
        return PaperText(full, total, total)
    offsets = encoded["offset_mapping"]
    marker = CUT_MARKER.format(budget=budget)
    keep = budget - count_tokens(tokenizer, marker)
    while keep > 0:
        text = full[:offsets[keep - 1][1]].rstrip() + marker
        tokens = count_tokens(tokenizer, text)
        if tokens <= budget:
            return PaperText(text, tokens, total)
        keep -= tokens - budget  # tokens may merge differently at the cut: shrink by the excess and retry
    raise InputError("params.yaml", f"{budget} tokens leave no room for text after the cut marker",
                     field="data.review.max_paper_tokens")


def with_paper_text(article: dict, tokenizer, budget: int) -> dict:
    """The article as the model sees it: its sections replaced by the cut paper text. Used for the prepared
    splits and for every evaluation file, so training and inference see the same cut."""
    paper = cut_paper(article, tokenizer, budget)
    fields = {key: value for key, value in article.items() if key != "sections"}
    return {**fields, "paper_text": paper.text, "paper_tokens": paper.tokens, "paper_cut": paper.cut}
