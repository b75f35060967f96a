"""Optuna sweep over LoRA rank, KL coefficient and GRPO learning rate, with one nested MLflow run per trial.

A trial trains SFT then GRPO through the project's own `run_sft` and `run_grpo` on the small budget of
`sweep` in params, in a temporary folder of its own (adapters, checkpoints, curves), and scores the
greedy outputs of the trained policy on `rl` records that GRPO did not train on. After SFT and after
GRPO it reports the objective on a small slice of them, so the MedianPruner can stop a poor trial early.

The study lives in an Optuna storage that any number of processes share: a JournalStorage file on one
machine, an RDB (PostgreSQL) across machines. Its name is a hash of everything a trial's result depends
on, so a rerun with the same params and data continues the same study, and a changed search space or
budget starts a new one instead of mixing incomparable trials. Each running trial sends heartbeats; a
trial whose worker died is marked FAIL by the next trial any worker starts, and its values are queued
again.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import socket
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import mlflow
import optuna
from optuna.study import MaxTrialsCallback
from optuna.trial import FrozenTrial, TrialState

from sciextract import paths
from sciextract.config import Config, SweepSettings, best_params_path, dotted_get, with_overrides
from sciextract.errors import InputError
from sciextract.io import write_json
from sciextract.predict import make_predictor, prediction_rows, score_rows
from sciextract.provenance import stage_code_hash
from sciextract.sweep.report import write_plots, write_trials_csv
from sciextract.sweep.storage import RequeueStaleTrial, open_storage, retried_from
from sciextract.tasks import task_names
from sciextract.tasks.base import Parsed, Task
from sciextract.tracking import flatten, inputs_hash, stage_run, tracking_uri
from sciextract.train.common import model_identity, training_identity
from sciextract.train.grpo import run_grpo
from sciextract.train.rewards import reward_components, weighted_totals
from sciextract.train.sft import run_sft

log = logging.getLogger(__name__)

SEARCHED_FIELDS = ("sft.lora.r", "sft.lora.alpha", "grpo.lora.r", "grpo.lora.alpha", "grpo.beta", "grpo.learning_rate")
"""Config fields every trial's values replace, and `sweep.apply_best` replaces with the best trial's."""
OPTIONAL_SEARCHES = {"entropy_coef": ("entropy_coef_range", "grpo.entropy_coef"),
                     "dynamic_sampling_min_std": ("dynamic_sampling_min_std_range", "grpo.dynamic_sampling_min_std")}
"""Knobs searched only where their range is set in `sweep`: trial parameter -> (range field, config field)."""
RUN_CONTROL_FIELDS = ("sweep.n_trials", "sweep.storage", "sweep.heartbeat_interval", "sweep.grace_period",
                      "sweep.max_retries", "sweep.max_failures", "sweep.apply_best")
"""Fields that say where and how long the study runs, not what a trial computes: not part of the study name (nor
are `model.cpu_threads` and the trainers' `save_total_limit`, which `model_identity` and `training_identity` leave
out: workers with different thread counts join one study)."""
FINISHED_STATES = (TrialState.COMPLETE, TrialState.PRUNED)


def optional_searches(settings: SweepSettings) -> dict[str, tuple[list[float], str]]:
    """The optional knobs this sweep searches: trial parameter -> ([low, high], config field)."""
    return {name: (getattr(settings, range_field), config_field)
            for name, (range_field, config_field) in OPTIONAL_SEARCHES.items() if getattr(settings, range_field) is not None}


def searched_fields(settings: SweepSettings) -> tuple[str, ...]:
    return SEARCHED_FIELDS + tuple(config_field for _, config_field in optional_searches(settings).values())


def searched_overrides(values: dict[str, Any], settings: SweepSettings) -> dict[str, Any]:
    """A trial's suggested values as config fields: one rank (and alpha) for both adapters, GRPO's beta and lr, and
    the optional knobs the sweep searches."""
    rank = values["lora_rank"]
    alpha = settings.lora_alpha if settings.lora_alpha is not None else 2 * rank
    overrides = dict(zip(SEARCHED_FIELDS, (rank, alpha, rank, alpha, values["beta"], values["learning_rate"]),
                         strict=True))
    return {**overrides, **{config_field: values[name] for name, (_, config_field) in optional_searches(settings).items()}}


def budget_overrides(settings: SweepSettings) -> dict[str, Any]:
    """The small per-trial budget; checkpoints only at the end, since a trial's folder never outlives it."""
    return {
        "sft.max_steps": settings.sft_max_steps,
        "sft.save_steps": settings.sft_max_steps,
        "sft.max_examples": settings.sft_max_examples,
        "grpo.max_steps": settings.grpo_max_steps,
        "grpo.save_steps": settings.grpo_max_steps,
        "grpo.max_prompt_examples": settings.grpo_max_prompt_examples,
        "evaluate.do_sample": False,
    }


