"""Fuzz the three output parsers and the three tasks' GRPO rewards with hostile model outputs.

Run: `.venv/bin/python bench/fuzz_parsers.py [--outputs 100000] [--seed 0]`.

Every output comes from a structured generator (valid answers of each task wrapped in prose, fences and think
blocks; random nested JSON; absurd nesting; huge integers; lone surrogates, raw and as escapes; unclosed fences
and think blocks; quote and rule-word floods; truncations; mutations; repeated non-answer items; random bytes),
at sizes from a few bytes to 1 MB. Each output goes through `parse_funders`, `parse_concerns`, `read_answer` and
every reward function of the three tasks, called as TRL calls them. The bench prints, per function, how many
calls raised (must be 0), the total seconds, and the worst seconds per MB over outputs of at least 32 KB; then a
growth check: inputs that grow in one way (valid answers, floods of brackets, tags, quotes, fences, non-answer
items, random bytes) at 64 KB and 1 MB, reported as the exponent k of time ~ size^k (1 is linear). It exits
with status 1 when a call raised or an exponent exceeds 1.3.

The review reward's sentence encoder is replaced by a hashed bag-of-words embedding: the bench measures the
parsing, postprocessing and matching code around it, not the encoder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import string
import sys
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable

import numpy as np

from sciextract.config import Config
from sciextract.tasks.funding import rewards as funding_rewards
from sciextract.tasks.funding.parse import parse_funders
from sciextract.tasks.funding.task import FundingTask
from sciextract.tasks.review import rewards as review_rewards
from sciextract.tasks.review.encoder import EmbeddingTable
from sciextract.tasks.review.parse import parse_concerns
from sciextract.tasks.sciie import rewards as sciie_rewards
from sciextract.tasks.sciie.parse import read_answer
from sciextract.tasks.sciie.rewards import DEFAULT_REWARD_WEIGHTS as SCIIE_WEIGHTS
from sciextract.tasks.sciie.rewards import reward_functions as sciie_reward_functions

KB = 1024
MB = 1024 * KB
LINEAR_EXPONENT_LIMIT = 1.3

FUNDERS = ["National Science Foundation", "NIH", "European Research Council", "Wellcome Trust", "DFG", None]
WORDS = ["the", "sample", "control", "model", "pattern", "suggests", "because", "implies", "Step", "graph",
         "attention", "network", "BERT", "data", "size", "analysis", "missing", "unclear"]
TAGS = ["<think>", "</think>", "<answer>", "</answer>", "<reasoning>", "</reasoning>", "```", "```json\n"]
PUNCTUATION = list('[]{}":,') + ["\\", "\\u", "\\ud800", "null", "1e999", "-", "NaN"]
SURROGATES = ["\ud800", "\udfff", "\udc80", "\ud83d", "\\ud800", "\\udfff", "\\ud83d\\ude00", "\ud83d\ude00"]

# -- generators -----------------------------------------------------------------------------------


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def funding_answer(rng: random.Random, funders: int) -> str:
    return json.dumps([{"funder_name": rng.choice(FUNDERS),
                        "awards": [{"award_ids": [f"{rng.choice('ABCDE')}-{rng.randint(0, 10**6)}"],
                                    "funding_scheme": [], "award_title": []}]} for _ in range(funders)])


def review_answer(rng: random.Random, concerns: int) -> str:
    return json.dumps([{"text": words(rng, rng.randint(3, 12)), "category": rng.choice(["design_flaw", "other", "x"]),
                        "severity": rng.choice(["major", "minor", "critical"])} for _ in range(concerns)])


def sciie_answer(rng: random.Random, items: int) -> str:
    ner = [[rng.choice(WORDS), rng.choice(["Method", "Task", "Dataset"])] for _ in range(items)]
    rel = [[rng.choice(WORDS), "Used-For", rng.choice(WORDS)] for _ in range(max(1, items // 2))]
    body = json.dumps({"ner": ner, "rel": rel})
    return f"<think>{words(rng, 8)} \"graph attention\" implies</think><answer>{body}</answer>"


def any_answer(rng: random.Random, size: int) -> str:
    items = max(1, size // 120)
    return rng.choice([funding_answer, review_answer, sciie_answer])(rng, items)


def repeat_to(piece: str, size: int) -> str:
    return piece * max(1, size // max(1, len(piece)))


def gen_answer(rng: random.Random, size: int) -> str:
    answer = any_answer(rng, size)
    wrap = rng.choice(["{a}", "Here it is: {a} Hope this helps.", "```json\n{a}\n```", "<think>{w}</think>{a}",
                       "{a}\n<think>{w}", "```\n{a}", "[see 1] {{note}} {a}", '{{"result": {a}}}'])
    return wrap.format(a=answer, w=words(rng, 20))


def random_json(rng: random.Random, budget: list[int], depth: int) -> object:
    budget[0] -= 1
    kind = rng.random()
    if budget[0] <= 0 or depth > 40 or kind < 0.35:
        return rng.choice([rng.randint(-10**9, 10**9), rng.random(), True, None, words(rng, 2), "[{\"x\"]"])
    if kind < 0.7:
        return [random_json(rng, budget, depth + 1) for _ in range(rng.randint(0, 6))]
    return {rng.choice(["funders", "concerns", "ner", "rel", "text", "funder_name", "awards", "k"]):
            random_json(rng, budget, depth + 1) for _ in range(rng.randint(0, 5))}


def gen_nested_json(rng: random.Random, size: int) -> str:
    parts, total = [], 0
    while total < size:
        text = json.dumps(random_json(rng, [max(4, size // 40)], 0))
        parts.append(text)
        total += len(text) + 1
    return " ".join(parts)[:size] if rng.random() < 0.3 else " ".join(parts)


def gen_deep_nesting(rng: random.Random, size: int) -> str:
    piece = rng.choice(["[", "{", '{"a":', "[1,", '{"funders":', '[{"text": "a"},', '{"ner": [', "[[[]"])
    text = repeat_to(piece, size)
    return text + rng.choice(["", any_answer(rng, 200), "]" * 50, "x"])


def gen_huge_int(rng: random.Random, size: int) -> str:
    digits = "9" * rng.randint(4301, max(4302, size))
    return rng.choice([f'[{{"funder_name": "NSF", "award_ids": [{digits}]}}]', f'{{"ner": [], "rel": {digits}}}',
                       f'[{{"text": {digits}}}, {{"text": "a"}}]', f"[{digits}", digits,
                       f'<answer>{{"ner": [[{digits}, "Task"]]}}</answer>'])


def gen_surrogates(rng: random.Random, size: int) -> str:
    text = list(any_answer(rng, size))
    for _ in range(rng.randint(1, 8)):
        text.insert(rng.randrange(len(text) + 1), rng.choice(SURROGATES))
    return "".join(text)


def gen_fences(rng: random.Random, size: int) -> str:
    return rng.choice([
        "```" + " " * size,
        repeat_to("```json\n", size),
        "```" + " " * (size // 2) + any_answer(rng, 200),
        repeat_to("``` \n", size) + "```",
        "`" * size,
    ])


def gen_think(rng: random.Random, size: int) -> str:
    return rng.choice([
        repeat_to("<think>", size),
        "<think>" + words(rng, size // 6),
        repeat_to("<think>a</think>", size) + any_answer(rng, 200),
        repeat_to("<reasoning>", size),
        repeat_to("<answer>", size),
        repeat_to("</think><answer>", size),
        "<think>x" + repeat_to("</think> <answer>{}</answer>", size) + " x",
        "<reasoning>" + repeat_to("</reasoning> <think>", size) + "</think><answer>{}</answer>",
        repeat_to(rng.choice(TAGS), size),
    ])


def gen_quotes(rng: random.Random, size: int) -> str:
    flood = rng.choice(["\u201c", '"', "pattern ", "step   ", "because ", "\u201ca ", '"a\n'])
    return "<think>" + repeat_to(flood, size) + "</think><answer>{}</answer>"


def gen_truncation(rng: random.Random, size: int) -> str:
    text = gen_answer(rng, size)
    return text[:rng.randint(len(text) // 2, len(text))]


def gen_mutation(rng: random.Random, size: int) -> str:
    text = list(gen_answer(rng, size))
    for _ in range(rng.randint(1, 1 + len(text) // 20)):
        text[rng.randrange(len(text))] = rng.choice(PUNCTUATION + [rng.choice(string.printable)])
    return "".join(text)


def gen_repeated_items(rng: random.Random, size: int) -> str:
    piece = rng.choice(['{"a": 1} ', '{"text": 1}, ', '["x"] ', '{"ner": 1} ', '[1] ', '{"funder_name": [1]} ',
                        '{"a": "[{"} ', '"a", ', '{"concerns": 1} '])
    return rng.choice(["", "[", "```json\n"]) + repeat_to(piece, size)


def gen_random_bytes(rng: random.Random, size: int) -> str:
    blob = rng.randbytes(size)
    return blob.decode(rng.choice(["utf-8", "latin-1"]) if rng.random() < 0.5 else "utf-8",
                       errors=rng.choice(["replace", "surrogateescape", "ignore"]))


GENERATORS: dict[str, Callable[[random.Random, int], str]] = {
    "answer": gen_answer, "nested_json": gen_nested_json, "deep_nesting": gen_deep_nesting,
    "huge_int": gen_huge_int, "surrogates": gen_surrogates, "fences": gen_fences, "think": gen_think,
    "quotes": gen_quotes, "truncation": gen_truncation, "mutation": gen_mutation,
    "repeated_items": gen_repeated_items, "random_bytes": gen_random_bytes,
}


def with_surrogates(text: str) -> str:
    """A lone surrogate after every 100th comma (raw and escaped in turn)."""
    parts = text.split(",")
    return ",".join(part + (SURROGATES[(index // 100) % 4] if index % 100 == 99 else "")
                    for index, part in enumerate(parts))


SCALABLE: dict[str, Callable[[int, int], str]] = {
    "funding answer": lambda size, seed: funding_answer(random.Random(seed), size // 115),
    "review answer": lambda size, seed: review_answer(random.Random(seed), size // 110),
    "sciie answer": lambda size, seed: sciie_answer(random.Random(seed), size // 40),
    "cut answer": lambda size, seed: (text := review_answer(random.Random(seed), size // 110))[:len(text) * 9 // 10],
    "answer+surrogates": lambda size, seed: with_surrogates(review_answer(random.Random(seed), size // 110)),
    "nested json": lambda size, seed: gen_nested_json(random.Random(seed), size),
    "[ flood": lambda size, seed: "[" * size,
    "[1, flood": lambda size, seed: repeat_to("[1,", size),
    '{"a": flood': lambda size, seed: repeat_to('{"a":', size),
    "fence+spaces": lambda size, seed: "```" + " " * size,
    "<think> flood": lambda size, seed: repeat_to("<think>", size),
    "format bait": lambda size, seed: "<think>x" + repeat_to("</think> <answer>{}</answer>", size) + " x",
    "curly quotes": lambda size, seed: "<think>" + "\u201c" * size + "</think>",
    "rule words": lambda size, seed: "<think>" + repeat_to("pattern ", size) + "</think>",
    "non-items": lambda size, seed: repeat_to('{"a": 1} ', size),
    "non-concerns": lambda size, seed: "[" + repeat_to('{"text": 1}, ', size),
    "random bytes": lambda size, seed: random.Random(seed).randbytes(size).decode("utf-8", errors="surrogateescape"),
}
"""Inputs that grow in one way with their size, for the growth check."""


def draw_size(rng: random.Random) -> int:
    """Mostly model-sized outputs, some long ones, a few up to 1 MB (a user's file can hold anything)."""
    roll = rng.random()
    if roll < 0.985:
        return rng.randint(1, 2 * KB)
    if roll < 0.999:
        return rng.randint(2 * KB, 32 * KB)
    return rng.randint(64 * KB, MB)


# -- the functions under test ---------------------------------------------------------------------


def hashed_embedding(texts: list[str], dimension: int = 64) -> np.ndarray:
    vectors = np.zeros((len(texts), dimension), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in text.lower().split()[:64]:
            vectors[row, int(hashlib.md5(word.encode("utf-8", "replace")).hexdigest()[:8], 16) % dimension] += 1.0
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def stub_review_encoder() -> None:
    review_rewards.load_encoder = lambda name, revision=None: None
    review_rewards.embed_texts = lambda encoder, texts, batch_size=64: EmbeddingTable(
        dict(zip(dict.fromkeys(texts), hashed_embedding(list(dict.fromkeys(texts))), strict=True)))


def functions_under_test() -> dict[str, Callable[[str], object]]:
    config = Config()
    funding, funding_weights = FundingTask().reward_functions(config)
    funding_gold = json.dumps([{"funder_name": "National Science Foundation",
                                "awards": [{"award_ids": ["A-1"], "funding_scheme": [], "award_title": []}]}])
    review_semantic = review_rewards.semantic_f1_reward(config.evaluate.review)
    review_gold = json.dumps([{"text": "the sample size is small", "category": "design_flaw", "severity": "major"}])
    sciie, _ = sciie_reward_functions(SCIIE_WEIGHTS)
    sciie_gold = json.dumps({"ner": [["BERT", "Method"]], "rel": [["BERT", "Used-For", "graph"]]})
    sentence = "We use BERT for graph attention network analysis ."

    def chat(text: str) -> list:
        return [[{"role": "assistant", "content": text}]]

    return {
        "funding.parse": parse_funders,
        "review.parse": parse_concerns,
        "sciie.parse": read_answer,
        "funding.reward": lambda text: [f(["p"], chat(text), gold_funders=[funding_gold]) for f in funding],
        "review.reward": lambda text: (review_semantic(["p"], chat(text), gold_concerns=[review_gold]),
                                       review_rewards.unreadable_penalty(["p"], chat(text))),
        "sciie.reward": lambda text: [f(["p"], chat(text), gold_answer=[sciie_gold], sentence=[sentence]) for f in sciie],
    }


# -- running --------------------------------------------------------------------------------------


def timed(function: Callable[[str], object], text: str) -> tuple[float, BaseException | None]:
    """Seconds of one call and what it raised; the rewards' per-completion caches are emptied first, so a
    repeated text is computed again."""
    funding_rewards._reward_components.cache_clear()
    sciie_rewards._components.cache_clear()
    started = time.perf_counter()
    try:
        function(text)
    except Exception as exc:  # the point of the bench: count what raises
        return time.perf_counter() - started, exc
    return time.perf_counter() - started, None


def fuzz(functions: dict[str, Callable[[str], object]], outputs: int, seed: int) -> bool:
    rng = random.Random(seed)
    names = list(GENERATORS)
    raised: Counter[str] = Counter()
    examples: dict[str, str] = {}
    worst: dict[str, tuple[float, str, int]] = defaultdict(lambda: (0.0, "", 0))
    total: Counter[str] = Counter()
    sizes = Counter()
    started = time.perf_counter()
    for index in range(outputs):
        family = names[index % len(names)]
        text = GENERATORS[family](rng, draw_size(rng))
        sizes["large" if len(text) >= 64 * KB else "long" if len(text) >= 2 * KB else "short"] += 1
        for name, function in functions.items():
            seconds, error = timed(function, text)
            total[name] += seconds
            if error is not None:
                raised[name] += 1
                examples.setdefault(name, f"{family} ({len(text)} chars): "
                                          + "".join(traceback.format_exception_only(error)).strip()[:300])
            if len(text) >= 32 * KB and seconds * MB / len(text) > worst[name][0]:
                worst[name] = (seconds * MB / len(text), family, len(text))
    elapsed = time.perf_counter() - started
    print(f"{outputs} outputs ({sizes['short']} under 2 KB, {sizes['long']} of 2-64 KB, {sizes['large']} of "
          f"64 KB-1 MB) through {len(functions)} functions in {elapsed:.0f} s")
    print(f"{'function':<16}{'exceptions':>11}{'seconds':>9}{'worst s/MB':>12}  worst input (>= 32 KB)")
    for name in functions:
        per_mb, family, size = worst[name]
        print(f"{name:<16}{raised[name]:>11}{total[name]:>9.1f}{per_mb:>12.3f}  {family} ({size / KB:.0f} KB)")
    for name, example in examples.items():
        print(f"  first exception in {name}: {example}")
    return not raised


def growth(functions: dict[str, Callable[[str], object]]) -> bool:
    """Time each scalable input at 64 KB and 1 MB: the exponent k of time ~ size^k. Each size is drawn three times
    (three seeds) and the fastest call kept, which takes out most of the noise of a shared machine; drawing anew,
    rather than calling again, keeps what the scorers cache inside (merge plans, similarities) from hiding a
    cost. The floods are the same text each time; only the rewards cache per text, and `timed` empties those."""
    small, large = 64 * KB, MB
    print(f"\ngrowth from {small // KB} KB to {large // KB} KB: exponent k of time ~ size^k (1 = linear; "
          f"limit {LINEAR_EXPONENT_LIMIT}), and seconds at 1 MB")
    print(f"{'input':<20}" + "".join(f"{name:>16}" for name in functions))
    slow = []
    for family, build in SCALABLE.items():
        texts = {size: [build(size, seed) for seed in range(3)] for size in (small, large)}
        cells = []
        for name, function in functions.items():
            seconds = {size: max(min(timed(function, text)[0] for text in drawn), 1e-3)  # 1 ms floor
                       for size, drawn in texts.items()}
            exponent = math.log(seconds[large] / seconds[small]) / math.log(
                sum(map(len, texts[large])) / sum(map(len, texts[small])))
            cells.append(f"{exponent:.2f} ({seconds[large]:.2f} s)")
            if exponent > LINEAR_EXPONENT_LIMIT:
                slow.append(f"{name} on {family}")
        print(f"{family:<20}" + "".join(f"{cell:>16}" for cell in cells))
    print("slower than linear: " + (", ".join(slow) if slow else "none"))
    return not slow


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    stub_review_encoder()
    functions = functions_under_test()
    clean = fuzz(functions, args.outputs, args.seed)
    linear = growth(functions)
    return 0 if clean and linear else 1


if __name__ == "__main__":
    sys.exit(main())
