"""Review task: a biomedical article -> the concerns a peer reviewer would raise, as a JSON array.

Data (loaders, filters, the token-budget cut, the output parser) live in `sciextract.tasks.review.data`,
postprocessing and scoring glue in `sciextract.tasks.review.postprocess`, the semantic matcher in
`sciextract.tasks.review.score`.

Three calls of the task contract get no config: reading an evaluation file (which needs the token budget),
the count-calibration baseline (its size) and the GRPO reward (the evaluator's settings). They read
params.yaml of the working directory, where every stage runs.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from sciextract import paths
from sciextract.config import Config
from sciextract.decoding import Grammar
from sciextract.errors import InputError
from sciextract.io import published_together, sha256_json
from sciextract.modeling import load_tokenizer, resolve_base
from sciextract.splits import assign_splits, cross_split_overlap
from sciextract.tasks.base import Messages, Parsed, RewardFunction, Task
from sciextract.tasks.review.board import BOARD
from sciextract.tasks.review.data import (
    DEMO_CORPUS,
    TrainingFilter,
    article_key,
    drop_duplicate_articles,
    load_gold_articles,
    load_review_records,
    scorable_articles,
    with_paper_text,
)
from sciextract.tasks.review.encoder import load_encoder
from sciextract.tasks.review.ensemble import ensemble_files
from sciextract.tasks.review.grammar import REVIEW_GRAMMAR
from sciextract.tasks.review.parse import coerce_concerns, parse_concerns, render_concerns
from sciextract.tasks.review.postprocess import concern_texts
from sciextract.tasks.review.rewards import DEFAULT_REWARD_WEIGHTS, semantic_f1_reward, unreadable_penalty
from sciextract.tasks.review.score import (
    article_predictions,
    check_scorable,
    embed_evaluation,
    evaluation_stamp,
    score_articles,
)

SYSTEM_PROMPT = (
    "You are an expert peer reviewer for biomedical research papers published in high-impact journals. Identify "
    "specific scientific concerns, weaknesses, and issues. Return only a JSON array of concern strings.\n\n"
    "OUTPUT FORMAT: Return a JSON array of concern objects, nothing else.\n"
    "Each item must be: {\"text\": string, \"category\": one of [design_flaw, statistical_methodology, "
    "missing_experiment, prior_art_novelty, writing_clarity, reagent_method_specificity, interpretation, other], "
    "\"severity\": one of [major, minor, optional]}.\n"
    "Do NOT return a JSON array of strings."
)
"""The published system prompt, verbatim: its "strings" and "objects" wording disagree on purpose."""
USER_PREFIX = (
    "Review the following biomedical article.\n\n"
    "Return ONLY a JSON array of objects with keys: `text`, `category`, `severity`.\n"
    "Allowed category values: design_flaw, statistical_methodology, missing_experiment, prior_art_novelty, "
    "writing_clarity, reagent_method_specificity, interpretation, other.\n"
    "Allowed severity values: major, minor, optional.\n\n"
)

GENERIC_CONCERNS = (
    ("The sample size is small and no power calculation is reported, so the study may be underpowered for the "
     "effects it claims.", "statistical_methodology", "major"),
    ("Key control experiments are missing, so the observed effects cannot be attributed to the proposed mechanism.",
     "missing_experiment", "major"),
    ("The conclusions go beyond the data; causal language should be toned down or supported by further experiments.",
     "interpretation", "major"),
    ("The statistical tests are not described: state the test used, the number of replicates and whether p-values "
     "were corrected for multiple comparisons.", "statistical_methodology", "major"),
    ("Reagents, antibodies and cell lines are not described in enough detail (sources, catalogue numbers, "
     "validation) to reproduce the experiments.", "reagent_method_specificity", "minor"),
    ("It is unclear how many independent biological replicates were performed and how they differ from technical "
     "replicates.", "design_flaw", "major"),
    ("The novelty relative to earlier studies is not established, and relevant prior work is not cited or discussed.",
     "prior_art_novelty", "major"),
    ("The manuscript is hard to follow in places; the text needs editing for clarity and consistent terminology.",
     "writing_clarity", "minor"),
    ("Potential confounding factors are not accounted for in the design or the analysis.", "design_flaw", "major"),
    ("The main findings are not validated in an independent cohort or an orthogonal experimental system.",
     "missing_experiment", "major"),
    ("The limitations of the study are not discussed.", "interpretation", "minor"),
    ("Effect sizes with confidence intervals should be reported alongside p-values.", "statistical_methodology", "minor"),
    ("The rationale for the chosen doses, time points and experimental conditions is not explained.", "design_flaw",
     "minor"),
    ("Raw data and analysis code are not available, so the analyses cannot be reproduced.",
     "reagent_method_specificity", "minor"),
    ("Several interpretations rest on correlative data; alternative explanations should be considered and discussed.",
     "interpretation", "major"),
    ("The methods do not say how samples were allocated to groups or whether the investigators were blinded.",
     "design_flaw", "major"),
    ("The in vitro results are not shown to hold in vivo, which limits the physiological relevance of the conclusions.",
     "missing_experiment", "optional"),
    ("The quantification is not described: it is unclear how images or regions were selected and measured.",
     "reagent_method_specificity", "minor"),
    ("The title and abstract claim more than the results support.", "interpretation", "minor"),
    ("The specificity of the genetic or pharmacological manipulation needs to be demonstrated with additional "
     "controls.", "missing_experiment", "major"),
)
"""Generic reviewer concerns that fit almost any article: the count-calibration baseline (variant `rule`)
predicts the first `evaluate.review.baseline_concerns` of them for every article. Because sentence
similarities of reviewer prose saturate, such a list already matches some human concerns; a model is only
better than generic boilerplate by the margin it beats this baseline at a similar count."""


def count_baseline_concerns(count: int) -> list[dict]:
    """The first `count` generic concerns: what the count-calibration baseline says about every article."""
    if not 1 <= count <= len(GENERIC_CONCERNS):
        raise InputError("params.yaml", f"must lie between 1 and {len(GENERIC_CONCERNS)}, got {count}",
                         field="evaluate.review.baseline_concerns")
    return [{"text": text, "category": category, "severity": severity}
            for text, category, severity in GENERIC_CONCERNS[:count]]


@lru_cache(maxsize=2)
def _tokenizer(base: str):
    return load_tokenizer(base)


def paper_tokenizer() -> tuple[Any, str]:
    """The base model's own tokenizer (the one training and inference count tokens with) and its source."""
    base = resolve_base(paths.BASE_DIR)
    return _tokenizer(base), base


