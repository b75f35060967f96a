"""A rule-based funding extractor: the floor any trained model has to beat, with no model at all.

1. Strip what a reader ignores: HTML tags and entities, common LaTeX commands, `~`, zero-width
   characters, odd spaces, ligatures.
2. Split into sentences; drop conflict-of-interest, disclaimer and no-funding sentences, and sentences
   about computing time, facilities or data access unless they also speak of funding.
3. Find funder mentions: gazetteer names, variants (any case) and acronyms (exact case), longest
   first; a parenthesised alias right after a name ("Full Name (ACR)") is the same mention. Where the
   gazetteer finds nothing, a capitalised phrase ending in Foundation, Council, Agency, ... counts; one ending
   in Program, Project, Center, Laboratory, Institute or University, or a bare acronym, counts only when an
   award id follows it directly ("Key Laboratory of X (grant number: ...)", "AFRL FA8750-...").
4. Find award ids: well-known formats anywhere (NIH, UKRI, ANR, ARC, KAKENHI, ...), any id-shaped
   token after a cue ("grant", "No.", "Grant/Award Number:", "#", ...), and id-only brackets.
5. Give each id to the nearest funder mention before it in its sentence; failing that, to the next
   one when joined by "from"/"by"/"of"; failing that, to an unnamed funder (`funder_name: None`).

Each id becomes its own award. Schemes and titles are not extracted: they are left empty.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass

from sciextract.tasks.funding.gazetteer import FUNDERS

_TAG = re.compile(r"<sup>[^<>]{0,4}</sup>|</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>")
_LATEX_COMMAND = re.compile(
    r"\\(?:textit|textbf|textsc|textrm|texttt|textsuperscript|emph|underline|mbox|thanks|footnote|url)\*?\{")
_LATEX_ESCAPE = re.compile(r"\\([&%$#_])")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_ODD_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f~\t]")
_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}
_RUNS_OF_SPACES = re.compile(r" {2,}")

_ABBREVIATIONS = frozenset({"no", "nos", "dr", "prof", "e.g", "i.e", "al", "st", "inc", "ltd", "co", "vs", "fig",
                            "approx", "mr", "ms", "jr", "sr", "u.s", "e.v", "corp", "dept", "univ", "nr", "ref",
                            "refs", "grant", "resp", "gov"})
_DOTTED_ABBREVIATION = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]$")
_SENTENCE_END = re.compile(r"[.!?](?=\s+[\"'“(\[A-Z0-9])|\n")

_ALWAYS_SKIP = re.compile(
    r"(?i)\b(?:no role|no involvement|competing|conflicts? of interest|declare|views? expressed|views of|opinions"
    r"|official views|responsibility of the authors|not necessarily|no (?:specific |external )?(?:funding|grant"
    r"|financial support|funds)|not receive any|received no|unfunded|self-funded|funding:? *(?:none|not applicable)"
    r"|corresponding author|e-?mail)\b")
_FACILITY = re.compile(
    r"(?i)\b(?:comput(?:ing|ations?|er time|ational resources)|supercomput\w*|HPC|high[- ]performance computing"
    r"|beam ?time|beamlines?|allocations?|user facility|core facility|resources? (?:of|provided by)|biobank"
    r"|(?:data|samples?) (?:used|were|was) (?:obtained|provided)|database)\b")
FUNDING_CUE = re.compile(r"(?i)\b(?:support\w*|fund\w*|financ\w*|grants?|awards?|sponsor\w*|fellowships?)\b")

_ORG_KEYWORD = (r"(?:Foundations?|Fund|Fonds|Council|Agency|Ministry|Trust|Commission|Association|Society|Academy"
                r"|Endowment|Charity|Stiftung|Fundação|Fundación|Fondation|Fondazione)")
_CAPITALISED = r"[A-Z][\w'’&.-]*"
NAME_CONNECTORS = ("of", "for", "and", "the", "on", "in", "de", "la", "du", "des", "der", "für", "&")
"""Words that join the capitalised words of an organisation's name ("Ministry of Science and Technology")."""
_CONNECTOR = "(?:" + "|".join(map(re.escape, NAME_CONNECTORS)) + ")"


