"""Cheap checks a reader makes before it parses a file, so a crafted or damaged file is refused
within a second, whatever its size.

Every reader calls :func:`check_file` with the :class:`FileLimits` of its layout (one constant
per layout below) before anything else: the file must exist, be no larger than the layout
plausibly gets, and start like a file of the layout: its magic bytes (binary formats) or a first
line of UTF-8 text without NUL bytes (text formats). Text readers call :func:`check_text_file`
instead, which also refuses a header line or a column count beyond the layout's, and bound every
data row by :meth:`FileLimits.max_row_bytes`. The checks read at most ``max_header_bytes + 1``
bytes of a file (decompressed, for ``.gz``), so their cost does not grow with the file.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kinemyo.errors import DataFormatError

KIB, MIB, GIB = 2**10, 2**20, 2**30

GZIP_MAGIC = b"\x1f\x8b"
"""First bytes of a gzip stream: a ``.gz`` text file is checked on its decompressed text."""


@dataclass(frozen=True)
class FileLimits:
    """What a file of one layout can plausibly be.

    Attributes:
        what: the layout as a noun phrase for messages, e.g. "a Camargo CSV table".
        max_bytes: the largest plausible file, bytes on disk.
        magic: the accepted first bytes (any of them), at ``magic_offset``; empty for a text
            format, whose first line is checked instead.
        magic_offset: where the magic bytes start, bytes.
        max_header_bytes: the longest plausible first line of a text format, bytes.
        max_columns: the most column names plausible on a header line of a text format.
        max_cell_bytes: the longest plausible cell of a data row (a number is under 32).
    """

    what: str
    max_bytes: int
    magic: tuple[bytes, ...] = ()
    magic_offset: int = 0
    max_header_bytes: int = 64 * KIB
    max_columns: int = 1000
    max_cell_bytes: int = 64

    def max_row_bytes(self, n_columns: int) -> int:
        """The longest plausible data row of ``n_columns`` cells, bytes (line end included)."""
        return max(n_columns, 1) * (self.max_cell_bytes + 1) + 2


CSV_TABLE = FileLimits(
    "a CSV table", max_bytes=8 * GIB, max_header_bytes=1 * MIB, max_columns=10_000
)
"""Any CSV table with a header line (the default of :func:`kinemyo.data.csv_table.read_header`)."""

SIAT_CSV = FileLimits(
    "a SIAT-LLMD CSV file", max_bytes=8 * GIB, max_header_bytes=16 * KIB, max_columns=256
)
"""SIAT-LLMD Data and Label files: 34 or 3 columns, 1920 Hz (a 10 min trial is about 500 MB)."""

CAMARGO_CSV = FileLimits(
    "a Camargo CSV table", max_bytes=4 * GIB, max_header_bytes=256 * KIB, max_columns=2000
)
"""Camargo tables written as CSV: at most a few hundred columns (markers), 1 kHz."""

MATLAB = FileLimits("a MATLAB .mat file", max_bytes=4 * GIB, magic=(b"MATLAB",))
"""MAT files of version 5, 7 and 7.3 (HDF5 with a MATLAB user block): a text header starting
"MATLAB". Version 4 files, which have no header, are not read."""

OPENSIM = FileLimits(
    "an OpenSim storage file", max_bytes=2 * GIB, max_header_bytes=1 * MIB, max_columns=20_000
)
"""OpenSim .mot/.sto files: the limits apply to each header line and to the column line."""

C3D = FileLimits("a C3D file", max_bytes=8 * GIB, magic=(b"\x50",), magic_offset=1)
"""C3D: the second byte of the header block is 0x50."""

NPZ = FileLimits("a NumPy .npz archive", max_bytes=4 * GIB, magic=(b"PK\x03\x04",))
"""``np.savez`` archives (zip files): the real SIAT knee cycles are 1 MB."""

XLSX = FileLimits("an .xlsx workbook", max_bytes=256 * MIB, magic=(b"PK\x03\x04",))
"""Excel workbooks (zip archives); a subject table is a few kB."""

TORCH_CHECKPOINT = FileLimits(
    "a PyTorch checkpoint", max_bytes=8 * GIB, magic=(b"PK\x03\x04", b"\x80")
)
"""``torch.save`` files: a zip archive, or a pickle (protocol 2+) in the legacy format."""

MODEL_JSON = FileLimits("a kinemyo model file (JSON)", max_bytes=256 * MIB, max_columns=0)
"""``model.json`` of a saved model: settings, schema and scalers, a few kB to a few MB."""

SAVED_JSON = FileLimits("a JSON file written by kinemyo", max_bytes=256 * MIB, max_columns=0)
"""The other JSON files kinemyo saves (``run.json``, ``pipeline.json``, ``lagllama.json``)."""

CONFIG_YAML = FileLimits("a kinemyo YAML configuration", max_bytes=1 * MIB, max_columns=0)
"""A configuration file: a few kB of settings."""

SAFETENSORS = FileLimits("a safetensors file", max_bytes=64 * GIB, magic=(b"{",), magic_offset=8)
"""safetensors: an 8-byte header length, then the JSON header."""


def repeated_names(names: Sequence[str]) -> list[str]:
    """The names that occur more than once in ``names``, sorted (linear time: one set, and a
    second pass only when there is a repeat)."""
    if len(set(names)) == len(names):
        return []
    seen: set[str] = set()
    repeated: set[str] = set()
    for name in names:
        if name in seen:
            repeated.add(name)
        seen.add(name)
    return sorted(repeated)


def open_binary(path: Path) -> BinaryIO:
    """``path`` opened for reading bytes, decompressed when it is gzip (named ``.gz``).

    Raises:
        DataFormatError: the gzip magic and the ``.gz`` name disagree (the parsers decide by
            the name, so such a file would be parsed as the wrong thing).
    """
    with path.open("rb") as handle:
        compressed = handle.read(len(GZIP_MAGIC)) == GZIP_MAGIC
    named = path.suffix.lower() == ".gz"
    if compressed != named:
        raise DataFormatError(
            "is gzip-compressed but not named .gz"
            if compressed
            else "is named .gz but is not gzip-compressed",
            path=path,
            hint=f"Rename it to {path.name}.gz." if compressed else "Decompress or rename it.",
        )
    return gzip.open(path, "rb") if compressed else path.open("rb")


def bounded_rows(
    handle: BinaryIO, path: Path, longest: int, n_columns: int
) -> Iterator[tuple[int, bytes]]:
    """(1-based row, line) of each line left in ``handle``, read ``longest + 1`` bytes at most.

    Raises:
        DataFormatError: naming the first row longer than ``longest`` bytes (for ``n_columns``
            values).
    """
    row = 0
    while line := handle.readline(longest + 1):
        row += 1
        if len(line) > longest:
            raise DataFormatError(
                f"the row is longer than {longest:,} bytes, more than {n_columns} values "
                "plausibly take.",
                path=path,
                row=row,
                hint="Is the file damaged, or are line ends missing?",
            )
        yield row, line


def check_file(path: str | Path, limits: FileLimits) -> Path:
    """Refuse ``path`` unless it exists and starts like a file of ``limits``' layout.

    Reads at most ``max_header_bytes + 1`` bytes (decompressed from a ``.gz`` text file).

    Returns:
        ``path`` as a Path.

    Raises:
        DataFormatError: missing, not a file, empty, larger than ``limits.max_bytes``, without
            the layout's magic bytes, or (text formats) UTF-16, holding a NUL byte or bytes that
            are not UTF-8 where the first line should be.
    """
    return _checked_probe(path, limits)[0]


def _checked_probe(path: str | Path, limits: FileLimits) -> tuple[Path, bytes]:
    """:func:`check_file`; returns ``path`` and the first ``max_header_bytes + 1`` bytes it read
    of a text format (empty for a binary one)."""
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(
            "file not found." if not path.exists() else "is not a file.", path=path
        )
    size = path.stat().st_size
    if size == 0:
        raise DataFormatError(f"the file is empty; expected {limits.what}.", path=path)
    if size > limits.max_bytes:
        raise DataFormatError(
            f"the file has {size:,} bytes, more than {limits.what} plausibly has "
            f"({limits.max_bytes:,}).",
            path=path,
            hint="Is it the right file?",
        )
    if limits.magic:
        with path.open("rb") as handle:
            handle.seek(limits.magic_offset)
            found = handle.read(max(map(len, limits.magic)))
        if not any(found.startswith(magic) for magic in limits.magic):
            raise DataFormatError(
                f"does not start like {limits.what} (bytes {limits.magic_offset}.. are "
                f"{found[:8]!r}, expected {' or '.join(map(repr, limits.magic))}).",
                path=path,
            )
        return path, b""
    try:
        with open_binary(path) as handle:
            probe = handle.read(limits.max_header_bytes + 1)
    except (OSError, EOFError) as exc:
        raise DataFormatError(f"cannot be decompressed ({exc}).", path=path) from None
    if probe.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataFormatError(
            f"is UTF-16 text (it starts with a UTF-16 byte-order mark); {limits.what} is UTF-8.",
            path=path,
            hint="Save it again as UTF-8.",
        )
    if b"\x00" in probe:
        raise DataFormatError(
            f"holds NUL bytes at byte {probe.index(0)}: it is binary, not {limits.what}.",
            path=path,
        )
    try:
        probe.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data":  # a character cut by the probe's end is fine
            raise DataFormatError(
                f"is not UTF-8 text at byte {exc.start} ({exc.reason}): not {limits.what}.",
                path=path,
            ) from None
    return path, probe


def check_text_file(path: str | Path, limits: FileLimits, *, delimiter: str | None = ",") -> str:
    """:func:`check_file`, then the first (header) line's checks; returns that line without its
    line end or a UTF-8 byte-order mark.

    Args:
        path: the file (``.gz`` files are read decompressed).
        limits: the layout's limits.
        delimiter: what separates the column names on the line, to count them (None: runs of
            whitespace; count nothing when ``limits.max_columns`` is 0).

    Raises:
        DataFormatError: see :func:`check_file`; a first line longer than
            ``limits.max_header_bytes`` or with more than ``limits.max_columns`` names.
    """
    path, probe = _checked_probe(path, limits)
    end = probe.find(b"\n")
    raw = probe if end < 0 else probe[: end + 1]  # what ``readline(max_header_bytes + 1)`` reads
    return header_line(raw, path, limits, delimiter=delimiter)


def header_line(raw: bytes, path: Path, limits: FileLimits, *, delimiter: str | None = ",") -> str:
    """``raw`` (one line read with ``readline(limits.max_header_bytes + 1)``) as text, refused
    when it is longer than ``limits.max_header_bytes`` or names more than
    ``limits.max_columns`` columns. See :func:`check_text_file` for ``delimiter``."""
    if len(raw) > limits.max_header_bytes:
        raise DataFormatError(
            f"a header line is longer than {limits.max_header_bytes:,} bytes, more than "
            f"{limits.what} plausibly has.",
            path=path,
        )
    text = raw.decode("utf-8", errors="replace").removeprefix("\ufeff").rstrip("\r\n")
    if limits.max_columns:
        count = len(text.split(delimiter)) if text.strip() else 0
        if count > limits.max_columns:
            raise DataFormatError(
                f"the header names {count:,} columns, more than {limits.max_columns:,} that "
                f"{limits.what} plausibly has.",
                path=path,
            )
    return text
