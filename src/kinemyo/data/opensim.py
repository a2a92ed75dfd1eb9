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
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kinemyo.errors import DataFormatError
from kinemyo.fileio import atomic_file

END_HEADER = "endheader"


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

    Raises:
        DataFormatError: missing file, no ``endheader``, no ``time`` column, a non-numeric cell
            (naming column and row), or ``nRows`` / ``nColumns`` that disagree with the data.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFormatError("file not found.", path=path)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    try:
        end = next(i for i, line in enumerate(lines) if line.strip().lower() == END_HEADER)
    except StopIteration:
        raise DataFormatError(
            f"no '{END_HEADER}' line: not an OpenSim storage file.", path=path
        ) from None
    name = lines[0].strip() if end > 0 and "=" not in lines[0] else ""
    header = {}
    for line in lines[:end]:
        key, sep, value = line.partition("=")
        if sep:
            header[key.strip()] = value.strip()
    if end + 1 >= len(lines):
        raise DataFormatError("no column line after 'endheader'.", path=path)
    columns = lines[end + 1].split()
    if not columns or columns[0].lower() != "time":
        raise DataFormatError(
            f"the first column must be 'time'; found {columns[:1] or 'nothing'}.", path=path
        )
    body = "\n".join(lines[end + 2 :])
    table = (
        pd.read_csv(io.StringIO(body), sep=r"\s+", header=None, dtype=str, engine="python")
        if body.strip()
        else pd.DataFrame()
    )
    if table.shape[1] not in (0, len(columns)):
        raise DataFormatError(
            f"{table.shape[1]} values per row for {len(columns)} columns.", path=path
        )
    numbers = table.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(numbers) & ~table.isin(["nan", "NaN", "NAN"]).to_numpy()
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataFormatError(
            f"'{table.iat[row, col]}' is not a number.",
            path=path,
            column=columns[col],
            row=int(row) + 1,
        )
    _check_count(header, "nRows", numbers.shape[0], path)
    _check_count(header, "nColumns", len(columns), path)
    flag = header.pop("inDegrees", None)
    header.pop("nRows", None)
    header.pop("nColumns", None)
    return StorageTable(
        name=name,
        columns=tuple(columns[1:]),
        time=numbers[:, 0] if numbers.size else np.zeros(0),
        values=numbers[:, 1:] if numbers.size else np.zeros((0, len(columns) - 1)),
        in_degrees=None if flag is None else flag.lower() == "yes",
        header=header,
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
