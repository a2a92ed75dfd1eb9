"""``kinemyo data``: generate the synthetic cohort, inspect a dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinemyo import units
from kinemyo.cli.console import console, progress_bar
from kinemyo.cli.render import render_report
from kinemyo.data.gaps import NanPolicy
from kinemyo.data.inspection import DatasetReport, inspect_siat_llmd
from kinemyo.data.siat_llmd import ReadOptions, write_siat_llmd
from kinemyo.data.siat_llmd.reader import check_motions
from kinemyo.data.synthetic import CohortConfig, generate_cohort
from kinemyo.errors import KinemyoError
from kinemyo.fileio import atomic_directory

app = typer.Typer(
    help="Datasets: generate the synthetic cohort, inspect recordings.", no_args_is_help=True
)

DEFAULT_MOTIONS = ",".join(CohortConfig().motions)


def generate_to(out: Path, config: CohortConfig, *, overwrite: bool) -> None:
    """Generate the cohort of ``config`` and write it atomically as a SIAT-LLMD tree at ``out``."""
    with atomic_directory(out, overwrite=overwrite) as tmp:
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
        f"{config.subjects} subject(s) to [bold]{out}[/]"
    )


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Folder to create (SIAT-LLMD layout).")],
    subjects: Annotated[int, typer.Option(min=1, help="Number of subjects.")] = 6,
    motions: Annotated[str, typer.Option(help="Comma-separated motion codes.")] = DEFAULT_MOTIONS,
    seconds: Annotated[float, typer.Option(min=1.0, help="Length of each trial, s.")] = 30.0,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same files.")] = 0,
    overwrite: Annotated[bool, typer.Option(help="Replace OUT if it exists.")] = False,
) -> None:
    """Generate a synthetic gait cohort (sEMG, joint angles, joint moments, labels) in the
    SIAT-LLMD layout.

    Example: kinemyo data generate --out /tmp/cohort --subjects 3 --motions WAK,UPS,DNS --seed 1
    """
    codes = check_motions(m for m in motions.split(",") if m.strip())
    if not codes:
        raise KinemyoError("--motions is empty; give at least one motion code, e.g. WAK.")
    config = CohortConfig(subjects=subjects, motions=codes, seconds=seconds, seed=seed)
    generate_to(out, config, overwrite=overwrite)


def inspect_and_render(path: Path, options: ReadOptions, *, per_trial: bool) -> DatasetReport:
    """Inspect ``path`` with a progress bar and print the report."""
    with progress_bar("Reading") as progress:
        report = inspect_siat_llmd(path, options=options, progress=progress)
    render_report(report, console, per_trial=per_trial)
    return report


@app.command()
def inspect(
    path: Annotated[Path, typer.Argument(help="Dataset root, subject folder or one CSV file.")],
    moment_unit: Annotated[
        str, typer.Option(help="Moment unit to report: Nm or Nm/kg (needs body masses).")
    ] = "Nm",
    expected_fs: Annotated[
        float, typer.Option(help="Sampling rate the Time column must show, Hz (0: any).")
    ] = 1920.0,
    nan_policy: Annotated[
        NanPolicy,
        typer.Option(help="Missing values: report them (mask), refuse them, or fill short gaps."),
    ] = NanPolicy.MASK,
    max_gap: Annotated[
        float, typer.Option(min=0.0, help="Longest gap --nan-policy interpolate fills, s.")
    ] = 0.01,
    trials: Annotated[bool, typer.Option("--trials", help="List every trial.")] = False,
) -> None:
    """Summarise a SIAT-LLMD dataset: subjects, motions, durations, measured sampling rate,
    channels, value ranges per column, label statistics, and every problem found (file, column,
    row). Exits with status 1 when a trial cannot be read.

    Example: kinemyo data inspect /tmp/cohort --trials
    """
    options = ReadOptions(
        moment_unit=units.parse_moment_unit(moment_unit),
        nan_policy=nan_policy,
        max_gap_s=max_gap,
        expected_fs=expected_fs or None,
    )
    report = inspect_and_render(path, options, per_trial=trials)
    if report.errors:
        raise typer.Exit(code=1)
