"""``kinemyo finetune`` and ``kinemyo forecast``: Lag-Llama and baselines on joint angle and moment
series."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kinemyo.cli.console import console, training_display
from kinemyo.cli.modelling import DataPath, MotionsOption, SubjectsOption, _read
from kinemyo.cli.options import SeedOption, finite
from kinemyo.cli.outputs import OverwriteOption, output_folder
from kinemyo.errors import KinemyoError

if TYPE_CHECKING:
    from kinemyo.forecasting.series import JointSeries

MAX_STEPS = 100_000
ContextOption = Annotated[int, typer.Option(min=1, max=MAX_STEPS, help="Context length C, steps.")]
RateOption = Annotated[
    float,
    typer.Option(
        min=1.0, max=10_000.0, callback=finite, help="Resample recordings to this rate, Hz."
    ),
]
TestFractionOption = Annotated[
    float,
    typer.Option(
        min=0.01,
        max=0.99,
        callback=finite,
        help="Held-out end of each series (a fraction between 0 and 1).",
    ),
]
KNEE_PERIOD = (150, 260)
"""Seasonal-naive period search range for the knee npz: its 101-point 'cycles' are mostly half
strides, so a stride is about 202 samples."""


def _series(data: Path, fs: float, motions: str | None, subjects: str | None) -> list[JointSeries]:
    """The knee-cycles .npz's fragments, or every joint series of a dataset's recordings."""
    from kinemyo.forecasting.series import series_from_knee_cycles, series_from_recordings

    if data.suffix == ".npz":
        return series_from_knee_cycles(data)
    return series_from_recordings(_read(data, subjects, motions), fs=fs)


def _rope(context: int, horizon: int) -> float:
    """The usual linear RoPE scaling for contexts beyond the checkpoint's 32: (C + P) / 32."""
    return max(1.0, (context + horizon) / 32)


def finetune(
    data: DataPath,
    out: Annotated[Path, typer.Option("--out", help="Folder for the fine-tuned network.")],
    ckpt: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="Official lag-llama.ckpt to start from (else scratch).",
        ),
    ] = None,
    context: ContextOption = 512,
    horizon: Annotated[
        int, typer.Option(min=1, max=MAX_STEPS, help="Horizon P of training windows, steps.")
    ] = 128,
    epochs: Annotated[int, typer.Option(min=1, help="At most this many epochs.")] = 50,
    learning_rate: Annotated[
        float,
        typer.Option(min=1e-8, max=1.0, callback=finite, help="Adam's learning rate."),
    ] = 1e-4,
    windows: Annotated[int, typer.Option(min=1, help="Training windows per epoch.")] = 256,
    batch_size: Annotated[
        int, typer.Option(min=1, max=65_536, help="Training windows per optimiser step.")
    ] = 16,
    layers: Annotated[
        int, typer.Option(min=1, max=64, help="Blocks of a network built from scratch.")
    ] = 8,
    fs: RateOption = 100.0,
    motions: MotionsOption = None,
    subjects: SubjectsOption = None,
    test_fraction: TestFractionOption = 0.2,
    seed: SeedOption = 0,
    overwrite: OverwriteOption = False,
) -> None:
    """Fine-tune Lag-Llama on the training part of every joint series (teacher-forced NLL, Adam,
    early stopping on a validation part; the last --test-fraction is never seen). DATA may also
    be the knee-cycles .npz of the real fragments.

    Example: kinemyo finetune ../shared/data/real/siat_llmd_right_knee_wak_cycles.npz --out runs/ll
    """
    import torch

    from kinemyo.forecasting.finetune import FinetuneConfig, history_dict, save_network
    from kinemyo.forecasting.finetune import finetune as finetune_network
    from kinemyo.models.lagllama import LagLlamaNetwork, network_from_checkpoint
    from kinemyo.studies.forecast import normalised_training_parts

    destination = output_folder(out, overwrite, data, ckpt)
    series = _series(data, fs, motions, subjects)
    if ckpt is not None:
        network = network_from_checkpoint(ckpt, rope_scaling=_rope(context, horizon))
    else:
        torch.manual_seed(seed)
        network = LagLlamaNetwork(
            context_length=context, n_layer=layers, rope_scaling=_rope(context, horizon)
        )
    config = FinetuneConfig(
        context_length=context,
        horizon=horizon,
        epochs=epochs,
        learning_rate=learning_rate,
        windows_per_epoch=windows,
        batch_size=batch_size,
        seed=seed,
    )
    with training_display(f"Fine-tuning on {len(series)} series", metric="NLL") as display:
        history = finetune_network(
            network,
            normalised_training_parts(series, test_fraction),
            config,
            on_epoch=display.epoch,
            on_step=display.step,
        )
    save_network(
        network,
        destination,
        {
            "source": str(ckpt) if ckpt else "scratch",
            "history": history_dict(history),
            "series": [s.name for s in series],
            "test_fraction": test_fraction,
            "command": shlex.join(["kinemyo", *sys.argv[1:]]),
        },
    )
    console.print(
        f"Best validation NLL {min(history.validation_nll):.4f} at epoch "
        f"{history.best_epoch + 1}; saved to [bold]{out}[/]"
    )


