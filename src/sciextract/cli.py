"""The `sciextract` command: one subcommand per DVC stage, plus predict and score. Parsing only."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from sciextract.errors import InputError


def _config(args: argparse.Namespace):
    from sciextract.config import load_config

    config = load_config(args.params, task=getattr(args, "task", None))
    _set_threads(config.model.cpu_threads)
    return config


def _set_threads(threads: int) -> None:
    if threads:
        import torch

        torch.set_num_threads(threads)


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
    if args.predictions is None:
        from sciextract.stages import run_evaluate

        run_evaluate(_config(args), args.variant, name=args.name)
        return
    from sciextract import paths
    from sciextract.scoring.report import score_funding_file

    config = _config(args)
    if config.task != "funding":
        raise InputError(args.params, f"scoring a predictions file is implemented for funding, not '{config.task}'",
                         field="task")
    gold = args.gold or paths.data_dir(config.task) / "test.jsonl"
    score_funding_file(gold=gold, predictions=args.predictions, mode=args.mode or config.evaluate.mode,
                       output=args.output, funder_threshold=config.evaluate.funder_threshold,
                       text_threshold=config.evaluate.text_threshold)


def cmd_leaderboard(args):
    from sciextract.stages import run_leaderboard

    run_leaderboard(_config(args))


def cmd_sweep(args):
    from sciextract.config import load_config, with_overrides
    from sciextract.stages import run_sweep_stage

    # The sweep runs before any best trial exists, so `sweep.apply_best` is not applied to its own config.
    config = load_config(args.params, task=args.task, apply_sweep_best=False)
    if args.n_trials is not None:
        config = with_overrides(config, {"sweep.n_trials": args.n_trials}, source="command line")
    _set_threads(config.model.cpu_threads)
    run_sweep_stage(config, worker=args.worker)


def cmd_predict(args):
    from sciextract.stages import run_predict

    run_predict(_config(args), args.model, args.input, args.output)


def cmd_score(args):
    from sciextract.scoring.report import score_funding_file

    score_funding_file(gold=args.gold, predictions=args.predictions, mode=args.mode, output=args.output,
                       funder_threshold=args.funder_threshold, text_threshold=args.text_threshold)


def cmd_ensemble(args):
    from sciextract.review_tools import ensemble_files

    ensemble_files(_config(args), args.predictions, args.output, mode=args.mode,
                   cluster_threshold=args.cluster_threshold, threshold=args.threshold)


def cmd_calibrate_threshold(args):
    from sciextract.review_tools import calibrate_threshold_file

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

    p = sub.add_parser("evaluate", help="run one variant on the test split and extra sets -> reports/eval/<task>/<variant>,"
                       " or score an existing predictions file")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--variant", help="rule | base | sft | grpo | an adapter folder")
    what.add_argument("--predictions", type=Path, help="score this predictions JSONL instead of running a model")
    p.add_argument("--name", help="with --variant: label for reports/eval/<task>/<name> (default: the variant)")
    p.add_argument("--gold", type=Path, help="with --predictions: gold file (default: the prepared test split)")
    p.add_argument("--mode", choices=["balanced", "permissive", "strict"], help="with --predictions (default: params)")
    p.add_argument("--output", type=Path, help="with --predictions: write the metrics JSON here")
    p.add_argument("--task", help="override params.yaml's task")
    p.set_defaults(func=cmd_evaluate)

    sub.add_parser("leaderboard", help="rank every evaluation within its stamp -> reports/leaderboard.{md,csv,html,png,json}"
                   ).set_defaults(func=cmd_leaderboard)

    p = sub.add_parser("sweep", help="Optuna sweep of LoRA rank, KL and GRPO lr -> reports/sweep/<task>/")
    p.add_argument("--worker", action="store_true",
                   help="only add trials to the shared study (until it holds n_trials finished ones); write no reports")
    p.add_argument("--n-trials", type=int, help="override sweep.n_trials: finished trials the study must hold")
    p.add_argument("--task", help="override params.yaml's task")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("predict", help="run any variant on any file of the task's format")
    p.add_argument("--task", help="override params.yaml's task")
    p.add_argument("--model", required=True, help="rule | base | sft | grpo | an adapter folder")
    p.add_argument("--input", required=True, type=Path)
    p.add_argument("--output", required=True, type=Path)
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("score", help="score a predictions file against gold")
    p.add_argument("score_task", choices=["funding"])
    p.add_argument("--gold", required=True, type=Path)
    p.add_argument("--predictions", required=True, type=Path)
    p.add_argument("--mode", choices=["balanced", "permissive", "strict"], default="balanced")
    p.add_argument("--funder-threshold", type=float, default=0.8)
    p.add_argument("--text-threshold", type=float, default=0.8)
    p.add_argument("--output", type=Path, help="write the metrics JSON here")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("ensemble", help="combine two or more models' review prediction files into one")
    p.add_argument("--task", choices=["review"], required=True)
    p.add_argument("--predictions", required=True, type=Path, nargs="+",
                   help="prediction JSONL files on the same articles; the first is the preferred model")
    p.add_argument("--mode", choices=["union", "intersection"], default="union")
    p.add_argument("--cluster-threshold", type=float, help="union: cosine linking two concerns (default: params)")
    p.add_argument("--threshold", type=float, help="intersection: cosine of a match (default: params)")
    p.add_argument("--output", required=True, type=Path)
    p.set_defaults(func=cmd_ensemble)

    p = sub.add_parser("calibrate-threshold", help="review F1 as a function of the matching threshold (0.50-0.80)")
    p.add_argument("--task", choices=["review"], required=True)
    p.add_argument("--predictions", required=True, type=Path)
    p.add_argument("--gold", required=True, type=Path)
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
