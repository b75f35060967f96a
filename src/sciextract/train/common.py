"""What SFT and GRPO share: checkpoint folders keyed by config, resuming, saving an adapter atomically."""

from __future__ import annotations

import csv
import io
import logging
import math
import shutil
from pathlib import Path

import mlflow
import torch
from transformers import TrainerCallback

from sciextract.config import ModelConfig
from sciextract.io import atomic_path, write_json, write_text
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


def precision_flags(model: ModelConfig) -> dict:
    """Trainer precision arguments. Weights are loaded in `model.dtype`; LoRA weights stay float32
    (PEFT's adapter autocast), so bf16 needs no autocast on CPU; on a GPU, bf16 autocast is cheap."""
    on_gpu = torch.cuda.is_available()
    return {"bf16": model.dtype == "bfloat16" and on_gpu, "fp16": model.dtype == "float16" and on_gpu,
            "use_cpu": not on_gpu}


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
