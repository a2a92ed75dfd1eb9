"""Checks of a recording's time axis: monotonic, regular, at the expected rate."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kinemyo.errors import DataFormatError

STEP_TOLERANCE = 0.25
"""Largest relative deviation of one time step from the median step (a dropped or doubled
sample is a deviation of 100%; the jitter of times rounded to 6 decimals at 1920 Hz is 0.1%)."""

RATE_TOLERANCE = 0.01
"""Largest relative deviation of the measured rate from the expected one."""


def measured_rate(time: np.ndarray) -> float:
    """Sampling rate in Hz of (T,) ``time`` in s; nan for < 2 samples.

    The mean of the regular steps (those within ``STEP_TOLERANCE`` of the median step): unbiased
    by the rounding of written times (at 1920 Hz and 6 decimals the steps are 0.000520 and 0.000521
    s, whose median is off by 0.03%) and by a few dropped samples.
    """
    if time.size < 2:
        return float("nan")
    steps = np.diff(time)
    median = np.median(steps)
    regular = steps[np.abs(steps - median) <= STEP_TOLERANCE * abs(median)]
    return float(1.0 / (regular.mean() if regular.size else median))


def check_time_axis(time: np.ndarray, *, path: Path, expected_fs: float | None) -> float:
    """Check that (T,) ``time`` in s is finite, increasing, regular and at ``expected_fs`` Hz.

    Args:
        time: sample times in s.
        path: the file, for messages.
        expected_fs: nominal rate in Hz, or None to accept any regular rate.

    Returns:
        The measured rate in Hz (1 / median step).

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
    steps = np.diff(time)
    fs = measured_rate(time)
    backwards = steps <= 0
    if backwards.any():
        i = int(np.argmax(backwards))
        raise DataFormatError(
            f"Time does not increase: {time[i + 1]:.6f} s follows {time[i]:.6f} s "
            f"(measured rate {fs:.4f} Hz).",
            path=path,
            column=column,
            row=i + 2,
            hint="Rows must be in time order with no repeats.",
        )
    median = float(np.median(steps))
    irregular = np.abs(steps - median) > STEP_TOLERANCE * median
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
    if expected_fs is not None and abs(fs / expected_fs - 1.0) > RATE_TOLERANCE:
        raise DataFormatError(
            f"measured sampling rate {fs:.4f} Hz differs from the expected {expected_fs:g} Hz.",
            path=path,
            column=column,
            hint="Check the Time column's units (s), or pass the recording's true rate.",
        )
    return fs
