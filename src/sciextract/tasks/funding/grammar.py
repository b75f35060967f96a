"""The funding answer grammars: exactly the JSON `render_funders` teaches (`json.dumps` separators `, ` and `: `,
keys in schema order, empty award fields left out), and on articles, stage 1's list of copied statements."""

from __future__ import annotations

from sciextract.decoding import JSON_STRING, Grammar, copied_string

FUNDING_GRAMMAR = Grammar("funding", rf'''
start: "[" (funder (", " funder)*)? "]"
funder: "{{\"funder_name\": " (STRING | "null") ", \"awards\": [" (award (", " award)*)? "]}}"
award: "{{" (ids (", " scheme)? (", " title)? | scheme (", " title)? | title)? "}}"
ids: "\"award_ids\": " strings
scheme: "\"funding_scheme\": " strings
title: "\"award_title\": " strings
strings: "[" (STRING (", " STRING)*)? "]"
STRING: {JSON_STRING}
''')
"""An award keeps the fields it has, in schema order (`{{}}` when it has none): what the SFT targets contain."""


def statements_grammar(chunk: str | None = None) -> Grammar:
    """Stage 1's answer on articles, the JSON `render_statements` teaches; given the `chunk` it answers, every
    statement is a substring of it (`decoding.copied_substrings.funding`), so none is dropped as unsupported."""
    statement = JSON_STRING if chunk is None else copied_string(chunk)
    return Grammar("funding-statements" if chunk is None else "funding-statements:copied", rf'''
start: "{{\"statements\": [" (STATEMENT (", " STATEMENT)*)? "]}}"
STATEMENT: {statement}
''')
