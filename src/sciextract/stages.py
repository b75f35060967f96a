"""One function per DVC stage: read config, do the work, write outputs atomically, log to MLflow.

The params a stage depends on are the ones its dvc.yaml entry lists (read from dvc.yaml, so the two never
drift); they are what the stage's MLflow run logs and hashes. Heavy modules are imported inside the stage
function that needs them, so each stage's import closure (`sciextract.provenance`) holds only its own code.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import mlflow
import yaml

from sciextract import paths
from sciextract.config import Config, dotted_get, redacted, to_dict, with_overrides
from sciextract.errors import InputError
from sciextract.io import clean_text, published_together, read_records, replaced_folder, write_json, write_jsonl
from sciextract.tracking import flatten, stage_run

log = logging.getLogger(__name__)

DVC_FILES = (Path("dvc.yaml"), Path("pipelines/sweep/dvc.yaml"), Path("pipelines/article/dvc.yaml"))
"""The default pipeline, and the sweep's and the article path's own pipelines (run only when asked)."""

ARTICLE_MIXTURE = "sft_mixture.jsonl"
"""The article SFT mixture, beside the article splits."""
ARTICLE_EVAL_ROOT = Path("reports/articles")
"""Article evaluations (`<task>/<variant>/`, laid out as under reports/eval) and the board with their rows. Not
under reports/eval: the default leaderboard depends on that folder, and DVC would make every stage writing into
it an upstream stage of the default pipeline."""


def article_data_dir(task: str) -> Path:
    """The article splits and the SFT mixture of the article pipeline."""
    return paths.data_dir(task) / "articles"


def stage_params(config: Config, stage: str) -> dict:
    """The params sections `stage` lists in its dvc.yaml (`${task}` filled in), with their values."""
    for dvc_file in DVC_FILES:
        if not dvc_file.exists():
            raise InputError(dvc_file, "not found: run stages from the project root, where dvc.yaml lives")
        spec = yaml.safe_load(dvc_file.read_text(encoding="utf-8"))["stages"].get(stage)
        if spec is not None:
            break
    else:
        raise InputError(DVC_FILES[0], f"no stage '{stage}' (nor in {', '.join(map(str, DVC_FILES[1:]))})",
                         field="stages")
    listed = spec.get("do", spec).get("params", [])
    values = to_dict(config)
    out: dict = {}
    for dotted in listed:
        dotted = dotted.replace("${task}", config.task)
        try:
            out[dotted] = dotted_get(values, dotted)
        except KeyError as exc:
            raise InputError(dvc_file, f"lists param '{dotted}', which {config.params_file} does not have "
                             f"({exc} missing)", field=f"stages.{stage}.params") from None
    return out


def run_base_model(config: Config) -> None:
    from sciextract.modeling import materialize_base

    started = time.perf_counter()
    with stage_run(config, stage="base_model", task=config.task, params=stage_params(config, "base_model"), inputs=[]):
        info = materialize_base(config.model, paths.BASE_DIR)
        mlflow.log_dict(info, "base_model.json")
        mlflow.log_metric("stage_seconds", time.perf_counter() - started)


def run_prepare(config: Config) -> None:
    from sciextract.tasks import get_task

    task = get_task(config.task)
    out_dir = paths.data_dir(task.name)
    with stage_run(config, stage="prepare", task=task.name, params=stage_params(config, "prepare"), inputs=[]):
        with published_together() as files:  # the splits and their report replace the old ones together, or none
            report = task.prepare(config, out_dir)
            files.write_json(out_dir / "prepare_report.json", report)
        mlflow.log_metrics({f"split_{name}": n for name, n in report["splits"].items()})
        mlflow.log_metric("cross_split_overlap", sum(report["cross_split_overlap"].values()))
        mlflow.log_dict(report, "prepare_report.json")
    log.info("prepared %s: %s", task.name, json.dumps(report["splits"]))


def run_prepare_articles(config: Config) -> None:
    """Gold articles split sft/rl/test and the article SFT mixture under `data/<task>/articles/`, with their
    report (`prepare_report.json`, a DVC metric)."""
    from sciextract.modeling import load_tokenizer, resolve_base
    from sciextract.tasks import get_task

    task = get_task(config.task)
    articles = task.article_path()
    passage_dir, out_dir = paths.data_dir(task.name), article_data_dir(task.name)
    tokenizer = load_tokenizer(resolve_base(paths.BASE_DIR))  # chunks are counted in the base model's tokens
    with stage_run(config, stage="prepare_articles", task=task.name, params=stage_params(config, "prepare_articles"),
                   inputs=[passage_dir / "sft.jsonl", passage_dir / "rl.jsonl"]):
        with published_together() as files:  # the splits, the mixture and the report replace the old ones together
            report = articles.prepare(config, passage_dir, out_dir, out_dir / ARTICLE_MIXTURE, tokenizer)
            files.write_json(out_dir / "prepare_report.json", report)
        mlflow.log_metrics({f"articles_{name}": n for name, n in report["splits"].items()})
        mlflow.log_metrics({f"mixture_{name}": n for name, n in report["mixture"].items()})
        mlflow.log_dict(report, "prepare_report.json")
    log.info("prepared articles: %s, mixture %s", json.dumps(report["splits"]), json.dumps(report["mixture"]))


def run_sft_stage(config: Config, out_dir: Path | None = None) -> None:
    """SFT into `models/<task>/sft`, or into `out_dir` to keep a second SFT variant beside the first."""
    from sciextract.tasks import get_task
    from sciextract.train.common import log_extractor_model
    from sciextract.train.sft import run_sft

    task = get_task(config.task)
    out_dir = Path(out_dir) if out_dir is not None else paths.adapter_dir(task.name, "sft")
    _train_sft(config, task, "sft", out_dir, None, run_sft, log_extractor_model)


def run_sft_articles(config: Config) -> None:
    """The one adapter of both article stages, trained on the article SFT mixture into `models/<task>/article_sft`;
    `sft` settings except those the article path takes from its own params (`ArticlePath.sft_params`: funding's
    steps)."""
    from sciextract.tasks import get_task
    from sciextract.train.common import log_extractor_model
    from sciextract.train.sft import run_sft

    task = get_task(config.task)
    config = _article_overrides(config, task.article_path().sft_params)
    _train_sft(config, task, "sft_articles", paths.adapter_dir(task.name, "article_sft"),
               article_data_dir(task.name) / ARTICLE_MIXTURE, run_sft, log_extractor_model)


def run_grpo_articles(config: Config) -> None:
    """GRPO on stage 1 from the article SFT adapter into `models/<task>/article_grpo`: the rl articles' chunks as
    prompts, rewarded through stage 2 (`train.grpo.run_article_grpo`); `grpo` settings except those the article
    path takes from its own params (`ArticlePath.grpo_params`: funding's steps, KL and entropy coefficients)."""
    from sciextract.tasks import get_task
    from sciextract.train.common import log_extractor_model
    from sciextract.train.grpo import run_article_grpo

    task = get_task(config.task)
    config = _article_overrides(config, task.article_path().grpo_params)
    data_dir = article_data_dir(task.name)
    sft_dir, out_dir = paths.adapter_dir(task.name, "article_sft"), paths.adapter_dir(task.name, "article_grpo")
    curve = paths.curve_path(task.name, out_dir.name)
    with stage_run(config, stage="grpo_articles", task=task.name, params=stage_params(config, "grpo_articles"),
                   inputs=[data_dir / "rl.jsonl", sft_dir], run_name="grpo-article_grpo"):
        metrics = run_article_grpo(task, config, article_dir=data_dir, base_dir=paths.BASE_DIR, sft_dir=sft_dir,
                                   out_dir=out_dir, checkpoint_root=paths.CHECKPOINT_ROOT / task.name / out_dir.name,
                                   curve_path=curve)
        _log_training_outputs(config, out_dir, metrics, curve)
        log_extractor_model(config, task=task.name, adapter=out_dir, base_dir=paths.BASE_DIR)


def _article_overrides(config: Config, fields: dict[str, str]) -> Config:
    """`config` with each trainer field of an article stage set from the params key the article path names for it."""
    values = to_dict(config)
    return with_overrides(config, {field: dotted_get(values, key) for field, key in fields.items()},
                          source=str(config.params_file))


def _train_sft(config: Config, task, stage: str, out_dir: Path, examples_file: Path | None, run_sft,
               log_extractor_model) -> None:
    """What both SFT stages do, with the trainer functions their entry function imported (so each stage's import
    closure names them): train on the task's sft split or `examples_file`, log the adapter and its curve."""
    data_dir = paths.data_dir(task.name)
    curve = paths.curve_path(task.name, out_dir.name)
    with stage_run(config, stage=stage, task=task.name, params=stage_params(config, stage),
                   inputs=[examples_file or data_dir / "sft.jsonl"],
                   run_name=f"sft-{out_dir.name}" if out_dir.name != "sft" else None):
        metrics = run_sft(task, config, data_dir=data_dir, base_dir=paths.BASE_DIR, out_dir=out_dir,
                          checkpoint_root=paths.CHECKPOINT_ROOT / task.name / out_dir.name, curve_path=curve,
                          examples_file=examples_file)
        _log_training_outputs(config, out_dir, metrics, curve)
        log_extractor_model(config, task=task.name, adapter=out_dir, base_dir=paths.BASE_DIR)


def run_grpo_stage(config: Config) -> None:
    from sciextract.tasks import get_task
    from sciextract.train.common import log_extractor_model
    from sciextract.train.grpo import run_grpo

    task = get_task(config.task)
    data_dir, out_dir = paths.data_dir(task.name), paths.adapter_dir(task.name, "grpo")
    sft_dir = paths.adapter_dir(task.name, "sft")
    with stage_run(config, stage="grpo", task=task.name, params=stage_params(config, "grpo"),
                   inputs=[data_dir / "rl.jsonl", sft_dir]):
        metrics = run_grpo(task, config, data_dir=data_dir, base_dir=paths.BASE_DIR, sft_dir=sft_dir, out_dir=out_dir,
                           checkpoint_root=paths.CHECKPOINT_ROOT / task.name / "grpo",
                           curve_path=paths.curve_path(task.name, "grpo"))
        _log_training_outputs(config, out_dir, metrics, paths.curve_path(task.name, "grpo"))
        log_extractor_model(config, task=task.name, adapter=out_dir, base_dir=paths.BASE_DIR)


def _log_training_outputs(config: Config, adapter: Path, metrics: dict, curve: Path) -> None:
    mlflow.log_dict(redacted(to_dict(config)), "resolved_config.json")
    mlflow.log_dict(metrics, "train_metrics.json")
    mlflow.log_artifacts(str(adapter), "adapter")
    mlflow.log_artifact(str(adapter / "README.md"), "model_card")
    if curve.exists():
        mlflow.log_artifact(str(curve), "curves")


def run_evaluate(config: Config, variant: str, name: str | None = None) -> None:
    """Score `variant` on every evaluation set; `name` labels it (default: the variant itself).

    The outputs are written to a new folder that replaces `reports/eval/<task>/<name>/` whole at the end, so a
    killed run leaves the previous evaluation as it was, never new predictions beside an old metrics.json."""
    from sciextract.decoding import answer_grammar, copies_substrings
    from sciextract.predict import evaluation_sets, make_predictor, prediction_rows, score_rows, variant_adapter
    from sciextract.provenance import stage_code_hash
    from sciextract.tasks import get_task

    task = get_task(config.task)
    name = name or variant
    out_dir = paths.eval_dir(task.name, name)
    sets = evaluation_sets(task, config)
    adapter = None if variant in task.baselines(config) else variant_adapter(task, variant, config)
    inputs = [paths.data_dir(task.name) / "test.jsonl"] + ([adapter] if adapter else [])
    code_hash = stage_code_hash("evaluate", task.name)
    with stage_run(config, stage=f"evaluate@{name}", task=task.name, run_name=f"evaluate-{name}",
                   params=stage_params(config, "evaluate"), inputs=inputs,
                   extra_tags={"variant": name, "code_hash": code_hash}):
        predictor = make_predictor(task, config, variant)
        grammar = answer_grammar(task, config)
        oracle_samples = task.oracle_samples(config) if adapter is not None or variant == "base" else 0
        results = {}
        with replaced_folder(out_dir) as staging:
            for set_name, records in sets.items():
                started = time.perf_counter()
                rows = prediction_rows(task, records, predictor(records))
                seconds = time.perf_counter() - started
                report, documents = score_rows(task, config, records, rows)
                report["stamp"].update(_evaluation_stamp(config, task.name, name, set_name, adapter, grammar,
                                                        code_hash, copies_substrings(task, config)))
                if oracle_samples:
                    outputs = [raw for raw, _ in predictor(records, samples=oracle_samples)]
                    sampled = task.score_samples(records, [outputs[i:i + oracle_samples]
                                                           for i in range(0, len(outputs), oracle_samples)])
                    report["metrics"].update(sampled)
                    report["stamp"].update({"oracle_samples": oracle_samples, "sampled_metrics": sorted(sampled)})
                results[set_name] = report
                write_jsonl(staging / "predictions" / f"{set_name}.jsonl", rows)
                write_jsonl(staging / "predictions" / f"{set_name}.documents.jsonl", documents)
                _log_evaluation(set_name, report, rows, seconds)
            write_json(staging / "metrics.json", {"task": task.name, "variant": name, "sets": results})
        mlflow.log_artifact(str(out_dir / "metrics.json"))


def run_evaluate_articles(config: Config, variant: str) -> None:
    """Score `variant` (a baseline such as `rule`, or `article_sft` / `article_grpo`: the adapters of `sft_articles`
    and `grpo_articles`) through both article stages on every article set of the task's article path into
    `reports/articles/<task>/<variant>/`, replaced whole at the end as `run_evaluate` does; stamped by the task's
    article scorer (funding: the statement match rule, the modes and thresholds, the chunking) and with the code
    hash."""
    from sciextract.article_predict import evaluate_articles
    from sciextract.decoding import answer_grammar, copies_substrings
    from sciextract.provenance import stage_code_hash
    from sciextract.tasks import get_task

    task = get_task(config.task)
    data_dir = article_data_dir(task.name)
    out_dir = ARTICLE_EVAL_ROOT / task.name / variant
    adapter = None if variant in task.baselines(config) else paths.adapter_dir(task.name, variant)
    sets = task.article_path().eval_sets(config, data_dir)
    code_hash = stage_code_hash("evaluate_articles", task.name)
    with stage_run(config, stage=f"evaluate_articles@{variant}", task=task.name, run_name=f"evaluate-articles-{variant}",
                   params=stage_params(config, "evaluate_articles"),
                   inputs=[data_dir / "test.jsonl"] + ([adapter] if adapter else []),
                   extra_tags={"variant": variant, "code_hash": code_hash}):
        grammar = answer_grammar(task, config)
        results = {}
        with replaced_folder(out_dir) as staging:
            for set_name, records in sets.items():
                started = time.perf_counter()
                predictions = staging / "predictions" / f"{set_name}.jsonl"
                report, documents = evaluate_articles(task, config, str(adapter) if adapter else variant, records,
                                                      predictions)
                seconds = time.perf_counter() - started
                report["stamp"].update(_evaluation_stamp(config, task.name, variant, set_name, adapter, grammar,
                                                        code_hash, copies_substrings(task, config)))
                results[set_name] = report
                write_jsonl(staging / "predictions" / f"{set_name}.documents.jsonl", documents)
                _log_evaluation(set_name, report, [row for _, row in read_records(predictions)], seconds)
            write_json(staging / "metrics.json", {"task": task.name, "variant": variant, "sets": results})
        mlflow.log_artifact(str(out_dir / "metrics.json"))


def _evaluation_stamp(config: Config, task_name: str, variant: str, set_name: str, adapter: Path | None, grammar,
                      code_hash: str, copied: bool) -> dict:
    """What an evaluate stage adds to a scorer's stamp: the system (variant, base, adapter) and the generation
    settings (how the model reads an input and what its answers may hold), the same for every variant so that rule
    and model rows stay comparable."""
    return {"variant": variant, "set": set_name, "base_model": config.model.base,
            "adapter": str(adapter) if adapter else None, "max_documents": config.evaluate.max_documents,
            "decoding": "sampled" if config.evaluate.do_sample else "greedy",
            "stop_on_loop": config.evaluate.stop_on_loop, "code_hash": code_hash,
            "grammar": grammar.name if grammar is not None else None,
            "copied_substrings": copied,
            "piece_words": config.decoding.piece_words.get(task_name)}


def _log_evaluation(set_name: str, report: dict, rows: list[dict], seconds: float) -> None:
    flat = {f"{set_name}/{key.replace('.', '/')}": float(value) for key, value in flatten(report["metrics"]).items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)}
    for key in ("parse_failure_rate", "documents"):
        if key in report:
            flat[f"{set_name}/{key}"] = float(report[key])
    flat[f"{set_name}/seconds"] = seconds  # in MLflow only: a wall-clock figure would change metrics.json every run
    mlflow.log_metrics(flat)
    mlflow.log_dict(report, f"eval/{set_name}.json")
    # MLflow's table writer fails on a lone surrogate, which a model's raw output can hold
    table = {key: [clean_text(json.dumps(r[key], ensure_ascii=False)) if isinstance(r[key], (list, dict))
                   else clean_text(r[key]) if isinstance(r[key], str) else r[key] for r in rows]
             for key in rows[0]} if rows else {}
    if table:
        mlflow.log_table(table, artifact_file=f"eval/{set_name}_predictions.json")


