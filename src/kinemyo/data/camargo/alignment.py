"""Align the streams of a Camargo trial on their shared ``Header`` clock, never on row numbers.

Frames of the output clock (the ``id`` Header) outside the time span of a stream, or inside one
of its gaps (a step over ``MAX_STEP_RATIO`` times its median step), are not covered; values are
linearly interpolated onto the kept frames; activity labels are the last label row at or before
each frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from kinemyo.data.camargo.tables import Conditions
from kinemyo.data.recording import UNLABELLED
from kinemyo.errors import DataFormatError

TREADMILL_STATUS = "walk"
"""Status of every treadmill frame (the treadmill conditions hold a speed, not labels)."""

MAX_STEP_RATIO = 1.5
"""A Header step longer than this times the stream's median step is a gap: no frame inside it."""


def covered(target: np.ndarray, source: np.ndarray) -> np.ndarray:
    """True where a time of ``target`` lies within ``source``'s span and not inside a gap (a
    step over ``MAX_STEP_RATIO`` times the median step of ``source``)."""
    inside = (target >= source[0]) & (target <= source[-1])
    if source.size < 2:
        return inside
    steps = np.diff(source)
    after = np.clip(np.searchsorted(source, target, side="right"), 1, source.size - 1)
    return inside & (steps[after - 1] <= MAX_STEP_RATIO * np.median(steps))


def stack(columns: Sequence[np.ndarray], length: int) -> np.ndarray:
    """(length, K) array of K (length,) columns."""
    return np.column_stack(columns) if columns else np.empty((length, 0))


def interpolate(times: np.ndarray, source: np.ndarray, columns: Sequence[np.ndarray]) -> np.ndarray:
    """(T, K) values of ``columns`` (each sampled at ``source``) at ``times``, linearly."""
    return stack([np.interp(times, source, column) for column in columns], times.size)


def run_groups(kept: np.ndarray) -> np.ndarray:
    """For a (T,) boolean mask, the index of the contiguous run of True that each True belongs to
    (one entry per True: [T, T, F, T] -> [0, 0, 1])."""
    index = np.flatnonzero(kept)
    starts = np.diff(index, prepend=-2) > 1
    return np.cumsum(starts) - 1


def label_at(times: np.ndarray, label_times: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The label in force at each of ``times``: that of the last ``label_times`` entry at or
    before it (``label_times`` sorted), ``UNLABELLED`` before the first."""
    row = np.searchsorted(label_times, times, side="right") - 1
    return np.where(row >= 0, labels[np.maximum(row, 0)], UNLABELLED)


def status_at(times: np.ndarray, conditions: Conditions) -> np.ndarray:
    """The activity label in force at each time (the last label row at or before it)."""
    if conditions.labels is None:
        return np.full(times.size, TREADMILL_STATUS)
    return label_at(times, conditions.time, conditions.labels)


def coverage(id_time: np.ndarray, streams: Mapping[str, np.ndarray], path: Path) -> np.ndarray:
    """(T,) True where an id time is covered by every stream (sensor -> Header times).

    Raises:
        DataFormatError: no id time is covered (the streams do not share a clock).
    """
    kept = np.logical_and.reduce([covered(id_time, t) for t in streams.values()])
    if not kept.any():
        spans = ", ".join(f"{s} {t[0]:.3f}-{t[-1]:.3f} s" for s, t in streams.items())
        raise DataFormatError(
            f"no id frame ({id_time[0]:.3f}-{id_time[-1]:.3f} s) lies within the Header spans "
            f"of {spans}; the streams do not share a clock.",
            path=path,
        )
    return kept
