"""A tiny random-weight Llama for tests: every code path (chat template, LoRA, generation) in seconds."""

from __future__ import annotations

from pathlib import Path

import torch

from sciextract.modeling import CHATML_TEMPLATE


TINY_LAYERS = 16
"""One more than the CPU profile's `lora.first_layer` (15), so params.yaml's LoRA settings apply as they are."""


def build_tiny_model(out_dir: Path, *, seed: int = 0, vocab_size: int = 384) -> Path:
    """A random-weight Llama with a locally trained byte-level BPE tokenizer and a ChatML template.

    It exercises every code path (chat template, LoRA on all linear layers, generation) in seconds.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    corpus = [
        'You are an expert. Extract funders, awards and entities. Return ONLY the JSON array.',
        '[{"funder_name": "National Science Foundation", "awards": [{"award_ids": ["DMS-1912345"], '
        '"funding_scheme": [], "award_title": []}]}] {"ner": [], "rel": []} system user assistant',
        "This work was supported by grant 123456 from the Wellcome Trust; we thank the reviewers.",
    ]
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    bpe.train_from_iterator(corpus * 4, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<|im_start|>", eos_token="<|im_end|>",
                                        pad_token="<|endoftext|>", unk_token="<|endoftext|>")
    tokenizer.chat_template = CHATML_TEMPLATE
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=TINY_LAYERS,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True)
    LlamaForCausalLM(config).save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    return out_dir
