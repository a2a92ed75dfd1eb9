"""The SIAT-LLMD seed study, done leak-free: sEMG features -> joint angles and moments per gait.

For each gait (stair descent DNS, stair ascent UPS): the seed pipeline's windows of every trial,
a within-trial chronological split (the first 80% of each trial's windows train, the last 20%
test, with a gap so that overlapping windows never share samples across the split), the pipeline
and each model fitted on the training windows only, and every number computed on the test
windows. Models: the mean predictor and ridge regression (floors), the Gaussian process (the
seed's check) and a short xLSTM run with the seed's settings. Output: ``report.md`` with the
seed's table (MAE and RMSE of joint angle and joint moment, per gait) plus R2 and NRMSE, three
figures (PNG + CSV), the scores as CSV, and ``run.json`` (resolved config, versions, data
fingerprint, seed).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kinemyo.config import PipelineConfig
from kinemyo.data.recording import Recording
from kinemyo.evaluation.protocols import within_trial
from kinemyo.experiment import ModelRun, run_split, score_runs, seed_table
from kinemyo.fileio import atomic_directory
from kinemyo.models.presets import preset_params
from kinemyo.provenance import fingerprint, package_versions
from kinemyo.reporting.figures import plot_features, plot_predictions, plot_trial, save_figure
from kinemyo.reporting.report import Report
from kinemyo.signal.pipeline import SignalPipeline

SEED_TASKS = ("DNS", "UPS")
SEED_METRICS = ("mae", "rmse", "r2", "nrmse")
TEST_FRACTION = 0.2
FIGURE_JOINTS = ("left knee flexion", "left ankle flexion")


def seed_models(seed: int) -> dict[str, dict]:
    """The models of the study and their parameters: the floors, GPR, and a short xLSTM run with
    the seed study's settings (``seed-xlstm``: hidden 32, 2 layers, learning rate 0.01, 20
    epochs)."""
    return {
        "mean": {},
        "ridge": {"alpha": 1.0},
        "gpr": {"random_state": seed},
        "xlstm": {**preset_params("xlstm", "seed-xlstm"), "seed": seed},
    }


@dataclass(frozen=True)
class StudyResult:
    """Where the study wrote its report, and its table and scores."""

    report: Path
    table: pd.DataFrame
    scores: pd.DataFrame
    verdict: str


def gap_windows(config: PipelineConfig) -> int:
    """Windows to drop between train and test so that none shares a sample: ceil(L/step) - 1."""
    return max(0, math.ceil(config.window.length / config.window.step) - 1)


def gpr_verdict(scores: pd.DataFrame) -> str:
    """Says plainly, per gait, whether GPR's moment RMSE beats ridge's and the mean predictor's."""
    rmse = scores[(scores["metric"] == "rmse") & (scores["quantity"] == "moment")]
    per_model = rmse.groupby(["task", "model"])["value"].mean().unstack("model")
    lines = []
    for task, row in per_model.iterrows():
        rivals = {m: row[m] for m in ("ridge", "mean") if m in row}
        beaten = [m for m, value in rivals.items() if row["gpr"] < value]
        figures = ", ".join(f"{m} {v:.3g}" for m, v in {"gpr": row["gpr"], **rivals}.items())
        if len(beaten) == len(rivals):
            lines.append(
                f"- {task}: GPR's moment RMSE is lower than ridge's and the mean "
                f"predictor's ({figures} N·m, mean over joints and subjects)."
            )
        else:
            lost = [m for m in rivals if m not in beaten]
            lines.append(
                f"- {task}: GPR's moment RMSE is NOT lower than {' and '.join(lost)}'s "
                f"({figures} N·m). With these features the moment is close to linear in "
                "the inputs, or the training set is too small for the kernel to help."
            )
    return "\n".join(lines)