def forecast(
    data: DataPath,
    out: Annotated[Path, typer.Option("--out", help="Folder of the report.")] = Path(
        "runs/forecast"
    ),
    ckpt: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Official lag-llama.ckpt (zero-shot)."),
    ] = None,
    run: Annotated[
        Path | None,
        typer.Option(exists=True, file_okay=False, help="Folder from `kinemyo finetune`."),
    ] = None,
    context: ContextOption = 256,
    horizon: Annotated[int, typer.Option(min=1, max=MAX_STEPS, help="Horizon P, steps.")] = 128,
    samples: Annotated[
        int, typer.Option(min=2, max=10_000, help="Sample paths per forecast.")
    ] = 100,
    fast: Annotated[bool, typer.Option("--fast", help="Frozen scaler + KV cache.")] = False,
    windows: Annotated[int, typer.Option(min=1, help="Forecast windows per series.")] = 20,
    fs: RateOption = 100.0,
    motions: MotionsOption = None,
    subjects: SubjectsOption = None,
    test_fraction: TestFractionOption = 0.2,
    seed: SeedOption = 0,
    xlstmtime_epochs: Annotated[
        int, typer.Option(min=0, help="Epochs of the xLSTMTime baseline (0: leave it out).")
    ] = 20,
    overwrite: OverwriteOption = False,
) -> None:
    """Forecast joint series at rolling origins in their held-out part with two baselines,
    seasonal naive and xLSTMTime with a Student-t head (trained on the training parts), and
    Lag-Llama when given (zero-shot from --ckpt or fine-tuned from --run; without either, the
    baselines run alone); write the CRPS table (weighted quantile loss and sample CRPS),
    coverage, which model wins per quantity, forecast figures and report.md. DATA may also be the
    knee-cycles .npz of the real fragments.

    Example: kinemyo forecast KNEE.npz --xlstmtime-epochs 5 --out runs/forecast
    """
    from kinemyo.forecasting.baselines import SeasonalNaive
    from kinemyo.forecasting.finetune import load_network
    from kinemyo.forecasting.xlstmtime import XLSTMTimeForecaster
    from kinemyo.models.lagllama import network_from_checkpoint
    from kinemyo.reporting.report import markdown_table
    from kinemyo.studies.forecast import (
        ForecastSettings,
        check_series,
        normalised_training_parts,
        run_forecast_study,
    )

    if ckpt is not None and run is not None:
        raise KinemyoError("Give at most one of --ckpt (zero-shot) or --run (fine-tuned).")
    destination = output_folder(out, overwrite, data, ckpt, run)
    network, note = None, "not run (no --ckpt or --run): baselines only"
    if ckpt is not None:
        network = network_from_checkpoint(ckpt, rope_scaling=_rope(context, horizon))
        note = f"zero-shot from {ckpt}"
    elif run is not None:
        network, meta = load_network(run)
        note = f"fine-tuned in {run} (from {meta.get('source', '?')})"
    series = _series(data, fs, motions, subjects)
    settings = ForecastSettings(
        context_length=context,
        horizon=horizon,
        num_samples=samples,
        mode="fast" if fast else "reference",
        max_windows=windows,
        test_fraction=test_fraction,
        seed=seed,
    )
    check_series(series, settings)  # before any training or forecasting
    seasonal = (
        SeasonalNaive(min_period=KNEE_PERIOD[0], max_period=KNEE_PERIOD[1])
        if (data.suffix == ".npz")
        else SeasonalNaive()
    )
    baselines = {"seasonal naive": seasonal}
    if xlstmtime_epochs > 0:
        with training_display("Training the xLSTMTime baseline", metric="NLL") as display:
            baselines["xlstmtime"] = XLSTMTimeForecaster(
                context_length=context, horizon=horizon, epochs=xlstmtime_epochs, seed=seed
            ).fit(
                normalised_training_parts(series, test_fraction),
                on_epoch=display.epoch,
                on_step=display.step,
            )
    with console.status("Forecasting") as status:
        result = run_forecast_study(
            series,
            destination,
            network=network,
            settings=settings,
            model_note=note,
            baselines=baselines,
            command=shlex.join(["kinemyo", *sys.argv[1:]]),
            progress=status.update,
        )
    console.print(markdown_table(result.table), soft_wrap=True)
    for sentence in result.verdicts:
        console.print(sentence, highlight=False)
    console.print(f"Report: [bold]{result.report}[/]")
