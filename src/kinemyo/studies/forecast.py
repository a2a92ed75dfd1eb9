"""Probabilistic forecasting of joint series: Lag-Llama against baselines (seasonal naive,
xLSTMTime with a Student-t head).

Each series is z-normalised with statistics of its training part (the first
``1 - test_fraction``), as in the seed study; the network is fine-tuned (or not) on training parts
only; forecasts are made at rolling origins in the held-out test part (``stride`` = horizon, so
the futures do not overlap), mapped back to the series' units and scored: the weighted quantile
loss that the Lag-Llama paper and the seed call "CRPS" (``crps_wql``), the sample CRPS in the
series' units (``crps_energy``), the MAE of the median and the 50% / 90% interval coverage.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Protocol

import numpy as np
import pandas as pd
import torch
from pydantic import Field

from kinemyo.errors import KinemyoError
from kinemyo.fileio import Destination, atomic_directory
from kinemyo.forecasting.baselines import SeasonalNaive
from kinemyo.forecasting.finetune import past_window
from kinemyo.forecasting.metrics import score_forecasts, summarise_scores, weighted_quantile_loss
from kinemyo.forecasting.series import JointSeries, ZScore, rolling_origins
from kinemyo.models.lagllama import LagLlamaNetwork
from kinemyo.models.lagllama.settings import MAX_CONTEXT
from kinemyo.provenance import package_versions
from kinemyo.reporting.figures import plot_crps_box, plot_forecast, save_figure
from kinemyo.reporting.report import Report
from kinemyo.settings import Seed, settings

SEED_CRPS = {"angle": "0.5161 ± 0.1140", "moment": "0.8430 ± 0.2571"}
"""The seed study's fine-tuned Lag-Llama "CRPS" (weighted quantile loss) on SIAT-LLMD."""


MODES = ("fast", "reference")
"""Lag-Llama decoding modes (see ``LagLlamaNetwork.sample``)."""

MAX_ABS_Z = 1e6
"""Farthest a value may lie from the mean of its series' training part, in standard deviations
of that part. Beyond it the value is not a joint series' (a corrupt cell), and the networks'
float32 arithmetic or the mapping of forecasts back to the series' units overflows."""

_FLOAT32_MAX = float(np.finfo(np.float32).max)


@settings
class ForecastSettings:
    """Context C and horizon P in steps, sample paths, decoding mode, windows per series.

    Raises:
        KinemyoError: a setting of the wrong type or out of range, naming it (sizes are
            integers >= 1, ``mode`` one of ``MODES``, ``test_fraction`` in (0, 1)).
    """

    context_length: Annotated[int, Field(ge=1, le=MAX_CONTEXT)] = 256
    horizon: Annotated[int, Field(ge=1, le=MAX_CONTEXT)] = 128
    num_samples: Annotated[int, Field(ge=1, le=100_000)] = 100
    mode: Literal[MODES] = "fast"
    test_fraction: Annotated[float, Field(gt=0, lt=1)] = 0.2
    max_windows: Annotated[int, Field(ge=1, le=100_000)] = 20
    seed: Seed = 0


def split_point(series: JointSeries, test_fraction: float) -> int:
    """First index of the test part of ``series``."""
    return int(len(series) * (1 - test_fraction))


def normalised_training_parts(
    series: Sequence[JointSeries], test_fraction: float
) -> list[np.ndarray]:
    """The z-normalised training part of each series (what fine-tuning may see).

    Raises:
        KinemyoError: ``test_fraction`` is not in (0, 1), naming it.
    """
    ForecastSettings(test_fraction=test_fraction)
    parts = []
    for s in series:
        train = s.values[: split_point(s, test_fraction)]
        parts.append(ZScore.fit(train).transform(train))
    return parts


