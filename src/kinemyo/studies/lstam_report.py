"""The LSTAM experiment's run folder: tables (CSV), figures, predictions (.sto), run.json and
report.md, written atomically. The report's prose is in ``reporting/texts/lstam.yaml``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd

from kinemyo.data.camargo.layout import KINEMATICS_FS
from kinemyo.data.opensim import write_storage
from kinemyo.data.predictions import trial_storage, trial_windows
from kinemyo.experiment import pool_seeds, spread_caption
from kinemyo.fileio import Destination, atomic_directory
from kinemyo.reporting.report import Report
from kinemyo.reporting.texts import report_texts
from kinemyo.studies.hip_frames import MOMENTS
from kinemyo.studies.lstam import ExperimentConfig, ExperimentResult
from kinemyo.studies.lstam_figures import experiment_figures, trace_curves
from kinemyo.studies.lstam_findings import verdict, where_lstam_wins
from kinemyo.studies.lstam_models import ABLATIONS, REFERENCE
from kinemyo.studies.lstam_tables import (
    best_baseline,
    condition_table,
    condition_wide,
    paper_row,
    statistics_table,
    summary_table,
)


def write_predictions_sto(folder: Path, result: ExperimentResult) -> list[Path]:
    """LSTAM's predicted hip moments of the first subject's test trials as OpenSim storage files
    (``<subject>_<trial>_lstam.sto``: time and the Camargo id column names, N·m, with the bounds
    of the calibrated intervals, e.g. ``hip_flexion_r_moment_lo90``), one per trial, so they
    open in OpenSim beside the measured inverse dynamics."""
    if result.traces is None or REFERENCE not in result.traces[1]:
        return []
    frames, predictions = result.traces
    columns = {joint: column for column, joint in MOMENTS.items()}
    written = []
    for trial, index in trial_windows(frames.data.trial):
        path = folder / f"{trial.replace('/', '_')}_lstam.sto"
        table = trial_storage(
            frames.data,
            predictions[REFERENCE],
            trial,
            index,
            column=lambda joint, _: columns[joint],
            name="LSTAM predicted hip moments (N·m)",
        )
        write_storage(path, table)
        written.append(path)
    return written


def write_experiment(
    result: ExperimentResult,
    config: ExperimentConfig,
    out_dir: str | Path | Destination,
    info: dict,
) -> tuple[Path, pd.DataFrame]:
    """Write tables (CSV), figures, run.json and report.md into ``out_dir`` atomically.

    Returns:
        The report's path and the summary table (every model, mean ± sd across subjects).
    """
    models = list(config.models)
    spread = spread_caption(result.scores)
    raw_scores = result.scores  # with the "seed" column
    result = dataclasses.replace(result, scores=pool_seeds(result.scores))
    runs = pd.DataFrame(
        [
            {
                "subject": r.subject,
                "model": r.model,
                "seed": r.seed,
                "fit_seconds": r.fit_seconds,
                "n_parameters": r.n_parameters,
                "best_epoch": None if r.history is None else r.history.best_epoch,
            }
            for r in result.runs
        ]
    )
    summary = summary_table(result.scores, models, runs)
    comparison = summary[~summary["model"].isin(ABLATIONS)]
    comparison = pd.concat([comparison, paper_row(summary.columns)], ignore_index=True)
    ablation = summary[summary["model"].isin([REFERENCE, *ABLATIONS])]
    statistics = statistics_table(result.scores)
    conditions = condition_table(result.scores)
    baseline = best_baseline(result.scores)
    with atomic_directory(out_dir) as tmp:
        figures = experiment_figures(tmp, result, config, conditions, baseline)
        write_predictions_sto(tmp / "predictions", result)
        raw_scores.to_csv(tmp / "scores.csv", index=False, float_format="%.6g")
        runs.to_csv(tmp / "fits.csv", index=False, float_format="%.6g")
        comparison.to_csv(tmp / "comparison.csv", index=False)
        ablation.to_csv(tmp / "ablation.csv", index=False)
        statistics.to_csv(tmp / "statistics.csv", index=False, float_format="%.6g")
        conditions.to_csv(tmp / "conditions.csv", index=False, float_format="%.6g")
        (tmp / "run.json").write_text(json.dumps(info, indent=2, default=str))
        report = _report(
            result, info, comparison, ablation, statistics, conditions, baseline, figures
        )
        _runner_notes(report, result, spread)
        report.write(tmp / "report.md")
        if result.store is not None:
            result.store.move_into(tmp, result.keys)
    return Destination.of(out_dir).path / "report.md", summary


def _runner_notes(report: Report, result: ExperimentResult, spread: str) -> None:
    """Say what the ± spans when several seeds ran, and list the tasks that failed."""
    if spread != "across subjects":
        report.text(
            "Seeds",
            f"Every fit ran with several seeds; every mean ± sd above is taken {spread}, and "
            "the paired tests pair each subject and seed.",
        )
    if result.failures:
        report.text(
            "Failed tasks",
            f"{len(result.failures)} of {result.tasks.get('total', '?')} fits failed; the "
            "tables leave them out. Rerun the same command to redo only these:\n\n"
            + "\n".join(f"- {label}: {error}" for label, error in result.failures.items()),
        )


def _report(
    result: ExperimentResult,
    info: dict,
    comparison: pd.DataFrame,
    ablation: pd.DataFrame,
    statistics: pd.DataFrame,
    conditions: pd.DataFrame,
    baseline: str,
    figures: list,
) -> Report:
    texts = report_texts("lstam")
    config = info["config"]
    report = Report(texts["title"])
    skipped = texts["skipped"].format(skipped=result.skipped) if result.skipped else ""
    missing = texts["missing"].format(count=len(info["missing"])) if info["missing"] else ""
    report.text(
        texts["section_method"],
        texts["method"].format(
            data=info["data"],
            trials=info["trials"],
            subjects=", ".join(result.subjects),
            skipped=skipped,
            rate_hz=KINEMATICS_FS / config["every"],
            missing=missing,
            **{key: config[key] for key in ("train_trial", "hidden", "layers", "epochs")},
            **{key: config[key] for key in ("patience", "sequence_length")},
        ),
    )
    report.table(comparison, texts["table_comparison"])
    report.table(ablation, texts["table_ablation"])
    report.table(
        statistics[statistics["measure"].isin(["RMSE (N·m)", "R2"])], texts["table_statistics"]
    )
    models = list(dict.fromkeys(conditions["model"]))
    for joint in dict.fromkeys(conditions["joint"]):
        report.table(
            condition_wide(conditions, joint, models),
            texts["table_conditions"].format(joint=joint),
        )
    report.text(texts["section_findings"], verdict(result.scores, statistics))
    report.text(texts["section_conditions"], where_lstam_wins(result.scores, conditions))
    for path, caption in figures:
        report.figure(path, caption, Path(path).parents[1])
    for curve in trace_curves(result, baseline):
        report.curves(*curve)
    _model_card(report, result, info)
    report.run_info({k: info[k] for k in ("command", "config", "models", "seeds", "data")})
    return report


def _model_card(report: Report, result: ExperimentResult, info: dict) -> None:
    """The model card: data, protocol, what was fitted on what, limits this run measured."""
    train_trial = info["config"]["train_trial"]
    overall = result.scores[
        (result.scores["scope"] == "group")
        & (result.scores["model"] == REFERENCE)
        & (result.scores["metric"] == "rmse")
        & (result.scores["unit"] == "N·m/kg")
    ]
    by_condition = overall.groupby("condition")["value"].mean()
    limits = [
        f"Measured on {len(result.subjects)} subject(s) of `{info['data']}` only; "
        "other subjects, conditions or impairments were not tested."
    ]
    if len(by_condition):
        limits.append(
            f"LSTAM's RMSE is highest in {by_condition.idxmax()} "
            f"({by_condition.max():.3g} N·m/kg, mean over subjects and joints) and lowest in "
            f"{by_condition.idxmin()} ({by_condition.min():.3g})."
        )
    if result.skipped:
        limits.append(f"Skipped subjects (not scored): {', '.join(result.skipped)}.")
    report.model_card(
        data=f"`{info['data']}`: {info['trials']} trials read; subjects "
        f"{', '.join(result.subjects)}.",
        protocol=f"per subject, train on one treadmill trial (`{train_trial}`), test on every "
        "other trial of that subject.",
        fitted="input scaling, early stopping and every model on the training trial only; every "
        "score on the test trials' frames with measured moments.",
        limits=limits,
    )
