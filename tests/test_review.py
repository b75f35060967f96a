"""Review task data: loaders and their errors, training filters, the token-budget cut, the output parser,
the prompt, and `prepare` on the demo corpus with the tiny model's tokenizer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sciextract.config import Config, ReviewDataConfig, build, load_config
from sciextract.tasks.review.data import (CUT_MARKER, DEMO_CORPUS, TrainingFilter, count_tokens, cut_paper,
                                          load_gold_articles, load_review_records, render_paper, scorable_articles)
from sciextract.tasks.review.parse import parse_concerns, render_concerns
from sciextract.errors import InputError
from sciextract.io import read_records
from sciextract.modeling import load_tokenizer
from sciextract.tasks import get_task
from sciextract.tasks.review.task import SYSTEM_PROMPT, USER_PREFIX

FIXTURE = Path(__file__).parent / "fixtures" / "review_small.jsonl"


def _article(**overrides) -> dict:
    article = {"id": "a1", "source": "elife", "title": "A title", "abstract": "An abstract.",
               "paper_text_sections": {"Methods": "We did things."},
               "concerns": [{"concern_text": "The controls are missing.", "category": "missing_experiment",
                             "severity": "major"}]}
    article.update(overrides)
    return article


def _write(tmp_path: Path, *articles) -> Path:
    path = tmp_path / "articles.jsonl"
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_tokenizer(tiny_model_dir):
    return load_tokenizer(str(tiny_model_dir))


# -- loaders --------------------------------------------------------------------------------------

def test_fixture_loads_in_both_concern_layouts_and_flags_figure_concerns():
    articles = load_review_records(FIXTURE)
    assert [a["source"] for a in articles] == ["elife", "plos", "f1000", "peerj", "nature"]
    elife = articles[0]
    assert elife["concerns"][2]["requires_figure_reading"] and elife["concerns"][2]["category"] == "figure_issue"
    assert elife["concerns"][0]["resolution_confidence"] == 0.9
    assert articles[1]["concerns"][0]["text"].startswith("Both tests were run")  # `text` layout
    assert articles[2]["abstract"] == ""
    gold = load_gold_articles(FIXTURE)
    assert [len(a["concerns"]) for a in gold] == [3, 4, 3, 3, 3]
    assert all(set(c) == {"text", "category", "severity"} for a in gold for c in a["concerns"])


def test_demo_corpus_is_valid_and_varied():
    articles = load_review_records(DEMO_CORPUS)
    assert len(articles) == 40
    assert {a["source"] for a in articles} == {"elife", "plos", "f1000", "peerj", "nature"}
    assert all(3 <= len(a["concerns"]) <= 8 for a in articles)
    concerns = [c for a in articles for c in a["concerns"]]
    assert {c["severity"] for c in concerns} == {"major", "minor", "optional"}
    assert len({c["category"] for c in concerns}) >= 7
    assert any(c["requires_figure_reading"] for c in concerns)


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"title": "  "}, "title", "empty string"),
    ({"source": "arxiv"}, "source", "expected one of"),
    ({"id": None}, "id", "missing"),
    ({"concerns": "none"}, "concerns", "expected an array"),
    ({"paper_text_sections": ["Methods"]}, "paper_text_sections", "expected an object"),
    ({"paper_text_sections": {"Methods": 3}}, "paper_text_sections.Methods", "expected a string"),
    ({"concerns": [{"concern_text": "x", "category": "novelty", "severity": "major"}]}, "concerns[0].category", "novelty"),
    ({"concerns": [{"concern_text": "x", "category": "other", "severity": "high"}]}, "concerns[0].severity", "high"),
    ({"concerns": [{"category": "other", "severity": "minor"}]}, "concerns[0].text", "missing"),
    ({"concerns": [{"text": "x", "category": "other", "severity": "minor", "resolution_confidence": 1.5}]},
     "concerns[0].resolution_confidence", "from 0 to 1"),
    ({"concerns": [{"text": "x", "category": "other", "severity": "minor", "requires_figure_reading": "yes"}]},
     "concerns[0].requires_figure_reading", "true or false"),
])
def test_malformed_article_names_file_line_and_field(tmp_path, change, field, message):
    path = _write(tmp_path, _article(id="ok"), _article(**change))
    with pytest.raises(InputError) as caught:
        load_review_records(path)
    assert (caught.value.path, caught.value.line, caught.value.field) == (str(path), 2, field)
    assert message in str(caught.value)


def test_duplicate_ids_and_non_objects_are_errors(tmp_path):
    with pytest.raises(InputError, match="duplicate id 'a1' \\(first on line 1\\)"):
        load_review_records(_write(tmp_path, _article(), _article()))
    path = tmp_path / "list.jsonl"
    path.write_text('[1, 2]\n', encoding="utf-8")
    with pytest.raises(InputError, match="an article must be an object") as caught:
        load_review_records(path)
    assert caught.value.line == 1


def test_gold_keeps_articles_left_without_concerns_and_unflagged_figure_concerns(tmp_path):
    flagged = {"text": "Panel B is blurry.", "category": "figure_issue", "severity": "minor",
               "requires_figure_reading": True}
    unflagged = {"text": "The legend of the dose panel omits the units.", "category": "figure_issue",
                 "severity": "minor"}
    path = _write(tmp_path, _article(), _article(id="fig", concerns=[flagged]), _article(id="legend",
                                                                                        concerns=[flagged, unflagged]))
    gold = load_gold_articles(path)
    assert [a["id"] for a in gold] == ["a1", "fig", "legend"]
    assert gold[1]["concerns"] == []  # kept: its model concerns are scored as false positives
    assert gold[2]["concerns"] == [{"text": unflagged["text"], "category": "figure_issue", "severity": "minor"}]
    assert load_review_records(path)[2]["concerns"][1]["requires_figure_reading"] is False  # category alone: no flag


# -- filters --------------------------------------------------------------------------------------

def test_training_filter_counts_every_reason():
    articles = load_review_records(FIXTURE)
    rules = TrainingFilter(min_concerns=3, min_resolution_confidence=0.5)
    kept = rules.articles(articles)
    # elife: figure + 0.4 dropped -> 2 left; plos: no confidences -> 0 left; f1000: nulls -> 0;
    # peerj: 0.2 dropped -> 2 left; nature: figure dropped, no confidences -> 0 left.
    assert kept == []
    assert rules.dropped_articles == {"too_few_concerns": 5}
    assert rules.dropped_concerns == {"figure": 2, "low_resolution_confidence": 2, "missing_resolution_confidence": 10}

    rules = TrainingFilter(min_concerns=2, min_resolution_confidence=None)
    kept = rules.articles(articles)
    assert rules.dropped_concerns == {"figure": 2, "duplicate_concern": 1}
    assert [a["id"] for a in kept] == [a["id"] for a in articles]
    assert [len(a["concerns"]) for a in kept] == [3, 4, 2, 3, 3]


def test_training_filter_drops_figure_category_concerns_with_their_own_reason():
    unflagged = {"text": "The legend omits the units.", "category": "figure_issue", "severity": "minor",
                 "requires_figure_reading": False, "resolution_confidence": None}
    article = {**load_review_records(FIXTURE)[0], "concerns": [*load_review_records(FIXTURE)[0]["concerns"], unflagged]}
    rules = TrainingFilter(min_concerns=1, min_resolution_confidence=None)
    kept = rules.articles([article])
    assert rules.dropped_concerns == {"figure": 1, "figure_category": 1}
    assert all(c["category"] != "figure_issue" for c in kept[0]["concerns"])
    test_kept, _ = scorable_articles([article])
    assert test_kept[0]["concerns"][-1]["category"] == "figure_issue"  # scored on the test split


def test_test_split_keeps_human_concerns_except_figure_ones():
    articles = load_review_records(FIXTURE)
    figure_only = {**articles[0], "id": "fig", "concerns": [articles[0]["concerns"][2]]}
    kept, dropped = scorable_articles([*articles, figure_only])
    assert [len(a["concerns"]) for a in kept] == [3, 4, 3, 3, 3, 0]  # the f1000 duplicate stays: gold is not edited
    assert kept[-1]["id"] == "fig"  # left without concerns, still scored
    assert dropped == {"concerns": {"figure": 3}, "articles": {}}


# -- the token-budget cut -------------------------------------------------------------------------

SECTIONED = {
    "id": "s1", "source": "plos", "title": "Sections in a shuffled order", "abstract": "Short abstract.",
    "sections": {
        "Discussion": "discussion words " * 30,
        "Supplementary Note": "supplement words " * 30,
        "Introduction": "introduction words " * 30,
        "Results and Discussion": "results words " * 30,
        "Materials and Methods": "methods words " * 30,
    },
    "concerns": [],
}


def test_render_orders_sections_by_priority():
    text = render_paper(SECTIONED)
    headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["Materials and Methods", "Results and Discussion", "Introduction", "Discussion", "Supplementary Note"]
    assert text.startswith("Title: Sections in a shuffled order\n\nAbstract: Short abstract.")


def test_cut_keeps_priority_sections_marks_the_cut_and_fits_the_budget(tiny_tokenizer):
    full = count_tokens(tiny_tokenizer, render_paper(SECTIONED))
    methods_end = render_paper(SECTIONED).index("## Results and Discussion")
    marker_tokens = count_tokens(tiny_tokenizer, CUT_MARKER.format(budget=1000))
    budget = count_tokens(tiny_tokenizer, render_paper(SECTIONED)[:methods_end]) + marker_tokens + 30
    paper = cut_paper(SECTIONED, tiny_tokenizer, budget)
    assert paper.cut and paper.full_tokens == full > budget
    assert paper.tokens == count_tokens(tiny_tokenizer, paper.text) <= budget
    assert paper.text.endswith(CUT_MARKER.format(budget=budget))
    assert "methods words " * 30 in paper.text and "## Results and Discussion" in paper.text
    assert "## Introduction" not in paper.text and "## Discussion\n" not in paper.text


def test_text_within_budget_is_not_cut(tiny_tokenizer):
    paper = cut_paper(SECTIONED, tiny_tokenizer, 100_000)
    assert not paper.cut and paper.text == render_paper(SECTIONED) and paper.tokens == paper.full_tokens


def test_budget_smaller_than_the_marker_is_an_error(tiny_tokenizer):
    with pytest.raises(InputError, match="no room for text") as caught:
        cut_paper(SECTIONED, tiny_tokenizer, 5)
    assert caught.value.field == "data.review.max_paper_tokens"


def test_budget_below_floor_is_a_params_error():
    with pytest.raises(InputError, match="max_paper_tokens") as caught:
        build(Config, {"data": {"review": {"max_paper_tokens": 10}}}, source="params.yaml")
    assert caught.value.field == "data.review.max_paper_tokens"
    assert ReviewDataConfig().max_paper_tokens == 15000


# -- parser ---------------------------------------------------------------------------------------

def _texts(parsed) -> list[str]:
    return [c["text"] for c in parsed.value]


def test_parser_reads_the_taught_format_exactly():
    concerns = [{"text": "No power analysis.", "category": "statistical_methodology", "severity": "major"}]
    parsed = parse_concerns(render_concerns(concerns))
    assert parsed.value == concerns and not parsed.failed and not parsed.notes


def test_parser_recovers_missing_open_bracket():
    parsed = parse_concerns('{"text": "a", "category": "design_flaw", "severity": "major"}, '
                            '{"text": "b", "category": "interpretation", "severity": "minor"}]')
    assert _texts(parsed) == ["a", "b"] and parsed.notes == {"missing_open_bracket": 1}


def test_parser_recovers_plain_strings_as_other_minor():
    parsed = parse_concerns('Here is my review:\n["The sample is small.", "Controls are missing."]')
    assert parsed.value == [{"text": "The sample is small.", "category": "other", "severity": "minor"},
                               {"text": "Controls are missing.", "category": "other", "severity": "minor"}]
    assert parsed.notes == {"plain_strings": 2}


def test_parser_keeps_complete_items_of_truncated_output():
    parsed = parse_concerns('```json\n[{"text": "a", "category": "other", "severity": "major"}, '
                            '{"text": "b", "category": "design_flaw", "sev')
    assert _texts(parsed) == ["a"] and not parsed.failed and parsed.notes == {"truncated": 1}


def test_parser_maps_unknown_labels_and_counts_them():
    parsed = parse_concerns('[{"text": "a", "category": "figure_issue", "severity": "critical"}, '
                            '{"text": "b", "category": "Design Flaw", "severity": "Major"}, {"text": "c"}]')
    assert [(c["category"], c["severity"]) for c in parsed.value] == [
        ("other", "minor"), ("design_flaw", "major"), ("other", "minor")]
    assert parsed.notes == {"unknown_category": 2, "unknown_severity": 2}


@pytest.mark.parametrize("text", ["", None, "I have no concerns to report.", "[1, 2, 3]", '[{"category": "other"}]'])
def test_unreadable_output_is_a_parse_failure(text):
    parsed = parse_concerns(text)
    assert parsed.failed and parsed.value == []


def test_explicit_empty_array_and_wrapped_object_are_readable():
    assert not parse_concerns("[]").failed
    parsed = parse_concerns('<think>hmm [ {</think>{"concerns": [{"text": "x", "category": "other", "severity": "optional"}]}')
    assert _texts(parsed) == ["x"] and not parsed.failed


def test_prose_brackets_before_the_array_are_skipped():
    parsed = parse_concerns('Concerns [numbered]: [{"text": "x", "category": "other", "severity": "minor"}]')
    assert _texts(parsed) == ["x"]


# -- task: prompt, target, prepare ----------------------------------------------------------------

def test_prompt_is_the_published_one_verbatim():
    task = get_task("review")
    messages = task.prompt({"paper_text": "Title: T"})
    assert messages[0]["content"] == SYSTEM_PROMPT
    assert "Return only a JSON array of concern strings." in SYSTEM_PROMPT
    assert SYSTEM_PROMPT.endswith("Do NOT return a JSON array of strings.")
    assert messages[1]["content"] == USER_PREFIX + "Title: T"
    assert USER_PREFIX.startswith("Review the following biomedical article.\n\nReturn ONLY a JSON array of objects")
    assert USER_PREFIX.endswith("Allowed severity values: major, minor, optional.\n\n")


def test_target_is_the_human_concerns_as_the_taught_json():
    task = get_task("review")
    concerns = [{"text": "No controls.", "category": "missing_experiment", "severity": "major"}]
    assert json.loads(task.target({"concerns": concerns})) == concerns
    assert task.parse(task.target({"concerns": concerns})).value == concerns


@pytest.fixture
def review_project(tmp_path, monkeypatch, tiny_model_dir) -> Path:
    """A working directory whose models/base points at the tiny model and whose params select review."""
    (tmp_path / "models/base").mkdir(parents=True)
    (tmp_path / "models/base/pointer.json").write_text(json.dumps({"source": str(tiny_model_dir)}))
    params = {"task": "review", "data": {"review": {"max_paper_tokens": 300}}}
    (tmp_path / "params.yaml").write_text(json.dumps(params))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_prepare_filters_splits_cuts_and_reports(review_project, tiny_model_dir):
    config = build(Config, {"task": "review", "data": {"review": {
        "max_paper_tokens": 300, "split_ratios": {"sft": 0.6, "rl": 0.2, "test": 0.2}}}}, source="params.yaml")
    task = get_task("review")
    report = task.prepare(config, review_project / "data/review")
    splits = {name: [row for _, row in read_records(review_project / f"data/review/{name}.jsonl")]
              for name in ("sft", "rl", "test")}
    assert report["splits"] == {name: len(rows) for name, rows in splits.items()}
    assert sum(report["splits"].values()) + sum(d["articles"].get("too_few_concerns", 0) for d in report["dropped"].values()) \
        == 40
    assert report["dropped"]["test"]["articles"] == {}  # the test split never drops an article
    assert report["test_articles_without_concerns"] == sum(not row["concerns"] for row in splits["test"])
    assert report["cross_split_overlap"] == {"sft/rl": 0, "sft/test": 0, "rl/test": 0}
    assert report["tokenizer"] == str(tiny_model_dir) and report["max_paper_tokens"] == 300
    assert report["cut_inputs"] == {name: sum(r["paper_cut"] for r in rows) for name, rows in splits.items()}
    assert sum(report["cut_inputs"].values()) > 0
    figures = sum(d["concerns"].get("figure", 0) for d in report["dropped"].values())
    assert figures == 9  # every figure concern of the demo corpus, counted in the split it fell in
    for rows in splits.values():
        for row in rows:
            assert row["paper_tokens"] <= 300 and "sections" not in row
            assert row["paper_cut"] == row["paper_text"].endswith(CUT_MARKER.format(budget=300))
            assert all(c["category"] != "figure_issue" for c in row["concerns"])
    ids = [row["id"] for rows in splits.values() for row in rows]
    assert len(ids) == len(set(ids))


def test_load_eval_file_cuts_like_prepare(review_project, tiny_model_dir):
    task = get_task("review")
    records = task.load_eval_file(FIXTURE, load_config())
    tokenizer = load_tokenizer(str(tiny_model_dir))
    gold = load_gold_articles(FIXTURE)
    assert [r["paper_text"] for r in records] == [cut_paper(a, tokenizer, 300).text for a in gold]
    assert [r["concerns"] for r in records] == [a["concerns"] for a in gold]