def study_name(task: Task, config: Config) -> str:
    """`<prefix>-<task>-<hash>` of the fields, code and data a trial's result depends on.

    Left out: the fields a trial replaces, the run-control fields, and other tasks' settings
    (`evaluate.<task>.*`, `grpo.rewards.<task>.*`), so tuning another task does not restart this sweep. The code
    is the sweep's import closure (task package included): DVC reruns the stage when it changes, and the rerun
    must run new trials, not report the old code's. The model settings are `model_identity`'s, with the dtype
    that `auto` resolves to here, so a float32 and a bfloat16 worker (different weights) never share a study.
    """
    sections = {name: dataclasses.asdict(getattr(config, name)) for name in ("evaluate", "sweep")}
    sections.update(sft=training_identity(config.sft), grpo=training_identity(config.grpo),
                    model=model_identity(config.model))
    ignored = {*searched_fields(config.sweep), *RUN_CONTROL_FIELDS, *budget_overrides(config.sweep)}
    other_tasks = {name for name in task_names() if name != task.name}
    values = {key: value for key, value in flatten(sections).items()
              if key not in ignored and not other_tasks & set(key.split(".")[1:-1])}
    data_dir = paths.data_dir(task.name)
    digest = inputs_hash({"task": task.name, "code": stage_code_hash("sweep", task.name), **values},
                         [data_dir / "sft.jsonl", data_dir / "rl.jsonl"])
    return f"{config.tracking.experiment_prefix}-{task.name}-{digest[:12]}"


def metric_at(report: dict, path: str) -> float:
    """The number at a dotted path of a metrics report; an error listing the numbers there otherwise."""
    try:
        node = dotted_get(report, path)
    except KeyError:
        node = None
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        numbers = sorted(key for key, value in flatten(report).items()
                         if isinstance(value, (int, float)) and not isinstance(value, bool))
        raise InputError("params.yaml", f"'{path}' is not a number in the task's metrics; use 'reward' or one of: "
                         f"{', '.join(numbers)}", field="sweep.objective")
    return float(node)


def mean_reward(task: Task, config: Config, records: list[dict], outputs: list[str | None]) -> float:
    """Mean weighted task reward of the outputs: what GRPO maximises, computed as GRPO computes it."""
    components, weights = reward_components(task, config, records, outputs)
    totals = weighted_totals(weights, list(components.values()))
    return sum(totals) / len(totals)


class ProcessTrials:
    """Optimize callback: counts this process's trials by state and stops its loop after too many failures,
    since failed trials do not count towards `n_trials` and a broken setup would otherwise loop forever."""

    def __init__(self, max_failures: int) -> None:
        self.max_failures = max_failures
        self.states: Counter[str] = Counter()

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self.states[trial.state.name] += 1
        if self.states["FAIL"] > self.max_failures:
            log.error("%d trials failed in this process (sweep.max_failures: %d): stopping", self.states["FAIL"],
                      self.max_failures)
            study.stop()


