"""``kinemyo demo``: the main job on the embedded default (a generated synthetic cohort)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from kinemyo.cli.console import comma_list, console, task_display
from kinemyo.cli.options import JobsOption, SeedOption, finite
from kinemyo.cli.outputs import OverwriteOption, output_folder
from kinemyo.studies.seed_settings import SEED_CHAINS, SEED_FOLDS, SEED_TASKS


def demo(
    out: Annotated[Path, typer.Option(help="Folder of the report and figures.")] = Path(
        "runs/demo"
    ),
    cohort: Annotated[Path, typer.Option(help="Folder of the generated cohort.")] = Path(
        "runs/cohort"
    ),
    subjects: Annotated[int, typer.Option(min=2, max=40, help="Subjects in the cohort.")] = 6,
    seconds: Annotated[
        float, typer.Option(min=5.0, max=600.0, callback=finite, help="Length of each trial, s.")
    ] = 30.0,
    chains: Annotated[
        str, typer.Option(help="Comma-separated pipeline presets or YAML files to compare.")
    ] = ",".join(SEED_CHAINS),
    folds: Annotated[
        int,
        typer.Option(
            min=1,
            max=SEED_FOLDS,
            help=f"How many of the seed's {SEED_FOLDS} random folds to run (leaky protocol).",
        ),
    ] = 1,
    seed: SeedOption = 0,
    overwrite: OverwriteOption = False,
    jobs: JobsOption = 1,
) -> None:
    """Generate the default synthetic cohort (SIAT-LLMD layout), run the seed study on it
    (the seed's sEMG chain and kinemyo's -> GPR, ridge and mean predictor on DNS and UPS, under
    the seed's leaky random k-fold and the honest within-trial split) and write
    runs/demo/report.md with the table and figures.

    Rerun after an interruption and the finished fits are skipped (README, "Experiments at
    scale").

    Example: kinemyo demo --out runs/demo --jobs 2
    """
    from kinemyo.cli.data import generate_to
    from kinemyo.config import load_config
    from kinemyo.data.siat_llmd import read_siat_llmd
    from kinemyo.data.synthetic import CohortConfig
    from kinemyo.experiments.executors import Execution
    from kinemyo.reporting.report import markdown_table
    from kinemyo.studies.seed_siat import SWAP_NOTE, run_seed_study

    report_folder = output_folder(out, overwrite, cohort)
    cohort_folder = output_folder(cohort, overwrite, out)
    settings = {name: load_config(name) for name in comma_list(chains) or SEED_CHAINS}
    console.rule("[bold]1. Synthetic cohort")
    generate_to(cohort_folder, CohortConfig(subjects=subjects, seconds=seconds, seed=seed))
    recordings = read_siat_llmd(cohort, motions=list(SEED_TASKS))
    console.rule("[bold]2. Seed study: sEMG features -> joint angles and moments")
    execution = Execution(jobs=jobs)
    with task_display(f"Seed study ({execution.describe()})") as progress:
        result = run_seed_study(
            recordings,
            report_folder,
            chains=settings,
            seed=seed,
            folds=folds,
            command=shlex.join(["kinemyo", *sys.argv[1:]]),
            execution=execution,
            progress=progress,
        )
    console.print(markdown_table(result.table), soft_wrap=True)
    console.print(SWAP_NOTE, soft_wrap=True)
    console.print("How much the seed's random k-fold flatters GPR:", soft_wrap=True)
    console.print(result.flattery, soft_wrap=True)
    console.print(result.verdict, soft_wrap=True)
    console.print(f"Report: [bold]{result.report}[/]")
