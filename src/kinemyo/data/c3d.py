"""Analog channels (e.g. EMG) of a C3D motion-capture file, as a :class:`Recording`.

C3D files are read with ezc3d, an optional dependency: ``pip install 'kinemyo[c3d]'``.

- Channel names: the ``ANALOG:LABELS`` parameter (continued in ``LABELS2``, ``LABELS3``... for
  more than 255 channels), matched by exact, case-sensitive name.
- Rate: ``ANALOG:RATE``, Hz.
- Time: sample n is at ``(first + n) / rate`` s, where ``first`` is the header's first analog
  frame as ezc3d gives it (0-based: a file that starts at frame 1 starts at 0 s).
- Units: ``ANALOG:UNITS`` (continued likewise); V, mV and uV are converted to mV. Without a
  channel list the voltage channels are read and the others (force plates: N, N·mm, Nmm...)
  skipped with a ``DataWarning`` that names them; a channel asked for by name in another unit is
  refused: this reader is for EMG. A channel whose unit the file does not give needs
  ``assume_unit``; ``fix_units`` replaces a unit the file gets wrong.
- Values: ezc3d applies ``ANALOG:SCALE``, ``GEN_SCALE`` and ``OFFSET``. Values beyond the
  plausible EMG range (:mod:`kinemyo.data.plausibility`) are flagged with a ``DataWarning``, with
  the unit that would make them plausible (a "V" channel reading hundreds is µV labelled V), and
  so are flat or dead channels.
- Before ezc3d runs, the file passes the cheap checks of :mod:`kinemyo.data.limits` (size, the
  0x50 magic byte) and must be as long as its header says: ezc3d silently returns the frames of
  a file cut short, so a file shorter than its header's data section is refused.
"""

from __future__ import annotations

import struct
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kinemyo import units
from kinemyo.data.limits import C3D, check_file, repeated_names
from kinemyo.data.plausibility import likely_emg_unit, warn_flat, warn_implausible
from kinemyo.data.recording import Recording, RecordingMeta, SignalBlock
from kinemyo.errors import DataFormatError, DataWarning, KinemyoError

TO_MILLIVOLT = {"V": 1000.0, "mV": 1.0, "uV": 1e-3, "µV": 1e-3, "μV": 1e-3}
"""Factor from each accepted analog unit to mV."""


def is_voltage(unit: str) -> bool:
    """True for a channel that may hold EMG: its unit is a voltage (:data:`TO_MILLIVOLT`) or not
    given ("", which the reader's ``assume_unit`` then supplies)."""
    return not unit or unit in TO_MILLIVOLT


BLOCK_BYTES = 512
"""C3D files are made of 512-byte blocks; the first is the header."""

_SCALE_SIGN_BYTE = {84: 15, 85: 13, 86: 12}
"""Processor byte (the 4th of the parameter section: 84 Intel, 85 DEC, 86 MIPS) -> the header
byte holding the sign of the scale (IEEE little-endian, VAX, IEEE big-endian floats)."""

_BIG_ENDIAN_PROCESSOR = 86


