"""Where a sweep's study lives: an Optuna JournalStorage file on one machine, or an RDB (PostgreSQL) across
machines, both with heartbeats, so the trial of a dead worker is failed and its values queued again."""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import mlflow
import optuna
from optuna.storages import BaseStorage, RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.storages._heartbeat import BaseHeartbeat
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock, JournalStorage
from optuna.trial import FrozenTrial, TrialState

from sciextract.config import SweepSettings

log = logging.getLogger(__name__)

HEARTBEAT_ATTR = "sciextract:heartbeat"


class HeartbeatJournalStorage(JournalStorage, BaseHeartbeat):
    """JournalStorage with Optuna's heartbeat protocol, which optuna 5.0 implements only in RDBStorage.

    Optuna drives it as it drives RDBStorage: `_run_trial` runs a HeartbeatThread that calls
    `record_heartbeat` every interval and, before each new trial, `fail_stale_trials` fails the trials
    `_get_stale_trial_ids` returns and passes each to the stale-trial callback. A heartbeat is a trial
    system attribute holding the time, an ordinary journal operation, so the file stays readable by a
    stock JournalStorage (optuna-dashboard).
    """

    def __init__(self, backend: JournalFileBackend, *, heartbeat_interval: int, grace_period: int,
                 stale_trial_callback: Callable[[optuna.Study, FrozenTrial], None]) -> None:
        super().__init__(backend)
        self._heartbeat_interval = heartbeat_interval
        self._grace_period = grace_period
        self._stale_trial_callback = stale_trial_callback

    def record_heartbeat(self, trial_id: int) -> None:
        self.set_trial_system_attr(trial_id, HEARTBEAT_ATTR, time.time())

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        """Running trials silent for longer than the grace period. The last sign of life is the later of the
        last heartbeat and the start, because a retried trial inherits its dead predecessor's attributes."""
        now = time.time()
        return [trial._trial_id for trial in self.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,))
                if now - max(trial.system_attrs.get(HEARTBEAT_ATTR, 0.0), trial.datetime_start.timestamp())
                > self._grace_period]

    def get_heartbeat_interval(self) -> int:
        return self._heartbeat_interval

    def get_heartbeat_stale_trial_callback(self) -> Callable[[optuna.Study, FrozenTrial], None]:
        return self._stale_trial_callback


class RequeueStaleTrial:
    """For a trial whose worker died: queue its values again (Optuna's RetryHeartbeatStaleTrialCallback) and
    end the MLflow runs the dead process left RUNNING (the trial's and its sweep run) as KILLED."""

    def __init__(self, max_retries: int, mlflow_tracking_uri: str) -> None:
        self._retry = RetryHeartbeatStaleTrialCallback(max_retry=max_retries)
        self._tracking_uri = mlflow_tracking_uri

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        log.warning("trial %d of %s sent no heartbeat for the grace period: marked FAIL; its values are queued "
                    "again unless they already had their retries", trial.number, study.study_name)
        self._retry(study, trial)
        run_id = trial.user_attrs.get("mlflow_run_id")
        if run_id is None:  # the worker died before the trial's run started
            return
        client = mlflow.MlflowClient(self._tracking_uri)
        trial_run = client.get_run(run_id)
        for run in (trial_run, client.get_run(trial_run.data.tags["mlflow.parentRunId"])):
            if run.info.status == "RUNNING":
                client.set_terminated(run.info.run_id, "KILLED")


def retried_from(trial: FrozenTrial) -> int | None:
    """The dead trial whose values this trial runs again, as RetryHeartbeatStaleTrialCallback recorded it; the
    accessor's ExperimentalWarning is silenced, as Optuna silences its own around `fail_stale_trials`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return RetryHeartbeatStaleTrialCallback.retried_trial_number(trial)


def open_storage(settings: SweepSettings, on_stale_trial: Callable[[optuna.Study, FrozenTrial], None]) -> BaseStorage:
    """An RDB storage for a SQLAlchemy URL, else a journal file; both with heartbeats. A URL holds no password:
    `SweepSettings` refuses one at load time (the driver reads it from PGPASSWORD or ~/.pgpass)."""
    if "://" in settings.storage:
        return RDBStorage(settings.storage, heartbeat_interval=settings.heartbeat_interval,
                          grace_period=settings.grace_period, heartbeat_stale_trial_callback=on_stale_trial)
    path = Path(settings.storage)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL lock file: exclusive across processes on one machine (and NFSv3+); it is the same `.lock`
    # file name that optuna-dashboard's symlink lock uses, so the two exclude each other too.
    backend = JournalFileBackend(str(path), lock_obj=JournalFileOpenLock(str(path)))
    return HeartbeatJournalStorage(backend, heartbeat_interval=settings.heartbeat_interval,
                                   grace_period=settings.grace_period, stale_trial_callback=on_stale_trial)
