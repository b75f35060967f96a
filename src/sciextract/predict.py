"""What the evaluate and predict stages, the sweep and `sciextract score` share: variants and their predictors,
evaluation sets, prediction rows, and scoring rows against gold."""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

from sciextract import paths
from sciextract.config import Config
from sciextract.decoding import GrammarChoice, answer_grammar
from sciextract.generate import GenerationSettings, chat_prompts, generate_transformers, generate_vllm
from sciextract.errors import InputError
from sciextract.io import read_prediction_rows, write_json, write_jsonl
from sciextract.modeling import load_policy, resolved_dtype
from sciextract.tasks.base import Messages, Parsed, Task

log = logging.getLogger(__name__)

MODEL_VARIANTS = ("base", "sft", "grpo")

Predictor = Callable[..., list[tuple[str | None, Parsed]]]
"""`predict(records, samples=0)`: one (raw output, parsed answer) per record, or with `samples` = K > 0,
K sampled outputs per record, record after record (models only)."""


def variant_adapter(task: Task, variant: str, config: Config) -> Path | None:
    """The adapter folder behind a variant name; any other name is taken as an adapter folder."""
    if variant == "base":
        return None
    if variant in ("sft", "grpo"):
        return paths.adapter_dir(task.name, variant)
    folder = Path(variant)
    if not (folder / "adapter_config.json").exists():
        raise FileNotFoundError(f"'{variant}' is neither a variant ({', '.join((*MODEL_VARIANTS, *task.baselines(config)))}) "
                                f"nor an adapter folder (no adapter_config.json there)")
    return folder


def make_predictor(task: Task, config: Config, variant: str, *, base_dir: Path | None = None) -> Predictor:
    """A model-free baseline, or a model with its adapters merged, loaded once for every call; the base model is
    `base_dir`, by default the project's `models/base` (a logged model brings its own)."""
    baselines = task.baselines(config)
    if variant in baselines:
        predict = baselines[variant]

        def predict_with_baseline(records: list[dict], samples: int = 0) -> list[tuple[str | None, Parsed]]:
            if samples:
                raise ValueError(f"the model-free baseline '{variant}' has no samples to draw")
            return [(None, Parsed(predict(r), failed=False)) for r in records]

        return predict_with_baseline
    generate, _ = make_chat_generator(task, config, variant, base_dir=base_dir, progress=variant)

    def predict_with_model(records: list[dict], samples: int = 0) -> list[tuple[str | None, Parsed]]:
        # Sampling follows the policy's training distribution (grpo.temperature, grpo.top_p).
        return model_answers(task, config, generate, [record for record in records for _ in range(max(samples, 1))],
                             sample=samples > 0)

    return predict_with_model


def model_answers(task: Task, config: Config, generate: Callable[..., list[str]], records: list[dict], *,
                  sample: bool = False) -> list[tuple[str | None, Parsed]]:
    """A model's (raw output, answer) for each record, all in one generation call: the task's prompt, in its
    grammar, each record read whole or, where `decoding.piece_words` names the task, in pieces whose answers are
    joined into one output (`Task.pieces`); the output read and grounded by `Task.answer`."""
    max_words = config.decoding.piece_words.get(task.name)
    read_as = [task.pieces(record, max_words) if max_words else ([record], "") for record in records]
    pieces = [piece for group, _ in read_as for piece in group]
    outputs = iter(generate([task.prompt(piece) for piece in pieces], sample=sample,
                            grammar=answer_grammar(task, config, pieces)))
    texts = [separator.join(next(outputs) for _ in group) for group, separator in read_as]
    return [(text, task.answer(record, text, config)) for record, text in zip(records, texts, strict=True)]


def evaluation_sets(task: Task, config: Config) -> dict[str, list[dict]]:
    """The prepared test split and every extra evaluation set of params; an optional set whose file is absent is
    skipped with a logged notice."""
    sets = {"test": task.load_split(paths.data_dir(task.name), "test")}
    required, optional = task.eval_files(config)
    for name, path in {**required, **optional}.items():
        if name in sets or (name in required and name in optional):
            raise InputError("params.yaml", f"evaluation set name '{name}' is used twice (or is the reserved 'test')",
                             field=f"data.{task.name}.eval_sets")
        if name in optional and not Path(path).exists():
            log.warning("optional evaluation set '%s' skipped: %s does not exist on this machine", name, path)
            continue
        sets[name] = task.load_eval_file(path, config)
    if config.evaluate.max_documents:
        sets = {name: records[: config.evaluate.max_documents] for name, records in sets.items()}
    return sets


