"""Figures of the hip-moment experiment, each returned with the data it plots (for a CSV).

- :func:`plot_condition_traces`: predicted vs measured moments over excerpts of each condition,
  the condition marked above each excerpt.
- :func:`plot_condition_errors`: per-condition error bars (mean ± sd across subjects) per model.
- :func:`plot_ablation`: LSTAM against its ablations, with the published reference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from kinemyo.errors import KinemyoError


def excerpt_indices(
    groups: np.ndarray, valid: np.ndarray, trial: np.ndarray, length: int
) -> dict[str, np.ndarray]:
    """For each coarse condition, ``length`` consecutive valid frames of one trial (the middle of
    the longest valid stretch of the first trial holding that condition), as frame indices."""
    chosen = {}
    for group in dict.fromkeys(groups[valid]):
        first_trial = trial[np.flatnonzero(valid & (groups == group))[0]]
        here = valid & (groups == group) & (trial == first_trial)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], here.astype(int), [0]])))
        starts, ends = edges[::2], edges[1::2]
        longest = int(np.argmax(ends - starts))
        start, end = starts[longest], ends[longest]
        middle = (start + end) // 2
        first = max(start, middle - length // 2)
        chosen[str(group)] = np.arange(first, min(end, first + length))
    return chosen


def plot_condition_traces(
    truth: np.ndarray,
    predictions: Mapping[str, np.ndarray],
    excerpts: Mapping[str, np.ndarray],
    joints: Sequence[str],
    frame_rate_hz: float,
    unit: str = "N·m",
    title: str = "",
) -> tuple[Figure, pd.DataFrame]:
    """Measured and predicted moments over one excerpt per condition, side by side.

    Args:
        truth: (N, J) measured moments; predictions: model -> (N, J) estimates.
        excerpts: condition -> frame indices to show (see :func:`excerpt_indices`).
        joints: J joint names (one panel each); frame_rate_hz: frames per second.
    """
    if not excerpts:
        raise KinemyoError("No condition has valid frames to plot.")
    figure, axes = plt.subplots(len(joints), 1, figsize=(12, 2.8 * len(joints)), squeeze=False)
    rows, offset = [], 0.0
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for condition, index in excerpts.items():
        t = offset + np.arange(index.size) / frame_rate_hz
        for j in range(len(joints)):
            ax = axes[j, 0]
            ax.plot(
                t, truth[index, j], color="black", lw=1.6, label="measured" if not rows else None
            )
            for k, (model, estimate) in enumerate(predictions.items()):
                ax.plot(
                    t,
                    estimate[index, j],
                    color=colours[k % len(colours)],
                    lw=1.1,
                    label=model if not rows else None,
                )
            ax.axvspan(t[0], t[-1], color="0.93" if len(rows) % 2 else "1.0", zorder=0)
            if j == 0:
                ax.text(
                    (t[0] + t[-1]) / 2,
                    1.02,
                    condition,
                    transform=ax.get_xaxis_transform(),
                    ha="center",
                    va="bottom",
                    fontsize=9,
                )
        frame = {"condition": condition, "t_s": t}
        for j, joint in enumerate(joints):
            frame[f"{joint} measured ({unit})"] = truth[index, j]
            for model, estimate in predictions.items():
                frame[f"{joint} {model} ({unit})"] = estimate[index, j]
        rows.append(pd.DataFrame(frame))
        offset = t[-1] + 1.0 / frame_rate_hz
    for j, joint in enumerate(joints):
        axes[j, 0].set_ylabel(f"{joint} ({unit})")
    axes[-1, 0].set_xlabel("time within the excerpts (s)")
    axes[0, 0].legend(loc="upper right", fontsize=8, ncol=len(predictions) + 1)
    if title:
        figure.suptitle(title, y=1.0)
    figure.tight_layout()
    return figure, pd.concat(rows, ignore_index=True)


def _grouped_bars(ax, table: pd.DataFrame, category: str, series: str) -> None:
    """Bars of ``mean`` with ``sd`` error bars: categories along x, one bar per series."""
    categories = list(dict.fromkeys(table[category]))
    names = list(dict.fromkeys(table[series]))
    width = 0.8 / max(len(names), 1)
    for k, name in enumerate(names):
        part = table[table[series] == name].set_index(category).reindex(categories)
        x = np.arange(len(categories)) + (k - (len(names) - 1) / 2) * width
        ax.bar(x, part["mean"], width, yerr=part["sd"].fillna(0), capsize=2, label=name)
    ax.set_xticks(np.arange(len(categories)), categories, rotation=20, ha="right")


def plot_condition_errors(
    table: pd.DataFrame, metric_label: str, title: str = ""
) -> tuple[Figure, pd.DataFrame]:
    """Per-condition error bars per model, one panel per joint.

    Args:
        table: columns joint, condition, model, mean, sd (across subjects).
        metric_label: the y-axis label, e.g. "RMSE (N·m/kg)".
    """
    joints = list(dict.fromkeys(table["joint"]))
    figure, axes = plt.subplots(1, len(joints), figsize=(6.5 * len(joints), 4), squeeze=False)
    for ax, joint in zip(axes[0], joints, strict=True):
        _grouped_bars(ax, table[table["joint"] == joint], "condition", "model")
        ax.set_title(joint)
        ax.set_ylabel(metric_label)
    axes[0, -1].legend(fontsize=8)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure, table.reset_index(drop=True)


def plot_ablation(
    table: pd.DataFrame, reference: Mapping[str, float], title: str = ""
) -> tuple[Figure, pd.DataFrame]:
    """LSTAM and its ablations: one panel per metric, joints along x, mean ± sd bars.

    Args:
        table: columns metric (panel title, e.g. "R2"), joint, model, mean, sd.
        reference: joint -> the published LSTAM R2, drawn as a dashed line on the "R2" panel.
    """
    metrics = list(dict.fromkeys(table["metric"]))
    figure, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 4), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        part = table[table["metric"] == metric]
        _grouped_bars(ax, part, "joint", "model")
        ax.set_title(metric)
        if metric == "R2":
            joints = list(dict.fromkeys(part["joint"]))
            for i, joint in enumerate(joints):
                if joint in reference:
                    ax.hlines(
                        reference[joint],
                        i - 0.45,
                        i + 0.45,
                        colors="black",
                        linestyles="--",
                        label="LSTAM paper (real data)" if i == 0 else None,
                    )
            # R2 values sit close together near 1: show the range they span, not 0..1.
            low = min((part["mean"] - part["sd"].fillna(0)).min(), *reference.values())
            ax.set_ylim(max(0.0, low - 0.05), 1.0)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8)
    if title:
        figure.suptitle(title)
    figure.tight_layout(rect=(0, 0.08, 1, 1))
    return figure, table.reset_index(drop=True)
