"""The contract between a task and the generic code (stages, predict, trainers, sweep, leaderboard).

A task owns its data preparation, prompt, gold-to-target rendering, parser, reward functions, scorer and
its board (what the leaderboard shows of it). The generic code only calls these methods and reads the
board, so adding a task never touches it.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sciextract.errors import InputError
from sciextract.io import read_records

if TYPE_CHECKING:
    from sciextract.config import Config
    from sciextract.decoding import Grammar

Messages = list[dict[str, str]]
RewardFunction = Callable[..., list[float]]
"""TRL reward signature: `f(prompts, completions, **dataset_columns) -> list[float]`."""
ChatGenerator = Callable[..., list[str]]
"""Raw model answers to ready chat conversations, in order; `grammar=` constrains them, with one grammar or one per
conversation (see `predict.make_chat_generator`)."""


@dataclass
class Parsed:
    """A model output read by a task's parser: `value` is the structured answer, empty on failure; `notes`
    counts what the parser repaired or dropped (tasks that report it)."""

    value: Any
    failed: bool
    notes: Counter = field(default_factory=Counter)


def row_count(row: dict, name: str, *, path: str | Path | None, line: int | None,
              nullable: bool = False) -> int | None:
    """A prediction row's count `name` (what the predictor dropped or saw), validated; a row without it (another
    system's file) counts 0, or None when `nullable`."""
    value = row.get(name, None if nullable else 0)
    if value is None and nullable:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InputError(path, f"expected a non-negative integer{' or null' if nullable else ''}, got {value!r}",
                         line, name)
    return value


def completion_text(completion: Any) -> str:
    """Text of a TRL completion, which is a string or a list of chat messages."""
    if isinstance(completion, str):
        return completion
    return "".join(message.get("content") or "" for message in completion)


# -- the board: what the leaderboard shows of a task ----------------------------------------------


@dataclass(frozen=True)
class CountedMetric:
    """A column recomputable from documents.jsonl: `prf(matched, gold, pred)[stat]` of summed counts.

    `counts_at` is the dotted path, inside each per-document row, of an object with `gold`, `pred` and
    `matched`; the empty path means the row itself. A `{dotted}` part is replaced by the value at that path
    in the set's report (sciie's headline names its level in `metrics.headline.level`).
    """

    counts_at: str
    stat: str
    empty: float = 1.0
    """The value when the summed gold and predicted counts are both 0: `scoring.fbeta`'s 1.0 by default; 0.0 for
    tasks whose published scorer reports an empty level as 0.0 (funding, review)."""


@dataclass(frozen=True)
class TaskBoard:
    """The columns one task shows, the one it ranks by, and those that get confidence intervals."""

    columns: dict[str, str]
    """Dotted path inside a set's report in metrics.json -> column header, in display order. Gate conditions
    (`leaderboard.gates.<task>`) name these paths."""
    headline: str
    """The column rows are ranked by (higher is better), and the metric a sweep objective names by default."""
    intervals: dict[str, CountedMetric]
    nullable: frozenset[str] = frozenset()
    """Columns a task reports as null when a variant does not measure them (shown as —, never gated as passing)."""
    optional: frozenset[str] = frozenset()
    """Columns only one kind of evaluation of the task reports (funding: stage 1 of the article path); a report of
    another kind leaves them out, and they read as null there. Any other missing column is an error."""


def prf_columns(level: str, label: str, stats: tuple[str, ...] = ("precision", "recall", "f1", "f0_5")) -> dict[str, str]:
    """Board columns `metrics.<level>.<stat>` headed `<label> P`, `<label> R`, ..."""
    short = {"precision": "P", "recall": "R", "f1": "F1", "f0_5": "F0.5", "f1_5": "F1.5"}
    return {f"metrics.{level}.{stat}": f"{label} {short[stat]}" for stat in stats}


# -- the article path -----------------------------------------------------------------------------

PassageLocator = Callable[[list[dict]], list]
"""Stage 1 on a batch of articles: one extraction (the passages kept, and how they were found) per article."""
PassageParser = Callable[[list[dict]], list[tuple[str | None, Parsed]]]
"""Stage 2 on a batch of the task's own input records: (raw answer, parsed answer) per record, as a predictor
returns them."""


ARTICLE_SOURCE_COLUMN = "source"
"""The column of an article GRPO row (`ArticlePath.rl_rows`) holding the text its stage-1 prompt answers."""


