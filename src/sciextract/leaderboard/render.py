"""Rendering the leaderboard: markdown, HTML, CSV (numbers for `dvc plots`), a PNG chart and a short JSON."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sciextract.config import LeaderboardSettings
from sciextract.io import atomic_path, write_json, write_text
from sciextract.paths import LEADERBOARD_DIR
from sciextract.leaderboard.rank import Leaderboard, Row, StampGroup, comparable_stamp
from sciextract.tasks import get_board
from sciextract.tasks.base import TaskBoard

OUTPUT_NAME = "leaderboard"


# -- rendering ------------------------------------------------------------------------------------


def _fmt(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def _stamp_text(stamp: dict) -> str:
    return ", ".join(f"{key}={value}" for key, value in stamp.items() if key not in ("task", "set"))


def _gate_word(row: Row) -> str | None:
    return None if row.gate_passed is None else ("pass" if row.gate_passed else "hold")


def _gate_text(row: Row) -> str:
    if row.gate_passed is None:
        return "no gate"
    return "pass" if row.gate_passed else f"hold: {row.gate_detail}"


def _group_table(group: StampGroup, reference_variant: str) -> pd.DataFrame:
    """Display cells (strings) of one group: CIs inline, Δ and gate for our rows, the source for published ones."""
    board = get_board(group.task)
    records = []
    for row in group.rows:
        cells: dict[str, str] = {} if group.published else {"rank": str(row.rank)}
        cells["system"] = row.system
        cells["stamp"] = group.id  # spelled out above the table
        for column, header in _ordered_columns(board):
            value = row.values.get(column)
            interval = row.intervals.get(column)
            cells[header] = _fmt(value) + (f" [{interval.low:.3f}, {interval.high:.3f}]" if interval else "")
            if column == board.headline and not group.published:
                cells[f"Δ vs {reference_variant}"] = _fmt(row.delta, signed=True)
                cells["gate"] = _gate_text(row)
        if group.published:
            cells["source"] = row.source or ""
        else:
            cells["documents"] = str(row.documents)
        records.append(cells)
    return pd.DataFrame.from_records(records)


def _paired_table(group: StampGroup) -> pd.DataFrame | None:
    """One line per column with a paired interval, one cell per paired row: `Δ [low, high]`; None when no row of
    the group is paired."""
    paired = [row for row in group.rows if row.paired]
    if not paired:
        return None
    board = get_board(group.task)
    records = []
    for column, header in _ordered_columns(board):
        if not any(column in row.paired for row in paired):
            continue
        cells = {"column": header}
        for row in paired:
            interval = row.paired.get(column)
            cells[f"{row.system} − {row.paired_against}"] = "—" if interval is None else (
                f"{interval.estimate:+.3f} [{interval.low:+.3f}, {interval.high:+.3f}]")
        records.append(cells)
    return pd.DataFrame.from_records(records)


def _ordered_columns(board: TaskBoard) -> list[tuple[str, str]]:
    """Headline first, then the rest in table order."""
    return [(board.headline, board.columns[board.headline])] + [
        (column, header) for column, header in board.columns.items() if column != board.headline]


def _group_title(group: StampGroup) -> str:
    kind = "published, not ranked" if group.published else "ranked"
    return f"{group.task} · {group.stamp['set']} · stamp {group.id} ({kind})"


def _group_notes(group: StampGroup, settings: LeaderboardSettings) -> list[str]:
    notes = [f"Stamp: {_stamp_text(group.stamp)}."]
    if not group.published and not group.has_reference_variant:
        notes.append(f"No `{settings.reference_variant}` row under this stamp, so no Δ.")
    if not group.published:
        for row in group.rows:
            baseline = settings.paired_against.get(row.system)
            if baseline is not None and row.paired_against is None:
                notes.append(f"No `{baseline}` row under this stamp, so no paired Δ of `{row.system}`.")
    return notes


def _intro(board: Leaderboard) -> str:
    s = board.settings
    return (f"Rows are ranked only against rows with the same evaluation stamp; each table is one stamp. "
            f"Intervals are {s.confidence:.0%} bootstrap intervals over documents ({s.bootstrap_samples} resamples, "
            f"seed {s.seed}). Δ is the headline difference to variant `{s.reference_variant}` under the same stamp. "
            f"{_paired_intro(s)}Published rows come from other evaluators and are never ranked with ours.")


def _paired_intro(settings: LeaderboardSettings) -> str:
    if not settings.paired_against:
        return ""
    pairs = ", ".join(f"`{variant}` − `{baseline}`" for variant, baseline in settings.paired_against.items())
    return (f"Paired Δ ({pairs}): the difference on each column with an interval, the interval from resampling the "
            f"documents once for both rows, so what the two systems share cancels. ")


def render_markdown(board: Leaderboard) -> str:
    parts = ["# Leaderboard", "", _intro(board), ""]
    for group in [*board.groups, *board.published]:
        parts += [f"## {_group_title(group)}", "", *_group_notes(group, board.settings), "",
                  _group_table(group, board.settings.reference_variant).to_markdown(index=False, disable_numparse=True), ""]
        paired = _paired_table(group)
        if paired is not None:
            parts += ["Paired Δ:", "", paired.to_markdown(index=False, disable_numparse=True), ""]
    return "\n".join(parts)


def render_html(board: Leaderboard, image_name: str) -> str:
    sections = []
    for group in [*board.groups, *board.published]:
        notes = "".join(f"<p>{html.escape(note)}</p>" for note in _group_notes(group, board.settings))
        table = _group_table(group, board.settings.reference_variant).to_html(index=False, border=0, escape=True)
        paired = _paired_table(group)
        if paired is not None:
            table += "\n<p>Paired Δ:</p>\n" + paired.to_html(index=False, border=0, escape=True)
        sections.append(f"<h2>{html.escape(_group_title(group))}</h2>\n{notes}\n{table}")
    body = "\n".join(sections)
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Leaderboard</title>\n"
            f"<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}"
            f"td,th{{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left}}</style></head>\n"
            f"<body><h1>Leaderboard</h1>\n<p>{html.escape(_intro(board))}</p>\n"
            f"<img src=\"{html.escape(image_name)}\" alt=\"headline metric per variant and set\">\n{body}\n</body></html>\n")


def flat_rows(board: Leaderboard) -> list[dict]:
    """One flat record per row (ours and published): numbers, not display strings, for CSV and dvc plots."""
    records = []
    for group in [*board.groups, *board.published]:
        headline = get_board(group.task).headline
        for row in group.rows:
            interval = row.intervals.get(headline)
            record = {
                "row": row.label, "kind": "published" if group.published else "evaluation",
                "task": row.task, "set": row.set, "system": row.system, "stamp_id": group.id, "rank": row.rank,
                "headline_metric": headline, "headline": row.headline,
                "headline_ci_low": interval.low if interval else None,
                "headline_ci_high": interval.high if interval else None,
                f"delta_vs_{board.settings.reference_variant}": row.delta,
                "gate": _gate_word(row), "gate_detail": row.gate_detail or None, "documents": row.documents, "source": row.source,
            }
            record.update(row.values)
            for column, bounds in row.intervals.items():
                record[f"{column}.ci_low"], record[f"{column}.ci_high"] = bounds.low, bounds.high
            if row.paired:
                record["paired_against"] = row.paired_against
            for column, paired in row.paired.items():
                record[f"{column}.paired_delta"] = paired.estimate
                record[f"{column}.paired_ci_low"], record[f"{column}.paired_ci_high"] = paired.low, paired.high
            record.update({f"stamp.{key}": value for key, value in comparable_stamp(row.stamp).items()})
            records.append(record)
    return records


def flat_table(board: Leaderboard) -> pd.DataFrame:
    """`flat_rows` as one table: identity and headline first, then metrics, their intervals, stamp fields.

    Object dtype keeps integers (ranks, counts) as written rather than as floats padded for empty cells.
    """
    records = flat_rows(board)
    metric_columns = {column for task in {record['task'] for record in records} for column in get_board(task).columns}

    def place(key: str) -> int:
        if key.startswith("stamp."):
            return 3
        if key.endswith((".ci_low", ".ci_high", ".paired_delta", ".paired_ci_low", ".paired_ci_high")):
            return 2
        return 1 if key in metric_columns else 0

    columns = sorted(dict.fromkeys(key for record in records for key in record), key=place)
    return pd.DataFrame(records, columns=columns, dtype=object)


def summary_json(board: Leaderboard) -> dict:
    """Our rows by task/set/variant with their headline figures (and the headline's paired Δ where the row has
    one): a short list for `dvc metrics show/diff`.

    Every other column, the stamps and the published rows are in the CSV, markdown and HTML.
    """
    summary = {}
    for group in board.groups:
        headline = get_board(group.task).headline
        for row in group.rows:
            interval = row.intervals[headline]
            summary[row.label] = {
                "rank": row.rank, headline: row.headline, "ci_low": interval.low, "ci_high": interval.high,
                f"delta_vs_{board.settings.reference_variant}": row.delta, "gate": _gate_word(row), "stamp": group.id,
            }
            if headline in row.paired:
                paired = row.paired[headline]
                summary[row.label][f"paired_vs_{row.paired_against}"] = {
                    "delta": paired.estimate, "ci_low": paired.low, "ci_high": paired.high}
    return summary


def render_chart(board: Leaderboard) -> Figure:
    """Headline per system, one panel per stamp group; error bars are the bootstrap intervals."""
    groups = [*board.groups, *board.published]
    heights = [0.8 + 0.35 * len(group.rows) for group in groups]
    figure = Figure(figsize=(8, sum(heights) + 0.4 * len(groups)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(groups), 1, squeeze=False, height_ratios=heights)[:, 0]
    for ax, group in zip(axes, groups):
        board_spec = get_board(group.task)
        rows = list(reversed(group.rows))  # best on top
        values = [row.headline for row in rows]
        errors = None
        if not group.published:
            intervals = [row.intervals[board_spec.headline] for row in rows]
            errors = [[max(0.0, v - i.low) for v, i in zip(values, intervals)],
                      [max(0.0, i.high - v) for v, i in zip(values, intervals)]]
        bars = ax.barh([row.system for row in rows], values, xerr=errors, capsize=3,
                       color="#9e9e9e" if group.published else "#4c72b0")
        ax.bar_label(bars, fmt="%.3f", label_type="center", color="white", fontsize=8)
        ax.set_xlim(0, max(1.0, *values))
        ax.set_xlabel(board_spec.columns[board_spec.headline])
        ax.set_title(_group_title(group), fontsize=9, loc="left")
    return figure


def write_leaderboard(board: Leaderboard, out_dir: Path = LEADERBOARD_DIR) -> list[Path]:
    """Write md, csv, html, png and json atomically; returns the paths written."""
    out_dir = Path(out_dir)
    paths = {ext: out_dir / f"{OUTPUT_NAME}.{ext}" for ext in ("md", "csv", "html", "png", "json")}
    write_text(paths["md"], render_markdown(board))
    write_text(paths["csv"], flat_table(board).to_csv(index=False))
    write_text(paths["html"], render_html(board, paths["png"].name))
    with atomic_path(paths["png"]) as tmp:
        render_chart(board).savefig(tmp, format="png", dpi=120)
    write_json(paths["json"], summary_json(board))
    return list(paths.values())
