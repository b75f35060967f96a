"""The `sciextract` command: one subcommand per DVC stage, plus predict and score. Parsing only."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import yaml

from sciextract.config import Config, load_config, with_overrides
from sciextract.errors import InputError


def _config(args: argparse.Namespace, *, apply_sweep_best: bool = True) -> Config:
    """The params file with the command's `--task` and `--set` overrides, and torch's thread count applied."""
    config = load_config(args.params, task=getattr(args, "task", None), apply_sweep_best=apply_sweep_best)
    overrides = dict(_override(text) for text in getattr(args, "set", None) or [])
    if overrides:
        config = with_overrides(config, overrides, source="--set")
    if config.model.cpu_threads:
        import torch

        torch.set_num_threads(config.model.cpu_threads)
    return config


def _override(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise InputError("--set", f"expected KEY=VALUE (e.g. evaluate.funding.mode=strict), got {text!r}")
    return key.strip(), yaml.safe_load(value)


def cmd_base_model(args):
    from sciextract.stages import run_base_model

    run_base_model(_config(args))


def cmd_prepare(args):
    from sciextract.stages import run_prepare

    run_prepare(_config(args))


def cmd_sft(args):
    from sciextract.stages import run_sft_stage

    run_sft_stage(_config(args), out_dir=args.output)


def cmd_grpo(args):
    from sciextract.stages import run_grpo_stage

    run_grpo_stage(_config(args))


def cmd_evaluate(args):
    from sciextract.stages import run_evaluate

    run_evaluate(_config(args), args.variant, name=args.name)


def cmd_leaderboard(args):
    from sciextract.stages import run_leaderboard

    run_leaderboard(_config(args))


def cmd_prepare_articles(args):
    from sciextract.stages import run_prepare_articles

    run_prepare_articles(_config(args))


def cmd_sft_articles(args):
    from sciextract.stages import run_sft_articles

    run_sft_articles(_config(args))


def cmd_grpo_articles(args):
    from sciextract.stages import run_grpo_articles

    run_grpo_articles(_config(args))


def cmd_evaluate_articles(args):
    from sciextract.stages import run_evaluate_articles

    run_evaluate_articles(_config(args), args.variant)


def cmd_leaderboard_articles(args):
    from sciextract.stages import run_leaderboard_articles

    run_leaderboard_articles(_config(args))


def cmd_sweep(args):
    from sciextract.stages import run_sweep_stage

    # The sweep runs before any best trial exists, so `sweep.apply_best` is not applied to its own config.
    config = _config(args, apply_sweep_best=False)
    if args.n_trials is not None:
        config = with_overrides(config, {"sweep.n_trials": args.n_trials}, source="--n-trials")
    run_sweep_stage(config, worker=args.worker)


def cmd_predict(args):
    from sciextract.article_predict import predict_article_file
    from sciextract.predict import predict_file
    from sciextract.tasks import get_task

    config = _config(args)
    task = get_task(config.task)
    if predict_article_file(task, config, args.model, args.input, args.output):
        return
    predict_file(task, config, args.model, args.input, args.output)


def cmd_score(args):
    from sciextract.predict import score_file
    from sciextract.tasks import get_task

    config = _config(args)
    score_file(get_task(config.task), config, gold=args.gold, predictions=args.predictions, output=args.output)


def cmd_reward(args):
    from sciextract.tasks import get_task
    from sciextract.train.rewards import reward_file

    config = _config(args)
    reward_file(get_task(config.task), config, gold=args.gold, predictions=args.predictions, output=args.output)


def cmd_ensemble(args):
    from sciextract.tasks import get_task

    config = _config(args)
    get_task(config.task).ensemble(config, args.predictions, args.output, mode=args.mode,
                                   cluster_threshold=args.cluster_threshold, threshold=args.threshold)


def cmd_calibrate_threshold(args):
    from sciextract.tasks.review.calibrate import calibrate_paraphrase_file, calibrate_threshold_file

    if args.paraphrases is not None:
        calibrate_paraphrase_file(_config(args), pairs=args.paraphrases, output=args.output)
        return
    if args.predictions is None or args.gold is None:
        raise InputError("calibrate-threshold", "give --predictions and --gold, or --paraphrases")
    calibrate_threshold_file(_config(args), gold=args.gold, predictions=args.predictions, output=args.output)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sciextract", description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"), help="params file (default: params.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("base_model", help="turn model.base into a plain transformers model under models/base"
                   ).set_defaults(func=cmd_base_model)
    for name, func, help_text in (
        ("prepare", cmd_prepare, "build and split the task's data under data/<task>/"),
        ("sft", cmd_sft, "LoRA SFT -> models/<task>/sft"),
        ("grpo", cmd_grpo, "GRPO from the SFT policy -> models/<task>/grpo"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--task", help="override params.yaml's task")
        if name == "sft":
            p.add_argument("--output", type=Path, help="train into this folder instead of models/<task>/sft "
                           "(a second SFT variant, e.g. plain next to MimicSFT)")
        p.set_defaults(func=func)

    p = sub.add_parser("evaluate", help="run one variant on the test split and extra sets -> reports/eval/<task>/<variant>")
    p.add_argument("--variant", required=True, help="rule | base | sft | grpo | an adapter folder")
    p.add_argument("--name", help="label for reports/eval/<task>/<name> (default: the variant)")
    p.add_argument("--task", help="override params.yaml's task")
    p.set_defaults(func=cmd_evaluate)

    sub.add_parser("leaderboard", help="rank every evaluation within its stamp -> reports/leaderboard.{md,csv,html,png,json}"
                   ).set_defaults(func=cmd_leaderboard)

    # The article pipeline (pipelines/article/dvc.yaml, `make articles`): a task with an article path (funding) on whole articles.
    sub.add_parser("prepare_articles", help="synthetic gold articles split sft/rl/test and the article SFT mixture "
                   "-> data/<task>/articles/").set_defaults(func=cmd_prepare_articles)
    sub.add_parser("sft_articles", help="one LoRA adapter for both article stages, on the mixture "
                   "-> models/<task>/article_sft").set_defaults(func=cmd_sft_articles)
    sub.add_parser("grpo_articles", help="GRPO on stage 1 from the article SFT adapter, the rl articles' chunks "
                   "rewarded through stage 2 -> models/<task>/article_grpo").set_defaults(func=cmd_grpo_articles)
    p = sub.add_parser("evaluate_articles", help="both article stages of a variant on the article sets "
                       "-> reports/articles/<task>/<variant>")
    p.add_argument("--variant", required=True, help="rule | article_sft | article_grpo")
    p.set_defaults(func=cmd_evaluate_articles)
    sub.add_parser("leaderboard_articles", help="the leaderboard with the article rows added "
                   "-> reports/articles/leaderboard.{md,csv,html,png,json}").set_defaults(func=cmd_leaderboard_articles)

    p = sub.add_parser("sweep", help="Optuna sweep of LoRA rank, KL, GRPO lr, entropy bonus and dynamic sampling -> "
                       "reports/sweep/<task>/")
    p.add_argument("--worker", action="store_true",
                   help="only add trials to the shared study (until it holds n_trials finished ones); write no reports")
    p.add_argument("--n-trials", type=int, help="override sweep.n_trials: finished trials the study must hold")
    p.add_argument("--task", help="override params.yaml's task")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("predict", help="run any variant on any file of the task's format")
    p.add_argument("--task", help="override params.yaml's task")
    p.add_argument("--model", required=True, help="rule | base | sft | grpo | an adapter folder")
    p.add_argument("--input", required=True, type=Path,
                   help="a file of the task's records; for funding also articles: `id`/`text` rows or a folder of "
                        ".md/.txt papers (two stages: statements, then funders)")
    p.add_argument("--output", required=True, type=Path)
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("score", help="score any predictions file against a gold file of the task")
    p.add_argument("--task", help="override params.yaml's task")
    p.add_argument("--gold", required=True, type=Path, help="gold records in the task's format (rows with an id)")
    p.add_argument("--predictions", required=True, type=Path,
                   help="JSONL rows joined to the gold on `id`, each with `raw_output` or the structured answer")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a params field for this scoring, e.g. --set evaluate.funding.mode=strict")
    p.add_argument("--output", type=Path, help="write the metrics JSON here")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser(
        "reward", help="the GRPO reward of any predictions file against a gold file of the task, one row per gold row",
        description="Write one JSONL row per gold row, {id, reward, components}, the reward weighted with params' "
                    "grpo.rewards.<task>. A prediction row is joined to the gold as `score` joins it; its raw_output "
                    "is rewarded when present, else its structured answer rendered as JSON text (for SciIE the "
                    "answer_format and think_relevance rewards then judge bare JSON, not the tagged <think>/<answer> "
                    "format, and pay nothing). A gold row without a prediction, or a row flagged "
                    "parse_failed without raw_output, is rewarded as an empty output.")
    p.add_argument("--task", help="override params.yaml's task")
    p.add_argument("--gold", required=True, type=Path, help="gold records in the task's format (rows with an id)")
    p.add_argument("--predictions", required=True, type=Path,
                   help="JSONL rows joined to the gold on `id`, each with `raw_output` or the structured answer")
    p.add_argument("--output", required=True, type=Path, help="write the reward rows (JSONL) here")
    p.set_defaults(func=cmd_reward)

    p = sub.add_parser("ensemble", help="combine two or more systems' review or funding prediction files into one")
    p.add_argument("--task", required=True, help="a task with an ensemble: funding or review")
    p.add_argument("--predictions", required=True, type=Path, nargs="+",
                   help="prediction JSONL files on the same articles or statements; the first is the preferred system")
    p.add_argument("--mode", choices=["union", "intersection"], default="union", help="funding: union only")
    p.add_argument("--cluster-threshold", type=float, help="review union: cosine linking two concerns (default: params)")
    p.add_argument("--threshold", type=float, help="review intersection: cosine of a match (default: params)")
    p.add_argument("--output", required=True, type=Path)
    p.set_defaults(func=cmd_ensemble)

    p = sub.add_parser("calibrate-threshold", help="review F1 as a function of the matching threshold (0.50-0.80), or "
                       "with --paraphrases the threshold at which the encoder agrees best with SPECTER2-style matching")
    p.add_argument("--task", choices=["review"], required=True)
    p.add_argument("--predictions", type=Path)
    p.add_argument("--gold", type=Path)
    p.add_argument("--paraphrases", type=Path, help="JSONL {text_a, text_b, same_concern}: print the threshold at which "
                   "the configured encoder agrees best with SPECTER2-style matching")
    p.add_argument("--output", type=Path, help="write OUTPUT.json and OUTPUT.csv")
    p.set_defaults(func=cmd_calibrate_threshold)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        args.func(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
