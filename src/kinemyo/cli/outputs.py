"""The ``--out`` / ``--overwrite`` options of every command that writes, checked before any work."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinemyo.fileio import Destination, check_file_destination

OverwriteOption = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Replace --out even if kinemyo did not write it (never an input, your home or the "
        "current folder).",
    ),
]


def output_folder(out: Path, overwrite: bool, *inputs: Path | None) -> Destination:
    """The destination of a command's output folder, refused now rather than after the work.

    Args:
        out: the ``--out`` folder.
        overwrite: the ``--overwrite`` flag.
        inputs: the paths the command reads (None entries are skipped).
    """
    destination = Destination(out, overwrite=overwrite, inputs=_given(inputs))
    destination.check()
    return destination


def output_file(out: Path, overwrite: bool, *inputs: Path | None) -> Path:
    """Check a command's ``--out`` file before any work (see :func:`check_file_destination`)."""
    check_file_destination(out, overwrite=overwrite, inputs=_given(inputs))
    return out


def _given(inputs: tuple[Path | None, ...]) -> tuple[Path, ...]:
    return tuple(path for path in inputs if path is not None)