def forecast_origins(series: JointSeries, settings: ForecastSettings) -> np.ndarray:
    """The forecast origins of ``series`` (:func:`rolling_origins`): every ``horizon`` steps in
    its test part, so futures do not overlap, none before a full context, at most
    ``max_windows`` spread evenly.

    Raises:
        KinemyoError: naming the series, when no test window fits.
    """
    start = max(split_point(series, settings.test_fraction), settings.context_length)
    origins = rolling_origins(
        len(series),
        settings.horizon,
        start=start,
        stride=settings.horizon,
        max_windows=settings.max_windows,
    )
    if origins.size == 0:
        raise KinemyoError(
            f"Series {series.name} ({len(series)} samples) has no test window of horizon "
            f"{settings.horizon} after its first {start} samples."
        )
    return origins


def check_series(series: Sequence[JointSeries], settings: ForecastSettings) -> None:
    """Refuse, before anything is forecast, a series that cannot be: one without a test window,
    or with a value farther than ``MAX_ABS_Z`` standard deviations from the mean of its training
    part, or whose forecasts within that range would overflow float32 in its units.

    Raises:
        KinemyoError: naming the series, and the sample at fault.
    """
    for s in series:
        forecast_origins(s, settings)
        zscore = ZScore.fit(s.values[: split_point(s, settings.test_fraction)])
        if abs(zscore.mean) + MAX_ABS_Z * zscore.std > _FLOAT32_MAX:
            raise KinemyoError(
                f"Series {s.name}: its training part (mean {zscore.mean:.3g}, sd {zscore.std:.3g} "
                f"{s.unit}) is too large to forecast in float32; a corrupt value? Check the data."
            )
        distance = np.abs((s.values.astype(np.float64) - zscore.mean) / zscore.std)
        if distance.max() > MAX_ABS_Z:
            at = int(np.argmax(distance))
            raise KinemyoError(
                f"Series {s.name}: sample {at} ({s.values[at]:.6g} {s.unit}) lies "
                f"{distance[at]:.3g} standard deviations from the mean of the training part "
                f"(more than {MAX_ABS_Z:g}); a corrupt value? Check the data."
            )


def _finite_forecasts(samples: np.ndarray, model: str, series: JointSeries) -> np.ndarray:
    """``samples`` (N, S, H), unless one is not finite (a KinemyoError naming model, series and
    window)."""
    bad = ~np.isfinite(samples)
    if bad.any():
        window = int(np.argmax(bad.any(axis=(1, 2))))
        raise KinemyoError(
            f"{model} made non-finite forecasts of series {series.name} (window {window} and "
            f"{int(bad.any(axis=(1, 2)).sum()) - 1} more); nothing was written."
        )
    return samples


class Baseline(Protocol):
    """A forecaster of z-normalised values: ``forecast(past, horizon, num_samples, rng)`` ->
    (num_samples, horizon) samples; it is given the whole past and uses what it needs."""

    def forecast(
        self, past: np.ndarray, horizon: int, num_samples: int, rng: np.random.Generator
    ) -> np.ndarray: ...


