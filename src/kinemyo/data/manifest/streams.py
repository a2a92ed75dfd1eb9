"""Read one stream of a manifest trial (EMG, angles or moments) from an OpenSim, C3D or CSV file
into a :class:`Timed` table: its own time column, named columns, one unit each.

Units: EMG in mV (raw: the manifest's ``emg.unit``, or the C3D file's own) or "1" (an envelope
normalised to 1); angles in deg (.mot files say ``inDegrees``; radians are converted); moments in
the manifest's ``moment_unit``. The joint of a moment column is its name without ``_moment``, so
that ``hip_flexion_r_moment`` (ID) meets ``hip_flexion_r`` (IK).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kinemyo import units
from kinemyo.data.c3d import TO_MILLIVOLT, is_voltage, read_c3d_analog, read_c3d_contents
from kinemyo.data.csv_table import read_header, read_table
from kinemyo.data.manifest.schema import ENVELOPE_UNIT, EmgSettings, ManifestSettings, Stream
from kinemyo.data.opensim import MOMENT_SUFFIX, TRANSLATIONS, check_time, read_storage
from kinemyo.errors import DataFormatError


@dataclass(frozen=True, eq=False)
class Timed:
    """A stream on its own clock.

    Attributes:
        time: (T,) s, strictly increasing.
        values: (T, K) float64, NaN where missing.
        names: K channel or joint names.
        unit: the unit of every column.
        path: the file read.
    """

    time: np.ndarray
    values: np.ndarray
    names: tuple[str, ...]
    unit: str
    path: Path


def _columns(
    available: tuple[str, ...], wanted: tuple[str, ...] | None, path: Path
) -> tuple[str, ...]:
    if wanted is None:
        return available
    absent = [name for name in wanted if name not in available]
    if absent:
        raise DataFormatError(
            f"no column {absent}; columns are: {', '.join(available)} (exact names).", path=path
        )
    return wanted


def _read_columns(
    path: Path, stream: Stream
) -> tuple[np.ndarray, dict[str, np.ndarray], bool | None]:
    """(time, columns by name, the inDegrees flag or None) of an OpenSim or CSV file."""
    if path.suffix.lower() in (".mot", ".sto"):
        table = read_storage(path)
        names = _columns(table.columns, stream.columns, path)
        return table.time, {n: table.column(n) for n in names}, table.in_degrees
    header = tuple(read_header(path))
    _columns(header, (stream.time_column,), path)
    others = tuple(c for c in header if c != stream.time_column)
    names = _columns(others, stream.columns, path)
    data = read_table(path, {stream.time_column: np.float64} | dict.fromkeys(names, np.float64))
    time = data.pop(stream.time_column)
    check_time(time, path, stream.time_column)
    return time, data, None


def _stack(time: np.ndarray, data: dict[str, np.ndarray], path: Path) -> np.ndarray:
    if not data:
        raise DataFormatError("no column to read besides time.", path=path)
    return np.column_stack([np.asarray(v, dtype=np.float64) for v in data.values()]).reshape(
        time.size, len(data)
    )


def read_emg(path: Path, stream: Stream, emg: EmgSettings) -> Timed:
    """The EMG of a trial, in mV (raw: a C3D channel without a unit is in ``emg.unit``) or
    normalised to 1 (envelope: the values as written, a C3D file's voltage label ignored)."""
    if path.suffix.lower() == ".c3d" and emg.kind == "raw":
        rec = read_c3d_analog(path, stream.columns, assume_unit=emg.unit)
        return Timed(
            rec.time, rec.emg.values.astype(np.float64), rec.emg.names, units.MILLIVOLT, path
        )
    if path.suffix.lower() == ".c3d":
        contents = read_c3d_contents(path)
        pairs = zip(contents.labels, contents.units, strict=True)
        names = _columns(
            contents.labels, stream.columns or tuple(n for n, u in pairs if is_voltage(u)), path
        )
        if not names:
            raise DataFormatError(
                "no analog channel is in a voltage unit (or without one); name the envelope "
                "channels with the stream's columns.",
                path=path,
            )
        rows = [contents.labels.index(name) for name in names]
        return Timed(contents.time, contents.analogs[rows].T, names, ENVELOPE_UNIT, path)
    time, data, _ = _read_columns(path, stream)
    values = _stack(time, data, path)
    if emg.kind == "envelope":
        return Timed(time, values, tuple(data), ENVELOPE_UNIT, path)
    scale = TO_MILLIVOLT[emg.unit]
    return Timed(time, values * scale, tuple(data), units.MILLIVOLT, path)


def read_angles(path: Path, stream: Stream, top: ManifestSettings) -> Timed:
    """Joint angles in deg (translations ``*_tx/_ty/_tz`` are left out unless asked for)."""
    time, data, in_degrees = _read_columns(path, stream)
    if stream.columns is None:
        data = {n: v for n, v in data.items() if not n.endswith(TRANSLATIONS)}
    degrees = in_degrees if in_degrees is not None else top.angle_unit == units.DEGREE
    values = _stack(time, data, path)
    return Timed(time, values if degrees else np.degrees(values), tuple(data), units.DEGREE, path)


def read_moments(path: Path, stream: Stream, top: ManifestSettings) -> Timed:
    """Joint moments in the manifest's unit, named by joint (``_moment`` dropped); of an ID file
    only the ``*_moment`` columns unless ``columns`` names others."""
    time, data, _ = _read_columns(path, stream)
    if stream.columns is None and any(n.endswith(MOMENT_SUFFIX) for n in data):
        data = {n: v for n, v in data.items() if n.endswith(MOMENT_SUFFIX)}
    names = tuple(n.removesuffix(MOMENT_SUFFIX) for n in data)
    return Timed(time, _stack(time, data, path), names, top.moment_unit, path)


def read_label_column(path: Path, time_column: str, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(time in s, labels as strings) of a CSV event/label file."""
    _columns(tuple(read_header(path)), (time_column, column), path)
    data = read_table(path, {time_column: np.float64, column: str})
    order = np.argsort(data[time_column], kind="stable")
    return data[time_column][order], data[column][order]
