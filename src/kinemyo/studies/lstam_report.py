"""Tables, statistics, figures and report.md of the LSTAM hip-moment experiment."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from kinemyo.data.opensim import StorageTable, write_storage
from kinemyo.evaluation.statistics import compare_to_reference, smallest_p_value
from kinemyo.fileio import atomic_directory
from kinemyo.reporting.figures import plot_training_curves, save_figure
from kinemyo.reporting.moment_figures import (
    excerpt_indices,
    plot_ablation,
    plot_condition_errors,
    plot_condition_traces,
)
from kinemyo.reporting.report import Report
from kinemyo.studies.hip_frames import MOMENTS
from kinemyo.studies.lstam import (
    ABLATIONS,
    PAPER,
    REFERENCE,
    ExperimentConfig,
    ExperimentResult,
)

_LABELS = {
    ("rmse", "N·m"): "RMSE (N·m)",
    ("rmse", "N·m/kg"): "RMSE (N·m/kg)",
    ("r2", ""): "R2",
    ("vaf", "%"): "VAF (%)",
}
_HIGHER_IS_BETTER = {"r2", "vaf"}


def _mean_sd(values: pd.Series) -> str:
    sd = values.std(ddof=1) if len(values) > 1 else np.nan
    return f"{values.mean():.3g} ± {sd:.2g}" if np.isfinite(sd) else f"{values.mean():.3g}"


def per_subject(scores: pd.DataFrame, scope: str = "all") -> pd.DataFrame:
    """The per-subject scores of one scope ("all": every test frame of the subject)."""
    return scores[scores["scope"] == scope]


def summary_table(scores: pd.DataFrame, models: list[str], runs: pd.DataFrame) -> pd.DataFrame:
    """One row per model: each metric and joint as mean ± sd across subjects; fit time and
    parameters."""
    overall = per_subject(scores)
    rows = []
    for model in models:
        row = {"model": model}
        part = overall[overall["model"] == model]
        for joint in dict.fromkeys(overall["joint"]):
            for (metric, unit), label in _LABELS.items():
                values = part[
                    (part["joint"] == joint) & (part["metric"] == metric) & (part["unit"] == unit)
                ]["value"]
                row[f"{joint} {label}"] = _mean_sd(values)
        cost = runs[runs["model"] == model]
        row["fit s"] = f"{cost['fit_seconds'].mean():.0f}"
        row["parameters"] = f"{int(cost['n_parameters'].max()):,}"
        rows.append(row)
    return pd.DataFrame(rows)


def paper_row(columns: pd.Index) -> pd.DataFrame:
    """The published LSTAM figures in the summary table's columns ('' where not published)."""
    row = {column: "" for column in columns}
    row["model"] = "LSTAM paper (14 real subjects)"
    for joint, values in PAPER.items():
        for metric, label in (("rmse", "RMSE (N·m)"), ("r2", "R2"), ("vaf", "VAF (%)")):
            mean, sd = values[metric]
            row[f"{joint} {label}"] = f"{mean:.3g} ± {sd:.2g}"
    return pd.DataFrame([row])


