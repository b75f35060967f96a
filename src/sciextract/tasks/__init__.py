"""Task registry: a task is found by name, so stages, trainers, the sweep and the leaderboard never import a
specific task. Adding a task adds one line here: its name and its package, which holds `task.py` (a `TASK`
class implementing `sciextract.tasks.base.Task`) and `board.py` (a `BOARD`, what the leaderboard shows)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the registry stays importable by config.py, which tasks/base.py imports
    from sciextract.tasks.base import Task, TaskBoard

TASK_PACKAGES = {
    "funding": "sciextract.tasks.funding",
    "review": "sciextract.tasks.review",
    "sciie": "sciextract.tasks.sciie",
}


def task_names() -> list[str]:
    return sorted(TASK_PACKAGES)


def _package(name: str) -> str:
    if name not in TASK_PACKAGES:
        raise ValueError(f"unknown task '{name}' (known: {', '.join(task_names())})")
    return TASK_PACKAGES[name]


def get_task(name: str) -> Task:
    return importlib.import_module(f"{_package(name)}.task").TASK()


def get_board(name: str) -> TaskBoard:
    """The task's board alone: the leaderboard reads it without loading the task's data and model code."""
    return importlib.import_module(f"{_package(name)}.board").BOARD
