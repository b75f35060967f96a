"""Funding from whole articles, stage 1 of the two-stage path: clean, chunk, extract statements, check them.

Stage 1 asks the model (the same weights as stage 2, another system prompt) to copy the funding statements out of
each chunk of an article. Its answers are read leniently (with the rule locator's statements where
`data.funding.article.rule_statements` says so), every statement is checked to occur in the article and completed
to whole sentences, the statements found in several overlapping chunks are merged once, those without a funding
word are dropped, and the kept ones, in article order, go to stage 2 (the statement parser of `task.py`) as one
text per article (`kept_statements`).

A statement is located in the article after whitespace normalization (runs of whitespace are one space, invisible
characters dropped) and is kept as the article's own text at that place, so stage 2 always reads the article, never
a model's rewording of it. Kept statements whose places overlap (the same statement copied from two chunks, or the
two halves of a statement that a chunk boundary cut) become one statement covering both places.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sciextract.errors import InputError
from sciextract.io import (EmbeddedJson, answer_text, check_unique_ids, clean_text, first_json_answer, read_array_items,
                           read_records)
from sciextract.tasks.base import ChatGenerator, Messages, Parsed, PassageParser, row_count
from sciextract.tasks.funding.data import canonical_funders
from sciextract.tasks.funding.grammar import statements_grammar
from sciextract.tasks.funding.noise import ZERO_WIDTH_CHARS
from sciextract.tasks.funding.parse import GROUNDING_COUNTS
from sciextract.tasks.funding.rules import FUNDING_CUE, sentence_spans

if TYPE_CHECKING:
    from sciextract.config import DecodingSettings

EXTRACT_SYSTEM_PROMPT = (
    "You are a funding statement extractor. Given an article or text chunk, identify all funding acknowledgment "
    "statements. Return ONLY valid JSON in this exact format: {\"statements\": [\"statement1\", \"statement2\", "
    "...]}. Each statement must be copied verbatim from the source text. If no funding statements exist, return "
    "{\"statements\": []}. Do not include any text outside the JSON object."
)
"""Stage 1's system prompt, verbatim from the published two-stage recipe; the user message is the chunk as is."""

STATEMENT_SEPARATOR = "\n\n"
"""Between the kept statements of one article in the text stage 2 reads."""

ARTICLE_SUFFIXES = (".md", ".txt")
"""Files of an article folder given to `sciextract predict`."""

STAGE1_COUNTS = ("unreadable_chunks", "truncated_chunks", "unsupported_statements", "widened_statements",
                 "merged_statements", "uncued_statements", "rule_statements")
"""Stage 1's counts per article, in its prediction rows and its scores (see `Extraction.notes`)."""

_INVISIBLE = dict.fromkeys(map(ord, ZERO_WIDTH_CHARS))  # zero-width characters, the BOM and the soft hyphen
_WHITESPACE = re.compile(r"\s+")
_STATEMENTS_KEY = re.compile(r'"statements"\s*:\s*\[')
_LINE_BREAK = re.compile(r"(?<!\n)\n(?!\n)")
_CONTINUES = re.compile(r"[a-z]")
_ENDS_SENTENCE = re.compile(r"[.!?][\"'”’)\]]*$")


# -- text -----------------------------------------------------------------------------------------


def clean_article(text: str) -> str:
    """The article stage 1 reads: zero-width characters and byte-order marks removed (the statement generator's
    invisible noise among them), lone surrogates made writable. Nothing else changes, so a statement copied from a
    chunk is a substring of the cleaned article."""
    return clean_text(text).translate(_INVISIBLE)


def normalize_statement(text: str) -> str:
    """Whitespace runs as one space, invisible characters dropped, stripped: the form in which a statement is
    looked up in its article and compared with gold."""
    return _WHITESPACE.sub(" ", text.translate(_INVISIBLE)).strip()


