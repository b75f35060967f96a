"""One function per DVC stage: read config, do the work, write outputs atomically, log to MLflow."""

from __future__ import annotations

import dataclasses
import json
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import mlflow

from sciextract import paths
from sciextract.config import Config
from sciextract.generate import GenerationSettings, chat_prompts, generate_transformers, generate_vllm
from sciextract.io import write_json, write_jsonl
from sciextract.modeling import load_policy, materialize_base
from sciextract.tasks import get_task
from sciextract.tasks.base import Parsed, Task
from sciextract.tracking import stage_run

log = logging.getLogger(__name__)

MODEL_VARIANTS = ("base", "sft", "grpo")


def _params(config: Config, *sections: str) -> dict:
    """The params sections a stage depends on (the same list dvc.yaml names for it)."""
    values = dataclasses.asdict(config)
    out: dict = {"task": config.task}
    for dotted in sections:
        node = values
        for part in dotted.split("."):
            node = node[part]
        out[dotted] = node
    return out


def run_base_model(config: Config) -> None:
    started = time.perf_counter()
    with stage_run(config, stage="base_model", task=config.task, params=_params(config, "model"), inputs=[]):
        info = materialize_base(config.model, paths.BASE_DIR)
        mlflow.log_dict(info, "base_model.json")
        mlflow.log_metric("stage_seconds", time.perf_counter() - started)


def run_prepare(config: Config) -> None:
    task = get_task(config.task)
    out_dir = paths.data_dir(task.name)
    started = time.perf_counter()
    with stage_run(config, stage="prepare", task=task.name, params=_params(config, f"data.{task.name}"), inputs=[]):
        report = task.prepare(config, out_dir)
        report["seconds"] = round(time.perf_counter() - started, 2)
        write_json(out_dir / "prepare_report.json", report)
        mlflow.log_metrics({f"split_{name}": n for name, n in report["splits"].items()})
        mlflow.log_metric("cross_split_overlap", sum(report["cross_split_overlap"].values()))
        mlflow.log_dict(report, "prepare_report.json")
    log.info("prepared %s: %s", task.name, json.dumps(report["splits"]))


def run_sft_stage(config: Config, out_dir: Path | None = None) -> None:
    """SFT into `models/<task>/sft`, or into `out_dir` to keep a second SFT variant beside the first."""
    from sciextract.train.sft import run_sft

    task = get_task(config.task)
    data_dir = paths.data_dir(task.name)
    out_dir = Path(out_dir) if out_dir is not None else paths.adapter_dir(task.name, "sft")
    curve = paths.curve_path(task.name, out_dir.name)
    with stage_run(config, stage="sft", task=task.name, params=_params(config, "model", "sft"),
                   inputs=[data_dir / "sft.jsonl"], run_name=f"sft-{out_dir.name}" if out_dir.name != "sft" else None):
        metrics = run_sft(task, config, data_dir=data_dir, base_dir=paths.BASE_DIR, out_dir=out_dir,
                          checkpoint_root=paths.CHECKPOINT_ROOT / task.name / out_dir.name, curve_path=curve)
        _log_training_outputs(config, out_dir, metrics, curve)


def run_grpo_stage(config: Config) -> None:
    from sciextract.train.grpo import run_grpo

    task = get_task(config.task)
    data_dir, out_dir = paths.data_dir(task.name), paths.adapter_dir(task.name, "grpo")
    sft_dir = paths.adapter_dir(task.name, "sft")
    with stage_run(config, stage="grpo", task=task.name, params=_params(config, "model", "grpo"),
                   inputs=[data_dir / "rl.jsonl", sft_dir]):
        metrics = run_grpo(task, config, data_dir=data_dir, base_dir=paths.BASE_DIR, sft_dir=sft_dir, out_dir=out_dir,
                           checkpoint_root=paths.CHECKPOINT_ROOT / task.name / "grpo",
                           curve_path=paths.curve_path(task.name, "grpo"))
        _log_training_outputs(config, out_dir, metrics, paths.curve_path(task.name, "grpo"))


def _log_training_outputs(config: Config, adapter: Path, metrics: dict, curve: Path) -> None:
    mlflow.log_dict(dataclasses.asdict(config), "resolved_config.json")
    mlflow.log_dict(metrics, "train_metrics.json")
    mlflow.log_artifacts(str(adapter), "adapter")
    mlflow.log_artifact(str(adapter / "README.md"), "model_card")
    if curve.exists():
        mlflow.log_artifact(str(curve), "curves")