class ReviewTask(Task):
    name = "review"
    board = BOARD
    answer_fields = ("predicted_concerns",)
    default_reward_weights = DEFAULT_REWARD_WEIGHTS

    # -- data -----------------------------------------------------------------------------------
    def prepare(self, config: Config, out_dir: Path) -> dict:
        """Load, drop duplicate articles, split by title+abstract, filter each split, cut the paper texts.

        Training splits (sft, rl) drop figure concerns (flagged `requires_figure_reading`, reason `figure`, or
        of category `figure_issue`, reason `figure_category`), concerns under the minimum resolution confidence
        (when set), duplicate concerns, then articles with fewer than `min_concerns` left. The test split is
        scored under the BioReview rules: it drops only flagged concerns and keeps every article, also one left
        without any concern (`test_articles_without_concerns` in the report), whose model concerns then count
        as false positives. Every source is read and every split checked before the first file is written; the
        three splits are then published together (with the report, inside `run_prepare`).
        """
        settings = config.data.review
        articles: list[dict] = []
        sources: dict[str, int] = {}
        for name, path in ([("demo_corpus", DEMO_CORPUS)] if settings.demo_corpus else []) + [(f, f) for f in settings.files]:
            loaded = load_review_records(path)
            if not loaded:
                raise InputError(path, f"no articles in this file, listed in {config.params_file} (data.review.files): "
                                 "an empty source is a mistake, not an empty contribution")
            sources[str(name)] = len(loaded)
            articles += loaded
        if not articles:
            raise InputError(config.params_file, "no review articles: set demo_corpus: true or list files",
                             field="data.review")
        repeated = [article_id for article_id, n in Counter(a["id"] for a in articles).items() if n > 1]
        if repeated:
            raise InputError(config.params_file, f"article id '{repeated[0]}' occurs in more than one source",
                             field="data.review.files")
        unique = drop_duplicate_articles(articles)
        splits = assign_splits(unique, key=article_key, ratios=settings.split_ratios)
        overlap = cross_split_overlap(splits, key=article_key)
        if any(overlap.values()):
            raise RuntimeError(f"articles cross splits: {overlap}")
        tokenizer, base = paper_tokenizer()
        prepared, dropped = {}, {}
        for split, rows in splits.items():
            if split == "test":
                kept, dropped[split] = scorable_articles(rows)
            else:
                rules = TrainingFilter(settings.min_concerns, settings.min_resolution_confidence)
                kept = rules.articles(rows)
                dropped[split] = {"concerns": dict(rules.dropped_concerns), "articles": dict(rules.dropped_articles)}
            if not kept:
                raise InputError(config.params_file, f"split '{split}' has no article left after filtering "
                                 f"({len(rows)} before); add data or change split_ratios", field="data.review")
            prepared[split] = [with_paper_text(article, tokenizer, settings.max_paper_tokens) for article in kept]
        with published_together() as files:
            for split, rows in prepared.items():
                files.write_jsonl(Path(out_dir) / f"{split}.jsonl", rows)
        return {
            "articles": len(articles),
            "sources": sources,
            "duplicate_articles": len(articles) - len(unique),
            "splits": {split: len(rows) for split, rows in prepared.items()},
            "concerns": {split: sum(len(r["concerns"]) for r in rows) for split, rows in prepared.items()},
            "dropped": dropped,
            "test_articles_without_concerns": sum(not row["concerns"] for row in prepared["test"]),
            "max_paper_tokens": settings.max_paper_tokens,
            "tokenizer": base,
            "cut_inputs": {split: sum(r["paper_cut"] for r in rows) for split, rows in prepared.items()},
            "mean_paper_tokens": {split: round(sum(r["paper_tokens"] for r in rows) / len(rows), 1)
                                  for split, rows in prepared.items()},
            "cross_split_overlap": overlap,
        }

    def load_eval_file(self, path: str | Path, config: Config) -> list[dict]:
        """Gold articles (flagged figure concerns dropped, articles left without concerns kept) with their paper
        text cut exactly like the prepared splits."""
        budget = config.data.review.max_paper_tokens
        tokenizer, _ = paper_tokenizer()
        return [with_paper_text(article, tokenizer, budget) for article in load_gold_articles(path)]

    # -- prompting ------------------------------------------------------------------------------
    def prompt(self, record: dict) -> Messages:
        return [{"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": USER_PREFIX + record["paper_text"]}]

    def target(self, record: dict) -> str:
        return render_concerns(record["concerns"])

    def parse(self, text: str | None) -> Parsed:
        return parse_concerns(text)

    def output_grammar(self, config: Config, record: dict | None = None) -> Grammar:
        return REVIEW_GRAMMAR

    def answer_from_row(self, row: dict, *, path: str | Path | None, line: int | None) -> Parsed:
        """`predicted_concerns` read leniently, like model output: what had to be repaired is counted."""
        value = row["predicted_concerns"]
        if not isinstance(value, list):
            raise InputError(path, f"expected an array of concerns, got {type(value).__name__}", line, "predicted_concerns")
        concerns, notes = coerce_concerns(value)
        return Parsed(concerns, failed=False, notes=notes)

    # -- RL -------------------------------------------------------------------------------------
    def reward_columns(self, record: dict) -> dict:
        return {"gold_concerns": json.dumps(record["concerns"], ensure_ascii=False)}

    def reward_functions(self, config: Config) -> tuple[list[RewardFunction], list[float]]:
        weights = self.reward_weights(config)
        functions = {"semantic_f1": semantic_f1_reward(config.evaluate.review), "unreadable_penalty": unreadable_penalty}
        return [functions[name] for name in weights], list(weights.values())

    # -- evaluation -----------------------------------------------------------------------------
    def baselines(self, config: Config) -> dict[str, Callable[[dict], Any]]:
        """`rule` is the count-calibration baseline: the same generic concerns for every article."""
        concerns = count_baseline_concerns(config.evaluate.review.baseline_concerns)
        return {"rule": lambda record: [dict(concern) for concern in concerns]}

    def ensemble(self, config: Config, prediction_files: list[Path], output: Path, *, mode: str,
                 cluster_threshold: float | None = None, threshold: float | None = None) -> dict:
        """Union or intersection of the files' concerns, linked by embedding cosine (`evaluate.review` when None)."""
        return ensemble_files(self, config, prediction_files, output, mode=mode,
                              cluster_threshold=cluster_threshold, threshold=threshold)

    def prediction_row(self, record: dict, raw_output: str | None, parsed: Parsed) -> dict:
        return {"id": record["id"], "source": record["source"], "raw_output": raw_output,
                "predicted_concerns": parsed.value, "parse_failed": parsed.failed}

    def score(self, records: list[dict], predictions: list[Parsed | None], config: Config) -> tuple[dict, list[dict]]:
        """Semantic P/R/F1 with breakdowns, the count-calibration baseline on the same articles, and the stamp."""
        check_scorable(records)
        settings = config.evaluate.review
        generic = count_baseline_concerns(settings.baseline_concerns)
        encoder = load_encoder(settings.encoder, settings.encoder_revision)
        table = embed_evaluation(encoder, records, predictions, settings, extra=concern_texts(generic))
        metrics, documents = score_articles(article_predictions(records, predictions, settings, table), table,
                                            settings.threshold)
        generic_predictions = [Parsed(generic, failed=False) for _ in records]
        baseline, _ = score_articles(article_predictions(records, generic_predictions, settings, table), table,
                                     settings.threshold)
        metrics["count_baseline"] = {"concerns_per_article": len(generic),
                                     **{key: baseline[key] for key in ("precision", "recall", "f1", "major_recall",
                                                                       "minor_recall")}}
        data_hash = sha256_json([[r["id"], r["concerns"], r["paper_text"]] for r in records])[:16]
        stamp = {**evaluation_stamp(encoder, settings, data_hash), "baseline_concerns": len(generic),
                 "documents_without_prediction": sum(p is None for p in predictions)}
        failures = sum(document["parse_failed"] for document in documents)
        return {"stamp": stamp, "metrics": metrics, "parse_failures": failures,
                "parse_failure_rate": failures / len(documents) if documents else 0.0,
                "documents": len(documents)}, documents

    def report_table(self, report: dict) -> str:
        m, stamp = report["metrics"], report["stamp"]
        calibration = stamp["threshold_calibrated_for"] or "an unknown encoder"
        lines = [f"{'':<22}{'P':>8}{'R':>8}{'F1':>8}{'gold':>8}{'pred':>8}{'match':>8}",
                 f"{'concerns':<22}{m['precision']:>8.4f}{m['recall']:>8.4f}{m['f1']:>8.4f}{m['gold']:>8}{m['pred']:>8}"
                 f"{m['matched']:>8}",
                 f"major-concern recall {m['major_recall']:.4f}, minor-concern recall {m['minor_recall']:.4f}, "
                 f"{m['mean_concerns_per_article']:.1f} concerns per article",
                 f"count baseline ({m['count_baseline']['concerns_per_article']} generic concerns): "
                 f"F1 {m['count_baseline']['f1']:.4f}",
                 f"documents {report['documents']} ({m['articles_without_human_concerns']} without human concerns), "
                 f"parse failures {report['parse_failures']} ({report['parse_failure_rate']:.2%})",
                 f"encoder {stamp['encoder']}, threshold {stamp['threshold']} (calibrated for {calibration})"]
        return "\n".join(lines)


TASK = ReviewTask