class ArticlePath(ABC):
    """A task's path from whole articles, for a task whose input is a passage users would first have to cut out of a
    paper (a funding statement): stage 1 copies the passages out of the article chunk by chunk, stage 2 is the task's
    own prompt on the passages kept, both stages on one adapter. The article stages (pipelines/article/dvc.yaml),
    `sciextract predict` on articles and the article evaluation call only these methods."""

    sft_params: dict[str, str]
    """The `sft` fields the article SFT takes from elsewhere in params: field -> dotted params key (every other SFT
    setting is `sft`'s)."""
    grpo_params: dict[str, str]
    """The `grpo` fields the article GRPO takes from elsewhere in params: field -> dotted params key (every other
    GRPO setting is `grpo`'s)."""

    @abstractmethod
    def prepare(self, config: Config, passage_dir: Path, out_dir: Path, mixture_file: Path, tokenizer) -> dict:
        """Gold articles split sft/rl/test under `out_dir`, and the SFT mixture of both stages' examples in
        `mixture_file` (the task's own examples from `passage_dir`, the prepared passage splits); returns a report
        with `splits` and `mixture` counts. Chunks are counted in `tokenizer`'s tokens."""

    @abstractmethod
    def eval_sets(self, config: Config, data_dir: Path) -> dict[str, list[dict]]:
        """The article gold sets an article evaluation scores, by set name (the prepared test split first)."""

    @abstractmethod
    def read_inputs(self, path: str | Path) -> list[dict] | None:
        """Articles (`id`, `text`) from a file or a folder of papers; None when `path` holds the task's own inputs."""

    @abstractmethod
    def model_locator(self, config: Config, generate: ChatGenerator, tokenizer) -> PassageLocator:
        """Stage 1 of a model on a batch of articles: every chunk's answer from `generate`, the passages kept."""

    @abstractmethod
    def baseline_locator(self, variant: str) -> PassageLocator:
        """Stage 1 of a model-free baseline variant (one of `Task.baselines`)."""

    @abstractmethod
    def rows(self, articles: list[dict], extractions: list, parse: PassageParser) -> list[dict]:
        """Prediction rows of a batch: the kept passages of each article joined and answered by stage 2 (`parse`:
        (raw answer, parsed) per record of the task's own input)."""

    @abstractmethod
    def rl_rows(self, config: Config, article_dir: Path, tokenizer) -> tuple[list[dict], dict]:
        """GRPO rows of stage 1 from the rl articles under `article_dir`, and their counts: the stage-1 `prompt`, the
        text it answers (`ARTICLE_SOURCE_COLUMN`), and the task's reward columns of the gold its passages should
        yield."""

    @abstractmethod
    def stage2_record(self, source: str, answer: str) -> dict | None:
        """The task's own record that stage 2 answers for one stage-1 `answer` on `source`: the passages it kept,
        joined; None when it kept none."""

    @abstractmethod
    def nothing_found(self) -> str:
        """The stage-2 answer that stands for a stage 1 that kept no passage, scored by the task's reward."""


# -- the task -------------------------------------------------------------------------------------


