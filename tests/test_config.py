"""params.yaml -> typed dataclasses: strict keys and types, errors that name the file and the dotted field."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from sciextract.config import (
    Config,
    EvaluateSettings,
    GRPOSettings,
    LoraSettings,
    SFTSettings,
    load_config,
)
from sciextract.errors import InputError

REPO_PARAMS = Path(__file__).resolve().parents[1] / "params.yaml"


def params(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> InputError:
    path = params(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.path == str(path)
    assert str(info.value).startswith(str(path))
    return info.value


# -- the repository's params.yaml -----------------------------------------------------------------


def test_repo_params_load_with_typed_values():
    config = load_config(REPO_PARAMS)
    raw = yaml.safe_load(REPO_PARAMS.read_text(encoding="utf-8"))
    assert isinstance(config, Config)
    assert isinstance(config.sft, SFTSettings) and isinstance(config.grpo, GRPOSettings)
    assert isinstance(config.sft.lora, LoraSettings) and isinstance(config.evaluate, EvaluateSettings)
    # every value set in the file arrives unchanged (ints promoted where the field is a float)
    assert config.task == raw["task"]
    for key, value in raw["data"]["funding"].items():
        assert getattr(config.data.funding, key) == value, f"data.funding.{key}"
    for section in ("model", "sft", "grpo", "evaluate", "tracking"):
        for key, value in raw.get(section, {}).items():
            got = getattr(getattr(config, section), key)
            if dataclasses.is_dataclass(got):
                assert dataclasses.asdict(got) | value == dataclasses.asdict(got)
            else:
                assert got == value, f"{section}.{key}"
    assert isinstance(config.task, str)
    assert isinstance(config.sft.learning_rate, float) and isinstance(config.grpo.learning_rate, float)
    assert isinstance(config.sft.max_steps, int) and not isinstance(config.sft.max_steps, bool)
    assert isinstance(config.grpo.mask_truncated_completions, bool)
    assert isinstance(config.sft.lora.r, int)
    assert isinstance(config.data.funding.split_ratios, dict)
    assert isinstance(config.data.funding.files, list)
    assert all(isinstance(v, float) for v in (config.evaluate.funding.funder_threshold, config.evaluate.funding.text_threshold))


def test_empty_params_file_gives_the_defaults(tmp_path):
    assert load_config(params(tmp_path, "")) == Config()
    assert load_config(params(tmp_path, "# only a comment\n")) == Config()


def test_partial_params_keep_defaults_elsewhere(tmp_path):
    config = load_config(params(tmp_path, "sft:\n  max_steps: 7\n  lora: {r: 4}\n"))
    assert config.sft.max_steps == 7
    assert config.sft.lora.r == 4
    assert config.sft.lora.dropout == LoraSettings().dropout
    assert config.grpo == GRPOSettings()
    assert config.evaluate == EvaluateSettings()


def test_missing_params_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(InputError, match="not found") as info:
        load_config(path)
    assert info.value.path == str(path)


# -- unknown keys ---------------------------------------------------------------------------------


def test_unknown_top_level_key(tmp_path):
    error = load_error(tmp_path, "task: funding\ntaks: funding\n")
    assert error.field == "taks"
    assert "field 'taks'" in str(error) and "unknown key" in str(error)


def test_unknown_nested_key(tmp_path):
    error = load_error(tmp_path, "sft:\n  max_steps: 3\n  lora:\n    r: 8\n    rank: 8\n")
    assert error.field == "sft.lora.rank"
    assert "field 'sft.lora.rank'" in str(error)


def test_unknown_key_deep_in_data(tmp_path):
    error = load_error(tmp_path, "data:\n  funding:\n    synthetic_record: 10\n")
    assert error.field == "data.funding.synthetic_record"


# -- wrong types ----------------------------------------------------------------------------------

WRONG_TYPES = [
    ("sft:\n  max_steps: ten\n", "sft.max_steps"),
    ('sft:\n  max_steps: "ten"\n', "sft.max_steps"),
    ("sft:\n  max_steps: 2.5\n", "sft.max_steps"),
    ("sft:\n  max_steps: true\n", "sft.max_steps"),
    ("evaluate:\n  funding:\n    mode: 3\n", "evaluate.funding.mode"),
    ("evaluate:\n  do_sample: 1\n", "evaluate.do_sample"),
    ("evaluate:\n  funding:\n    funder_threshold: high\n", "evaluate.funding.funder_threshold"),
    ("evaluate:\n  funding:\n    funder_threshold: false\n", "evaluate.funding.funder_threshold"),
    ("sft:\n  lora: {alpha: 8.5}\n", "sft.lora.alpha"),
    ("grpo:\n  lora: {target_modules: [q_proj, 3]}\n", "grpo.lora.target_modules"),
    ("data:\n  funding:\n    files: [a.jsonl, 3]\n", "data.funding.files"),
    ("data:\n  funding:\n    files: a.jsonl\n", "data.funding.files"),
    ("data:\n  funding:\n    split_ratios: {sft: a, rl: 0.1, test: 0.1}\n", "data.funding.split_ratios"),
    ("grpo:\n  rewards: [funder_f05]\n", "grpo.rewards"),
    ("task: [funding]\n", "task"),
]


@pytest.mark.parametrize(("text", "field"), WRONG_TYPES, ids=[w[1] + ":" + w[0].split(":")[-1].strip() for w in WRONG_TYPES])
def test_wrong_type_names_the_dotted_field(tmp_path, text, field):
    error = load_error(tmp_path, text)
    assert error.field == field
    assert f"field '{field}'" in str(error)


@pytest.mark.parametrize(("text", "field"), [("sft: 5\n", "sft"), ("sft:\n  lora: [8]\n", "sft.lora")])
def test_section_that_is_not_a_mapping_is_an_error(tmp_path, text, field):
    error = load_error(tmp_path, text)
    assert "expected a mapping" in str(error)
    assert error.field.rstrip(".") == field


@pytest.mark.parametrize(("text", "field"), [("sft: 5\n", "sft"), ("sft:\n  lora: [8]\n", "sft.lora")])
def test_section_that_is_not_a_mapping_names_the_dotted_field(tmp_path, text, field):
    error = load_error(tmp_path, text)
    assert error.field == field
    assert f"field '{field}'" in str(error)


def test_top_level_must_be_a_mapping(tmp_path):
    error = load_error(tmp_path, "- task\n- funding\n")
    assert error.field is None
    assert "mapping" in str(error)


def test_ints_are_accepted_for_float_fields_and_become_floats(tmp_path):
    config = load_config(params(tmp_path, "sft:\n  learning_rate: 1\n  warmup_steps: 10\n  num_train_epochs: 2\n"
                                          "evaluate:\n  funding:\n    funder_threshold: 1\n"))
    assert config.sft.learning_rate == 1.0 and type(config.sft.learning_rate) is float
    assert config.sft.warmup_steps == 10.0 and type(config.sft.warmup_steps) is float
    assert config.sft.num_train_epochs == 2.0 and type(config.sft.num_train_epochs) is float
    assert type(config.evaluate.funding.funder_threshold) is float


def test_union_and_container_fields(tmp_path):
    config = load_config(params(tmp_path, "sft:\n  lora: {alpha: null, target_modules: [q_proj, v_proj]}\n"
                                          "grpo:\n  lora: {alpha: 4, target_modules: all-linear}\n"
                                          "data:\n  funding:\n    files: [a.jsonl, hf:x/y:test]\n"
                                          "    eval_sets: {real: r.jsonl}\n"))
    assert config.sft.lora.alpha is None and config.sft.lora.target_modules == ["q_proj", "v_proj"]
    assert config.grpo.lora.alpha == 4 and config.grpo.lora.target_modules == "all-linear"
    assert config.data.funding.files == ["a.jsonl", "hf:x/y:test"]
    assert config.data.funding.eval_sets == {"real": "r.jsonl"}


def test_null_section_gives_that_sections_defaults(tmp_path):
    assert load_config(params(tmp_path, "sft:\n")).sft == SFTSettings()


# -- LoRA alpha -----------------------------------------------------------------------------------


def test_resolved_alpha():
    assert LoraSettings(r=8).resolved_alpha == 16
    assert LoraSettings(r=8, alpha=None).resolved_alpha == 16
    assert LoraSettings(r=8, alpha=4).resolved_alpha == 4
    assert LoraSettings(r=16, alpha=0).resolved_alpha == 0  # an explicit 0 is not "unset"
    assert LoraSettings().resolved_alpha == 2 * LoraSettings().r


def test_resolved_alpha_from_params(tmp_path):
    config = load_config(params(tmp_path, "sft:\n  lora: {r: 12, alpha: null}\ngrpo:\n  lora: {r: 4, alpha: 6}\n"))
    assert config.sft.lora.resolved_alpha == 24
    assert config.grpo.lora.resolved_alpha == 6


# -- invalid YAML ---------------------------------------------------------------------------------

INVALID_YAML = [
    ("task: funding\nsft:\n  max_steps: [1, 2\n  seed: 3\n", 4),
    ("task: funding\nmodel:\n  base: x\n\tdtype: y\n", 4),
    ("a: b: c\n", 1),
    ("task: funding\nsft:\n  max_steps: 3\n seed: 4\n", 4),
]


@pytest.mark.parametrize(("text", "line"), INVALID_YAML)
def test_invalid_yaml_names_a_line(tmp_path, text, line):
    error = load_error(tmp_path, text)
    assert error.line == line
    assert f", line {line}:" in str(error)
    assert "invalid YAML" in str(error)


def test_negative_loop_stop_names_its_field(tmp_path):
    error = load_error(tmp_path, "evaluate:\n  stop_on_loop: -1\n")
    assert error.field == "evaluate.stop_on_loop"


def test_loop_stop_with_vllm_is_an_error_before_any_run(tmp_path):
    error = load_error(tmp_path, "model:\n  generation_backend: vllm\nevaluate:\n  stop_on_loop: 3\n")
    assert "evaluate.stop_on_loop" in str(error)
    profile = Path(__file__).resolve().parents[1] / "profiles" / "gpu-qwen3.5-9b.yaml"
    assert load_config(profile).evaluate.stop_on_loop == 0
