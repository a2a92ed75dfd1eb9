"""``kinemyo data``: generate the synthetic cohort, inspect a dataset."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from kinemyo.cli.console import comma_list, console, progress_bar
from kinemyo.cli.options import MomentUnit, SeedOption, TableFormat, finite
from kinemyo.cli.outputs import OverwriteOption, output_folder
from kinemyo.data.gaps import NanPolicy
from kinemyo.errors import KinemyoError
from kinemyo.fileio import Destination, atomic_directory

if TYPE_CHECKING:
    from kinemyo.data.synthetic import CohortConfig

# Commands import the readers, the generators and pandas inside their bodies, so that --help
# starts in a fraction of a second.

app = typer.Typer(
    help="Datasets: generate the synthetic cohort, inspect recordings.", no_args_is_help=True
)

DEFAULT_MOTIONS = "WAK,UPS,DNS,STDUP,SITDN"
"""The motions of the default cohort (``CohortConfig().motions``; a test keeps them equal)."""


def generate_to(out: Destination, config: CohortConfig) -> None:
    """Generate the cohort of ``config`` and write it atomically as a SIAT-LLMD tree at ``out``
    (checked before the generation starts)."""
    from kinemyo.data.siat_llmd import write_siat_llmd
    from kinemyo.data.synthetic import generate_cohort

    with atomic_directory(out) as tmp:
        with progress_bar("Generating") as progress:
            cohort = generate_cohort(config, progress=progress)
        with progress_bar("Writing") as progress:
            for done, recording in enumerate(cohort.recordings, start=1):
                write_siat_llmd(tmp, [recording])
                progress(done, len(cohort.recordings))
            write_siat_llmd(tmp, [], subjects=cohort.subjects)
    total_s = sum(r.duration_s for r in cohort.recordings)
    console.print(
        f"Wrote {len(cohort.recordings)} trials ({total_s:.0f} s of data) of "
        f"{config.subjects} subject(s) to [bold]{out.path}[/]"
    )


@app.command(short_help="Generate a synthetic gait cohort in the SIAT-LLMD layout.")
def generate(
    out: Annotated[Path, typer.Option("--out", help="Folder to create (SIAT-LLMD layout).")],
    subjects: Annotated[int, typer.Option(min=1, max=100, help="Number of subjects.")] = 6,
    motions: Annotated[str, typer.Option(help="Comma-separated motion codes.")] = DEFAULT_MOTIONS,
    seconds: Annotated[
        float, typer.Option(min=1.0, max=600.0, callback=finite, help="Length of each trial, s.")
    ] = 30.0,
    seed: SeedOption = 0,
    overwrite: OverwriteOption = False,
) -> None:
    """Generate a synthetic gait cohort (sEMG, joint angles, joint moments, labels) in the
    SIAT-LLMD layout.

    Example: kinemyo data generate --out /tmp/cohort --subjects 3 --motions WAK,UPS,DNS --seed 1
    """
    from kinemyo.data.siat_llmd.reader import check_motions
    from kinemyo.data.synthetic import CohortConfig

    codes = check_motions(comma_list(motions) or [])
    if not codes:
        raise KinemyoError("--motions is empty; give at least one motion code, e.g. WAK.")
    config = CohortConfig(subjects=subjects, motions=codes, seconds=seconds, seed=seed)
    generate_to(output_folder(out, overwrite), config)


@app.command(short_help="Summarise a dataset (any kind), or say what one file is.")
def inspect(
    path: Annotated[
        Path,
        typer.Argument(
            exists=True,
            help="Dataset: SIAT-LLMD root, subject folder or CSV file, Camargo root or manifest; "
            "or one OpenSim, C3D, .npz or .mat file.",
        ),
    ],
    moment_unit: Annotated[
        MomentUnit, typer.Option(help="Moment unit to report (Nm/kg needs body masses).")
    ] = MomentUnit.NM,
    expected_fs: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=100_000.0,
            callback=finite,
            help="Sampling rate the Time column must show, Hz (0: any).",
        ),
    ] = 1920.0,
    nan_policy: Annotated[
        NanPolicy,
        typer.Option(help="Missing values: report them (mask), refuse them, or fill short gaps."),
    ] = NanPolicy.MASK,
    max_gap: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=10.0,
            callback=finite,
            help="Longest gap --nan-policy interpolate fills, s.",
        ),
    ] = 0.01,
    trials: Annotated[bool, typer.Option("--trials", help="List every trial.")] = False,
) -> None:
    """Summarise a dataset, or say what one file is. Of a manifest or a Camargo root: one row per
    trial (rate, samples, duration, segments left after alignment, channels with units), and a
    warning per trial that says what the alignment cut and why. Of a SIAT-LLMD dataset: subjects,
    motions, durations, measured sampling rate, channels, value ranges per column, label
    statistics, and every problem found (file, column, row). Of an OpenSim (.mot/.sto), C3D, .npz
    or .mat file: what it is (channels with units and rates, duration, wrong-unit and flat
    channels) and what to do with it. Exits with status 1 when a trial or the file cannot be read.

    Example: kinemyo data inspect /tmp/cohort --trials
    """
    from kinemyo import units
    from kinemyo.cli.render import render_description, render_report
    from kinemyo.data.datasets import detect_kind, read_dataset
    from kinemyo.data.inspection import describe_file, inspect_siat_llmd
    from kinemyo.data.siat_llmd import ReadOptions
    from kinemyo.data.summary import recordings_summary
    from kinemyo.reporting.report import markdown_table

    description = describe_file(path)
    if description is not None:
        render_description(description, console)
        if description.errors:
            raise typer.Exit(code=1)
        return
    kind = detect_kind(path)
    if kind.name != "siat-llmd":
        recordings = read_dataset(path)
        console.print(f"{path}: {kind.description}; {len(recordings)} trial(s).", soft_wrap=True)
        console.print(markdown_table(recordings_summary(recordings)), soft_wrap=True)
        return
    options = ReadOptions(
        moment_unit=units.parse_moment_unit(moment_unit.value),
        nan_policy=nan_policy,
        max_gap_s=max_gap,
        expected_fs=expected_fs or None,
    )
    with progress_bar("Reading") as progress:
        report = inspect_siat_llmd(path, options=options, progress=progress)
    render_report(report, console, per_trial=trials)
    if report.errors:
        raise typer.Exit(code=1)


@app.command(short_help="Draft a dataset manifest for a folder of OpenSim or C3D files.")
def manifest(
    folder: Annotated[
        Path,
        typer.Argument(
            exists=True, file_okay=False, help="Folder of OpenSim (.mot/.sto), C3D or CSV files."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="The manifest file to write (.yaml).")],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace --out if it exists (never an input).")
    ] = False,
) -> None:
    """Write a first dataset manifest for a folder of OpenSim or C3D files, to edit: files are
    grouped into trials by stem (walk1_emg.mot, walk1_ik.mot, walk1_id.sto: trial walk1), C3D
    analog channels are listed, and YAML comments mark what to check (body masses, tasks, the
    EMG kind). Every command then takes the manifest as its dataset.

    Example: kinemyo data manifest lab/opensim --out lab/manifest.yaml
    """
    from kinemyo.cli.outputs import output_file
    from kinemyo.data.manifest.draft import draft_manifest
    from kinemyo.data.manifest.schema import MANIFEST_SUFFIXES
    from kinemyo.fileio import atomic_file

    if out.suffix.lower() not in MANIFEST_SUFFIXES:
        raise KinemyoError(f"--out {out}: a manifest is a .yaml file, e.g. {out.stem}.yaml.")
    output_file(out, overwrite, folder)
    text, trials = draft_manifest(folder, out)
    with atomic_file(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    console.print(
        f"Wrote a manifest of {trials} trial(s) to [bold]{out}[/]; edit the lines marked EDIT, "
        f"then e.g.: kinemyo data inspect {out}"
    )


@app.command(
    "generate-camargo",
    short_help="Generate a synthetic cohort in the Camargo et al. 2021 layout.",
)
def generate_camargo_command(
    out: Annotated[Path, typer.Option("--out", help="Folder to create (Camargo layout).")],
    subjects: Annotated[int, typer.Option(min=1, max=99, help="Number of subjects.")] = 4,
    treadmill_trials: Annotated[
        int, typer.Option(min=1, max=8, help="Treadmill trials 01..n, 4 speed plateaus each.")
    ] = 7,
    plateau_seconds: Annotated[
        float,
        typer.Option(
            min=1.0,
            max=600.0,
            callback=finite,
            help="Length of each belt-speed plateau, s (real: ~32).",
        ),
    ] = 15.0,
    fmt: Annotated[
        TableFormat, typer.Option("--format", help="CSV, or MATLAB tables through mat-io.")
    ] = TableFormat.CSV,
    seed: SeedOption = 0,
    overwrite: OverwriteOption = False,
) -> None:
    """Generate a synthetic cohort in the Camargo et al. 2021 layout: per subject, treadmill
    trials of 4 speed plateaus (0.50-1.85 m/s across 7 trials), level ground at 3 speeds and
    ramps up and down at 4 inclines, with EMG (1 kHz), ik, id (200 Hz, NaN off the force
    plates), gait-cycle and conditions tables. What `kinemyo experiment lstam` runs on.

    Example: kinemyo data generate-camargo --out /tmp/camargo --subjects 4 --seed 0
    """
    from kinemyo.data.synthetic.camargo import CamargoCohortConfig, generate_camargo

    destination = output_folder(out, overwrite)
    config = CamargoCohortConfig(
        subjects=subjects,
        treadmill_trials=treadmill_trials,
        plateau_seconds=plateau_seconds,
        fmt=fmt.value,
        seed=seed,
    )
    with atomic_directory(destination) as tmp, progress_bar("Generating") as progress:
        summary = generate_camargo(tmp, config, progress=progress)
    console.print(
        f"Wrote {summary.trials} trials ({summary.seconds:.0f} s of data) of "
        f"{len(summary.subjects)} subject(s) to [bold]{out}[/]"
    )


@app.command("inspect-camargo", short_help="List what a Camargo-layout dataset holds, per subject.")
def inspect_camargo(
    path: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="Camargo-layout dataset root.")
    ],
    subjects: Annotated[
        str | None, typer.Option(help="Comma-separated subjects, e.g. AB06,AB07 (default: all).")
    ] = None,
) -> None:
    """List what a Camargo-layout dataset holds: per subject and mode, the trials expected,
    found and missing, and every missing sensor file or unrecognised file name.

    Example: kinemyo data inspect-camargo /tmp/camargo
    """
    from kinemyo.data.camargo import read_camargo
    from kinemyo.reporting.report import markdown_table

    with progress_bar("Reading") as progress:
        dataset = read_camargo(
            path, subjects=comma_list(subjects), nan_moments="keep", progress=progress
        )
    console.print(markdown_table(dataset.summary()), soft_wrap=True)
    for item in dataset.missing:
        console.print(f"[yellow]Missing:[/] {escape(str(item))}", highlight=False)
    for unknown in dataset.unrecognised:
        console.print(f"[yellow]Not a trial name:[/] {escape(str(unknown))}", highlight=False)
    console.print(f"{len(dataset.trials)} trials read; {len(dataset.missing)} missing items.")
