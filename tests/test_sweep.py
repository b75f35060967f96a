"""The Optuna sweep on the tiny random model, with real Optuna storages and real MLflow (sqlite under tmp).

A trial trains 2 SFT steps and 1 GRPO step and scores 3 `rl` records, so it takes seconds. The killed
and the parallel worker tests start real `sciextract sweep --worker` processes on a shared journal file;
the PostgreSQL test starts a throwaway server on 127.0.0.1 when the server binaries and psycopg exist.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import mlflow
import optuna
import pytest
import torch
import yaml
from optuna.storages import RetryHeartbeatStaleTrialCallback
from optuna.storages.journal import JournalFileBackend, JournalStorage
from optuna.trial import TrialState

from sciextract import modeling
from sciextract.sweep import study as sweep_module
from sciextract.config import ModelConfig, load_config, with_overrides
from sciextract.errors import InputError
from sciextract.modeling import materialize_base
from sciextract.stages import run_sweep_stage
from sciextract.sweep.storage import HEARTBEAT_ATTR
from sciextract.sweep.study import open_sweep
from sciextract.tasks.funding.task import FundingTask
from sciextract.tracking import experiment_id

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SWEEP_PARAMS = {
    "n_trials": 2, "sft_max_steps": 2, "sft_max_examples": 8, "grpo_max_steps": 1, "grpo_max_prompt_examples": 2,
    "eval_records": 3, "prune_records": 1, "tpe_startup_trials": 1, "pruner_startup_trials": 10,
    "heartbeat_interval": 1, "grace_period": 3,
}


@pytest.fixture(scope="module")
def project(tmp_path_factory, tiny_model_dir) -> Path:
    """A project folder: the tiny model as models/base, a prepared 80-record funding corpus, params for both."""
    root = tmp_path_factory.mktemp("sweep-project")
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["model"].update(base=str(tiny_model_dir), dtype="float32", cpu_threads=1)
    params["data"]["funding"].update(synthetic_records=80)
    params["sft"].update(max_length=1024, logging_steps=1)
    params["grpo"].update(num_generations=2, per_device_train_batch_size=4, max_completion_length=12,
                          skip_long_answers=False)  # a 12-token budget fits no answer
    params["evaluate"].update(max_new_tokens=12)
    params["sweep"].update(SWEEP_PARAMS)
    params["tracking"].update(tracking_uri=f"sqlite:///{root / 'mlflow.db'}", artifact_location=str(root / "mlartifacts"))
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    shutil.copy(REPO / "dvc.yaml", root / "dvc.yaml")  # stages log the params their dvc.yaml entry lists
    shutil.copytree(REPO / "pipelines", root / "pipelines")
    materialize_base(ModelConfig(base=str(tiny_model_dir)), root / "models/base")
    report = FundingTask().prepare(load_config(root / "params.yaml"), root / "data/funding")
    assert report["splits"]["rl"] >= SWEEP_PARAMS["grpo_max_prompt_examples"] + SWEEP_PARAMS["eval_records"]
    return root


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """A tiny model's ops are all overhead: more threads than free cores slow a trial tenfold (the worker
    processes get the same through `model.cpu_threads: 1`)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def in_project(project: Path, monkeypatch) -> Path:
    monkeypatch.chdir(project)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return project


def sweep_config(project: Path, storage: Path | str, **sweep_fields):
    config = load_config(project / "params.yaml", apply_sweep_best=False)
    overrides = {"sweep.storage": str(storage), **{f"sweep.{key}": value for key, value in sweep_fields.items()}}
    return with_overrides(config, overrides, source="test")


def params_file(project: Path, folder: Path, **sweep_fields) -> Path:
    """A params file for worker processes: the project's, with these sweep fields."""
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["sweep"].update(sweep_fields)
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


def journal_study(path: Path) -> optuna.Study | None:
    """The one study of a journal file, read by a stock JournalStorage (as optuna-dashboard would)."""
    if not path.exists():
        return None
    storage = JournalStorage(JournalFileBackend(str(path)))
    names = optuna.get_all_study_names(storage)
    return optuna.load_study(study_name=names[0], storage=storage) if names else None


