"""MLflow: one run per stage execution, tagged so any number can be traced back to code, params and data."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import mlflow

from sciextract.config import Config, TrackingSettings, redact_credentials
from sciextract.io import sha256_json

log = logging.getLogger(__name__)


def tracking_uri(settings: TrackingSettings) -> str:
    """`MLFLOW_TRACKING_URI` wins over params, so a shared tracking server needs no params change."""
    return os.environ.get("MLFLOW_TRACKING_URI") or settings.tracking_uri


KIND_TAG, MODEL_TRAINING_KIND = "mlflow.experimentKind", "custom_model_development"
"""The experiment kind MLflow 3 records for model-training experiments. MLflow 3.17's UI shows an experiment by its
GenAI / Model training switch instead (GenAI unless chosen, or unless the URL says `?workflowType=machine_learning`)
and reads this tag only with the switch off."""


def experiment_id(config: Config, task: str) -> str:
    """The task's experiment, created as a model-training experiment; an older one without a kind gets it."""
    mlflow.set_tracking_uri(tracking_uri(config.tracking))
    name = f"{config.tracking.experiment_prefix}-{task}"
    experiment = mlflow.get_experiment_by_name(name)
    if experiment is not None:
        if KIND_TAG not in experiment.tags:  # a kind chosen in the UI is kept
            mlflow.MlflowClient().set_experiment_tag(experiment.experiment_id, KIND_TAG, MODEL_TRAINING_KIND)
        return experiment.experiment_id
    # A tracking server stores artifacts where it was told to (`--artifacts-destination`): a local folder named here
    # would put every client's artifacts on that client's disk, out of the other machines' reach.
    remote = urlsplit(mlflow.get_tracking_uri()).scheme in ("http", "https")
    location = None if remote else Path(config.tracking.artifact_location).resolve().as_uri()
    try:
        return mlflow.create_experiment(name, artifact_location=location, tags={KIND_TAG: MODEL_TRAINING_KIND})
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
    never fails with "run is already active"; runs of the same stage that a killed process left RUNNING
    are marked KILLED (`end_dead_runs`). The run is tagged with its host and process so the next start can
    tell. Credentials in any param or tag value are redacted.
    """
    exp_id = experiment_id(config, task)
    if not nested:
        if mlflow.active_run() is not None:
            mlflow.end_run(status="KILLED")
        end_dead_runs(exp_id, stage)
    tags = {
        "git_commit": git_commit(),
        "dvc_stage": stage,
        "task": task,
        "base_model": config.model.base,
        "params_hash": inputs_hash(params, inputs),
        **process_tags(os.getpid()),
        **(extra_tags or {}),
    }
    tags = {key: redact_credentials(str(value)) for key, value in tags.items()}
    with mlflow.start_run(experiment_id=exp_id, run_name=run_name or stage, tags=tags, nested=nested) as run:
        mlflow.log_params({k: _param_value(redact_credentials(str(v))) for k, v in flatten(params).items()})
        yield run


HOST_TAG, PID_TAG, START_TAG = "process_host", "process_id", "process_start"


def process_tags(pid: int) -> dict[str, str]:
    """Where a run executes: host name, process id and the process's start time (from /proc; empty where there
    is none), so a later start can decide that the process is gone even when its id was reused."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(pid), START_TAG: _process_start(pid) or ""}


def _process_start(pid: int) -> str | None:
    """The start time of process `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2:].split()[19]


def process_gone(tags: dict[str, str]) -> bool:
    """Whether the process a run's tags name has ended: only decidable on the run's own host. A process id
    that exists but started at another time than recorded belongs to a new process."""
    if tags.get(HOST_TAG) != socket.gethostname() or not tags.get(PID_TAG, "").isdigit():
        return False
    pid = int(tags[PID_TAG])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by another user
        pass
    recorded, current = tags.get(START_TAG), _process_start(pid)
    return bool(recorded) and current is not None and current != recorded


def end_dead_runs(exp_id: str, stage: str) -> None:
    """Mark KILLED the runs of `stage` still RUNNING although the process that ran them is gone (killed, out of
    memory, a reboot): such a run would show RUNNING forever. Runs of live processes and of other hosts are
    left alone."""
    client = mlflow.MlflowClient()
    for run in client.search_runs([exp_id], filter_string="attributes.status = 'RUNNING'"):
        if run.data.tags.get("dvc_stage") == stage and process_gone(run.data.tags):
            log.warning("run %s (%s) was left RUNNING by process %s on %s, which is gone: marked KILLED",
                        run.info.run_id, stage, run.data.tags[PID_TAG], run.data.tags[HOST_TAG])
            client.set_terminated(run.info.run_id, "KILLED")


def _param_value(value: Any) -> Any:
    text = str(value)
    return text if len(text) <= 6000 else text[:5997] + "..."


def metric_key(key: str) -> str:
    """MLflow metric names allow letters, digits, `_ - . / space`; TRL uses `rewards/<fn>/mean`-style keys."""
    return "".join(c if c.isalnum() or c in "_-./ " else "_" for c in key)
