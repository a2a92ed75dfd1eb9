"""Fast, strict reading of delimited tables with errors that name file, column and row.

Parsing is pyarrow's multithreaded CSV reader. Before it runs, the file passes the cheap checks
of :mod:`kinemyo.data.limits` (size, no NUL bytes, header line length and column count, unique
column names). pyarrow parses in blocks of the longest plausible row of the header's width (at
least 1 MiB); a row that straddles blocks is refused, naming it. pyarrow reports neither the row
nor, reliably, the column of a bad cell, so on failure the file is parsed a second time, single
threaded, as text, to find them; that diagnosis costs about two parses, never more. Plain CSV and
gzip-compressed CSV (``.gz``) are read alike; CRLF line endings, a UTF-8 byte-order mark and
quoted headers are accepted. :func:`read_table` is :func:`parse_table` (every check, no
conversion, no cache write: what a background thread can do), then the cache write and the
conversion to numpy (:class:`ParsedTable`).
"""

from __future__ import annotations

import codecs
import csv
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kinemyo.data.limits import (
    CSV_TABLE,
    MIB,
    FileLimits,
    bounded_rows,
    check_text_file,
    open_binary,
    repeated_names,
)
from kinemyo.data.table_cache import TableCache
from kinemyo.errors import DataFormatError

MIN_BLOCK_BYTES = 1 * MIB
"""Smallest pyarrow block; a row longer than the block is refused."""

_SHOWN_CELL = 40
"""Characters of a bad cell quoted in a message."""


def read_header(path: str | Path, limits: FileLimits = CSV_TABLE) -> list[str]:
    """The column names on the first line of ``path``.

    Args:
        path: the CSV (or ``.csv.gz``) file.
        limits: the plausible size, header length and column count of the file's layout.

    Raises:
        DataFormatError: the file is missing, empty, binary, beyond ``limits`` or unreadable, or
            repeats a column name.
    """
    path = Path(path)
    line = check_text_file(path, limits)
    try:
        first = next(csv.reader([line]), None)
    except csv.Error as exc:
        raise DataFormatError(
            f"the header line cannot be read as CSV ({exc}).", path=path
        ) from None
    if not first or first == [""]:
        raise DataFormatError("the file is empty; expected a header line.", path=path)
    repeated = repeated_names(first)
    if repeated:
        raise DataFormatError(
            f"repeated column names {repeated}.",
            path=path,
            hint="Columns are read by name, so each name must be unique.",
        )
    return first


def check_columns(
    path: Path, found: Sequence[str], expected: Sequence[str], *, what: str = "columns"
) -> None:
    """Raise a ``DataFormatError`` unless ``found`` holds exactly the names in ``expected``.

    The order does not matter (columns are read by name). Near-miss names are reported as such
    but still rejected: a renamed channel is a different montage, not a typo.
    """
    repeated = repeated_names(found)
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


@dataclass(frozen=True, eq=False)
class ParsedTable:
    """The asked columns of a CSV file, parsed (or taken from the cache), not yet stored.

    Attributes:
        path: the file.
        columns: the asked columns and their types (see :func:`read_table`).
        table: those columns, at least one row.
        cache: where it is kept, if anywhere.
        from_cache: whether ``table`` came from ``cache`` (nothing to store).
    """

    path: Path
    columns: Mapping[str, type]
    table: pa.Table
    cache: TableCache | None
    from_cache: bool

    @property
    def request(self) -> tuple[str, ...]:
        """The columns with their Arrow types: the cache's key."""
        return _request(self.columns)

    def store(self, prune: bool = True, *, behind: bool = False) -> None:
        """Keep a table parsed from text in the cache (see :meth:`TableCache.put`; ``behind``:
        on the cache's writer thread, :meth:`TableCache.put_behind`, never pruning)."""
        if self.cache is None or self.from_cache:
            return
        if behind:
            self.cache.put_behind(self.path, self.request, self.table)
        else:
            self.cache.put(self.path, self.request, self.table, prune=prune)

    def stacked(self, names: Sequence[str], dtype: type) -> np.ndarray:
        """The numeric columns ``names`` side by side, (N, len(names)) of ``dtype`` in C order
        (empty cells NaN): each value copied once, straight from the parsed blocks."""
        out = np.empty((self.table.num_rows, len(names)), dtype=dtype)
        start = 0
        for batch in self.table.select(list(names)).to_batches():
            rows = out[start : start + batch.num_rows]  # a block small enough to stay in cache
            for k, column in enumerate(batch.columns):
                rows[:, k] = column.to_numpy(zero_copy_only=False)
            start += batch.num_rows
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        """Each column as a (N,) numpy array; see :func:`read_table` for what they hold."""
        out = {}
        for name, kind in self.columns.items():
            if kind is not str:
                out[name] = self.table.column(name).to_numpy()
                continue
            # few distinct strings (status codes): decode each once, then index
            encoded = pc.dictionary_encode(self.table.column(name)).combine_chunks()
            words = np.asarray(encoded.dictionary.to_pylist(), dtype=str)
            out[name] = words[encoded.indices.to_numpy()]
        return out