# -- evaluation -----------------------------------------------------------------------------------

Predictor = Callable[..., list[tuple[str | None, Parsed]]]
"""`predict(records, samples=0)`: one (raw output, parsed answer) per record, or with `samples` = K > 0,
K sampled outputs per record, record after record (models only)."""


def variant_adapter(task: Task, variant: str, config: Config) -> Path | None:
    """The adapter folder behind a variant name; any other name is taken as an adapter folder."""
    if variant == "base":
        return None
    if variant in ("sft", "grpo"):
        return paths.adapter_dir(task.name, variant)
    folder = Path(variant)
    if not (folder / "adapter_config.json").exists():
        raise FileNotFoundError(f"'{variant}' is neither a variant ({', '.join((*MODEL_VARIANTS, *task.baselines(config)))}) "
                                f"nor an adapter folder (no adapter_config.json there)")
    return folder


def make_predictor(task: Task, config: Config, variant: str) -> Predictor:
    """A model-free baseline, or a model with its adapters merged, loaded once for every call."""
    baselines = task.baselines(config)
    if variant in baselines:
        predict = baselines[variant]

        def predict_with_baseline(records: list[dict], samples: int = 0) -> list[tuple[str | None, Parsed]]:
            if samples:
                raise ValueError(f"the model-free baseline '{variant}' has no samples to draw")
            return [(None, Parsed(predict(r), failed=False)) for r in records]

        return predict_with_baseline
    adapter = variant_adapter(task, variant, config)
    # vLLM loads the merged policy from disk in its own precision: merge it unquantized.
    load_as = config.model if config.model.generation_backend != "vllm" else dataclasses.replace(config.model, quantization="none")
    model, tokenizer = load_policy(paths.BASE_DIR, adapter, load_as)

    def predict_with_model(records: list[dict], samples: int = 0) -> list[tuple[str | None, Parsed]]:
        # Sampling follows the policy's training distribution (grpo.temperature, grpo.top_p).
        settings = GenerationSettings(max_new_tokens=config.evaluate.max_new_tokens,
                                      batch_size=config.evaluate.batch_size,
                                      do_sample=config.evaluate.do_sample or samples > 0,
                                      temperature=config.grpo.temperature, top_p=config.grpo.top_p,
                                      stop_on_loop=config.evaluate.stop_on_loop)
        prompts = chat_prompts(tokenizer, [task.prompt(r) for r in records for _ in range(max(samples, 1))])
        if config.model.generation_backend == "vllm":
            with tempfile.TemporaryDirectory() as merged:
                model.save_pretrained(merged)
                tokenizer.save_pretrained(merged)
                outputs = generate_vllm(merged, prompts, settings, dtype=config.model.dtype)
        else:
            outputs = generate_transformers(model, tokenizer, prompts, settings, progress=f"{variant}")
        return [(text, task.parse(text)) for text in outputs]

    return predict_with_model


def evaluation_sets(task: Task, config: Config) -> dict[str, list[dict]]:
    sets = {"test": task.load_split(paths.data_dir(task.name), "test")}
    for name, path in task.eval_files(config).items():
        if name in sets:
            raise ValueError(f"params.yaml: evaluation set name '{name}' is reserved")
        sets[name] = task.load_eval_file(path, config)
    if config.evaluate.max_documents:
        sets = {name: records[: config.evaluate.max_documents] for name, records in sets.items()}
    return sets


