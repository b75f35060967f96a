"""The two-stage funding path from whole articles: chunking, stage-1 reading and checking, article records, the
synthetic articles, the rule locator, scoring, and predict on a tiny random-weight model (fields and resume)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sciextract.config import Config, with_overrides
from sciextract.decoding import accepts
from sciextract.errors import InputError
from sciextract.io import read_prediction_rows
from sciextract.modeling import load_tokenizer
from sciextract.article_predict import predict_article_file, predict_articles
from sciextract.predict import score_file, score_rows
from sciextract.tasks import get_task
from sciextract.tasks.funding.article import (
    article_inputs,
    article_rows,
    chunk_article,
    clean_article,
    kept_statements,
    load_article_records,
    model_extractions,
    parse_statements,
    render_statements,
    stage1_decoding,
)
from sciextract.tasks.funding.article_rl import chunk_prompt_rows, stage2_record
from sciextract.tasks.funding.article_rules import locate_statements_by_rules
from sciextract.tasks.funding.article_score import statement_counts
from sciextract.tasks.funding.article_sft import extract_examples, sft_mixture
from sciextract.tasks.funding.article_synthetic import generate_articles

STATEMENT = "This work was supported by the Wellcome Trust under grant 123456."
FILLER = "The sample was measured twice and the model was fitted again with care. "


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    return load_tokenizer(str(tiny_model_dir))


def _answer(*statements: str) -> str:
    return render_statements(list(statements))


def _ids(tokenizer, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


# -- chunking -------------------------------------------------------------------------------------


def test_chunks_overlap_cover_the_article_and_respect_the_token_budget(tokenizer):
    text = FILLER * 30
    chunks = chunk_article(text, tokenizer, chunk_tokens=64, chunk_overlap=16)
    assert len(chunks) > 3
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for chunk, following in zip(chunks, chunks[1:]):
        assert following.start < chunk.end  # consecutive chunks share text
        assert chunk.text == text[chunk.start:chunk.end]
    assert all(len(tokenizer(c.text, add_special_tokens=False)["input_ids"]) <= 64 + 1 for c in chunks)


def test_a_statement_cut_by_a_chunk_boundary_is_whole_in_the_overlap(tokenizer):
    statement_tokens = len(tokenizer(STATEMENT, add_special_tokens=False)["input_ids"])
    crossed = 0
    for words in range(40, 120, 3):
        prefix = " ".join((FILLER * 20).split()[:words]) + " "
        text = prefix + STATEMENT + " " + FILLER * 10
        chunks = chunk_article(text, tokenizer, chunk_tokens=statement_tokens + 40, chunk_overlap=statement_tokens + 2)
        start, end = len(prefix), len(prefix) + len(STATEMENT)
        crossed += any(c.start < start < c.end < end for c in chunks)
        assert any(STATEMENT in c.text for c in chunks), words
    assert crossed  # some placements did straddle a boundary


def test_an_article_that_fits_is_one_chunk_and_an_empty_one_has_none(tokenizer):
    assert [c.text for c in chunk_article(STATEMENT, tokenizer, 512, 128)] == [STATEMENT]
    assert chunk_article("", tokenizer, 512, 128) == []
    assert chunk_article(" \n ", tokenizer, 512, 128) == []


def test_cleaning_strips_zero_width_characters_and_byte_order_marks():
    assert clean_article("\ufeffFun\u200bded by the\u2060 NSF.") == "Funded by the NSF."


# -- stage 1: reading, checking, merging ----------------------------------------------------------


def test_stage1_parse_never_raises_and_counts_unreadable_output():
    assert parse_statements("I think there is funding.").failed
    assert parse_statements(None).failed
    assert parse_statements('{"statements": []}').value == [] and not parse_statements('{"statements": []}').failed
    cut = parse_statements('{"statements": ["Funded by NSF.", "Funded by')
    assert cut.value == ["Funded by NSF."] and cut.notes["truncated"] == 1
    assert parse_statements('```json\n{"statements": ["A", 3, "B"]}\n```').value == ["A", "B"]
    found = kept_statements("Funded by NSF.", ["garbage", _answer("Funded by NSF.")])
    assert found.notes["unreadable_chunks"] == 1 and found.statements == ["Funded by NSF."]


def test_a_statement_not_in_the_article_is_counted_and_dropped():
    article = "Intro text.\n\nThis work was funded\nby the NSF (grant 12).\n\nReferences."
    found = kept_statements(article, [_answer("This work was funded by the NSF (grant 12).",
                                              "This work was funded by the NIH (grant 99).")])
    assert found.statements == ["This work was funded\nby the NSF (grant 12)."]  # the article's own text
    assert found.notes["unsupported_statements"] == 1


def test_statements_repeated_across_chunks_are_merged_once_and_halves_rejoined():
    article = f"{FILLER}{STATEMENT} {FILLER}Second: funded by the NIH grant R01-1. End."
    found = kept_statements(article, [_answer(STATEMENT), _answer(STATEMENT, "Second: funded by the NIH grant R01-1."),
                                      _answer("This work was supported by the Wellcome"),
                                      _answer("Wellcome Trust under grant 123456.")])
    assert found.statements == [STATEMENT, "Second: funded by the NIH grant R01-1."]
    assert found.notes["merged_statements"] == 3


def test_a_copy_cut_at_a_line_break_is_completed_to_its_sentence_and_whole_sentences_stay_as_they_are():
    article = ("Thanks go to A. Reader for comments. * Corresponding author.\nThis work was sup-\nported by the VA, "
               "grant I01-9838.\n\nWe fitted the model.")
    for copied in ("This work was sup-", "ported by the VA, grant I01-9838."):
        found = kept_statements(article, [_answer(copied)])
        assert found.statements == ["This work was sup-\nported by the VA, grant I01-9838."]
        assert found.notes["widened_statements"] == 1
    whole = kept_statements(article, [_answer("Thanks go to A. Reader for comments.", "This work was sup-")])
    assert whole.notes["widened_statements"] == 1  # the thanks end with their sentence: not run on to the next
    assert whole.notes["uncued_statements"] == 1


def test_statements_without_a_funding_word_are_counted_and_dropped():
    article = f"{FILLER}X.L. designed the study. {STATEMENT}"
    found = kept_statements(article, [_answer("X.L. designed the study.", STATEMENT), _answer(FILLER.strip())])
    assert found.statements == [STATEMENT]
    assert found.notes["uncued_statements"] == 2 and found.notes["unsupported_statements"] == 0


def test_located_statements_join_the_answers_and_those_only_they_found_are_counted():
    second = "Second: funded by the NIH grant R01-1."
    article = f"{FILLER}{STATEMENT} {FILLER}{second}"
    found = kept_statements(article, [_answer(STATEMENT)], located=[STATEMENT, second, "Funded by nobody here."])
    assert found.statements == [STATEMENT, second]
    assert found.notes["rule_statements"] == 1  # the second; the first was the model's too
    assert found.notes["merged_statements"] == 1 and found.notes["unsupported_statements"] == 1


def test_the_empty_article_gets_no_statements_and_no_model_call(tokenizer):
    def generate(conversations, grammar):
        assert conversations == [] and grammar == []
        return []

    extractions = model_extractions([{"id": "e", "text": "\ufeff \n"}], generate, tokenizer, chunk_tokens=64,
                                    chunk_overlap=8, decoding="copied_substrings")
    rows = article_rows([{"id": "e", "text": ""}], extractions, lambda records: pytest.fail("stage 2 called"))
    assert rows[0]["statements"] == [] and rows[0]["predicted_funders"] == [] and rows[0]["chunks"] == 0
    assert rows[0]["raw_output"] is None and rows[0]["parse_failed"] is False


def test_stage_one_keeps_the_statements_of_the_greedy_and_of_every_sampled_answer(tokenizer):
    article = {"id": "a", "text": FILLER * 12 + STATEMENT + " Second: funded by the NIH grant R01-1."}
    calls = []

    def generate(conversations, grammar, sample=False, seed=None):
        calls.append((sample, seed))
        chosen = ("Second: funded by the NIH grant R01-1." if seed == 1 else STATEMENT) if sample else None
        return [_answer(chosen) if chosen else _answer() for _ in conversations]

    found = model_extractions([article], generate, tokenizer, chunk_tokens=64, chunk_overlap=8,
                              decoding="copied_substrings", samples=2)[0]
    assert calls == [(False, None), (True, 0), (True, 1)]  # one greedy call, then one seeded call per round
    assert len(found.outputs) == 3 * found.chunks  # every chunk's greedy answer, then each round's
    assert found.extraction.statements == [STATEMENT, "Second: funded by the NIH grant R01-1."]
    assert found.extraction.notes["merged_statements"] > 0  # the rounds' copies of one statement kept once
    calls.clear()
    greedy = model_extractions([article], generate, tokenizer, chunk_tokens=64, chunk_overlap=8,
                               decoding="copied_substrings")[0]
    assert calls == [(False, None)] and greedy.extraction.statements == []
    with_rules = model_extractions([article], generate, tokenizer, chunk_tokens=64, chunk_overlap=8,
                                   decoding="copied_substrings", locate=lambda text: [STATEMENT])[0]
    assert with_rules.extraction.statements == [STATEMENT] and with_rules.extraction.notes["rule_statements"] == 1


@pytest.mark.parametrize("structured, copied, expected", [
    (False, False, None), (True, False, "funding-statements"), (True, True, "funding-statements:copied")])
def test_stage_one_decodes_in_the_statements_grammar_each_chunk_copied_from_itself(tokenizer, structured, copied,
                                                                                 expected):
    config = Config()
    config.decoding.structured, config.decoding.copied_substrings = {"funding": structured}, {"funding": copied}
    decoding = stage1_decoding(config.decoding, "funding")
    assert decoding == ("copied_substrings" if copied else "structured" if structured else "free")
    article = {"id": "a", "text": FILLER * 12 + STATEMENT}
    asked = {}

    def generate(conversations, grammar):
        asked["chunks"], asked["grammar"] = [c[1]["content"] for c in conversations], grammar
        return [_answer()] * len(conversations)

    model_extractions([article], generate, tokenizer, chunk_tokens=64, chunk_overlap=8, decoding=decoding)
    grammar = asked["grammar"]
    assert len(asked["chunks"]) > 1
    if expected is None:
        assert grammar is None
    elif not copied:
        assert grammar.name == expected
    else:  # one grammar per chunk, taking its own text and no other chunk's
        assert [g.name for g in grammar] == [expected] * len(asked["chunks"])
        last = _ids(tokenizer, _answer(STATEMENT))
        assert accepts(grammar[-1], tokenizer, last) and not accepts(grammar[0], tokenizer, last)


# -- records and inputs ---------------------------------------------------------------------------


def test_article_record_errors_name_file_line_and_field(tmp_path):
    path = tmp_path / "articles.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "x", "funding_statements": [], "funders": []}) + "\n"
                    + json.dumps({"id": "b", "text": "y", "funding_statements": [3], "funders": []}) + "\n")
    with pytest.raises(InputError) as error:
        load_article_records(path)
    assert (error.value.line, error.value.field) == (2, "funding_statements[0]")
    path.write_text(json.dumps({"id": "a", "text": 5}) + "\n")
    with pytest.raises(InputError) as error:
        article_inputs(path)
    assert (error.value.path, error.value.line, error.value.field) == (str(path), 1, "text")
    path.write_text(json.dumps({"id": "a", "text": "x"}) + "\n" + json.dumps({"id": "a", "text": "y"}) + "\n")
    with pytest.raises(InputError, match="duplicate id"):
        article_inputs(path)
    path.write_text(json.dumps({"id": "a", "text": "x"}) + "\n" + json.dumps({"funding_statement": "s"}) + "\n")
    with pytest.raises(InputError) as error:
        article_inputs(path)
    assert error.value.line == 2


def test_predict_inputs_tell_articles_from_statements(tmp_path, funding_file):
    assert article_inputs(funding_file) is None
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "b.md").write_text("# Paper B\n\nFunded by NSF.", encoding="utf-8")
    (folder / "a.txt").write_text("Paper A", encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF")
    assert article_inputs(folder) == [{"id": "a.txt", "text": "Paper A"},
                                      {"id": "b.md", "text": "# Paper B\n\nFunded by NSF."}]


# -- synthetic articles, SFT examples, rules, scoring ---------------------------------------------


def test_synthetic_articles_are_deterministic_and_hold_their_statements():
    articles = generate_articles(60, seed=5, noise_fraction=0.5)
    assert articles == generate_articles(60, seed=5, noise_fraction=0.5)
    assert articles != generate_articles(60, seed=6, noise_fraction=0.5)
    assert {len(a["funding_statements"]) for a in articles} == {0, 1, 2}
    for article in articles:
        assert all(statement in article["text"] for statement in article["funding_statements"])
        assert bool(article["funders"]) == bool(article["funding_statements"])
    assert any(article["text"].startswith("\ufeff") for article in articles)
    assert any("\u200b" in a["text"] or "\u200c" in a["text"] or "\u200d" in a["text"] for a in articles)


def test_extract_examples_answer_each_chunk_with_the_statements_whole_inside_it(tokenizer):
    article = {"id": "x", "text": FILLER * 12 + STATEMENT + " " + FILLER * 12, "funding_statements": [STATEMENT]}
    # a gold statement its article does not hold: every chunk would be taught "no funding", so the article is left out
    lost = {"id": "lost", "text": FILLER * 3, "funding_statements": ["Funded by nobody we can find."]}
    examples, counts = extract_examples([article, lost], tokenizer, chunk_tokens=64, chunk_overlap=32)
    answers = [json.loads(e["completion"][0]["content"])["statements"] for e in examples]
    assert counts["chunks"] == len(examples) > 2 and counts["unlocated_articles"] == 1
    assert examples == extract_examples([article], tokenizer, chunk_tokens=64, chunk_overlap=32)[0]
    assert [STATEMENT] in answers and [] in answers
    for example, answer in zip(examples, answers):
        assert all(statement in example["prompt"][1]["content"] for statement in answer)
    mixed = sft_mixture([{"parse": i} for i in range(6)], examples, 0.25, seed=1)
    assert len(mixed) == 8 and sum("parse" in e for e in mixed) == 6


SECOND = "Additional support came from the Simons Foundation (award 98765)."
FUNDERS = [{"funder_name": "Wellcome Trust", "awards": [{"award_ids": ["123456"]}]}]


def test_article_grpo_prompts_are_the_chunks_whose_gold_is_exact(tokenizer):
    """A chunk holding every statement of its article has the article's funders as gold, one touching none has no
    funder; one holding a statement but not the other, or part of one, is left out and counted."""
    task = get_task("funding")
    one = {"id": "one", "text": FILLER * 12 + STATEMENT + " " + FILLER * 12, "funding_statements": [STATEMENT],
           "funders": FUNDERS}
    two = {"id": "two", "text": STATEMENT + " " + FILLER * 12 + SECOND, "funding_statements": [STATEMENT, SECOND],
           "funders": FUNDERS + [{"funder_name": "Simons Foundation", "awards": [{"award_ids": ["98765"]}]}]}
    lost = {"id": "lost", "text": FILLER * 3, "funding_statements": ["Funded by nobody we can find."], "funders": []}
    rows, counts = chunk_prompt_rows(task, [one, two, lost], tokenizer, chunk_tokens=64, chunk_overlap=32,
                                     empty_chunk_share=0.5, seed=1)
    assert counts["unlocated_articles"] == 1 and counts["partial_chunks"] >= 2  # both of "two"'s ends, "one"'s edges
    positives = [row for row in rows if json.loads(row["gold_funders"])]
    assert len(positives) == counts["with_funding"] > 0
    assert all(STATEMENT in row["source"] and json.loads(row["gold_funders"]) == FUNDERS for row in positives)
    negatives = [row for row in rows if not json.loads(row["gold_funders"])]
    assert all(STATEMENT not in row["source"] for row in negatives)
    assert len(negatives) == counts["without_funding_kept"] == min(counts["without_funding"], len(positives))
    assert all(row["prompt"][1]["content"] == row["source"] for row in rows)
    assert chunk_prompt_rows(task, [one, two, lost], tokenizer, chunk_tokens=64, chunk_overlap=32,
                             empty_chunk_share=0.5, seed=1)[0] == rows


def test_a_rollout_reaches_stage_two_with_only_the_statements_it_copied_from_its_chunk():
    chunk = FILLER + STATEMENT + " " + FILLER
    assert stage2_record(chunk, _answer(STATEMENT, "A statement the chunk does not hold.")) == {
        "funding_statement": STATEMENT}
    assert stage2_record(chunk, _answer()) is None
    assert stage2_record(chunk, "not json at all") is None
    assert get_task("funding").article_path().nothing_found() == "[]"


def test_the_mixture_keeps_every_chunk_with_a_statement_and_caps_the_empty_ones():
    def extract(statements):
        return {"prompt": [], "completion": [{"role": "assistant", "content": render_statements(statements)}]}

    found, empty = [extract([f"Funded by NSF grant {i}."]) for i in range(4)], [extract([]) for _ in range(20)]
    parse = [{"parse": i} for i in range(50)]
    mixed = sft_mixture(parse, found + empty, 0.3, seed=3, empty_chunk_share=0.25)
    extracted = [e for e in mixed if "completion" in e]
    assert sum(e in found for e in extracted) == 4  # all of them, the empty ones down to a quarter
    assert len(extracted) - 4 == 1  # int(4 * 0.25 / 0.75)
    # without a cap the chunks come as they are: 21 extract examples wanted, 4 found and 17 empty
    uncapped = [e for e in sft_mixture(parse, found + empty, 0.3, seed=3) if "completion" in e]
    assert len(uncapped) == 21 and sum(e in found for e in uncapped) == 4


def test_the_rule_locator_finds_a_plain_statement_and_skips_distractors():
    article = ("# Title\n\nWe thank J. Smith for helpful discussions.\n\n## Funding\n\n"
               "This work was supported by the National Science Foundation under grant DMS-1912345.\n\n"
               "## Competing interests\n\nThe authors declare no competing interests.\n")
    assert locate_statements_by_rules(article).statements == [
        "This work was supported by the National Science Foundation under grant DMS-1912345."]


def test_statement_matching_is_fuzzy_and_one_to_one():
    counts = statement_counts([STATEMENT, "Funded by NIH grant R01."], [STATEMENT.replace(" ", "  "), STATEMENT])
    assert (counts.gold, counts.pred, counts.matched) == (2, 2, 1)


def _article_row(article_id: str, statements: list[str], funders: list[dict], **counts) -> dict:
    return {"id": article_id, "statements": statements, "chunks": 2, "extract_outputs": ["", ""],
            "raw_output": None, "predicted_funders": funders, "parse_failed": False, **counts}


def test_funding_scores_article_gold_on_both_stages(tmp_path):
    """Article gold read by the funding task is scored on stage 1's statements (fuzzy, one-to-one, an empty
    negative adds nothing) and the funders end to end; a missing row counts as nothing predicted."""
    task = get_task("funding")
    nsf = [{"funder_name": "National Science Foundation",
            "awards": [{"award_ids": ["DMS-1912345"], "funding_scheme": [], "award_title": []}]}]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(record) + "\n" for record in (
        {"id": "a", "text": "x " + STATEMENT, "funding_statements": [STATEMENT], "funders": nsf},
        {"id": "b", "text": "no funding here", "funding_statements": [], "funders": []},
        {"id": "c", "text": "y " + STATEMENT, "funding_statements": [STATEMENT], "funders": nsf})), encoding="utf-8")
    records = task.load_eval_file(gold, Config())
    assert [r["id"] for r in records] == ["a", "b", "c"] and "text" in records[0]
    rows = [_article_row("a", [STATEMENT.replace(" ", "  "), "We thank J. Smith."], nsf, unsupported_statements=2),
            _article_row("b", [], [])]
    report, documents = score_rows(task, Config(), records, rows)
    statement = report["metrics"]["statement"]
    assert (statement["gold"], statement["pred"], statement["matched"]) == (2, 2, 1)
    assert statement["precision"] == statement["recall"] == 0.5
    assert (report["metrics"]["funder"]["gold"], report["metrics"]["funder"]["matched"]) == (2, 1)
    assert report["stage1"] == {"negative_articles": 1, "correct_negatives": 1, "unreadable_chunks": 0,
                                "truncated_chunks": 0, "unsupported_statements": 2, "widened_statements": 0,
                                "merged_statements": 0, "uncued_statements": 0, "rule_statements": 0}
    assert report["stamp"]["documents_without_prediction"] == 1 and report["parse_failures"] == 0
    assert report["stamp"]["chunk_tokens"] == Config().data.funding.article.chunk_tokens
    assert [d["statement"] for d in documents] == [{"gold": 1, "pred": 2, "matched": 1},
                                                   {"gold": 0, "pred": 0, "matched": 0},
                                                   {"gold": 1, "pred": 0, "matched": 0}]
    rule_rows = [{**row, "chunks": None} for row in rows]
    # the rule locator reads whole articles, yet its rows carry the evaluation's chunking: one stamp with the models
    assert score_rows(task, Config(), records, rule_rows)[0]["stamp"] == report["stamp"]
    with pytest.raises(InputError, match="without 'statements'"):
        score_rows(task, Config(), records, [{"id": "a", "predicted_funders": nsf}])


# -- predict on a tiny model ----------------------------------------------------------------------


def _tiny_config() -> Config:
    return with_overrides(Config(), {"evaluate.max_new_tokens": 8, "evaluate.batch_size": 2,
                                     "data.funding.article.chunk_tokens": 48,
                                     "data.funding.article.chunk_overlap": 16}, source="test")


def test_predict_on_articles_writes_documented_rows_and_resumes(tmp_path, tiny_model_dir):
    task, config = get_task("funding"), _tiny_config()
    articles = [{"id": f"a{i}", "text": f"# Paper {i}\n\n{FILLER * i}{STATEMENT}\n\n{FILLER}",
                 "funding_statements": [STATEMENT], "funders": []} for i in range(3)]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    output = tmp_path / "out" / "pred.jsonl"
    done = {"id": articles[1]["id"], "statements": [], "chunks": 0, "extract_outputs": [], "raw_output": None,
            "predicted_funders": [], "parse_failed": False, "marker": "written before"}
    output.parent.mkdir()
    output.write_text(json.dumps(done) + "\n", encoding="utf-8")
    rows = predict_articles(task, config, "base", load_article_records(gold), output, base_dir=tiny_model_dir)
    written = [row for _, row in read_prediction_rows(output)]
    assert written == rows and len(rows) == 3
    assert rows[0] == done  # the finished article was skipped, its row kept
    assert {row["id"] for row in rows} == {a["id"] for a in articles}
    for row in rows[1:]:
        assert {"id", "statements", "extract_outputs", "raw_output", "predicted_funders", "parse_failed",
                "unsupported_statements"} <= set(row)
        assert len(row["extract_outputs"]) == row["chunks"] > 1
    report = score_file(task, config, gold=gold, predictions=output, output=None)  # `sciextract score`
    assert report["stamp"]["input"] == "article" and report["documents"] == 3
    assert (report["stamp"]["chunk_tokens"], report["stamp"]["chunk_overlap"]) == (48, 16)
    assert set(report["metrics"]["by_mode"]) == {"strict", "balanced", "permissive"}
    assert report["metrics"]["statement"]["gold"] == 3


def test_predict_file_takes_a_folder_of_papers_with_the_rule_baseline(tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "p1.md").write_text("# P1\n\n## Funding\n\nThis work was supported by the National Science "
                                  "Foundation under grant DMS-1912345.\n", encoding="utf-8")
    (folder / "p2.txt").write_text("No money here.", encoding="utf-8")
    output = tmp_path / "pred.jsonl"
    assert predict_article_file(get_task("funding"), Config(), "rule", folder, output)
    rows = {row["id"]: row for _, row in read_prediction_rows(output)}
    assert rows["p2.txt"]["statements"] == [] and rows["p2.txt"]["predicted_funders"] == []
    assert [f["funder_name"] for f in rows["p1.md"]["predicted_funders"]] == ["National Science Foundation"]
    assert Path(output).read_text(encoding="utf-8").count("\n") == 2


def test_a_task_without_an_article_path_says_so_and_predict_reads_its_own_inputs(tmp_path):
    sciie = get_task("sciie")
    assert sciie.articles is None and get_task("funding").articles is not None
    with pytest.raises(InputError, match="task 'sciie' has no path from whole articles") as error:
        sciie.article_path()
    assert error.value.field == "task"
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "p1.md").write_text("# P1\n\nFunded by NSF.", encoding="utf-8")
    assert not predict_article_file(sciie, Config(), "rule", folder, tmp_path / "pred.jsonl")
    assert not (tmp_path / "pred.jsonl").exists()
