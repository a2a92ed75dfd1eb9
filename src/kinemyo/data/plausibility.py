"""Physically plausible ranges of samples, per unit: what a value beyond them says about a file.

A cell of 3e38 in a torque column parses as a number, but no human joint produces it: the file
is corrupt, or a column holds another quantity or unit. Readers flag such values with a
:class:`~kinemyo.errors.DataWarning` naming file, column and row (:func:`warn_implausible`);
``kinemyo inspect`` lists them; the pipeline refuses them unless allowed. The limits are wide on
purpose: they catch corruption and wrong units, not unusual gait.

==========  ==========  ============================================================
unit        limit |x|   why
==========  ==========  ============================================================
mV          100         raw sEMG is about 0.01-1.5 mV; amplifiers saturate at ~10 mV
V           0.1         the same in volts (Camargo's EMG)
deg         360         a joint angle; OpenSim IK can pass it (-373 deg) when a
                        coordinate winds up, so it is flagged, never refused here
rad         2 pi        the same in radians (OpenSim files with inDegrees=no)
N·m         1000        peak hip/knee/ankle moments of running or jumping are < 400
N·m/kg      20          the same per kg of body mass (peaks are < 5)
rad/s       40          a joint's angular velocity (sprinting peaks are ~20 rad/s)
deg/s       2300        the same in degrees per second
==========  ==========  ============================================================

Units outside the table (N, m, unitless envelopes normalised to 1) are not checked.

Two more checks name channels that carry no signal or the wrong unit:

- :func:`flat_channels`: a channel whose standard deviation over the trial is ~0, or that holds
  one value for at least ``min_flat_s`` seconds on end (a dead electrode, a disconnected lead or a
  clipped amplifier); :func:`warn_flat` issues the warning.
- :func:`likely_emg_unit`: raw EMG labelled V that reads in the hundreds (a real C3D does) is
  µV or mV mislabelled as V; it names the unit that puts the peak in the usual EMG range.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from kinemyo import units
from kinemyo.errors import DataWarning

PLAUSIBLE_ABS = {
    units.MILLIVOLT: 100.0,
    units.VOLT: 0.1,
    units.DEGREE: 360.0,
    units.RADIAN: 2 * math.pi,
    units.NEWTON_METRE: 1000.0,
    units.NEWTON_METRE_PER_KG: 20.0,
    "rad/s": 40.0,
    "deg/s": 2300.0,
}
"""Largest plausible magnitude of a sample, by unit (see the table above)."""


FLAT_SD = 1e-9
"""Standard deviation (in the channel's unit) below which a channel counts as constant."""

MIN_FLAT_S = 1.0
"""Default shortest stretch of one repeated value that names a channel as flat, s. Real sEMG
recorded to 6 decimals never repeats a value for this long; a dead or clipped channel does."""

EMG_PEAK_MV = (0.05, 20.0)
"""Usual peak |x| of raw sEMG over a trial, mV: the range :func:`likely_emg_unit` aims for."""

_TO_MV = {"µV": 1e-3, "mV": 1.0, "V": 1e3}


class Implausible(NamedTuple):
    """The first implausible sample of one channel.

    Attributes:
        channel: the channel (column) name.
        row: its 1-based row (sample) number.
        value: the sample, in the channel's unit.
    """

    channel: str
    row: int
    value: float


def implausible(
    values: np.ndarray, units_of: Sequence[str], names: Sequence[str]
) -> list[Implausible]:
    """The first sample beyond :data:`PLAUSIBLE_ABS` of each channel that has one.

    Args:
        values: (T, K) samples; NaN (missing) is never implausible, an infinity always is.
        units_of: K unit strings; channels in other units are not checked.
        names: K channel names.

    Returns:
        One :class:`Implausible` per offending channel, in channel order.
    """
    values = np.asarray(values)
    # Compared in the samples' own precision: float32 blocks are not copied to float64.
    dtype = values.dtype if np.issubdtype(values.dtype, np.floating) else np.float64
    limits = np.array([PLAUSIBLE_ABS.get(unit, np.inf) for unit in units_of], dtype=dtype)
    if values.size and limits.size:
        # one pass over all samples (NaN skipped) settles the usual case: nothing beyond
        # the smallest limit
        extreme = max(np.fmax.reduce(values, axis=None), -np.fmin.reduce(values, axis=None))
        if extreme <= limits.min():
            return []
    over = np.abs(values) > limits
    found = []
    for column in np.flatnonzero(over.any(axis=0)):
        row = int(np.argmax(over[:, column]))
        found.append(Implausible(names[column], row + 1, float(values[row, column])))
    return found


def warn_implausible(
    path: str | Path, values: np.ndarray, units_of: Sequence[str], names: Sequence[str]
) -> list[Implausible]:
    """Issue one :class:`DataWarning` naming ``path`` and each channel's first implausible
    row and value (see :func:`implausible` for the arguments); return what was found."""
    found = implausible(values, units_of, names)
    if found:
        unit_of = dict(zip(names, units_of, strict=True))
        listed = "; ".join(
            f"column '{f.channel}' row {f.row}: {f.value:.6g} {unit_of[f.channel]} "
            f"(plausible |x| <= {PLAUSIBLE_ABS[unit_of[f.channel]]:g})"
            for f in found
        )
        warnings.warn(
            f"{path}: values beyond the plausible range of their unit (a corrupt cell or a "
            f"wrong unit?): {listed}.",
            DataWarning,
            stacklevel=3,
        )
    return found


class Flat(NamedTuple):
    """A channel with no signal over a stretch of the trial.

    Attributes:
        channel: the channel name.
        start_row: 1-based first row of its longest run of one repeated value.
        seconds: length of that run, s (the whole trial when ``constant``).
        value: the repeated value, in the channel's unit.
        constant: True when the channel's sd over the whole trial is ~0 (:data:`FLAT_SD`).
    """

    channel: str
    start_row: int
    seconds: float
    value: float
    constant: bool


def _longest_run(column: np.ndarray) -> tuple[int, int]:
    """(start, length) of the longest run of equal consecutive values of a (T,) column."""
    if column.size == 0:
        return 0, 0
    starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
    lengths = np.diff(np.r_[starts, column.size])
    best = int(np.argmax(lengths))
    return int(starts[best]), int(lengths[best])


def flat_channels(
    values: np.ndarray, fs: float, names: Sequence[str], min_flat_s: float = MIN_FLAT_S
) -> list[Flat]:
    """The channels that are constant over the trial, or repeat one value for ``min_flat_s`` s.

    Args:
        values: (T, K) samples; NaN (missing) never counts as a repeated value.
        fs: sampling rate, Hz.
        names: K channel names.
        min_flat_s: shortest run of one repeated value that is reported, s.

    Returns:
        One :class:`Flat` per such channel, in channel order.
    """
    values = np.asarray(values)
    found = []
    for k, name in enumerate(names):
        column = values[:, k]
        finite = column[np.isfinite(column)]
        if finite.size < 2:
            continue
        start, length = _longest_run(column)
        constant = float(np.std(finite, dtype=np.float64)) <= FLAT_SD
        if constant or length / fs >= min_flat_s:
            seconds = column.size / fs if constant else length / fs
            found.append(Flat(name, start + 1, seconds, float(column[start]), constant))
    return found


def warn_flat(
    path: str | Path,
    values: np.ndarray,
    fs: float,
    names: Sequence[str],
    min_flat_s: float = MIN_FLAT_S,
) -> list[Flat]:
    """Issue one :class:`DataWarning` naming ``path`` and each flat channel (see
    :func:`flat_channels` for the arguments); return what was found."""
    found = flat_channels(values, fs, names, min_flat_s)
    if found:
        warnings.warn(f"{path}: {describe_flat(found)}.", DataWarning, stacklevel=3)
    return found


def describe_flat(found: Sequence[Flat]) -> str:
    """One sentence naming each flat channel and where it is flat."""
    listed = "; ".join(
        f"'{f.channel}' is constant ({f.value:.6g}) over the whole trial"
        if f.constant
        else f"'{f.channel}' holds {f.value:.6g} for {f.seconds:.3g} s from row {f.start_row}"
        for f in found
    )
    return f"flat or dead channel(s) (a loose electrode or a clipped amplifier?): {listed}"


def likely_emg_unit(peak_abs: float, unit: str) -> str | None:
    """The voltage unit that brings a raw EMG channel's peak down into :data:`EMG_PEAK_MV`, when
    in the unit it is labelled with the peak lies above that range.

    Args:
        peak_abs: largest |x| of the channel, in ``unit``.
        unit: its labelled unit, "V", "mV" or "µV" ("uV" and "μV" too).

    Returns:
        E.g. "µV" for a channel labelled V that peaks at 300 (0.3 mV in µV); None when the peak
        is not above the usual range, no smaller unit fits, or ``unit`` is not a voltage.
    """
    unit = {"uV": "µV", "μV": "µV"}.get(unit, unit)
    if unit not in _TO_MV or not np.isfinite(peak_abs):
        return None
    low, high = EMG_PEAK_MV
    if peak_abs * _TO_MV[unit] <= high:
        return None
    fits = [u for u, factor in _TO_MV.items() if low <= peak_abs * factor <= high]
    return fits[0] if fits else None
