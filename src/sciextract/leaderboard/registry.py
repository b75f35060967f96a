"""The `champion` alias: after every leaderboard, `models:/<experiment_prefix>-<task>@champion` names the registered
version of the task's best model that passes its gate on the prepared test set, or nothing when none passes.

The rows compared are those of the task's `test` stamp group (one evaluation code, data and decoding for every
row); a row's model is the registered version logged from an adapter folder with the bytes its stamp's `adapter`
folder holds now (`model_registry.version_of_adapter`). Model-free rows (baselines) have no version and are passed
over. A task without a gate has nothing to fail: its best model row is champion.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sciextract.config import TrackingSettings
from sciextract.leaderboard.rank import Leaderboard, Row
from sciextract.model_registry import move_champion, registered_model_exists, registered_model_name, version_of_adapter

log = logging.getLogger(__name__)

CHAMPION_SET = "test"
"""The evaluation set champions are chosen on: the prepared test split."""


def champion_row(board: Leaderboard, task: str) -> tuple[Row | None, str]:
    """The best model row of `task` on the test set that passes its gate (None when none does), and why; an error
    when the test rows of the task fall in more than one stamp group, which are not comparable."""
    groups = [group for group in board.groups if group.task == task and group.stamp["set"] == CHAMPION_SET]
    if len(groups) != 1:
        raise ValueError(f"{len(groups)} stamp groups of {task} on the '{CHAMPION_SET}' set "
                         f"({', '.join(group.id for group in groups)}): rerun the stale evaluations so one remains")
    models = [row for row in groups[0].rows if row.stamp.get("adapter")]  # ranked best first
    passing = [row for row in models if row.gate_passed is not False]
    if not passing:
        return None, f"none of {len(models)} model rows on {CHAMPION_SET} passes the gate"
    best = passing[0]
    gate = "passes the gate" if best.gate_passed else "no gate"
    return best, f"{best.system} ranks {best.rank} on {CHAMPION_SET} and {gate}"


def update_champions(board: Leaderboard, tracking: TrackingSettings) -> dict[str, str]:
    """Move each task's `champion` alias to its champion row's version, or remove it; returns what was done per
    task. A task without a registered model, a test set without one stamp group, or a champion whose adapter
    folder is not on this machine leaves the alias as it is, with a logged notice."""
    done = {}
    for task in board.tasks:
        name = registered_model_name(tracking, task)
        if not registered_model_exists(name):
            done[task] = f"no registered model {name}: the sft and grpo stages register one"
            log.info("%s: %s", task, done[task])
            continue
        try:
            row, why = champion_row(board, task)
        except ValueError as exc:
            done[task] = f"{name}@champion unchanged: {exc}"
            log.warning("%s: %s", task, done[task])
            continue
        adapter = Path(row.stamp["adapter"]) if row is not None else None
        if adapter is not None and not adapter.is_dir():
            done[task] = f"{name}@champion unchanged: {why}, but its adapter {adapter} is not on this machine"
            log.warning("%s: %s", task, done[task])
            continue
        version = version_of_adapter(name, adapter) if adapter is not None else None
        if adapter is not None and version is None:
            why += f", but no version of {name} was logged from the adapter {adapter} holds now"
            log.warning("%s: %s", task, why)
        done[task] = f"{move_champion(name, version)} ({why})"
        log.info("%s: %s", task, done[task])
    return done
