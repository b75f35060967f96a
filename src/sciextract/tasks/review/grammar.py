"""The review answer grammar: the JSON array of `{text, category, severity}` that `render_concerns` teaches
(`json.dumps` separators), with the prompt's category and severity values."""

from __future__ import annotations

from sciextract.decoding import JSON_STRING, Grammar, lark_choice
from sciextract.tasks.review.data import CATEGORIES, SEVERITIES

REVIEW_GRAMMAR = Grammar("review", rf'''
start: "[" (concern (", " concern)*)? "]"
concern: "{{\"text\": " STRING ", \"category\": " category ", \"severity\": " severity "}}"
category: {lark_choice(CATEGORIES)}
severity: {lark_choice(SEVERITIES)}
STRING: {JSON_STRING}
''')
