"""Checks shared by the options of every command: finite numbers and seeds in range.

Bounds are declared on each option (``min=``, ``max=``), so that ``--help`` shows them and a bad
value ends in a usage error naming the option. Click's ranges let NaN through (every comparison
with NaN is false), so every float option also takes ``callback=finite``.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated

import typer

MAX_SEED = 2**32 - 1


def interval_levels(value: str) -> str:
    """A ``callback`` for ``--levels``: comma-separated percentages, each strictly between 0 and
    100 (e.g. "50,90")."""
    for item in value.split(","):
        try:
            level = float(item)
        except ValueError:
            raise typer.BadParameter(f"'{item.strip()}' is not a percentage.") from None
        if not 0 < level < 100:  # also refuses NaN
            raise typer.BadParameter(f"{item.strip()} is not a percentage between 0 and 100.")
    return value


def finite(value: float | None) -> float | None:
    """A ``callback`` for float options: refuse NaN and infinities."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a finite number.")
    return value


SeedOption = Annotated[
    int,
    typer.Option(min=0, max=MAX_SEED, help="Random seed; the same seed gives the same numbers."),
]

MlflowOption = Annotated[
    str | None,
    typer.Option(
        "--mlflow",
        metavar="URI",
        help="Also log params, metrics and the report to this MLflow tracking store "
        "(e.g. file:///home/me/mlruns); needs the 'track' extra.",
    ),
]


def parse_seeds(text: str) -> tuple[int, ...]:
    """The seeds of a ``--seeds`` value: "0,1,2" -> (0, 1, 2); repeats dropped, order kept.

    Raises:
        typer.BadParameter: an item is not a whole number in 0..MAX_SEED, or there is none.
    """
    seeds: list[int] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        if not (item.isascii() and item.isdigit()) or int(item) > MAX_SEED:  # not '²'
            raise typer.BadParameter(
                f"'{item}' is not a seed; give whole numbers 0..{MAX_SEED} separated by commas, "
                "e.g. --seeds 0,1,2."
            )
        if int(item) not in seeds:
            seeds.append(int(item))
    if not seeds:
        raise typer.BadParameter("no seed given; e.g. --seeds 0 or --seeds 0,1,2.")
    return tuple(seeds)


def _checked_seeds(text: str) -> str:
    parse_seeds(text)
    return text


SeedsOption = Annotated[
    str,
    typer.Option(
        callback=_checked_seeds,
        help="Comma-separated seeds, e.g. 0,1,2: every fit is repeated with each; tables give "
        "mean ± sd across subjects and seeds.",
    ),
]
JobsOption = Annotated[
    int,
    typer.Option(
        min=1,
        max=4096,
        help="Fits run at once: worker processes (1: one after another); with --ray, the CPUs "
        "of the local Ray cluster.",
    ),
]
RayOption = Annotated[
    bool,
    typer.Option("--ray", help="Run the fits on a local Ray cluster started for the run."),
]
RayAddressOption = Annotated[
    str | None,
    typer.Option(
        help="Run the fits on the running Ray cluster at this address (e.g. ray://head:10001)."
    ),
]


class MomentUnit(StrEnum):
    """``--moment-unit``: how moments are reported (N·m/kg needs the subjects' body masses)."""

    NM = "Nm"
    NM_PER_KG = "Nm/kg"


class TableFormat(StrEnum):
    """``--format`` of generated Camargo tables: CSV, or MATLAB tables through mat-io."""

    CSV = "csv"
    MAT = "mat"


class PredictionFormat(StrEnum):
    """``--format`` of ``kinemyo predict``: a CSV table, or OpenSim storage files (.sto)."""

    CSV = "csv"
    STO = "sto"


class CalibrateOn(StrEnum):
    """``--calibrate-on``: which training windows calibrate the intervals (see
    :mod:`kinemyo.evaluation.calibration`)."""

    SUBJECT = "subject"
    TASK = "task"
    TIME = "time"
