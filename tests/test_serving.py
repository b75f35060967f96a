"""Trained extractors users can use: the sft and grpo stages register their adapters as MLflow models, the
leaderboard moves the `champion` alias, `mlflow models serve` answers a JSON request, and `load_extractor` answers
from an adapter folder or a registry URI. On the tiny random model: the answers' content is the pipeline's
business, their path through the code is checked here."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import mlflow
import pandas as pd
import pytest

from sciextract.config import Config, LeaderboardSettings
from sciextract.errors import InputError
from sciextract.extractor import adapter_task, load_extractor, relinked_chain
from sciextract.leaderboard import build_leaderboard
from sciextract.leaderboard.registry import update_champions
from sciextract.model_registry import ADAPTER_DIGEST_TAG, CHAMPION_ALIAS, folder_digest
from sciextract.modeling import adapter_chain
from sciextract.tasks import get_task
from sciextract.tracking import KIND_TAG, MODEL_TRAINING_KIND, experiment_id
from sciextract.train.common import BASE_DIGEST_TAG
from test_leaderboard import funding_documents, review_documents, review_report, write_evaluation

REPO = Path(__file__).resolve().parents[1]
MODEL = "sciextract-funding"
STATEMENTS = ["This work was supported by the Wellcome Trust (grant 123456).",
              "We thank the National Science Foundation for support under award DMS-1912345."]


def tiny_config(project: Path) -> Config:
    config = Config()
    config.tracking.tracking_uri = f"sqlite:///{project / 'mlflow.db'}"
    config.sft.max_steps, config.sft.save_steps, config.sft.max_length = 2, 10, 1024
    config.grpo.max_steps, config.grpo.num_generations, config.grpo.per_device_train_batch_size = 1, 2, 2
    config.grpo.max_completion_length, config.grpo.max_prompt_examples = 8, 2
    config.evaluate.max_new_tokens = 12
    return config


@pytest.fixture(scope="module")
def project(tmp_path_factory, tiny_model_dir):
    """A project trained by the real sft and grpo stages on the tiny model (a few seconds), which register both
    adapters in its MLflow store."""
    from sciextract.stages import run_grpo_stage, run_sft_stage

    root = tmp_path_factory.mktemp("serving")
    shutil.copy(REPO / "dvc.yaml", root / "dvc.yaml")
    shutil.copytree(REPO / "pipelines", root / "pipelines")
    shutil.copytree(tiny_model_dir, root / "models/base")
    (root / "data/funding").mkdir(parents=True)
    for split in ("sft", "rl", "test"):
        shutil.copy(REPO / "tests/fixtures/funding_small.jsonl", root / f"data/funding/{split}.jsonl")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        config = tiny_config(root)
        run_sft_stage(config)
        run_grpo_stage(config)
    return root


@pytest.fixture
def in_project(project, monkeypatch) -> Path:
    monkeypatch.chdir(project)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    return project


def versions_by_stage() -> dict:
    return {version.tags["dvc_stage"]: version
            for version in mlflow.MlflowClient().search_model_versions(f"name = '{MODEL}'")}


def test_training_stages_register_their_adapters_with_the_run_stamp(in_project):
    client = mlflow.MlflowClient()
    versions = versions_by_stage()
    assert set(versions) == {"sft", "grpo"}
    base_uris = set()
    for stage, version in versions.items():
        run = client.get_run(version.run_id)
        assert run.data.tags["dvc_stage"] == stage
        for key in ("task", "git_commit", "params_hash", "base_model"):
            assert version.tags[key] == run.data.tags[key]
        assert version.tags["adapter"] == f"models/funding/{stage}"
        assert version.tags[ADAPTER_DIGEST_TAG] == folder_digest(in_project / "models/funding" / stage)
        local = Path(mlflow.artifacts.download_artifacts(f"models:/{MODEL}/{version.version}"))
        settings = mlflow.models.Model.load(local).flavors["python_function"]["config"]
        assert settings["task"] == "funding" and settings["config"]["evaluate"]["max_new_tokens"] == 12
        base_uris.add(settings["base_model_uri"])
        assert (local / "code/sciextract/extractor.py").exists()  # runs without this repository's code
        shipped = sorted(path.name for path in (local / "artifacts").iterdir())
        assert shipped == (["grpo", "sft"] if stage == "grpo" else ["sft"])  # GRPO applies on base + SFT
    # the base model is stored once, in a run of its own that both models reference, not copied into each
    base_digest = folder_digest(in_project / "models/base")
    (store,) = mlflow.search_runs(search_all_experiments=True, output_format="list",
                                  filter_string=f"tags.{BASE_DIGEST_TAG} = '{base_digest}'")
    assert base_uris == {f"runs:/{store.info.run_id}/base_model"} and store.info.status == "FINISHED"
    stored = {Path(a.path).name for a in client.list_artifacts(store.info.run_id, "base_model")}
    assert {"config.json", "model.safetensors"} <= stored
    experiment = mlflow.get_experiment(client.get_run(versions["sft"].run_id).info.experiment_id)
    assert experiment.tags[KIND_TAG] == MODEL_TRAINING_KIND


def test_a_grpo_model_relinks_its_sft_adapter_to_the_shipped_copy(in_project, tmp_path):
    """The GRPO adapter's merged_from.json names `models/funding/sft` of the training project; the loaded model
    must merge the SFT adapter it ships, wherever it was downloaded to."""
    local = Path(mlflow.artifacts.download_artifacts(f"models:/{MODEL}/{versions_by_stage()['grpo'].version}",
                                                     dst_path=str(tmp_path / "download")))
    assert json.loads((local / "artifacts/grpo/merged_from.json").read_text())["sft_adapter"] == "models/funding/sft"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    relinked = relinked_chain([local / "artifacts/sft", local / "artifacts/grpo"], scratch)
    assert adapter_chain(relinked) == [local / "artifacts/sft", relinked]
    assert (relinked / "adapter_model.safetensors").resolve() == (local / "artifacts/grpo/adapter_model.safetensors")


@pytest.fixture(scope="module")
def registered_grpo(project):
    """The registered GRPO model loaded as MLflow's pyfunc (a registry URI, as a user would)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)
        mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
        version = versions_by_stage()["grpo"].version
        return mlflow.pyfunc.load_model(f"models:/{MODEL}/{version}")


