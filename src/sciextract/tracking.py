"""MLflow: one run per stage execution, tagged so any number can be traced back to code, params and data."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow

from sciextract.config import Config, TrackingSettings
from sciextract.io import sha256_json

log = logging.getLogger(__name__)


def tracking_uri(settings: TrackingSettings) -> str:
    """`MLFLOW_TRACKING_URI` wins over params, so a shared tracking server needs no params change."""
    return os.environ.get("MLFLOW_TRACKING_URI") or settings.tracking_uri


def experiment_id(config: Config, task: str) -> str:
    mlflow.set_tracking_uri(tracking_uri(config.tracking))
    name = f"{config.tracking.experiment_prefix}-{task}"
    experiment = mlflow.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    location = Path(config.tracking.artifact_location).resolve().as_uri()
    try:
        return mlflow.create_experiment(name, artifact_location=location)
    except mlflow.exceptions.MlflowException:  # created meanwhile by a parallel worker
        return mlflow.get_experiment_by_name(name).experiment_id


def flatten(values: Any, prefix: str = "") -> dict[str, Any]:
    """Nested params as dotted keys, the form MLflow compares across runs."""
    if isinstance(values, dict):
        out: dict[str, Any] = {}
        for key, value in values.items():
            out.update(flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): values}


def git_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def inputs_hash(params: dict, inputs: list[Path]) -> str:
    """Hash of a stage's params and the bytes of its input files: equal hashes mean an identical run."""
    digest = hashlib.sha256(sha256_json(params).encode())
    for root in sorted(Path(p) for p in inputs):
        files = sorted(f for f in root.rglob("*") if f.is_file()) if root.is_dir() else [root]
        for file in files:
            digest.update(str(file).encode())
            with file.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def stage_run(config: Config, *, stage: str, task: str, params: dict, inputs: list[Path],
              run_name: str | None = None, nested: bool = False, extra_tags: dict | None = None) -> Iterator[mlflow.ActiveRun]:
    """An MLflow run for one stage execution; FAILED if the stage raises, FINISHED otherwise.

    A run left active by an earlier failure in this process is closed first, so starting a run
    never fails with "run is already active".
    """
    exp_id = experiment_id(config, task)
    if not nested and mlflow.active_run() is not None:
        mlflow.end_run(status="KILLED")
    tags = {
        "git_commit": git_commit(),
        "dvc_stage": stage,
        "task": task,
        "base_model": config.model.base,
        "params_hash": inputs_hash(params, inputs),
        **(extra_tags or {}),
    }
    with mlflow.start_run(experiment_id=exp_id, run_name=run_name or stage, tags=tags, nested=nested) as run:
        mlflow.log_params({k: _param_value(v) for k, v in flatten(params).items()})
        yield run


def _param_value(value: Any) -> Any:
    text = str(value)
    return text if len(text) <= 6000 else text[:5997] + "..."


def metric_key(key: str) -> str:
    """MLflow metric names allow letters, digits, `_ - . / space`; TRL uses `rewards/<fn>/mean`-style keys."""
    return "".join(c if c.isalnum() or c in "_-./ " else "_" for c in key)