def statistics_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Paired signed-rank tests of LSTAM vs every other model, per joint and metric, Holm-
    corrected within each joint and metric."""
    overall = per_subject(scores).assign(
        measure=lambda t: [_LABELS[(m, u)] for m, u in zip(t["metric"], t["unit"], strict=True)]
    )
    table = compare_to_reference(
        overall[["subject", "model", "joint", "measure", "value"]], REFERENCE, ["joint", "measure"]
    )
    better = []
    for _, row in table.iterrows():
        higher = any(row["measure"].startswith(m.upper()) for m in _HIGHER_IS_BETTER)
        wins = row["n"] - row["reference lower"] if higher else row["reference lower"]
        better.append(f"{int(wins)}/{int(row['n'])}")
    table["LSTAM better in"] = better
    return table.drop(columns=["reference lower"])


def condition_table(scores: pd.DataFrame) -> pd.DataFrame:
    """RMSE (N·m/kg) per coarse condition, model and joint: mean, sd and n across subjects."""
    part = scores[
        (scores["scope"] == "group") & (scores["metric"] == "rmse") & (scores["unit"] == "N·m/kg")
    ]
    grouped = part.groupby(["joint", "condition", "model"], sort=False)["value"]
    return grouped.agg(mean="mean", sd="std", n="count").reset_index()


def _condition_wide(conditions: pd.DataFrame, joint: str, models: list[str]) -> pd.DataFrame:
    part = conditions[conditions["joint"] == joint]
    wide = pd.DataFrame({"condition": list(dict.fromkeys(part["condition"]))})
    for model in models:
        cells = part[part["model"] == model].set_index("condition")
        wide[model] = [
            f"{cells.loc[c, 'mean']:.3g} ± {cells.loc[c, 'sd']:.2g}" if c in cells.index else ""
            for c in wide["condition"]
        ]
    return wide


def _ablation_data(scores: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    overall = per_subject(scores)
    chosen = overall[overall["model"].isin(models)]
    rows = []
    for (metric, unit), label in ((("r2", ""), "R2"), (("rmse", "N·m"), "RMSE (N·m)")):
        part = chosen[(chosen["metric"] == metric) & (chosen["unit"] == unit)]
        stats = part.groupby(["joint", "model"], sort=False)["value"].agg(["mean", "std"])
        for (joint, model), values in stats.iterrows():
            rows.append(
                {
                    "metric": label,
                    "joint": joint,
                    "model": model,
                    "mean": values["mean"],
                    "sd": values["std"],
                }
            )
    return pd.DataFrame(rows)


def _figures(folder: Path, result: ExperimentResult, config: ExperimentConfig) -> list:
    figures_dir = folder / "figures"
    made = []
    models = list(config.models)
    if result.traces is not None:
        frames, predictions = result.traces
        truth = frames.data.Y[:, :, 0]
        rate = 200.0 / config.every
        excerpts = excerpt_indices(frames.group, frames.valid, frames.data.trial, int(3 * rate))
        shown = [m for m in (REFERENCE, _best_baseline(result.scores)) if m in predictions]
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
                f"Figure 14. Measured (black) and predicted hip moments of {result.subjects[0]} "
                f"on test trials, 3 s per condition: {', '.join(shown)}.",
            )
        )
    conditions = condition_table(result.scores)
    png, _ = save_figure(
        *plot_condition_errors(conditions, "RMSE (N·m/kg)", "Error per condition"),
        figures_dir / "fig15_condition_errors",
    )
    made.append(
        (
            png,
            "Figure 15. RMSE (N·m/kg) per condition and model, mean ± sd across subjects.",
        )
    )
    ablation_models = [m for m in (REFERENCE, *ABLATIONS) if m in models]
    png, _ = save_figure(
        *plot_ablation(
            _ablation_data(result.scores, ablation_models),
            {joint: values["r2"][0] for joint, values in PAPER.items()},
            "LSTAM and its ablations",
        ),
        figures_dir / "fig16_ablation",
    )
    made.append(
        (
            png,
            "Figure 16. LSTAM and its ablations: R2 and RMSE (N·m), mean ± sd across subjects; "
            "dashed: the published LSTAM R2 on real data.",
        )
    )
    first = result.subjects[0]
    curves = {
        (run.model, first): run.history
        for run in result.runs
        if run.subject == first and run.history is not None
    }
    if curves:
        png, _ = save_figure(
            *plot_training_curves(curves, f"Validation RMSE per epoch ({first})"),
            figures_dir / "fig17_training_curves",
        )
        made.append((png, f"Figure 17. Validation RMSE per epoch of every model, {first}."))
    return made


def write_predictions_sto(folder: Path, result: ExperimentResult) -> list[Path]:
    """LSTAM's predicted hip moments of the first subject's test trials as OpenSim storage files
    (``<subject>_<trial>_lstam.sto``: time and the Camargo id column names, N·m), one per trial,
    so they open in OpenSim beside the measured inverse dynamics."""
    if result.traces is None or REFERENCE not in result.traces[1]:
        return []
    frames, predictions = result.traces
    estimate = predictions[REFERENCE].mean[:, :, 0]
    written = []
    for trial in dict.fromkeys(frames.data.trial):
        here = frames.data.trial == trial
        path = folder / f"{trial.replace('/', '_')}_lstam.sto"
        write_storage(
            path,
            StorageTable(
                name="LSTAM predicted hip moments (N·m)",
                columns=tuple(MOMENTS),
                time=frames.data.time[here],
                values=estimate[here],
                in_degrees=True,
            ),
        )
        written.append(path)
    return written


def _best_baseline(scores: pd.DataFrame) -> str:
    """The non-LSTAM model with the lowest mean RMSE (N·m) over joints and subjects."""
    overall = per_subject(scores)
    rmse = overall[(overall["metric"] == "rmse") & (overall["unit"] == "N·m")]
    others = rmse[~rmse["model"].str.startswith(REFERENCE)]
    return str(others.groupby("model")["value"].mean().idxmin())


def _ranking(scores: pd.DataFrame, joint: str) -> pd.Series:
    overall = per_subject(scores)
    rmse = overall[
        (overall["metric"] == "rmse") & (overall["unit"] == "N·m") & (overall["joint"] == joint)
    ]
    return rmse.groupby("model")["value"].mean().sort_values()


def verdict(scores: pd.DataFrame, statistics: pd.DataFrame, n_subjects: int) -> str:
    """What the numbers say about the paper's two claims, in sentences computed from them."""
    sentences = []
    for joint in dict.fromkeys(per_subject(scores)["joint"]):
        ranking = _ranking(scores, joint)
        order = ", ".join(f"{m} {v:.3g}" for m, v in ranking.items())
        best = ranking.index[0]
        head = (
            f"**{joint}**: LSTAM has the lowest mean RMSE"
            if best == REFERENCE
            else f"**{joint}**: LSTAM does NOT have the lowest mean RMSE ({best} has)"
        )
        sentences.append(f"{head} (N·m, mean over subjects: {order}).")
        worse = [m for m in ABLATIONS if m in ranking and ranking[m] > ranking[REFERENCE]]
        better = [m for m in ABLATIONS if m in ranking and ranking[m] <= ranking[REFERENCE]]
        if worse:
            sentences.append(f"Removing a stage made it worse for: {', '.join(worse)}.")
        if better:
            sentences.append(f"Removing a stage did NOT make it worse for: {', '.join(better)}.")
    significant = statistics[statistics["p (Holm)"] < 0.05]
    floor = smallest_p_value(n_subjects)
    family = statistics.groupby(["joint", "measure"]).size().max()
    holm_floor = min(1.0, family * floor)
    sentences.append(
        f"Paired signed-rank tests over {n_subjects} subjects: {len(significant)} of "
        f"{len(statistics)} comparisons have Holm-corrected p < 0.05. With {n_subjects} subjects "
        f"the smallest p-value the exact test can give is {floor:.3g}, and after Holm's "
        f"correction over {family} comparisons {holm_floor:.3g}"
        + (
            ": no difference can reach significance with this many subjects, whatever its size."
            if holm_floor >= 0.05
            else "."
        )
    )
    return " ".join(sentences)