def sentence_starts(text: str) -> list[int]:
    """Where the sentences of `text` start, ascending, the first at 0: the rule extractor's splitter
    (`rules.sentence_spans`) over the text with its single line breaks read as spaces, so that a sentence runs on
    over the lines of a paragraph and ends at a blank line."""
    return [0] + [span.start for span in sentence_spans(_LINE_BREAK.sub(" ", text))[1:]]


def _normalized_with_origin(text: str) -> tuple[str, list[int]]:
    """`normalize_statement`'s whitespace collapsing of `text` (already cleaned, not stripped), and for every
    character of the result the index it came from in `text`, plus `len(text)` at the end."""
    pieces, origin, position = [], [], 0
    for match in _WHITESPACE.finditer(text):
        pieces.append(text[position:match.start()])
        origin.extend(range(position, match.start()))
        pieces.append(" ")
        origin.append(match.start())
        position = match.end()
    pieces.append(text[position:])
    origin.extend(range(position, len(text)))
    origin.append(len(text))
    return "".join(pieces), origin


# -- chunks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    start: int
    end: int
    text: str


def chunk_article(text: str, tokenizer, chunk_tokens: int, chunk_overlap: int) -> list[Chunk]:
    """Chunks of a cleaned article, counted in the tokenizer's tokens: `chunk_tokens` tokens each, consecutive
    chunks sharing `chunk_overlap` of them; an article that fits is one chunk and an empty (or blank) one has none.

    Boundaries are token starts mapped back to character offsets, so every chunk is a slice of the article and
    whatever lies within `chunk_overlap` tokens of a boundary is whole in one of the two chunks beside it: a
    statement up to that long is never seen only in halves. The last chunk ends at the article's end.
    """
    if chunk_overlap >= chunk_tokens:
        raise ValueError(f"chunk_overlap ({chunk_overlap}) must be smaller than chunk_tokens ({chunk_tokens})")
    if not text.strip():
        return []
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError("chunking needs a fast tokenizer (character offsets of its tokens)")
    offsets = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    if len(offsets) <= chunk_tokens:
        return [Chunk(0, len(text), text)]
    starts = [start for start, _ in offsets]
    chunks, first = [], 0
    while True:
        last = first + chunk_tokens
        start = 0 if first == 0 else starts[first]
        end = len(text) if last >= len(offsets) else starts[last]
        chunks.append(Chunk(start, end, text[start:end]))
        if last >= len(offsets):
            return chunks
        first += chunk_tokens - chunk_overlap


@dataclass(frozen=True)
class GoldChunk:
    article: dict
    text: str
    """The cleaned article."""
    places: list[tuple[int, int]]
    """Where the article's gold statements lie in `text`, in article order."""
    chunk: Chunk


def gold_chunks(articles: list[dict], tokenizer, chunk_tokens: int, chunk_overlap: int,
                counts: Counter) -> Iterator[GoldChunk]:
    """Every chunk of every gold article, cut as inference cuts it, with the places of the article's gold statements.
    An article with a gold statement that its text does not hold is left out and counted in
    `counts["unlocated_articles"]`: its chunks would be answered as if they held no funding."""
    for article in articles:
        text = clean_article(article["text"])
        places = []
        for statement in article["funding_statements"]:
            wanted = clean_article(statement)
            at = text.find(wanted)
            if at < 0:
                counts["unlocated_articles"] += 1
                break
            places.append((at, at + len(wanted)))
        else:
            places.sort()
            for chunk in chunk_article(text, tokenizer, chunk_tokens, chunk_overlap):
                yield GoldChunk(article, text, places, chunk)


def empty_chunk_room(with_statements: int, empty_chunk_share: float) -> int:
    """How many chunks answered with no statement may join `with_statements` chunks that hold one, so that the
    empty ones make up at most `empty_chunk_share` of the whole (three in four chunks hold none, and at that share
    SFT learnt to answer only `{"statements": []}`)."""
    if not 0.0 <= empty_chunk_share < 1.0:
        raise ValueError(f"empty_chunk_share must lie in [0, 1), got {empty_chunk_share}")
    return int(with_statements * empty_chunk_share / (1.0 - empty_chunk_share))


