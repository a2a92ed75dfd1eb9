"""``kinemyo preprocess``, ``kinemyo fit`` and ``kinemyo evaluate``."""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kinemyo.cli.console import (
    comma_list,
    console,
    exit_on_failures,
    progress_bar,
    task_display,
    training_display,
)
from kinemyo.cli.options import (
    CalibrateOn,
    JobsOption,
    MlflowOption,
    PredictionFormat,
    RayAddressOption,
    RayOption,
    SeedsOption,
    interval_levels,
    parse_seeds,
)
from kinemyo.cli.outputs import OverwriteOption, output_file, output_folder
from kinemyo.errors import KinemyoError
from kinemyo.fileio import atomic_directory, atomic_file

if TYPE_CHECKING:
    from kinemyo.data.recording import Recording
    from kinemyo.data.windowed import WindowedDataset
    from kinemyo.signal.pipeline import SignalPipeline

# Commands import numpy, pandas, torch and the studies inside their bodies, so that `kinemyo
# --help` and every command's --help start in a fraction of a second.

DataPath = Annotated[
    Path,
    typer.Argument(
        exists=True,
        help="Dataset: a SIAT-LLMD tree, subject folder or CSV file, a Camargo root, or a "
        "manifest (.yaml) of OpenSim, C3D or CSV trials.",
    ),
]
RunPath = Annotated[
    Path, typer.Argument(exists=True, file_okay=False, help="Folder written by `kinemyo fit`.")
]
ConfigOption = Annotated[str, typer.Option("--config", help="Preset name or YAML file.")]
SubjectsOption = Annotated[
    str | None, typer.Option(help="Comma-separated subjects, e.g. Sub01,Sub02 (default: all).")
]
MotionsOption = Annotated[
    str | None, typer.Option(help="Comma-separated motion codes, e.g. DNS,UPS (default: all).")
]
AllowImplausibleOption = Annotated[
    bool,
    typer.Option(
        "--allow-implausible",
        help="Process samples beyond their unit's plausible range (e.g. |moment| > 1000 N·m) "
        "instead of refusing the recording.",
    ),
]
OutOption = Annotated[
    Path,
    typer.Option(
        "--out",
        help="Folder to write; replaced atomically, only if kinemyo wrote it (else --overwrite).",
    ),
]


def _read(data: Path, subjects: str | None, motions: str | None) -> list[Recording]:
    from kinemyo.data.datasets import read_dataset

    return read_dataset(data, subjects=comma_list(subjects), tasks=comma_list(motions))


def _windowed(
    recordings: list[Recording], pipeline: SignalPipeline, *, fit: bool
) -> WindowedDataset:
    with progress_bar("Cutting windows") as progress:
        windows = pipeline.window(recordings, progress=progress)
    return pipeline.fit_transform(windows) if fit else pipeline.transform(windows)


def _provenance(recordings: list[Recording]) -> dict:
    from kinemyo.provenance import fingerprint, package_versions

    return {
        "trials": {rec.meta.name: fingerprint([rec]) for rec in recordings},
        "data_fingerprint": fingerprint(recordings),
        "versions": package_versions(),
    }


def _shape_text(data: WindowedDataset) -> str:
    n, c, f = data.X.shape
    text = f"features {n} x {c} x {f} ({', '.join(data.features)})"
    if data.Y is not None:
        text += f", targets {n} x {data.Y.shape[1]} x {data.Y.shape[2]} "
        text += (
            f"({', '.join(f'{q} {u}' for q, u in zip(data.quantities, data.units, strict=True))})"
        )
    return text