def test_registered_model_answers_like_its_adapter_folder(in_project, registered_grpo):
    served = registered_grpo.predict(pd.DataFrame({"funding_statement": STATEMENTS}))
    assert len(served) == 2 and all(isinstance(answer, list) for answer in served)  # one list of funders per row
    extractor = registered_grpo.unwrap_python_model().extractor
    local = load_extractor("models/funding/grpo", config=tiny_config(in_project))
    records = [extractor.task.input_record(text, extractor.config) for text in STATEMENTS]
    assert extractor._predict(records) == local._predict(records)  # same weights, generation and parser
    assert local.extract(STATEMENTS) == served == local.extract([{"funding_statement": text} for text in STATEMENTS])


def test_extract_names_a_bad_input(registered_grpo):
    extractor = registered_grpo.unwrap_python_model().extractor
    with pytest.raises(InputError, match=r"input 2, field 'funding_statement': missing"):
        extractor.extract([STATEMENTS[0], {"statement": STATEMENTS[1]}])
    with pytest.raises(TypeError, match="a list of inputs"):
        extractor.extract(STATEMENTS[0])
    assert extractor.extract([]) == []


def test_inputs_become_the_records_each_task_prompts_with():
    config = Config()
    config.data.sciie.variant = "ner"
    sciie = get_task("sciie")
    record = sciie.input_record("We train BERT on SQuAD.", config)
    assert record == {"sentence": "We train BERT on SQuAD.", "task_variant": "ner"}
    assert "We train BERT on SQuAD." in sciie.prompt(record)[1]["content"]
    with pytest.raises(InputError, match="takes records of its fields"):
        get_task("review").input_record("a paper", config)
    assert get_task("review").input_record({"paper_text": "Title: T"}, config) == {"paper_text": "Title: T"}


def test_the_task_of_an_adapter_folder_comes_from_its_model_card(in_project, tmp_path):
    assert adapter_task(in_project / "models/funding/grpo") == "funding"
    (tmp_path / "README.md").write_text("---\ntags: [sciextract, lora, sft]\n---\n# an adapter\n")
    with pytest.raises(InputError, match="README.md, field 'tags'"):
        adapter_task(tmp_path)
    with pytest.raises(ValueError, match="cannot be applied"):
        load_extractor(f"models:/{MODEL}/1", config=Config())