def extract_prompt(chunk_text: str) -> Messages:
    return [{"role": "system", "content": EXTRACT_SYSTEM_PROMPT}, {"role": "user", "content": chunk_text}]


def render_statements(statements: list[str]) -> str:
    """The stage-1 answer SFT teaches."""
    return json.dumps({"statements": statements}, ensure_ascii=False)


# -- reading stage-1 answers ----------------------------------------------------------------------


def _statement_list(value: Any) -> list[str] | None:
    if isinstance(value, dict) and isinstance(value.get("statements"), list):
        value = value["statements"]
    elif not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
        return None
    return [item.strip() for item in value if isinstance(item, str) and item.strip()]


def parse_statements(text: str | None) -> Parsed:
    """The statements of a stage-1 answer; never raises, in time linear in the text.

    Reads `{"statements": [...]}` (or a bare array of strings) anywhere in the answer, after `<think>` blocks and
    code fences are dropped; non-string items are skipped. An answer cut off inside the array keeps its complete
    strings (noted `truncated`). No such answer at all is a failure with no statements.
    """
    if not text:
        return Parsed([], failed=True)
    text = answer_text(clean_text(text))
    statements = first_json_answer(text, _statement_list, stop_at_cut=True)
    if statements is not None:
        return Parsed(statements, failed=False)
    key = _STATEMENTS_KEY.search(text)
    if key is not None:
        items = read_array_items(EmbeddedJson(text), key.end())[0]
        complete = [item.strip() for item in items if isinstance(item, str) and item.strip()]
        if complete:
            return Parsed(complete, failed=False, notes=Counter(truncated=1))
    return Parsed([], failed=True)


@dataclass
class Extraction:
    """Stage 1's outcome for one article: the kept statements in article order, and what was dropped."""

    statements: list[str]
    notes: Counter
    """`unreadable_chunks`, `truncated_chunks`, `unsupported_statements` (not found in the article, dropped),
    `widened_statements` (a part of a sentence, read as the whole), `merged_statements` (found again in another
    chunk, or overlapping another one), `uncued_statements` (no funding word, dropped) and `rule_statements` (kept
    statements that only the rule locator found)."""


