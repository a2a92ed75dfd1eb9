"""Read the columns of a Camargo table, a MATLAB table (``.mat``, via mat-io) or a CSV file, and
check its ``Header`` (time, s): finite, strictly increasing, at least two rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kinemyo.data.camargo import layout
from kinemyo.data.camargo.matlab import matio
from kinemyo.data.csv_table import read_header, read_table
from kinemyo.data.limits import CAMARGO_CSV, MATLAB, check_file
from kinemyo.data.table_cache import TableCache, default_cache_dir
from kinemyo.errors import DataFormatError


@dataclass(frozen=True)
class Conditions:
    """A conditions file: belt speed (treadmill) or activity labels (other modes) over time."""

    time: np.ndarray
    speed: np.ndarray | None
    labels: np.ndarray | None
    ramp_incline_deg: float | None


def open_cache() -> TableCache | None:
    directory = default_cache_dir()
    return None if directory is None else TableCache(directory)


def _load_mat(path: Path) -> Mapping[str, Any]:
    """The variables of a MAT file (MATLAB tables as DataFrames), read with mat-io."""
    check_file(path, MATLAB)
    try:
        return matio().load_from_mat(str(path))
    except Exception as exc:
        raise DataFormatError(f"cannot be read as a MATLAB file ({exc}).", path=path) from None


def _resolve(
    available: Sequence[str], columns: Mapping[str, type] | None, path: Path
) -> dict[str, type]:
    """The columns to read with their types (all, as float64, when ``columns`` is None)."""
    if columns is None:
        return dict.fromkeys(available, np.float64)
    absent = [name for name in columns if name not in available]
    if absent:
        raise DataFormatError(
            f"no column '{absent[0]}'; the table has: {', '.join(available)}.",
            path=path,
            column=absent[0],
        )
    return dict(columns)


def _frame_columns(
    frame: pd.DataFrame, columns: Mapping[str, type] | None, path: Path
) -> dict[str, np.ndarray]:
    kinds = _resolve([str(c) for c in frame.columns], columns, path)
    out = {}
    for name, kind in kinds.items():
        if kind is str:
            out[name] = frame[name].astype(str).to_numpy()
            continue
        try:
            out[name] = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            raise DataFormatError("is not numeric.", path=path, column=name) from None
    return out


def read_variables(
    path: Path, table: str, columns: Mapping[str, type] | None, cache: TableCache | None
) -> tuple[dict[str, np.ndarray], Mapping[str, Any]]:
    """The ``columns`` (name -> np.float64 or str; all as float64 when None) of the table
    variable ``table``, and every variable of a MAT file (none for a CSV, which is the table)."""
    if path.suffix.lower() != ".mat":
        kinds = _resolve(read_header(path, CAMARGO_CSV), columns, path)
        return read_table(path, kinds, cache=cache, limits=CAMARGO_CSV), {}
    variables = _load_mat(path)
    frame = variables.get(table)
    if not isinstance(frame, pd.DataFrame):
        raise DataFormatError(
            f"no MATLAB table named '{table}'; the file holds: {', '.join(variables)}.", path=path
        )
    return _frame_columns(frame, columns, path), variables


def _check_header(time: np.ndarray, path: Path) -> None:
    """Header must be finite and strictly increasing, with at least two rows."""
    if time.size < 2:
        raise DataFormatError(f"needs at least two rows, found {time.size}.", path=path)
    require_finite({layout.HEADER: time}, path, what=layout.HEADER)
    backwards = np.diff(time) <= 0
    if backwards.any():
        i = int(np.argmax(backwards))
        raise DataFormatError(
            f"Header does not increase: {time[i + 1]:.6f} s follows {time[i]:.6f} s.",
            path=path,
            column=layout.HEADER,
            row=i + 2,
            hint="Streams are aligned on Header; rows must be in time order without repeats.",
        )


def read_timed(
    path: Path,
    columns: Mapping[str, type] | None,
    cache: TableCache | None,
    table: str = "data",
) -> tuple[np.ndarray, dict[str, np.ndarray], Mapping[str, Any]]:
    """(Header times in s, the other ``columns`` by name in file order, MAT variables)."""
    wanted = None if columns is None else {layout.HEADER: np.float64, **columns}
    data, variables = read_variables(path, table, wanted, cache)
    if layout.HEADER not in data:
        raise DataFormatError(
            f"no '{layout.HEADER}' column (time, s); the table has: {', '.join(data)}.",
            path=path,
            column=layout.HEADER,
        )
    time = data.pop(layout.HEADER)
    _check_header(time, path)
    return time, data, variables


def require_finite(data: Mapping[str, np.ndarray], path: Path, what: str = "value") -> None:
    """Raise a DataFormatError "<what> is missing or not finite" at the first such value of
    the (N,) columns ``data`` (name -> values), naming its column and 1-based row."""
    for name, values in data.items():
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise DataFormatError(
                f"{what} is missing or not finite.", path=path, column=name, row=int(bad[0]) + 1
            )


def _scalar(value: Any) -> float | None:
    """The magnitude of a MAT scalar such as rampIncline; None when absent, empty or NaN."""
    if value is None:
        return None
    flat = np.asarray(value, dtype=np.float64).ravel()
    return float(abs(flat[0])) if flat.size and np.isfinite(flat[0]) else None


def read_conditions(path: Path, mode: str, cache: TableCache | None) -> Conditions:
    treadmill = mode == "treadmill"
    table, column = ("speed", layout.SPEED_COLUMN) if treadmill else ("labels", layout.LABEL_COLUMN)
    time, data, variables = read_timed(
        path, {column: np.float64 if treadmill else str}, cache, table=table
    )
    if treadmill:
        require_finite(data, path)
    return Conditions(
        time=time,
        speed=data[column] if treadmill else None,
        labels=None if treadmill else np.char.strip(data[column].astype(str)),
        ramp_incline_deg=_scalar(variables.get("rampIncline")),
    )
