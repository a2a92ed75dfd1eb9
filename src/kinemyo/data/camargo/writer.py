"""Write tables in the Camargo layout: CSV (always available) or MATLAB tables (mat-io).

The synthetic cohort is written through these functions, so the reader is exercised on the same
files a user brings. Every file is written to a temporary name and renamed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from kinemyo.data.camargo.layout import HEADER, SUBJECT_INFO, SUBJECT_INFO_COLUMNS
from kinemyo.data.camargo.matlab import matio
from kinemyo.errors import KinemyoError
from kinemyo.fileio import atomic_file

TableFormat = Literal["csv", "mat"]


def table_frame(columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """A DataFrame of ``columns`` (name -> (T,) array), ``Header`` first; lengths must agree."""
    if HEADER not in columns:
        raise KinemyoError(f"A Camargo table needs a '{HEADER}' column (time, s).")
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        raise KinemyoError(f"Columns of one table must have one length; got {lengths}.")
    ordered = {HEADER: columns[HEADER], **{k: v for k, v in columns.items() if k != HEADER}}
    return pd.DataFrame(ordered)


def write_table(
    path: Path, variables: Mapping[str, pd.DataFrame | np.ndarray], fmt: TableFormat
) -> Path:
    """Write one trial file and return its path (``path`` with the format's suffix).

    Args:
        path: the file path without suffix, e.g.
            ``root/AB06/10_09_18/treadmill/id/treadmill_01_01``.
        variables: MATLAB variables by name; a table file has one, ``data``. Conditions files
            hold ``speed`` or ``labels`` (tables) and scalars such as ``rampIncline``.
        fmt: "csv" writes the one table variable (scalars are dropped: CSV holds one table);
            "mat" writes every variable through mat-io.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        tables = [v for v in variables.values() if isinstance(v, pd.DataFrame)]
        if len(tables) != 1:
            raise KinemyoError(f"A CSV file holds one table; got {len(tables)} for {path.name}.")
        target = path.with_suffix(".csv")
        with atomic_file(target) as tmp:
            _write_csv(tables[0], tmp)
        return target
    if fmt == "mat":
        target = path.with_suffix(".mat")
        with atomic_file(target) as tmp:
            matio().save_to_mat(str(tmp), dict(variables), version="v7")
        return target
    raise KinemyoError(f"Unknown table format '{fmt}'; use 'csv' or 'mat'.")


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV as MATLAB's ``writetable`` writes it: a plain header line, then the rows (floats in
    their shortest round-trip form)."""
    with path.open("wb") as stream:
        stream.write((",".join(map(str, frame.columns)) + "\n").encode())
        table = pa.Table.from_pandas(frame, preserve_index=False)
        pa_csv.write_csv(table, stream, pa_csv.WriteOptions(include_header=False))


def write_subject_info(root: Path, rows: Sequence[Mapping[str, object]], fmt: TableFormat) -> Path:
    """Write ``SubjectInfo`` (table ``data``: Subject, Age, Gender, Height, Weight) at ``root``."""
    missing = [c for c in SUBJECT_INFO_COLUMNS if any(c not in row for row in rows)]
    if missing:
        raise KinemyoError(f"SubjectInfo rows need the columns {list(SUBJECT_INFO_COLUMNS)}.")
    frame = pd.DataFrame([{c: row[c] for c in SUBJECT_INFO_COLUMNS} for row in rows])
    return write_table(Path(root) / SUBJECT_INFO, {"data": frame}, fmt)


def trial_path(root: Path, subject: str, date: str, mode: str, sensor: str, stem: str) -> Path:
    """``root/subject/date/mode/sensor/stem`` (no suffix)."""
    return Path(root) / subject / date / mode / sensor / stem
