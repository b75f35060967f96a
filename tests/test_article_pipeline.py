"""The article pipeline's stage functions (pipelines/article/dvc.yaml) on the tiny random model, in a scratch
project: prepare_articles -> sft_articles -> grpo_articles -> evaluate_articles@{rule,article_sft,article_grpo} ->
leaderboard_articles."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sciextract import paths
from sciextract.config import Config, with_overrides
from sciextract.io import read_records
from sciextract.splits import normalize_for_split
from sciextract.stages import (
    ARTICLE_EVAL_ROOT,
    ARTICLE_MIXTURE,
    article_data_dir,
    run_evaluate,
    run_evaluate_articles,
    run_grpo_articles,
    run_leaderboard_articles,
    run_prepare_articles,
    run_sft_articles,
)
from sciextract.tasks.funding.article import EXTRACT_SYSTEM_PROMPT
from sciextract.tasks.funding.task import FundingTask

REPO = Path(__file__).resolve().parents[1]


def _rows(path) -> list[dict]:
    return [row for _, row in read_records(path)]


def _config(tiny_model_dir) -> Config:
    return with_overrides(Config(), {
        "model.base": str(tiny_model_dir), "model.dtype": "float32",
        "data.funding.synthetic_records": 80, "data.funding.optional_eval_sets": {},
        "data.funding.article.synthetic_articles": 30, "data.funding.article.chunk_tokens": 96,
        "data.funding.article.chunk_overlap": 32, "data.funding.article.extract_fraction": 0.5,
        "data.funding.article.sft_max_steps": 2, "data.funding.article.grpo_max_steps": 1,
        "sft.max_length": 1024, "sft.save_steps": 1, "sft.logging_steps": 1,
        "grpo.max_steps": 5, "grpo.save_steps": 1, "grpo.num_generations": 2, "grpo.per_device_train_batch_size": 2,
        "grpo.gradient_accumulation_steps": 1, "grpo.max_completion_length": 8,
        "evaluate.max_new_tokens": 8, "evaluate.max_documents": 2}, source="test")


def test_article_stages_on_the_tiny_model(project_dir, tiny_model_dir):
    config = _config(tiny_model_dir)
    shutil.copytree(tiny_model_dir, paths.BASE_DIR)
    paths.REFERENCES_PATH.parent.mkdir(parents=True)
    shutil.copy(REPO / "reports/references.yaml", paths.REFERENCES_PATH)
    statement_dir = paths.data_dir("funding")
    FundingTask().prepare(config, statement_dir)

    run_prepare_articles(config)
    articles = article_data_dir("funding")
    report = json.loads((articles / "prepare_report.json").read_text(encoding="utf-8"))
    splits = {split: _rows(articles / f"{split}.jsonl") for split in ("sft", "rl", "test")}
    assert sum(report["splits"].values()) + sum(report["dropped_for_trained_statements"].values()) == 30
    assert {split: len(rows) for split, rows in splits.items()} == report["splits"]
    texts = [{row["text"] for row in rows} for rows in splits.values()]
    assert not (texts[0] & texts[1] or texts[0] & texts[2] or texts[1] & texts[2])
    trained = {normalize_for_split(s) for a in splits["sft"] for s in a["funding_statements"]}
    trained |= {normalize_for_split(r["funding_statement"]) for r in _rows(statement_dir / "sft.jsonl")}
    assert not any(normalize_for_split(s) in trained for a in splits["test"] for s in a["funding_statements"])
    mixture = _rows(articles / ARTICLE_MIXTURE)
    extract = [e for e in mixture if e["prompt"][0]["content"] == EXTRACT_SYSTEM_PROMPT]
    assert len(mixture) - len(extract) == len(_rows(statement_dir / "sft.jsonl")) == report["mixture"]["parse"]
    assert len(extract) == report["mixture"]["extract"] > 0
    assert "seconds" not in json.dumps(report)  # a DVC metric: nothing that changes between identical runs

    run_sft_articles(config)
    adapter = paths.adapter_dir("funding", "article_sft")
    assert (adapter / "adapter_config.json").exists()
    steps = [row["step"] for row in _rows_csv(paths.curve_path("funding", "article_sft"))]
    assert max(steps) == 2  # data.funding.article.sft_max_steps, not sft.max_steps

    run_grpo_articles(config)
    grpo_adapter = paths.adapter_dir("funding", "article_grpo")
    assert json.loads((grpo_adapter / "merged_from.json").read_text(encoding="utf-8"))["sft_adapter"] == str(adapter)
    curve = _rows_csv(paths.curve_path("funding", "article_grpo"))
    assert max(row["step"] for row in curve) == 1  # data.funding.article.grpo_max_steps, not grpo.max_steps
    assert any("articles/empty_extraction_share" in row for row in curve)
    assert {row.get("entropy_coef") for row in curve} == {0.01}  # the article recipe's bonus, not grpo.entropy_coef

    for variant in ("rule", "article_sft", "article_grpo"):
        run_evaluate_articles(config, variant)
        metrics = json.loads((ARTICLE_EVAL_ROOT / "funding" / variant / "metrics.json").read_text(encoding="utf-8"))
        report = metrics["sets"]["article_test"]
        assert report["stamp"]["input"] == "article" and report["stamp"]["set"] == "article_test"
        assert report["stamp"]["chunk_tokens"] == 96  # every variant, the rule locator too: one stamp
        assert report["documents"] == min(2, len(splits["test"]))
        assert set(report["metrics"]["statement"]) >= {"precision", "recall", "f1", "gold", "pred", "matched"}
        predictions = ARTICLE_EVAL_ROOT / "funding" / variant / "predictions"
        assert len(_rows(predictions / "article_test.documents.jsonl")) == report["documents"]

    run_evaluate(config, "rule")  # a statement row for the board
    run_leaderboard_articles(config)
    board = json.loads((ARTICLE_EVAL_ROOT / "leaderboard.json").read_text(encoding="utf-8"))
    text = json.dumps(board)
    assert "article_test" in text and "article_sft" in text and "article_grpo" in text
    markdown = (ARTICLE_EVAL_ROOT / "leaderboard.md").read_text(encoding="utf-8")
    assert "funding · test" in markdown and "funding · article_test" in markdown
    assert not (paths.LEADERBOARD_DIR / "leaderboard.md").exists()  # the default leaderboard is not touched


def _rows_csv(path) -> list[dict]:
    import csv

    with open(path, encoding="utf-8") as handle:
        return [{key: float(value) for key, value in row.items() if value} for row in csv.DictReader(handle)]
