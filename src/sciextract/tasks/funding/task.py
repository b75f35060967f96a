"""Funding task: funding statement -> funders with their awards, as a JSON array.

Gold files of whole articles (`id`, `text`, `funding_statements`, `funders`) are read and scored here too: an
evaluation or `sciextract score` on them scores the two-stage path (article.py) on stage 1's statements and the
funders end to end (article_score.py), under an article stamp that never ranks against statement rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sciextract.config import Config
from sciextract.decoding import Grammar
from sciextract.errors import InputError
from sciextract.io import published_together, sha256_json
from sciextract.splits import assign_splits, cross_split_overlap
from sciextract.tasks.base import Messages, Parsed, RewardFunction, Task, row_count
from sciextract.tasks.funding.article import (article_prediction, is_article_file, load_article_records,
                                             stage1_decoding)
from sciextract.tasks.funding.article_score import article_stamp, score_articles
from sciextract.tasks.funding.articles import FundingArticles
from sciextract.tasks.funding.board import BOARD, LEVELS
from sciextract.tasks.funding.data import canonical_funders, load_funding_records
from sciextract.tasks.funding.ensemble import ensemble_files
from sciextract.tasks.funding.grammar import FUNDING_GRAMMAR
from sciextract.tasks.funding.parse import (GROUNDING_COUNTS, PIECE_SEPARATOR, ground_funders, parse_funders,
                                            render_funders, statement_pieces)
from sciextract.tasks.funding.rewards import DEFAULT_REWARD_WEIGHTS, component_reward
from sciextract.tasks.funding.rules import extract_funders_by_rules
from sciextract.tasks.funding.score import score_documents
from sciextract.tasks.funding.synthetic import generate_funding_records

SYSTEM_PROMPT = (
    "You are an expert at extracting structured funding metadata from academic papers. Given a funding "
    "statement, extract all funders and their associated awards. Return a JSON array of funder objects. "
    "Each funder has:\n- \"funder_name\": string or null\n- \"awards\": array of objects with \"award_ids\" "
    "(array of strings), \"funding_scheme\" (array of strings), and \"award_title\" (array of strings)\n"
    "Return ONLY the JSON array, no other text."
)
USER_TEMPLATE = "Extract funding information from the following statement:\n\n{statement}"


class FundingTask(Task):
    name = "funding"
    board = BOARD
    answer_fields = ("predicted_funders",)
    text_key = "funding_statement"
    default_reward_weights = DEFAULT_REWARD_WEIGHTS

    def __init__(self):
        self.articles = FundingArticles(self)

    # -- data -----------------------------------------------------------------------------------
    def prepare(self, config: Config, out_dir: Path) -> dict:
        """Every source is read and validated, and the splits checked, before the first file is written; the
        three splits are then published together (with the report, inside `run_prepare`)."""
        settings = config.data.funding
        records: list[dict] = []
        if settings.synthetic_records:
            records += generate_funding_records(settings.synthetic_records, seed=settings.seed,
                                                noise_fraction=settings.noise_fraction,
                                                named_award_fraction=settings.named_award_fraction)
        for source in settings.files:
            loaded = load_funding_records(source)
            if not loaded:
                raise InputError(source, f"no funding records in this file, listed in {config.params_file} "
                                 "(data.funding.files): an empty source is a mistake, not an empty contribution")
            records += loaded
        if not records:
            raise InputError(config.params_file, "no funding records: set synthetic_records > 0 or list files",
                             field="data.funding")
        ids = [r["id"] for r in records]
        if len(set(ids)) != len(ids):
            duplicate = next(i for i in ids if ids.count(i) > 1)
            raise InputError(config.params_file, f"record id '{duplicate}' occurs in more than one source",
                             field="data.funding.files")
        splits = assign_splits(records, key=lambda r: r["funding_statement"], ratios=settings.split_ratios)
        overlap = cross_split_overlap(splits, key=lambda r: r["funding_statement"])
        if any(overlap.values()):
            raise RuntimeError(f"statement text crosses splits: {overlap}")
        self._check_eval_sets_unseen(config, splits["sft"] + splits["rl"])
        with published_together() as files:
            for split, rows in splits.items():
                files.write_jsonl(Path(out_dir) / f"{split}.jsonl", rows)
        return {
            "records": len(records),
            "synthetic_records": settings.synthetic_records,
            "real_files": list(settings.files),
            "splits": {split: len(rows) for split, rows in splits.items()},
            "negatives": {split: sum(not r["funders"] for r in rows) for split, rows in splits.items()},
            "cross_split_overlap": overlap,
        }

    def _check_eval_sets_unseen(self, config: Config, training: list[dict]) -> None:
        """No statement of an evaluation set (the real dev set among them) may be trained on: an error if one is
        in the sft or rl split, e.g. because its file is also listed in `data.funding.files`."""
        required, optional = self.eval_files(config)
        for name, path in {**required, **{n: p for n, p in optional.items() if Path(p).exists()}}.items():
            shared = cross_split_overlap({"training": training, name: load_funding_records(path)},
                                         key=lambda r: r["funding_statement"])
            if any(shared.values()):
                raise InputError(path, f"{sum(shared.values())} statements of evaluation set '{name}' are also in the "
                                       "sft/rl splits: an evaluation set is never trained on", field="funding_statement")

    def load_eval_file(self, path: str | Path, config: Config) -> list[dict]:
        """Funding statement records, or article records when the file's first row is an article (`text`)."""
        return load_article_records(path) if is_article_file(path) else load_funding_records(path)

    # -- prompting ------------------------------------------------------------------------------
    def prompt(self, record: dict) -> Messages:
        return [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": USER_TEMPLATE.format(statement=record["funding_statement"])},
        ]

    def target(self, record: dict) -> str:
        return render_funders(record["funders"])

    def pieces(self, record: dict, max_words: int) -> tuple[list[dict], str]:
        return ([{**record, "funding_statement": piece}
                 for piece in statement_pieces(record["funding_statement"], max_words)], PIECE_SEPARATOR)

    def parse(self, text: str | None) -> Parsed:
        return parse_funders(text)

    def ground(self, record: dict, parsed: Parsed, threshold: float) -> Parsed:
        return ground_funders(parsed, record["funding_statement"], threshold)

    def output_grammar(self, config: Config, record: dict | None = None) -> Grammar:
        """The same for every statement: the published gold names funders in forms the statement does not always
        spell (expanded acronyms, canonical names), so a funder's name is not held to the statement's text; the
        statements of stage 1 are (`statements_grammar`)."""
        return FUNDING_GRAMMAR

    def render_answer(self, answer: list[dict]) -> str:
        return render_funders(answer)

    def answer_from_row(self, row: dict, *, path: str | Path | None, line: int | None) -> Parsed:
        return Parsed(canonical_funders(row["predicted_funders"], path=path, line=line, field="predicted_funders"),
                      failed=False)

    def prediction_from_row(self, row: dict, *, path: str | Path | None, line: int | None) -> Parsed:
        """An article prediction row (one with `statements`) also brings stage 1's statements and counts."""
        parsed = super().prediction_from_row(row, path=path, line=line)
        parsed.notes.update({name: row_count(row, name, path=path, line=line) for name in GROUNDING_COUNTS})
        return article_prediction(parsed, row, path=path, line=line) if "statements" in row else parsed

    # -- RL -------------------------------------------------------------------------------------
    def reward_columns(self, record: dict) -> dict:
        return {"gold_funders": json.dumps(record["funders"], ensure_ascii=False)}

    def reward_functions(self, config: Config) -> tuple[list[RewardFunction], list[float]]:
        weights = self.reward_weights(config)
        return [component_reward(name) for name in weights], list(weights.values())

    # -- evaluation -----------------------------------------------------------------------------
    def baselines(self, config: Config) -> dict[str, Callable[[dict], Any]]:
        return {"rule": lambda record: extract_funders_by_rules(record["funding_statement"])}

    def ensemble(self, config: Config, prediction_files: list[Path], output: Path, *, mode: str,
                 cluster_threshold: float | None = None, threshold: float | None = None) -> dict:
        """The union of the files; funder names are matched as the evaluator matches them."""
        if cluster_threshold is not None or threshold is not None:
            raise InputError(None, "--cluster-threshold and --threshold are review options: a funding ensemble "
                                   "matches funder names as the evaluator does (`evaluate.funding` in params)",
                             field="--threshold")
        return ensemble_files(self, config, prediction_files, output, mode=mode)

    def prediction_row(self, record: dict, raw_output: str | None, parsed: Parsed) -> dict:
        return {
            "id": record["id"],
            "funding_statement": record["funding_statement"],
            "raw_output": raw_output,
            "predicted_funders": parsed.value,
            "parse_failed": parsed.failed,
            **{name: parsed.notes[name] for name in GROUNDING_COUNTS},
        }

    def score(self, records: list[dict], predictions: list[Parsed | None], config: Config) -> tuple[dict, list[dict]]:
        """Statement records: the funders. Article records: the funders end to end and stage 1's statements
        (`metrics.statement`, `stage1`)."""
        settings = config.evaluate.funding
        if records and "funding_statements" in records[0]:
            # the evaluation's chunking for every variant (the rule locator reads whole articles), so that the rule
            # floor and the models share one stamp and are ranked together
            article = config.data.funding.article
            stamp = article_stamp(records, settings, chunk_tokens=article.chunk_tokens,
                                  chunk_overlap=article.chunk_overlap)
            stamp["stage1_decoding"] = stage1_decoding(config.decoding, self.name)  # stamped as grounding is below
            stamp["stage1_samples"] = (f"{article.extract_samples} at temperature {config.grpo.temperature}, top_p "
                                       f"{config.grpo.top_p}" if article.extract_samples else "none")
            stamp["stage1_rules"] = "rule locator's statements added" if article.rule_statements else "none"
            stamp["documents_without_prediction"] = sum(p is None for p in predictions)
            report, rows = score_articles(records, predictions, settings, stamp)
        else:
            # A record without a prediction is scored as an empty answer, not as a parse failure.
            documents = [(r["id"], r["funders"], [] if p is None else p.value, p is not None and p.failed)
                         for r, p in zip(records, predictions, strict=True)]
            stamp = {
                "task": self.name,
                "method": "fuzzy-hungarian",
                "mode": settings.mode,
                "funder_threshold": settings.funder_threshold,
                "text_threshold": settings.text_threshold,
                "data_hash": sha256_json([[r["id"], r["funding_statement"], r["funders"]] for r in records])[:16],
                "documents_without_prediction": sum(p is None for p in predictions),
            }
            report, rows = score_documents(documents, settings, stamp)
        # Answers cut off mid-array, scored on their complete funders (see parse_funders).
        report["truncated_answers"] = sum(p is not None and p.notes["truncated"] > 0 for p in predictions)
        report["repeated_award_ids"] = sum(p.notes["repeated_award_ids"] for p in predictions if p is not None)
        # What grounding dropped from the model's answers (decoding.grounding; stamped, 0 for baselines).
        report["stamp"]["grounding"] = config.decoding.grounding.get(self.name)
        for name in GROUNDING_COUNTS:
            report[name] = sum(p.notes[name] for p in predictions if p is not None)
        return report, rows

    def report_table(self, report: dict) -> str:
        """One block per similarity mode, the headline mode first."""
        headline = report["stamp"]["mode"]
        by_mode = report["metrics"]["by_mode"]
        lines = []
        for mode in sorted(by_mode, key=lambda name: name != headline):
            lines.append(f"mode {mode}" + (" (headline)" if mode == headline else ""))
            lines.append(f"{'level':<10}{'P':>8}{'R':>8}{'F1':>8}{'F0.5':>8}{'F1.5':>8}{'gold':>8}{'pred':>8}{'match':>8}")
            for level in LEVELS:
                m = by_mode[mode][level]
                lines.append(f"{level:<10}{m['precision']:>8.4f}{m['recall']:>8.4f}{m['f1']:>8.4f}{m['f0_5']:>8.4f}"
                             f"{m['f1_5']:>8.4f}{m['gold']:>8}{m['pred']:>8}{m['matched']:>8g}")
        statement = report["metrics"].get("statement")
        if statement is not None:
            lines.append(f"{'statement':<10}{statement['precision']:>8.4f}{statement['recall']:>8.4f}"
                         f"{statement['f1']:>8.4f}{statement['f0_5']:>8.4f}{statement['f1_5']:>8.4f}"
                         f"{statement['gold']:>8}{statement['pred']:>8}{statement['matched']:>8g}   (stage 1: "
                         f"{report['stage1']['correct_negatives']} of {report['stage1']['negative_articles']} "
                         f"articles without funding left empty, {report['stage1']['unsupported_statements']} "
                         "unsupported statements dropped)")
        lines.append(f"documents {report['documents']}, parse failures {report['parse_failures']} "
                     f"({report['parse_failure_rate']:.2%}), truncated answers {report['truncated_answers']}, "
                     f"repeated award ids dropped {report['repeated_award_ids']}, headline mode {headline}")
        return "\n".join(lines)


TASK = FundingTask
