"""Fast, strict reading of delimited tables with errors that name file, column and row.

Parsing is pyarrow's multithreaded CSV reader. pyarrow reports neither the row nor, reliably, the
column of a bad cell, so on failure the file is diagnosed a second, slower way to find them. Plain
CSV and gzip-compressed CSV (``.gz``) are read alike; CRLF line endings, a UTF-8 byte-order mark
and quoted headers are accepted.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kinemyo.data.table_cache import TableCache
from kinemyo.errors import DataFormatError


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def read_header(path: str | Path) -> list[str]:
    """The column names on the first line of ``path``.

    Raises:
        DataFormatError: the file is missing, empty or unreadable.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(
            "file not found." if not path.exists() else "is not a file.", path=path
        )
    try:
        with _open_text(path) as handle:
            first = next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataFormatError(f"cannot be read as UTF-8 CSV text ({exc}).", path=path) from None
    if not first or first == [""]:
        raise DataFormatError("the file is empty; expected a header line.", path=path)
    return first


def check_columns(
    path: Path, found: Sequence[str], expected: Sequence[str], *, what: str = "columns"
) -> None:
    """Raise a ``DataFormatError`` unless ``found`` holds exactly the names in ``expected``.

    The order does not matter (columns are read by name). Near-miss names are reported as such
    but still rejected: a renamed channel is a different montage, not a typo.
    """
    repeated = sorted({n for n in found if list(found).count(n) > 1})
    if repeated:
        raise DataFormatError(f"repeated column names {repeated}.", path=path)
    missing = [n for n in expected if n not in found]
    extra = [n for n in found if n not in expected]
    if not missing and not extra:
        return
    parts = []
    if missing:
        parts.append(f"missing {_quoted(missing)}")
    if extra:
        parts.append(f"unexpected {_quoted(extra)}")
    near = [
        f"'{e}' looks like '{m[0]}'"
        for e in extra
        if (m := difflib.get_close_matches(e, missing, n=1, cutoff=0.8))
    ]
    problem = f"the {what} do not match: " + "; ".join(parts) + "."
    if near:
        problem += (
            " Near misses (rejected, channels are matched by exact name): " + ", ".join(near) + "."
        )
    raise DataFormatError(
        problem,
        path=path,
        hint=f"Expected {len(expected)} {what}: {_quoted(expected)}; found {len(found)}: "
        f"{_quoted(found)}.",
    )


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


_ARROW_TYPES = {np.float64: pa.float64(), np.float32: pa.float32(), str: pa.string()}


def read_table(
    path: str | Path,
    columns: Mapping[str, type],
    *,
    cache: TableCache | None = None,
) -> dict[str, np.ndarray]:
    """Read the named columns of a CSV file with a header line.

    Args:
        path: the CSV (or ``.csv.gz``) file.
        columns: column name -> ``np.float64``, ``np.float32`` (empty cells become NaN) or ``str``
            (empty cells become ""). Numbers are parsed straight to the given precision.
        cache: where parsed tables are kept, so a file is parsed from text only once.

    Returns:
        A dict from column name to a (N,) array of the asked type; numeric arrays are read-only
        when they share the parsed table's memory.

    Raises:
        DataFormatError: empty file, no data rows, a row with the wrong number of cells (such as a
            truncated last line) or a cell that is not a number, naming the column and row.
    """
    path = Path(path)
    header = read_header(path)
    request = [f"{_ARROW_TYPES[kind]}:{name}" for name, kind in columns.items()]
    table = None if cache is None else cache.get(path, request)
    if table is None:
        table = _parse(path, header, columns)
        if cache is not None and table.num_rows:
            cache.put(path, request, table)
    if table.num_rows == 0:
        raise DataFormatError("the file has a header but no data rows.", path=path)
    out = {}
    for name, kind in columns.items():
        if kind is not str:
            out[name] = table.column(name).to_numpy()
            continue
        # few distinct strings (status codes): decode each once, then index
        encoded = pc.dictionary_encode(table.column(name)).combine_chunks()
        words = np.asarray(encoded.dictionary.to_pylist(), dtype=str)
        out[name] = words[encoded.indices.to_numpy()]
    return out


def _parse(path: Path, header: list[str], columns: Mapping[str, type]) -> pa.Table:
    convert = pacsv.ConvertOptions(
        column_types={name: _ARROW_TYPES[kind] for name, kind in columns.items()},
        include_columns=list(columns),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        return pacsv.read_csv(path, convert_options=convert)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        _raise_diagnosis(path, header, [name for name, kind in columns.items() if kind is not str])
        raise


def _raise_diagnosis(path: Path, header: list[str], numeric_columns: Sequence[str]) -> None:
    """Find the row and column pyarrow failed on, and raise a ``DataFormatError`` naming them."""
    with _open_text(path) as handle:
        rows = list(csv.reader(handle))
    body = rows[1:]
    for index, cells in enumerate(body, start=1):
        if len(cells) != len(header):
            last = index == len(body)
            raise DataFormatError(
                f"expected {len(header)} values, found {len(cells)}"
                + (" on the last line: the file looks truncated." if last else "."),
                path=path,
                row=index,
                hint="Remove or complete that line." if last else None,
            )
    if not body:
        raise DataFormatError("the file has a header but no data rows.", path=path)
    for name in numeric_columns:
        col = header.index(name)
        cells = pd.Series([r[col].strip() for r in body])
        parsed = pd.to_numeric(cells, errors="coerce")
        bad = parsed.isna() & (cells != "") & (cells.str.lower() != "nan")
        if bad.any():
            index = int(np.argmax(bad.to_numpy()))
            raise DataFormatError(
                f"'{cells[index]}' is not a number.",
                path=path,
                column=name,
                row=index + 1,
                hint="Numeric columns must hold only numbers (an empty cell counts as missing).",
            )
