"""LoRA SFT with TRL's SFTTrainer; task-agnostic: the task turns records into prompt-completion pairs."""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

import mlflow
import torch

from sciextract.config import Config, ModelConfig
from sciextract.io import read_records, sha256_json
from sciextract.modeling import load_causal_lm, load_tokenizer, lora_config, resolve_base
from sciextract.tasks.base import Task
from sciextract.tracking import inputs_hash
from sciextract.train.common import (
    StepMetricsCallback,
    checkpoint_dir,
    checkpoint_step,
    last_checkpoint,
    model_identity,
    model_card,
    precision_flags,
    publish_adapter,
    train_or_restore,
    training_identity,
    without_adapter_wrapper,
    write_curve_csv,
)

log = logging.getLogger(__name__)


def setup(task: Task, config: Config, data_dir: Path, base_dir: Path, examples_file: Path | None = None):
    """Dataset, model and tokenizer for SFT: the task's examples of its sft split, or the ready prompt-completion
    examples of `examples_file` (the article SFT mixture)."""
    from datasets import Dataset

    if examples_file is not None:
        examples = [example for _, example in read_records(examples_file)]
    else:
        examples = [task.sft_example(r) for r in task.load_split(data_dir, "sft")]
    if config.sft.max_examples:
        examples = examples[: config.sft.max_examples]
    dataset = Dataset.from_list(examples)
    base = resolve_base(base_dir)
    tokenizer = load_tokenizer(base)
    model = load_causal_lm(base, sft_model_config(config), for_training=True)
    return dataset, model, tokenizer, base


def sft_model_config(config: Config) -> ModelConfig:
    """The model settings SFT loads with: `model`, with SFT's own attention kernel where one is set."""
    return dataclasses.replace(config.model,
                               attn_implementation=config.sft.attn_implementation or config.model.attn_implementation)


def shared_prompt_length(input_ids: torch.Tensor, labels: torch.Tensor, attention_mask: torch.Tensor | None) -> int:
    """Leading positions where every row holds the same real token and no row is labelled at the next one.

    Those positions (for a task: chat template and system prompt) have the same hidden states in every
    row, so one row's pass over them serves the whole batch.
    """
    same = (input_ids == input_ids[:1]).all(dim=0)
    if attention_mask is not None:
        same &= attention_mask.bool().all(dim=0)
    unlabelled = (labels == -100).all(dim=0)
    usable = same[:-1] & unlabelled[1:]
    length = int(usable.int().cumprod(0).sum())
    return min(length, input_ids.shape[1] - 1)