def _request(columns: Mapping[str, type]) -> tuple[str, ...]:
    return tuple(f"{_ARROW_TYPES[kind]}:{name}" for name, kind in columns.items())


def parse_table(
    path: str | Path,
    columns: Mapping[str, type],
    *,
    cache: TableCache | None = None,
    limits: FileLimits = CSV_TABLE,
    threads: bool = True,
) -> ParsedTable:
    """Parse the named columns of a CSV file with a header line, or take them from ``cache``;
    every check of :func:`read_table` that can refuse the file, and no conversion to numpy.
    The cache is not written: call :meth:`ParsedTable.store` (e.g. later, in the background).

    ``threads``: parse the blocks of the file on pyarrow's threads (what one file wants), or on
    the calling thread only (when several files are parsed at once, one per thread: less work
    in all than sharing each file out). Other arguments and errors: see :func:`read_table`.
    """
    path = Path(path)
    header = read_header(path, limits)
    table = None if cache is None else cache.get(path, _request(columns))
    from_cache = table is not None
    if table is None:
        table = _parse(path, header, columns, _block_bytes(header, limits), threads)
    if table.num_rows == 0:
        raise DataFormatError("the file has a header but no data rows.", path=path)
    return ParsedTable(path, dict(columns), table, cache, from_cache)


def read_table(
    path: str | Path,
    columns: Mapping[str, type],
    *,
    cache: TableCache | None = None,
    limits: FileLimits = CSV_TABLE,
) -> dict[str, np.ndarray]:
    """Read the named columns of a CSV file with a header line.

    Args:
        path: the CSV (or ``.csv.gz``) file.
        columns: column name -> ``np.float64``, ``np.float32`` (empty cells become NaN) or ``str``
            (empty cells become ""). Numbers are parsed straight to the given precision.
        cache: where parsed tables are kept, so a file is parsed from text only once.
        limits: the plausible size, header and rows of the file's layout.

    Returns:
        A dict from column name to a (N,) array of the asked type; numeric arrays are read-only
        when they share the parsed table's memory.

    Raises:
        DataFormatError: see :func:`read_header`; no data rows, a row with the wrong number of
            cells (such as a truncated last line) or longer than the longest plausible row, or a
            cell that is not a number, naming the column and row.
    """
    parsed = parse_table(path, columns, cache=cache, limits=limits)
    parsed.store()
    return parsed.arrays()


def _block_bytes(header: Sequence[str], limits: FileLimits) -> int:
    """pyarrow's block size: the longest plausible row (and the header line) fit in one."""
    header_bytes = sum(len(name.encode()) + 3 for name in header)
    return max(MIN_BLOCK_BYTES, limits.max_row_bytes(len(header)), 2 * header_bytes)


def _parse(
    path: Path, header: list[str], columns: Mapping[str, type], block: int, threads: bool
) -> pa.Table:
    convert = pacsv.ConvertOptions(
        column_types={name: _ARROW_TYPES[kind] for name, kind in columns.items()},
        include_columns=list(columns),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=block, use_threads=threads),
            convert_options=convert,
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        _raise_diagnosis(path, header, columns, block, error)
        raise


class _InvalidRows:
    """An ``invalid_row_handler`` for pyarrow: keeps the first bad row and counts them all."""

    def __init__(self) -> None:
        self.first: pacsv.InvalidRow | None = None
        self.count = 0

    def __call__(self, row: pacsv.InvalidRow) -> str:
        self.first = self.first or row
        self.count += 1
        return "skip"


