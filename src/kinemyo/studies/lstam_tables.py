"""The tables of the LSTAM experiment: per-subject scores summarised across subjects."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinemyo.evaluation.metrics import interval_metrics
from kinemyo.evaluation.statistics import compare_to_reference
from kinemyo.reporting.report import mean_sd
from kinemyo.studies.lstam import PAPER
from kinemyo.studies.lstam_models import REFERENCE

_LABELS = {
    ("rmse", "N·m"): "RMSE (N·m)",
    ("rmse", "N·m/kg"): "RMSE (N·m/kg)",
    ("r2", ""): "R2",
    ("vaf", "%"): "VAF (%)",
}
_HIGHER_IS_BETTER = {"r2", "vaf"}


def _mean_sd(values: pd.Series) -> str:
    return mean_sd(values.mean(), values.std(ddof=1) if len(values) > 1 else np.nan)


def per_subject(scores: pd.DataFrame, scope: str = "all") -> pd.DataFrame:
    """The per-subject scores of one scope ("all": every test frame of the subject)."""
    return scores[scores["scope"] == scope]


def summary_table(scores: pd.DataFrame, models: list[str], runs: pd.DataFrame) -> pd.DataFrame:
    """One row per model: each metric and joint as mean ± sd across subjects, with the coverage
    of the calibrated intervals (e.g. "cover 90% (%)"); fit time and parameters."""
    overall = per_subject(scores)
    labels = _LABELS | {
        (metric, "%"): f"cover {metric.removeprefix('coverage_')}% (%)"
        for metric in interval_metrics(overall)
        if metric.startswith("coverage_")
    }
    rows = []
    for model in models:
        row = {"model": model}
        part = overall[overall["model"] == model]
        for joint in dict.fromkeys(overall["joint"]):
            for (metric, unit), label in labels.items():
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
            row[f"{joint} {label}"] = mean_sd(mean, sd)
    return pd.DataFrame([row])


def statistics_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Paired signed-rank tests of LSTAM vs every other model, per joint and metric, Holm-
    corrected within each joint and metric."""
    overall = per_subject(scores)
    overall = overall[overall["metric"].isin([metric for metric, _ in _LABELS])].assign(
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


def condition_wide(conditions: pd.DataFrame, joint: str, models: list[str]) -> pd.DataFrame:
    part = conditions[conditions["joint"] == joint]
    wide = pd.DataFrame({"condition": list(dict.fromkeys(part["condition"]))})
    for model in models:
        cells = part[part["model"] == model].set_index("condition")
        wide[model] = [
            mean_sd(cells.loc[c, "mean"], cells.loc[c, "sd"]) if c in cells.index else ""
            for c in wide["condition"]
        ]
    return wide


def ablation_data(scores: pd.DataFrame, models: list[str]) -> pd.DataFrame:
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


def best_baseline(scores: pd.DataFrame) -> str:
    """The non-LSTAM model with the lowest mean RMSE (N·m) over joints and subjects."""
    overall = per_subject(scores)
    rmse = overall[(overall["metric"] == "rmse") & (overall["unit"] == "N·m")]
    others = rmse[~rmse["model"].str.startswith(REFERENCE)]
    return str(others.groupby("model")["value"].mean().idxmin())


def rmse_ranking(scores: pd.DataFrame, joint: str) -> pd.Series:
    overall = per_subject(scores)
    rmse = overall[
        (overall["metric"] == "rmse") & (overall["unit"] == "N·m") & (overall["joint"] == joint)
    ]
    return rmse.groupby("model")["value"].mean().sort_values()
