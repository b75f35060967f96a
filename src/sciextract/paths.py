"""Where each stage reads and writes; dvc.yaml names the same paths."""

from __future__ import annotations

from pathlib import Path

BASE_DIR = Path("models/base")
CHECKPOINT_ROOT = Path("models/checkpoints")


def data_dir(task: str) -> Path:
    return Path("data") / task


def adapter_dir(task: str, stage: str) -> Path:
    return Path("models") / task / stage


def curve_path(task: str, stage: str) -> Path:
    return Path("reports/train") / task / f"{stage}_curve.csv"


def eval_dir(task: str, variant: str) -> Path:
    return Path("reports/eval") / task / variant
