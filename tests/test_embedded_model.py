"""The one end-to-end test on the real embedded SmolLM2-135M: GGUF rebuild, a few SFT steps, generation."""

from __future__ import annotations

import json

import pytest

from sciextract.config import Config
from sciextract.modeling import load_policy, materialize_base, resolved_dtype, torch_dtype
from sciextract.predict import make_predictor
from sciextract.tasks.funding.task import FundingTask
from sciextract.train.sft import run_sft


@pytest.mark.e2e
def test_embedded_smollm2_rebuilds_trains_and_generates(tmp_path, funding_file, monkeypatch):
    import mlflow

    base_dir = tmp_path / "models/base"
    info = materialize_base(Config().model, base_dir)
    assert info["parameters"] > 100_000_000
    assert (base_dir / "model.safetensors").exists() and (base_dir / "chat_template.jinja").exists()
    config_json = json.loads((base_dir / "config.json").read_text())
    assert "quantization_config" not in config_json  # a plain model: trainable and savable

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "sft.jsonl").write_text(funding_file.read_text())
    config = Config()
    config.model.dtype = "auto"  # the pipeline's: bfloat16 where the CPU runs it in hardware, else float32
    config.sft.max_steps = 2
    config.sft.per_device_train_batch_size = 2
    config.sft.gradient_accumulation_steps = 1
    config.sft.save_steps = 100
    config.sft.logging_steps = 1
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    with mlflow.start_run():
        metrics = run_sft(FundingTask(), config, data_dir=data_dir, base_dir=base_dir, out_dir=tmp_path / "sft",
                          checkpoint_root=tmp_path / "checkpoints", curve_path=tmp_path / "curve.csv")
    assert metrics["train_steps"] == 2 and metrics["train_loss"] > 0
    assert metrics["train_tokens_per_second"] > 0

    model, _ = load_policy(base_dir, tmp_path / "sft", config.model)
    assert model.dtype == torch_dtype(resolved_dtype(config.model))
    monkeypatch.setattr("sciextract.paths.BASE_DIR", base_dir)
    config.evaluate.max_new_tokens = 48
    record = json.loads(funding_file.read_text().splitlines()[0])
    (raw, parsed), = make_predictor(FundingTask(), config, str(tmp_path / "sft"))([record])
    assert isinstance(raw, str) and raw.strip()  # the model answers; its quality is the pipeline's business
    assert isinstance(parsed.value, list)