def _raise_diagnosis(
    path: Path, header: list[str], columns: Mapping[str, type], block: int, error: Exception
) -> None:
    """Find the row and column pyarrow failed on, and raise a ``DataFormatError`` naming them.

    One single-threaded parse of the asked columns as text (so pyarrow numbers the lines), then
    one cast per numeric column; a failing column is bisected to its first bad cell.
    """
    if "straddl" in str(error):  # pyarrow: "... straddling object straddles two block ..."
        _raise_long_row(path, len(header), block)
    _raise_non_utf8(path)  # pyarrow cannot hand a row that is not UTF-8 to ``invalid``
    invalid = _InvalidRows()
    try:
        text = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=block, use_threads=False),
            parse_options=pacsv.ParseOptions(invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(columns, pa.string()),
                include_columns=list(columns),
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as again:
        raise DataFormatError(
            f"cannot be parsed as CSV ({_first_line_of(again)}).", path=path
        ) from None
    if invalid.first is not None:
        bad = invalid.first
        row = bad.number - 1 if bad.number else None
        cut = bad.actual_columns < bad.expected_columns
        last = cut and row is not None and row == text.num_rows + invalid.count
        raise DataFormatError(
            f"expected {bad.expected_columns} values, found {bad.actual_columns}"
            + (" on the last line: the file looks truncated." if last else "."),
            path=path,
            row=row,
            hint="Remove or complete that line." if last else None,
        )
    if text.num_rows == 0:
        raise DataFormatError("the file has a header but no data rows.", path=path)
    for name, kind in columns.items():
        if kind is str:
            continue
        found = _first_unparsable(text.column(name).combine_chunks(), _ARROW_TYPES[kind])
        if found is not None:
            row, cell = found
            shown = cell if len(cell) <= _SHOWN_CELL else cell[:_SHOWN_CELL] + "..."
            raise DataFormatError(
                f"'{shown}' is not a number.",
                path=path,
                column=name,
                row=row + 1,
                hint="Numeric columns must hold only numbers (an empty cell counts as missing).",
            )
    raise DataFormatError(f"cannot be parsed as CSV ({_first_line_of(error)}).", path=path)


def _first_line_of(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


_NULL_CELLS = pa.array(pacsv.ConvertOptions().null_values)
"""Cells pyarrow reads as missing (NaN) in a numeric column: "", "NA", "nan", "null", ..."""


def _first_unparsable(cells: pa.Array, kind: pa.DataType) -> tuple[int, str] | None:
    """(0-based row, cell) of the first of ``cells`` (text) that is neither a number of type
    ``kind`` nor a missing-value marker; None when all parse. Linear time."""
    trimmed = pc.utf8_trim_whitespace(cells)
    numbers = pc.if_else(pc.is_in(trimmed, value_set=_NULL_CELLS), None, trimmed)

    def parses(first: int, stop: int) -> bool:
        try:
            pc.cast(numbers.slice(first, stop - first), kind)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return False
        return True

    low, high = 0, len(numbers)
    if parses(low, high):
        return None
    while high - low > 1:  # the first bad cell lies in [low, high)
        middle = (low + high) // 2
        if parses(low, middle):
            low = middle
        else:
            high = middle
    return low, cells[low].as_py()


def _raise_non_utf8(path: Path) -> None:
    """Raise a ``DataFormatError`` naming the first row that is not UTF-8 text, if any (one pass
    at the speed of the UTF-8 decoder, in chunks of ``MIN_BLOCK_BYTES``)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = 0
    with open_binary(path) as handle:
        while True:
            chunk = handle.read(MIN_BLOCK_BYTES)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                row = newlines + chunk.count(b"\n", 0, max(error.start, 0))
                raise DataFormatError(
                    f"is not UTF-8 text ({error.reason}).", path=path, row=row or None
                ) from None
            if not chunk:
                return
            newlines += chunk.count(b"\n")


def _raise_long_row(path: Path, n_columns: int, block: int) -> None:
    """Raise a ``DataFormatError`` naming the first row longer than ``block`` bytes, if any."""
    with open_binary(path) as handle:
        handle.readline()  # the header
        for _ in bounded_rows(handle, path, block, n_columns):
            pass
