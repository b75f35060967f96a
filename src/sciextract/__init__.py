"""sciextract: post-training LLMs for structured extraction from scientific papers.

`from sciextract import load_extractor` gives the Python API (`sciextract.extractor`): a trained adapter or a
registered model as an object whose `extract(texts_or_rows)` returns structured answers.
"""

import importlib

__version__ = "0.1.0"
__all__ = ["load_extractor"]


def __getattr__(name: str):
    """`load_extractor`, imported on first use: every stage imports this package, and none of them runs the
    extractor, so its model and generation code stay out of their imports (and out of their import closure, which
    `sciextract.provenance` reads from import statements: this one names its module as a string)."""
    if name == "load_extractor":
        return importlib.import_module("sciextract.extractor").load_extractor
    raise AttributeError(f"module 'sciextract' has no attribute '{name}'")
