"""The funding answer grammar: exactly the JSON `render_funders` teaches (`json.dumps` separators `, ` and `: `,
keys in schema order, empty award fields left out)."""

from __future__ import annotations

from sciextract.decoding import JSON_STRING, Grammar

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
