"""sciextract in MLflow's Model Registry: one registered model per task, named like the task's experiment
(`sciextract-funding`), one version per trained adapter, and the `champion` alias on the version the leaderboard
ranks best.

A version carries the stamp of the run that trained it and the content digest of its adapter folder, so the
leaderboard maps an evaluated adapter folder to exactly the version holding those bytes. Kept free of model and
leaderboard code on purpose: the training stages (which register) and the leaderboard stage (which moves the alias)
both import it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException

from sciextract.config import TrackingSettings
from sciextract.io import sha256_file, sha256_json

log = logging.getLogger(__name__)

CHAMPION_ALIAS = "champion"
ADAPTER_DIGEST_TAG = "adapter_digest"
"""Version tag: `folder_digest` of the adapter folder the version was logged from."""
STAMP_TAGS = ("task", "dvc_stage", "git_commit", "params_hash", "base_model")
"""Tags of the training run (`tracking.stage_run`) copied onto the version it registers."""


def registered_model_name(tracking: TrackingSettings, task: str) -> str:
    """The registered model of a task: named like the task's experiment (`<experiment_prefix>-<task>`)."""
    return f"{tracking.experiment_prefix}-{task}"


def folder_digest(folder: Path) -> str:
    """sha256 over a folder's files by their path inside it: a copy elsewhere has the same digest, a changed byte
    or file a different one."""
    folder = Path(folder)
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    return sha256_json({path.relative_to(folder).as_posix(): sha256_file(path) for path in files})


def version_of_adapter(name: str, adapter: Path) -> ModelVersion | None:
    """The newest version of registered model `name` logged from an adapter folder with the bytes `adapter` holds
    now; None when no version (or no registered model) has them."""
    digest = folder_digest(adapter)
    versions = MlflowClient().search_model_versions(f"name = '{name}' and tags.{ADAPTER_DIGEST_TAG} = '{digest}'")
    return max(versions, key=lambda version: int(version.version), default=None)


def registered_model_exists(name: str) -> bool:
    try:
        MlflowClient().get_registered_model(name)
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        return False
    return True


def move_champion(name: str, version: ModelVersion | None) -> str:
    """Point `name@champion` at `version`, or remove the alias (set or not) when `version` is None; returns what
    was done, for the log and the leaderboard run."""
    client = MlflowClient()
    if version is None:
        client.delete_registered_model_alias(name, CHAMPION_ALIAS)
        return f"{name}@{CHAMPION_ALIAS} removed"
    client.set_registered_model_alias(name, CHAMPION_ALIAS, version.version)
    return f"{name}@{CHAMPION_ALIAS} -> version {version.version}"
