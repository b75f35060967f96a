"""Runs that die half-way: MLflow runs of dead processes are ended as KILLED, output sets and evaluation folders
are replaced whole or not at all, output files get the usual mode, and credentials never reach MLflow."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
from pathlib import Path

import mlflow
import pytest

from sciextract.config import Config
from sciextract.io import published_together, read_records, replaced_folder, write_json, write_jsonl
from sciextract.stages import run_evaluate, run_prepare
from sciextract.tracking import experiment_id, process_tags, stage_run

# -- MLflow runs of dead processes ----------------------------------------------------------------


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_stage_run_records_its_host_and_process(project_dir):
    with stage_run(Config(), stage="sft", task="funding", params={}, inputs=[]) as run:
        run_id = run.info.run_id
    tags = mlflow.MlflowClient().get_run(run_id).data.tags
    assert tags["process_host"] == socket.gethostname() and tags["process_id"] == str(os.getpid())
    assert tags["process_start"] == process_tags(os.getpid())["process_start"] != ""


def test_runs_a_dead_process_left_running_are_marked_killed_at_the_next_start(project_dir):
    config = Config()
    client = mlflow.MlflowClient()
    exp_id = experiment_id(config, "funding")
    here = process_tags(os.getpid())
    gone = {**here, "process_id": str(dead_pid())}

    def running(stage: str, tags: dict) -> str:
        return client.create_run(exp_id, tags={"dvc_stage": stage, **tags}).info.run_id

    runs = {
        "killed sft": running("sft", gone),
        "pid reused by another process": running("sft", {**here, "process_start": "1"}),
        "live process": running("sft", here),
        "another host": running("sft", {**gone, "process_host": "elsewhere"}),
        "another stage": running("grpo", gone),
        "no process tags": running("sft", {}),
    }
    with stage_run(config, stage="sft", task="funding", params={}, inputs=[]):
        pass
    status = {name: client.get_run(run_id).info.status for name, run_id in runs.items()}
    assert status == {"killed sft": "KILLED", "pid reused by another process": "KILLED", "live process": "RUNNING",
                      "another host": "RUNNING", "another stage": "RUNNING", "no process tags": "RUNNING"}


def test_credentials_in_params_and_tags_are_redacted(project_dir):
    params = {"sweep": {"storage": "postgresql://sweep:s3cret@db/optuna?sslmode=require&password=s3cret"}}
    with stage_run(Config(), stage="sweep", task="funding", params=params, inputs=[],
                   extra_tags={"study_url": "https://me:s3cret@host/x"}) as run:
        run_id = run.info.run_id
    data = mlflow.MlflowClient().get_run(run_id).data
    assert data.params["sweep.storage"] == "postgresql://sweep:***@db/optuna?sslmode=require&password=***"
    assert data.tags["study_url"] == "https://me:***@host/x"


# -- output sets and folders ----------------------------------------------------------------------


def test_a_file_set_is_published_together_or_not_at_all(tmp_path):
    (tmp_path / "a.json").write_text("old a")
    (tmp_path / "b.jsonl").write_text("old b")
    with pytest.raises(RuntimeError), published_together() as files:
        files.write_json(tmp_path / "a.json", {"new": 1})
        raise RuntimeError("killed between two files")
    assert (tmp_path / "a.json").read_text() == "old a" and (tmp_path / "b.jsonl").read_text() == "old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.jsonl"]
    with published_together() as files:
        files.write_json(tmp_path / "a.json", {"new": 1})
        with published_together() as inner:  # joins the outer set: nothing is published yet
            assert inner is files
            inner.write_jsonl(tmp_path / "b.jsonl", [{"new": 2}])
        assert (tmp_path / "b.jsonl").read_text() == "old b"
    assert json.loads((tmp_path / "a.json").read_text()) == {"new": 1}
    assert read_records(tmp_path / "b.jsonl") == [(1, {"new": 2})]


def test_prepare_publishes_the_splits_and_their_report_together(project_dir, funding_file, monkeypatch):
    config = Config()
    config.data.funding = dataclasses.replace(config.data.funding, synthetic_records=40, files=[str(funding_file)])
    run_prepare(config)
    data = project_dir / "data/funding"
    before = {path.name: path.read_bytes() for path in data.iterdir()}
    assert set(before) == {"sft.jsonl", "rl.jsonl", "test.jsonl", "prepare_report.json"}

    def fail(self, path, obj):
        raise OSError("disk full")

    monkeypatch.setattr("sciextract.io.FileSet.write_json", fail)
    config.data.funding = dataclasses.replace(config.data.funding, seed=7)
    with pytest.raises(OSError, match="disk full"):
        run_prepare(config)
    assert {path.name: path.read_bytes() for path in data.iterdir()} == before


def test_a_replaced_folder_is_swapped_in_whole(tmp_path):
    target = tmp_path / "eval" / "rule"
    target.mkdir(parents=True)
    (target / "metrics.json").write_text("old")
    with pytest.raises(RuntimeError), replaced_folder(target) as staging:
        (staging / "predictions.jsonl").write_text("new")
        raise RuntimeError("killed")
    assert [p.name for p in target.iterdir()] == ["metrics.json"] and (target / "metrics.json").read_text() == "old"
    (target.parent / ".rule.new-0badf00d").mkdir()  # left by a process killed before its swap
    (target.parent / ".rule.new-0badf00d" / "metrics.json").write_text("half")
    (target.parent / ".rule_b.new-0badf00d").mkdir()  # another variant's: not touched
    with replaced_folder(target) as staging:
        (staging / "metrics.json").write_text("new")
    assert [p.name for p in target.iterdir()] == ["metrics.json"] and (target / "metrics.json").read_text() == "new"
    assert sorted(p.name for p in target.parent.iterdir()) == [".rule_b.new-0badf00d", "rule"]


def test_output_files_and_folders_get_the_usual_mode(tmp_path):
    previous = os.umask(0o022)
    try:
        write_json(tmp_path / "report.json", {})
        write_jsonl(tmp_path / "rows.jsonl", [{}])
        with published_together() as files:
            files.write_jsonl(tmp_path / "split.jsonl", [{}])
        with replaced_folder(tmp_path / "folder") as staging:
            (staging / "x").write_text("x")
    finally:
        os.umask(previous)
    for name in ("report.json", "rows.jsonl", "split.jsonl"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644, name
    assert (tmp_path / "folder").stat().st_mode & 0o777 == 0o755


# -- evaluate -------------------------------------------------------------------------------------


@pytest.fixture
def funding_project(project_dir, funding_file) -> Config:
    """A prepared funding project with one extra evaluation set, so an evaluation writes two sets."""
    config = Config()
    config.data.funding = dataclasses.replace(config.data.funding, synthetic_records=40,
                                              eval_sets={"fixture": str(funding_file)})
    run_prepare(config)
    return config


def fake_predictor(raw: str | None, fail_after: int | None = None):
    """A predictor answering `raw` for every record; with `fail_after`, the call after that many raises."""
    calls = []

    def make(task, config, variant):
        def predict(records, samples=0):
            calls.append(len(records))
            if fail_after is not None and len(calls) > fail_after:
                raise KeyboardInterrupt("killed")
            return [(raw, task.parse(raw)) for _ in records]
        return predict

    return make


def test_a_killed_evaluation_leaves_the_previous_one_whole(funding_project, monkeypatch):
    run_evaluate(funding_project, "rule")
    folder = Path("reports/eval/funding/rule")
    before = {str(path): path.read_bytes() for path in folder.rglob("*") if path.is_file()}
    assert {Path(p).name for p in before} >= {"metrics.json", "test.jsonl", "fixture.jsonl"}
    monkeypatch.setattr("sciextract.predict.make_predictor", fake_predictor("[]", fail_after=1))
    with pytest.raises(KeyboardInterrupt):
        run_evaluate(funding_project, "rule")
    assert {str(path): path.read_bytes() for path in folder.rglob("*") if path.is_file()} == before
    assert [path.name for path in folder.parent.iterdir()] == ["rule"]


def test_an_output_with_a_lone_surrogate_is_evaluated_and_written(funding_project, monkeypatch):
    raw = '[{"funder_name": "NSF\ud800"}]'
    monkeypatch.setattr("sciextract.predict.make_predictor", fake_predictor(raw))
    run_evaluate(funding_project, "rule", name="surrogate")
    rows = [row for _, row in read_records("reports/eval/funding/surrogate/predictions/test.jsonl")]
    assert rows and all(row["raw_output"] == '[{"funder_name": "NSF\ufffd"}]' for row in rows)
    assert all(row["predicted_funders"][0]["funder_name"] == "NSF\ufffd" for row in rows)
    metrics = json.loads(Path("reports/eval/funding/surrogate/metrics.json").read_text(encoding="utf-8"))
    assert set(metrics["sets"]) == {"test", "fixture"}
