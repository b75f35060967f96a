"""The SciIE task end to end: `dvc repro evaluate` with `task: sciie` on the tiny random model, in a scratch project.

prepare -> sft (MimicSFT targets) -> grpo (the four R2GRPO rewards) -> evaluate (rule, base, sft, grpo),
through the real CLI, DVC, TRL, PEFT and MLflow. The hand-written fixture is split by paper into a
train file and a dev file, so the prepared splits share no sentence.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import mlflow
import pytest
import yaml

from test_pipeline import REPO, _run, _stages_run

FIXTURE = REPO / "tests/fixtures/scier_small.jsonl"
DEV_PAPER = "fx-paper-4"


def _split_fixture(root: Path) -> tuple[Path, Path]:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines(keepends=True)
    train, dev = root / "scier_train.jsonl", root / "scier_dev.jsonl"
    train.write_text("".join(line for line in lines if json.loads(line)["doc_id"] != DEV_PAPER), encoding="utf-8")
    dev.write_text("".join(line for line in lines if json.loads(line)["doc_id"] == DEV_PAPER), encoding="utf-8")
    return train, dev


@pytest.fixture(scope="module")
def project(tmp_path_factory, tiny_model_dir) -> Path:
    root = tmp_path_factory.mktemp("sciie_project")
    shutil.copy(REPO / "dvc.yaml", root / "dvc.yaml")
    shutil.copytree(REPO / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    train, dev = _split_fixture(root)
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["task"] = "sciie"
    params["model"].update(base=str(tiny_model_dir), dtype="float32")
    params["data"]["sciie"].update(train_file=str(train), dev_file=str(dev), eval_sets={"dev_again": str(dev)},
                                   variant="end2end", sft_format="mimic", train_examples=0, rl_examples=4,
                                   dev_examples=0)
    params["sft"].update(max_steps=2, save_steps=1, logging_steps=1, max_length=2048)
    params["grpo"].update(max_steps=1, save_steps=1, num_generations=2, per_device_train_batch_size=4,
                          max_completion_length=12, max_prompt_examples=4, skip_long_answers=False, rewards={})
    params["evaluate"].update(max_new_tokens=12, max_documents=0)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    _run(["dvc", "init", "--no-scm", "-q"], root)
    return root


def test_dvc_repro_runs_the_sciie_task_through_every_stage(project: Path):
    result = _run(["dvc", "repro", "evaluate"], project)  # the evaluations and all they depend on
    assert _stages_run(result.stdout) == ["base_model", "prepare", "sft", "grpo", "evaluate@rule", "evaluate@sft",
                                          "evaluate@grpo"]
    _run(["sciextract", "evaluate", "--variant", "base"], project)  # the untrained base is scored on demand only

    report = json.loads((project / "data/sciie/prepare_report.json").read_text())
    assert report["splits"] == {"sft": 5, "rl": 4, "test": 3}
    assert report["cross_split_overlap"] == {"sft/rl": 0, "sft/test": 0, "rl/test": 0}
    sft_record = json.loads((project / "data/sciie/sft.jsonl").read_text().splitlines()[0])
    assert sft_record["sft_format"] == "mimic" and sft_record["task_variant"] == "end2end"

    for variant in ("rule", "base", "sft", "grpo"):
        metrics = json.loads((project / f"reports/eval/sciie/{variant}/metrics.json").read_text())
        assert metrics["task"] == "sciie" and set(metrics["sets"]) == {"test", "dev_again"}
        test = metrics["sets"]["test"]
        assert test["stamp"]["split"] == "SciER dev" and test["stamp"]["method"] == "exact-match-micro"
        assert test["stamp"]["variant"] == variant and test["stamp"]["task_variant"] == "end2end"
        assert set(test["metrics"]) == {"ner", "rel", "rel_plus", "per_relation", "headline"}
        assert test["metrics"]["headline"]["level"] == "rel_plus"
        documents = (project / f"reports/eval/sciie/{variant}/predictions/test.documents.jsonl").read_text().splitlines()
        assert len(documents) == 3
    rule = json.loads((project / "reports/eval/sciie/rule/metrics.json").read_text())["sets"]["test"]
    # "citation intent classification" and "SciCite-X" are SFT-split entities that recur in the dev paper.
    assert rule["metrics"]["ner"]["matched"] == 2 and rule["parse_failures"] == 0
    base = json.loads((project / "reports/eval/sciie/base/metrics.json").read_text())["sets"]["test"]
    assert base["parse_failures"] == 3  # 12 random tokens are never a readable answer

    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["sciextract-sciie"], output_format="list")
    grpo = next(run for run in runs if run.data.tags["dvc_stage"] == "grpo")
    assert {f"rewards/{name}/mean" for name in ("ner_match", "relation_f1", "think_relevance", "answer_format")} \
        <= set(grpo.data.metrics)
    evaluation = next(run for run in runs if run.data.tags["dvc_stage"] == "evaluate@rule")
    assert evaluation.data.metrics["test/headline/f1"] == rule["metrics"]["headline"]["f1"]