def kept_statements(article: str, answers: list[str | None], located: Sequence[str] = ()) -> Extraction:
    """The statements of every chunk's answer checked against the cleaned `article`, completed to whole sentences,
    merged once, and kept when they speak of funding; `located` are statements found without a model (the rule
    locator, `data.funding.article.rule_statements`), which join the answers' at step 1.

    1. A statement that does not occur in the article after whitespace normalization is counted as unsupported and
       dropped.
    2. One that stops inside a sentence is run on to the sentence's end, and one that starts inside a sentence
       back to its start (`_whole_sentences`; counted as widened). The 135M model's copies stop at line breaks:
       it copies "This work was sup-" where the next line goes on "ported by VA, grants ...", and stage 2 then has
       no funder to read.
    3. Statements whose places overlap are merged into one covering both.
    4. A statement without a funding word (`rules.FUNDING_CUE`: "support", "fund", "grant", ...) is counted as
       uncued and dropped: the 135M model also copies methods, thanks and references (299 of the 367 statements
       kept from four sampled answers per chunk of the synthetic test articles), from which stage 2 invents
       funders ("Integrative sample"). Every one of the 100 real dev statements and all but one of the 390 gold
       statements of the synthetic sft articles hold such a word.
    The kept statements are the article's own text at their places, in article order; those that hold no model
    statement are counted as `rule_statements`.
    """
    notes: Counter = Counter(dict.fromkeys(STAGE1_COUNTS, 0))
    normalized, origin = _normalized_with_origin(article)
    starts = sentence_starts(article)
    spans: list[tuple[int, int, bool]] = []  # start, end, copied by the model
    sources = [(parse_statements(answer), True) for answer in answers]
    for parsed, by_model in [*sources, (Parsed(list(located), failed=False), False)]:
        notes["unreadable_chunks"] += parsed.failed
        notes["truncated_chunks"] += parsed.notes["truncated"]
        for statement in parsed.value:
            wanted = normalize_statement(statement)
            if not wanted:
                continue
            at = normalized.find(wanted)
            if at < 0:
                notes["unsupported_statements"] += 1
                continue
            start, end = origin[at], origin[at + len(wanted) - 1] + 1
            whole = _whole_sentences(article, starts, start, end)
            notes["widened_statements"] += whole != (start, end)
            spans.append((*whole, by_model))
    merged: list[tuple[int, int, bool]] = []
    for start, end, by_model in sorted(spans):
        if merged and start < merged[-1][1]:
            notes["merged_statements"] += 1
            merged[-1] = (merged[-1][0], max(merged[-1][1], end), merged[-1][2] or by_model)
        else:
            merged.append((start, end, by_model))
    kept = [(article[start:end].strip(), by_model) for start, end, by_model in merged]
    cued = [(statement, by_model) for statement, by_model in kept if FUNDING_CUE.search(statement)]
    notes["uncued_statements"] += len(kept) - len(cued)
    notes["rule_statements"] += sum(not by_model for _, by_model in cued)
    return Extraction([statement for statement, _ in cued], notes)


def _whole_sentences(article: str, starts: list[int], start: int, end: int) -> tuple[int, int]:
    """`article[start:end]` run on to the end of its sentence when it ends without a full stop (or "!", "?",
    before any closing quotes and brackets), and back to the start of its sentence when it begins in lower case
    (`starts` from `sentence_starts`). A copy that is whole sentences already stays as it is: the splitter does not
    break before footnote marks ("comments. * Corresponding author ..."), and widening every copy to the sentences
    it touches joined one synthetic test statement to the thanks before it."""
    if _CONTINUES.match(article, start):
        start = starts[bisect_right(starts, start) - 1]
        while article[start].isspace():
            start += 1
    if not _ENDS_SENTENCE.search(article, 0, end):
        following = bisect_left(starts, end)
        last = starts[following] if following < len(starts) else len(article)
        while last > end and article[last - 1].isspace():
            last -= 1
        end = last
    return start, end


def joined_statements(statements: list[str]) -> str:
    """The one text stage 2 parses for an article."""
    return STATEMENT_SEPARATOR.join(statements)


# -- article records ------------------------------------------------------------------------------


def _string_list(value: Any, *, path: str | Path | None, line: int | None, field: str) -> list[str]:
    if not isinstance(value, list):
        raise InputError(path, f"expected an array of strings, got {type(value).__name__}", line, field)
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise InputError(path, f"expected a string, got {type(item).__name__}", line, f"{field}[{index}]")
    return list(value)


def validate_article(raw: Any, *, path: str | Path | None, line: int | None, gold: bool) -> dict:
    """One article record: `id` (string or integer) and `text` (a string, perhaps empty); with `gold`, also
    `funding_statements` (strings) and `funders` (canonical funders, validated as in statement files). Errors name
    the file, line and field."""
    if not isinstance(raw, dict):
        raise InputError(path, f"an article must be an object, got {type(raw).__name__}", line)
    record_id = raw.get("id")
    if not isinstance(record_id, (str, int)) or isinstance(record_id, bool):
        problem = "missing" if record_id is None else f"expected a string or integer, got {type(record_id).__name__}"
        raise InputError(path, problem, line, "id")
    text = raw.get("text")
    if not isinstance(text, str):
        problem = "missing" if text is None else f"expected a string, got {type(text).__name__}"
        raise InputError(path, problem, line, "text")
    record = {"id": str(record_id), "text": text}
    for name in ("funding_statements", "funders"):
        if name not in raw:
            if gold:
                raise InputError(path, "missing (article gold needs funding_statements and funders)", line, name)
            continue
        record[name] = (_string_list(raw[name], path=path, line=line, field=name) if name == "funding_statements"
                        else canonical_funders(raw[name], path=path, line=line))
    return record