def run_leaderboard(config: Config) -> None:
    """Build the leaderboard before opening the run, so bad inputs fail without an empty MLflow run; then move each
    task's `champion` alias in the Model Registry to its best passing model (what was done: `champions.json`)."""
    from sciextract.leaderboard import build_leaderboard, write_leaderboard
    from sciextract.leaderboard.registry import update_champions

    board = build_leaderboard(config.leaderboard, paths.EVAL_ROOT, paths.REFERENCES_PATH)
    with stage_run(config, stage="leaderboard", task="leaderboard", params=stage_params(config, "leaderboard"),
                   inputs=[paths.EVAL_ROOT, paths.REFERENCES_PATH], extra_tags={"tasks": ",".join(board.tasks)}):
        for path in write_leaderboard(board):
            mlflow.log_artifact(str(path), "leaderboard")
        mlflow.log_dict(update_champions(board, config.tracking), "champions.json")


def run_leaderboard_articles(config: Config) -> None:
    """The board of `reports/leaderboard.*` with the article evaluations' rows added, into
    `reports/articles/leaderboard.*`. Article rows are ranked among themselves (their stamps differ from every
    statement stamp); champions are left to the default leaderboard."""
    from sciextract.leaderboard import build_leaderboard, write_leaderboard

    statements = build_leaderboard(config.leaderboard, paths.EVAL_ROOT, paths.REFERENCES_PATH)
    articles = build_leaderboard(config.leaderboard, ARTICLE_EVAL_ROOT, None)
    statements.groups += articles.groups
    with stage_run(config, stage="leaderboard_articles", task="leaderboard",
                   params=stage_params(config, "leaderboard_articles"),
                   inputs=[paths.EVAL_ROOT, ARTICLE_EVAL_ROOT / config.task, paths.REFERENCES_PATH]):
        for path in write_leaderboard(statements, ARTICLE_EVAL_ROOT):
            mlflow.log_artifact(str(path), "leaderboard_articles")


def run_sweep_stage(config: Config, *, worker: bool = False) -> None:
    """`sciextract sweep`: trials until the study holds `sweep.n_trials` finished ones, then its reports;
    as a worker, trials only. The study is opened and its inputs checked before the MLflow run starts."""
    from sciextract.sweep.study import open_sweep
    from sciextract.tasks import get_task

    sweep = open_sweep(get_task(config.task), config, worker=worker)
    with stage_run(config, stage="sweep", task=config.task, run_name="sweep-worker" if worker else "sweep",
                   params=stage_params(config, "sweep"), inputs=sweep.inputs,
                   extra_tags={"optuna_study": sweep.study.study_name}):
        sweep.run_trials()
        if not worker:
            sweep.write_reports()
