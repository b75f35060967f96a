"""A task's reward components on a batch of outputs, called as TRL calls them, and their weighted total.

GRPO's reward recorder, the sweep's `reward` objective and `sciextract reward` all compute the total here, so
what the policy is paid and what a user inspects are the same number.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sciextract.config import Config
from sciextract.errors import InputError
from sciextract.io import read_prediction_rows, write_jsonl
from sciextract.tasks.base import Task


def weighted_totals(weights: Sequence[float], components: Sequence[Sequence[float | None]]) -> list[float]:
    """Per completion, the sum of weight x component over the components (TRL's `reward_weights`); a None
    component (a function that does not apply to a sample) counts 0, as in TRL."""
    if len(weights) != len(components):
        raise ValueError(f"{len(weights)} weights for {len(components)} reward components")
    return [sum(weight * (value or 0.0) for weight, value in zip(weights, per_completion, strict=True))
            for per_completion in zip(*components, strict=True)]


def reward_components(task: Task, config: Config, records: list[dict], outputs: list[str | None]
                      ) -> tuple[dict[str, list[float | None]], list[float]]:
    """Each reward function of the task on `outputs` (one per record), called as TRL calls it: on the whole
    batch, with conversational completions and the gold columns of `task.rl_example`. Returns the component
    values by function name and the weights in the same order."""
    functions, weights = task.reward_functions(config)
    examples = [task.rl_example(record) for record in records]
    prompts = [example["prompt"] for example in examples]
    columns = {key: [example[key] for example in examples] for key in examples[0] if key != "prompt"}
    completions = [[{"role": "assistant", "content": text or ""}] for text in outputs]
    values = {function.__name__: list(function(prompts=prompts, completions=completions, **columns))
              for function in functions}
    return values, list(weights)


def output_texts(task: Task, records: list[dict], rows: list[tuple[int | None, dict]], *,
                 path: str | Path | None = None) -> list[str | None]:
    """Per record, the output its reward is computed on, from prediction rows joined as `sciextract score` joins
    them: a row's `raw_output` when it is a string; else its structured answer rendered (`Task.render_answer`); None (an
    empty output) for a record without a row, a row without any output, or a row flagged `parse_failed`. Every
    row is validated as `score` validates it."""
    joined = task.join_rows(records, rows, path=path)
    texts: list[str | None] = []
    for entry in joined:
        if entry is None:
            texts.append(None)
            continue
        line, row = entry
        parsed = task.prediction_from_row(row, path=path, line=line)
        raw = row.get("raw_output")
        if isinstance(raw, str):
            texts.append(raw)
        else:  # a row without any output reads as a failed parse of nothing
            texts.append(None if parsed.failed else task.render_answer(parsed.value))
    return texts


def reward_file(task: Task, config: Config, *, gold: Path, predictions: Path, output: Path) -> dict:
    """`sciextract reward`: the reward of every gold record's prediction, one JSONL row per gold row
    (`{"id", "reward", "components": {name: value}}`, weighted with params' `grpo.rewards`), written atomically;
    prints a one-line summary and returns it as numbers."""
    records = task.load_eval_file(gold, config)
    if not records:
        raise InputError(gold, "no gold records to reward")
    texts = output_texts(task, records, read_prediction_rows(predictions), path=predictions)
    components, weights = reward_components(task, config, records, texts)
    totals = weighted_totals(weights, list(components.values()))
    write_jsonl(output, ({"id": record["id"], "reward": total,
                          "components": {name: values[index] for name, values in components.items()}}
                         for index, (record, total) in enumerate(zip(records, totals, strict=True))))
    summary = {"mean_reward": sum(totals) / len(totals), "rows": len(totals),
               "without_output": sum(text is None for text in texts)}
    print(f"mean reward {summary['mean_reward']:.4f} over {summary['rows']} rows "
          f"({summary['without_output']} rewarded as empty output) -> {output}")
    return summary
