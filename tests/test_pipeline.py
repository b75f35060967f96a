"""End to end on the tiny random model: `dvc repro` through the real CLI, TRL, PEFT and MLflow.

The project is a scratch copy of dvc.yaml and src/ with params that point at the tiny model, so the
whole pipeline (base_model, prepare, sft, grpo, evaluate x 4) runs in a couple of minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _write_params(root: Path, tiny_model_dir: Path, funding_file: Path, **overrides) -> None:
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["model"].update(base=str(tiny_model_dir), dtype="float32")
    params["data"]["funding"].update(synthetic_records=150, eval_sets={"fixture": str(funding_file)})
    params["sft"].update(max_steps=2, save_steps=1, logging_steps=1, max_length=1024)
    params["grpo"].update(max_steps=1, save_steps=1, num_generations=2, per_device_train_batch_size=4,
                          max_completion_length=12, max_prompt_examples=4, skip_long_answers=False)
    params["evaluate"].update(max_new_tokens=12, max_documents=6)
    params["sweep"].update(n_trials=1, sft_max_steps=1, sft_max_examples=8, grpo_max_steps=1,
                           grpo_max_prompt_examples=2, eval_records=3, prune_records=1)
    for dotted, value in overrides.items():
        section, key = dotted.split("__")
        params[section][key] = value
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


@pytest.fixture(scope="module")
def project(tmp_path_factory, tiny_model_dir) -> Path:
    root = tmp_path_factory.mktemp("project")
    shutil.copy(REPO / "dvc.yaml", root / "dvc.yaml")
    shutil.copytree(REPO / "pipelines", root / "pipelines")
    (root / "reports").mkdir()
    shutil.copy(REPO / "reports/references.yaml", root / "reports/references.yaml")
    shutil.copytree(REPO / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    _write_params(root, tiny_model_dir, REPO / "tests/fixtures/funding_small.jsonl")
    _run(["dvc", "init", "--no-scm", "-q"], root)
    return root


def _stages_run(output: str) -> list[str]:
    return [line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage")]


def test_dvc_repro_runs_every_stage_and_logs_to_mlflow(project: Path):
    first = _run(["dvc", "repro"], project)
    assert set(_stages_run(first.stdout)) == {"base_model", "prepare", "sft", "grpo", "evaluate@rule", "evaluate@sft",
                                              "evaluate@grpo", "leaderboard"}  # the sweep runs only when asked
    assert (project / "reports/leaderboard.md").exists()
    assert _stages_run(_run(["dvc", "repro", "pipelines/sweep/dvc.yaml"], project).stdout) == [
        "pipelines/sweep/dvc.yaml:sweep"]
    assert (project / "reports/sweep/funding/best_params.json").exists()
    for adapter in ("models/funding/sft", "models/funding/grpo"):
        assert (project / adapter / "adapter_config.json").exists()
        assert "base_model:" in (project / adapter / "README.md").read_text()
    code_hashes = set()
    for variant in ("rule", "sft", "grpo"):
        metrics = json.loads((project / f"reports/eval/funding/{variant}/metrics.json").read_text())
        assert set(metrics["sets"]) == {"test", "fixture"}
        stamp = metrics["sets"]["test"]["stamp"]
        assert stamp["variant"] == variant and stamp["mode"] == "balanced" and len(stamp["data_hash"]) == 16
        code_hashes.add(stamp["code_hash"])
        assert (project / f"reports/eval/funding/{variant}/predictions/test.jsonl").exists()
    assert len(code_hashes) == 1 and len(code_hashes.pop()) == 16  # one evaluation code for every variant
    rule = json.loads((project / "reports/eval/funding/rule/metrics.json").read_text())["sets"]["fixture"]
    assert rule["metrics"]["funder"]["f1"] > 0.5  # the rule baseline reads the hand-written fixture well
    assert (project / "reports/train/funding/sft_curve.csv").read_text().startswith("step,")

    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["sciextract-funding"], output_format="list")
    by_stage = {run.data.tags["dvc_stage"]: run for run in runs if run.data.tags.get("dvc_stage")}
    assert {"base_model", "prepare", "sft", "grpo", "evaluate@rule", "evaluate@sft", "evaluate@grpo"} <= set(by_stage)
    for run in runs:
        assert run.info.status == "FINISHED"
        if "base_model_digest" in run.data.tags:
            continue  # the run that stores the base weights once per digest for logged models: not a stage
        assert {"git_commit", "task", "base_model", "params_hash"} <= set(run.data.tags)
    sft = by_stage["sft"]
    assert sft.data.params["sft.max_steps"] == "2"
    assert "loss" in sft.data.metrics
    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(sft.info.run_id)}
    assert {"adapter", "model_card", "resolved_config.json", "train_metrics.json"} <= artifacts
    grpo_metrics = by_stage["grpo"].data.metrics
    assert {"outputs/zero_spread_fraction", "outputs/empty_share", "rewards/funder_f05/mean"} <= set(grpo_metrics)
    eval_artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(by_stage["evaluate@sft"].info.run_id, "eval")}
    assert "eval/test_predictions.json" in eval_artifacts

    again = _run(["dvc", "repro"], project)
    assert _stages_run(again.stdout) == []

    _write_params(project, Path(runs[0].data.tags["base_model"]), REPO / "tests/fixtures/funding_small.jsonl",
                  grpo__beta=0.05)
    changed = _run(["dvc", "repro"], project)
    # Only grpo and what follows. The leaderboard reruns only when the evaluation JSON changed, which a tiny
    # model's identical greedy outputs may leave byte for byte.
    rerun = set(_stages_run(changed.stdout))
    assert {"grpo", "evaluate@grpo"} <= rerun <= {"grpo", "evaluate@grpo", "leaderboard"}

    # Another task's code is no dep of the funding stages: only the leaderboard (every task's board) reruns.
    sciie_scorer = project / "src/sciextract/tasks/sciie/score.py"
    sciie_scorer.write_text(sciie_scorer.read_text() + "\n# edited\n")
    assert set(_stages_run(_run(["dvc", "repro"], project).stdout)) == {"leaderboard"}
    # The funding scorer is a dep of every funding stage that runs the task's code, evaluation included.
    funding_scorer = project / "src/sciextract/tasks/funding/score.py"
    funding_scorer.write_text(funding_scorer.read_text() + "\n# edited\n")
    assert {"evaluate@rule", "evaluate@sft", "evaluate@grpo"} <= set(_stages_run(_run(["dvc", "repro"], project).stdout))


def test_dvc_experiment_sets_a_param_and_shows_it(project: Path, tmp_path: Path):
    """`dvc exp run -S` on the reproduced pipeline reruns only what the param feeds, and `dvc exp show` lists it."""
    repo = tmp_path / "repo"
    shutil.copytree(project, repo)
    shutil.copy(REPO / ".gitignore", repo / ".gitignore")  # the project's own ignores keep DVC outputs out of git
    _run(["dvc", "config", "core.no_scm", "false"], repo)
    _run(["git", "init", "-q"], repo)
    _run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A"], repo)
    _run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "reproduced"], repo)
    assert _stages_run(_run(["dvc", "repro"], repo).stdout) == []
    experiment = _run(["dvc", "exp", "run", "-n", "seed-7", "-S", "leaderboard.seed=7"], repo)
    assert set(_stages_run(experiment.stdout)) == {"leaderboard"}
    shown = json.loads(_run(["dvc", "exp", "show", "--json"], repo).stdout)
    runs = [e for commit in shown for e in commit.get("experiments") or [] if e.get("name") == "seed-7"]
    assert len(runs) == 1
    data = runs[0]["revs"][0]["data"]
    assert data["params"]["params.yaml"]["data"]["leaderboard"]["seed"] == 7
    assert "reports/leaderboard.json" in data["metrics"]


def test_killed_sft_run_resumes_from_its_last_checkpoint(project: Path, tiny_model_dir: Path):
    _write_params(project, tiny_model_dir, REPO / "tests/fixtures/funding_small.jsonl",
                  sft__max_steps=400, sft__save_steps=2)
    _run(["sciextract", "prepare"], project)
    (project / "models/base").mkdir(parents=True, exist_ok=True)
    _run(["sciextract", "base_model"], project)
    worker = subprocess.Popen(["sciextract", "sft"], cwd=project, env=_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    checkpoints = project / "models/checkpoints/funding/sft"
    deadline = time.time() + 240
    # trainer_state.json is written last: wait for a complete checkpoint-4 (the kill may still land
    # while a later checkpoint is half-written, which the resume must pass over)
    while (not list(checkpoints.glob("*/checkpoint-4/trainer_state.json")) and time.time() < deadline
           and worker.poll() is None):
        time.sleep(0.05)
    assert worker.poll() is None, "the SFT run ended before it could be killed"
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    killed_at = max(int(p.parent.name.split("-")[1]) for p in checkpoints.glob("*/checkpoint-*/trainer_state.json"))
    assert 4 <= killed_at < 400

    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    before = {r.info.run_id for r in mlflow.search_runs(experiment_names=["sciextract-funding"], output_format="list")}
    _run(["sciextract", "sft"], project)
    runs = [r for r in mlflow.search_runs(experiment_names=["sciextract-funding"], output_format="list")
            if r.info.run_id not in before]
    assert len(runs) == 1
    assert runs[0].data.metrics["final/resumed_from_step"] >= killed_at
    assert runs[0].data.metrics["final/train_steps"] == 400
    assert (project / "models/funding/sft/adapter_config.json").exists()
