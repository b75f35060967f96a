"""`sciextract ensemble --task review`: several models' review prediction files combined into one.

Ensembles combine models' postprocessed concerns per article; the first prediction file is the preferred
model. `union`: concerns linked by cosine >= the cluster threshold form clusters (connected components)
and each cluster keeps the longest concern of the preferred model (of any model if it has none there).
`intersection`: the preferred model's concerns that have a concern at or above the evaluator's matching
threshold in every other model. Clusters are single-link: A~B and B~C put A and C together however
dissimilar they are. With all-MiniLM-L6-v2, paraphrases of one generic point ("the sample size is small")
sit at 0.7-0.85 and neighbouring generic points ("underpowered", "the statistics are insufficient") at
0.4-0.6, so a threshold in that band bridges point to point until most of an article is one cluster (see
README, "The review task"). Thresholds below `CLUSTER_THRESHOLD_FLOOR` are refused, and a cluster that
swallows most of an article's concerns is an error.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from sciextract.config import Config
from sciextract.errors import InputError
from sciextract.io import read_prediction_rows, write_jsonl
from sciextract.tasks.base import Task
from sciextract.tasks.review.encoder import EmbeddingTable, cosine_similarities, embed_texts, load_encoder
from sciextract.tasks.review.postprocess import concern_texts, postprocess

CLUSTER_THRESHOLD_FLOOR = 0.9
"""Lowest cluster threshold accepted for union ensembles (see the module docstring)."""
GIANT_CLUSTER_SHARE = 0.5
GIANT_CLUSTER_MIN_CONCERNS = 6
"""A union cluster larger than the number of models and holding more than `GIANT_CLUSTER_SHARE` of an
article's concerns (articles with at least `GIANT_CLUSTER_MIN_CONCERNS`) is chaining, not agreement."""
ENSEMBLE_MODES = ("union", "intersection")

def concern_clusters(similarities: np.ndarray, threshold: float) -> list[list[int]]:
    """Connected components of the graph linking concerns at cosine >= `threshold` (single-link clusters),
    each sorted, ordered by their first member."""
    if len(similarities) == 0:
        return []
    count, labels = connected_components(csr_matrix(similarities >= threshold), directed=False)
    clusters = [sorted(np.flatnonzero(labels == label).tolist()) for label in range(count)]
    return sorted(clusters, key=lambda members: members[0])


CLUSTER_THRESHOLD_SOURCE = "params.yaml or --cluster-threshold"
CLUSTER_THRESHOLD_FIELD = "evaluate.review.cluster_threshold"


def check_cluster_threshold(threshold: float) -> None:
    if not CLUSTER_THRESHOLD_FLOOR <= threshold <= 1.0:
        raise InputError(CLUSTER_THRESHOLD_SOURCE, f"cluster threshold {threshold} is below the floor "
                         f"{CLUSTER_THRESHOLD_FLOOR} (or above 1): single-link clustering chains A~B and B~C into one "
                         "cluster however unlike A and C are, and related concerns sit at cosine 0.4-0.85, so a low "
                         "threshold bridges them until most of an article is one cluster", field=CLUSTER_THRESHOLD_FIELD)


def _check_no_giant_cluster(clusters: list[list[int]], models: int, article_id: str, threshold: float) -> None:
    total = sum(len(members) for members in clusters)
    largest = max((len(members) for members in clusters), default=0)
    if total >= GIANT_CLUSTER_MIN_CONCERNS and largest > models and largest > GIANT_CLUSTER_SHARE * total:
        raise InputError(CLUSTER_THRESHOLD_SOURCE, f"article '{article_id}': one cluster holds {largest} of {total} "
                         f"concerns from {models} models at cluster threshold {threshold}: that is single-link chaining, "
                         "not agreement; raise the cluster threshold", field=CLUSTER_THRESHOLD_FIELD)


