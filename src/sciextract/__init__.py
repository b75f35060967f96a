"""sciextract: post-training LLMs for structured extraction from scientific papers."""

__version__ = "0.1.0"