def run_evaluate(config: Config, variant: str, name: str | None = None) -> None:
    """Score `variant` on every evaluation set; `name` labels it (default: the variant itself)."""
    task = get_task(config.task)
    name = name or variant
    out_dir = paths.eval_dir(task.name, name)
    sets = evaluation_sets(task, config)
    adapter = None if variant in task.baselines(config) else variant_adapter(task, variant, config)
    inputs = [paths.data_dir(task.name) / "test.jsonl"] + ([adapter] if adapter else [])
    with stage_run(config, stage=f"evaluate@{name}", task=task.name, run_name=f"evaluate-{name}",
                   params=_params(config, "model", "evaluate"), inputs=inputs, extra_tags={"variant": name}):
        predictor = make_predictor(task, config, variant)
        oracle_samples = task.oracle_samples(config) if adapter is not None or variant == "base" else 0
        results = {}
        for set_name, records in sets.items():
            started = time.perf_counter()
            predictions = predictor(records)
            seconds = time.perf_counter() - started
            rows = [task.prediction_row(r, raw, parsed) for r, (raw, parsed) in zip(records, predictions, strict=True)]
            report, documents = task.score(records, rows, config)
            report["stamp"].update({"variant": name, "set": set_name, "base_model": config.model.base,
                                    "adapter": str(adapter) if adapter else None,
                                    "max_documents": config.evaluate.max_documents,
                                    "decoding": "sampled" if config.evaluate.do_sample else "greedy",
                                    "stop_on_loop": config.evaluate.stop_on_loop})
            report["seconds"] = round(seconds, 2)
            if oracle_samples:
                sampled = [raw for raw, _ in predictor(records, samples=oracle_samples)]
                report["metrics"].update(task.score_samples(records, [sampled[i:i + oracle_samples] for i in
                                                                      range(0, len(sampled), oracle_samples)]))
                report["stamp"]["oracle_samples"] = oracle_samples
            results[set_name] = report
            write_jsonl(out_dir / "predictions" / f"{set_name}.jsonl", rows)
            write_jsonl(out_dir / "predictions" / f"{set_name}.documents.jsonl", documents)
            _log_evaluation(set_name, report, rows)
        write_json(out_dir / "metrics.json", {"task": task.name, "variant": name, "sets": results})
        mlflow.log_artifact(str(out_dir / "metrics.json"))


def _log_evaluation(set_name: str, report: dict, rows: list[dict]) -> None:
    flat = {}
    for level, values in report["metrics"].items():
        if isinstance(values, dict):
            flat.update({f"{set_name}/{level}/{k}": float(v) for k, v in values.items() if isinstance(v, (int, float))})
    for key in ("parse_failure_rate", "documents", "seconds"):
        if key in report:
            flat[f"{set_name}/{key}"] = float(report[key])
    mlflow.log_metrics(flat)
    mlflow.log_dict(report, f"eval/{set_name}.json")
    table = {key: [json.dumps(r[key], ensure_ascii=False) if isinstance(r[key], (list, dict)) else r[key] for r in rows]
             for key in rows[0]} if rows else {}
    if table:
        mlflow.log_table(table, artifact_file=f"eval/{set_name}_predictions.json")


def run_predict(config: Config, variant: str, input_path: Path, output_path: Path) -> None:
    """Any variant on any file of the task's format: rows for `sciextract score` or another scorer."""
    task = get_task(config.task)
    records = task.load_eval_file(input_path, config)
    predictions = make_predictor(task, config, variant)(records)
    write_jsonl(output_path, [task.prediction_row(r, raw, parsed) for r, (raw, parsed) in zip(records, predictions, strict=True)])


def run_leaderboard(config: Config) -> None:
    """Build the leaderboard before opening the run, so bad inputs fail without an empty MLflow run."""
    from sciextract.leaderboard import EVAL_ROOT, REFERENCES_PATH, build_leaderboard, write_leaderboard

    board = build_leaderboard(config.leaderboard, EVAL_ROOT, REFERENCES_PATH)
    with stage_run(config, stage="leaderboard", task="leaderboard", params=_params(config, "leaderboard"),
                   inputs=[EVAL_ROOT, REFERENCES_PATH], extra_tags={"tasks": ",".join(board.tasks)}):
        for path in write_leaderboard(board):
            mlflow.log_artifact(str(path), "leaderboard")


def run_sweep_stage(config: Config, *, worker: bool = False) -> None:
    """`sciextract sweep`: trials until the study holds `sweep.n_trials` finished ones, then its reports;
    as a worker, trials only. The study is opened and its inputs checked before the MLflow run starts."""
    from sciextract.sweep import open_sweep

    sweep = open_sweep(get_task(config.task), config, worker=worker)
    with stage_run(config, stage="sweep", task=config.task, run_name="sweep-worker" if worker else "sweep",
                   params=_params(config, "model", "sft", "grpo", "evaluate", "sweep"), inputs=sweep.inputs,
                   extra_tags={"optuna_study": sweep.study.study_name}):
        sweep.run_trials()
        if not worker:
            sweep.write_reports()