def _organisation_pattern(keyword: str) -> re.Pattern[str]:
    """Capitalised words ending in `keyword`, perhaps followed by 'of/for <Capitalised words>'."""
    return re.compile(
        rf"(?<![\w-])(?:{_CAPITALISED}\s+(?:{_CONNECTOR}\s+)*)+{keyword}"
        rf"(?:\s+(?:of|for)\s+(?:the\s+)?{_CAPITALISED}(?:\s+(?:{_CONNECTOR}\s+)*{_CAPITALISED})*)?(?![\w-])")


_ORGANISATION = _organisation_pattern(_ORG_KEYWORD)
_LEADING_ARTICLE = re.compile(r"^(?:The|This|Our|A|An)\s+")
# Names that end in these words are often not funders ("at the University of X", "the Y Program of Z"), but real
# statements also name funders so ("Xinjiang Key Laboratory of ... (grant number: ...)"): they count only when an
# award id follows them directly, as do bare acronyms ("AFRL FA8750-15-2-0048", "NSBRPS (2023-JC-QN-0685)").
_ID_OWNER_KEYWORD = r"(?:Programs?|Programmes?|Projects?|Cent(?:er|re)s?|Laborator(?:y|ies)|Institutes?|University)"
_ID_OWNER_ORGANISATION = _organisation_pattern(_ID_OWNER_KEYWORD)
_ACRONYM = re.compile(r"(?<![\w-])[A-Z][A-Za-z]*[A-Z](?:-[A-Z]{2,})?(?![\w-])")
_NAMES_A_GRANT = re.compile(r"(?i)\b(?:grants?|projects?|programmes?|programs?|awards?|fellowships?|schemes?)\s+$")
_BEFORE_OWN_ID = re.compile(
    r"^[\s(\[,:-]*(?:(?:(?:research\s+)?grants?|awards?|projects?|contracts?|agreements?|numbers?|nos?\.?|n°|#)"
    r"[\s.:#]*)*$", re.IGNORECASE)

_KNOWN_ID_FORMATS = re.compile(r"(?<![\w/.-])(?:" + "|".join((
    r"[1-9]?(?:[A-Z]\d{2}|DP[1-5]|UL1|KL2)[- ]?[A-Z]{2}\d{6}(?:-\d{2}(?:[AS]\d)?)?",  # NIH
    r"(?:[A-Z]{3,4}[- ])[12]\d{6}",  # NSF with a directorate prefix
    r"[A-Z]{2}/[A-Z]\d{5}[\dX]/\d",  # UKRI research councils
    r"MC_[A-Z]{2}_\d{5}/\d+",  # MRC units
    r"\d{6}/[A-Z]/\d{2}/[A-Z]",  # Wellcome
    r"(?:JP)?\d{2}[A-Z]{1,2}\d{4,6}",  # JSPS KAKENHI
    r"JPMJ[A-Z]{2}[A-Z0-9]{4}",  # JST
    r"ANR-\d{2}-[A-Z0-9]{2,6}-\d{4}(?:-\d{2})?",  # ANR
    r"RGPIN[- ]\d{4}-\d{5}",  # NSERC
    r"(?:DP|FT|DE|LP|LE|FL|CE|IC|IH)\d{9}",  # ARC
    r"(?:APP|GNT)\d{7}",  # NHMRC
    r"\d{6}/\d{4}-\d",  # CNPq
    r"\d{4}/\d{5}-\d",  # FAPESP
    r"[0-9A-Z]{6}_\d{6}",  # SNSF
    r"(?:VI\.|\d{3}\.)?(?:Veni|Vidi|Vici)\.\d{3}\.\d{3}",  # NWO talent scheme
    r"(?:NRF-)?20\d{2}[RM]\d[A-Z0-9]{3,7}\d{6,8}",  # NRF Korea
    r"[A-Z]{3}/20\d{2}/\d{6}",  # SERB
    r"OPP\d{6,7}|INV-\d{6}",  # Gates Foundation
    r"20\d{2}YF[A-E]\d{7}",  # National Key R&D Program of China
    r"U?[1-8]\d{7}|[1-9]\d{8}",  # NSFC (8 digits), DFG project and Horizon Europe numbers (9 digits)
    r"(?:SFB|TRR|EXC|GRK|SPP|FOR)[ -]?\d{3,4}",  # DFG programmes
    r"(?:N00014|FA9550|W911NF|HR0011|W81XWH)-?\d{2}-?\d-?\d{4}",  # US defence agencies
    r"DE-(?:SC\d{7}|[A-Z]{2}\d{2}-\d{2}[A-Z]{2}\d{5})",  # US DOE
)) + r")(?![\w/-])")