def _completion_hidden(decoder, input_ids: torch.Tensor, attention_mask: torch.Tensor | None,
                       shared: int) -> torch.Tensor:
    """Last hidden states at positions `shared`.. of every row, the first `shared` positions run once.

    The shared part's key/value states are computed for one row, broadcast to the batch and kept in the
    autograd graph, so gradients from every row flow back through that single pass. Models whose cache
    is not a plain list of positions (sliding-window or linear-attention layers, e.g. Qwen3.5) take one
    ordinary pass over the whole batch: the same loss, without the saving.
    """
    from transformers import DynamicCache
    from transformers.cache_utils import DynamicLayer

    cache = DynamicCache(config=decoder.config)
    if not shared or any(type(layer) is not DynamicLayer for layer in cache.layers):
        hidden = decoder(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state
        return hidden[:, shared:]
    decoder(input_ids=input_ids[:1, :shared], past_key_values=cache, use_cache=True)
    rows = input_ids.shape[0]
    batch_cache = DynamicCache([(layer.keys.expand(rows, -1, -1, -1), layer.values.expand(rows, -1, -1, -1))
                                for layer in cache.layers], config=decoder.config)
    return decoder(input_ids=input_ids[:, shared:], attention_mask=attention_mask, past_key_values=batch_cache,
                   use_cache=True).last_hidden_state


def completion_only_loss(model, inputs: dict, num_items_in_batch=None) -> tuple[torch.Tensor, int, int]:
    """Next-token cross-entropy with the LM head applied only at positions that carry a label.

    The prompt (system prompt, statement) is most of every sequence; projecting only the completion
    positions onto the vocabulary skips most of the largest matmul of a small model, in forward and
    backward, with the same loss as projecting everything. The prompt start that all rows share is run
    once per batch instead of once per row (`_completion_hidden`). Also returns the correctly predicted
    and the labelled token counts, for the token accuracy TRL would log.
    """
    causal_lm = without_adapter_wrapper(model)
    input_ids, labels = inputs["input_ids"], inputs["labels"]
    attention_mask = inputs.get("attention_mask")
    shared = shared_prompt_length(input_ids, labels, attention_mask)
    hidden = _completion_hidden(causal_lm.get_decoder(), input_ids, attention_mask, shared)
    return _labelled_token_loss(causal_lm, hidden[:, :-1], labels[:, shared + 1:], num_items_in_batch)


def _labelled_token_loss(causal_lm, hidden: torch.Tensor, labels: torch.Tensor,
                         num_items_in_batch) -> tuple[torch.Tensor, int, int]:
    """Cross-entropy summed over the positions whose label is not -100, the LM head applied at those rows of
    `hidden` only, divided by `num_items_in_batch` (the step's labelled tokens) where given; with the correctly
    predicted and the labelled token counts."""
    import torch.nn.functional as F

    keep = labels != -100
    logits = causal_lm.get_output_embeddings()(hidden[keep])
    targets = labels[keep]
    total = F.cross_entropy(logits.float(), targets, reduction="sum")
    count = num_items_in_batch if num_items_in_batch is not None else keep.sum()
    loss = total / torch.as_tensor(count, device=total.device).clamp(min=1)
    correct = int((logits.detach().argmax(-1) == targets).sum())
    return loss, correct, int(targets.numel())


PACKED_ATTENTION = "sciextract_packed_sdpa"


@dataclasses.dataclass
class PackedLayout:
    """Where each row of a packed batch lies in its single sequence: the shared prompt at 0..`prefix`, then each
    row's own tokens at `spans[i]`, attending to the shared prompt and causally to itself (`masks[i]`)."""

    prefix: int
    spans: list[tuple[int, int]]
    masks: list[torch.Tensor]


def packed_sdpa_attention(module, query, key, value, attention_mask, packed_layout: PackedLayout | None = None,
                          **kwargs):
    """transformers' SDPA attention, or, given a `packed_layout`, one SDPA call per packed row.

    A dense block mask over the packed sequence would cost attention over all of its length squared; per row,
    the keys are the shared prompt's and the row's own, so the work is what the rows cost unpacked.
    """
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    if packed_layout is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, **kwargs)
    # torch.split, not slicing: a slice's backward writes into a zero tensor of the whole sequence, once per row
    sizes = [packed_layout.prefix] + [end - start for start, end in packed_layout.spans]
    queries, keys, values = (torch.split(states, sizes, dim=2) for states in (query, key, value))
    outputs = []
    if packed_layout.prefix:
        outputs.append(sdpa_attention_forward(module, queries[0], keys[0], values[0], None, is_causal=True,
                                              **kwargs)[0])
    for row_query, row_keys, row_values, mask in zip(queries[1:], keys[1:], values[1:], packed_layout.masks):
        outputs.append(sdpa_attention_forward(module, row_query, torch.cat((keys[0], row_keys), dim=2),
                                              torch.cat((values[0], row_values), dim=2), mask, **kwargs)[0])
    return torch.cat(outputs, dim=1), None


def use_packed_attention(model) -> None:
    """Switch `model` to `packed_sdpa_attention` (plain SDPA, masks included, for any unpacked call).

    Packing needs every layer to be position-wise or attention: a recurrent or sliding-window layer (Qwen3.5's
    linear attention) would run across the row boundaries, so such models are refused, not packed wrongly.
    """
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    if model.config._attn_implementation != "sdpa":
        raise ValueError(f"params.yaml, field 'sft.packing': packed SFT runs SDPA per row, and the model was loaded "
                         f"with {model.config._attn_implementation!r} attention; set sft.attn_implementation: sdpa")
    layer_types = set(getattr(model.config, "layer_types", None) or ["full_attention"])
    if layer_types != {"full_attention"}:
        raise ValueError(f"params.yaml, field 'sft.packing': packed SFT needs full-attention layers only, and "
                         f"{model.config.model_type} has {sorted(layer_types)}; set sft.packing: false")
    AttentionInterface.register(PACKED_ATTENTION, packed_sdpa_attention)
    AttentionMaskInterface.register(PACKED_ATTENTION, sdpa_mask)
    model.set_attn_implementation(PACKED_ATTENTION)


