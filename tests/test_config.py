"""params.yaml -> typed dataclasses: strict keys and types, errors that name the file and the dotted field."""

from __future__ import annotations

import dataclasses
import json
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
    ranges,
    redact_credentials,
    redacted,
    to_dict,
    with_overrides,
)
from sciextract.errors import InputError
from sciextract.tasks.funding.task import FundingTask
from sciextract.tasks.review.task import ReviewTask

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


def assert_arrives(settings, raw: dict, where: str) -> None:
    """Every key the file sets under `where` has the same value in the typed settings, nested sections (a
    dataclass such as `data.funding.article` or `sft.lora`) key by key."""
    for key, value in raw.items():
        got = getattr(settings, key)
        if dataclasses.is_dataclass(got):
            assert isinstance(value, dict), f"{where}.{key}"
            assert_arrives(got, value, f"{where}.{key}")
        else:
            assert got == value, f"{where}.{key}"


def test_repo_params_load_with_typed_values():
    config = load_config(REPO_PARAMS)
    raw = yaml.safe_load(REPO_PARAMS.read_text(encoding="utf-8"))
    assert isinstance(config, Config)
    assert isinstance(config.sft, SFTSettings) and isinstance(config.grpo, GRPOSettings)
    assert isinstance(config.sft.lora, LoraSettings) and isinstance(config.evaluate, EvaluateSettings)
    # every value set in the file arrives unchanged (ints promoted where the field is a float)
    assert config.task == raw["task"]
    assert_arrives(config.data.funding, raw["data"]["funding"], "data.funding")
    for section in ("model", "sft", "grpo", "evaluate", "decoding", "tracking"):
        assert_arrives(getattr(config, section), raw.get(section, {}), section)
    assert isinstance(config.task, str)
    assert isinstance(config.sft.learning_rate, float) and isinstance(config.grpo.learning_rate, float)
    assert isinstance(config.sft.max_steps, int) and not isinstance(config.sft.max_steps, bool)
    assert isinstance(config.grpo.mask_truncated_completions, bool)
    assert isinstance(config.sft.lora.r, int)
    assert isinstance(config.data.funding.split_ratios, dict)
    assert isinstance(config.data.funding.files, list)
    assert all(isinstance(v, float) for v in (config.evaluate.funding.funder_threshold, config.evaluate.funding.text_threshold))


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_empty_params_file_is_an_error(tmp_path, text):
    """An empty file would run every stage on defaults without a word (a truncated copy, a wrong --params)."""
    error = load_error(tmp_path, text)
    assert "empty" in str(error) and error.field is None


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
    assert LoraSettings(r=16, alpha=1).resolved_alpha == 1  # an explicit alpha is used as given
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


def test_cpu_sciie_profile_is_the_cpu_profile_with_the_sciie_settings():
    """The profile differs from params.yaml only where its comments say so: a stale copy would drift silently."""
    root = Path(__file__).resolve().parents[1]
    funding, sciie = load_config(root / "params.yaml"), load_config(root / "profiles" / "cpu-sciie.yaml")
    assert (sciie.task, sciie.sft.max_steps, sciie.evaluate.stop_on_loop) == ("sciie", 360, 0)
    assert (sciie.data.sciie.train_examples, sciie.decoding.grounding.pop("sciie")) == (2880, 1.0)
    sciie.task, sciie.sft.max_steps = funding.task, funding.sft.max_steps
    sciie.data.sciie.train_examples = funding.data.sciie.train_examples
    sciie.evaluate.stop_on_loop = funding.evaluate.stop_on_loop
    assert sciie == funding


# -- ranges ---------------------------------------------------------------------------------------

OUT_OF_RANGE = [
    ("sft:\n  learning_rate: -0.001\n", "sft.learning_rate"),
    ("sft:\n  learning_rate: 0\n", "sft.learning_rate"),
    ("grpo:\n  learning_rate: 0\n", "grpo.learning_rate"),
    ("grpo:\n  beta: -0.5\n", "grpo.beta"),
    ("grpo:\n  temperature: -1\n", "grpo.temperature"),
    ("grpo:\n  top_p: 2\n", "grpo.top_p"),
    ("sft:\n  per_device_train_batch_size: 0\n", "sft.per_device_train_batch_size"),
    ("evaluate:\n  batch_size: 0\n", "evaluate.batch_size"),
    ("sft:\n  lora: {r: 0}\n", "sft.lora.r"),
    ("sft:\n  lora: {alpha: 0}\n", "sft.lora.alpha"),
    ("grpo:\n  lora: {dropout: 1.5}\n", "grpo.lora.dropout"),
    ("sft:\n  max_length: -1\n", "sft.max_length"),
    ("sft:\n  max_steps: 0\n", "sft.max_steps"),
    ("evaluate:\n  max_new_tokens: -5\n", "evaluate.max_new_tokens"),
    ("evaluate:\n  funding:\n    funder_threshold: 1.5\n", "evaluate.funding.funder_threshold"),
    ("evaluate:\n  funding:\n    text_threshold: -1\n", "evaluate.funding.text_threshold"),
    ("evaluate:\n  review:\n    threshold: 1.5\n", "evaluate.review.threshold"),
    ("data:\n  funding:\n    noise_fraction: 3\n", "data.funding.noise_fraction"),
    ("data:\n  funding:\n    synthetic_records: -5\n", "data.funding.synthetic_records"),
    ("data:\n  sciie:\n    dev_examples: -1\n", "data.sciie.dev_examples"),
    ("data:\n  review:\n    max_paper_tokens: 10\n", "data.review.max_paper_tokens"),
    ("grpo:\n  num_generations: 0\n", "grpo.num_generations"),
    ("grpo:\n  num_generations: 1\n  per_device_train_batch_size: 1\n", "grpo.num_generations"),
    ("grpo:\n  epsilon: 0.3\n  epsilon_high: 0.2\n", "grpo.epsilon_high"),
    ("model:\n  cpu_threads: -2\n", "model.cpu_threads"),
    ("sweep:\n  lora_ranks: [8, 0]\n", "sweep.lora_ranks"),
    ("leaderboard:\n  confidence: 1\n", "leaderboard.confidence"),
    ("task: nope\n", "task"),
]


