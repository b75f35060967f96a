"""Shared set-up for the benchmarks: the embedded base model and realistic funding prompts."""

from __future__ import annotations

import resource
from pathlib import Path

from sciextract.config import ModelConfig
from sciextract.tasks.funding.synthetic import NOISE_FRACTION, generate_funding_records
from sciextract.modeling import materialize_base

BENCH_BASE = Path("models/base")


def base_model_dir() -> Path:
    """The pipeline's `models/base`, or a one-off rebuild of the embedded model under /tmp."""
    if (BENCH_BASE / "config.json").exists():
        return BENCH_BASE
    scratch = Path("/tmp/sciextract-bench-base")
    if not (scratch / "config.json").exists():
        materialize_base(ModelConfig(), scratch)
    return scratch


def funding_records(n: int, seed: int = 1234) -> list[dict]:
    return generate_funding_records(n, seed=seed, noise_fraction=NOISE_FRACTION)


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
