"""OpenSim storage files (.mot / .sto): read users' IK and ID results, write ours for OpenSim.

The layout OpenSim writes::

    Coordinates                 <- a name line
    version=1                   <- key=value header lines (nRows, nColumns, inDegrees, ...)
    nRows=1001
    nColumns=24
    inDegrees=yes
                                <- free text lines may follow (e.g. a note on units)
    endheader
    time<TAB>pelvis_tilt<TAB>...
    0.000000<TAB>-2.135<TAB>...

Columns are tab-separated (any whitespace is accepted on reading). ``inDegrees`` says whether
rotational values are in degrees (yes) or radians (no). ``nRows`` / ``nColumns``, when present, are
checked against the data.

Reading is strict: the cheap checks of :mod:`kinemyo.data.limits` first (size, text, header lines
and column line bounded, at most ``MAX_HEADER_LINES`` header lines), unique column names, rows no
longer than the column count allows, finite and strictly increasing time, no infinite value (NaN,
a missing value, is kept). Values beyond the plausible range of their unit (see
:func:`column_units`) are flagged with a :class:`~kinemyo.errors.DataWarning`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from kinemyo import units
from kinemyo.data.limits import OPENSIM, bounded_rows, check_file, header_line, repeated_names
from kinemyo.data.plausibility import warn_implausible
from kinemyo.errors import DataFormatError
from kinemyo.fileio import atomic_file

END_HEADER = "endheader"

MAX_HEADER_LINES = 1000
"""Most lines before ``endheader`` (OpenSim writes about ten)."""

_BATCH_ROWS = 10_000
"""Rows parsed at a time; a bad row is looked for only in its batch."""

MOMENT_SUFFIX = "_moment"
"""The ending of an inverse-dynamics moment column (``hip_flexion_r_moment``)."""

TRANSLATIONS = ("_tx", "_ty", "_tz")
"""The endings of a coordinate that is a translation (m), not an angle."""


@dataclass(frozen=True, eq=False)
class StorageTable:
    """The content of a .mot/.sto file.

    Attributes:
        name: the first header line (e.g. "Coordinates", "Inverse Dynamics Generalized Forces").
        columns: K column names after ``time``.
        time: (T,) s.
        values: (T, K) float64.
        in_degrees: the ``inDegrees`` flag (None when the file does not say).
        header: every other ``key=value`` header line, as strings.
    """

    name: str
    columns: tuple[str, ...]
    time: np.ndarray
    values: np.ndarray
    in_degrees: bool | None = None
    header: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> np.ndarray:
        """(T,) values of column ``name`` (exact name)."""
        if name not in self.columns:
            raise DataFormatError(
                f"no column '{name}'; columns are: {', '.join(self.columns)}.", path=None
            )
        return self.values[:, self.columns.index(name)]


def read_storage(path: str | Path) -> StorageTable:
    """Read an OpenSim .mot or .sto file.

    Rows are numbered from 1 at the line after the column line.

    Raises:
        DataFormatError: a file beyond the checks of :mod:`kinemyo.data.limits`, no
            ``endheader``, no ``time`` column, repeated column names, no data row, a row with the
            wrong number of values or too long, a non-numeric or infinite cell (naming column
            and row), a time that is missing or does not increase, or ``nRows`` / ``nColumns``
            that disagree with the data.
    """
    path = check_file(path, OPENSIM)
    with path.open("rb") as handle:
        lines = _header_lines(handle, path)
        end = len(lines) - 1
        raw = handle.readline(OPENSIM.max_header_bytes + 1)
        columns = header_line(raw, path, OPENSIM, delimiter=None).split()
        if not columns or columns[0].lower() != "time":
            raise DataFormatError(
                f"the first column must be 'time'; found {columns[:1] or 'nothing'}.", path=path
            )
        repeated = repeated_names(columns)
        if repeated:
            raise DataFormatError(f"repeated column names {repeated}.", path=path)
        try:
            numbers = _body(handle, path, columns)
        except DataFormatError as error:  # rows count from the line after the column names
            raise error.after_header(len(lines) + 1) from None
    if not numbers.shape[0]:
        raise DataFormatError("the file has a header but no data rows.", path=path)
    name = lines[0].strip() if end > 0 and "=" not in lines[0] else ""
    header = {}
    for line in lines[:end]:
        key, sep, value = line.partition("=")
        if sep:
            header[key.strip()] = value.strip()
    _check_count(header, "nRows", numbers.shape[0], path)
    _check_count(header, "nColumns", len(columns), path)
    try:
        check_time(numbers[:, 0], path)
    except DataFormatError as error:
        raise error.after_header(len(lines) + 1) from None
    flag = header.pop("inDegrees", None)
    header.pop("nRows", None)
    header.pop("nColumns", None)
    table = StorageTable(
        name=name,
        columns=tuple(columns[1:]),
        time=numbers[:, 0],
        values=numbers[:, 1:],
        in_degrees=None if flag is None else flag.lower() == "yes",
        header=header,
    )
    warn_implausible(path, table.values, column_units(table), table.columns)
    return table


def column_units(table: StorageTable) -> list[str]:
    """The unit of each column, from its name as OpenSim writes them: ``*_moment`` N·m,
    ``*_force`` N, ``*_tx/_ty/_tz`` m, any other column deg when ``inDegrees=yes``; "" (unknown)
    otherwise (radians are not assumed: files with ``inDegrees=no`` also hold muscle forces)."""
    out = []
    for name in table.columns:
        if name.endswith(MOMENT_SUFFIX):
            out.append(units.NEWTON_METRE)
        elif name.endswith("_force"):
            out.append("N")
        elif name.endswith(TRANSLATIONS):
            out.append("m")
        else:
            out.append(units.DEGREE if table.in_degrees else "")
    return out


def _header_lines(handle: BinaryIO, path: Path) -> list[str]:
    """The lines up to and including ``endheader``, each bounded by the layout's limits."""
    lines = []
    while len(lines) < MAX_HEADER_LINES:
        raw = handle.readline(OPENSIM.max_header_bytes + 1)
        if not raw:
            break
        lines.append(header_line(raw, path, OPENSIM, delimiter=None))
        if lines[-1].strip().lower() == END_HEADER:
            return lines
    raise DataFormatError(
        f"no '{END_HEADER}' line"
        + (f" in the first {MAX_HEADER_LINES} lines" if len(lines) == MAX_HEADER_LINES else "")
        + ": not an OpenSim storage file.",
        path=path,
    )


