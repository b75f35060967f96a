"""Evaluator and reward throughput (documents per second) on generated documents.

Run: `.venv/bin/python bench/bench_evaluator.py [--documents N] [--seed S]`.
Predictions are noisy copies of the gold (dropped, renamed, abbreviated funders; typo'd ids), so every
matching path is exercised; no external data is needed.
"""

from __future__ import annotations

import argparse
import random
import time

from sciextract.tasks.funding.rewards import DEFAULT_REWARD_WEIGHTS, funding_reward_components
from sciextract.tasks.funding.score import score_documents
from sciextract.train.rewards import weighted_totals

FUNDERS = [
    "National Science Foundation (NSF)", "NSF", "National Institutes of Health", "Wellcome Trust",
    "European Research Council", "Deutsche Forschungsgemeinschaft (DFG)", "Max Planck Society",
    "Japan Society for the Promotion of Science", "Natural Sciences and Engineering Research Council of Canada",
    "Cancer Research UK", "Bill & Melinda Gates Foundation", "National Natural Science Foundation of China",
]
SCHEMES = ["Starting Grant", "CAREER", "Marie Skłodowska-Curie Actions", "Discovery Grant", "Fellowship"]
TITLES = ["Quantum materials by design", "Deep learning for proteins", "Climate extremes", "Neural circuits"]


def random_award_id(rng: random.Random) -> str:
    return f"{rng.choice(['DMR', 'R01', 'ERC', 'WT'])}-{rng.randint(100000, 999999)}"


def random_funder(rng: random.Random) -> dict:
    awards = [{"award_ids": [random_award_id(rng) for _ in range(rng.randint(0, 3))],
               "funding_scheme": rng.sample(SCHEMES, rng.randint(0, 1)),
               "award_title": rng.sample(TITLES, rng.randint(0, 1))}
              for _ in range(rng.randint(1, 2))]
    return {"funder_name": None if rng.random() < 0.1 else rng.choice(FUNDERS), "awards": awards}


def noisy_copy(funders: list[dict], rng: random.Random) -> list[dict]:
    """A plausible model answer: some funders dropped or renamed, some ids typo'd, some funders invented."""
    prediction = []
    for funder in funders:
        if rng.random() < 0.15:
            continue
        name = funder["funder_name"]
        if name is not None and rng.random() < 0.2:
            name = rng.choice(FUNDERS)
        awards = [{**award, "award_ids": [i[:-1] + "0" if rng.random() < 0.1 else i for i in award["award_ids"]]}
                  for award in funder["awards"]]
        prediction.append({"funder_name": name, "awards": awards})
    if rng.random() < 0.2:
        prediction.append(random_funder(rng))
    return prediction


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    golds = [[random_funder(rng) for _ in range(rng.randint(0, 4))] for _ in range(args.documents)]
    documents = [(f"doc-{n}", gold, noisy_copy(gold, rng), rng.random() < 0.02) for n, gold in enumerate(golds)]

    start = time.perf_counter()
    report, _ = score_documents(documents)
    evaluator_seconds = time.perf_counter() - start

    start = time.perf_counter()
    components = [funding_reward_components(None if failed else pred, gold) for _, gold, pred, failed in documents]
    rewards = weighted_totals(list(DEFAULT_REWARD_WEIGHTS.values()),
                              [[parts[name] for parts in components] for name in DEFAULT_REWARD_WEIGHTS])
    reward_seconds = time.perf_counter() - start

    print(f"documents: {args.documents}")
    metrics = report["metrics"]
    print(f"evaluator: {args.documents / evaluator_seconds:,.0f} documents/s "
          f"(funder F1 {metrics['funder']['f1']:.3f}, award-id F1 {metrics['award_id']['f1']:.3f})")
    mean_reward = sum(rewards) / len(rewards)
    print(f"reward:    {args.documents / reward_seconds:,.0f} documents/s (mean reward {mean_reward:.3f})")


if __name__ == "__main__":
    main()
