"""The leaderboard: every evaluation ranked against the rows it can fairly be compared with.

Rows are (task, model variant, evaluation set). Two rows are ranked together only when their stamps
agree on everything that changes what a score means (data, matching method, mode, thresholds, encoder,
document cut, decoding, the hash of the evaluation code): every stamp field except the ones that name the system under test. Headline
metrics carry bootstrap confidence intervals over documents, recomputed from the per-document counts the
evaluate stage writes, which are also checked against metrics.json so stale files never mix. A variant named
in `leaderboard.paired_against` (GRPO) also gets its difference to its baseline (SFT) on every column with an
interval, with a paired interval: both rows resampled over the same documents. Published
reference rows (reports/references.yaml) are shown with their source and never ranked: their stamps
come from other evaluators.

What each task shows is its board (`sciextract/tasks/<task>/board.py`), found through the task registry.
The package: `read.py` (inputs), `rank.py` (gates, stamp groups, ranks), `paired.py` (a variant against its
baseline, document by document), `render.py` (outputs).
"""

from __future__ import annotations

from pathlib import Path

from sciextract.config import LeaderboardSettings
from sciextract.paths import EVAL_ROOT, REFERENCES_PATH
from sciextract.leaderboard.paired import pair_group
from sciextract.leaderboard.rank import Leaderboard, check_settings, group_by_stamp, rank_group
from sciextract.leaderboard.read import read_evaluations, read_references
from sciextract.leaderboard.render import write_leaderboard

__all__ = ["build_leaderboard", "write_leaderboard"]


def build_leaderboard(settings: LeaderboardSettings, eval_root: Path = EVAL_ROOT,
                      references_path: Path | None = REFERENCES_PATH) -> Leaderboard:
    """Read, check and rank everything; `references_path` None shows no published rows."""
    gates = check_settings(settings)
    groups = group_by_stamp(read_evaluations(eval_root, settings), published=False)
    for group in groups:
        rank_group(group, settings.reference_variant, gates.get(group.task))
        pair_group(group, settings)
    published = group_by_stamp(read_references(references_path), published=True) if references_path else []
    for group in published:
        group.rows.sort(key=lambda row: (-row.headline, row.system))
    return Leaderboard(settings=settings, groups=groups, published=published)
