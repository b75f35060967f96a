"""Task registry: a task is found by name, so trainers and stages never import a specific task."""

from __future__ import annotations

import importlib

from sciextract.tasks.base import Task

_TASKS = {
    "funding": "sciextract.tasks.funding:FundingTask",
    "review": "sciextract.tasks.review:ReviewTask",
    "sciie": "sciextract.tasks.sciie:SciIETask",
}


def task_names() -> list[str]:
    return sorted(_TASKS)


def get_task(name: str) -> Task:
    if name not in _TASKS:
        raise ValueError(f"unknown task '{name}' (known: {', '.join(task_names())})")
    module_name, _, class_name = _TASKS[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)()