def _check_length(path: Path) -> None:
    """Refuse a file shorter than the data section its header announces.

    Header words (16-bit, 1-based): 1 = parameter block | 0x50, 2 = 3D points, 3 = analog
    samples per 3D frame, 4 / 5 = first / last frame, 7-8 = scale (negative: 4-byte floats, else
    2-byte integers), 9 = first block of the data. Each frame holds 4 values per point and the
    analog samples. A header whose last frame saturates at 65535 gives a lower bound only.
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.read(BLOCK_BYTES)
        handle.seek(max(header[0] - 1, 0) * BLOCK_BYTES + 3)
        processor = handle.read(1)
    if len(header) < BLOCK_BYTES:
        raise DataFormatError(
            f"only {size} bytes: shorter than the {BLOCK_BYTES}-byte C3D header.", path=path
        )
    kind = processor[0] if processor and processor[0] in _SCALE_SIGN_BYTE else 84
    order = ">" if kind == _BIG_ENDIAN_PROCESSOR else "<"
    _, points, analogs, first, last = struct.unpack(order + "5H", header[:10])
    value_bytes = 4 if header[_SCALE_SIGN_BYTE[kind]] & 0x80 else 2
    data_start = (struct.unpack(order + "H", header[16:18])[0] - 1) * BLOCK_BYTES
    frames = last - first + 1
    frame_bytes = (4 * points + analogs) * value_bytes
    needed = data_start + max(frames, 0) * frame_bytes
    if size < needed:
        whole = max(size - data_start, 0) // frame_bytes if frame_bytes else 0
        raise DataFormatError(
            f"the header announces {frames} frames ({first}-{last}) ending at byte {needed:,}, "
            f"but the file has {size:,} bytes ({whole} whole frames): it is cut short.",
            path=path,
            hint="Copy or export the file again.",
        )


def _import_ezc3d() -> Any:
    try:
        import ezc3d
    except ImportError:
        raise KinemyoError(
            "Reading C3D files needs the optional ezc3d package: pip install 'kinemyo[c3d]'."
        ) from None
    return ezc3d


def _strings(group: Mapping[str, Any], name: str) -> list[str]:
    """A string parameter and its continuations (``NAME``, ``NAME2``, ``NAME3``...), stripped."""
    values: list[str] = []
    key, part = name, 1
    while key in group:
        values.extend(str(v).strip() for v in group[key]["value"])
        part += 1
        key = f"{name}{part}"
    return values


def _select(labels: Sequence[str], channels: Sequence[str] | None, path: Path) -> list[int]:
    """Positions of ``channels`` (all when None) among ``labels``; exact names."""
    wanted = list(labels) if channels is None else list(channels)
    if not wanted:
        raise DataFormatError("no analog channel to read.", path=path)
    absent = [name for name in wanted if name not in labels]
    if absent:
        raise DataFormatError(
            f"no analog channel named {absent}; channels are: {', '.join(labels)} "
            "(names are matched exactly, case included).",
            path=path,
        )
    asked = set(wanted)
    repeated = [name for name in repeated_names(labels) if name in asked]
    if repeated:
        raise DataFormatError(f"several analog channels are named {repeated}.", path=path)
    return [labels.index(name) for name in wanted]


def _scale_to_mv(unit: str | None, channel: str, path: Path) -> float:
    if not unit:
        raise DataFormatError(
            "the file gives no unit (ANALOG:UNITS) for this channel; pass assume_unit "
            "('V', 'mV' or 'uV').",
            path=path,
            column=channel,
        )
    if unit not in TO_MILLIVOLT:
        raise DataFormatError(
            f"unit '{unit}' is not a voltage; EMG channels must be in V, mV or uV.",
            path=path,
            column=channel,
        )
    return TO_MILLIVOLT[unit]


@dataclass(frozen=True, eq=False)
class C3DContents:
    """What a C3D file holds, as written (no unit conversion).

    Attributes:
        path: the file.
        labels: ANALOG:LABELS, one per analog channel.
        units: ANALOG:UNITS per channel ("" where the file gives none).
        rate: ANALOG:RATE, Hz.
        analogs: (channels, samples) values in each channel's own unit.
        first_frame: the header's 0-based first analog frame.
        point_labels: POINT:LABELS (markers and model outputs), possibly empty.
        point_rate: POINT:RATE, Hz (0 when absent).
        n_point_frames: frames of point data.
    """

    path: str
    labels: tuple[str, ...]
    units: tuple[str, ...]
    rate: float
    analogs: np.ndarray
    first_frame: int
    point_labels: tuple[str, ...]
    point_rate: float
    n_point_frames: int

    @property
    def time(self) -> np.ndarray:
        """(samples,) s: sample n is at ``(first_frame + n) / rate``."""
        return (self.first_frame + np.arange(self.analogs.shape[1])) / self.rate


def read_c3d_contents(path: str | Path) -> C3DContents:
    """Open a C3D file after the cheap checks and list its analog channels and points.

    Raises:
        KinemyoError: ezc3d is not installed.
        DataFormatError: the file fails the checks of :mod:`kinemyo.data.limits`, is shorter
            than its header announces, unreadable, has no ANALOG group, labels that do not
            match the channels, or no positive ANALOG:RATE.
    """
    ezc3d = _import_ezc3d()
    path = check_file(path, C3D)
    _check_length(path)
    try:
        c3d = ezc3d.c3d(str(path))
    except Exception as exc:
        raise DataFormatError(f"cannot be read as a C3D file ({exc}).", path=path) from None
    analog = c3d["parameters"].get("ANALOG")
    if analog is None:
        raise DataFormatError(
            "no ANALOG parameter group: the file has no analog channels.", path=path
        )
    labels = _strings(analog, "LABELS")
    samples = np.asarray(c3d["data"]["analogs"], dtype=np.float64)[0]
    if samples.shape[0] != len(labels):
        raise DataFormatError(
            f"{samples.shape[0]} analog channels but {len(labels)} ANALOG:LABELS.", path=path
        )
    rate = float(np.ravel(analog["RATE"]["value"])[0]) if "RATE" in analog else 0.0
    if not rate > 0:
        raise DataFormatError("ANALOG:RATE is missing or not positive.", path=path)
    file_units = _strings(analog, "UNITS")
    point = c3d["parameters"].get("POINT", {})
    points = np.asarray(c3d["data"]["points"])
    return C3DContents(
        path=str(path),
        labels=tuple(labels),
        units=tuple(file_units[i] if i < len(file_units) else "" for i in range(len(labels))),
        rate=rate,
        analogs=samples,
        first_frame=int(c3d["header"]["analogs"]["first_frame"]),
        point_labels=tuple(_strings(point, "LABELS")) if points.shape[1] else (),
        point_rate=float(np.ravel(point["RATE"]["value"])[0]) if "RATE" in point else 0.0,
        n_point_frames=int(points.shape[2]) if points.ndim == 3 else 0,
    )


def read_c3d_analog(
    path: str | Path,
    channels: Sequence[str] | None = None,
    *,
    subject: str | None = None,
    task: str | None = None,
    assume_unit: str | None = None,
    fix_units: Mapping[str, str] | None = None,
    dataset: str = "C3D",
) -> Recording:
    """Read analog (EMG) channels of a C3D file into a Recording with ``emg`` in mV.

    Args:
        path: the ``.c3d`` file.
        channels: ANALOG:LABELS names to read, in this order (exact, case-sensitive); when
            None, every channel in a voltage unit (or with none given), the others skipped with
            a ``DataWarning`` naming them.
        subject: subject id for the metadata; the file stem when None.
        task: task code for the metadata.
        assume_unit: unit ("V", "mV" or "uV") of channels whose ANALOG:UNITS entry is absent or
            empty; the file's unit wins where it gives one.
        fix_units: channel name -> unit ("V", "mV" or "uV") that replaces the file's unit for
            that channel (e.g. ``{"EMG3": "uV"}`` for µV written as "V").
        dataset: dataset name for the metadata.

    Returns:
        A Recording with ``time`` (T,) in s, ``fs`` = ANALOG:RATE in Hz and ``emg`` (T, C) in mV.

    Raises:
        KinemyoError: ezc3d is not installed.
        DataFormatError: a file beyond the checks of :mod:`kinemyo.data.limits`, shorter than
            its header announces, unreadable, an unknown channel (the message lists the
            channels), a unit that is not a voltage or is unknown, no voltage channel at all,
            a ``fix_units`` name that is no channel.

    Warns:
        DataWarning: skipped channels; values beyond the plausible range; a channel whose peak
            suggests another unit (naming it); flat or dead channels.
    """
    contents = read_c3d_contents(path)
    path, labels, rate = Path(contents.path), list(contents.labels), contents.rate
    samples = contents.analogs
    unknown = sorted(set(fix_units or {}) - set(labels))
    if unknown:
        raise DataFormatError(
            f"fix_units names no analog channel {unknown}; channels are: {', '.join(labels)}.",
            path=path,
        )
    unit_of = {
        label: (fix_units or {}).get(label) or unit
        for label, unit in zip(labels, contents.units, strict=True)
    }
    if channels is None:
        channels = _voltage_channels(labels, unit_of, assume_unit, path)
    index = _select(labels, channels, path)
    scales = [_scale_to_mv(unit_of[labels[i]] or assume_unit, labels[i], path) for i in index]
    names = tuple(labels[i] for i in index)
    values = samples[index].T * np.asarray(scales)
    warn_implausible(path, values, (units.MILLIVOLT,) * len(index), names)
    _warn_wrong_units(path, values, names, [unit_of[n] or str(assume_unit) for n in names])
    warn_flat(path, values, rate, names)
    return Recording(
        time=contents.time,
        fs=rate,
        meta=RecordingMeta(
            dataset=dataset, subject=subject or path.stem, task=task, source=str(path)
        ),
        emg=SignalBlock(values=values, names=names, units=(units.MILLIVOLT,) * len(index)),
    )


def _voltage_channels(
    labels: Sequence[str], unit_of: Mapping[str, str], assume_unit: str | None, path: Path
) -> list[str]:
    """The channels in a voltage unit (or without one, which ``assume_unit`` then gives or the
    reader refuses), warning about those skipped; DataFormatError when none is left."""
    keep = [name for name in labels if is_voltage(unit_of[name])]
    skipped = [f"{name} ({unit_of[name]})" for name in labels if name not in keep]
    if not keep:
        raise DataFormatError(
            f"no analog channel is in a voltage unit (V, mV, uV); channels: {', '.join(skipped)}.",
            path=path,
            hint="Name the EMG channels, and give fix_units if the file's units are wrong.",
        )
    if skipped:
        warnings.warn(
            f"{path}: read the {len(keep)} voltage channel(s) as EMG and skipped "
            f"{len(skipped)} in other units (force plates?): {', '.join(skipped)}.",
            DataWarning,
            stacklevel=3,
        )
    return keep


def _warn_wrong_units(
    path: Path, values_mv: np.ndarray, names: Sequence[str], labelled: Sequence[str]
) -> None:
    """Warn, per channel whose peak is above the usual sEMG range, which labelled unit is likely
    wrong and which one fits (e.g. a "V" channel peaking at 300 V: µV)."""
    peaks = np.abs(values_mv).max(axis=0) if len(values_mv) else np.zeros(len(names))
    found = []
    for name, unit, peak_mv in zip(names, labelled, peaks, strict=True):
        in_unit = peak_mv / TO_MILLIVOLT.get(unit, 1.0)
        likely = likely_emg_unit(in_unit, unit)
        if likely is not None:
            found.append(
                f"'{name}' is labelled {unit} but peaks at {in_unit:.4g} {unit} "
                f"({peak_mv:.4g} mV); as {likely} it would peak at "
                f"{in_unit * TO_MILLIVOLT[likely]:.4g} mV, a usual sEMG amplitude"
            )
    if found:
        warnings.warn(
            f"{path}: a wrong unit? {'; '.join(found)}. If so, read it with "
            "fix_units={channel: unit}.",
            DataWarning,
            stacklevel=3,
        )
