"""`sciextract score funding`: score any system's prediction file against a gold file."""

from __future__ import annotations

from pathlib import Path

from sciextract.data.funding import load_funding_records
from sciextract.io import read_prediction_rows, write_json
from sciextract.scoring.funding_eval import LEVELS, EvalSettings


def format_table(report: dict) -> str:
    lines = [f"{'level':<10}{'P':>8}{'R':>8}{'F1':>8}{'F0.5':>8}{'F1.5':>8}{'gold':>8}{'pred':>8}{'match':>8}"]
    for level in LEVELS:
        m = report["metrics"][level]
        lines.append(f"{level:<10}{m['precision']:>8.4f}{m['recall']:>8.4f}{m['f1']:>8.4f}{m['f0_5']:>8.4f}"
                     f"{m['f1_5']:>8.4f}{m['gold']:>8}{m['pred']:>8}{m['matched']:>8g}")
    lines.append(f"documents {report['documents']}, parse failures {report['parse_failures']} "
                 f"({report['parse_failure_rate']:.2%}), mode {report['stamp']['mode']}")
    return "\n".join(lines)


def score_funding_file(*, gold: Path, predictions: Path, mode: str = "balanced", output: Path | None = None,
                       funder_threshold: float = 0.8, text_threshold: float = 0.8) -> dict:
    from sciextract.tasks.funding import score_prediction_rows

    records = load_funding_records(gold)
    rows = read_prediction_rows(predictions)
    settings = EvalSettings(mode=mode, funder_threshold=funder_threshold, text_threshold=text_threshold)
    report, _ = score_prediction_rows(records, rows, settings, predictions_path=predictions,
                                      extra_stamp={"gold": str(gold), "predictions": str(predictions)})
    print(format_table(report))
    if output is not None:
        write_json(output, report)
    return report
