"""Compare models under one protocol: one table, training curves and predictions, one report.

Protocols:

- ``within-trial``: per task, the first 80% of each trial's windows train and the last 20% test,
  with a gap so that no window shares samples across the split.
- ``loso``: per task, leave one subject out: every subject is the test set once.
- ``cross-task``: train on some tasks (e.g. WAK), test on others (e.g. UPS, DNS).
- ``random-kfold``: per task, the seed study's random 5-fold over overlapping windows. LEAKY
  (test windows share samples with training windows); the table and report say so.

For every split, the pipeline's fitted values and every model are fitted on the training windows
only; every number is computed on the test windows. The table gives, per test task and model, MAE,
RMSE, NRMSE, R2 and Pearson r of joint angles and moments, the coverage and width of the models'
calibrated intervals and GPR's posterior coverage (each averaged over the joints, then mean ± sd
across subjects), the training time and the number of parameters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kinemyo.config import PipelineConfig
from kinemyo.data.recording import Recording
from kinemyo.errors import KinemyoError
from kinemyo.evaluation.protocols import PROTOCOLS as PROTOCOL_LABELS
from kinemyo.evaluation.protocols import make_splits
from kinemyo.experiment import ModelRun, pool_seeds, seed_table, spread_caption
from kinemyo.experiments.executors import Execution, failure_list, run_tasks
from kinemyo.experiments.progress import TaskProgress
from kinemyo.experiments.split_tasks import (
    SplitExperiment,
    model_runs,
    run_split_task,
    shared_windows,
    split_tasks,
)
from kinemyo.experiments.store import TaskStore
from kinemyo.fileio import Destination, atomic_directory
from kinemyo.provenance import fingerprint, package_versions
from kinemyo.reporting.figures import (
    plot_predictions,
    plot_training_curves,
    prediction_curves,
    save_figure,
)
from kinemyo.reporting.report import Report
from kinemyo.signal.pipeline import SignalPipeline

PROTOCOLS = tuple(key for key in PROTOCOL_LABELS if key != "custom")
"""The protocols a comparison runs: within-trial, loso, cross-task, random-kfold."""
METRICS = ("mae", "rmse", "nrmse", "r2", "pearson_r")
XLSTM_FAMILY = ("slstm", "mlstm", "xlstm")


@dataclass(frozen=True)
class ComparisonResult:
    """Where the comparison wrote its report, its table and scores; how many tasks an earlier
    run had finished (skipped) and which failed (label -> error)."""

    report: Path
    table: pd.DataFrame
    scores: pd.DataFrame
    winner: str
    skipped: int = 0
    failures: dict[str, str] = field(default_factory=dict)


def _experiments(
    recordings: Sequence[Recording],
    pipeline: SignalPipeline,
    protocol: str,
    train_tasks: Sequence[str],
    test_tasks: Sequence[str],
    models: Mapping[str, Mapping],
) -> list[SplitExperiment]:
    """The windows and splits per task; one experiment for cross-task."""
    config = pipeline.config
    if protocol == "cross-task":
        if not train_tasks or not test_tasks:
            raise KinemyoError("The cross-task protocol needs --train-tasks and --test-tasks.")
        chosen = [r for r in recordings if r.meta.task in (*train_tasks, *test_tasks)]
        windows = pipeline.window(chosen)
        splits = make_splits(
            protocol, windows, train_tasks=list(train_tasks), test_tasks=list(test_tasks)
        )
        return [SplitExperiment(fingerprint(chosen), windows, splits, config, models)]
    experiments = []
    for task in sorted({r.meta.task for r in recordings}, key=str):
        chosen = [r for r in recordings if r.meta.task == task]
        windows = pipeline.window(chosen)
        splits = make_splits(protocol, windows, gap_windows=windows.gap_windows)
        experiments.append(SplitExperiment(fingerprint(chosen), windows, splits, config, models))
    return experiments


def comparison_table(runs: list[ModelRun], scores: pd.DataFrame) -> pd.DataFrame:
    """The seed-style table per test task and model, plus training time and parameter count;
    ``attrs["notes"]``: the remarks on its R2 cells (see :func:`~kinemyo.experiment.seed_table`)."""
    table = seed_table(scores, METRICS)
    notes = table.attrs.get("notes", [])
    cost = (
        pd.DataFrame(
            [
                {
                    "gait": run.truth.task[0],
                    "model": run.model,
                    "fit s": run.fit_seconds,
                    "parameters": run.n_parameters,
                }
                for run in runs
            ]
        )
        .groupby(["gait", "model"], as_index=False)
        .agg({"fit s": "mean", "parameters": "max"})
    )
    table = table.merge(cost, on=["gait", "model"])
    table["fit s"] = table["fit s"].map(lambda s: f"{s:.1f}")
    table["parameters"] = table["parameters"].map(lambda n: f"{n:,}")
    table.attrs["notes"] = notes
    return table


def best_model(scores: pd.DataFrame) -> str:
    """The model with the lowest moment RMSE (mean over joints, subjects and tasks)."""
    rmse = scores[(scores["metric"] == "rmse") & (scores["quantity"] == "moment")]
    return str(rmse.groupby("model")["value"].mean().idxmin())


def run_comparison(
    recordings: Sequence[Recording],
    out_dir: str | Path | Destination,
    *,
    config: PipelineConfig,
    models: Mapping[str, Mapping],
    protocol: str = "within-trial",
    train_tasks: Sequence[str] = (),
    test_tasks: Sequence[str] = (),
    command: str = "",
    seeds: Sequence[int] = (0,),
    execution: Execution | None = None,
    progress: TaskProgress | None = None,
    allow_implausible: bool = False,
) -> ComparisonResult:
    """Fit and score ``models`` under ``protocol``; write the report into ``out_dir`` atomically.

    Every (split, model, seed) fit is one task (see :mod:`kinemyo.experiments`); finished tasks
    of an earlier, interrupted or failed run of the same comparison are reused, not redone.

    Args:
        recordings: trials with EMG, angles and moments.
        out_dir: the run folder, or a :class:`~kinemyo.fileio.Destination` (replaced only once
            the new run is complete, and only if kinemyo wrote it or the destination allows).
        config: pipeline configuration.
        models: model name -> constructor parameters.
        protocol: one of :data:`PROTOCOLS`.
        train_tasks, test_tasks: for ``cross-task``.
        command: the command line, for the record.
        seeds: every fit is repeated with each seed (the models' "seed"/"random_state").
        execution: where tasks run (default: one after another in this process).
        progress: told the task counts after each change.
        allow_implausible: process samples beyond their unit's plausible range (see
            :class:`~kinemyo.signal.pipeline.SignalPipeline`).

    Raises:
        KinemyoError: an unknown protocol, or every task failed (each error listed).
    """
    if protocol not in PROTOCOLS:
        raise KinemyoError(f"Unknown protocol '{protocol}'; choose among {', '.join(PROTOCOLS)}.")
    pipeline = SignalPipeline(config, allow_implausible=allow_implausible)
    experiments = _experiments(recordings, pipeline, protocol, train_tasks, test_tasks, models)
    tasks = split_tasks("compare", experiments, seeds)
    store = TaskStore.for_output(Destination.of(out_dir).path)
    outcome = run_tasks(
        tasks, run_split_task, shared_windows(experiments), store, execution, progress
    )
    if not outcome.results:
        raise KinemyoError(f"Every task failed: {failure_list(outcome.failures)}")
    pairs, scores = model_runs(experiments, tasks, outcome)
    runs = [run for _, run in pairs]
    table = comparison_table(runs, pool_seeds(scores))
    winner = best_model(scores)
    info = {
        "command": command,
        "protocol": protocol,
        "models": dict(models),
        "seeds": list(seeds),
        "train_tasks": list(train_tasks),
        "test_tasks": list(test_tasks),
        "config": config.model_dump(mode="json"),
        "data_fingerprint": fingerprint(recordings),
        "subjects": sorted({r.meta.subject for r in recordings}),
        "trials": len(recordings),
        "test_windows": sum(len(split.test) for e in experiments for split in e.splits),
        "versions": package_versions(),
        "tasks": {"total": len(tasks), "skipped": outcome.skipped, "failed": outcome.failures},
        "spread": spread_caption(scores),
    }
    with atomic_directory(out_dir) as tmp:
        figures = _figures(tmp, runs, winner)
        scores.to_csv(tmp / "scores.csv", index=False, float_format="%.6g")
        table.to_csv(tmp / "table.csv", index=False)
        (tmp / "run.json").write_text(json.dumps(info, indent=2))
        _report(table, winner, scores, figures, info).write(tmp / "report.md")
        store.move_into(tmp, [task.key for task in tasks])
    return ComparisonResult(
        Destination.of(out_dir).path / "report.md",
        table,
        scores,
        winner,
        outcome.skipped,
        outcome.failures,
    )


def _figures(folder: Path, runs: list[ModelRun], winner: str) -> list[tuple[Path, str, list]]:
    """(PNG, caption, zoomable curves for the HTML report) of every figure."""
    made = []
    first_split = {}
    for run in runs:
        first_split.setdefault((run.model, run.truth.task[0]), run)
    curves = {key: run.history for key, run in first_split.items() if run.history is not None}
    if curves:
        png, _ = save_figure(
            *plot_training_curves(curves, "Validation RMSE per epoch"),
            folder / "figures" / "fig5_loss_curves",
        )
        made.append(
            (
                png,
                "Figure 5. Validation RMSE per epoch of every sequence model "
                "(dots: the epoch whose weights were kept).",
                [],
            )
        )
    family = {key: history for key, history in curves.items() if key[0] in XLSTM_FAMILY}
    if family:
        png, _ = save_figure(
            *plot_training_curves(family, "Convergence of sLSTM, mLSTM and xLSTM", train=True),
            folder / "figures" / "fig6_xlstm_convergence",
        )
        made.append(
            (
                png,
                "Figure 6. Convergence of sLSTM, mLSTM and xLSTM: training (dashed) "
                "and validation (solid) RMSE per epoch, per task.",
                [],
            )
        )
    best = next(run for run in runs if run.model == winner)
    trial = best.truth.trial[0]
    mask = best.truth.trial == trial
    png, _ = save_figure(
        *plot_predictions(
            best.truth.subset(mask),
            best.prediction.subset(mask),
            best.truth.joints,
            title=f"{winner} on held-out windows of {trial}",
        ),
        folder / "figures" / "fig7_predictions_per_joint",
    )
    made.append(
        (
            png,
            f"Figure 7. Predicted and measured angle and moment of every joint, "
            f"{winner} (lowest moment RMSE), held-out windows of {trial}.",
            prediction_curves(
                best.truth.subset(mask), best.prediction.subset(mask), best.truth.joints, winner
            ),
        )
    )
    return made


def _report(
    table: pd.DataFrame, winner: str, scores: pd.DataFrame, figures: list, info: dict
) -> Report:
    report = Report(f"kinemyo: model comparison ({PROTOCOL_LABELS[info['protocol']]})")
    report.text(
        "What was done",
        f"Subjects {', '.join(info['subjects'])}. Protocol `{info['protocol']}`"
        + (
            f" (train {info['train_tasks']}, test {info['test_tasks']})"
            if info["protocol"] == "cross-task"
            else ", each task on its own"
        )
        + ". The pipeline's fitted values and every model are fitted on each split's training "
        "windows only; **every number is computed on test windows the models did not train "
        "on**. "
        + (
            "**This protocol is LEAKY** (the seed study's): each test window shares half its "
            "samples with the training windows beside it, so its scores flatter. "
            if info["protocol"] == "random-kfold"
            else ""
        )
        + "Sequence models predict each window from it and the windows before it in its run "
        "(never across a trial, Group or split boundary), as a controller would online.",
    )
    report.table(
        table,
        "Table 1. Per test task and model: each metric averaged over the joints, "
        f"mean ± sd {info['spread']}; training time (with the calibration fits) and parameter "
        "count. Cover: % of test windows inside the model's conformal interval, calibrated "
        "on training windows only (cross-conformal over training subjects under LOSO); "
        "posterior cover: GPR's own mean ± z·sigma; width: the interval's mean width.",
    )
    rmse = scores[(scores["metric"] == "rmse") & (scores["quantity"] == "moment")]
    by_model = rmse.groupby("model")["value"].mean().sort_values()
    ranking = ", ".join(f"{m} {v:.3g}" for m, v in by_model.items())
    sequence = [m for m in by_model.index if m not in ("gpr", "ridge", "mean")]
    verdict = (
        f"Lowest moment RMSE: **{winner}** (N·m, mean over joints, subjects and tasks: {ranking})."
    )
    if "gpr" in by_model and sequence:
        best_sequence = sequence[0]
        gain = 1 - by_model[best_sequence] / by_model["gpr"]
        verdict += f" The best sequence model, {best_sequence}, " + (
            f"beats GPR by {gain:.0%}."
            if gain > 0
            else f"does NOT beat GPR ({by_model[best_sequence]:.3g} vs {by_model['gpr']:.3g}): "
            "see the training curves; the sequences may be too short or training too brief."
        )
    report.text("Which model wins", verdict)
    for path, caption, curves in figures:
        report.figure(path, caption, Path(path).parents[1])
        for curve in curves:
            report.curves(*curve)
    failed = info["tasks"]["failed"]
    if failed:
        report.text(
            "Failed tasks",
            f"{len(failed)} of {info['tasks']['total']} fits failed; the table leaves them out. "
            "Rerun the same command to redo only these:\n\n"
            + "\n".join(f"- {label}: {error}" for label, error in failed.items()),
        )
    _model_card(report, scores, info, winner)
    report.run_info(
        {
            k: info[k]
            for k in ("command", "protocol", "models", "seeds", "data_fingerprint", "versions")
        }
    )
    return report


def _model_card(report: Report, scores: pd.DataFrame, info: dict, winner: str) -> None:
    """The model card: data, protocol, what was fitted on what, limits this run measured."""
    tested = scores[scores["model"] == winner]
    tasks = ", ".join(sorted(tested["task"].astype(str).unique()))
    subjects = info["subjects"]
    per_joint = tested[tested["metric"] == "r2"].groupby(["quantity", "joint"])["value"].mean()
    weakest = [
        f"{quantity} R2 {per_joint[quantity].min():.2f} at {per_joint[quantity].idxmin()}"
        for quantity in per_joint.index.get_level_values(0).unique()
    ]
    rmse = tested[(tested["metric"] == "rmse") & (tested["quantity"] == "moment")]
    by_subject = rmse.groupby("subject")["value"].mean()
    limits = [
        f"Measured on {len(subjects)} subject(s) and the task(s) {tasks} only; other subjects, "
        "tasks, sensor placements or impairments were not tested.",
        f"Weakest joint of {winner} (mean over subjects): " + "; ".join(weakest) + ".",
    ]
    if len(by_subject) > 1:
        unit = rmse["unit"].iloc[0]
        limits.append(
            f"Moment RMSE of {winner} varies across subjects from {by_subject.min():.3g} "
            f"{unit} ({by_subject.idxmin()}) to {by_subject.max():.3g} {unit} "
            f"({by_subject.idxmax()})."
        )
    if info["protocol"] == "random-kfold":
        limits.append("The protocol is leaky: test windows overlap training windows.")
    elif info["protocol"] == "within-trial":
        limits.append(
            "Test windows come from later in the same trials as the training windows: the "
            "scores measure accuracy within a session, not on new subjects."
        )
    report.model_card(
        data=f"{len(subjects)} subject(s) ({', '.join(subjects)}), {info['trials']} trial(s); "
        f"{info['test_windows']} test windows scored per model over task(s) {tasks}.",
        protocol=PROTOCOL_LABELS[info["protocol"]],
        fitted="the pipeline's scalers and every model on each split's training windows only; "
        "every score on that split's test windows.",
        limits=limits,
    )