@dataclasses.dataclass
class Sweep:
    """An opened study with everything its trials need; `run_trials` must run inside the sweep's MLflow run."""

    task: Task
    config: Config
    study: optuna.Study
    eval_records: list[dict]
    inputs: list[Path]
    """What the study's trials read, for the MLflow run's params hash."""

    @property
    def settings(self) -> SweepSettings:
        return self.config.sweep

    def finished_trials(self) -> int:
        return len(self.study.get_trials(deepcopy=False, states=FINISHED_STATES))

    def run_trials(self) -> None:
        """Run trials until the study holds `n_trials` complete or pruned ones (counting every worker's)."""
        parent = mlflow.active_run()
        if parent is None:
            raise RuntimeError("Sweep.run_trials needs the sweep's MLflow run to be active: trial runs nest under it")
        target = self.settings.n_trials
        if self.finished_trials() >= target:
            log.info("study %s already holds %d finished trials (n_trials: %d): no new trial",
                     self.study.study_name, self.finished_trials(), target)
            return
        mine = ProcessTrials(self.settings.max_failures)
        self.study.optimize(lambda trial: self.objective(trial, parent.info.run_id), catch=(Exception,),
                            callbacks=[MaxTrialsCallback(target, states=FINISHED_STATES), mine], gc_after_trial=True)
        finished = self.finished_trials()
        mlflow.log_metrics({f"process_trials_{state.lower()}": count for state, count in mine.states.items()})
        mlflow.log_metric("study_finished_trials", finished)
        if finished < target:
            raise RuntimeError(f"study {self.study.study_name} holds {finished} of {target} finished trials after "
                               f"{mine.states['FAIL']} failed in this process; see the FAILED trial runs in MLflow")

    def objective(self, trial: optuna.Trial, parent_run_id: str) -> float:
        """One trial inside its own MLflow run, nested under the sweep run and always ended: FINISHED when the
        trial completes or is pruned (its `optuna_state` tag tells which), FAILED when it raises."""
        active = mlflow.active_run()
        if active is None or active.info.run_id != parent_run_id:
            raise RuntimeError("a trial run must start directly under the sweep's MLflow run")
        values = {
            "lora_rank": trial.suggest_categorical("lora_rank", self.settings.lora_ranks),
            "beta": trial.suggest_float("beta", *self.settings.beta_range, log=True),
            "learning_rate": trial.suggest_float("learning_rate", *self.settings.learning_rate_range, log=True),
            **{name: trial.suggest_float(name, *bounds) for name, (bounds, _) in optional_searches(self.settings).items()},
        }
        overrides = {**searched_overrides(values, self.settings), **budget_overrides(self.settings)}
        retried = retried_from(self.study.get_trials(deepcopy=False)[trial.number])
        tags = {"optuna_study": self.study.study_name, "optuna_trial": str(trial.number),
                **({"optuna_retried_from": str(retried)} if retried is not None else {})}
        started = time.perf_counter()
        state, pruned = "FAIL", None
        with stage_run(self.config, stage="sweep", task=self.task.name, run_name=f"trial-{trial.number}", nested=True,
                       params={"trial": values, "config": overrides}, inputs=[], extra_tags=tags) as run:
            trial.set_user_attr("mlflow_run_id", run.info.run_id)
            trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
            try:
                value = self._train_and_score(trial, with_overrides(self.config, overrides,
                                                                    source=f"sweep trial {trial.number}"))
                state = "COMPLETE"
            except optuna.TrialPruned as exc:
                state, pruned = "PRUNED", exc
            finally:
                mlflow.set_tag("optuna_state", state)
                mlflow.log_metric("trial_seconds", time.perf_counter() - started)
        if pruned is not None:
            raise pruned
        return value

    def _train_and_score(self, trial: optuna.Trial, config: Config) -> float:
        data_dir = paths.data_dir(self.task.name)
        prune_slice = self.eval_records[: self.settings.prune_records]
        with tempfile.TemporaryDirectory(prefix=f"sciextract-sweep-trial{trial.number}-") as tmp:
            work = Path(tmp)
            sft_metrics = run_sft(self.task, config, data_dir=data_dir, base_dir=paths.BASE_DIR, out_dir=work / "sft",
                                  checkpoint_root=work / "checkpoints" / "sft", curve_path=work / "sft_curve.csv")
            mlflow.log_metrics({f"sft/{key}": float(value) for key, value in sft_metrics.items()})
            self._report(trial, 0, "SFT", config, prune_slice, make_predictor(self.task, config, str(work / "sft"))(prune_slice))
            grpo_metrics = run_grpo(self.task, config, data_dir=data_dir, base_dir=paths.BASE_DIR, sft_dir=work / "sft",
                                    out_dir=work / "grpo", checkpoint_root=work / "checkpoints" / "grpo",
                                    curve_path=work / "grpo_curve.csv")
            mlflow.log_metrics({f"grpo/{key}": float(value) for key, value in grpo_metrics.items()})
            for curve in ("sft_curve.csv", "grpo_curve.csv"):
                mlflow.log_artifact(str(work / curve), "curves")
            predict = make_predictor(self.task, config, str(work / "grpo"))
            head = predict(prune_slice)
            self._report(trial, 1, "GRPO", config, prune_slice, head)
            predictions = head + predict(self.eval_records[len(prune_slice):])
        value = self.objective_value(config, self.eval_records, predictions)
        if not math.isfinite(value):
            raise ValueError(f"trial {trial.number}: objective '{self.settings.objective}' is {value}")
        mlflow.log_metric("objective", value)
        return value

    def _report(self, trial: optuna.Trial, step: int, after: str, config: Config, records: list[dict],
                predictions: list[tuple[str | None, Parsed]]) -> None:
        """The intermediate objective on the slice, to Optuna (for the pruner) and to the trial's MLflow run."""
        value = self.objective_value(config, records, predictions)
        trial.report(value, step)
        mlflow.log_metric("intermediate/objective", value, step=step)
        if trial.should_prune():
            raise optuna.TrialPruned(f"after {after}: objective {value:.4f} on {len(records)} records is worse "
                                     "than the median of earlier trials at this step")

    def objective_value(self, config: Config, records: list[dict], predictions: list[tuple[str | None, Parsed]]) -> float:
        if self.settings.objective == "reward":
            return mean_reward(self.task, config, records, [raw for raw, _ in predictions])
        report, _ = score_rows(self.task, config, records, prediction_rows(self.task, records, predictions))
        return metric_at(report, self.settings.objective)

    def write_reports(self) -> None:
        """trials.csv, best_params.json and the two plots under reports/sweep/<task>/, each written atomically,
        and logged to the active (sweep) MLflow run."""
        best_path = best_params_path(self.task.name)
        out_dir = best_path.parent
        trials = self.study.get_trials(deepcopy=False)
        states = Counter(trial.state.name for trial in trials)
        if not states["COMPLETE"]:
            raise RuntimeError(f"study {self.study.study_name} holds no complete trial ({dict(states)}): no best trial")
        best = self.study.best_trial
        write_trials_csv(self.study, out_dir / "trials.csv")
        write_json(best_path, {
            "task": self.task.name,
            "study_name": self.study.study_name,
            "objective": self.settings.objective,
            "direction": self.settings.direction,
            "best_trial": best.number,
            "value": best.value,
            "params": best.params,
            "overrides": searched_overrides(best.params, self.settings),
            "trial_budget": budget_overrides(self.settings),
            "trials": dict(states),
        })
        plots = write_plots(self.study, out_dir)
        mlflow.log_metrics({"best_value": best.value, **{f"trials_{state.lower()}": n for state, n in states.items()}})
        for path in (out_dir / "trials.csv", best_path, *plots):
            mlflow.log_artifact(str(path), "sweep")
        log.info("study %s: best trial %d, %s = %.4f with %s", self.study.study_name, best.number,
                 self.settings.objective, best.value, best.params)


