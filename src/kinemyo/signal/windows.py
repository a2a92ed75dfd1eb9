"""Overlapping analysis windows that never cross a segment boundary.

A trial is cut into segments wherever any of its per-sample labels changes (e.g. SIAT-LLMD's
``Group`` index and ``Status`` code). Windows of ``length`` samples start at each segment's first
sample and advance by ``step`` samples while they fit inside the segment, so no window spans two
segments. The seed study uses length 100 (52 ms at 1920 Hz) and step 50.

Typical use::

    segments = segment_ids(rec.n_samples, rec.labels.group, rec.labels.status)
    starts = window_starts(segments, length=100, step=50)
    w = sliding_windows(emg, starts, length=100)      # (N, 100, C)
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from kinemyo.errors import KinemyoError


def segment_ids(n_samples: int, *boundaries: np.ndarray) -> np.ndarray:
    """One segment id per sample that changes wherever any of the label arrays changes.

    Args:
        n_samples: T, the number of samples.
        *boundaries: any number of (T,) label arrays (integers, strings, ...) compared sample to
            sample with ``!=``; mark missing labels with an ordinary value (e.g. -1 or ""),
            since NaN differs from itself and would start a segment at every sample.

    Returns:
        (T,) int64 ids 0, 1, 2, ... increasing by one at every change (all 0 without labels).
        A label value that comes back later starts a new segment, not the old id.
    """
    changed = np.zeros(max(int(n_samples) - 1, 0), dtype=bool)
    for k, labels in enumerate(boundaries):
        labels = np.asarray(labels)
        if labels.shape != (n_samples,):
            raise KinemyoError(
                f"boundaries[{k}] has shape {labels.shape}; expected ({n_samples},), one label "
                "per sample."
            )
        changed |= labels[1:] != labels[:-1]
    return np.concatenate([[0], np.cumsum(changed)]).astype(np.int64)


def _check_positive(name: str, value: int) -> None:
    if int(value) != value or value < 1:
        raise KinemyoError(f"{name}={value} must be an integer >= 1 (samples).")


def window_starts(segments: np.ndarray, length: int = 100, step: int = 50) -> np.ndarray:
    """Start samples of the windows that fit inside segments.

    In a segment of n samples beginning at sample s there are ``max(0, (n - length) // step + 1)``
    windows, starting at s, s + step, s + 2 step, ...; the last samples of a segment that do not
    fill a whole step are left out. A segment shorter than ``length`` gives no window, so
    a ``length`` longer than every segment gives an empty array (see :func:`check_window_fits`).

    Args:
        segments: (T,) segment labels, e.g. from :func:`segment_ids`; a segment is a run of equal
            consecutive values.
        length: window length, samples (>= 1).
        step: distance between the starts of consecutive windows of a segment, samples (>= 1).

    Returns:
        (N,) int64 start samples, increasing.
    """
    _check_positive("length", length)
    _check_positive("step", step)
    segments = np.asarray(segments)
    if segments.ndim != 1:
        raise KinemyoError(f"segments must be 1-D (T,), got shape {segments.shape}.")
    if segments.size == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(np.concatenate([[True], segments[1:] != segments[:-1]]))
    sizes = np.diff(np.append(first, segments.size))
    counts = np.maximum((sizes - length) // step + 1, 0)
    owner = np.repeat(np.arange(first.size), counts)
    rank = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return (first[owner] + step * rank).astype(np.int64)


def check_window_fits(n_samples: int, length: int) -> None:
    """Raise a ``KinemyoError`` naming ``length`` when a window is longer than the trial.

    Args:
        n_samples: T, samples in the trial.
        length: window length, samples.
    """
    _check_positive("length", length)
    if length > n_samples:
        raise KinemyoError(
            f"length={length} samples is longer than the trial ({n_samples} samples); use a "
            "shorter window or a longer recording."
        )


def sliding_windows(x: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """The windows of a (T, C) signal that begin at ``starts``.

    Args:
        x: (T, C) signal.
        starts: (N,) integer start samples, each in [0, T - length].
        length: window length, samples.

    Returns:
        (N, length, C) array (a copy, same dtype as ``x``): ``out[i] == x[starts[i]:starts[i] +
        length]``. In memory it is (N, C, length), C-contiguous, i.e. ``out.transpose(0, 2, 1)``
        is contiguous, which :mod:`kinemyo.signal.features` uses without copying.
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise KinemyoError(f"x must be a (T, C) array, got shape {x.shape}.")
    check_window_fits(x.shape[0], length)
    starts = np.asarray(starts)
    if starts.ndim != 1 or not (starts.size == 0 or np.issubdtype(starts.dtype, np.integer)):
        raise KinemyoError(
            f"starts must be a 1-D integer array, got {starts.dtype} of shape {starts.shape}."
        )
    last = x.shape[0] - length
    if starts.size and (starts.min() < 0 or starts.max() > last):
        raise KinemyoError(
            f"starts must lie in [0, {last}] for windows of {length} samples in {x.shape[0]}; "
            f"got [{starts.min()}, {starts.max()}]."
        )
    # (C, T - length + 1, length) view of the channel-major signal; indexing copies the chosen
    # windows only; stored (N, C, length), the layout the features reduce over fastest.
    view = sliding_window_view(np.ascontiguousarray(x.T), length, axis=1)
    chosen = view[:, starts.astype(np.intp)]
    return np.ascontiguousarray(chosen.transpose(1, 0, 2)).transpose(0, 2, 1)