def packed_completion_only_loss(model, inputs: dict, num_items_in_batch=None) -> tuple[torch.Tensor, int, int]:
    """`completion_only_loss` of a padded batch, computed as one sequence without padding.

    The shared prompt start (`shared_prompt_length`) comes once, then each row's remaining tokens with their own
    positions; `packed_sdpa_attention` keeps every row to the shared start and itself. The loss is the same sum
    over the same labelled tokens, so a step of two length buckets run as one packed pass trains on what two
    accumulated passes would, without padding the shorter bucket to the longer.
    """
    causal_lm = without_adapter_wrapper(model)
    input_ids, labels = inputs["input_ids"], inputs["labels"]
    attention_mask = inputs.get("attention_mask")
    lengths = (attention_mask.sum(dim=1) if attention_mask is not None
               else torch.full((input_ids.shape[0],), input_ids.shape[1])).tolist()
    prefix = shared_prompt_length(input_ids, labels, attention_mask)
    tokens, positions, spans, masks, hidden_index, targets = [input_ids[0, :prefix]], [torch.arange(prefix)], [], [], [], []
    start = prefix
    for row, length in enumerate(lengths):
        if attention_mask is not None and not bool(attention_mask[row, :length].all()):
            raise ValueError("packed SFT needs right-padded batches; the collator padded on the left")
        own = length - prefix
        tokens.append(input_ids[row, prefix:length])
        positions.append(torch.arange(prefix, length))
        spans.append((start, start + own))
        masks.append(torch.cat((torch.ones(own, prefix, dtype=torch.bool),
                                torch.ones(own, own, dtype=torch.bool).tril()), dim=1))
        hidden_index.append(torch.arange(start, start + own - 1))
        targets.append(labels[row, prefix + 1:length])
        start += own
    device = input_ids.device
    layout = PackedLayout(prefix, spans, [mask.to(device) for mask in masks])
    hidden = causal_lm.get_decoder()(input_ids=torch.cat(tokens)[None], position_ids=torch.cat(positions)[None].to(device),
                                     use_cache=False, packed_layout=layout).last_hidden_state[0]
    return _labelled_token_loss(causal_lm, hidden[torch.cat(hidden_index).to(device)], torch.cat(targets),
                                num_items_in_batch)


class ShuffledLengthBuckets(torch.utils.data.Sampler):
    """Micro-batches of similar length (little padding), visited in random order.

    transformers' `group_by_length` also keeps padding low, but emits each mega-batch of 50 optimizer
    batches longest first. A run shorter than an epoch then trains on a long-to-short cycle that ends on
    the shortest examples (for funding: the statements without a funder) while the learning rate decays,
    and a model so trained stops its answers early. Here the length groups are shuffled, so every
    optimizer step is a random mix; the order depends only on the seed and the epoch, so a resumed run
    skips exactly the batches it had trained on.
    """

    def __init__(self, lengths: list[int], batch_size: int, seed: int, group_batches: int = 50):
        self.lengths = lengths
        self.batch_size = batch_size
        self.seed = seed
        self.group_size = batch_size * group_batches
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        order = torch.randperm(len(self.lengths), generator=generator).tolist()
        batches = []
        for start in range(0, len(order), self.group_size):
            group = sorted(order[start:start + self.group_size], key=self.lengths.__getitem__, reverse=True)
            batches += [group[i:i + self.batch_size] for i in range(0, len(group), self.batch_size)]
        # a short last batch stays last: anywhere else it would shift every later batch boundary
        tail = batches.pop() if batches and len(batches[-1]) < self.batch_size else []
        for index in torch.randperm(len(batches), generator=generator).tolist():
            yield from batches[index]
        yield from tail


def trainer_for(config: Config, dataset, model, tokenizer, output_dir: Path, callbacks: list):
    """TRL's SFTTrainer with the project's loss and sampler; with `sft.packing`, `model` is switched to packed
    attention here, since the packed loss needs it."""
    from trl import SFTConfig, SFTTrainer

    class CompletionLogitsSFTTrainer(SFTTrainer):
        """SFTTrainer whose loss projects only completion positions (see `completion_only_loss`) and
        whose batches come from `ShuffledLengthBuckets`."""

        def _get_train_sampler(self, train_dataset=None):
            dataset = train_dataset if train_dataset is not None else self.train_dataset
            return ShuffledLengthBuckets([len(ids) for ids in dataset["input_ids"]], s.per_device_train_batch_size,
                                         self.args.seed)

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            if return_outputs or self.accelerator.num_processes > 1:
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            loss_function = packed_completion_only_loss if s.packing else completion_only_loss
            loss, correct, labelled = loss_function(model, inputs, num_items_in_batch)
            mode = "train" if self.model.training else "eval"
            if labelled:
                self._metrics[mode]["mean_token_accuracy"].append(correct / labelled)
            if mode == "train":  # the token count TRL's own loss would log
                self._total_train_tokens += int(inputs["attention_mask"].sum())
                self._metrics[mode]["num_tokens"] = [self._total_train_tokens]
            return loss

    s = config.sft
    if s.packing:
        use_packed_attention(model)
    args = SFTConfig(
        output_dir=str(output_dir),
        learning_rate=s.learning_rate,
        lr_scheduler_type=s.lr_scheduler_type,
        warmup_steps=s.warmup_steps,
        weight_decay=s.weight_decay,
        num_train_epochs=s.num_train_epochs,
        max_steps=s.max_steps,
        # packed: the step's accumulated length buckets come as one batch and run as one packed pass
        per_device_train_batch_size=s.per_device_train_batch_size * (s.gradient_accumulation_steps if s.packing else 1),
        gradient_accumulation_steps=1 if s.packing else s.gradient_accumulation_steps,
        max_length=s.max_length,
        completion_only_loss=True,
        activation_checkpointing=False,  # recomputing activations costs ~30% on CPU; memory is not short
        save_strategy="steps",
        save_steps=s.save_steps,
        save_total_limit=s.save_total_limit,
        logging_steps=s.logging_steps,
        seed=s.seed,
        report_to="none",
        disable_tqdm=False,
        dataloader_num_workers=0,
        **precision_flags(config.model),
    )
    return CompletionLogitsSFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                                      peft_config=lora_config(s.lora, model), callbacks=callbacks)