def forecast_series(
    network: LagLlamaNetwork | None,
    series: JointSeries,
    settings: ForecastSettings,
    baselines: Mapping[str, Baseline],
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Samples (N, S, H) and truths (N, H), in the series' units, per model."""
    zscore = ZScore.fit(series.values[: split_point(series, settings.test_fraction)])
    z = zscore.transform(series.values).astype(np.float32)
    origins = forecast_origins(series, settings)
    truth = np.stack([series.values[o : o + settings.horizon] for o in origins])
    rng = np.random.default_rng(settings.seed)
    out = {
        name: (
            _finite_forecasts(
                np.stack(
                    [
                        zscore.inverse(
                            baseline.forecast(z[:o], settings.horizon, settings.num_samples, rng)
                        )
                        for o in origins
                    ]
                ),
                name,
                series,
            ),
            truth,
        )
        for name, baseline in baselines.items()
    }
    if network is not None:
        pasts, observed = zip(
            *(past_window(z, o, settings.context_length) for o in origins), strict=True
        )
        generator = torch.Generator().manual_seed(settings.seed)
        with torch.no_grad():
            paths = network.sample(
                torch.as_tensor(np.stack(pasts)),
                settings.horizon,
                settings.num_samples,
                mode=settings.mode,
                generator=generator,
                past_observed=torch.as_tensor(np.stack(observed)),
                context_length=settings.context_length,
            )
        samples = _finite_forecasts(zscore.inverse(paths.numpy()), "lag-llama", series)
        out["lag-llama"] = (samples, truth)
    return out


@dataclass(frozen=True)
class ForecastResult:
    """Where the study wrote its report, its score table, and which model won per quantity."""

    report: Path
    table: pd.DataFrame
    verdicts: tuple[str, ...] = ()


WINNER_SCORE = "crps_wql_mean"
"""The score that ranks models: the mean weighted quantile loss across series (lower wins)."""

NAIVE = "seasonal naive"


def verdicts(summary: pd.DataFrame) -> tuple[str, ...]:
    """One sentence per quantity naming the model with the lowest :data:`WINNER_SCORE`, and
    saying plainly when that is the seasonal-naive baseline (no fitted model beat it).

    Args:
        summary: rows of ``quantity``, ``model`` and :data:`WINNER_SCORE` (the study's table).
    """
    sentences = []
    for quantity, rows in summary.groupby("quantity", sort=True):
        ranked = rows.sort_values(WINNER_SCORE)
        best = ranked.iloc[0]
        others = ", ".join(
            f"{r.model} {getattr(r, WINNER_SCORE):.4f}" for r in ranked.iloc[1:].itertuples()
        )
        sentence = f"{quantity}: {best['model']} wins (crps_wql {best[WINNER_SCORE]:.4f}" + (
            f"; {others})" if others else ")"
        )
        if best["model"] == NAIVE and len(ranked) > 1:
            sentence += (
                ". Seasonal naive, which repeats the last period, beat every fitted model "
                "on this score in this run."
            )
        sentences.append(sentence + ("" if sentence.endswith(".") else "."))
    return tuple(sentences)


def run_forecast_study(
    series: Sequence[JointSeries],
    out_dir: str | Path | Destination,
    *,
    network: LagLlamaNetwork | None,
    settings: ForecastSettings,
    model_note: str,
    baselines: Mapping[str, Baseline] | None = None,
    command: str = "",
    progress: Callable[[str], None] | None = None,
) -> ForecastResult:
    """Forecast every series, score, and write report.md, tables and figures atomically.

    Every series is checked (:func:`check_series`) before anything is forecast. ``baselines``
    default to a seasonal-naive forecaster."""
    check_series(series, settings)
    say = progress or (lambda message: None)
    baselines = baselines if baselines is not None else {NAIVE: SeasonalNaive()}
    per_model: dict[str, tuple[list, list, list]] = {}  # windows' samples, truths, series
    per_window = []
    examples = {}
    for s in series:
        say(f"forecasting {s.name}")
        for model, (samples, truth) in forecast_series(network, s, settings, baselines).items():
            windows, truths, owners = per_model.setdefault(model, ([], [], []))
            windows += list(samples)
            truths += list(truth)
            owners += [s] * len(truth)
            per_window += [
                {
                    "model": model,
                    "quantity": s.quantity,
                    "series": s.name,
                    "wql": weighted_quantile_loss(samples[i], truth[i]),
                }
                for i in range(len(truth))
            ]
            examples.setdefault((model, s.quantity), (s, samples[0], truth[0]))
    tables = [
        score_forecasts(windows, truths, owners).assign(model=model)
        for model, (windows, truths, owners) in per_model.items()
    ]
    table = pd.concat(tables, ignore_index=True)
    summary = pd.concat(
        [summarise_scores(t).assign(model=t["model"].iloc[0]) for t in tables], ignore_index=True
    )
    with atomic_directory(out_dir) as tmp:
        figures = []
        for (model, quantity), (s, samples, truth) in examples.items():
            origin = forecast_origins(s, settings)[0]
            context = s.values[origin - settings.context_length : origin]
            png, _ = save_figure(
                *plot_forecast(
                    context, truth, samples, s.fs, f"{model}: {s.name}", s.unit, s.time_unit
                ),
                tmp / "figures" / f"forecast_{model.replace(' ', '_')}_{quantity}",
            )
            figures.append((png, f"{model} forecast of {s.name} (median, 50% and 90% bands)."))
        png, _ = save_figure(
            *plot_crps_box(
                pd.DataFrame(per_window),
                "wql",
                "Weighted quantile loss ('CRPS' of the seed) per window",
            ),
            tmp / "figures" / "crps_box",
        )
        figures.append(
            (
                png,
                "Figure 13. Weighted quantile loss per forecast window, angles vs "
                "torques, per model.",
            )
        )
        table.to_csv(tmp / "scores.csv", index=False, float_format="%.6g")
        summary.to_csv(tmp / "summary.csv", index=False, float_format="%.6g")
        info = {
            "command": command,
            "settings": settings.__dict__,
            "model": model_note,
            "series": [s.name for s in series],
            "versions": package_versions(),
        }
        (tmp / "run.json").write_text(json.dumps(info, indent=2, default=str))
        _report(summary, settings, model_note, figures, info, tmp).write(tmp / "report.md")
    return ForecastResult(Destination.of(out_dir).path / "report.md", summary, verdicts(summary))


def _report(
    summary: pd.DataFrame,
    settings: ForecastSettings,
    model_note: str,
    figures: list,
    info: dict,
    folder: Path,
) -> Report:
    report = Report("kinemyo: probabilistic forecasting of joint series")
    report.text("Which model wins", " ".join(verdicts(summary)))
    report.text(
        "What was done",
        (
            f"Lag-Llama ({model_note}) and the baselines forecast"
            if "lag-llama" in set(summary["model"])
            else f"Lag-Llama was {model_note}; the baselines forecast"
        )
        + f" {settings.horizon} "
        f"steps from a context of {settings.context_length}, {settings.num_samples} sample paths, "
        f"decoding mode `{settings.mode}`"
        + (
            " (scaler frozen after the context and a key/value cache: a different model of the "
            "future than the reference decoding)"
            if settings.mode == "fast"
            else ""
        )
        + f". Forecast origins lie in the last {settings.test_fraction:.0%} of each series, which "
        "no model was trained on; series are z-normalised with their training part's statistics.",
    )
    shown = summary.copy()
    report.table(
        shown,
        "Table 1. Mean ± sd across series, per quantity and model. crps_wql is the "
        "weighted quantile loss (what the Lag-Llama paper and the seed call CRPS), computed as "
        "GluonTS' mean_wQuantileLoss (the same sample-quantile rule); crps_energy is the "
        "sample CRPS in the series' units.",
    )
    report.text(
        "Beside the seed study",
        f"The seed reports, after fine-tuning on SIAT-LLMD joint series, CRPS (weighted quantile "
        f"loss) {SEED_CRPS['angle']} for joint angles and {SEED_CRPS['moment']} for joint torques. "
        "Those are other data and settings: the comparison places our numbers, it does not rank "
        "them.",
    )
    for path, caption in figures:
        report.figure(path, caption, folder)
    report.model_card(
        data=f"{len(info['series'])} joint series: {', '.join(info['series'])}.",
        protocol=f"forecast origins in the last {settings.test_fraction:.0%} of each series; "
        f"horizon {settings.horizon} steps from a context of {settings.context_length}.",
        fitted=f"Lag-Llama: {model_note}; the z-normalisation of every series and any "
        "fine-tuning on the series' training parts only.",
        limits=[f"Measured on these {len(info['series'])} series and this horizon only."],
    )
    report.run_info({k: info[k] for k in ("command", "settings", "model", "versions")})
    return report