def union_ensemble(model_concerns: list[list[dict]], table: EmbeddingTable, cluster_threshold: float, *,
                   article_id: str) -> list[dict]:
    """One concern per cluster: the longest of the preferred (first) model's, else the longest of any model's."""
    check_cluster_threshold(cluster_threshold)
    flat = [(model, concern) for model, concerns in enumerate(model_concerns) for concern in concerns]
    embeddings = table.lookup([concern["text"] for _, concern in flat])
    clusters = concern_clusters(cosine_similarities(embeddings, embeddings), cluster_threshold)
    _check_no_giant_cluster(clusters, len(model_concerns), article_id, cluster_threshold)
    kept = []
    for members in clusters:
        preferred = [index for index in members if flat[index][0] == 0] or members
        kept.append(flat[max(preferred, key=lambda index: len(flat[index][1]["text"]))][1])  # max keeps the first of ties
    return kept


def intersection_ensemble(model_concerns: list[list[dict]], table: EmbeddingTable, threshold: float) -> list[dict]:
    """The preferred (first) model's concerns that some concern of every other model matches at >= `threshold`."""
    preferred = model_concerns[0]
    own = table.lookup(concern_texts(preferred))
    keep = np.ones(len(preferred), dtype=bool)
    for others in model_concerns[1:]:
        if not others:
            return []
        keep &= cosine_similarities(own, table.lookup(concern_texts(others))).max(axis=1) >= threshold
    return [concern for concern, kept in zip(preferred, keep, strict=True) if kept]


def ensemble_files(task: Task, config: Config, prediction_files: list[Path], output: Path, *, mode: str,
                   cluster_threshold: float | None = None, threshold: float | None = None) -> dict:
    """Combine prediction files of two or more models on the same articles into one prediction file.

    Each model's concerns are postprocessed (dedup, cap) first; the ensemble file is scored like any other
    prediction file, so the cap applies to the combined list too. Returns a summary.
    """
    settings = config.evaluate.review
    if len(prediction_files) < 2:
        raise InputError(None, "an ensemble needs at least two prediction files", field="--predictions")
    if mode not in ENSEMBLE_MODES:
        raise InputError(None, f"unknown ensemble mode '{mode}' (known: {', '.join(ENSEMBLE_MODES)})", field="--mode")
    cluster_threshold = settings.cluster_threshold if cluster_threshold is None else cluster_threshold
    threshold = settings.threshold if threshold is None else threshold
    if mode == "union":
        check_cluster_threshold(cluster_threshold)
    first_rows = read_prediction_rows(prediction_files[0])
    articles = [{"id": str(row.get("id")), "source": row.get("source")} for _, row in first_rows]
    per_model = []
    for path in prediction_files:
        aligned = task.join_predictions(articles, first_rows if path == prediction_files[0] else read_prediction_rows(path), path=path)
        missing = [article["id"] for article, prediction in zip(articles, aligned, strict=True) if prediction is None]
        if missing:
            raise InputError(path, f"no prediction for article '{missing[0]}' of {prediction_files[0]}", field="id")
        per_model.append(aligned)
    encoder = load_encoder(settings.encoder, settings.encoder_revision)
    table = embed_texts(encoder, [text for aligned in per_model for prediction in aligned
                                  for text in concern_texts(prediction.value)], settings.encode_batch_size)
    out_rows = []
    for index, article in enumerate(articles):
        models = [aligned[index] for aligned in per_model]
        concerns = [postprocess([] if p.failed else p.value, settings, table).concerns for p in models]
        combined = (union_ensemble(concerns, table, cluster_threshold, article_id=article["id"]) if mode == "union"
                    else intersection_ensemble(concerns, table, threshold))
        out_rows.append({**article, "raw_output": None, "predicted_concerns": combined,
                         "parse_failed": all(p.failed for p in models)})
    write_jsonl(output, out_rows)
    summary = {"mode": mode, "models": [str(path) for path in prediction_files], "preferred": str(prediction_files[0]),
               "similarity_threshold": cluster_threshold if mode == "union" else threshold, "articles": len(out_rows),
               "concerns": sum(len(row["predicted_concerns"]) for row in out_rows), **encoder.stamp()}
    print(json.dumps(summary, indent=2))
    return summary


