"""``kinemyo demo``: the main job on the embedded default (a generated synthetic cohort)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from kinemyo.cli.console import console
from kinemyo.cli.data import generate_to
from kinemyo.config import load_config
from kinemyo.data.siat_llmd import read_siat_llmd
from kinemyo.data.synthetic import CohortConfig
from kinemyo.reporting.report import markdown_table
from kinemyo.studies.seed_siat import SEED_TASKS, run_seed_study


def demo(
    out: Annotated[Path, typer.Option(help="Folder of the report and figures.")] = Path(
        "runs/demo"
    ),
    cohort: Annotated[Path, typer.Option(help="Folder of the generated cohort.")] = Path(
        "runs/cohort"
    ),
    subjects: Annotated[int, typer.Option(min=2, help="Subjects in the cohort.")] = 6,
    seconds: Annotated[float, typer.Option(min=5.0, help="Length of each trial, s.")] = 30.0,
    config: Annotated[str, typer.Option(help="Pipeline preset or YAML file.")] = "seed-siat",
    seed: Annotated[int, typer.Option(help="Random seed of the cohort and models.")] = 0,
) -> None:
    """Generate the default synthetic cohort (SIAT-LLMD layout), run the seed study on it
    (sEMG pipeline -> GPR, ridge and mean predictor on DNS and UPS, within-trial split) and
    write runs/demo/report.md with the table and figures.

    Example: kinemyo demo --out runs/demo
    """
    settings = load_config(config)
    console.rule("[bold]1. Synthetic cohort")
    generate_to(
        cohort,
        CohortConfig(subjects=subjects, seconds=seconds, seed=seed),
        overwrite=True,
    )
    recordings = read_siat_llmd(cohort, motions=list(SEED_TASKS))
    console.rule("[bold]2. Seed study: sEMG features -> joint angles and moments")
    with console.status("Starting") as status:
        result = run_seed_study(
            recordings,
            out,
            config=settings,
            seed=seed,
            command=shlex.join(["kinemyo", *sys.argv[1:]]),
            progress=lambda message: status.update(message),
        )
    console.print(markdown_table(result.table), soft_wrap=True)
    console.print(result.verdict, soft_wrap=True)
    console.print(f"Report: [bold]{result.report}[/]")
