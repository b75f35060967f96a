"""Shared fixtures: a tiny random-weight model built locally, and a hand-written funding file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tiny_model import build_tiny_model

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture
def funding_file() -> Path:
    return FIXTURES / "funding_small.jsonl"


@pytest.fixture
def project_dir(tmp_path, monkeypatch) -> Path:
    """A scratch working directory holding the repo's dvc.yaml, so stage paths resolve inside it."""
    root = Path(__file__).resolve().parents[1]
    shutil.copy(root / "dvc.yaml", tmp_path / "dvc.yaml")
    shutil.copytree(root / "pipelines", tmp_path / "pipelines")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return tmp_path
