"""The review task end to end: `dvc repro` in a scratch copy of dvc.yaml and src/ with params that select
`task: review` on the demo corpus and point at the tiny random model, from data to evaluation rows, then the
leaderboard over those rows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FIXTURE = REPO / "tests/fixtures/review_small.jsonl"
VARIANTS = ("rule", "sft", "grpo")  # the pipeline's evaluations; the untrained base is scored on demand only


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def project(tmp_path_factory, tiny_model_dir) -> Path:
    root = tmp_path_factory.mktemp("review_project")
    shutil.copy(REPO / "dvc.yaml", root / "dvc.yaml")
    shutil.copytree(REPO / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    (root / "reports").mkdir()
    shutil.copy(REPO / "reports/references.yaml", root / "reports/references.yaml")
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["task"] = "review"
    params["model"].update(base=str(tiny_model_dir), dtype="float32")
    params["data"]["review"].update(max_paper_tokens=160, eval_sets={"fixture": str(FIXTURE)})
    params["sft"].update(max_steps=2, save_steps=1, logging_steps=1, max_length=1536)
    params["grpo"].update(max_steps=1, save_steps=1, num_generations=2, per_device_train_batch_size=4,
                          max_completion_length=12, max_prompt_examples=4, skip_long_answers=False,
                          rewards={"review": {"semantic_f1": 1.0, "unreadable_penalty": 0.5}})
    params["evaluate"].update(max_new_tokens=12, max_documents=4)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    _run(["dvc", "init", "--no-scm", "-q"], root)
    return root


def test_dvc_repro_runs_the_review_task_from_data_to_leaderboard(project: Path):
    first = _run(["dvc", "repro", "evaluate"], project)
    stages = [line.split("'")[1] for line in first.stdout.splitlines() if line.startswith("Running stage")]
    assert set(stages) == {"base_model", "prepare", "sft", "grpo", *(f"evaluate@{v}" for v in VARIANTS)}

    report = json.loads((project / "data/review/prepare_report.json").read_text())
    assert report["sources"] == {"demo_corpus": 40} and report["max_paper_tokens"] == 160
    assert sum(report["cut_inputs"].values()) == sum(report["splits"].values())  # 160 tiny-model tokens cut every article
    assert not any(report["cross_split_overlap"].values())

    stamps = []
    for variant in VARIANTS:
        metrics = json.loads((project / f"reports/eval/review/{variant}/metrics.json").read_text())
        assert metrics["task"] == "review" and set(metrics["sets"]) == {"test", "fixture"}
        test = metrics["sets"]["test"]
        assert test["documents"] == 4 and test["stamp"]["variant"] == variant
        assert {"f1", "recall", "precision", "major_recall", "minor_recall", "mean_concerns_per_article"} <= set(test["metrics"])
        documents = (project / f"reports/eval/review/{variant}/predictions/test.documents.jsonl").read_text().splitlines()
        assert len(documents) == 4 and {"gold", "pred", "matched", "pred_after_dedup"} <= set(json.loads(documents[0]))
        stamps.append({k: v for k, v in test["stamp"].items() if k not in ("variant", "adapter", "documents_without_prediction")})
    assert all(stamp == stamps[0] for stamp in stamps)  # every variant scored under one comparable stamp
    rule = json.loads((project / "reports/eval/review/rule/metrics.json").read_text())["sets"]["fixture"]["metrics"]
    assert rule["mean_concerns_per_article"] == 8.0 and rule["f1"] == rule["count_baseline"]["f1"]

    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["sciextract-review"], output_format="list")
    grpo = next(run for run in runs if run.data.tags["dvc_stage"] == "grpo")
    assert {"rewards/semantic_f1/mean", "rewards/unreadable_penalty/mean"} <= set(grpo.data.metrics)

    assert _run(["dvc", "repro", "evaluate"], project).stdout.count("Running stage") == 0
    _run(["sciextract", "leaderboard"], project)
    board = json.loads((project / "reports/leaderboard.json").read_text())
    assert "review" in json.dumps(board)