def mlflow_runs(project: Path, study_name: str, since: float) -> tuple[list, dict[int, list]]:
    """The sweep (parent) runs and the trial runs by trial number, of one study, started after `since`
    (tests share the MLflow store, and equal params give equal study names in their separate storages)."""
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{project / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("sciextract-funding")
    runs = client.search_runs([experiment.experiment_id], filter_string=(
        f"tags.optuna_study = '{study_name}' and attributes.start_time >= {int(since * 1000)}"))
    trials: dict[int, list] = {}
    for run in runs:
        if "optuna_trial" in run.data.tags:
            trials.setdefault(int(run.data.tags["optuna_trial"]), []).append(run)
    return [run for run in runs if "optuna_trial" not in run.data.tags], trials


def worker(project: Path, params: Path, log_path: Path, *extra: str) -> subprocess.Popen:
    """A `sciextract sweep --worker` process; its trial folders go under the test's tmp (a killed one stays)."""
    env = {key: value for key, value in os.environ.items() if key != "MLFLOW_TRACKING_URI"}
    env["TMPDIR"] = str(log_path.parent)
    return subprocess.Popen([str(BIN / "sciextract"), "--params", str(params), "sweep", "--worker", *extra], cwd=project,
                            env=env, stdout=subprocess.DEVNULL, stderr=log_path.open("w"), start_new_session=True)


def wait_for(condition: Callable[[], object], what: str, timeout: float, process: subprocess.Popen | None = None,
             log_path: Path | None = None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        if process is not None and process.poll() is not None:
            pytest.fail(f"the worker exited ({process.returncode}) before {what}:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def test_sweep_writes_reports_nests_mlflow_runs_and_continues_a_stopped_study(in_project: Path, tmp_path: Path):
    started = time.time()
    storage = tmp_path / "journal.log"
    run_sweep_stage(sweep_config(in_project, storage, n_trials=1))
    first = journal_study(storage)
    assert [t.state for t in first.trials] == [TrialState.COMPLETE]
    run_sweep_stage(sweep_config(in_project, storage, n_trials=2))  # continues: one more trial
    run_sweep_stage(sweep_config(in_project, storage, n_trials=2))  # the study is full: no trial at all

    study = journal_study(storage)
    assert [t.number for t in study.trials] == [0, 1]
    assert [t.state for t in study.trials] == [TrialState.COMPLETE, TrialState.COMPLETE]
    assert study.trials[0].params == first.trials[0].params
    assert study.trials[1].params != study.trials[0].params
    assert all(set(t.intermediate_values) == {0, 1} for t in study.trials)  # after SFT, after GRPO

    out = in_project / "reports/sweep/funding"
    best = json.loads((out / "best_params.json").read_text())
    assert (best["study_name"], best["best_trial"], best["value"]) == (study.study_name, study.best_trial.number,
                                                                         study.best_value)
    rank, beta, lr, entropy, min_std = (best["params"][key] for key in ("lora_rank", "beta", "learning_rate",
                                                                          "entropy_coef", "dynamic_sampling_min_std"))
    assert best["overrides"] == {"sft.lora.r": rank, "sft.lora.alpha": 2 * rank, "grpo.lora.r": rank,
                                 "grpo.lora.alpha": 2 * rank, "grpo.beta": beta, "grpo.learning_rate": lr,
                                 "grpo.entropy_coef": entropy, "grpo.dynamic_sampling_min_std": min_std}
    assert 0.001 <= beta <= 0.1 and 1e-5 <= lr <= 1e-3 and rank in (8, 16, 32, 64, 128)
    assert 0.0 <= entropy <= 0.02 and 0.0 <= min_std <= 0.1  # the ranges of params.yaml
    rows = list(csv.DictReader((out / "trials.csv").open()))
    assert [(row["number"], row["state"]) for row in rows] == [("0", "COMPLETE"), ("1", "COMPLETE")]
    assert {"params_lora_rank", "intermediate_values_1", "user_attrs_mlflow_run_id", "duration_seconds"} <= set(rows[0])
    for plot in ("optimization_history.png", "param_importances.png"):
        assert (out / plot).read_bytes().startswith(b"\x89PNG")

    parents, trials = mlflow_runs(in_project, study.study_name, started)
    assert len(parents) == 3 and {p.info.status for p in parents} == {"FINISHED"}
    assert sorted(trials) == [0, 1] and all(len(runs) == 1 for runs in trials.values())
    parent_ids = {p.info.run_id for p in parents}
    for number, (run,) in trials.items():
        assert run.info.status == "FINISHED" and run.data.tags["optuna_state"] == "COMPLETE"
        assert run.data.tags["mlflow.parentRunId"] in parent_ids
        assert run.info.run_id == study.trials[number].user_attrs["mlflow_run_id"]
        assert run.data.metrics["objective"] == pytest.approx(study.trials[number].value)
        assert run.data.params["trial.lora_rank"] == str(study.trials[number].params["lora_rank"])
        # the trainers' own metrics land in the trial run, not in the sweep run
        assert {"loss", "sft/train_steps", "grpo/train_steps", "intermediate/objective", "trial_seconds"} <= set(run.data.metrics)
    assert trials[0][0].data.tags["mlflow.parentRunId"] != trials[1][0].data.tags["mlflow.parentRunId"]
    assert not any("loss" in p.data.metrics for p in parents)

    # sweep.apply_best: sft and grpo train with the best trial's values
    applied = load_config(params_file(in_project, tmp_path, apply_best=True))
    assert (applied.sft.lora.r, applied.sft.lora.alpha, applied.grpo.lora.r, applied.grpo.beta,
            applied.grpo.learning_rate, applied.grpo.entropy_coef,
            applied.grpo.dynamic_sampling_min_std) == (rank, 2 * rank, rank, beta, lr, entropy, min_std)
    assert applied.sft.learning_rate == load_config(in_project / "params.yaml").sft.learning_rate


def test_thread_count_does_not_split_a_study_but_a_trained_field_does(in_project: Path, tmp_path: Path):
    config = sweep_config(in_project, tmp_path / "journal.log")
    name = sweep_module.study_name(FundingTask(), config)
    assert sweep_module.study_name(FundingTask(), with_overrides(config, {"model.cpu_threads": 2}, source="test")) == name
    assert sweep_module.study_name(FundingTask(), with_overrides(config, {"grpo.save_total_limit": None}, source="test")) == name
    assert sweep_module.study_name(FundingTask(), with_overrides(config, {"sft.learning_rate": 1e-4}, source="test")) != name
    # a searched knob's params value is replaced in every trial, so it does not name the study; unsearched, it does
    assert sweep_module.study_name(FundingTask(), with_overrides(config, {"grpo.entropy_coef": 0.5}, source="test")) == name
    unsearched = with_overrides(config, {"sweep.entropy_coef_range": None}, source="test")
    assert sweep_module.study_name(FundingTask(), with_overrides(unsearched, {"grpo.entropy_coef": 0.5}, source="test")) \
        != sweep_module.study_name(FundingTask(), unsearched)


def test_auto_dtype_names_the_study_by_what_it_resolves_to(in_project: Path, tmp_path: Path, monkeypatch):
    config = with_overrides(sweep_config(in_project, tmp_path / "journal.log"), {"model.dtype": "auto"}, source="test")
    names = {}
    for bf16_hardware in (True, False):
        monkeypatch.setattr(modeling, "bf16_runs_fast", lambda: bf16_hardware)
        names[bf16_hardware] = sweep_module.study_name(FundingTask(), config)
    assert names[True] != names[False]
    assert names[True] == sweep_module.study_name(FundingTask(), with_overrides(config, {"model.dtype": "bfloat16"}, source="test"))
    assert names[False] == sweep_module.study_name(FundingTask(), with_overrides(config, {"model.dtype": "float32"}, source="test"))


def test_changed_sweep_code_starts_a_new_study(in_project: Path, tmp_path: Path, monkeypatch):
    config = sweep_config(in_project, tmp_path / "journal.log")
    name = sweep_module.study_name(FundingTask(), config)
    code_hash = sweep_module.stage_code_hash
    monkeypatch.setattr(sweep_module, "stage_code_hash", lambda command, task: code_hash(command, task) + "-edited")
    assert sweep_module.study_name(FundingTask(), config) != name


def test_optional_knobs_are_searched_only_with_a_valid_range(in_project: Path, tmp_path: Path):
    config = sweep_config(in_project, tmp_path / "journal.log", entropy_coef_range=None)
    values = {"lora_rank": 8, "beta": 0.01, "learning_rate": 1e-4, "dynamic_sampling_min_std": 0.03}
    assert sweep_module.searched_overrides(values, config.sweep) == {
        "sft.lora.r": 8, "sft.lora.alpha": 16, "grpo.lora.r": 8, "grpo.lora.alpha": 16, "grpo.beta": 0.01,
        "grpo.learning_rate": 1e-4, "grpo.dynamic_sampling_min_std": 0.03}
    for bad in ([0.02, 0.0], [-0.1, 0.1], [0.1]):
        with pytest.raises(InputError, match="dynamic_sampling_min_std_range"):
            sweep_config(in_project, tmp_path / "journal.log", dynamic_sampling_min_std_range=bad)


def test_apply_best_needs_a_readable_best_trial_of_the_same_task(project: Path, tmp_path: Path, monkeypatch):
    params = params_file(project, tmp_path, apply_best=True)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="sweep.apply_best is true but the sweep has written no best trial"):
        load_config(params)
    assert load_config(params, apply_sweep_best=False).sweep.apply_best  # the sweep itself loads without it
    best = tmp_path / "reports/sweep/funding/best_params.json"
    best.parent.mkdir(parents=True)
    best.write_text(json.dumps({"task": "funding", "overrides": {"grpo.lora.rank": 8}}))
    with pytest.raises(InputError, match="field 'grpo.lora.rank': not a params field"):
        load_config(params)
    best.write_text(json.dumps({"task": "funding", "overrides": {"grpo.beta": "high"}}))
    with pytest.raises(InputError, match="field 'grpo.beta'"):
        load_config(params)
    best.write_text(json.dumps({"task": "review", "overrides": {}}))
    with pytest.raises(InputError, match="written for task 'review'"):
        load_config(params)


def test_bad_objective_path_fails_before_any_trial(in_project: Path, tmp_path: Path):
    with pytest.raises(InputError, match=r"field 'sweep.objective'.*metrics\.funder\.f1"):
        open_sweep(FundingTask(), sweep_config(in_project, tmp_path / "journal.log", objective="metrics.funder.f2"),
                   worker=False)
    assert not (tmp_path / "journal.log").exists()


def test_failed_trial_is_recorded_and_the_sweep_goes_on_and_poor_trials_are_pruned(in_project: Path, tmp_path: Path,
                                                                                    monkeypatch, caplog):
    started = time.time()
    real_run_grpo = sweep_module.run_grpo
    calls = Counter()

    def run_grpo_failing_once(*args, **kwargs):
        calls["grpo"] += 1
        if calls["grpo"] == 1:
            raise RuntimeError("GRPO ran out of memory")
        return real_run_grpo(*args, **kwargs)

    # Objective values in call order: trial 0 after SFT (then GRPO fails); trial 1 after SFT, after GRPO and
    # final; trial 2 after SFT, below the median of the complete trial 1, so it is pruned there.
    values = iter([0.5, 0.5, 0.5, 0.5, 0.1])
    monkeypatch.setattr(sweep_module, "run_grpo", run_grpo_failing_once)
    monkeypatch.setattr(sweep_module, "mean_reward", lambda *args: next(values))
    storage = tmp_path / "journal.log"
    run_sweep_stage(sweep_config(in_project, storage, n_trials=2, pruner_startup_trials=1))

    study = journal_study(storage)
    assert [t.state for t in study.trials] == [TrialState.FAIL, TrialState.COMPLETE, TrialState.PRUNED]
    assert study.trials[2].intermediate_values == {0: 0.1}
    parents, trials = mlflow_runs(in_project, study.study_name, started)
    assert [p.info.status for p in parents] == ["FINISHED"]
    states = {number: (run.info.status, run.data.tags["optuna_state"]) for number, (run,) in trials.items()}
    assert states == {0: ("FAILED", "FAIL"), 1: ("FINISHED", "COMPLETE"), 2: ("FINISHED", "PRUNED")}
    assert mlflow.active_run() is None
    rows = list(csv.DictReader((in_project / "reports/sweep/funding/trials.csv").open()))
    assert [row["state"] for row in rows] == ["FAIL", "COMPLETE", "PRUNED"]
    assert "Parameter importances need at least 2 complete trials" in caplog.text


def test_killed_worker_trial_is_failed_after_the_grace_period_and_retried(in_project: Path, tmp_path: Path):
    started = time.time()
    storage = tmp_path / "journal.log"
    params = params_file(in_project, tmp_path, storage=str(storage), n_trials=1)
    log_path = tmp_path / "killed-worker.log"
    process = worker(in_project, params, log_path)

    def running_trial_with_mlflow_run():
        study = journal_study(storage)
        running = study.get_trials(states=(TrialState.RUNNING,)) if study else []
        return running[0] if running and "mlflow_run_id" in running[0].user_attrs else None

    doomed = wait_for(running_trial_with_mlflow_run, "a running trial", 120, process, log_path)
    assert HEARTBEAT_ATTR in doomed.system_attrs
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    last_sign_of_life = journal_study(storage).trials[0].system_attrs[HEARTBEAT_ATTR]
    time.sleep(max(0.0, last_sign_of_life + SWEEP_PARAMS["grace_period"] + 0.5 - time.time()))

    run_sweep_stage(sweep_config(in_project, storage, n_trials=1), worker=True)

    study = journal_study(storage)
    dead, retry = study.trials
    assert (dead.state, retry.state) == (TrialState.FAIL, TrialState.COMPLETE)
    assert retry.params == dead.params
    assert RetryHeartbeatStaleTrialCallback.retried_trial_number(retry) == 0
    parents, trials = mlflow_runs(in_project, study.study_name, started)
    (dead_run,), (retry_run,) = trials[0], trials[1]
    assert dead_run.info.run_id == dead.user_attrs["mlflow_run_id"] and dead_run.info.status == "KILLED"
    assert retry_run.info.status == "FINISHED" and retry_run.data.tags["optuna_retried_from"] == "0"
    by_id = {p.info.run_id: p for p in parents}
    assert by_id[dead_run.data.tags["mlflow.parentRunId"]].info.status == "KILLED"
    assert by_id[retry_run.data.tags["mlflow.parentRunId"]].info.status == "FINISHED"


def test_two_worker_processes_share_one_journal_without_duplicate_or_lost_trials(in_project: Path, tmp_path: Path):
    started = time.time()
    storage = tmp_path / "journal.log"
    target = 4
    params = params_file(in_project, tmp_path, storage=str(storage), n_trials=target, objective="metrics.funder.f1")
    experiment_id(load_config(params), "funding")  # the MLflow experiment exists before both workers start
    logs = [tmp_path / f"worker{index}.log" for index in range(2)]
    processes = [worker(in_project, params, log) for log in logs]
    for process, log in zip(processes, logs, strict=True):
        assert process.wait(timeout=300) == 0, log.read_text()[-3000:]

    study = journal_study(storage)
    numbers = [t.number for t in study.trials]
    assert numbers == list(range(len(numbers)))
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in study.trials)
    assert target <= len(numbers) <= target + 1  # the other worker may finish the trial it was running
    assert len({t.user_attrs["worker"] for t in study.trials}) == 2
    _, trials = mlflow_runs(in_project, study.study_name, started)
    assert sorted(trials) == numbers and all(len(runs) == 1 for runs in trials.values())
    assert all(runs[0].data.tags["optuna_state"] == study.trials[n].state.name for n, runs in trials.items())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1 (Debian's initdb and pg_ctl) with an empty `optuna` database."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg is missing (pip install 'psycopg[binary]')")
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on PATH (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="sciextract-pg-"))
    as_server_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            server_user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root, and there is no 'postgres' user to run the server as")
        os.chown(folder, server_user.pw_uid, server_user.pw_gid)
        as_server_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    database = folder / "db"
    subprocess.run([*as_server_user, initdb, "-D", str(database), "-U", "sweep", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True)
    subprocess.run([*as_server_user, pg_ctl, "-D", str(database), "-l", str(folder / "server.log"), "-w", "-o",
                    f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start"], check=True, capture_output=True)
    try:
        with psycopg.connect(host="127.0.0.1", port=port, user="sweep", dbname="postgres", autocommit=True) as connection:
            connection.execute("CREATE DATABASE optuna")
        yield f"postgresql://sweep@127.0.0.1:{port}/optuna"
    finally:
        subprocess.run([*as_server_user, pg_ctl, "-D", str(database), "-m", "immediate", "-w", "stop"],
                       check=True, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_postgresql_storage_runs_the_sweep_with_heartbeats(in_project: Path, postgres_url: str):
    import psycopg

    run_sweep_stage(sweep_config(in_project, postgres_url, n_trials=1))
    (name,) = optuna.get_all_study_names(postgres_url)
    study = optuna.load_study(study_name=name, storage=postgres_url)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE]
    port = int(postgres_url.rsplit(":", 1)[1].split("/")[0])
    with psycopg.connect(host="127.0.0.1", port=port, user="sweep", dbname="optuna") as connection:
        assert connection.execute("SELECT count(*) FROM trial_heartbeats").fetchone()[0] == 1
    assert json.loads((in_project / "reports/sweep/funding/best_params.json").read_text())["study_name"] == name
    with pytest.raises(InputError, match="field 'sweep.storage'.*PGPASSWORD"):
        open_sweep(FundingTask(), sweep_config(in_project, postgres_url.replace("sweep@", "sweep:secret@")), worker=False)
