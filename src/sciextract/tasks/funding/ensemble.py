"""`sciextract ensemble --task funding`: funding prediction files of several systems on the same statements,
combined into one by union.

Why a union: on the 100 real dev statements the SFT adapter and the rule baseline miss different funders
(funder recall 0.655 and 0.590, 0.805 for the union at precision 0.675), so the union of their answers scores
funder F1 0.734 where the better of the two scores 0.681 (README, "Measured results"). The first file is the
preferred system: its answer is kept whole, and every later file only adds what it lacks.

- A funder of a later file whose name matches one already kept (the evaluator's name similarity and threshold
  in the headline mode, `evaluate.funding`) adds its award ids, schemes and titles that this funder lacks.
- An unmatched funder is added with the award ids no kept funder has (an id belongs to one funder: repeated
  under a second one it is a false positive for the published harness), and its schemes and titles.
- A funder without a name is never matched by name; it is added only when it brings an award id the answer
  lacks.
"""

from __future__ import annotations

import json
from pathlib import Path

from sciextract.config import Config
from sciextract.errors import InputError
from sciextract.io import read_prediction_rows, write_jsonl
from sciextract.tasks.base import Task
from sciextract.tasks.funding.fuzzy import name_similarity
from sciextract.tasks.funding.score import listed_items
from sciextract.tasks.funding.text import normalize_award_id, normalize_text


def _new_awards(funder: dict, known_ids: set[str], known_schemes: set[str], known_titles: set[str]) -> list[dict]:
    """`funder`'s awards reduced to the ids, schemes and titles not already known; awards left empty dropped."""
    awards = []
    for award in funder["awards"]:
        reduced = {"award_ids": [i for i in award["award_ids"] if normalize_award_id(i) not in known_ids],
                   "funding_scheme": [s for s in award["funding_scheme"] if normalize_text(s) not in known_schemes],
                   "award_title": [t for t in award["award_title"] if normalize_text(t) not in known_titles]}
        if any(reduced.values()):
            awards.append(reduced)
    return awards


def _matching_funder(funders: list[dict], name: str | None, mode: str, threshold: float) -> dict | None:
    if not name:
        return None
    wanted = normalize_text(name)
    for funder in funders:
        if funder["funder_name"] and name_similarity(normalize_text(funder["funder_name"]), wanted, mode) >= threshold:
            return funder
    return None


def union_funders(answers: list[list[dict]], mode: str, threshold: float) -> list[dict]:
    """One answer from several systems' answers (canonical funders) to one statement; see the module docstring."""
    combined = [{"funder_name": funder["funder_name"], "awards": [dict(award) for award in funder["awards"]]}
                for funder in answers[0]]
    for answer in answers[1:]:
        for funder in answer:
            known_ids = {award_id for kept in combined for award_id in listed_items(kept["awards"]).award_ids}
            match = _matching_funder(combined, funder["funder_name"], mode, threshold)
            if match is not None:
                known = listed_items(match["awards"])
                match["awards"] += _new_awards(funder, known_ids, set(known.schemes), set(known.titles))
                continue
            awards = _new_awards(funder, known_ids, set(), set())
            if funder["funder_name"] or any(award["award_ids"] for award in awards):
                combined.append({"funder_name": funder["funder_name"], "awards": awards})
    return combined


def ensemble_files(task: Task, config: Config, prediction_files: list[Path], output: Path, *, mode: str) -> dict:
    """The union of two or more funding prediction files on the same statements, written as one prediction file
    (`predicted_funders`), which `sciextract score` reads like any other. Returns a summary."""
    if mode != "union":
        raise InputError(None, f"funding ensembles are unions only, not '{mode}'", field="--mode")
    if len(prediction_files) < 2:
        raise InputError(None, "an ensemble needs at least two prediction files", field="--predictions")
    settings = config.evaluate.funding
    first_rows = read_prediction_rows(prediction_files[0])
    statements = []
    for line, row in first_rows:
        if not isinstance(row.get("id"), str) and not isinstance(row.get(task.text_key), str):
            raise InputError(prediction_files[0], f"a row needs an `id` or a `{task.text_key}` to be joined", line, "id")
        statements.append({key: row[key] for key in ("id", task.text_key) if key in row})
    per_file = []
    for path in prediction_files:
        aligned = task.join_predictions(statements, first_rows if path == prediction_files[0] else read_prediction_rows(path),
                                        path=path)
        missing = [statement for statement, prediction in zip(statements, aligned, strict=True) if prediction is None]
        if missing:
            raise InputError(path, f"no prediction for statement {missing[0].get('id', missing[0].get(task.text_key))!r} "
                                   f"of {prediction_files[0]}", field="id")
        per_file.append(aligned)
    rows = []
    for index, statement in enumerate(statements):
        parsed = [aligned[index] for aligned in per_file]
        funders = union_funders([[] if p.failed else p.value for p in parsed], settings.mode, settings.funder_threshold)
        rows.append({**statement, "raw_output": None, "predicted_funders": funders,
                     "parse_failed": all(p.failed for p in parsed)})
    write_jsonl(output, rows)
    summary = {"mode": mode, "systems": [str(path) for path in prediction_files], "preferred": str(prediction_files[0]),
               "name_similarity": settings.mode, "funder_threshold": settings.funder_threshold,
               "statements": len(rows), "funders": sum(len(row["predicted_funders"]) for row in rows)}
    print(json.dumps(summary, indent=2))
    return summary
