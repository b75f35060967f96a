"""The contract between a task and the generic stages (prepare, sft, grpo, evaluate).

A task owns its data preparation, prompt, gold-to-target rendering, parser, reward functions and
metrics. Trainers and stages only call these methods, so adding a task never touches them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sciextract.config import Config
from sciextract.errors import InputError
from sciextract.io import read_records

Messages = list[dict[str, str]]
RewardFunction = Callable[..., list[float]]
"""TRL reward signature: `f(prompts, completions, **dataset_columns) -> list[float]`."""


@dataclass
class Parsed:
    """A model output read by a task's parser: `value` is the structured answer, empty on failure."""

    value: Any
    failed: bool


def completion_text(completion: Any) -> str:
    """Text of a TRL completion, which is a string or a list of chat messages."""
    if isinstance(completion, str):
        return completion
    return "".join(message.get("content") or "" for message in completion)


class Task(ABC):
    name: str
    """Registry name; also the MLflow experiment suffix and the folder under data/, models/, reports/."""

    # -- data -----------------------------------------------------------------------------------
    @abstractmethod
    def prepare(self, config: Config, out_dir: Path) -> dict:
        """Write `sft.jsonl`, `rl.jsonl`, `test.jsonl` under `out_dir`; return a report of counts."""

    def load_split(self, data_dir: Path, split: str) -> list[dict]:
        """Records of one prepared split (already validated by `prepare`)."""
        return [record for _, record in read_records(Path(data_dir) / f"{split}.jsonl")]

    @abstractmethod
    def load_eval_file(self, path: str | Path, config: Config) -> list[dict]:
        """Records of a user-supplied evaluation file, validated (errors name file, line, field)."""

    @abstractmethod
    def eval_files(self, config: Config) -> dict[str, str]:
        """Extra evaluation sets named in params, scored like the test split: name -> file."""

    # -- prompting ------------------------------------------------------------------------------
    @abstractmethod
    def prompt(self, record: dict) -> Messages:
        """System and user messages for one record."""

    @abstractmethod
    def target(self, record: dict) -> str:
        """The assistant answer SFT teaches for this record (rendered from gold)."""

    def sft_example(self, record: dict) -> dict:
        """A conversational prompt-completion example, so TRL takes the loss on the completion only."""
        return {"prompt": self.prompt(record), "completion": [{"role": "assistant", "content": self.target(record)}]}

    # -- reading outputs ------------------------------------------------------------------------
    @abstractmethod
    def parse(self, text: str) -> Parsed:
        """Read any model output; never raises. Unreadable outputs are `Parsed(empty, failed=True)`."""

    # -- RL -------------------------------------------------------------------------------------
    @abstractmethod
    def reward_columns(self, record: dict) -> dict:
        """Dataset columns that carry this record's gold to the reward functions (one row per sample)."""

    default_reward_weights: dict[str, float]
    """Reward components of the task and their default weights."""

    def reward_weights(self, config: Config) -> dict[str, float]:
        """The task's defaults overridden by `grpo.rewards.<task>`; an unknown component is an error."""
        weights = config.grpo.rewards.get(self.name, {})
        unknown = sorted(set(weights) - set(self.default_reward_weights))
        if unknown:
            raise InputError("params.yaml", f"unknown reward component(s) {unknown} (known: "
                             f"{sorted(self.default_reward_weights)})", field=f"grpo.rewards.{self.name}")
        return {**self.default_reward_weights, **weights}

    @abstractmethod
    def reward_functions(self, config: Config) -> tuple[list[RewardFunction], list[float]]:
        """Reward components (each logged by TRL under its `__name__`) and their weights."""

    def rl_example(self, record: dict) -> dict:
        return {"prompt": self.prompt(record), **self.reward_columns(record)}

    # -- evaluation -----------------------------------------------------------------------------
    @abstractmethod
    def baselines(self, config: Config) -> dict[str, Callable[[dict], Any]]:
        """Model-free predictors by variant name (e.g. `rule`), returning a structured answer."""

    @abstractmethod
    def prediction_row(self, record: dict, raw_output: str | None, parsed: Parsed) -> dict:
        """One predictions-JSONL row for a record."""

    @abstractmethod
    def score(self, records: list[dict], rows: list[dict], config: Config) -> tuple[dict, list[dict]]:
        """Metrics JSON (with its `stamp`) and per-document rows for prediction rows against gold."""

    def oracle_samples(self, config: Config) -> int:
        """K sampled outputs per record for an oracle Best@K report; 0 (the default) draws none."""
        return 0

    def score_samples(self, records: list[dict], samples: list[list[str]]) -> dict:
        """Oracle report entries from K sampled outputs per record (tasks with `oracle_samples` > 0)."""
        raise NotImplementedError(f"task '{self.name}' defines no Best@K oracle")

    @abstractmethod
    def headline_metric(self) -> str:
        """Dotted path in the metrics JSON of the number a sweep maximises and the leaderboard sorts by."""
