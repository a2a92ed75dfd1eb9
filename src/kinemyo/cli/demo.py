"""``kinemyo demo``: the main job on the embedded default (a generated synthetic cohort)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinemyo.cli.console import console
from kinemyo.cli.data import generate_to, inspect_and_render
from kinemyo.data.siat_llmd import ReadOptions
from kinemyo.data.synthetic import CohortConfig


def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo's files.")] = Path("kinemyo-demo"),
    seed: Annotated[int, typer.Option(help="Random seed of the cohort.")] = 0,
) -> None:
    """Generate the default synthetic cohort (6 subjects x 5 motions x 30 s, SIAT-LLMD layout)
    and inspect it with the real SIAT-LLMD reader.

    Example: kinemyo demo --out kinemyo-demo
    """
    cohort_dir = out / "cohort"
    console.rule("[bold]1. Synthetic cohort")
    generate_to(cohort_dir, CohortConfig(seed=seed), overwrite=True)
    console.rule("[bold]2. Inspection")
    report = inspect_and_render(cohort_dir, ReadOptions(), per_trial=False)
    if report.errors:
        raise typer.Exit(code=1)