def preprocess(
    data: DataPath,
    out: OutOption,
    config: ConfigOption = "seed-siat",
    subjects: SubjectsOption = None,
    motions: MotionsOption = None,
    overwrite: OverwriteOption = False,
    allow_implausible: AllowImplausibleOption = False,
) -> None:
    """Run the sEMG pipeline and write the feature/target tensors.

    Writes windows.safetensors (X: N x C x F features, Y: N x J x Q targets), windows.csv (subject,
    task, trial, segment, time of each window), dataset.json (names, units, config, data
    fingerprint, versions) and pipeline/ (the fitted scalers). The scalers are fitted on all the
    windows given, which suits an export; `kinemyo fit` and the demo fit them on training windows.

    Example: kinemyo preprocess runs/cohort --config seed-siat --motions DNS,UPS --out runs/pre
    """
    import pandas as pd
    from safetensors.numpy import save_file

    from kinemyo.config import load_config
    from kinemyo.signal.pipeline import SignalPipeline

    destination = output_folder(out, overwrite, data)
    settings = load_config(config)
    recordings = _read(data, subjects, motions)
    pipeline = SignalPipeline(settings, allow_implausible=allow_implausible)
    dataset = _windowed(recordings, pipeline, fit=True)
    arrays = {"X": dataset.X} | ({"Y": dataset.Y} if dataset.Y is not None else {})
    with atomic_directory(destination) as tmp:
        save_file(arrays, str(tmp / "windows.safetensors"))
        pd.DataFrame(
            {
                name: getattr(dataset, name)
                for name in ("subject", "task", "trial", "segment", "time")
            }
        ).to_csv(tmp / "windows.csv", index=False)
        names = {
            k: list(getattr(dataset, k))
            for k in ("channels", "features", "joints", "quantities", "units")
        }
        meta = {**names, "config": settings.model_dump(mode="json"), **_provenance(recordings)}
        (tmp / "dataset.json").write_text(json.dumps(meta, indent=2))
        pipeline.save(tmp / "pipeline")
    console.print(f"Wrote {_shape_text(dataset)} to [bold]{out}[/]")


PresetOption = Annotated[
    str, typer.Option(help="Model parameter preset: default or seed-xlstm (sequence models).")
]


def _model_params(model: str, preset: str, param: list[str] | None) -> dict:
    """The preset's parameters of ``model``, overridden by NAME=VALUE items (JSON values)."""
    from kinemyo.models.presets import preset_params
    from kinemyo.models.registry import available

    if model not in available():
        raise KinemyoError(f"Unknown model '{model}'; available: {', '.join(available())}.")
    params = preset_params(model, preset)
    for item in param or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise KinemyoError(f"--param '{item}' is not NAME=VALUE.")
        try:
            params[name] = json.loads(value)
        except json.JSONDecodeError:
            params[name] = value
    return params


