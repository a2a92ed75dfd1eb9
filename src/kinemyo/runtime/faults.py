"""Faults of a live stream, as a controller must see them: each sample is classified on arrival.

A sample is *bad* when a value or its time is NaN or infinite (:attr:`Fault.NONFINITE`) or its
timestamp repeats (:attr:`Fault.REPEATED`) or goes back (:attr:`Fault.BACKWARDS`) from the
previous sample's: it is dropped. A sample after a step longer than ``gap_tolerance`` sample periods
(:attr:`Fault.GAP`: samples were lost) or ``clock_jump`` seconds (:attr:`Fault.CLOCK_JUMP`: the
clock was set) is kept, but the signal before it is no longer continuous with it. After any
fault the streaming chain restarts from rest (see :mod:`kinemyo.runtime.streaming`)::

    flags = classify(values, timestamps, previous=None, fs=1920.0, settings=FaultSettings())
"""

from __future__ import annotations

import enum
from typing import Annotated

import numpy as np
from pydantic import Field

from kinemyo.settings import settings


class Fault(enum.IntFlag):
    """Bit flags of a stream output (0: a clean estimate)."""

    NONFINITE = 1
    """A sample value or its timestamp was NaN or infinite."""
    REPEATED = 2
    """A timestamp equal to the previous sample's."""
    BACKWARDS = 4
    """A timestamp before the previous sample's."""
    GAP = 8
    """A step longer than ``gap_tolerance`` sample periods: samples were lost."""
    CLOCK_JUMP = 16
    """A step longer than ``clock_jump`` seconds either way, or a non-finite timestamp."""


DROPPED = Fault.NONFINITE | Fault.REPEATED | Fault.BACKWARDS
"""Faults whose sample is not used; a sample after a GAP or CLOCK_JUMP alone is used."""


@settings
class FaultSettings:
    """When a timestamp step is a fault.

    Attributes:
        gap_tolerance: longest normal step between samples, in sample periods (1.5: one lost
            sample is a gap; raise it for a jittery clock).
        clock_jump: a step longer than this, s, either way, is a clock jump.
    """

    gap_tolerance: Annotated[float, Field(gt=1.0, le=1e6)] = 1.5
    clock_jump: Annotated[float, Field(gt=0.0, le=1e6)] = 1.0


def classify(
    values: np.ndarray,
    timestamps: np.ndarray,
    previous: float | None,
    fs: float,
    settings: FaultSettings,
) -> np.ndarray:
    """The faults of each sample of a chunk.

    Args:
        values: (n, C) samples.
        timestamps: (n,) their times, s.
        previous: the timestamp of the sample before the chunk, s (None at the stream's start).
        fs: nominal sampling rate, Hz.
        settings: the tolerances.

    Returns:
        (n,) int64 :class:`Fault` bits, 0 for a clean sample.
    """
    step = np.diff(timestamps, prepend=timestamps[:1] - 1.0 / fs if previous is None else previous)
    longest = min(settings.gap_tolerance / fs, settings.clock_jump)
    if np.isfinite(values).all() and step.min(initial=1.0) > 0 and step.max(initial=0) <= longest:
        return np.zeros(len(step), np.int64)  # the usual case, in a few operations
    finite = np.isfinite(values).all(axis=1) & np.isfinite(timestamps)
    flags = np.where(finite, 0, int(Fault.NONFINITE))
    with np.errstate(invalid="ignore"):
        flags |= np.where(step == 0, int(Fault.REPEATED), 0)
        flags |= np.where(step < 0, int(Fault.BACKWARDS), 0)
        jump = ~(np.abs(step) <= settings.clock_jump)  # a NaN step is a jump too
        flags |= np.where(jump, int(Fault.CLOCK_JUMP), 0)
        gap = (step > settings.gap_tolerance / fs) & ~jump
        flags |= np.where(gap, int(Fault.GAP), 0)
    return flags.astype(np.int64)