def test_leaderboard_moves_the_champion_alias(in_project):
    """Champion: the best model row on the test set that passes the gate; the rule baseline is passed over, and
    the alias is removed when no model passes."""
    eval_root = in_project / "reports/eval"
    shutil.rmtree(eval_root, ignore_errors=True)
    for variant, hits in (("rule", 95), ("sft", 85), ("grpo", 90)):
        adapter = None if variant == "rule" else f"models/funding/{variant}"
        write_evaluation(eval_root, variant, {"test": funding_documents(hits, 100)}, adapter=adapter)
    write_evaluation(eval_root, "grpo-fixture", {"fixture": funding_documents(99, 100)}, adapter="models/funding/sft")
    config = tiny_config(in_project)
    versions = {stage: int(version.version) for stage, version in versions_by_stage().items()}

    def champion(gate: str) -> int | None:
        settings = LeaderboardSettings(bootstrap_samples=20, gates={"funding": {"all_of": [gate]}})
        done = update_champions(build_leaderboard(settings, eval_root, None), config.tracking)
        aliases = mlflow.MlflowClient().get_registered_model(MODEL).aliases
        assert set(done) == {"funding"}
        return int(aliases[CHAMPION_ALIAS]) if CHAMPION_ALIAS in aliases else None

    assert champion("metrics.funder.f1 >= 0.80") == versions["grpo"]  # the best model row
    assert champion("metrics.award_id.f1 <= 0.87") == versions["sft"]  # grpo held by the gate
    assert champion("metrics.funder.f1 >= 0.99") is None  # no model passes: no champion

    documents = review_documents(3, 4)
    report = review_report(documents, 0.5, "sft")
    report["stamp"]["adapter"] = "models/review/sft"
    write_evaluation(eval_root, "sft", {"test": documents}, task="review", reports={"test": report})
    settings = LeaderboardSettings(bootstrap_samples=20)
    done = update_champions(build_leaderboard(settings, eval_root, None), config.tracking)
    assert done["review"].startswith("no registered model sciextract-review")  # a notice, not an error
    assert done["funding"].startswith(f"{MODEL}@{CHAMPION_ALIAS} -> version {versions['grpo']}")  # no gate
    shutil.rmtree(eval_root / "review")

    write_evaluation(eval_root, "sft", {"test": funding_documents(85, 100)}, adapter="models/funding/sft",
                     max_documents=50)  # a stale evaluation under another stamp: not comparable
    done = update_champions(build_leaderboard(settings, eval_root, None), config.tracking)
    assert "unchanged: 2 stamp groups of funding" in done["funding"]
    assert int(mlflow.MlflowClient().get_registered_model(MODEL).aliases[CHAMPION_ALIAS]) == versions["grpo"]
    shutil.rmtree(eval_root)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_served_champion_answers_a_json_request(in_project, registered_grpo, tmp_path):
    """`mlflow models serve -m models:/sciextract-funding@champion` on loopback, as a user starts it."""
    grpo = versions_by_stage()["grpo"].version
    mlflow.MlflowClient().set_registered_model_alias(MODEL, CHAMPION_ALIAS, grpo)
    port = free_port()
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "MLFLOW_TRACKING_URI": f"sqlite:///{in_project / 'mlflow.db'}"}
    log = tmp_path / "server.log"
    with log.open("wb") as output:  # a file, not a pipe nobody reads, which would fill and stall the server
        server = subprocess.Popen([str(bin_dir / "mlflow"), "models", "serve", "-m",
                                   f"models:/{MODEL}@{CHAMPION_ALIAS}", "--env-manager", "local",
                                   "--host", "127.0.0.1", "--port", str(port)],
                                  cwd=in_project, env=env, stdout=output, stderr=subprocess.STDOUT,
                                  start_new_session=True)  # its own process group: uvicorn is a grandchild
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                assert server.poll() is None, log.read_text(errors="replace")[-3000:]
                assert time.monotonic() < deadline, "the model server did not answer /ping within 90 s"
                time.sleep(1)
        body = json.dumps({"dataframe_records": [{"funding_statement": STATEMENTS[0]}]}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/invocations", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    assert set(answer) == {"predictions"} and len(answer["predictions"]) == 1
    assert isinstance(answer["predictions"][0], list)  # the funders of the one statement
    assert answer["predictions"] == registered_grpo.predict(pd.DataFrame({"funding_statement": STATEMENTS[:1]}))


def test_experiments_are_model_training_experiments(tmp_path, monkeypatch):
    """Created with MLflow's model-training kind; an existing experiment gets it, a kind set in the UI stays."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    config = Config()
    config.tracking.tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    created = mlflow.get_experiment(experiment_id(config, "funding"))
    assert created.tags[KIND_TAG] == MODEL_TRAINING_KIND
    old = mlflow.create_experiment("sciextract-sciie")
    assert KIND_TAG not in mlflow.get_experiment(old).tags
    assert experiment_id(config, "sciie") == old and mlflow.get_experiment(old).tags[KIND_TAG] == MODEL_TRAINING_KIND
    mlflow.MlflowClient().set_experiment_tag(old, KIND_TAG, "genai_development")
    experiment_id(config, "sciie")
    assert mlflow.get_experiment(old).tags[KIND_TAG] == "genai_development"