def fit(
    model: Annotated[str, typer.Argument(help="Model name: gpr, ridge, mean, lstm, xlstm, ...")],
    data: DataPath,
    out: OutOption,
    config: ConfigOption = "seed-siat",
    subjects: SubjectsOption = None,
    motions: MotionsOption = None,
    preset: PresetOption = "default",
    param: Annotated[
        list[str] | None, typer.Option(help="Model parameter NAME=VALUE (JSON value); repeat.")
    ] = None,
    calibrate_on: Annotated[
        CalibrateOn,
        typer.Option(
            help="Which training windows calibrate the 50% and 90% intervals: held-out "
            "subjects (for use on new subjects; cross-conformal over up to 5 folds of "
            "subjects, 5 extra fits), tasks, or the end of every trial in time. With one "
            "subject (task), the end of every trial.",
        ),
    ] = CalibrateOn.SUBJECT,
    levels: Annotated[
        str,
        typer.Option(
            callback=interval_levels,
            help="Nominal coverages of the intervals, in %, comma-separated.",
        ),
    ] = "50,90",
    overwrite: OverwriteOption = False,
    allow_implausible: AllowImplausibleOption = False,
) -> None:
    """Fit the pipeline and a model on DATA (all of it is training data), with calibrated 50%
    and 90% intervals (--levels): by default cross-conformal over held-out subjects (copies of the
    pipeline and model fitted without each fold of subjects predict it; their errors calibrate;
    the model is fitted on all of DATA); with one subject, or --calibrate-on time, a copy fitted
    on the first 80% of every trial predicts the last 20%, whose errors calibrate, and the model
    is refitted on all of DATA.

    Writes pipeline/ and model/ (JSON + safetensors, no pickle; the intervals are saved with the
    model) and run.json, which lists the training trials so that `kinemyo evaluate` can refuse to
    score them.

    Example: kinemyo fit xlstm runs/cohort --config seed-sequence --preset seed-xlstm --out runs/x
    """
    from kinemyo.config import load_config
    from kinemyo.evaluation.calibration import IntervalSettings, fit_with_intervals
    from kinemyo.experiment import calibration_folds
    from kinemyo.models.registry import create
    from kinemyo.models.sequence import SequenceRegressor
    from kinemyo.signal.pipeline import SignalPipeline

    params = _model_params(model, preset, param)
    estimator = create(model, **params)  # bad parameters are refused before any work
    destination = output_folder(out, overwrite, data)
    settings = load_config(config)
    recordings = _read(data, subjects, motions)
    pipeline = SignalPipeline(settings, allow_implausible=allow_implausible)
    with progress_bar("Cutting windows") as progress:
        windows = pipeline.window(recordings, progress=progress)
    dataset = pipeline.fit_transform(windows)
    intervals = IntervalSettings(
        levels=tuple(float(level) / 100 for level in levels.split(",")),
        held_out=calibrate_on.value,
        gap_windows=windows.gap_windows,
    )
    folds = calibration_folds(windows, settings, intervals)
    with training_display(f"Fitting {model} on {len(dataset)} windows") as display:
        if isinstance(estimator, SequenceRegressor):
            estimator.on_epoch = display.epoch
        fit_with_intervals(estimator, dataset, intervals, folds)
    with atomic_directory(destination) as tmp:
        pipeline.save(tmp / "pipeline")
        estimator.save(tmp / "model")
        run = {
            "model": model,
            "params": params,
            "config": settings.model_dump(mode="json"),
            **_provenance(recordings),
        }
        (tmp / "run.json").write_text(json.dumps(run, indent=2))
    console.print(f"Fitted {model} on {_shape_text(dataset)}; saved to [bold]{out}[/]")
    if estimator.intervals_ is not None:
        console.print(f"Intervals: {estimator.intervals_.calibration}.")


def evaluate(
    run: RunPath,
    data: DataPath,
    subjects: SubjectsOption = None,
    motions: MotionsOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write scores.csv and summary.csv here.")
    ] = None,
    overwrite: OverwriteOption = False,
    allow_implausible: AllowImplausibleOption = False,
) -> None:
    """Score a fitted model on DATA: MAE, RMSE, NRMSE, R2, Pearson r and VAF per subject, task,
    joint and quantity, the coverage (%) and width of its calibrated intervals (and of GPR's own
    posterior), and mean ± sd across subjects. Trials the model was trained on are refused, so
    every number is on unseen data.

    Example: kinemyo evaluate runs/gpr runs/cohort --motions DNS --subjects Sub04,Sub05,Sub06
    """
    from kinemyo.evaluation.metrics import average_over, interval_metrics, score, summarise
    from kinemyo.models.base import load_model
    from kinemyo.provenance import fingerprint
    from kinemyo.reporting.report import markdown_table
    from kinemyo.saved import read_fit_record
    from kinemyo.signal.pipeline import SignalPipeline

    destination = None if out is None else output_folder(out, overwrite, run, data)
    trained = read_fit_record(run)
    recordings = _read(data, subjects, motions)
    seen = [
        rec.meta.name
        for rec in recordings
        if trained.trials.get(rec.meta.name) == fingerprint([rec])
    ]
    if seen:
        raise KinemyoError(
            f"Trial(s) {seen} were used to train the model in {run}; scores on them would be "
            "optimistic. Evaluate on other subjects, motions or trials."
        )
    pipeline = SignalPipeline.load(run / "pipeline")
    pipeline.allow_implausible = allow_implausible
    dataset = _windowed(recordings, pipeline, fit=False)
    estimator = load_model(run / "model")
    prediction = estimator.predict(dataset)
    scores = score(dataset, prediction, by=("subject", "task"))
    summary = summarise(average_over(scores, "joint"), across="subject")
    coverages = [m for m in interval_metrics(summary) if "coverage" in m]
    shown = summary[summary["metric"].isin(["mae", "rmse", "r2", "nrmse", *coverages])]
    console.print(
        f"{trained.model} on {len(dataset)} unseen windows "
        "(metrics averaged over joints; mean and sd across subjects):"
    )
    console.print(markdown_table(shown), soft_wrap=True)
    if destination is not None:
        with atomic_directory(destination) as tmp:
            scores.to_csv(tmp / "scores.csv", index=False, float_format="%.6g")
            summary.to_csv(tmp / "summary.csv", index=False, float_format="%.6g")
        console.print(f"Scores written to [bold]{out}[/]")


