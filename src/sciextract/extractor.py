"""Trained extractors for users: `load_extractor(...)` gives an object whose `extract(items)` returns the task's
structured answer for each input, with the prompt, generation and parser of `sciextract predict`.

Two sources: an adapter folder of this project (`models/funding/grpo`, used from the project root, where its base
model and params.yaml are), or a model logged by the `sft`/`grpo` stages (`models:/sciextract-funding@champion`, a
`runs:/` URI or a downloaded model folder), which brings its base model, adapters, code and config. The logged model
is the pyfunc `ExtractorModel` below; `mlflow models serve` answers requests with it.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
import yaml

from sciextract import paths
from sciextract.config import DEFAULT_PARAMS, Config, build, load_config
from sciextract.errors import InputError
from sciextract.io import write_json
from sciextract.modeling import MERGED_FROM_FILE
from sciextract.predict import make_predictor
from sciextract.tasks import get_task, task_names
from sciextract.tasks.base import Task


class Extractor:
    """A task's prompt, an adapter merged into its base model, the evaluate stage's generation settings and the
    task's parser: `extract` returns one structured answer per input (the parser's empty answer where the model's
    output could not be read)."""

    def __init__(self, task: Task, config: Config, base_dir: Path, adapter: Path):
        self.task = task
        self.config = config
        # an absolute path: a relative folder named like a variant (`sft`, `rule`) would be taken for the variant
        self._predict = make_predictor(task, config, str(Path(adapter).resolve()), base_dir=base_dir)

    def extract(self, items: Iterable[str | Mapping[str, Any]]) -> list[Any]:
        """Answers for `items`, generated in batches of `evaluate.batch_size`. An item is a mapping of the task's
        input fields (funding: `funding_statement`; sciie: `sentence`; review: `paper_text`) or, for a task with
        one input text, that text."""
        if isinstance(items, (str, Mapping)):
            raise TypeError("extract takes a list of inputs; wrap a single input in a list")
        records = [self._record(position, item) for position, item in enumerate(items, start=1)]
        return [parsed.value for _, parsed in self._predict(records)] if records else []

    def _record(self, position: int, item: str | Mapping[str, Any]) -> dict:
        """The record the task's prompt reads for one input; a missing field is an error naming the input."""
        if not isinstance(item, (str, Mapping)):
            raise InputError(f"input {position}", f"expected a text or a mapping of fields, got {type(item).__name__}")
        record = self.task.input_record(item, self.config)
        try:
            self.task.prompt(record)
        except KeyError as exc:
            raise InputError(f"input {position}", f"missing: task '{self.task.name}' prompts with it",
                             field=str(exc.args[0])) from None
        return record


def load_extractor(source: str | Path, *, config: Config | None = None) -> Extractor:
    """An extractor from an adapter folder or a logged model.

    An adapter folder is used from the project root: its base model is `models/base` and, unless `config` is
    given, its generation settings are params.yaml's (the defaults where there is none), as for `sciextract
    predict`; its task is the one its model card names. Anything else is an MLflow model URI (`models:/<name>@<alias>`,
    `models:/<name>/<version>`, `runs:/...`, a local model folder), loaded with the settings of the run that trained
    it: a `config` is refused there rather than silently ignored.
    """
    adapter = Path(source)
    if (adapter / "adapter_config.json").exists():
        task = adapter_task(adapter)
        if config is None:
            config = load_config(task=task) if DEFAULT_PARAMS.exists() else Config(task=task)
        return Extractor(get_task(task), config, paths.BASE_DIR, adapter)
    if config is not None:
        raise ValueError(f"'{source}' is no adapter folder (no adapter_config.json): a logged model generates with the "
                         f"config of the run that trained it, so `config` cannot be applied")
    return mlflow.pyfunc.load_model(str(source)).unwrap_python_model().extractor


def adapter_task(adapter: Path) -> str:
    """The task an adapter folder was trained for: the task among the tags of its model card (README.md, written by
    `train.common.model_card`)."""
    card = Path(adapter) / "README.md"
    text = card.read_text(encoding="utf-8") if card.exists() else ""
    front_matter = text.split("---", 2)[1] if text.startswith("---") else ""
    meta = yaml.safe_load(front_matter)
    tags = meta.get("tags") if isinstance(meta, dict) else None
    named = [tag for tag in tags if tag in task_names()] if isinstance(tags, list) else []
    if len(named) != 1:
        raise InputError(card, f"the model card's tags must name one task of {task_names()}, got {tags}", field="tags")
    return named[0]


def relinked_chain(chain: list[Path], scratch: Path) -> Path:
    """The last adapter of `chain` (oldest first) as `modeling.load_policy` follows it: a GRPO adapter's
    `merged_from.json` names its SFT adapter by the path it had in the training project, so each later adapter is
    rebuilt in `scratch` from links to its files and a `merged_from.json` naming the shipped adapter before it."""
    previous = chain[0]
    for index, folder in enumerate(chain[1:], start=1):
        linked = scratch / f"adapter_{index}"
        linked.mkdir()
        for entry in folder.iterdir():
            if entry.name != MERGED_FROM_FILE:
                (linked / entry.name).symlink_to(entry.resolve())
        provenance = json.loads((folder / MERGED_FROM_FILE).read_text(encoding="utf-8"))
        write_json(linked / MERGED_FROM_FILE, {**provenance, "sft_adapter": str(previous)})
        previous = linked
    return previous


class ExtractorModel(mlflow.pyfunc.PythonModel):
    """The pyfunc the `sft` and `grpo` stages log (`train.common.log_extractor_model`): `predict` takes the task's
    input rows (a DataFrame, e.g. `{"dataframe_records": [{"funding_statement": "..."}]}` sent to `mlflow models
    serve`, or a list of rows or texts) and returns one structured answer per row.

    Its model config names the task, the adapter artifacts (oldest first), the `runs:/` URI of the stored base model
    and the training run's config."""

    def load_context(self, context) -> None:
        settings = context.model_config
        config = build(Config, settings["config"], source="the logged model's config")
        with tempfile.TemporaryDirectory() as scratch:  # read while loading only: the weights end up in memory
            base_dir = Path(mlflow.artifacts.download_artifacts(settings["base_model_uri"], dst_path=scratch))
            adapter = relinked_chain([Path(context.artifacts[key]) for key in settings["adapters"]], Path(scratch))
            self.extractor = Extractor(get_task(settings["task"]), config, base_dir, adapter)

    def predict(self, context, model_input, params=None) -> list[Any]:
        rows = model_input.to_dict("records") if isinstance(model_input, pd.DataFrame) else model_input
        return self.extractor.extract(rows)
