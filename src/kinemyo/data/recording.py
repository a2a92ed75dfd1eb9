"""One trial of one subject in memory: named, unit-carrying sample blocks on one clock.

A :class:`Recording` holds up to three :class:`SignalBlock` s (EMG, joint angles, joint moments),
all sampled on the same ``time`` axis, plus per-sample :class:`Labels` and :class:`RecordingMeta`.
Every block validates itself on construction, so a ``Recording`` that exists is consistent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from kinemyo import units
from kinemyo.data.limits import repeated_names
from kinemyo.errors import KinemyoError, MissingBodyMassError

UNLABELLED = ""
"""Status of a sample that carries no phase/activity label."""

NO_GROUP = -1
"""Group index of a sample that belongs to no known segment."""


@dataclass(frozen=True, eq=False)
class SignalBlock:
    """Samples of named channels.

    Attributes:
        values: (T, K) float32 samples.
        names: K channel names, unique; channels are matched by exact name.
        units: K unit strings (see :mod:`kinemyo.units`).
        valid: optional (T, K) boolean mask, True where a sample is real. Without a mask every
            value must be finite; with one, every value marked valid must be finite.
    """

    values: np.ndarray
    names: tuple[str, ...]
    units: tuple[str, ...]
    valid: np.ndarray | None = None

    def __post_init__(self) -> None:
        values = np.ascontiguousarray(self.values, dtype=np.float32)
        if values.ndim != 2:
            raise KinemyoError(f"SignalBlock values must be 2-D (T, K), got shape {values.shape}.")
        names, unit_list = tuple(self.names), tuple(self.units)
        if len(names) != values.shape[1]:
            raise KinemyoError(
                f"SignalBlock has {values.shape[1]} columns but {len(names)} names: {names}."
            )
        if len(unit_list) != len(names):
            raise KinemyoError(f"SignalBlock has {len(names)} names but {len(unit_list)} units.")
        duplicated = repeated_names(names)
        if duplicated:
            raise KinemyoError(f"SignalBlock channel names must be unique; repeated: {duplicated}.")
        valid = self.valid
        if valid is not None:
            valid = np.asarray(valid, dtype=bool)
            if valid.shape != values.shape:
                raise KinemyoError(
                    f"SignalBlock mask has shape {valid.shape}, values have {values.shape}."
                )
            bad = valid & ~np.isfinite(values)
        else:
            bad = ~np.isfinite(values)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise KinemyoError(
                f"SignalBlock channel '{names[col]}' has a non-finite value at row {row + 1} "
                "that is not masked as invalid; fill it or pass a `valid` mask."
            )
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "units", unit_list)
        object.__setattr__(self, "valid", valid)

    @property
    def n_samples(self) -> int:
        """Number of samples T."""
        return self.values.shape[0]

    @property
    def n_channels(self) -> int:
        """Number of channels K."""
        return self.values.shape[1]

    def index(self, name: str) -> int:
        """Position of channel ``name``; a ``KinemyoError`` lists the channels if it is absent."""
        try:
            return self.names.index(name)
        except ValueError:
            raise KinemyoError(
                f"No channel named '{name}'; channels are: {', '.join(self.names)}."
            ) from None

    def column(self, name: str) -> np.ndarray:
        """The (T,) samples of channel ``name``."""
        return self.values[:, self.index(name)]

    def select(self, names: Sequence[str]) -> SignalBlock:
        """A block with only ``names``, in that order (exact names)."""
        idx = [self.index(n) for n in names]
        return SignalBlock(
            values=self.values[:, idx],
            names=tuple(names),
            units=tuple(self.units[i] for i in idx),
            valid=None if self.valid is None else self.valid[:, idx],
        )

    def rows(self, index: slice | np.ndarray) -> SignalBlock:
        """A block with the samples selected by ``index`` along time."""
        return dataclasses.replace(
            self,
            values=self.values[index],
            valid=None if self.valid is None else self.valid[index],
        )


@dataclass(frozen=True, eq=False)
class Labels:
    """Per-sample phase/activity labels.

    Attributes:
        status: (T,) strings: gait period codes ("1".."5" for level walking, "1".."3" for stair
            ascent, "1"/"2" for stair descent, "0" in no gait period), "A"/"R" (active/rest) for
            discrete movements, ``UNLABELLED`` ("") where none.
        group: (T,) int32 segment/repetition index, ``NO_GROUP`` (-1) where unknown. Windows must
            never cross a change of group.
    """

    status: np.ndarray
    group: np.ndarray

    def __post_init__(self) -> None:
        status = np.asarray(self.status, dtype=str)
        group = np.asarray(self.group)
        if status.ndim != 1 or group.ndim != 1 or status.shape != group.shape:
            raise KinemyoError(
                f"Labels need two 1-D arrays of equal length; got status {status.shape}, "
                f"group {group.shape}."
            )
        fractional = group.size and not np.issubdtype(group.dtype, np.integer)
        if fractional and (not np.all(np.isfinite(group)) or np.any(group != np.round(group))):
            raise KinemyoError("Labels group indices must be integers.")
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "group", group.astype(np.int32, copy=False))

    def __len__(self) -> int:
        return self.status.shape[0]

    def rows(self, index: slice | np.ndarray) -> Labels:
        """Labels of the samples selected by ``index``."""
        return Labels(status=self.status[index], group=self.group[index])


@dataclass(frozen=True)
class RecordingMeta:
    """What is known about a recording besides its samples.

    Attributes:
        dataset: dataset name, e.g. "SIAT-LLMD" or "synthetic".
        subject: subject id, e.g. "Sub01".
        task: motion/task code, e.g. "WAK"; None when the file mixes tasks or does not say.
        trial: trial id within subject and task, when the dataset has several.
        body_mass_kg: body mass in kg, None when unknown.
        height_m: body height in m, None when unknown.
        speed_m_s: walking speed in m/s, when known.
        incline_deg: ramp incline in degrees (positive uphill), when known.
        source: the file the recording was read from.
        extra: further facts (read-only mapping), e.g. age or segment lengths.
    """

    dataset: str
    subject: str
    task: str | None = None
    trial: str | None = None
    body_mass_kg: float | None = None
    height_m: float | None = None
    speed_m_s: float | None = None
    incline_deg: float | None = None
    source: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.body_mass_kg is not None and not 0 < self.body_mass_kg < np.inf:
            raise KinemyoError(
                f"Body mass of {self.subject} ({self.source or 'no file'}) must be positive and "
                f"finite, got {self.body_mass_kg} kg."
            )
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))

    @property
    def name(self) -> str:
        """Short readable id: subject, task and trial joined by '_'."""
        return "_".join(p for p in (self.subject, self.task, self.trial) if p)


@dataclass(frozen=True, eq=False)
class Recording:
    """One trial of one subject: EMG, joint angles and joint moments on one clock.

    Attributes:
        time: (T,) float64 seconds, finite and strictly increasing.
        fs: nominal sampling rate in Hz (``measured_fs`` gives the rate the time axis shows).
        meta: subject, task, trial, body mass, ...
        emg: (T, C) EMG in mV, or None.
        angles: (T, J) joint angles in degrees, or None.
        moments: (T, J) joint moments in N·m or N·m/kg, or None.
        labels: per-sample status and group, or None.
    """

    time: np.ndarray
    fs: float
    meta: RecordingMeta
    emg: SignalBlock | None = None
    angles: SignalBlock | None = None
    moments: SignalBlock | None = None
    labels: Labels | None = None

    def __post_init__(self) -> None:
        time = np.ascontiguousarray(self.time, dtype=np.float64)
        where = f"Recording {self.meta.name}"
        if time.ndim != 1:
            raise KinemyoError(f"{where}: time must be 1-D, got shape {time.shape}.")
        if not np.all(np.isfinite(time)):
            raise KinemyoError(f"{where}: time has non-finite values.")
        steps = np.diff(time)
        if steps.size and steps.min() <= 0:
            at = int(np.argmax(steps <= 0)) + 1
            raise KinemyoError(
                f"{where}: time must increase strictly; sample {at} is at {time[at]:.6f} s after "
                f"{time[at - 1]:.6f} s."
            )
        if not (np.isfinite(self.fs) and self.fs > 0):
            raise KinemyoError(f"{where}: sampling rate must be positive, got {self.fs}.")
        blocks = {"emg": self.emg, "angles": self.angles, "moments": self.moments}
        if all(b is None for b in blocks.values()):
            raise KinemyoError(f"{where}: needs at least one of emg, angles, moments.")
        for block_name, block in blocks.items():
            if block is not None and block.n_samples != time.size:
                raise KinemyoError(
                    f"{where}: {block_name} has {block.n_samples} samples, time has {time.size}."
                )
        if self.labels is not None and len(self.labels) != time.size:
            raise KinemyoError(
                f"{where}: labels have {len(self.labels)} samples, time has {time.size}."
            )
        self._check_units("angles", {units.DEGREE})
        self._check_units("moments", set(units.MOMENT_UNITS))
        if self.moments is not None and len(set(self.moments.units)) > 1:
            raise KinemyoError(f"{where}: moments mix units {sorted(set(self.moments.units))}.")
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "fs", float(self.fs))

    def _check_units(self, block_name: str, allowed: set[str]) -> None:
        block = getattr(self, block_name)
        if block is None:
            return
        wrong = sorted(set(block.units) - allowed)
        if wrong:
            raise KinemyoError(
                f"Recording {self.meta.name}: {block_name} must be in {sorted(allowed)}, "
                f"found {wrong}."
            )

    @property
    def n_samples(self) -> int:
        """Number of samples T."""
        return self.time.size

    @property
    def duration_s(self) -> float:
        """Length in s: from the first sample to one nominal step past the last."""
        if self.n_samples == 0:
            return 0.0
        return float(self.time[-1] - self.time[0]) + 1.0 / self.fs

    @property
    def measured_fs(self) -> float:
        """Sampling rate in Hz measured from the time axis (mean step); nan for < 2 samples."""
        if self.n_samples < 2:
            return float("nan")
        return float((self.n_samples - 1) / (self.time[-1] - self.time[0]))

    @property
    def moment_unit(self) -> str | None:
        """The unit of the moments (N·m or N·m/kg), None without moments."""
        return None if self.moments is None else self.moments.units[0]

    def with_moment_unit(self, unit: str) -> Recording:
        """This recording with moments expressed in ``unit`` (N·m or N·m/kg).

        Raises:
            MissingBodyMassError: converting between N·m and N·m/kg without a known body mass.
        """
        if unit not in units.MOMENT_UNITS:
            raise KinemyoError(f"Unknown moment unit '{unit}'; use one of {units.MOMENT_UNITS}.")
        if self.moments is None or unit == self.moment_unit:
            return self
        mass = self.meta.body_mass_kg
        if mass is None:
            raise MissingBodyMassError(
                f"Recording {self.meta.name}: moments in {unit} need the body mass of "
                f"{self.meta.subject}, which is unknown (add the subject to the subject table, "
                f"e.g. SubjectInformation.xlsx), or keep moments in {self.moment_unit}."
            )
        scale = 1.0 / mass if unit == units.NEWTON_METRE_PER_KG else mass
        moments = dataclasses.replace(
            self.moments,
            values=self.moments.values * np.float32(scale),
            units=(unit,) * self.moments.n_channels,
        )
        return dataclasses.replace(self, moments=moments)

    def rows(self, index: slice | np.ndarray) -> Recording:
        """The samples selected by ``index`` (a slice or an index/boolean array) along time."""
        return dataclasses.replace(
            self,
            time=self.time[index],
            emg=None if self.emg is None else self.emg.rows(index),
            angles=None if self.angles is None else self.angles.rows(index),
            moments=None if self.moments is None else self.moments.rows(index),
            labels=None if self.labels is None else self.labels.rows(index),
        )