def _unique_ids(records: list[tuple[int, dict]], path: str | Path) -> list[dict]:
    check_unique_ids([(line, record["id"]) for line, record in records], path)
    return [record for _, record in records]


def load_article_records(path: str | Path, *, gold: bool = True) -> list[dict]:
    """Article records of a `.jsonl`/`.json` file (see `validate_article`); duplicate ids are an error."""
    return _unique_ids([(line, validate_article(raw, path=path, line=line, gold=gold))
                        for line, raw in read_records(path)], path)


def is_article_row(row: Any) -> bool:
    """An input row that holds an article (`text`) rather than a funding statement."""
    return isinstance(row, dict) and "text" in row and "funding_statement" not in row


def is_article_file(path: str | Path) -> bool:
    """A gold or input file of articles: its first row is an article row (`load_article_records` then checks
    every row)."""
    rows = read_records(path)
    return bool(rows) and is_article_row(rows[0][1])


def read_article_folder(folder: str | Path) -> list[dict]:
    """One article per `.md`/`.txt` file of `folder` (not its subfolders), id = the file name, in name order."""
    folder = Path(folder)
    files = sorted(path for path in folder.iterdir() if path.is_file() and path.suffix.lower() in ARTICLE_SUFFIXES)
    if not files:
        raise InputError(folder, f"no {' or '.join(ARTICLE_SUFFIXES)} files in this folder")
    articles = []
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(path, f"not valid UTF-8 (byte {exc.start})") from exc
        articles.append({"id": path.name, "text": text})
    return articles


def article_inputs(path: str | Path) -> list[dict] | None:
    """The articles of a predict input (a folder of `.md`/`.txt` files, or a file of `id`/`text` rows), or None
    when the file holds funding statements (`funding_statement` rows), which take the single-stage path. A file
    mixing the two kinds is an error at the first row of the other kind."""
    path = Path(path)
    if path.is_dir():
        return read_article_folder(path)
    rows = read_records(path)
    if not rows or not is_article_row(rows[0][1]):
        return None
    for line, row in rows:
        if not is_article_row(row):
            raise InputError(path, "a statement row (or no 'text') in a file of articles: give articles or "
                                   "statements, not both", line, "text")
    return _unique_ids([(line, validate_article(raw, path=path, line=line, gold=False)) for line, raw in rows], path)


# -- the two stages -------------------------------------------------------------------------------

@dataclass
class ArticleExtraction:
    """Stage 1 of one article: its chunk count, the raw answers per chunk (the greedy ones, then each sampled
    round's; None for a model-free locator) and what was kept."""

    chunks: int
    outputs: list[str] | None
    extraction: Extraction


def stage1_decoding(decoding: DecodingSettings, task: str) -> str:
    """How a model's stage 1 decodes (`decoding.structured` and `decoding.copied_substrings` of `task`): `free`,
    `structured` (the statements grammar) or `copied_substrings` (each chunk's statements substrings of it)."""
    if decoding.copied_substrings_for(task):
        return "copied_substrings"
    return "structured" if decoding.structured_for(task) else "free"