_ID_SHAPE = r"(?=[\w./\\()-]*?\d)[^\W_][\w./\\()-]*[^\W_)]|[^\W_][\w./\\()-]*\)"  # holds a digit
ID_CUE = re.compile(  # "Grant No.", "Nos.", "#": what introduces award ids
    r"(?i)(?:\b(?:grants?|awards?|contracts?|projects?|agreements?|codes?|references?|refs?\.?"
    r"|grant/award numbers?|numbers?|nos?\.|nos?(?=\s*[:#]|\s+\d)|n°)|#)"
    r"\s*(?:(?:no|nos|number|numbers|n°)\b\.?\s*)?[:#]?\s*")
_ID_ITEM = rf"(?:[A-Z]{{1,6}} )?(?:{_ID_SHAPE})"  # an id, perhaps after a short code word ('PICT 2017-1234')
_ID_LIST = re.compile(rf"{_ID_ITEM}(?:\s*(?:,|;|,?\s*and|&)\s*{_ID_ITEM})*")
_ID_LIST_SEPARATOR = re.compile(r"\s*(?:,|;|,?\s*\band\b|&)\s*")
_BRACKETED = re.compile(r"[(\[]([^()\[\]]+)[)\]]")
NOT_AN_ID = re.compile(  # years, year ranges, dates ("August 2015"), names with digits
    r"(?i)^(?:(?:19|20)\d{2}s?|(?:19|20)\d{2}\s*[-–]\s*(?:19|20)?\d{2}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?:19|20)\d{2}"
    r"|covid-19|sars-cov-2|h2020|fp7|h1n1|[1-9]d|[1-9]g)$")
_JOINED_TO_NEXT = re.compile(
    r"^[\s,)\]]*(?:(?:awarded|provided|funded|granted|given)\s+)?(?:from|by|of)\s+(?:the\s+)?$", re.IGNORECASE)


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    text: str


def has_digit(text: str) -> bool:
    return any(character.isdigit() for character in text)