def where_lstam_wins(scores: pd.DataFrame) -> str:
    """The coarse conditions where LSTAM has a lower mean RMSE (N·m/kg) than every baseline,
    and the effect of its frequency transform (LSTAM vs ``lstam no_fft``), in sentences."""
    conditions = condition_table(scores)
    sentences = []
    for joint in dict.fromkeys(conditions["joint"]):
        part = conditions[conditions["joint"] == joint].pivot_table(
            index="condition", columns="model", values="mean"
        )
        baselines = [m for m in part.columns if not m.startswith(REFERENCE)]
        if REFERENCE not in part.columns or not baselines:
            continue
        wins = part.index[part[REFERENCE] < part[baselines].min(axis=1)].tolist()
        sentences.append(
            f"{joint}: LSTAM beats every baseline on "
            + (", ".join(wins) if wins else "no condition")
            + "."
        )
    ranking = {joint: _ranking(scores, joint) for joint in dict.fromkeys(conditions["joint"])}
    changes = {
        joint: values["lstam no_fft"] / values[REFERENCE] - 1
        for joint, values in ranking.items()
        if "lstam no_fft" in values and REFERENCE in values
    }
    for joint, change in changes.items():
        sentences.append(
            f"{joint}: removing the frequency transform changes LSTAM's RMSE by {change:+.0%}."
        )
    if changes and max(changes.values()) < 0:
        sentences.append(
            "The frequency transform costs accuracy here. An amplitude spectrum of the last W "
            "frames says how strongly each input varies within the window but not when; the "
            "moment at t depends mostly on the latest activations and angles, which the raw "
            "window (no_fft) and the baselines keep. Rerun with a shorter or longer `--window` "
            "to see it: the longer the window, the more timing the spectrum discards."
        )
    return " ".join(sentences)


