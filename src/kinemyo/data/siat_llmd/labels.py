"""SIAT-LLMD Label files (Time, Status, Group): read them, check them, pair their rows with the
Data file's.

Real stair files are 10 gait cycles stitched together, one per Group, and Time repeats where one
Group ends and the next begins. Such a repeat is a segment boundary (a *junction*); a Time that
fails to increase anywhere else is an error.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kinemyo.data.csv_table import ParsedTable, check_columns, parse_table, read_header
from kinemyo.data.limits import SIAT_CSV
from kinemyo.data.recording import NO_GROUP, UNLABELLED, Labels
from kinemyo.data.siat_llmd import schema
from kinemyo.data.table_cache import TableCache
from kinemyo.data.timebase import joined_time, restarts
from kinemyo.errors import DataFormatError, DataWarning


@dataclass(frozen=True, eq=False)
class LabelTable:
    """A Label file as read.

    Attributes:
        path: the file.
        time: (L,) Time, s, as written.
        status: (L,) Status strings ("1", "A", ...; ``UNLABELLED`` where empty).
        group: (L,) int32 Group, ``NO_GROUP`` where empty.
        restarts: (R,) 0-based rows where Time does not increase; each begins a new Group.
    """

    path: Path
    time: np.ndarray
    status: np.ndarray
    group: np.ndarray
    restarts: np.ndarray


def _normalise_status(raw: np.ndarray) -> np.ndarray:
    """Strip cells; '1.0' -> '1'; 'nan'/'NaN' -> '' (each distinct cell is normalised once)."""
    distinct, inverse = np.unique(raw, return_inverse=True)
    cleaned = [cell.strip() for cell in distinct.tolist()]
    cleaned = [
        UNLABELLED if cell.lower() == "nan" else re.sub(r"^(\d+)\.0*$", r"\1", cell)
        for cell in cleaned
    ]
    return np.asarray(cleaned, dtype=str)[inverse]


def _check_status(status: np.ndarray, motion: str, path: Path) -> None:
    """Refuse a Status the motion does not have; warn about ``NO_PERIOD`` rows of a gait motion."""
    allowed = {*schema.status_codes(motion), UNLABELLED}
    cyclic = motion in schema.CYCLE_STATUS_COUNT
    bad = ~np.isin(status, [*allowed, *([schema.NO_PERIOD] if cyclic else [])])
    if bad.any():
        row = int(np.argmax(bad))
        raise DataFormatError(
            f"Status '{status[row]}' is not a {motion} code; allowed: "
            f"{', '.join(sorted(allowed - {UNLABELLED}))} or empty"
            + (f" (and {schema.NO_PERIOD}, outside every gait period)." if cyclic else "."),
            path=path,
            column="Status",
            row=row + 1,
        )
    outside = status == schema.NO_PERIOD
    if outside.any():
        warnings.warn(
            f"{path}: {int(outside.sum())} row(s) with Status {schema.NO_PERIOD} (in no gait "
            f"period), the first at row {int(np.argmax(outside)) + 1}; they are kept as a "
            "segment of their own.",
            DataWarning,
            stacklevel=3,
        )


LABEL_TYPES = {"Time": np.float64, "Status": str, "Group": np.float64}
"""How the columns of a Label file are parsed."""


def parse_label_file(
    path: str | Path, *, cache: TableCache | None = None, threads: bool = True
) -> ParsedTable:
    """A Label CSV's columns parsed (or taken from ``cache``, which is not written), unchecked;
    ``threads`` as :func:`~kinemyo.data.csv_table.parse_table` takes it.

    Raises:
        DataFormatError: wrong columns, or a file that does not parse (see
            :func:`~kinemyo.data.csv_table.read_table`).
    """
    path = Path(path)
    check_columns(path, read_header(path, SIAT_CSV), schema.LABEL_COLUMNS)
    return parse_table(path, LABEL_TYPES, cache=cache, limits=SIAT_CSV, threads=threads)


def read_label_table(
    path: str | Path, *, motion: str | None, cache: TableCache | None = None
) -> LabelTable:
    """Read and check a Label CSV (Time, Status, Group).

    Args:
        path: the Label file.
        motion: its motion code, whose Status codes are allowed (None: any Status).
        cache: parse cache, if any.

    Raises:
        DataFormatError: see :func:`parse_label_file` and :func:`check_label_table`.
    """
    parsed = parse_label_file(path, cache=cache)
    parsed.store()
    return check_label_table(parsed, motion=motion)


def check_label_table(parsed: ParsedTable, *, motion: str | None) -> LabelTable:
    """Check a parsed Label file (:func:`parse_label_file`).

    Raises:
        DataFormatError: a missing Time, a non-integer Group, a Status code the motion does not
            have (e.g. 7 in WAK), a Time that does not increase within a Group; naming the row.
    """
    path, table = parsed.path, parsed.arrays()
    time, group_raw = table["Time"], table["Group"]
    status = _normalise_status(table["Status"])
    if motion is not None:
        _check_status(status, motion, path)
    bad_time = ~np.isfinite(time)
    if bad_time.any():
        raise DataFormatError(
            "Time is missing.", path=path, column="Time", row=int(np.argmax(bad_time)) + 1
        )
    fractional = np.isfinite(group_raw) & (group_raw != np.round(group_raw))
    if fractional.any():
        row = int(np.argmax(fractional))
        raise DataFormatError(
            f"Group '{group_raw[row]}' is not an integer.", path=path, column="Group", row=row + 1
        )
    group = np.where(np.isfinite(group_raw), group_raw, NO_GROUP).astype(np.int32)
    back = restarts(time)
    within_group = back[group[back] == group[back - 1]]
    if within_group.size:
        row = int(within_group[0])
        raise DataFormatError(
            f"Time does not increase within Group {group[row]}: {time[row]:.6f} s follows "
            f"{time[row - 1]:.6f} s.",
            path=path,
            column="Time",
            row=row + 1,
            hint="Time may repeat or go back only where a new Group begins.",
        )
    return LabelTable(path=path, time=time, status=status, group=group, restarts=back)


def junctions(data_time: np.ndarray, table: LabelTable, *, half_step: float) -> np.ndarray:
    """(J,) 0-based rows where the Data file's (T,) Time fails to increase at a Group junction.

    A row of the Data file whose Time does not increase is a junction when the Label file restarts
    at the same Time (within ``half_step`` s). Other such rows are not returned; the time-axis
    check refuses them.
    """
    data_restarts = restarts(data_time)
    if not (data_restarts.size and table.restarts.size):
        return np.zeros(0, dtype=np.int64)
    label_times = np.sort(table.time[table.restarts])
    at = data_time[data_restarts]
    above = np.clip(np.searchsorted(label_times, at), 1, label_times.size - 1)
    distance = np.minimum(np.abs(at - label_times[above - 1]), np.abs(at - label_times[above]))
    return data_restarts[distance <= half_step]


def pair_labels(
    table: LabelTable, data_time: np.ndarray, junction_rows: np.ndarray, fs: float
) -> Labels:
    """The labels of each Data row: by row when both Time columns agree row for row, else by Time.

    Args:
        table: the Label file.
        data_time: (T,) the Data file's Time, s, as written.
        junction_rows: the Data rows where a new Group begins with a repeated Time
            (:func:`junctions`).
        fs: the sampling rate, Hz.

    Returns:
        (T,) labels. When the files differ (e.g. in length), rows are matched on Time (nearest
        sample within half a step, each Group junction of either file counted as one step) and a
        ``DataWarning`` says how many data rows got no label (status "", group -1).
    """
    half_step = 0.5 / fs
    if table.time.size == data_time.size and np.all(np.abs(table.time - data_time) <= half_step):
        return Labels(status=table.status, group=table.group)
    data_joined = joined_time(data_time, junction_rows, 1.0 / fs)
    label_joined = joined_time(table.time, table.restarts, 1.0 / fs)
    nearest = np.clip(np.searchsorted(data_joined, label_joined), 1, data_joined.size - 1)
    earlier = np.abs(label_joined - data_joined[nearest - 1]) < np.abs(
        label_joined - data_joined[nearest]
    )
    nearest = nearest - earlier
    matched = np.abs(label_joined - data_joined[nearest]) <= half_step
    status = np.full(data_time.size, UNLABELLED, dtype=table.status.dtype)
    group = np.full(data_time.size, NO_GROUP, dtype=np.int32)
    status[nearest[matched]] = table.status[matched]
    group[nearest[matched]] = table.group[matched]
    unlabelled = data_time.size - np.unique(nearest[matched]).size
    warnings.warn(
        f"{table.path}: {table.time.size} label rows for {data_time.size} data rows; aligned on "
        f"Time ({unlabelled} data row(s) left unlabelled, {int((~matched).sum())} label row(s) "
        "matched no data row).",
        DataWarning,
        stacklevel=3,
    )
    return Labels(status=status, group=group)


def task_labels(tasks: np.ndarray) -> Labels:
    """Labels from a per-row task code (a calibration file's ``label`` column): Status = the
    code, Group = the 0-based index of its contiguous chunk (a new Group wherever the code
    changes)."""
    tasks = np.asarray(tasks, dtype=str)
    changes = np.r_[False, tasks[1:] != tasks[:-1]] if tasks.size else np.zeros(0, bool)
    return Labels(status=tasks, group=np.cumsum(changes))