class Task(ABC):
    name: str
    """Registry name; also the MLflow experiment suffix and the folder under data/, models/, reports/."""
    board: TaskBoard
    answer_fields: tuple[str, ...]
    """The fields of a prediction row that hold a structured answer (`predicted_funders`; SciIE `ner`, `rel`)."""
    text_key: str | None = None
    """A second join key for prediction rows without `id`: the input text field (`funding_statement`)."""
    default_reward_weights: dict[str, float]
    """Reward components of the task and their default weights."""
    articles: ArticlePath | None = None
    """The task's path from whole articles, if it has one (see `ArticlePath`)."""
    answer_copies_input: bool = False
    """Whether the task's own answer copies text out of its input (SciIE entities), so that
    `decoding.copied_substrings` gives each record a grammar of its own (`output_grammar(config, record)`)."""

    def article_path(self) -> ArticlePath:
        """`articles`, or an error saying this task reads no whole articles."""
        if self.articles is None:
            raise InputError(None, f"task '{self.name}' has no path from whole articles (only funding has one): set "
                                   "`task` in params.yaml to a task that does, or give the task's own inputs",
                             field="task")
        return self.articles

    # -- data -----------------------------------------------------------------------------------
    @abstractmethod
    def prepare(self, config: Config, out_dir: Path) -> dict:
        """Write `sft.jsonl`, `rl.jsonl`, `test.jsonl` under `out_dir`; return a report of counts."""

    def load_split(self, data_dir: Path, split: str) -> list[dict]:
        """Records of one prepared split (already validated by `prepare`)."""
        return [record for _, record in read_records(Path(data_dir) / f"{split}.jsonl")]

    @abstractmethod
    def load_eval_file(self, path: str | Path, config: Config) -> list[dict]:
        """Records of a user-supplied gold file, validated (errors name file, line, field); each has an `id`."""

    def eval_files(self, config: Config) -> tuple[dict[str, str], dict[str, str]]:
        """Extra evaluation sets of `data.<task>` in params, scored like the test split: (required, optional)
        name -> file; an optional one is scored only where its file exists."""
        settings = getattr(config.data, self.name)
        return dict(settings.eval_sets), dict(settings.optional_eval_sets)

    # -- prompting ------------------------------------------------------------------------------
    @abstractmethod
    def prompt(self, record: dict) -> Messages:
        """System and user messages for one record."""

    @abstractmethod
    def target(self, record: dict) -> str:
        """The assistant answer SFT teaches for this record (rendered from gold)."""

    def input_record(self, item: str | Mapping[str, Any], config: Config) -> dict:
        """One input of an extractor (`sciextract.load_extractor`, a served model) as the record `prompt` reads: a
        mapping of the task's record fields, or a plain text for a task with a `text_key`."""
        if isinstance(item, str):
            if self.text_key is None:
                raise InputError(None, f"task '{self.name}' takes records of its fields, not plain texts")
            return {self.text_key: item}
        return dict(item)

    def pieces(self, record: dict, max_words: int) -> tuple[list[dict], str]:
        """`record` as the records a model reads one at a time (`decoding.piece_words`): the record itself when its
        input has at most `max_words` words, else one record per run of whole sentences of at most `max_words`
        words; and the separator that joins the answers to the pieces into one output, which `parse` reads as the
        record's answer. A task that reads each input whole does not override this."""
        raise NotImplementedError(f"task '{self.name}' reads each input whole: remove it from decoding.piece_words")

    def sft_example(self, record: dict) -> dict:
        """A conversational prompt-completion example, so TRL takes the loss on the completion only."""
        return {"prompt": self.prompt(record), "completion": [{"role": "assistant", "content": self.target(record)}]}

    # -- reading outputs ------------------------------------------------------------------------
    @abstractmethod
    def parse(self, text: str | None) -> Parsed:
        """Read any model output; never raises. Unreadable outputs are `Parsed(empty, failed=True)`."""

    def answer(self, record: dict, text: str | None, config: Config) -> Parsed:
        """A model's output for `record`, read: parsed, then grounded in the record where `decoding.grounding` names
        the task (the prediction path of models; baselines and scored files are never grounded)."""
        parsed = self.parse(text)
        threshold = config.decoding.grounding.get(self.name)
        return parsed if threshold is None or parsed.failed else self.ground(record, parsed, threshold)

    def ground(self, record: dict, parsed: Parsed, threshold: float) -> Parsed:
        """`parsed` without what it copies from `record` but matches no span of it at similarity `threshold`, each
        removal counted in the notes. A task whose answers copy nothing from the input cannot be grounded."""
        raise NotImplementedError(f"task '{self.name}' copies nothing from its input: remove it from decoding.grounding")

    def output_grammar(self, config: Config, record: dict | None = None) -> Grammar | None:
        """The grammar generation is constrained to (`decoding.structured.<task>`): every target `target` renders
        must be a complete sentence of it. None (the default) leaves generation free. With the `record` asked
        (given where `decoding.copied_substrings` names the task), the grammar of its answer alone, in which what
        the task copies from its input is a substring of it (`decoding.copied_string`)."""
        return None

    def render_answer(self, answer: Any) -> str:
        """A structured answer as the text a model would write (the SFT target's format), for rewarding prediction
        rows that carry no `raw_output`."""
        return json.dumps(answer, ensure_ascii=False)

    @abstractmethod
    def answer_from_row(self, row: dict, *, path: str | Path | None, line: int | None) -> Parsed:
        """The structured answer held in a prediction row's `answer_fields`, validated (errors name the file,
        line and field); `failed` is left False (the row's `parse_failed` flag sets it)."""

    def prediction_from_row(self, row: dict, *, path: str | Path | None, line: int | None) -> Parsed:
        """A prediction row's answer: its structured answer fields when present, else `raw_output` parsed.

        The parser's notes on `raw_output` are kept either way, so a model row reports what its text needed.
        A `parse_failed` flag must be a boolean in every row (a string "false" is an error, not a failure).
        """
        raw = row.get("raw_output")
        if raw is not None and not isinstance(raw, str):
            raise InputError(path, f"expected a string or null, got {type(raw).__name__}", line, "raw_output")
        failed = row.get("parse_failed", False)
        if not isinstance(failed, bool):
            raise InputError(path, f"expected true or false, got {failed!r}", line, "parse_failed")
        if any(row.get(name) is not None for name in self.answer_fields):
            answer = self.answer_from_row(row, path=path, line=line)
            notes = self.parse(raw).notes if raw is not None else Counter()
            return Parsed(answer.value, failed, notes + answer.notes)
        if "raw_output" not in row:
            raise InputError(path, f"a prediction row needs {' or '.join(map(repr, self.answer_fields))} or "
                                   "'raw_output'", line)
        return self.parse(raw)

    def join_rows(self, records: list[dict], rows: list[tuple[int | None, dict]], *,
                  path: str | Path | None = None) -> list[tuple[int | None, dict] | None]:
        """Prediction rows `(line, row)` joined to `records` on `id` (or, in a row without one, on the task's
        `text_key`, among the records that hold it): one row per record, None where no row names it. A row naming no
        record, or a second row for a record, is an error naming the file and line."""
        by_id = {str(record["id"]): index for index, record in enumerate(records)}
        by_text = {record[self.text_key]: index for index, record in enumerate(records)
                   if self.text_key and self.text_key in record}
        joined: list[tuple[int | None, dict] | None] = [None] * len(records)
        for line, row in rows:
            row_id = row.get("id")
            if isinstance(row_id, (str, int)) and not isinstance(row_id, bool):
                index, key = by_id.get(str(row_id)), "id"
            elif self.text_key and isinstance(row.get(self.text_key), str):
                index, key = by_text.get(row[self.text_key]), self.text_key
            else:
                keys = "'id'" + (f" or '{self.text_key}'" if self.text_key else "")
                raise InputError(path, f"a prediction row needs {keys} to join it to the gold", line)
            if index is None:
                raise InputError(path, "prediction has no matching gold record", line, key)
            if joined[index] is not None:
                raise InputError(path, f"second prediction for record '{records[index]['id']}'", line, key)
            joined[index] = (line, row)
        return joined

    def join_predictions(self, records: list[dict], rows: list[tuple[int | None, dict]], *,
                         path: str | Path | None = None) -> list[Parsed | None]:
        """The answers of `join_rows`: one `Parsed` per record, None where no row names it."""
        return [None if entry is None else self.prediction_from_row(entry[1], path=path, line=entry[0])
                for entry in self.join_rows(records, rows, path=path)]

    # -- RL -------------------------------------------------------------------------------------
    @abstractmethod
    def reward_columns(self, record: dict) -> dict:
        """Dataset columns that carry this record's gold to the reward functions (one row per sample)."""

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
        """One predictions-JSONL row: `id`, the input text, `raw_output`, the answer fields, `parse_failed`."""

    @abstractmethod
    def score(self, records: list[dict], predictions: list[Parsed | None], config: Config) -> tuple[dict, list[dict]]:
        """The report (`stamp`, `metrics`, `documents`, `parse_failures`, ...) and per-document count rows of
        predictions aligned with `records`; None is a record without a prediction (scored as empty)."""

    @abstractmethod
    def report_table(self, report: dict) -> str:
        """The report as a short plain-text table (what `sciextract score` prints)."""

    def ensemble(self, config: Config, prediction_files: list[Path], output: Path, *, mode: str,
                 cluster_threshold: float | None = None, threshold: float | None = None) -> dict:
        """`sciextract ensemble`: prediction files of several systems on the same inputs combined into one
        prediction file (the first file's system preferred); returns a summary. `cluster_threshold` and
        `threshold` are the cosine thresholds of a task that matches answers by embeddings (review)."""
        raise InputError(None, f"task '{self.name}' has no ensemble (funding and review have one)", field="--task")

    def oracle_samples(self, config: Config) -> int:
        """K sampled outputs per record for an oracle Best@K report; 0 (the default) draws none."""
        return 0

    def score_samples(self, records: list[dict], samples: list[list[str]]) -> dict:
        """Oracle report entries from K sampled outputs per record (tasks with `oracle_samples` > 0)."""
        raise NotImplementedError(f"task '{self.name}' defines no Best@K oracle")