def predict(
    run: RunPath,
    data: DataPath,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="CSV file; with --format sto a .sto file (DATA of one trial) or a folder "
            "(one <trial>.sto per trial).",
        ),
    ],
    subjects: SubjectsOption = None,
    motions: MotionsOption = None,
    output_format: Annotated[
        PredictionFormat,
        typer.Option("--format", help="csv: one table; sto: OpenSim storage files."),
    ] = PredictionFormat.CSV,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace --out if it exists (never an input).")
    ] = False,
    allow_implausible: AllowImplausibleOption = False,
) -> None:
    """Predict the joint angles and moments of every window of DATA with a fitted model (DATA
    needs only EMG), with the bounds of its calibrated 50% and 90% intervals.

    CSV: one row per window: subject, task, trial, time (s) and each joint's predicted angle and
    moment, its sigma for probabilistic models and its bounds ("left knee flexion moment lo90
    (N·m)", "... hi90 ..."), with units. --format sto: OpenSim storage files, one column per
    joint quantity in OpenSim's names (knee_angle_l, hip_flexion_l_moment) and its bounds
    (knee_angle_l_lo90, ...), to open beside the ID results; --out is a .sto file when DATA holds
    one trial, else a folder with one <trial>.sto per trial.

    Example: kinemyo predict runs/gpr runs/cohort --motions DNS --subjects Sub05 --format sto \
    --out runs/pred
    """
    from kinemyo.data.opensim import write_storage
    from kinemyo.data.predictions import prediction_table, trial_storage, trial_windows
    from kinemyo.models.base import load_model
    from kinemyo.signal.pipeline import SignalPipeline

    one_file = output_format is PredictionFormat.CSV or out.suffix.lower() == ".sto"
    destination = (
        output_file(out, overwrite, run, data)
        if one_file
        else output_folder(out, overwrite, run, data)
    )
    recordings = _read(data, subjects, motions)
    if output_format is PredictionFormat.STO and one_file and len(recordings) > 1:
        raise KinemyoError(
            f"--out {out} is one .sto file but DATA holds {len(recordings)} trials; give a "
            "folder as --out (one <trial>.sto per trial) or choose one trial with --subjects "
            "and --motions."
        )
    pipeline = SignalPipeline.load(run / "pipeline")
    pipeline.allow_implausible = allow_implausible
    dataset = _windowed(recordings, pipeline, fit=False)
    prediction = load_model(run / "model").predict(dataset)
    if output_format is PredictionFormat.CSV:
        with atomic_file(out) as tmp:
            prediction_table(dataset, prediction).to_csv(tmp, index=False, float_format="%.6g")
    else:
        tables = {
            trial: trial_storage(dataset, prediction, trial, index)
            for trial, index in trial_windows(dataset.trial)
        }
        if one_file:
            write_storage(out, next(iter(tables.values())))
        else:
            with atomic_directory(destination) as tmp:
                for trial, table in tables.items():
                    write_storage(tmp / f"{_file_stem(trial)}.sto", table)
    console.print(f"Predicted {len(dataset)} windows; written to [bold]{out}[/]")


