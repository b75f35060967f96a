"""The two-stage path of a task on whole articles (`Task.articles`), run by a model variant or a baseline:
`sciextract predict` on articles, and the evaluation of article gold sets (`sciextract evaluate_articles`).

Outside predict.py, so that evaluating a task without an article path never loads this, and outside the task
packages, so that a task's stages that load no model (prepare, sft, grpo) never load the generation code.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sciextract.config import Config
from sciextract.errors import InputError
from sciextract.io import read_prediction_rows, write_jsonl
from sciextract.predict import make_chat_generator, make_predictor, model_answers, score_rows
from sciextract.tasks.base import Parsed, PassageLocator, PassageParser, Task

log = logging.getLogger(__name__)


def article_stages(task: Task, config: Config, variant: str, *, base_dir: Path | None = None
                   ) -> tuple[PassageLocator, PassageParser]:
    """Stage 1 and stage 2 of a variant on articles: a model's two prompts on the same weights, or for a baseline
    its model-free stage-1 locator and its own predictor."""
    articles = task.article_path()
    if variant in task.baselines(config):
        return articles.baseline_locator(variant), make_predictor(task, config, variant)
    generate, tokenizer = make_chat_generator(task, config, variant, base_dir=base_dir)

    def parse(records: list[dict]) -> list[tuple[str | None, Parsed]]:
        return model_answers(task, config, generate, records)

    return articles.model_locator(config, generate, tokenizer), parse


def _rows_already_written(output_path: Path, articles: list[dict]) -> list[dict]:
    """The rows of an earlier, interrupted run on the same articles; a row naming no input article (another run's
    file) or an article twice is an error, never silently overwritten."""
    if not output_path.exists():
        return []
    ids, rows = {article["id"] for article in articles}, []
    seen: set[str] = set()
    for line, row in read_prediction_rows(output_path):
        row_id = row.get("id")
        if not isinstance(row_id, str) or row_id not in ids:
            raise InputError(output_path, f"existing output row for an article not in the input ({row_id!r}): "
                                          "another run's predictions? remove the file or choose another --output",
                             line, "id")
        if row_id in seen:
            raise InputError(output_path, f"second row for article '{row_id}'", line, "id")
        seen.add(row_id)
        rows.append(row)
    return rows


def predict_articles(task: Task, config: Config, variant: str, articles: list[dict], output_path: Path, *,
                     base_dir: Path | None = None) -> list[dict]:
    """The two-stage path on articles, resumable: articles already in `output_path` (a run that was stopped) are
    skipped, and the file is rewritten atomically after every batch of `evaluate.batch_size` articles, whose
    chunks go to one stage-1 generation call and whose joined statements to one stage-2 call. Returns all rows."""
    from tqdm.auto import tqdm

    rows = _rows_already_written(output_path, articles)
    done = {row["id"] for row in rows}
    todo = [article for article in articles if article["id"] not in done]
    if done:
        log.info("%d of %d articles already in %s: resuming with the other %d", len(done), len(articles),
                 output_path, len(todo))
    if not todo:
        return rows
    path = task.article_path()
    extract, parse = article_stages(task, config, variant, base_dir=base_dir)
    bar = tqdm(total=len(articles), initial=len(done), desc=f"{variant} articles", unit="article")
    batch = config.evaluate.batch_size
    for start in range(0, len(todo), batch):
        articles_batch = todo[start:start + batch]
        rows += path.rows(articles_batch, extract(articles_batch), parse)
        write_jsonl(output_path, rows)
        bar.update(len(articles_batch))
    bar.close()
    return rows


def evaluate_articles(task: Task, config: Config, variant: str, records: list[dict], predictions_path: Path, *,
                      base_dir: Path | None = None) -> tuple[dict, list[dict]]:
    """An article gold set predicted (resumably, into `predictions_path`) and scored like any set
    (`score_rows`: stage 1's statements and the funders end to end in every mode, under an article stamp)."""
    rows = predict_articles(task, config, variant, records, predictions_path, base_dir=base_dir)
    return score_rows(task, config, records, rows)


def predict_article_file(task: Task, config: Config, variant: str, input_path: Path, output_path: Path) -> bool:
    """`sciextract predict` on whole articles (a folder of `.md`/`.txt` files, or a file of `id`/`text` rows):
    the two-stage path into `output_path`; False, doing nothing, when the input holds the task's own inputs (or the
    task has no article path)."""
    articles = task.articles.read_inputs(input_path) if task.articles is not None else None
    if articles is None:
        return False
    if not articles:
        raise InputError(input_path, "no articles to predict")
    predict_articles(task, config, variant, articles, output_path)
    return True
