"""The figures of the LSTAM experiment (traces per condition, errors, ablations, curves)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kinemyo.data.camargo.layout import KINEMATICS_FS
from kinemyo.reporting.figures import plot_training_curves, save_figure
from kinemyo.reporting.moment_figures import (
    excerpt_indices,
    plot_ablation,
    plot_condition_errors,
    plot_condition_traces,
)
from kinemyo.reporting.texts import report_texts
from kinemyo.studies.lstam import PAPER, ExperimentConfig, ExperimentResult
from kinemyo.studies.lstam_models import ABLATIONS, REFERENCE
from kinemyo.studies.lstam_tables import ablation_data


def experiment_figures(
    folder: Path,
    result: ExperimentResult,
    config: ExperimentConfig,
    conditions: pd.DataFrame,
    baseline: str,
) -> list:
    """Figures 14 to 17 as (PNG path, caption); ``conditions`` is the run's
    :func:`~kinemyo.studies.lstam_tables.condition_table`, ``baseline`` its best baseline."""
    texts = report_texts("lstam")
    figures_dir = folder / "figures"
    made = []
    models = list(config.models)
    if result.traces is not None:
        frames, predictions = result.traces
        truth = frames.data.Y[:, :, 0]
        rate = KINEMATICS_FS / config.every
        excerpts = excerpt_indices(frames.group, frames.valid, frames.data.trial, int(3 * rate))
        shown = [m for m in (REFERENCE, baseline) if m in predictions]
        png, _ = save_figure(
            *plot_condition_traces(
                truth,
                {m: predictions[m].mean[:, :, 0] for m in shown},
                excerpts,
                frames.data.joints,
                rate,
                title=f"{result.subjects[0]}: test trials, one excerpt per condition",
            ),
            figures_dir / "fig14_hip_moment_traces",
        )
        made.append(
            (
                png,
                texts["figure_traces"].format(subject=result.subjects[0], models=", ".join(shown)),
            )
        )
    png, _ = save_figure(
        *plot_condition_errors(conditions, "RMSE (N·m/kg)", "Error per condition"),
        figures_dir / "fig15_condition_errors",
    )
    made.append(
        (
            png,
            texts["figure_conditions"],
        )
    )
    ablation_models = [m for m in (REFERENCE, *ABLATIONS) if m in models]
    png, _ = save_figure(
        *plot_ablation(
            ablation_data(result.scores, ablation_models),
            {joint: values["r2"][0] for joint, values in PAPER.items()},
            "LSTAM and its ablations",
        ),
        figures_dir / "fig16_ablation",
    )
    made.append(
        (
            png,
            texts["figure_ablation"],
        )
    )
    first = result.subjects[0]
    curves = {
        (run.model, first): run.history
        for run in result.runs
        if run.subject == first and run.seed == result.seeds[0] and run.history is not None
    }
    if curves:
        png, _ = save_figure(
            *plot_training_curves(curves, f"Validation RMSE per epoch ({first})"),
            figures_dir / "fig17_training_curves",
        )
        made.append((png, texts["figure_curves"].format(subject=first)))
    return made


def trace_curves(result: ExperimentResult, baseline: str) -> list[tuple]:
    """The first subject's first test trial as zoomable curves for the HTML report: per joint,
    the measured moment (gaps where it was not measured), LSTAM's and the best baseline's
    (``baseline``).

    Returns:
        (title, time (T,) s, name -> (T,) N·m, unit) per joint; none without traces.
    """
    if result.traces is None:
        return []
    frames, predictions = result.traces
    shown = [m for m in (REFERENCE, baseline) if m in predictions]
    trial = frames.data.trial[0]
    here = frames.data.trial == trial
    curves = []
    for j, joint in enumerate(frames.data.joints):
        measured = np.where(frames.valid[here], frames.data.Y[here, j, 0], np.nan)
        series = {"measured": measured, **{m: predictions[m].mean[here, j, 0] for m in shown}}
        curves.append((f"{trial}: {joint}", frames.data.time[here], series, frames.data.units[0]))
    return curves
