"""Align a trial's streams on their time columns onto the EMG samples, and say what was cut.

The recording's clock is the EMG's (the pipeline windows EMG at its own rate). Joint angles (IK,
~100 Hz) and moments (ID, 100-200 Hz) are linearly interpolated onto the EMG times, only within
their own time spans and not across their gaps: an EMG sample is kept only where every stream the
trial has covers it. Cut, each sample for the first reason that applies:

1. outside the time span of the moments (ID) or of the angles (IK), or inside a gap of their
   frames (a step over ``MAX_STEP_RATIO`` times the stream's median step: missing frames);
2. a missing (NaN) angle or moment at that time (e.g. ID off the force plates);
3. an IK angle beyond its joint's physiological range (:mod:`kinemyo.data.joint_ranges`) in one
   of the two IK frames around that time.

The runs of kept samples become the recording's groups, so no window crosses a cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kinemyo.data.camargo.alignment import MAX_STEP_RATIO, covered, interpolate, run_groups
from kinemyo.data.joint_ranges import joint_range, outside_range
from kinemyo.data.manifest.streams import Timed

MAX_SPANS_SHOWN = 3
"""Time spans listed per reason in a cut report."""


@dataclass(frozen=True)
class Cut:
    """EMG samples cut for one reason.

    Attributes:
        reason: why, in words.
        samples: how many EMG samples.
        spans: (first, last) time in s of each contiguous run of them.
    """

    reason: str
    samples: int
    spans: tuple[tuple[float, float], ...]

    def __str__(self) -> str:
        shown = ", ".join(f"{a:.3f}-{b:.3f} s" for a, b in self.spans[:MAX_SPANS_SHOWN])
        more = len(self.spans) - MAX_SPANS_SHOWN
        return (
            f"{self.samples} sample(s) {self.reason} ({shown}"
            + (f" and {more} more span(s)" if more > 0 else "")
            + ")"
        )


@dataclass(frozen=True, eq=False)
class Aligned:
    """A trial's streams on the kept EMG samples.

    Attributes:
        kept: (T,) True for the EMG samples kept.
        angles: (K, J) angles in deg at the kept samples, or None.
        moments: (K, M) moments at the kept samples, or None.
        group: (K,) index of the run of kept samples each belongs to.
        cuts: what was cut and why.
    """

    kept: np.ndarray
    angles: np.ndarray | None
    moments: np.ndarray | None
    group: np.ndarray
    cuts: tuple[Cut, ...]


def _spans(time: np.ndarray, mask: np.ndarray) -> tuple[tuple[float, float], ...]:
    index = np.flatnonzero(mask)
    if not index.size:
        return ()
    breaks = np.flatnonzero(np.diff(index) > 1)
    starts = np.r_[index[0], index[breaks + 1]]
    ends = np.r_[index[breaks], index[-1]]
    return tuple((float(time[a]), float(time[b])) for a, b in zip(starts, ends, strict=True))


def _on(time: np.ndarray, stream: Timed) -> np.ndarray:
    return interpolate(time, stream.time, list(stream.values.T))


def _implausible_frames(time: np.ndarray, angles: Timed, cut: np.ndarray) -> tuple[np.ndarray, str]:
    """(T,) True where an IK frame around an EMG time is beyond its joint's range; in words, the
    worst such frame among those that cut samples not already ``cut``."""
    beyond = outside_range(angles.values, angles.names)
    bad_frame = beyond.any(axis=1)
    after = np.clip(np.searchsorted(angles.time, time, side="left"), 0, angles.time.size - 1)
    before = np.clip(np.searchsorted(angles.time, time, side="right") - 1, 0, None)
    bad = bad_frame[after] | bad_frame[before]
    new = bad & ~cut
    if not new.any():
        return bad, ""
    frames = np.unique(np.r_[after[new], before[new]])
    frames = frames[bad_frame[frames]]
    worst = np.where(beyond[frames], np.abs(angles.values[frames]), -1.0)
    at, column = np.unravel_index(np.argmax(worst), worst.shape)
    row, name = frames[at], angles.names[column]
    low, high = joint_range(name)
    return bad, (
        f"e.g. {name} {angles.values[row, column]:.1f} deg at {angles.time[row]:.3f} s; "
        f"range {low:g} to {high:g} deg"
    )


def _record(
    cuts: list[Cut], cut: np.ndarray, reason: str, mask: np.ndarray, time: np.ndarray
) -> np.ndarray:
    """Add to ``cuts`` the samples of ``mask`` not yet ``cut``; return the samples cut so far."""
    new = mask & ~cut
    if new.any():
        cuts.append(Cut(reason, int(new.sum()), _spans(time, new)))
    return cut | new


def align(emg: Timed, angles: Timed | None, moments: Timed | None) -> Aligned:
    """Angles and moments on the EMG times, the samples to keep and what was cut (see the
    module docstring)."""
    time = emg.time
    reasons: list[tuple[str, np.ndarray]] = []
    for label, stream in (("moments (ID)", moments), ("angles (IK)", angles)):
        if stream is not None:
            span = f"{stream.time[0]:.3f}-{stream.time[-1]:.3f} s"
            outside = (time < stream.time[0]) | (time > stream.time[-1])
            gap = ~covered(time, stream.time) & ~outside
            reasons.append((f"outside the {label} time span {span}", outside))
            reasons.append(
                (
                    f"inside a gap of the {label} frames (a step over {MAX_STEP_RATIO:g} times "
                    "their median step)",
                    gap,
                )
            )
    on_angles = None if angles is None else _on(time, angles)
    on_moments = None if moments is None else _on(time, moments)
    missing = np.zeros(time.size, dtype=bool)
    for values in (on_angles, on_moments):
        if values is not None:
            missing |= ~np.isfinite(values).all(axis=1)
    reasons.append(("with a missing (NaN) angle or moment", missing))
    cut = np.zeros(time.size, dtype=bool)
    cuts: list[Cut] = []
    for reason, mask in reasons:
        cut = _record(cuts, cut, reason, mask, time)
    if angles is not None:
        bad, example = _implausible_frames(time, angles, cut)
        reason = f"with an IK angle beyond its joint's range ({example})"
        cut = _record(cuts, cut, reason, bad, time)
    kept = ~cut
    return Aligned(
        kept=kept,
        angles=None if on_angles is None else on_angles[kept],
        moments=None if on_moments is None else on_moments[kept],
        group=run_groups(kept).astype(np.int32),
        cuts=tuple(cuts),
    )