@pytest.mark.parametrize(("text", "field"), OUT_OF_RANGE, ids=[case[1] + ":" + case[0].split(":")[-1].strip()
                                                               for case in OUT_OF_RANGE])
def test_out_of_range_value_names_the_dotted_field(tmp_path, text, field):
    error = load_error(tmp_path, text)
    assert error.field == field
    assert f"field '{field}'" in str(error)


@pytest.mark.parametrize("ratios", ["{sft: 0.8, rl: 0.6, test: 0.1}", "{sft: 0.9, test: 0.1}",
                                    "{sft: 0.5, rl: 0.25, test: 0.25, dev: 0.0}", "{sft: 1.2, rl: -0.1, test: -0.1}"])
@pytest.mark.parametrize("task", ["funding", "review"])
def test_split_ratios_must_name_the_three_splits_and_add_up_to_one(tmp_path, ratios, task):
    error = load_error(tmp_path, f"data:\n  {task}:\n    split_ratios: {ratios}\n")
    assert error.field == f"data.{task}.split_ratios"


def test_in_range_edges_are_accepted(tmp_path):
    config = load_config(params(tmp_path, "sft:\n  max_steps: -1\n  warmup_steps: 0\ngrpo:\n  beta: 0\n  top_p: 1\n"
                                          "  num_generations: 2\n  per_device_train_batch_size: 2\n"
                                          "data:\n  funding:\n    noise_fraction: 1\n    synthetic_records: 0\n"
                                          "    split_ratios: {sft: 0.7, rl: 0.2, test: 0.1}\n"))
    assert config.sft.max_steps == -1 and config.grpo.beta == 0.0 and config.data.funding.noise_fraction == 1.0


def test_range_helper_reads_intervals_and_single_values():
    @dataclasses.dataclass
    @ranges(steps="-1 or [1, inf)", share="(0, 1]", ids="[0, 9]")
    class Example:
        steps: int = 1
        share: float = 1.0
        ids: list[int] = dataclasses.field(default_factory=list)

    assert Example(steps=-1).steps == -1 and Example(steps=5, share=0.001, ids=[0, 9]).ids == [0, 9]
    for bad in ({"steps": 0}, {"steps": -2}, {"share": 0.0}, {"share": 1.01}, {"ids": [3, 10]}):
        with pytest.raises(ValueError, match=f"{next(iter(bad))}: must lie in"):
            Example(**bad)


def test_task_override_is_checked_like_the_params_key(tmp_path):
    with pytest.raises(InputError) as info:
        load_config(params(tmp_path, "task: funding\n"), task="nope")
    assert info.value.field == "task"
    assert load_config(params(tmp_path, "task: funding\n"), task="review").task == "review"


def test_evaluation_set_names_are_unique_and_test_is_reserved(tmp_path):
    error = load_error(tmp_path, "data:\n  funding:\n    eval_sets: {test: a.jsonl}\n")
    assert error.field == "data.funding.eval_sets"
    error = load_error(tmp_path, "data:\n  sciie:\n    eval_sets: {x: a.jsonl}\n    optional_eval_sets: {x: b.jsonl}\n")
    assert error.field == "data.sciie.optional_eval_sets"


# -- duplicate keys -------------------------------------------------------------------------------


def test_duplicate_top_level_key_is_an_error_naming_both_lines(tmp_path):
    """A second `evaluate:` block used to reset every field the first one set, silently."""
    error = load_error(tmp_path, "task: funding\nevaluate:\n  batch_size: 4\nsft:\n  seed: 1\nevaluate:\n"
                                 "  max_new_tokens: 9\n")
    assert (error.field, error.line) == ("evaluate", 6)
    assert "first on line 2" in str(error)