def _mean_loss(log_history: list[dict]) -> float:
    losses = [entry["loss"] for entry in log_history if "loss" in entry]
    return float(sum(losses) / len(losses)) if losses else float("nan")


def sft_run_hash(config: Config, examples: list[dict], source: Path, base_dir: Path) -> str:
    """The key of an SFT run's checkpoints: params, model, the split and base files, and the rendered examples,
    so that a changed prompt or target rendering (task code, not a file) trains anew instead of restoring an
    adapter trained on the old text."""
    return inputs_hash({"sft": training_identity(config.sft), "model": model_identity(config.model),
                        "examples": sha256_json(examples)}, [source, base_dir])


def run_sft(task: Task, config: Config, *, data_dir: Path, base_dir: Path, out_dir: Path,
            checkpoint_root: Path, curve_path: Path, examples_file: Path | None = None) -> dict:
    """Train, checkpointing every `save_steps`; a rerun of the same config resumes; returns metrics. The examples
    are the task's sft split under `data_dir`, or those of `examples_file` when given."""
    dataset, model, tokenizer, base = setup(task, config, data_dir, base_dir, examples_file)
    source = Path(examples_file) if examples_file is not None else Path(data_dir) / "sft.jsonl"
    run_hash = sft_run_hash(config, dataset.to_list(), source, Path(base_dir))
    trainer = trainer_for(config, dataset, model, tokenizer, checkpoint_dir(checkpoint_root, run_hash),
                          [StepMetricsCallback()])
    kept = len(trainer.train_dataset)
    if kept == 0:
        raise ValueError(f"params.yaml, field 'sft.max_length': {config.sft.max_length} tokens cut every completion "
                         f"away, so no SFT example is left; raise it")
    truncated = sum(len(ids) >= config.sft.max_length for ids in trainer.train_dataset["input_ids"])
    if truncated or kept < len(dataset):
        log.warning("SFT: %d of %d examples cut at sft.max_length=%d, %d dropped with no completion token left",
                    truncated, len(dataset), config.sft.max_length, len(dataset) - kept)
    resume = last_checkpoint(checkpoint_dir(checkpoint_root, run_hash))
    started = time.perf_counter()
    train_or_restore(trainer, resume)
    elapsed = time.perf_counter() - started
    write_curve_csv(trainer.state.log_history, curve_path)
    resumed_step = checkpoint_step(resume)
    tokens = next((entry["num_tokens"] for entry in reversed(trainer.state.log_history) if "num_tokens" in entry), 0)
    metrics = {
        "train_loss": _mean_loss(trainer.state.log_history),
        "train_steps": int(trainer.state.global_step),
        "train_examples": len(dataset),
        "truncated_examples": truncated,
        "dropped_examples": len(dataset) - kept,
        "train_seconds": round(elapsed, 2),
        "resumed_from_step": resumed_step,
        "train_tokens_per_second": round(tokens / elapsed, 1) if resumed_step < trainer.state.global_step else 0.0,
    }
    mlflow.log_metrics({f"final/{k}": float(v) for k, v in metrics.items()})
    card = model_card(title=f"{task.name} SFT adapter", base_model=base, stage="sft", task=task.name,
                      data={"split": str(source), "examples": len(dataset)},
                      params={k: v for k, v in dataclasses.asdict(config.sft).items()}, metrics=metrics)
    publish_adapter(trainer, tokenizer, Path(out_dir), card)
    return metrics
