"""The funding task's article path (`Task.articles`): what the two-stage extract-then-parse pipeline needs of the
task. Stage 1 copies funding statements out of article chunks (article.py), stage 2 is the statement parser."""

from __future__ import annotations

from pathlib import Path

from sciextract.config import Config
from sciextract.tasks.base import ArticlePath, ChatGenerator, PassageLocator, PassageParser, Task
from sciextract.tasks.funding.article import (ArticleExtraction, article_inputs, article_rows, load_article_records,
                                              model_extractions, stage1_decoding)
from sciextract.tasks.funding.article_data import article_eval_sets, prepare_articles
from sciextract.tasks.funding.article_rl import chunk_prompt_rows, stage2_record
from sciextract.tasks.funding.article_rules import locate_statements_by_rules


class FundingArticles(ArticlePath):
    sft_params = {"sft.max_steps": "data.funding.article.sft_max_steps"}
    grpo_params = {"grpo.max_steps": "data.funding.article.grpo_max_steps",
                   "grpo.beta": "data.funding.article.grpo_beta",
                   "grpo.entropy_coef": "data.funding.article.grpo_entropy_coef"}

    def __init__(self, task: Task):
        self.task = task

    def prepare(self, config: Config, passage_dir: Path, out_dir: Path, mixture_file: Path, tokenizer) -> dict:
        return prepare_articles(self.task, config, passage_dir, out_dir, mixture_file, tokenizer)

    def eval_sets(self, config: Config, data_dir: Path) -> dict[str, list[dict]]:
        return article_eval_sets(config, data_dir)

    def read_inputs(self, path: str | Path) -> list[dict] | None:
        return article_inputs(path)

    def model_locator(self, config: Config, generate: ChatGenerator, tokenizer) -> PassageLocator:
        settings, decoding = config.data.funding.article, stage1_decoding(config.decoding, self.task.name)
        locate = (lambda text: locate_statements_by_rules(text).statements) if settings.rule_statements else None
        return lambda articles: model_extractions(articles, generate, tokenizer, chunk_tokens=settings.chunk_tokens,
                                                  chunk_overlap=settings.chunk_overlap, decoding=decoding,
                                                  samples=settings.extract_samples, locate=locate)

    def baseline_locator(self, variant: str) -> PassageLocator:
        if variant != "rule":
            raise ValueError(f"the funding article path has a stage-1 baseline for 'rule' only, not '{variant}'")
        return lambda articles: [ArticleExtraction(None, None, locate_statements_by_rules(article["text"]))
                                 for article in articles]

    def rows(self, articles: list[dict], extractions: list[ArticleExtraction], parse: PassageParser) -> list[dict]:
        return article_rows(articles, extractions, parse)

    def rl_rows(self, config: Config, article_dir: Path, tokenizer) -> tuple[list[dict], dict]:
        settings = config.data.funding.article
        rows, counts = chunk_prompt_rows(self.task, load_article_records(Path(article_dir) / "rl.jsonl"), tokenizer,
                                         chunk_tokens=settings.chunk_tokens, chunk_overlap=settings.chunk_overlap,
                                         empty_chunk_share=settings.empty_chunk_share, seed=config.data.funding.seed)
        return rows, dict(counts)

    def stage2_record(self, source: str, answer: str) -> dict | None:
        return stage2_record(source, answer)

    def nothing_found(self) -> str:
        return self.task.render_answer([])