def _file_stem(name: str) -> str:
    """``name`` with every character but letters, digits, '-', '_' and '.' replaced by '_'."""
    return re.sub(r"[^\w.-]", "_", name)


def compare(
    data: DataPath,
    models: Annotated[str, typer.Option(help="Comma-separated model names.")] = (
        "gpr,ridge,lstm,tcn,transformer,slstm,mlstm,xlstm,xlstmtime"
    ),
    protocol: Annotated[
        str,
        typer.Option(help="within-trial, loso, cross-task or random-kfold (the seed's, leaky)."),
    ] = "within-trial",
    out: OutOption = Path("runs/compare"),
    config: ConfigOption = "seed-sequence",
    preset: PresetOption = "default",
    subjects: SubjectsOption = None,
    motions: MotionsOption = "DNS,UPS",
    train_tasks: Annotated[str | None, typer.Option(help="cross-task: training tasks.")] = None,
    test_tasks: Annotated[str | None, typer.Option(help="cross-task: test tasks.")] = None,
    overwrite: OverwriteOption = False,
    allow_implausible: AllowImplausibleOption = False,
    mlflow: MlflowOption = None,
    seeds: SeedsOption = "0",
    jobs: JobsOption = 1,
    ray: RayOption = False,
    ray_address: RayAddressOption = None,
) -> None:
    """Fit and score several models under one protocol; write a table (MAE, RMSE, NRMSE, R2, r
    for angles and moments, coverage and width of the calibrated 90% and 50% intervals, GPR's
    posterior coverage, training time, parameters), training curves, predictions per joint and
    report.md. Every number is on test windows the models did not train on.

    Every (split, model, seed) fit is a task; rerun the same command after an interruption and
    the finished ones are skipped (see README, "Experiments at scale").

    Example: kinemyo compare runs/cohort --models gpr,ridge,lstm,xlstm --protocol loso --jobs 2
    """
    from kinemyo.config import load_config
    from kinemyo.experiments.executors import Execution
    from kinemyo.reporting.report import markdown_table
    from kinemyo.studies.compare import run_comparison

    destination = output_folder(out, overwrite, data)
    execution = Execution(jobs=jobs, ray=ray, ray_address=ray_address)
    names = comma_list(models) or []
    params = {name: _model_params(name, preset, None) for name in names}
    if protocol == "cross-task":
        tasks = [*(comma_list(train_tasks) or []), *(comma_list(test_tasks) or [])]
        motions = ",".join(tasks) or motions
    recordings = _read(data, subjects, motions)
    with task_display(f"Comparing ({execution.describe()})") as progress:
        result = run_comparison(
            recordings,
            destination,
            config=load_config(config),
            models=params,
            protocol=protocol,
            train_tasks=comma_list(train_tasks) or (),
            test_tasks=comma_list(test_tasks) or (),
            command=shlex.join(["kinemyo", *sys.argv[1:]]),
            seeds=parse_seeds(seeds),
            execution=execution,
            progress=progress,
            allow_implausible=allow_implausible,
        )
    console.print(markdown_table(result.table), soft_wrap=True)
    console.print(f"Lowest moment RMSE: [bold]{result.winner}[/]. Report: [bold]{result.report}[/]")
    if mlflow:
        from kinemyo.tracking import log_run

        info = json.loads((result.report.parent / "run.json").read_text())
        run_id = log_run(
            mlflow,
            result.report.parent,
            experiment="kinemyo compare",
            params={k: info[k] for k in ("command", "protocol", "models", "config", "subjects")},
            scores=result.scores,
            by=("task", "model", "quantity", "metric"),
        )
        console.print(f"MLflow run {run_id} logged to {mlflow}", markup=False, highlight=False)
    exit_on_failures(result.failures)
