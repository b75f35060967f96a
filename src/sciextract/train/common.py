"""What SFT and GRPO share: checkpoint folders keyed by config, resuming, saving an adapter atomically, and logging
it as a registered MLflow model."""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import math
import shutil
from importlib import metadata
from pathlib import Path

import mlflow
import torch
from mlflow.entities.model_registry import ModelVersion
from packaging.requirements import Requirement
from transformers import TrainerCallback

import sciextract
from sciextract.config import Config, GRPOSettings, ModelConfig, SFTSettings, redacted, to_dict
from sciextract.io import atomic_path, write_json, write_text
from sciextract.model_registry import ADAPTER_DIGEST_TAG, STAMP_TAGS, folder_digest, registered_model_name
from sciextract.modeling import adapter_chain, resolved_dtype
from sciextract.tracking import metric_key

log = logging.getLogger(__name__)


class StepMetricsCallback(TrainerCallback):
    """Per-step training metrics to the active MLflow run as they are logged."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        numeric = _numeric(logs or {})
        if numeric and state.is_world_process_zero:
            mlflow.log_metrics({metric_key(k): v for k, v in numeric.items()}, step=state.global_step)


def write_curve_csv(log_history: list[dict], path: Path) -> None:
    """The trainer's whole log history (checkpointed, so it spans resumes) as a CSV for `dvc plots`."""
    rows = [{**_numeric(entry), "step": entry["step"]} for entry in log_history
            if "step" in entry and "train_runtime" not in entry]  # the last entry is the run summary
    columns = ["step"] + sorted({k for row in rows for k in row} - {"step"})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    with atomic_path(path) as tmp:
        tmp.write_text(buffer.getvalue(), encoding="utf-8")


def _numeric(values: dict) -> dict[str, float]:
    return {k: float(v) for k, v in values.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)}


def model_identity(model: ModelConfig) -> dict:
    """The model settings a training run's result depends on: all but the thread count, so a run killed on two
    threads resumes on one (threads change speed, not the result), with the dtype `auto` resolves to here."""
    return {**{key: value for key, value in dataclasses.asdict(model).items() if key != "cpu_threads"},
            "dtype": resolved_dtype(model)}


def training_identity(settings: SFTSettings | GRPOSettings) -> dict:
    """A trainer's settings as its checkpoint key sees them: all but `save_total_limit`, which only decides how many
    checkpoints stay on disk, so a run resumed with another limit resumes instead of training anew."""
    return {key: value for key, value in dataclasses.asdict(settings).items() if key != "save_total_limit"}


def checkpoint_dir(root: Path, run_hash: str) -> Path:
    """Checkpoints live outside the DVC output (DVC deletes outputs before a stage runs) under a folder
    named by the hash of everything the run depends on, so a rerun resumes only an identical run."""
    return Path(root) / run_hash


def last_checkpoint(folder: Path) -> str | None:
    """The newest complete checkpoint: a kill while saving leaves a `checkpoint-N` folder without
    `trainer_state.json` (written last), which is passed over, with a warning, for the one before."""
    if not folder.is_dir():
        return None
    steps = sorted((int(p.name.split("-")[1]), p) for p in folder.glob("checkpoint-*") if p.name.split("-")[1].isdigit())
    for _, checkpoint in reversed(steps):
        if (checkpoint / "trainer_state.json").exists():
            log.warning("resuming from checkpoint %s", checkpoint)
            return str(checkpoint)
        log.warning("skipping incomplete checkpoint %s (no trainer_state.json: the run died while saving it)",
                    checkpoint)
    return None


def checkpoint_step(checkpoint: str | None) -> int:
    """Global step of a `checkpoint-<step>` folder; 0 for a fresh run."""
    return int(checkpoint.rsplit("-", 1)[1]) if checkpoint else 0


def without_adapter_wrapper(model):
    """The transformers model inside a PEFT wrapper (its LoRA layers still in place), or `model` itself: the losses
    that call the decoder and the LM head one after the other need the model's own modules."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def precision_flags(model: ModelConfig) -> dict:
    """Trainer precision arguments. Weights are loaded in `model.dtype` (resolved); LoRA weights stay float32
    (PEFT's adapter autocast), so bf16 needs no autocast on CPU; on a GPU, bf16 autocast is cheap."""
    on_gpu, dtype = torch.cuda.is_available(), resolved_dtype(model)
    return {"bf16": dtype == "bfloat16" and on_gpu, "fp16": dtype == "float16" and on_gpu, "use_cpu": not on_gpu}


def train_or_restore(trainer, checkpoint: str | None) -> None:
    """Resume from `checkpoint`, or only load it when that run already reached its last step:
    transformers 5.23's loop runs one optimizer step before checking `max_steps`, so resuming a
    finished run would train one step too many."""
    from peft import set_peft_model_state_dict
    from peft.utils import load_peft_weights
    from transformers import TrainerState

    if checkpoint is not None:
        state = TrainerState.load_from_json(str(Path(checkpoint) / "trainer_state.json"))
        if state.global_step >= state.max_steps:
            set_peft_model_state_dict(trainer.model, load_peft_weights(checkpoint))
            trainer.state = state
            return
    trainer.train(resume_from_checkpoint=checkpoint)


def publish_adapter(trainer, tokenizer, out_dir: Path, model_card: str, extra_json: dict[str, dict] | None = None) -> None:
    """Write the adapter, tokenizer, model card (and any provenance JSON) to a temp folder and swap it in whole."""
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    trainer.model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    write_text(tmp / "README.md", model_card)
    for name, content in (extra_json or {}).items():
        write_json(tmp / name, content)
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)


