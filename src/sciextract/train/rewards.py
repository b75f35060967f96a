"""A task's reward components on a batch of outputs, called as TRL calls them, and their weighted total.

GRPO's reward recorder, the sweep's `reward` objective and `sciextract reward` all compute the total here, so
what the policy is paid and what a user inspects are the same number.
"""

from __future__ import annotations

from collections.abc import Sequence

from sciextract.config import Config
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