def _body(handle: BinaryIO, path: Path, columns: list[str]) -> np.ndarray:
    """(T, K) float64 values of the rows after the column line; blank lines are skipped."""
    longest = OPENSIM.max_row_bytes(len(columns))
    parts = [np.zeros((0, len(columns)))]
    batch: list[str] = []
    rows: list[int] = []
    for row, raw in bounded_rows(handle, path, longest, len(columns)):
        if raw.strip():
            batch.append(raw.decode("utf-8", errors="replace"))
            rows.append(row)
        if len(batch) == _BATCH_ROWS:
            parts.append(_parse_rows(batch, rows, columns, path))
            batch, rows = [], []
    if batch:
        parts.append(_parse_rows(batch, rows, columns, path))
    return np.concatenate(parts)


def _parse_rows(lines: list[str], rows: list[int], columns: list[str], path: Path) -> np.ndarray:
    """(len(lines), K) values of whitespace-separated ``lines`` (file rows ``rows``)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.loadtxt(lines, dtype=np.float64, comments=None, ndmin=2)
    except ValueError:
        values = None
    if values is None or values.shape[1] != len(columns) or np.isinf(values).any():
        _raise_bad_row(lines, rows, columns, path)
    return values


def _raise_bad_row(lines: list[str], rows: list[int], columns: list[str], path: Path) -> None:
    """Raise a ``DataFormatError`` naming the first bad row (and column) of ``lines``."""
    for line, row in zip(lines, rows, strict=True):
        cells = line.split()
        if len(cells) != len(columns):
            raise DataFormatError(
                f"{len(cells)} values for {len(columns)} columns.", path=path, row=row
            )
        for name, cell in zip(columns, cells, strict=True):
            try:
                number = float(cell)
            except ValueError:
                shown = cell if len(cell) <= 40 else cell[:40] + "..."
                raise DataFormatError(
                    f"'{shown}' is not a number.", path=path, column=name, row=row
                ) from None
            if np.isinf(number):
                raise DataFormatError(
                    f"'{cell}' is infinite.",
                    path=path,
                    column=name,
                    row=row,
                    hint="Write a finite value, or nan for a missing one.",
                )
    raise DataFormatError("the data rows cannot be read.", path=path)


def check_time(time: np.ndarray, path: Path, column: str = "time") -> None:
    """Time (the values of ``column``) must be finite and increase strictly from row to row.

    Raises:
        DataFormatError: naming the file, the column and the first bad row (1-based).
    """
    bad = ~np.isfinite(time)
    if bad.any():
        row = int(np.argmax(bad)) + 1
        raise DataFormatError("time is missing.", path=path, column=column, row=row)
    steps = np.diff(time)
    if (steps <= 0).any():
        i = int(np.argmax(steps <= 0))
        raise DataFormatError(
            f"time does not increase: {time[i + 1]:.6g} s follows {time[i]:.6g} s.",
            path=path,
            column=column,
            row=i + 2,
            hint="Rows must be in time order without repeats.",
        )


def _check_count(header: dict[str, str], key: str, actual: int, path: Path) -> None:
    if key in header and header[key].isdigit() and int(header[key]) != actual:
        raise DataFormatError(
            f"the header says {key}={header[key]} but the data have {actual}.", path=path
        )


def write_storage(path: str | Path, table: StorageTable) -> None:
    """Write ``table`` as an OpenSim storage file (tab-separated, as OpenSim writes), atomically."""
    values = np.asarray(table.values, dtype=np.float64)
    time = np.asarray(table.time, dtype=np.float64)
    if values.shape != (time.size, len(table.columns)):
        raise DataFormatError(
            f"values {values.shape} do not fit {time.size} times x {len(table.columns)} columns."
        )
    lines = [
        table.name or "kinemyo",
        "version=1",
        f"nRows={time.size}",
        f"nColumns={len(table.columns) + 1}",
    ]
    if table.in_degrees is not None:
        lines.append(f"inDegrees={'yes' if table.in_degrees else 'no'}")
    lines += [f"{k}={v}" for k, v in table.header.items() if k != "version"]
    lines += [END_HEADER, "\t".join(["time", *table.columns])]
    body = np.column_stack([time, values])
    with atomic_file(path) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write("\n".join(lines) + "\n")
        np.savetxt(handle, body, fmt="%.8g", delimiter="\t")