def readable_text(statement: str) -> str:
    """The statement as a reader sees it: markup, invisible characters and ligatures removed."""
    text = _TAG.sub("", statement)
    text = html.unescape(text)
    text = _LATEX_COMMAND.sub("", text)
    text = _LATEX_ESCAPE.sub(r"\1", text).replace("{", "").replace("}", "")
    text = text.translate(_INVISIBLE)
    for ligature, letters in _LIGATURES.items():
        text = text.replace(ligature, letters)
    text = _ODD_SPACES.sub(" ", text)
    return "\n".join(_RUNS_OF_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def sentence_spans(text: str) -> list[_Span]:
    """Sentence spans, not breaking after abbreviations ('No.', 'U.S.') or initials ('J.')."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.group() != "\n":
            word = text[start:match.start()].rsplit(None, 1)[-1] if text[start:match.start()].strip() else ""
            word = word.lstrip("([").casefold()
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or _DOTTED_ABBREVIATION.match(word):
                continue
        spans.append(_Span(start, match.end(), text[start:match.end()]))
        start = match.end()
    if text[start:].strip():
        spans.append(_Span(start, len(text), text[start:]))
    return spans


def _normalise_name(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("’", "'")).casefold()


def _name_pattern(surface: str, exact_case: bool) -> str:
    body = r"\s+".join(re.escape(word).replace("'", "['’]") for word in surface.split())
    return body if exact_case else f"(?i:{body})"


@functools.cache
def _gazetteer() -> tuple[re.Pattern[str], dict[str, frozenset[int]]]:
    """One regex over every funder surface form (longest first), and each form's funders."""
    owners: dict[str, set[int]] = {}
    patterns: dict[str, str] = {}
    for index, funder in enumerate(FUNDERS):
        for surface in funder.surface_forms:
            owners.setdefault(_normalise_name(surface), set()).add(index)
            patterns[surface] = _name_pattern(surface, exact_case=surface in funder.acronyms)
    ordered = sorted(patterns, key=len, reverse=True)
    regex = re.compile(r"(?<![\w-])(?:" + "|".join(patterns[surface] for surface in ordered) + r")(?![\w-])")
    return regex, {name: frozenset(indices) for name, indices in owners.items()}


def _closing_bracket(text: str, position: int) -> int:
    """Index just past the bracket group opening at `position` (or the text's end)."""
    depth = 0
    for index in range(position, len(text)):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(text[index], 0)
        if depth == 0:
            return index + 1
    return len(text)


def funder_mentions(sentence: str, awards: list[_Span]) -> list[_Span]:
    """The funders a sentence names, given its award ids (`award_id_spans`), which let names outside the
    gazetteer count (`_id_owners`)."""
    regex, owners = _gazetteer()
    found = [_Span(match.start(), match.end(), match.group()) for match in regex.finditer(sentence)]
    mentions: list[_Span] = []
    alias_window: tuple[int, frozenset[int]] | None = None
    for mention in found:
        funders = owners.get(_normalise_name(mention.text), frozenset())
        if alias_window and mention.start < alias_window[0] and funders & alias_window[1]:
            continue
        mentions.append(mention)
        opening = re.match(r"\s*[(\[]", sentence[mention.end:])
        alias_window = (_closing_bracket(sentence, mention.end + opening.end() - 1), funders) if opening else None
    for match in _ORGANISATION.finditer(sentence):
        if not any(match.start() < other.end and other.start < match.end() for other in found):
            article = _LEADING_ARTICLE.match(match.group())
            start = match.start() + (article.end() if article else 0)
            if " " in sentence[start:match.end()]:
                mentions.append(_Span(start, match.end(), sentence[start:match.end()]))
    return sorted(mentions + _id_owners(sentence, mentions, awards), key=lambda span: span.start)


def _id_owners(sentence: str, mentions: list[_Span], awards: list[_Span]) -> list[_Span]:
    """Names the gazetteer and the organisation pattern miss, kept only when an award id follows directly."""
    taken = mentions + awards

    def owns_next_id(end: int) -> bool:
        following = next((award for award in awards if award.start >= end), None)
        return following is not None and bool(_BEFORE_OWN_ID.match(sentence[end:following.start]))

    def names_a_grant(start: int) -> bool:
        """'NSF grant CAREER IIS-1452099', 'JSPS KAKENHI JP16K05183': the acronym names the grant, not its funder."""
        before = sentence[:start]
        return bool(_NAMES_A_GRANT.search(before)) or any(
            mention.end <= start and not before[mention.end:].strip() for mention in mentions)

    owners: list[_Span] = []
    for match in _ID_OWNER_ORGANISATION.finditer(sentence):
        article = _LEADING_ARTICLE.match(match.group())
        owners.append(_Span(match.start() + (article.end() if article else 0), match.end(), ""))
    owners += [_Span(match.start(), match.end(), "") for match in _ACRONYM.finditer(sentence)
               if not names_a_grant(match.start())]
    kept: list[_Span] = []
    for span in owners:
        if not any(span.start < other.end and other.start < span.end for other in taken + kept) and owns_next_id(span.end):
            kept.append(_Span(span.start, span.end, sentence[span.start:span.end]))
    return kept


def _trim_id(token: str) -> str:
    token = token.rstrip(".")
    while token.endswith(")") and token.count(")") > token.count("("):
        token = token[:-1].rstrip(".")
    return token


def _id_tokens(sentence: str, start: int, chunk: str) -> list[_Span]:
    """Split an id list ('A, B and C') found at `start` into id spans."""
    spans, offset = [], 0
    for part in _ID_LIST_SEPARATOR.split(chunk):
        position = chunk.index(part, offset)
        offset = position + len(part)
        token = _trim_id(part)
        if len(token) >= 3 and has_digit(token) and not NOT_AN_ID.match(token):
            spans.append(_Span(start + position, start + position + len(token), token))
    return spans


def award_id_spans(sentence: str) -> list[_Span]:
    candidates = [_Span(match.start(), match.end(), match.group()) for match in _KNOWN_ID_FORMATS.finditer(sentence)]
    for cue in ID_CUE.finditer(sentence):
        listed = _ID_LIST.match(sentence, cue.end())
        if listed:
            candidates += _id_tokens(sentence, listed.start(), listed.group())
    for group in _BRACKETED.finditer(sentence):
        content = group.group(1)
        parts = [part for part in _ID_LIST_SEPARATOR.split(content.strip()) if part]
        if parts and all(re.fullmatch(_ID_SHAPE, part) and has_digit(part) for part in parts):
            candidates += _id_tokens(sentence, group.start(1), content)
    kept: list[_Span] = []
    for span in sorted(candidates, key=lambda span: (span.start, -(span.end - span.start))):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def _owner(award: _Span, mentions: list[_Span], sentence: str) -> _Span | None:
    before = [mention for mention in mentions if mention.end <= award.start]
    if before:
        return before[-1]
    after = next((mention for mention in mentions if mention.start >= award.end), None)
    if after and _JOINED_TO_NEXT.match(sentence[award.end:after.start]):
        return after
    return None


def is_funding_sentence(sentence: str) -> bool:
    if _ALWAYS_SKIP.search(sentence):
        return False
    return not _FACILITY.search(sentence) or bool(FUNDING_CUE.search(sentence))


def owned_award_ids(sentence: str) -> tuple[list[_Span], list[tuple[_Span, _Span | None]]]:
    """The funder mentions of a funding sentence and each of its award ids with the mention it belongs to (rules
    3-5 of the module docstring; None: no owner); nothing for a sentence rule 2 drops."""
    if not is_funding_sentence(sentence):
        return [], []
    awards = award_id_spans(sentence)
    mentions = funder_mentions(sentence, awards)
    return mentions, [(award, _owner(award, mentions, sentence)) for award in awards]


def extract_funders_by_rules(statement: str) -> list[dict]:
    """Canonical funders found by gazetteer and regex rules; `[]` when the statement names no funding."""
    funders: dict[str | None, list[str]] = {}
    seen_ids: set[str] = set()
    for span in sentence_spans(readable_text(statement)):
        mentions, owned = owned_award_ids(span.text)
        events: list[tuple[int, str | None, str | None]] = [(mention.start, mention.text, None)
                                                            for mention in mentions]
        events += [(award.start, owner.text if owner else None, award.text) for award, owner in owned]
        for _, name, award_id in sorted(events, key=lambda event: event[0]):
            awards = funders.setdefault(name, [])
            if award_id is not None and award_id not in seen_ids:
                seen_ids.add(award_id)
                awards.append(award_id)
    return [{"funder_name": name,
             "awards": [{"award_ids": [award_id], "funding_scheme": [], "award_title": []} for award_id in ids]}
            for name, ids in funders.items() if name is not None or ids]
