"""A sweep's reports: the trials table and the Optuna plots, each written atomically."""

from __future__ import annotations

import logging
from pathlib import Path

import optuna
from optuna.trial import TrialState

from sciextract.io import atomic_path
from sciextract.sweep.storage import retried_from

log = logging.getLogger(__name__)


def write_trials_csv(study: optuna.Study, path: Path) -> None:
    import pandas as pd

    frame = study.trials_dataframe(attrs=("number", "state", "value", "params", "intermediate_values", "user_attrs",
                                          "datetime_start", "datetime_complete", "duration"))
    frame["duration"] = frame["duration"].dt.total_seconds()
    frame = frame.rename(columns={"duration": "duration_seconds"})
    frame["retried_from"] = pd.array([retried_from(trial) for trial in study.get_trials(deepcopy=False)], dtype="Int64")
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def write_plots(study: optuna.Study, out_dir: Path) -> list[Path]:
    """Optimization history and parameter importances as PNG. Importances need two complete trials; with
    fewer, the importances PNG holds a note saying so (and a warning is logged) instead of equal bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from optuna.visualization.matplotlib import plot_optimization_history, plot_param_importances

    history = plot_optimization_history(study).figure
    complete = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    if complete >= 2:
        importances = plot_param_importances(study).figure
    else:
        note = f"Parameter importances need at least 2 complete trials; study {study.study_name} holds {complete}."
        log.warning("%s param_importances.png holds this note instead", note)
        importances, axes = plt.subplots(figsize=(7, 2))
        axes.axis("off")
        axes.text(0.5, 0.5, note, ha="center", va="center", wrap=True)
    written = []
    for figure, name in ((history, "optimization_history.png"), (importances, "param_importances.png")):
        with atomic_path(out_dir / name) as tmp:
            figure.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
        plt.close(figure)
        written.append(out_dir / name)
    return written