def run_seed_study(
    recordings: Sequence[Recording],
    out_dir: str | Path,
    *,
    config: PipelineConfig,
    seed: int = 0,
    tasks: Sequence[str] = SEED_TASKS,
    command: str = "",
    progress: Callable[[str], None] | None = None,
) -> StudyResult:
    """Run the study on ``recordings`` and write its report into ``out_dir`` (atomically).

    Args:
        recordings: trials with EMG, angles and moments (e.g. the synthetic cohort).
        out_dir: the run folder; replaced only once the new run is complete.
        config: the pipeline configuration (e.g. the ``seed-siat`` preset).
        seed: random seed of the models.
        tasks: the gaits to study, each on its own.
        command: the command line that started the run, for the record.
        progress: told what is being done.
    """
    say = progress or (lambda message: None)
    models = seed_models(seed)
    pipeline = SignalPipeline(config)
    runs: list[ModelRun] = []
    examples = {}
    for task in tasks:
        task_recordings = [r for r in recordings if r.meta.task == task]
        say(f"{task}: filtering and windowing {len(task_recordings)} trials")
        windows = pipeline.window(task_recordings)
        split = within_trial(windows, test_fraction=TEST_FRACTION, gap_windows=gap_windows(config))
        task_runs = run_split(
            windows, split, config, models, progress=lambda m, t=task: say(f"{t}: fitting {m}")
        )
        runs += task_runs
        examples[task] = (task_recordings[0], windows, split, task_runs)

    scores = score_runs(runs)
    table = seed_table(scores, SEED_METRICS)
    verdict = gpr_verdict(scores)
    with atomic_directory(out_dir, overwrite=True) as tmp:
        figures = _figures(tmp, config, examples)
        scores.to_csv(tmp / "scores.csv", index=False, float_format="%.6g")
        table.to_csv(tmp / "table.csv", index=False)
        info = {
            "command": command,
            "seed": seed,
            "tasks": list(tasks),
            "models": models,
            "protocol": f"within_trial(test_fraction={TEST_FRACTION}, "
            f"gap_windows={gap_windows(config)})",
            "config": config.model_dump(mode="json"),
            "data_fingerprint": fingerprint(recordings),
            "subjects": sorted({r.meta.subject for r in recordings}),
            "versions": package_versions(),
        }
        (tmp / "run.json").write_text(json.dumps(info, indent=2))
        _report(tmp, table, verdict, figures, info, runs).write(tmp / "report.md")
    out = Path(out_dir)
    return StudyResult(out / "report.md", table, scores, verdict)


def _figures(folder: Path, config: PipelineConfig, examples: dict) -> list[tuple[Path, str]]:
    figures_dir = folder / "figures"
    made = []
    recording, windows, split, runs = next(iter(examples.values()))
    png, _ = save_figure(*plot_trial(recording), figures_dir / "fig1_trial")
    made.append(
        (png, f"Figure 1. Raw sEMG, joint angles and joint moments of {recording.meta.name}.")
    )

    trial = recording.meta.name
    fitted = SignalPipeline(config, cache_dir=None).fit(windows.subset(split.train))
    own = np.flatnonzero(windows.trial == trial)
    features = fitted.transform(windows.subset(own))
    png, _ = save_figure(*plot_features(features), figures_dir / "fig2_features")
    made.append((png, f"Figure 2. Standardised window features of {trial} (all windows)."))

    for run in runs:
        if run.model != "gpr":
            continue
        mask = run.truth.trial == trial
        truth = run.truth.subset(mask)
        prediction = run.prediction.subset(mask)
        png, _ = save_figure(
            *plot_predictions(
                truth, prediction, FIGURE_JOINTS, title=f"GPR on held-out windows of {trial}"
            ),
            figures_dir / "fig4_gpr_predictions",
        )
        made.append(
            (
                png,
                f"Figure 4. GPR predictions (±2σ) against the measured joint angles "
                f"and moments on the held-out last {TEST_FRACTION:.0%} of {trial}.",
            )
        )
    return made


def _report(
    folder: Path,
    table: pd.DataFrame,
    verdict: str,
    figures: list,
    info: dict,
    runs: list[ModelRun],
) -> Report:
    report = Report("kinemyo: SIAT-LLMD seed study (sEMG -> joint angles and moments)")
    n_train_test = {run.split: len(run.truth) for run in runs if run.model == runs[0].model}
    report.text(
        "What was done",
        f"Subjects {', '.join(info['subjects'])}; gaits {', '.join(info['tasks'])}, each on its "
        "own. sEMG of the 9 left-leg muscles -> baseline correction -> wavelet-packet denoising "
        "-> Butterworth band-pass -> max-abs normalisation -> 100-sample windows every 50 "
        "samples -> six features per channel (IEMG, VAR, WL, ZC, CC, MNF) -> standardisation. "
        "Targets: the 8 joint angles (deg) and 8 joint moments (N·m) at each window's last "
        "sample.\n\n"
        f"Protocol: {info['protocol']}: the first {1 - TEST_FRACTION:.0%} of every trial's "
        f"windows train, the last {TEST_FRACTION:.0%} test, with a gap so that no training "
        "window shares a sample with a test window. Normalisation scales, feature statistics "
        "and models are fitted on the training windows only; **every number below is computed "
        f"on held-out test windows** ({', '.join(f'{k}: {v}' for k, v in n_train_test.items())} "
        "test windows).",
    )
    report.table(
        table,
        "Table 1. Mean ± sd across subjects of each metric averaged over the joints "
        "(MAE and RMSE as in the seed study, plus R2 and NRMSE, % of the true range).",
    )
    report.text("Does GPR beat the floors?", verdict)
    for path, caption in figures:
        report.figure(path, caption, folder)
    report.text(
        "Files",
        "`scores.csv`: every metric per subject, gait, joint and model; "
        "`table.csv`: Table 1; `run.json`: what is needed to reproduce the run.",
    )
    report.run_info(
        {k: info[k] for k in ("command", "seed", "protocol", "data_fingerprint", "versions")}
    )
    return report
