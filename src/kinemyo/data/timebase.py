"""Checks of a recording's time axis: increasing, regular, at the expected rate, per segment.

A file may hold several segments recorded separately and stitched (SIAT-LLMD's stair files hold 10
gait cycles, one per Group): Time may repeat or go back where a new segment begins, and each
segment is checked on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np

from kinemyo.errors import DataFormatError

STEP_TOLERANCE = 0.25
"""Largest relative deviation of one time step from the median step (a dropped or doubled
sample is a deviation of 100%; the jitter of times rounded to 6 decimals at 1920 Hz is 0.1%, to
4 decimals 20%: steps of 0.0005 and 0.0006 s)."""

RATE_TOLERANCE = 0.01
"""Largest relative deviation of the measured rate from the expected one."""

TIME_RESOLUTION_S = 1e-4
"""The coarsest Time resolution accepted (4 decimals). A segment's rate is known only to within
this resolution over its span, which widens the rate tolerance of very short segments."""


def _rate(steps: np.ndarray) -> float:
    """1 / mean of the regular ``steps`` (within ``STEP_TOLERANCE`` of their median), in Hz."""
    median = np.median(steps)
    regular = steps[np.abs(steps - median) <= STEP_TOLERANCE * abs(median)]
    return float(1.0 / (regular.mean() if regular.size else median))


def measured_rate(time: np.ndarray) -> float:
    """Sampling rate in Hz of (T,) ``time`` in s; nan for < 2 samples.

    The mean of the regular steps (those within ``STEP_TOLERANCE`` of the median step): unbiased
    by the rounding of written times (at 1920 Hz and 6 decimals the steps are 0.000520 and 0.000521
    s, whose median is off by 0.03%), by a few dropped samples and by repeated times.
    """
    if time.size < 2:
        return float("nan")
    return _rate(np.diff(time))


def restarts(time: np.ndarray) -> np.ndarray:
    """(R,) int64 0-based rows of (T,) ``time`` that do not come after the previous row's time."""
    return np.flatnonzero(np.diff(time) <= 0) + 1


def joined_time(
    time: np.ndarray, segment_starts: Sequence[int] | np.ndarray, step: float
) -> np.ndarray:
    """(T,) ``time`` in s, each segment moved to begin ``step`` s after the previous row.

    Segments keep their own steps; the result increases strictly when every segment does, as a
    :class:`~kinemyo.data.recording.Recording` needs.

    Args:
        time: (T,) times in s.
        segment_starts: 0-based rows where a segment begins (Time may repeat or go back there).
        step: the nominal sampling step, s.
    """
    if len(segment_starts) == 0:
        return np.asarray(time, dtype=np.float64)  # one segment: nothing to move, nothing copied
    joined = np.array(time, dtype=np.float64)
    for start in segment_starts:
        joined[start:] += joined[start - 1] + step - joined[start]
    return joined


def check_time_axis(
    time: np.ndarray,
    *,
    path: Path,
    expected_fs: float | None,
    segment_starts: Sequence[int] | np.ndarray = (),
) -> float:
    """Check that (T,) ``time`` in s is finite, increasing, regular and at ``expected_fs`` Hz.

    Args:
        time: sample times in s.
        path: the file, for messages.
        expected_fs: nominal rate in Hz, or None to accept any regular rate.
        segment_starts: 0-based rows that begin a new segment: Time may repeat or go back there,
            and the rate is checked within each segment. Anywhere else it must increase.

    Returns:
        The measured rate in Hz (mean of the regular steps within segments).

    Raises:
        DataFormatError: naming the first offending row (1-based) and the measured rate.
    """
    column = "Time"
    not_finite = ~np.isfinite(time)
    if not_finite.any():
        raise DataFormatError(
            "Time is missing or not finite.",
            path=path,
            column=column,
            row=int(np.argmax(not_finite)) + 1,
        )
    if time.size < 2:
        raise DataFormatError("needs at least two rows to measure the sampling rate.", path=path)
    starts = np.asarray(segment_starts, dtype=np.int64)
    steps = np.diff(time)
    within = np.ones(steps.size, dtype=bool)
    within[starts - 1] = False
    fs = _rate(steps[within])
    backwards = (steps <= 0) & within
    if backwards.any():
        i = int(np.argmax(backwards))
        raise DataFormatError(
            f"Time does not increase: {time[i + 1]:.6f} s follows {time[i]:.6f} s "
            f"(measured rate {fs:.4f} Hz).",
            path=path,
            column=column,
            row=i + 2,
            hint="Rows must be in time order with no repeats, except where a new segment "
            "begins (in SIAT-LLMD, where the Label file's Group changes).",
        )
    median = float(np.median(steps[within]))
    irregular = (np.abs(steps - median) > STEP_TOLERANCE * median) & within
    if irregular.any():
        i = int(np.argmax(irregular))
        raise DataFormatError(
            f"irregular Time: step of {steps[i]:.6f} s from {time[i]:.6f} s to {time[i + 1]:.6f} s "
            f"where the median step is {median:.6f} s (measured rate {fs:.4f} Hz); "
            f"{int(irregular.sum())} irregular step(s) in all.",
            path=path,
            column=column,
            row=i + 2,
            hint="Samples look dropped or duplicated; resample the recording to a regular clock.",
        )
    if expected_fs is not None:
        _check_segment_rates(time, starts, path=path, expected_fs=expected_fs)
    return fs


def _check_segment_rates(
    time: np.ndarray, starts: np.ndarray, *, path: Path, expected_fs: float
) -> None:
    """Check the rate of each segment of ``time`` (split at ``starts``) against ``expected_fs``."""
    bounds = np.concatenate(([0], starts, [time.size]))
    for first, end in pairwise(bounds):
        if end - first < 2:
            continue
        segment = time[first:end]
        fs = measured_rate(segment)
        tolerance = RATE_TOLERANCE + TIME_RESOLUTION_S / float(segment[-1] - segment[0])
        if abs(fs / expected_fs - 1.0) <= tolerance:
            continue
        where = "" if starts.size == 0 else f" in rows {first + 1}-{end} (one segment)"
        raise DataFormatError(
            f"measured sampling rate {fs:.4f} Hz{where} differs from the expected "
            f"{expected_fs:g} Hz.",
            path=path,
            column="Time",
            hint="Check the Time column's units (s), or pass the recording's true rate.",
        )