def write_experiment(
    result: ExperimentResult, config: ExperimentConfig, out_dir: Path, info: dict
) -> tuple[Path, pd.DataFrame]:
    """Write tables (CSV), figures, run.json and report.md into ``out_dir`` atomically.

    Returns:
        The report's path and the summary table (every model, mean ± sd across subjects).
    """
    models = list(config.models)
    runs = pd.DataFrame(
        [
            {
                "subject": r.subject,
                "model": r.model,
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
    with atomic_directory(out_dir, overwrite=True) as tmp:
        figures = _figures(tmp, result, config)
        write_predictions_sto(tmp / "predictions", result)
        result.scores.to_csv(tmp / "scores.csv", index=False, float_format="%.6g")
        runs.to_csv(tmp / "fits.csv", index=False, float_format="%.6g")
        comparison.to_csv(tmp / "comparison.csv", index=False)
        ablation.to_csv(tmp / "ablation.csv", index=False)
        statistics.to_csv(tmp / "statistics.csv", index=False, float_format="%.6g")
        conditions.to_csv(tmp / "conditions.csv", index=False, float_format="%.6g")
        (tmp / "run.json").write_text(json.dumps(info, indent=2, default=str))
        report = _report(result, info, comparison, ablation, statistics, conditions, figures)
        report.write(tmp / "report.md")
    return Path(out_dir) / "report.md", summary


def _report(
    result: ExperimentResult,
    info: dict,
    comparison: pd.DataFrame,
    ablation: pd.DataFrame,
    statistics: pd.DataFrame,
    conditions: pd.DataFrame,
    figures: list,
) -> Report:
    report = Report("kinemyo: LSTAM hip moments, one treadmill trial trains, all others test")
    config = info["config"]
    report.text(
        "What was done",
        f"Data: `{info['data']}` ({info['trials']} trials read). Subjects "
        f"{', '.join(result.subjects)}"
        + (f"; skipped: {result.skipped}" if result.skipped else "")
        + f". Each model was fitted on **one treadmill trial** (`{config['train_trial']}`, four "
        "speed plateaus) per subject and tested on **every other trial** of that subject (other "
        "treadmill speeds, level ground, ramps up and down). Inputs: the EMG envelopes (causal "
        "low-pass) and joint angles of each frame at "
        f"{200 / config['every']:.0f} Hz; targets: hip flexion and adduction moments. Scaling "
        "and early stopping use the training trial only; every number below is on test trials "
        "over the frames with measured moments. Every network is causal: a moment at time t is "
        "estimated from inputs up to t. Same training budget for every model: "
        f"hidden {config['hidden']}, {config['layers']} layers, {config['epochs']} epochs "
        f"at most (patience {config['patience']}), sequences of {config['sequence_length']} "
        "frames."
        + (
            f" Missing files or trials (listed, not fatal): {len(info['missing'])}."
            if info["missing"]
            else ""
        ),
    )
    report.table(
        comparison,
        "Table 1. LSTAM and the baselines: per joint, mean ± sd across subjects (RMSE, R2 and "
        "VAF pooled over each subject's test frames). The last row is the published LSTAM "
        "result on real Camargo-family data (14 subjects; RMSE unit not stated, likely N·m): a "
        "reference from other data, not a comparison on the same data.",
    )
    report.table(ablation, "Table 2. Ablations: LSTAM without one of its stages.")
    report.table(
        statistics[statistics["measure"].isin(["RMSE (N·m)", "R2"])],
        "Table 3. Paired Wilcoxon signed-rank tests of LSTAM against each model across subjects "
        "(two-sided; Holm-corrected within each joint and measure; median difference = LSTAM "
        "minus the model, per subject). RMSE (N·m) and R2 here; statistics.csv has every measure.",
    )
    models = list(dict.fromkeys(conditions["model"]))
    for joint in dict.fromkeys(conditions["joint"]):
        report.table(
            _condition_wide(conditions, joint, models),
            f"Table 4 ({joint}). RMSE (N·m/kg) per condition, mean ± sd across subjects.",
        )
    report.text("What the numbers say", verdict(result.scores, statistics, len(result.subjects)))
    report.text(
        "Where LSTAM wins and what its frequency transform does", where_lstam_wins(result.scores)
    )
    for path, caption in figures:
        report.figure(path, caption, Path(path).parents[1])
    report.run_info({k: info[k] for k in ("command", "config", "models", "data")})
    return report