def prediction_rows(task: Task, records: list[dict], predictions: list[tuple[str | None, Parsed]]) -> list[dict]:
    """The predictions-JSONL rows of a predictor's outputs, one per record."""
    return [task.prediction_row(record, raw, parsed) for record, (raw, parsed) in zip(records, predictions, strict=True)]


def score_rows(task: Task, config: Config, records: list[dict], rows: list[dict] | list[tuple[int | None, dict]], *,
               path: str | Path | None = None) -> tuple[dict, list[dict]]:
    """Prediction rows (dicts, or `(line, dict)` pairs read from `path`) joined to the gold records and scored:
    the one scoring path of the evaluate stage, the sweep and `sciextract score`."""
    numbered = [row if isinstance(row, tuple) else (None, row) for row in rows]
    return task.score(records, task.join_predictions(records, numbered, path=path), config)


def score_file(task: Task, config: Config, *, gold: Path, predictions: Path, output: Path | None) -> dict:
    """`sciextract score`: any system's predictions file against any gold file of the task, printed as a table
    and written (when `output` is given) as `{"stamp", "metrics", "documents", "parse_failures", ...}`. An empty
    gold or predictions file is an error: a score over no documents (P = R = F1 = 1 by the empty-level convention)
    would look like a perfect one."""
    records = task.load_eval_file(gold, config)
    if not records:
        raise InputError(gold, "no gold records: nothing to score")
    rows = read_prediction_rows(predictions)
    if not rows:
        raise InputError(predictions, "no prediction rows: nothing to score (a model that answered nothing still "
                                      "writes one row per record)")
    report, _ = score_rows(task, config, records, rows, path=predictions)
    report["stamp"].update({"gold": str(gold), "predictions": str(predictions)})
    print(task.report_table(report))
    if output is not None:
        write_json(output, report)
    return report


def predict_file(task: Task, config: Config, variant: str, input_path: Path, output_path: Path) -> None:
    """`sciextract predict`: any variant on any file of the task's format, written as prediction rows that
    `sciextract score` (or another scorer) reads. (Funding articles take `article_predict.predict_article_file`.)"""
    records = task.load_eval_file(input_path, config)
    if not records:
        raise InputError(input_path, "no records to predict")
    write_jsonl(output_path, prediction_rows(task, records, make_predictor(task, config, variant)(records)))


def make_chat_generator(task: Task, config: Config, variant: str, *, base_dir: Path | None = None,
                        progress: str | None = None) -> tuple[Callable[..., list[str]], object]:
    """A model variant loaded once (adapters merged) as a generator of raw answers to ready chat conversations,
    and its tokenizer: the hook for prompts that are not `task.prompt(record)`, such as stage 1 of the article
    path. Settings as `make_predictor`'s; `sample=True` draws as GRPO samples (from a generator seeded with `seed`
    where one is given), `grammar` constrains the answers (`decoding.answer_grammar`; or one grammar per
    conversation)."""
    adapter = variant_adapter(task, variant, config)
    # vLLM loads the merged policy from disk in its own precision: merge it unquantized.
    load_as = config.model if config.model.generation_backend != "vllm" else dataclasses.replace(config.model, quantization="none")
    model, tokenizer = load_policy(paths.BASE_DIR if base_dir is None else base_dir, adapter, load_as)

    def generate(conversations: list[Messages], *, sample: bool = False, grammar: GrammarChoice = None,
                 seed: int | None = None) -> list[str]:
        if not conversations:
            return []
        settings = GenerationSettings(max_new_tokens=config.evaluate.max_new_tokens,
                                      batch_size=config.evaluate.batch_size,
                                      do_sample=config.evaluate.do_sample or sample,
                                      temperature=config.grpo.temperature, top_p=config.grpo.top_p,
                                      stop_on_loop=config.evaluate.stop_on_loop, grammar=grammar, seed=seed)
        prompts = chat_prompts(tokenizer, conversations)
        if config.model.generation_backend == "vllm":
            with tempfile.TemporaryDirectory() as merged:
                model.save_pretrained(merged)
                tokenizer.save_pretrained(merged)
                return generate_vllm(merged, prompts, settings, dtype=resolved_dtype(config.model))
        return generate_transformers(model, tokenizer, prompts, settings, progress=progress)

    return generate, tokenizer
