"""The study's figures, each saved as a PNG with the data behind it as CSV.

- :func:`plot_trial` (the seed's Figure 1): a trial's raw sEMG, joint angles and joint moments.
- :func:`plot_features` (Figure 2): feature time courses of one trial's windows.
- :func:`plot_predictions` (Figure 4): predictions against truth on held-out windows, with the
  +/- 2 sigma band of a probabilistic model.
- :func:`prediction_curves`: the same as series for the HTML report's zoomable plots.
- :func:`plot_training_curves` (Figures 5 and 6): RMSE per epoch of sequence models, the
  convergence comparison.
- :func:`plot_forecast` (Figures 9-12): a probabilistic forecast with its 50% and 90% bands.
- :func:`plot_crps_box` (Figure 13): a forecast metric per model, angles vs torques.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from kinemyo.data.recording import Recording
from kinemyo.data.windowed import Prediction, WindowedDataset
from kinemyo.errors import KinemyoError
from kinemyo.fileio import atomic_file
from kinemyo.training.trainer import History


def save_figure(figure: Figure, data: pd.DataFrame, stem: str | Path) -> tuple[Path, Path]:
    """Write ``<stem>.png`` and ``<stem>.csv`` (the plotted data) atomically; close the figure."""
    stem = Path(stem)
    png, csv = stem.with_suffix(".png"), stem.with_suffix(".csv")
    try:
        with atomic_file(png) as tmp:
            figure.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
        with atomic_file(csv) as tmp:
            data.to_csv(tmp, index=False, float_format="%.6g")
    finally:
        plt.close(figure)
    return png, csv


def plot_trial(
    recording: Recording, start_s: float = 0.0, seconds: float = 4.0
) -> tuple[Figure, pd.DataFrame]:
    """Raw sEMG (one trace per channel, offset), joint angles (deg) and moments of one trial.

    Args:
        recording: the trial.
        start_s, seconds: the time span shown, s.
    """
    inside = (recording.time >= recording.time[0] + start_s) & (
        recording.time < recording.time[0] + start_s + seconds
    )
    part = recording.rows(inside)
    blocks = [
        (b, name)
        for b, name in (
            (part.emg, "sEMG"),
            (part.angles, "joint angle"),
            (part.moments, "joint moment"),
        )
        if b is not None
    ]
    figure, axes = plt.subplots(
        len(blocks), 1, figsize=(10, 3.2 * len(blocks)), sharex=True, squeeze=False
    )
    data = {"time_s": part.time}
    for ax, (block, title) in zip(axes[:, 0], blocks, strict=True):
        if title == "sEMG":
            spacing = 2.5 * float(np.abs(block.values).max(initial=1e-9))
            for k in range(block.n_channels):
                ax.plot(part.time, block.values[:, k] - k * spacing, lw=0.4)
            ax.set_yticks(-spacing * np.arange(block.n_channels), block.names, fontsize=7)
            ax.set_ylabel(f"{title} ({block.units[0]}, offset)")
        else:
            for k, channel in enumerate(block.names):
                ax.plot(
                    part.time,
                    block.values[:, k],
                    lw=1,
                    label=channel,
                    ls="-" if channel.startswith("left") else "--",
                )
            ax.set_ylabel(f"{title} ({block.units[0]})")
            ax.legend(fontsize=6, ncol=2, loc="upper right")
        for k, channel in enumerate(block.names):
            data[f"{title}: {channel} ({block.units[k]})"] = block.values[:, k]
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("time (s)")
    axes[0, 0].set_title(f"{recording.meta.name}: raw recording")
    return figure, pd.DataFrame(data)


def plot_features(
    data: WindowedDataset, channels: Sequence[str] | None = None
) -> tuple[Figure, pd.DataFrame]:
    """Time course of every feature of one trial's windows, one panel per feature.

    Args:
        data: the windows of a single trial (features as the pipeline gives them).
        channels: channels to draw (default: all).
    """
    if np.unique(data.trial).size != 1:
        raise KinemyoError("plot_features draws one trial; select its windows first.")
    channels = list(channels or data.channels)
    order = np.argsort(data.time)
    figure, axes = plt.subplots(
        len(data.features), 1, figsize=(10, 1.8 * len(data.features)), sharex=True, squeeze=False
    )
    table = {"time_s": data.time[order]}
    for f, (ax, feature) in enumerate(zip(axes[:, 0], data.features, strict=True)):
        for channel in channels:
            c = data.channels.index(channel)
            ax.plot(data.time[order], data.X[order, c, f], lw=0.8, label=channel)
            table[f"{feature}: {channel}"] = data.X[order, c, f]
        ax.set_ylabel(feature)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=6, ncol=3, loc="upper right")
    axes[0, 0].set_title(f"{data.trial[0]}: window features")
    axes[-1, 0].set_xlabel("time of the window's last sample (s)")
    return figure, pd.DataFrame(table)


def plot_predictions(
    truth: WindowedDataset, prediction: Prediction, joints: Sequence[str], title: str = ""
) -> tuple[Figure, pd.DataFrame]:
    """Predicted against true targets of held-out windows of one trial, +/- 2 sigma if known.

    Args:
        truth: the held-out windows of a single trial, with targets.
        prediction: the model's prediction for exactly those windows.
        joints: joints to draw; one row of panels per joint, one column per quantity.
        title: figure title.
    """
    if truth.Y is None or len(truth) != prediction.mean.shape[0]:
        raise KinemyoError("plot_predictions needs the targets of the predicted windows.")
    order = np.argsort(truth.time)
    time = truth.time[order]
    figure, axes = plt.subplots(
        len(joints),
        len(truth.quantities),
        figsize=(5 * len(truth.quantities), 2.4 * len(joints)),
        sharex=True,
        squeeze=False,
    )
    table = {"time_s": time}
    for row, joint in enumerate(joints):
        j = truth.joints.index(joint)
        for q, quantity in enumerate(truth.quantities):
            ax = axes[row, q]
            label = f"{joint} {quantity} ({truth.units[q]})"
            actual, mean = truth.Y[order, j, q], prediction.mean[order, j, q]
            ax.plot(time, actual, color="black", lw=1.2, label="measured")
            ax.plot(time, mean, color="tab:blue", lw=1, label="predicted")
            table[f"{label} measured"] = actual
            table[f"{label} predicted"] = mean
            if prediction.std is not None:
                band = 2 * prediction.std[order, j, q]
                ax.fill_between(
                    time, mean - band, mean + band, color="tab:blue", alpha=0.2, label="±2σ"
                )
                table[f"{label} sigma"] = prediction.std[order, j, q]
            ax.set_ylabel(label, fontsize=8)
            ax.grid(alpha=0.3)
    axes[0, -1].legend(fontsize=7, loc="upper right")
    for ax in axes[-1]:
        ax.set_xlabel("time (s)")
    if title:
        figure.suptitle(title)
    return figure, pd.DataFrame(table)


def prediction_curves(
    truth: WindowedDataset, prediction: Prediction, joints: Sequence[str], name: str
) -> list[tuple[str, np.ndarray, dict[str, np.ndarray], str]]:
    """Measured and predicted series of held-out windows of one trial, one per joint and
    quantity, for :meth:`~kinemyo.reporting.report.Report.curves`.

    Args:
        truth: the windows of a single trial, with targets; prediction: the model's estimate.
        joints: joints to include; name: the model's name (in each title).

    Returns:
        (title, time (T,) s in time order, {"measured", "predicted"} -> (T,) values, unit).
    """
    if truth.Y is None or len(truth) != prediction.mean.shape[0]:
        raise KinemyoError("prediction_curves needs the targets of the predicted windows.")
    order = np.argsort(truth.time)
    curves = []
    for joint in joints:
        j = truth.joints.index(joint)
        for q, quantity in enumerate(truth.quantities):
            series = {"measured": truth.Y[order, j, q], "predicted": prediction.mean[order, j, q]}
            title = f"{name}: {joint} {quantity}, {truth.trial[0]}"
            curves.append((title, truth.time[order], series, truth.units[q]))
    return curves


def plot_training_curves(
    histories: dict[tuple[str, str], History], title: str, *, train: bool = False
) -> tuple[Figure, pd.DataFrame]:
    """RMSE per epoch of several trainings: one panel per task, one colour per model;
    validation solid (dot: the epoch kept), training dashed if ``train`` (or without validation).

    Args:
        histories: (model, task) -> training history (standardised target units).
        title: figure title.
        train: also draw the training RMSE.
    """
    tasks = sorted({task for _, task in histories})
    models = list(dict.fromkeys(model for model, _ in histories))
    colours = dict(zip(models, plt.get_cmap("tab10").colors, strict=False))
    figure, axes = plt.subplots(
        1, len(tasks), figsize=(5.5 * len(tasks), 4), sharey=True, squeeze=False
    )
    rows = []
    for ax, task in zip(axes[0], tasks, strict=True):
        for (model, own_task), history in histories.items():
            if own_task != task:
                continue
            curves = {"validation": history.validation_rmse}
            if train or not history.validation_rmse:
                curves["training"] = history.train_rmse
            for kind, values in curves.items():
                epochs = np.arange(1, len(values) + 1)
                ax.plot(
                    epochs,
                    values,
                    color=colours.get(model),
                    lw=1.2,
                    ls="-" if kind == "validation" else "--",
                    label=model if kind == "validation" or not history.validation_rmse else None,
                )
                if kind == "validation" and values:
                    ax.plot(
                        history.best_epoch + 1,
                        values[history.best_epoch],
                        "o",
                        color=colours.get(model),
                    )
                rows += [
                    {"model": model, "task": task, "curve": kind, "epoch": e, "rmse": v}
                    for e, v in zip(epochs, values, strict=True)
                ]
        ax.set_title(task)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("RMSE (standardised targets)")
    axes[0, -1].legend(
        fontsize=7,
        title="solid: validation" + (", dashed: training" if train else ""),
        title_fontsize=7,
    )
    figure.suptitle(title)
    return figure, pd.DataFrame(rows)


def plot_forecast(
    context: np.ndarray,
    truth: np.ndarray,
    samples: np.ndarray,
    fs: float,
    title: str,
    unit: str,
    time_unit: str = "s",
) -> tuple[Figure, pd.DataFrame]:
    """A probabilistic forecast over the truth: the context, the median and the 50% and 90%
    central bands of the sample paths (the seed study's Figures 9-12).

    Args:
        context: (C,) the observed past; truth: (H,) what followed.
        samples: (S, H) sample paths of the forecast.
        fs: samples per ``time_unit`` (e.g. Hz for "s"; samples per cycle for "cycle").
        title: figure title; unit: the series' unit; time_unit: the time axis' unit.
    """
    horizon = truth.size
    past = (np.arange(context.size) - context.size) / fs
    future = np.arange(horizon) / fs
    q05, q25, q50, q75, q95 = np.quantile(samples, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    figure, ax = plt.subplots(figsize=(9, 3.5))
    ax.plot(past, context, color="black", lw=1, label="context")
    ax.plot(future, truth, color="black", lw=1, ls="--", label="truth")
    ax.fill_between(future, q05, q95, color="tab:blue", alpha=0.18, label="90% interval")
    ax.fill_between(future, q25, q75, color="tab:blue", alpha=0.35, label="50% interval")
    ax.plot(future, q50, color="tab:blue", lw=1.2, label="median")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel(f"time from the forecast start ({time_unit})")
    ax.set_ylabel(unit)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=3)
    data = pd.DataFrame(
        {
            f"time_{time_unit}": future,
            "truth": truth,
            "median": q50,
            "q05": q05,
            "q25": q25,
            "q75": q75,
            "q95": q95,
        }
    )
    return figure, data


def plot_crps_box(table: pd.DataFrame, metric: str, title: str) -> tuple[Figure, pd.DataFrame]:
    """Box plots of a forecast metric per model and quantity (the seed's Figure 13: angles vs
    torques).

    Args:
        table: one row per forecast window, with columns "model", "quantity" and ``metric``.
        metric: the column to draw, e.g. "wql" or "crps".
        title: figure title.
    """
    groups = table.groupby(["quantity", "model"])[metric]
    labels = [f"{model}\n{quantity}" for quantity, model in groups.groups]
    figure, ax = plt.subplots(figsize=(max(5, 1.4 * len(labels)), 4))
    ax.boxplot([values.to_numpy() for _, values in groups], tick_labels=labels)
    ax.set_ylabel(metric)
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="y")
    return figure, table[["model", "quantity", metric]].reset_index(drop=True)
