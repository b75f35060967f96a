"""Where each stage reads and writes. dvc.yaml names the same paths; tests/test_dvc_deps.py checks they agree."""

from __future__ import annotations

from pathlib import Path

BASE_DIR = Path("models/base")
CHECKPOINT_ROOT = Path("models/checkpoints")
EVAL_ROOT = Path("reports/eval")
REFERENCES_PATH = Path("reports/references.yaml")
LEADERBOARD_DIR = Path("reports")


def data_dir(task: str) -> Path:
    return Path("data") / task


def adapter_dir(task: str, stage: str) -> Path:
    return Path("models") / task / stage


def curve_path(task: str, stage: str) -> Path:
    return Path("reports/train") / task / f"{stage}_curve.csv"


def eval_dir(task: str, variant: str) -> Path:
    return EVAL_ROOT / task / variant


def sweep_dir(task: str) -> Path:
    return Path("reports/sweep") / task