def test_duplicate_nested_key_names_the_dotted_field(tmp_path):
    error = load_error(tmp_path, "data:\n  funding:\n    seed: 1\n    seed: 2\n")
    assert (error.field, error.line) == ("data.funding.seed", 4)


def test_the_same_key_in_different_sections_is_fine(tmp_path):
    config = load_config(params(tmp_path, "sft:\n  seed: 1\ngrpo:\n  seed: 2\n"))
    assert (config.sft.seed, config.grpo.seed) == (1, 2)


# -- the params file named in later errors ---------------------------------------------------------


def test_errors_after_loading_name_the_params_file_given(tmp_path):
    path = tmp_path / "profile-a.yaml"
    path.write_text("data:\n  funding:\n    synthetic_records: 0\n", encoding="utf-8")
    config = load_config(path)
    assert config.params_file == str(path)
    assert with_overrides(config, {"sft.seed": 3}, source="--set").params_file == str(path)
    with pytest.raises(InputError, match="no funding records") as info:
        FundingTask().prepare(config, tmp_path / "data")
    assert info.value.path == str(path) and info.value.field == "data.funding"


# -- credentials ----------------------------------------------------------------------------------

SECRET_URLS = [
    ("sweep:\n  storage: postgresql://sweep:s3cret@db.example:5432/optuna\n", "sweep.storage", "PGPASSWORD"),
    ("sweep:\n  storage: postgresql://sweep@db.example/optuna?password=s3cret\n", "sweep.storage", ".pgpass"),
    ("sweep:\n  storage: postgresql://sweep@db.example/optuna?sslmode=require&sslpassword=s3cret\n",
     "sweep.storage", "PGPASSWORD"),
    ("tracking:\n  tracking_uri: https://me:s3cret@mlflow.example\n", "tracking.tracking_uri",
     "MLFLOW_TRACKING_PASSWORD"),
    ("tracking:\n  tracking_uri: https://mlflow.example/?token=s3cret\n", "tracking.tracking_uri",
     "MLFLOW_TRACKING_TOKEN"),
]


@pytest.mark.parametrize(("text", "field", "pointer"), SECRET_URLS)
def test_a_password_in_a_url_is_refused_at_load_with_a_pointer(tmp_path, text, field, pointer):
    error = load_error(tmp_path, text)
    assert error.field == field
    assert pointer in str(error)
    assert "s3cret" not in str(error)


def test_urls_without_a_secret_are_accepted(tmp_path):
    config = load_config(params(tmp_path, "sweep:\n  storage: postgresql://sweep@db.example/optuna?sslmode=require"
                                          "&passfile=/home/me/.pgpass\n"))
    assert config.sweep.storage.endswith("passfile=/home/me/.pgpass")


@pytest.mark.parametrize(("text", "expected"), [
    ("postgresql://u:pw@h:5432/db", "postgresql://u:***@h:5432/db"),
    ("postgresql://u@h/db?sslmode=require&password=pw&passfile=/p", "postgresql://u@h/db?sslmode=require&password=***"
                                                                     "&passfile=/p"),
    ("storage postgresql://a:b@h/x?token=t;api_key=k in a log line",
     "storage postgresql://a:***@h/x?token=***;api_key=*** in a log line"),
    ("reports/sweep/optuna-journal.log", "reports/sweep/optuna-journal.log"),
    ("https://host/path?q=1", "https://host/path?q=1"),
])
def test_redact_credentials(text, expected):
    assert redact_credentials(text) == expected


def test_redacted_config_hides_a_password_set_after_loading():
    config = Config()
    config.sweep.storage = "postgresql://u:pw@h/db?password=pw2"  # set by code, bypassing the load-time check
    values = redacted(to_dict(config))
    assert values["sweep"]["storage"] == "postgresql://u:***@h/db?password=***"
    assert "pw" not in json.dumps(values["sweep"]) and values["sft"] == to_dict(config)["sft"]


def test_grounding_names_known_tasks_and_similarities_in_range(tmp_path):
    assert "decoding" in load_error(tmp_path, "decoding:\n  grounding: {fundng: 0.8}\n").field
    assert "grounding.funding" in str(load_error(tmp_path, "decoding:\n  grounding: {funding: 80}\n"))


def test_copied_substrings_name_known_tasks_and_need_their_grammar(tmp_path):
    assert "decoding" in load_error(tmp_path, "decoding:\n  copied_substrings: {sciee: true}\n").field
    error = load_error(tmp_path, "decoding:\n  structured: {sciie: false}\n  copied_substrings: {sciie: true}\n")
    assert "needs structured.sciie" in str(error)


def test_grounding_a_task_that_copies_nothing_is_an_error_at_its_first_answer():
    config = Config()
    config.decoding.grounding = {"review": 0.8}
    with pytest.raises(NotImplementedError, match="decoding.grounding"):
        ReviewTask().answer({"id": "a"}, '[{"text": "x", "category": "other", "severity": "minor"}]', config)