def open_sweep(task: Task, config: Config, *, worker: bool) -> Sweep:
    """Check the inputs and open (or create) the study, before any MLflow run exists.

    The TPE seed is `sweep.seed` plus the trials already in the study, plus the process id for a worker:
    a resumed sweep or a parallel worker must not replay the proposals the study has already seen.
    """
    settings = config.sweep
    data_dir = paths.data_dir(task.name)
    rl_records = task.load_split(data_dir, "rl")
    needed = settings.grpo_max_prompt_examples + settings.eval_records
    if len(rl_records) < needed:
        raise InputError(data_dir / "rl.jsonl", f"holds {len(rl_records)} records; the sweep needs "
                         f"sweep.grpo_max_prompt_examples + sweep.eval_records = {needed} (GRPO trains on the first, "
                         "trials are scored on the rest)")
    eval_records = rl_records[settings.grpo_max_prompt_examples: needed]
    if settings.objective != "reward":  # a wrong metric path fails here, not in every trial
        metric_at(task.score(eval_records, [task.parse("") for _ in eval_records], config)[0], settings.objective)
    on_stale = RequeueStaleTrial(settings.max_retries, tracking_uri(config.tracking))
    study = optuna.create_study(study_name=study_name(task, config), storage=open_storage(settings, on_stale),
                                direction=settings.direction, load_if_exists=True,
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=settings.pruner_startup_trials))
    offset = len(study.get_trials(deepcopy=False)) + (os.getpid() if worker else 0)
    study.sampler = optuna.samplers.TPESampler(seed=settings.seed + offset, n_startup_trials=settings.tpe_startup_trials)
    log.info("study %s in %s: %d of %d trials finished", study.study_name, settings.storage,
             len(study.get_trials(deepcopy=False, states=FINISHED_STATES)), settings.n_trials)
    return Sweep(task=task, config=config, study=study, eval_records=eval_records,
                 inputs=[data_dir / "sft.jsonl", data_dir / "rl.jsonl"])