def model_extractions(articles: list[dict], generate: ChatGenerator, tokenizer, *, chunk_tokens: int,
                      chunk_overlap: int, decoding: str, samples: int = 0,
                      locate: Callable[[str], list[str]] | None = None) -> list[ArticleExtraction]:
    """Stage 1 of a batch of articles: every chunk of every article in one generation call, decoded as
    `stage1_decoding` says, then `samples` more calls that sample (seeds 0, 1, ...); an article's outputs are its
    chunks' greedy answers, then each sampled round's, and its statements are those of all of them and, with
    `locate`, those it finds in the cleaned article."""
    texts = [clean_article(article["text"]) for article in articles]
    chunks = [chunk_article(text, tokenizer, chunk_tokens, chunk_overlap) for text in texts]
    all_chunks = [chunk.text for article_chunks in chunks for chunk in article_chunks]
    grammar = ([statements_grammar(chunk) for chunk in all_chunks] if decoding == "copied_substrings"
               else statements_grammar() if decoding == "structured" else None)
    conversations = [extract_prompt(chunk) for chunk in all_chunks]
    rounds = [generate(conversations, grammar=grammar)]
    rounds += [generate(conversations, grammar=grammar, sample=True, seed=seed) for seed in range(samples)]
    results, position = [], 0
    for text, article_chunks in zip(texts, chunks, strict=True):
        own = [answer for answers in rounds for answer in answers[position:position + len(article_chunks)]]
        position += len(article_chunks)
        located = locate(text) if locate is not None else []
        results.append(ArticleExtraction(len(article_chunks), own, kept_statements(text, own, located)))
    return results


def article_rows(articles: list[dict], extractions: list[ArticleExtraction], parse: PassageParser) -> list[dict]:
    """Prediction rows: the kept statements of every article that has any, joined, parsed in one stage-2 call;
    an article with no kept statement gets no funders and no stage-2 answer."""
    asked = [index for index, found in enumerate(extractions) if found.extraction.statements]
    records = [{"id": articles[i]["id"], "funding_statement": joined_statements(extractions[i].extraction.statements)}
               for i in asked]
    answers = dict(zip(asked, parse(records) if records else [], strict=True))
    return [article_row(article, found, *answers.get(index, (None, Parsed([], failed=False))))
            for index, (article, found) in enumerate(zip(articles, extractions, strict=True))]


def article_row(article: dict, found: ArticleExtraction, raw_output: str | None, parsed: Parsed) -> dict:
    """One article's prediction row: `id`, the kept `statements`, the stage-1 answers per chunk
    (`extract_outputs`: greedy, then each sampled round's; null for the rule locator), stage 2's answer
    (`raw_output`, null when no statement was kept or for rules), `predicted_funders`, `parse_failed` (stage 2),
    and stage 1's counts."""
    return {
        "id": article["id"],
        "statements": found.extraction.statements,
        "chunks": found.chunks,
        "extract_outputs": found.outputs,
        "raw_output": raw_output,
        "predicted_funders": parsed.value,
        "parse_failed": parsed.failed,
        **{name: found.extraction.notes[name] for name in STAGE1_COUNTS},
        **{name: parsed.notes[name] for name in GROUNDING_COUNTS},
    }


@dataclass
class ArticlePrediction(Parsed):
    """An article prediction row read back for scoring: stage 2's funders (the `Parsed` fields) with stage 1's
    kept `statements`, its chunk count (None for a model-free locator) and its counts (`STAGE1_COUNTS`)."""

    statements: list[str] = field(default_factory=list)
    chunks: int | None = None
    stage1: Counter = field(default_factory=Counter)


def article_prediction(parsed: Parsed, row: dict, *, path: str | Path | None, line: int | None) -> ArticlePrediction:
    """`parsed` (the row's funders) with the row's stage-1 fields, validated; errors name the file, line and
    field. A row without the counts (another system's file) counts 0 of each."""
    statements = _string_list(row.get("statements"), path=path, line=line, field="statements")
    return ArticlePrediction(parsed.value, parsed.failed, parsed.notes, statements=statements,
                             chunks=row_count(row, "chunks", path=path, line=line, nullable=True),
                             stage1=Counter({name: row_count(row, name, path=path, line=line)
                                             for name in STAGE1_COUNTS}))
