"""``kinemyo experiment``: published protocols run end to end (``kinemyo experiment lstam``)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from kinemyo.cli.console import comma_list, console, exit_on_failures, progress_bar, task_display
from kinemyo.cli.options import (
    JobsOption,
    MlflowOption,
    RayAddressOption,
    RayOption,
    SeedsOption,
    parse_seeds,
)
from kinemyo.cli.outputs import OverwriteOption, output_folder
from kinemyo.studies.lstam_models import MAX_EPOCHS, MAX_EVERY, MAX_HIDDEN, MAX_WINDOW, MODELS

app = typer.Typer(help="Published experiments, run end to end.", no_args_is_help=True)


@app.command()
def lstam(
    data: Annotated[
        Path,
        typer.Option(
            "--data", exists=True, help="Dataset with ambulation modes: a Camargo-layout root."
        ),
    ],
    subjects: Annotated[
        str | None, typer.Option(help="Comma-separated subjects, e.g. AB06,AB07 (default: all).")
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Run folder; replaced atomically if kinemyo wrote it.")
    ] = Path("runs/lstam"),
    models: Annotated[
        str, typer.Option(help=f"Comma-separated models among: {', '.join(MODELS)}.")
    ] = ",".join(MODELS),
    train_trial: Annotated[
        str, typer.Option(help="The treadmill trial each subject trains on.")
    ] = "treadmill_01_01",
    epochs: Annotated[int, typer.Option(min=1, max=MAX_EPOCHS, help="Most epochs per model.")] = 60,
    hidden: Annotated[
        int, typer.Option(min=1, max=MAX_HIDDEN, help="Hidden size of every model.")
    ] = 64,
    every: Annotated[
        int, typer.Option(min=1, max=MAX_EVERY, help="Keep every n-th 200 Hz frame (2: 100 Hz).")
    ] = 2,
    window: Annotated[
        int,
        typer.Option(
            min=2, max=MAX_WINDOW, help="Frames in LSTAM's FFT window and the FFN's input window."
        ),
    ] = 32,
    seeds: SeedsOption = "0",
    overwrite: OverwriteOption = False,
    mlflow: MlflowOption = None,
    jobs: JobsOption = 1,
    ray: RayOption = False,
    ray_address: RayAddressOption = None,
) -> None:
    """LSTAM for hip moments (Xiong et al. 2026): per subject, train on ONE treadmill trial and
    test on every other trial (treadmill speeds, level ground, ramps); LSTAM against LSTM, TCN,
    Transformer and a feed-forward network, and against its ablations (no_fft, no_autoencoder,
    no_attention). Writes the comparison, ablation, per-condition and statistics tables, figures
    and report.md.

    Every (subject, model, seed) fit is a task; rerun the same command after an interruption and
    the finished ones are skipped (see README, "Experiments at scale").

    Example: kinemyo experiment lstam --data /tmp/camargo --subjects AB01,AB02 --jobs 2
    """
    from kinemyo.data.datasets import read_experiment_trials
    from kinemyo.experiments.executors import Execution
    from kinemyo.experiments.store import TaskStore
    from kinemyo.reporting.report import markdown_table
    from kinemyo.studies.lstam import ExperimentConfig, describe, run_experiment
    from kinemyo.studies.lstam_report import write_experiment

    destination = output_folder(out, overwrite, data)
    execution = Execution(jobs=jobs, ray=ray, ray_address=ray_address)
    chosen_seeds = parse_seeds(seeds)
    config = ExperimentConfig(
        train_trial=train_trial,
        every=every,
        models=tuple(comma_list(models) or ()),
        hidden=hidden,
        epochs=epochs,
        window=window,
        seed=chosen_seeds[0],
    )
    with progress_bar("Reading") as progress:
        dataset = read_experiment_trials(data, subjects=comma_list(subjects), progress=progress)
    for item in dataset.missing:
        console.print(f"[yellow]Missing:[/] {escape(str(item))}", highlight=False)
    with task_display(f"Experiment ({execution.describe()})") as progress:
        result = run_experiment(
            dataset,
            config,
            seeds=chosen_seeds,
            execution=execution,
            store=TaskStore.for_output(out),
            progress=progress,
        )
    info = describe(config, dataset, shlex.join(["kinemyo", *sys.argv[1:]]), chosen_seeds)
    report, table = write_experiment(result, config, destination, info)
    keep = ["model"] + [c for c in table.columns if "RMSE (N·m)" in c or c.endswith(" R2")]
    console.print(markdown_table(table[keep]), soft_wrap=True)
    console.print(f"Report: [bold]{report}[/]")
    if mlflow:
        from kinemyo.tracking import log_run

        run_id = log_run(
            mlflow,
            report.parent,
            experiment="kinemyo experiment lstam",
            params={k: info[k] for k in ("command", "config", "models", "data")},
            scores=result.scores[result.scores["scope"] == "all"],
            by=("model", "joint", "metric", "unit"),
        )
        console.print(f"MLflow run {run_id} logged to {escape(mlflow)}", highlight=False)
    exit_on_failures(result.failures)