def model_card(*, title: str, base_model: str, stage: str, task: str, data: dict, params: dict, metrics: dict,
               load_note: str | None = None) -> str:
    """A PEFT model card: what the adapter was trained from, on what, how, and what it scored."""
    lines = [
        "---",
        f"base_model: {base_model}",
        "library_name: peft",
        "tags: [sciextract, lora, " + stage + ", " + task + "]",
        "---",
        "",
        f"# {title}",
        "",
        f"LoRA adapter trained by the `{stage}` stage of sciextract for the `{task}` task.",
        load_note or "Load it with `PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), this_folder)`.",
        "",
        "## Base model",
        "",
        f"`{base_model}`",
        "",
        "## Data",
        "",
        *(f"- {key}: {value}" for key, value in data.items()),
        "",
        "## Training parameters",
        "",
        "| param | value |",
        "| --- | --- |",
        *(f"| {key} | {value} |" for key, value in params.items()),
        "",
        "## Training metrics",
        "",
        "| metric | value |",
        "| --- | --- |",
        *(f"| {key} | {value:.4g} |" if isinstance(value, float) else f"| {key} | {value} |" for key, value in metrics.items()),
        "",
        "Evaluation scores of this adapter are in `reports/eval/` and in the MLflow `evaluate` runs.",
        "",
    ]
    return "\n".join(lines)


# -- the adapter as a registered MLflow model -------------------------------------------------------

PACKAGE_DIR = Path(sciextract.__file__).resolve().parent
MODEL_CODE = PACKAGE_DIR / "extractor_model.py"
"""The file MLflow runs to load a logged extractor (a model from code: no pickle, loadable by any MLflow 3)."""
BASE_DIGEST_TAG = "base_model_digest"
"""Tag of the run that stores a base model folder: the folder's `folder_digest`."""


def log_extractor_model(config: Config, *, task: str, adapter: Path, base_dir: Path) -> ModelVersion:
    """Log `adapter` as an MLflow model of the active run and register it as `<experiment_prefix>-<task>`.

    The model is a pyfunc whose `predict` takes the task's input rows and returns its structured answers
    (`sciextract.extractor.ExtractorModel`); it carries what it needs to run without this repository: the
    `sciextract` package as its code, the adapter chain (a GRPO adapter applies on the base with its SFT adapter
    merged in) and the run's config as its model config. The base model is referenced, not copied: `models/base`
    holds hundreds of MB, stored once per content digest by `stored_base_model`. The version is tagged with the
    run's stamp and the adapter folder's digest (which the leaderboard maps its rows through).
    """
    run = mlflow.active_run()
    chain = adapter_chain(adapter)
    artifacts = {f"adapter_{index}": str(folder) for index, folder in enumerate(chain)}
    tags = {**{key: run.data.tags[key] for key in STAMP_TAGS}, "adapter": str(adapter),
            ADAPTER_DIGEST_TAG: folder_digest(adapter)}
    model_config = {"task": task, "adapters": list(artifacts), "base_model_uri": stored_base_model(config, base_dir),
                    "config": redacted(to_dict(config))}
    info = mlflow.pyfunc.log_model(name="extractor", python_model=str(MODEL_CODE), code_paths=[str(PACKAGE_DIR)],
                                   artifacts=artifacts, model_config=model_config, tags=tags,
                                   pip_requirements=pinned_requirements())
    version = mlflow.register_model(info.model_uri, registered_model_name(config.tracking, task), tags=tags)
    log.info("registered %s version %s (%s)", version.name, version.version, adapter)
    return version


def stored_base_model(config: Config, base_dir: Path) -> str:
    """A `runs:/` URI of a stored copy of the base model folder: an earlier copy with the same content digest in
    any experiment, else a new one, stored in a run of its own in the active run's experiment (named
    `base-model-<digest>`; deleting it breaks the models that reference it, which its note says)."""
    digest = folder_digest(base_dir)
    stored = mlflow.search_runs(search_all_experiments=True, output_format="list", max_results=1,
                                filter_string=f"tags.{BASE_DIGEST_TAG} = '{digest}' and attributes.status = 'FINISHED'")
    if stored:
        return f"runs:/{stored[0].info.run_id}/base_model"
    client = mlflow.MlflowClient()
    note = ("The base model folder, stored once for every logged sciextract model trained on it: they load it from "
            "this run (`runs:/<this run>/base_model`), so deleting the run breaks them.")
    run = client.create_run(mlflow.active_run().info.experiment_id, run_name=f"base-model-{digest[:12]}",
                            tags={BASE_DIGEST_TAG: digest, "base_model": config.model.base,
                                  "mlflow.note.content": note})
    try:
        client.log_artifacts(run.info.run_id, str(base_dir), "base_model")
    except BaseException:
        client.set_terminated(run.info.run_id, "FAILED")
        raise
    client.set_terminated(run.info.run_id, "FINISHED")
    return f"runs:/{run.info.run_id}/base_model"


def pinned_requirements() -> list[str]:
    """sciextract's dependencies at their installed versions: what a model server built from the logged model
    installs (`mlflow models serve` without `--env-manager local`). Given, so MLflow does not load the model to
    infer them."""
    requirements = [Requirement(spec) for spec in metadata.requires("sciextract") or []]
    return [f"{req.name}=={metadata.version(req.name)}" for req in requirements if req.marker is None]
