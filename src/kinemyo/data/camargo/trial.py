"""Read one Camargo trial (emg, ik, id and conditions files) into a :class:`CamargoTrial` on
the id clock: the EMG envelope made at the EMG rate, ik angles and belt speed interpolated onto
the id times, moments in N·m (or N·m/kg), NaN moments dropped or kept as invalid.

Units: EMG envelope in V (the spec says the EMG files are in volts, marked VERIFY: the files
themselves carry no unit), angles in deg (knee flexion negative, as OpenSim writes it), moments
in N·m as released or N·m/kg (N·m / SubjectInfo Weight), belt speed in m/s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from kinemyo import units
from kinemyo.data.camargo import layout
from kinemyo.data.camargo.alignment import coverage, interpolate, run_groups, stack, status_at
from kinemyo.data.camargo.discovery import TrialFiles
from kinemyo.data.camargo.envelope import EnvelopeConfig, emg_envelope
from kinemyo.data.camargo.layout import TrialName
from kinemyo.data.camargo.plan import MissingItem
from kinemyo.data.camargo.subjects import CamargoSubject
from kinemyo.data.camargo.tables import Conditions, read_conditions, read_timed, require_finite
from kinemyo.data.plausibility import warn_implausible
from kinemyo.data.recording import Labels, Recording, RecordingMeta, SignalBlock
from kinemyo.data.table_cache import TableCache
from kinemyo.data.timebase import measured_rate
from kinemyo.errors import DataFormatError, KinemyoError

DATASET_NAME = "Camargo"
VOLT = units.VOLT
"""Unit of the Camargo EMG and of its envelope (volts per the spec; VERIFY)."""

NanMoments = Literal["drop", "keep"]


@dataclass(frozen=True, eq=False)
class CamargoTrial:
    """One trial on the id clock.

    Attributes:
        recording: EMG envelope (T, C) in V, the requested ik coordinates (T, J) in deg and id
            moments (T, M) in N·m or N·m/kg; ``time`` = the kept id Header times, s; ``fs`` =
            200 Hz nominal. ``labels.status``: the activity label in force at each frame
            (``"walk"`` on the treadmill); ``labels.group``: index of the contiguous run of kept
            frames. ``meta.incline_deg`` is the ramp's incline magnitude (a ramp trial holds both
            ascent and descent; the labels tell which); ``meta.speed_m_s`` the median belt speed.
        name: what the trial stem says (stem as on disk, mode, number, ...).
        date: the date folder the trial lies in, as named on disk.
        belt_speed_m_s: (T,) belt speed in m/s at each frame (treadmill), else None.
        files: sensor -> the file of this trial, for every sensor folder that has one.
    """

    recording: Recording
    name: TrialName
    date: str
    belt_speed_m_s: np.ndarray | None
    files: Mapping[str, Path]


@dataclass(frozen=True)
class TrialRequest:
    """What to read from every trial."""

    angles: tuple[str, ...]
    moments: tuple[str, ...]
    moment_unit: str
    envelope: EnvelopeConfig
    nan_moments: NanMoments


def _moment_block(values: np.ndarray, names: tuple[str, ...], keep: bool) -> SignalBlock:
    """Moments in N·m; with ``keep``, NaN becomes 0 with ``valid`` False."""
    finite = np.isfinite(values)
    return SignalBlock(
        values=np.where(finite, values, 0.0),
        names=names,
        units=(units.NEWTON_METRE,) * len(names),
        valid=finite if keep else None,
    )


def _incline(name: TrialName, conditions: Conditions) -> float | None:
    if name.mode != "ramp":
        return None
    if conditions.ramp_incline_deg is not None:
        return conditions.ramp_incline_deg
    return layout.RAMP_INCLINES_DEG.get(name.number)


def _column_unit(sensor: str, name: str) -> str:
    """The unit of column ``name`` of an emg, ik or id table (spec: EMG in V, ik in deg with
    pelvis translations in m, id in N·m with the forces of those translations in N)."""
    if sensor == "emg":
        return VOLT
    if name in layout.TRANSLATIONS or name.endswith("_force"):
        return "m" if sensor == "ik" else "N"
    return units.DEGREE if sensor == "ik" else units.NEWTON_METRE


def _flag_implausible(path: Path, sensor: str, names: list[str], values: np.ndarray) -> None:
    """A DataWarning naming the column and row of (T, K) ``values`` (columns ``names``) beyond
    the plausible range."""
    if names:
        warn_implausible(path, values, [_column_unit(sensor, name) for name in names], names)


def _envelope(time: np.ndarray, emg: np.ndarray, config: EnvelopeConfig, path: Path) -> np.ndarray:
    """The (T, C) envelope of the (T, C) EMG at the rate its Header shows.

    Raises:
        DataFormatError: the filters do not fit that rate (e.g. a cut-off above its Nyquist
            frequency, when Header is not in seconds), naming the file and the rate.
    """
    fs = measured_rate(time)
    try:
        return emg_envelope(emg, fs, config)
    except KinemyoError as error:
        raise DataFormatError(
            f"the EMG envelope cannot be made at the {fs:g} Hz that Header shows: {error}",
            path=path,
            column=layout.HEADER,
            hint="Header must be the time in s (the Camargo EMG is at 1000 Hz); or change the "
            "envelope settings.",
        ) from None


def _meta(
    files: TrialFiles, subject: CamargoSubject, belt: np.ndarray | None, incline: float | None
) -> RecordingMeta:
    return RecordingMeta(
        dataset=DATASET_NAME,
        subject=files.subject,
        task=files.name.mode,
        trial=files.name.stem,
        body_mass_kg=subject.mass_kg,
        height_m=subject.height_m,
        speed_m_s=None if belt is None else float(np.median(belt)),
        incline_deg=incline,
        source=str(files.files["id"]),
        extra={"date": files.date, "age": subject.age, "gender": subject.gender},
    )


def read_trial(
    files: TrialFiles, subject: CamargoSubject, request: TrialRequest, cache: TableCache | None
) -> CamargoTrial | MissingItem:
    """Read and align one trial; a MissingItem when no frame has all its moments ("drop")."""
    paths = files.files
    emg_time, emg, _ = read_timed(paths["emg"], None, cache)
    require_finite(emg, paths["emg"])
    if not emg:
        raise DataFormatError("no EMG column besides Header.", path=paths["emg"])
    ik_time, ik, _ = read_timed(paths["ik"], dict.fromkeys(request.angles, np.float64), cache)
    require_finite(ik, paths["ik"])
    id_time, id_data, _ = read_timed(paths["id"], dict.fromkeys(request.moments, np.float64), cache)
    emg_values = stack(list(emg.values()), emg_time.size)  # stacked once: flagged, then filtered
    moments = stack(list(id_data.values()), id_time.size)
    _flag_implausible(paths["emg"], "emg", list(emg), emg_values)
    _flag_implausible(paths["ik"], "ik", list(ik), stack(list(ik.values()), ik_time.size))
    _flag_implausible(paths["id"], "id", list(id_data), moments)
    conditions = read_conditions(paths["conditions"], files.name.mode, cache)

    streams = {"emg": emg_time, "ik": ik_time}
    if conditions.speed is not None:
        streams["conditions"] = conditions.time
    covered = coverage(id_time, streams, paths["id"])
    keep = request.nan_moments == "keep"
    kept = covered if keep else covered & np.isfinite(moments).all(axis=1)
    if not kept.any():
        return MissingItem(
            files.subject,
            files.name.mode,
            files.name.stem,
            "id",
            "every frame within the EMG and ik spans has a NaN moment",
        )
    time = id_time[kept]
    envelope = _envelope(emg_time, emg_values, request.envelope, paths["emg"])
    belt = None
    if conditions.speed is not None:
        belt = np.interp(time, conditions.time, conditions.speed)
    recording = Recording(
        time=time,
        fs=layout.KINEMATICS_FS,
        meta=_meta(files, subject, belt, _incline(files.name, conditions)),
        emg=SignalBlock(
            interpolate(time, emg_time, list(envelope.T)), tuple(emg), (VOLT,) * len(emg)
        ),
        angles=SignalBlock(
            interpolate(time, ik_time, list(ik.values())),
            request.angles,
            (units.DEGREE,) * len(request.angles),
        ),
        moments=_moment_block(moments[kept], request.moments, keep),
        labels=Labels(status=status_at(time, conditions), group=run_groups(kept)),
    )
    return CamargoTrial(
        recording=recording.with_moment_unit(request.moment_unit),
        name=files.name,
        date=files.date,
        belt_speed_m_s=belt,
        files=dict(paths),
    )
