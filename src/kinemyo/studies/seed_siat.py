"""The SIAT-LLMD seed study: sEMG features -> joint angles and moments per gait, under the seed's
own (leaky) protocol and an honest one, with the seed's chain and kinemyo's.

For each gait (stair descent DNS, stair ascent UPS, named by the real motion), each chain (by
default ``seed-siat``, the seed's code, and ``kinemyo-siat``) and each protocol:

- ``random-kfold``: the seed's GPR validation, random folds over overlapping windows per
  subject. LEAKY: a test window shares half its samples with the training windows beside it.
  Only the first ``folds`` of its 5 folds run (the demo runs one; each fold is a random 20%).
- ``within-trial``: the first 80% of each trial's windows train, the last 20% test, with a gap so
  that no window shares a sample across the split.

Every fitted value (filter baseline and thresholds, max-abs scales, feature statistics, models) is
fitted on the split's training windows; every number is computed on its test windows. Models: the
mean predictor and ridge regression (floors) and the Gaussian process (the seed's check) under
both protocols, plus a short xLSTM run with the seed's settings on the seed's chain, within-trial.
Output: ``report.md`` with the seed's table (MAE and RMSE of joint angle and moment per gait, plus
R2 and NRMSE) per chain and protocol, how much the seed's protocol flatters GPR, three figures
(PNG + CSV), the scores as CSV, and ``run.json`` (resolved configs, versions, data fingerprint,
seed).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kinemyo.config import PipelineConfig
from kinemyo.data.recording import Recording
from kinemyo.errors import KinemyoError
from kinemyo.evaluation.protocols import PROTOCOLS, Split, make_splits
from kinemyo.experiment import ModelRun, pool_seeds, seed_table
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
from kinemyo.models.presets import preset_params
from kinemyo.provenance import fingerprint, package_versions
from kinemyo.reporting.figures import plot_features, plot_predictions, plot_trial, save_figure
from kinemyo.reporting.report import Report
from kinemyo.signal.pipeline import SignalPipeline, SignalWindows
from kinemyo.studies.seed_settings import (
    FIGURE_JOINTS,
    GAIT_NAMES,
    SEED_FOLDS,
    SEED_METRICS,
    SEED_PROTOCOLS,
    SEED_TASKS,
    TEST_FRACTION,
)

HONEST = PROTOCOLS["within-trial"]
LEAKY = PROTOCOLS["random-kfold"]

SWAP_NOTE = (
    "Gaits are named by the real motion: DNS is stair descent, UPS stair ascent. The seed "
    "study's folders were swapped: its tensor named DNS (22,551 windows) is stair ASCENT and its "
    "tensor named UPS (19,952 windows) is stair DESCENT. The real Label files, cut with the "
    "seed's windowing (100 samples every 50, restarting at every Status or Group change), give "
    "22,551 windows for UPS and 19,952 for DNS. Read the seed paper's DNS results beside the UPS "
    "rows here, and its UPS results beside the DNS rows."
)


def seed_models(seed: int, xlstm: bool = True) -> dict[str, dict]:
    """The models of the study and their parameters: the floors, GPR and, if ``xlstm``, a short
    xLSTM run with the seed study's settings (``seed-xlstm``: hidden 32, blocks m-s-m with 2
    heads, batches of 64, learning rate 0.01, 20 epochs)."""
    models = {"mean": {}, "ridge": {"alpha": 1.0}, "gpr": {"random_state": seed}}
    if xlstm:
        models["xlstm"] = {**preset_params("xlstm", "seed-xlstm"), "seed": seed}
    return models


@dataclass(frozen=True)
class StudyResult:
    """Where the study wrote its report, and its table, scores and conclusions."""

    report: Path
    table: pd.DataFrame
    scores: pd.DataFrame
    verdict: str
    flattery: str


def _moment_rmse(scores: pd.DataFrame, keys: list[str]) -> pd.Series:
    rmse = scores[(scores["metric"] == "rmse") & (scores["quantity"] == "moment")]
    return rmse.groupby(keys)["value"].mean()


def gpr_verdict(scores: pd.DataFrame) -> str:
    """Says plainly, per gait (and chain, when scores have one), whether GPR's moment RMSE under
    the honest protocol beats ridge's and the mean predictor's."""
    if "protocol" in scores.columns:
        scores = scores[scores["protocol"] == HONEST]
    keys = [key for key in ("chain", "task") if key in scores.columns]
    per_model = _moment_rmse(scores, [*keys, "model"]).unstack("model")
    lines = []
    for key, row in per_model.iterrows():
        name = ", ".join(key) if isinstance(key, tuple) else key
        rivals = {m: row[m] for m in ("ridge", "mean") if m in row}
        beaten = [m for m, value in rivals.items() if row["gpr"] < value]
        figures = ", ".join(f"{m} {v:.3g}" for m, v in {"gpr": row["gpr"], **rivals}.items())
        if len(beaten) == len(rivals):
            lines.append(
                f"- {name}: GPR's moment RMSE is lower than ridge's and the mean "
                f"predictor's ({figures} N·m, mean over joints and subjects)."
            )
        else:
            lost = [m for m in rivals if m not in beaten]
            lines.append(
                f"- {name}: GPR's moment RMSE is NOT lower than {' and '.join(lost)}'s "
                f"({figures} N·m). With these features the moment is close to linear in "
                "the inputs, or the training set is too small for the kernel to help."
            )
    return "\n".join(lines)


def flattery(scores: pd.DataFrame) -> str:
    """How much lower GPR's errors are under the seed's random k-fold than under the
    chronological split, per chain and gait (moment and angle RMSE, mean over joints and
    subjects)."""
    gpr = scores[(scores["model"] == "gpr") & (scores["metric"] == "rmse")]
    rmse = gpr.groupby(["chain", "task", "quantity", "protocol"])["value"].mean()
    lines = []
    for (chain, task), group in rmse.groupby(level=["chain", "task"]):
        parts = []
        for quantity, unit in (("moment", "N·m"), ("angle", "deg")):
            leaky = group[chain, task, quantity, LEAKY]
            honest = group[chain, task, quantity, HONEST]
            lower = 1 - leaky / honest
            parts.append(
                f"{quantity} RMSE {leaky:.3g} vs {honest:.3g} {unit} "
                f"({abs(lower):.0%} {'lower' if lower >= 0 else 'higher'})"
            )
        lines.append(f"- {chain}, {GAIT_NAMES.get(task, task)}: {'; '.join(parts)}.")
    return "\n".join(lines)


def _in_study_order(table: pd.DataFrame, chains: list[str]) -> pd.DataFrame:
    """Rows by gait, then chain and protocol in the study's order (the seed's first); gaits
    named by their real motion."""
    rank = {
        "chain": {chain: i for i, chain in enumerate(chains)},
        "protocol": {PROTOCOLS[key]: i for i, key in enumerate(SEED_PROTOCOLS)},
    }
    table = table.sort_values(
        ["gait", "chain", "protocol", "model"],
        key=lambda column: column.map(rank[column.name]) if column.name in rank else column,
        ignore_index=True,
    )
    return table.assign(gait=table["gait"].map(lambda code: GAIT_NAMES.get(code, code)))


def run_seed_study(
    recordings: Sequence[Recording],
    out_dir: str | Path | Destination,
    *,
    chains: Mapping[str, PipelineConfig],
    seed: int = 0,
    tasks: Sequence[str] = SEED_TASKS,
    folds: int = 1,
    command: str = "",
    execution: Execution | None = None,
    progress: TaskProgress | None = None,
) -> StudyResult:
    """Run the study on ``recordings`` and write its report into ``out_dir`` (atomically).

    Args:
        recordings: trials with EMG, angles and moments (e.g. the synthetic cohort).
        out_dir: the run folder, or a :class:`~kinemyo.fileio.Destination`; replaced only once
            the new run is complete, and only if kinemyo wrote it or the destination allows.
        chains: pipeline configurations by name (e.g. the ``seed-siat`` and ``kinemyo-siat``
            presets); the first draws the figures.
        seed: random seed of the random k-fold and the models.
        tasks: the gaits to study, each on its own.
        folds: how many of the random k-fold's 5 folds to run (1..5).
        command: the command line that started the run, for the record.
        execution: where the fits run (default: one after another in this process); every
            (gait, chain, split, model) fit is a task of :mod:`kinemyo.experiments`, and a rerun
            with the same ``out_dir`` skips the finished ones.
        progress: told the task counts after each change.

    Raises:
        KinemyoError: a fit failed (each failed task is listed; a rerun redoes only those).
    """
    first = next(iter(chains))
    experiments: list[SplitExperiment] = []
    for task in tasks:
        task_recordings = [r for r in recordings if r.meta.task == task]
        data = fingerprint(task_recordings)
        for chain, config in chains.items():
            windows = SignalPipeline(config).window(task_recordings)
            for protocol in SEED_PROTOCOLS:
                gap = windows.gap_windows
                splits = make_splits(protocol, windows, gap_windows=gap, seed=seed)[:folds]
                models = seed_models(seed, xlstm=chain == first and protocol == "within-trial")
                experiment = SplitExperiment(
                    data, windows, splits, config, models, {"chain": chain}
                )
                experiments.append(experiment)
    study_tasks = split_tasks("seed-siat", experiments, (seed,))
    store = TaskStore.for_output(Destination.of(out_dir).path)
    outcome = run_tasks(
        study_tasks, run_split_task, shared_windows(experiments), store, execution, progress
    )
    if outcome.failures:
        raise KinemyoError(f"The seed study could not finish: {failure_list(outcome.failures)}")
    pairs, scores = model_runs(experiments, study_tasks, outcome)
    # The figures' example: the first within-trial split of the first gait and chain.
    example_at = next(
        i for i, e in enumerate(experiments) if e.splits[0].protocol == "within-trial"
    )
    example_experiment = experiments[example_at]
    example = (
        example_experiment.config,
        next(r for r in recordings if r.meta.task == tasks[0]),
        example_experiment.windows,
        example_experiment.splits[0],
        [run for spec, run in pairs if (spec.experiment, spec.split) == (example_at, 0)],
    )
    scores = pool_seeds(scores)
    table = _in_study_order(seed_table(scores, SEED_METRICS), list(chains))
    verdict, flattering = gpr_verdict(scores), flattery(scores)
    with atomic_directory(out_dir) as tmp:
        figures = _figures(tmp, *example)
        scores.to_csv(tmp / "scores.csv", index=False, float_format="%.6g")
        table.to_csv(tmp / "table.csv", index=False)
        info = {
            "command": command,
            "seed": seed,
            "tasks": list(tasks),
            "models": seed_models(seed),
            "protocols": {
                "random-kfold": f"random_kfold(n_splits={SEED_FOLDS}, seed={seed}), "
                f"first {folds} fold(s)",
                "within-trial": f"within_trial(test_fraction={TEST_FRACTION}, "
                f"gap_windows={experiments[0].windows.gap_windows})",
            },
            "chains": {chain: config.model_dump(mode="json") for chain, config in chains.items()},
            "data_fingerprint": fingerprint(recordings),
            "subjects": sorted({r.meta.subject for r in recordings}),
            "versions": package_versions(),
        }
        (tmp / "run.json").write_text(json.dumps(info, indent=2))
        _report(tmp, table, verdict, flattering, figures, info).write(tmp / "report.md")
        store.move_into(tmp, [task.key for task in study_tasks])
    out = Destination.of(out_dir).path
    return StudyResult(out / "report.md", table, scores, verdict, flattering)


def _figures(
    folder: Path,
    config: PipelineConfig,
    recording: Recording,
    windows: SignalWindows,
    split: Split,
    runs: list[ModelRun],
) -> list[tuple[Path, str]]:
    figures_dir = folder / "figures"
    made = []
    png, _ = save_figure(*plot_trial(recording), figures_dir / "fig1_trial")
    made.append(
        (png, f"Figure 1. Raw sEMG, joint angles and joint moments of {recording.meta.name}.")
    )

    trial = recording.meta.name
    fitted = SignalPipeline(config).fit(windows.subset(split.train))
    own = np.flatnonzero(windows.trial == trial)
    features = fitted.transform(windows.subset(own))
    png, _ = save_figure(*plot_features(features), figures_dir / "fig2_features")
    made.append((png, f"Figure 2. Window features of {trial} (all windows, the first chain)."))

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
                f"and moments on the held-out last {TEST_FRACTION:.0%} of {trial} "
                "(within-trial, the first chain).",
            )
        )
    return made


def _report(
    folder: Path,
    table: pd.DataFrame,
    verdict: str,
    flattering: str,
    figures: list,
    info: dict,
) -> Report:
    report = Report("kinemyo: SIAT-LLMD seed study (sEMG -> joint angles and moments)")
    report.text(
        "What was done",
        f"Subjects {', '.join(info['subjects'])}; gaits {', '.join(info['tasks'])}, each on its "
        "own; the 9 left-leg sEMG channels; targets the 8 joint angles (deg) and 8 joint "
        "moments (N·m).\n\n"
        "Chains. `seed-siat` is the seed's released code, not its paper: baseline removal, a "
        "plain DWT (db7, level 8) with each detail level soft-thresholded at 0.08 x its signed "
        "maximum, a causal 7th-order 15-400 Hz Butterworth in b/a form (one lfilter pass, no "
        "notch), windows of 100 samples every 50 restarting at every Status or Group change, "
        "window-MEAN targets, per-subject max-abs normalisation, and six features: IEMG, VAR, "
        "WL, ZC, SSC and WAMP with the seed's thresholds (its paper calls the last two "
        "'correlation coefficient' and 'mean frequency'). Where the seed fitted the baseline, "
        "the thresholds and the max-abs scales on the whole trial or subject, kinemyo fits "
        "them on the training windows' samples. `kinemyo-siat` is kinemyo's own causal chain: "
        "training-mean baseline, 50 Hz notch, 4th-order 20-450 Hz Butterworth (sections), "
        "MAV, RMS, WL, ZC, SSC and WAMP with thresholds suited to normalised sEMG, standardised "
        "features, and targets at each window's last sample (what a controller knows).\n\n"
        f"Protocols. **{LEAKY}**: the seed's GPR validation, {info['protocols']['random-kfold']}"
        ": each subject's windows are dealt at random into 5 folds, so a test window's "
        "neighbours, which share half its samples, are training windows. **Its scores "
        f"flatter.** **{HONEST}**: {info['protocols']['within-trial']}: the first "
        f"{1 - TEST_FRACTION:.0%} of every trial's windows train, the last "
        f"{TEST_FRACTION:.0%} test, with a gap so that no training window shares a sample "
        "with a test window. Under both, every fitted value and every model is fitted on the "
        "training windows only and **every number below is computed on test windows**.",
    )
    report.text("DNS and UPS", SWAP_NOTE)
    report.table(
        table,
        "Table 1. Mean ± sd across subjects of each metric averaged over the joints "
        "(MAE and RMSE as in the seed study, plus R2 and NRMSE, % of the true range), per "
        "gait, chain, protocol and model. The random-kfold rows are leaky.",
    )
    report.text(
        "How much the seed's protocol flatters GPR",
        "GPR's RMSE under the seed's random k-fold against the chronological split, same data, "
        "same chain:\n\n"
        + flattering
        + "\n\nHow much the leak helps depends on how closely a model can follow a test "
        "window's neighbours. Above about 1,000 training windows this GP is approximate (FITC, "
        "500 inducing inputs, hyperparameters fitted on 1,000 random windows) and smooths them "
        "over; the seed fitted one exact GP per subject, which follows them closely "
        "(`benchmarks/bench_chains.py --per-subject` measures that case).",
    )
    report.text("Does GPR beat the floors (chronological split)?", verdict)
    for path, caption in figures:
        report.figure(path, caption, folder)
    report.text(
        "Files",
        "`scores.csv`: every metric per subject, gait, joint, chain, protocol, split and model; "
        "`table.csv`: Table 1; `run.json`: what is needed to reproduce the run.",
    )
    report.model_card(
        data=f"subjects {', '.join(info['subjects'])}; gaits {', '.join(info['tasks'])}; the 9 "
        "left-leg sEMG channels; 8 joint angles (deg) and 8 joint moments (N·m).",
        protocol=f"{LEAKY}: {info['protocols']['random-kfold']}; {HONEST}: "
        f"{info['protocols']['within-trial']}.",
        fitted="every fitted value of each chain (baseline, thresholds, scales) and every model "
        "on each split's training windows only; every score on its test windows.",
        limits=[
            f"Measured on {len(info['subjects'])} subject(s) and the gait(s) "
            f"{', '.join(info['tasks'])} only.",
            f"The {LEAKY} rows flatter; 'How much the seed's protocol flatters GPR' gives by "
            "how much in this run.",
            "The within-trial split tests later windows of the same trials: accuracy within a "
            "session, not on new subjects.",
        ],
    )
    report.run_info(
        {k: info[k] for k in ("command", "seed", "protocols", "data_fingerprint", "versions")}
    )
    return report
