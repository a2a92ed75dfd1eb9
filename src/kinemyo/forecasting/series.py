"""Univariate joint series for probabilistic forecasting: building, resampling, scaling, windowing.

A :class:`JointSeries` is one joint angle or joint moment of one recording (or of a pooled data
set) as a plain 1-D array with a sampling rate and a readable name. Forecasters (Lag-Llama, the
seasonal-naive baseline) see only such arrays; the metadata name the rows of score tables.

Conventions:

* Values are float32; time is ``start_s + arange(T) / fs`` seconds.
* Rolling origins (:func:`rolling_origins`) cut every series into (past, future) pairs, for
  evaluation, fine-tuning and training alike; z-scaling (:class:`ZScore`) is fitted on a
  training part or context only, never on the future, as in the seed study, so no statistic of
  the values being forecast leaks into the input.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from kinemyo import units
from kinemyo.data.cycles import load_arrays
from kinemyo.data.recording import Recording, SignalBlock
from kinemyo.errors import DataFormatError, KinemyoError

QUANTITIES = ("angle", "moment")
"""The quantities a joint series can hold: joint angle (deg) or joint moment (N·m or N·m/kg)."""

MAX_RESAMPLE_DENOMINATOR = 1000
"""Largest up/down factor of the rational approximation of a resampling ratio."""

KNEE_CYCLE_KEYS = {"angle": "knee_flexion_angle_deg", "moment": "knee_flexion_torque_nm"}
"""Arrays of the real knee npz used as series, by quantity."""


@dataclass(frozen=True, eq=False)
class JointSeries:
    """One univariate joint series.

    Attributes:
        values: (T,) float32 samples in ``unit``, all finite.
        fs: sampling rate in Hz (for normalised gait cycles: samples per cycle, see
            :func:`series_from_knee_cycles`).
        start_s: time of the first sample in s.
        name: readable unique id, e.g. "Sub01_WAK left knee flexion angle".
        unit: unit of the values ("deg", "N·m" or "N·m/kg").
        subject: subject id ("pooled" when several subjects are concatenated).
        task: task code, e.g. "WAK", or None.
        joint: joint channel name, e.g. "left knee flexion".
        quantity: "angle" or "moment".
        time_unit: what ``fs`` counts samples per: "s" (Hz), or "cycle" for normalised cycles.
    """

    values: np.ndarray
    fs: float
    start_s: float
    name: str
    unit: str
    subject: str
    task: str | None
    joint: str
    quantity: str
    time_unit: str = "s"

    def __post_init__(self) -> None:
        values = np.ascontiguousarray(self.values, dtype=np.float32)
        if values.ndim != 1:
            raise KinemyoError(
                f"JointSeries '{self.name}': values must be 1-D (T,), got shape {values.shape}."
            )
        if not np.all(np.isfinite(values)):
            at = int(np.argmax(~np.isfinite(values)))
            raise KinemyoError(
                f"JointSeries '{self.name}': values has a non-finite sample at {at}; fill gaps "
                "before forecasting."
            )
        if not (np.isfinite(self.fs) and self.fs > 0):
            raise KinemyoError(f"JointSeries '{self.name}': fs must be positive, got {self.fs}.")
        if self.quantity not in QUANTITIES:
            raise KinemyoError(
                f"JointSeries '{self.name}': quantity must be one of {QUANTITIES}, "
                f"got '{self.quantity}'."
            )
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "fs", float(self.fs))
        object.__setattr__(self, "start_s", float(self.start_s))

    def __len__(self) -> int:
        return self.values.shape[0]

    @property
    def time(self) -> np.ndarray:
        """(T,) float64 sample times in s (in cycles for normalised gait cycles)."""
        return self.start_s + np.arange(len(self)) / self.fs


def _resample(values: np.ndarray, fs_in: float, fs_out: float) -> tuple[np.ndarray, float]:
    """Resample (T, K) ``values`` along time from ``fs_in`` to about ``fs_out`` Hz.

    Polyphase resampling (:func:`scipy.signal.resample_poly`) by ``up/down``, the rational
    approximation of ``fs_out / fs_in`` with denominator at most ``MAX_RESAMPLE_DENOMINATOR``
    (exact for 1920 -> 100 Hz: 5/96). Its Kaiser-window FIR low-pass at the lower of the two
    Nyquist rates is the anti-aliasing filter; ``padtype="line"`` extends the ends linearly so the
    first and last samples are not pulled towards zero.

    Returns:
        The resampled (ceil(T * up / down), K) float32 values and the achieved rate
        ``fs_in * up / down`` in Hz.
    """
    ratio = Fraction(fs_out / fs_in).limit_denominator(MAX_RESAMPLE_DENOMINATOR)
    if ratio <= 0:
        raise KinemyoError(
            f"fs={fs_out} Hz is too low to resample from {fs_in} Hz "
            f"(ratio below 1/{MAX_RESAMPLE_DENOMINATOR})."
        )
    if ratio == 1:
        return values.astype(np.float32), fs_in
    out = resample_poly(
        values.astype(np.float64), ratio.numerator, ratio.denominator, axis=0, padtype="line"
    )
    return out.astype(np.float32), fs_in * ratio.numerator / ratio.denominator


def _block(recording: Recording, quantity: str) -> SignalBlock:
    block = recording.angles if quantity == "angle" else recording.moments
    if block is None:
        raise KinemyoError(
            f"Recording {recording.meta.name} has no joint {quantity}s; drop '{quantity}' from "
            "`quantities` or use recordings that have them."
        )
    return block


def series_from_recordings(
    recordings: Recording | Iterable[Recording],
    quantities: Sequence[str] = QUANTITIES,
    joints: Sequence[str] | None = None,
    fs: float | None = None,
) -> list[JointSeries]:
    """Every joint of every recording as a univariate series.

    Args:
        recordings: one recording or several.
        quantities: which blocks to use: "angle" (``Recording.angles``, deg) and/or "moment"
            (``Recording.moments``, N·m or N·m/kg).
        joints: joint channel names (exact, e.g. "right knee flexion"); None = every channel.
        fs: resample to this rate in Hz (anti-aliased polyphase filter, see ``_resample``); None
            keeps the native rate. The seed study ran at the native 1920 Hz, where 128 steps are
            67 ms; at 100 Hz 128 steps are 1.28 s, about one gait cycle. When the ratio to the
            native rate is not a fraction with denominator <= 1000 the achieved rate (stored in
            ``JointSeries.fs``) differs slightly from ``fs``.

    Returns:
        Series ordered by recording, then quantity, then joint; all series of one recording share
        its time stamps (same ``start_s``, ``fs`` and length). Names are
        "{subject}_{task}[_{trial}] {joint} {quantity}".

    Raises:
        KinemyoError: an unknown quantity or joint, a recording without the requested block, or a
            requested channel with samples masked as invalid (fill gaps first).
    """
    if isinstance(recordings, Recording):
        recordings = [recordings]
    quantities = tuple(quantities)
    unknown = sorted(set(quantities) - set(QUANTITIES))
    if unknown or not quantities:
        raise KinemyoError(
            f"`quantities` must be a non-empty subset of {QUANTITIES}, got {unknown}."
        )
    if fs is not None and not (np.isfinite(fs) and fs > 0):
        raise KinemyoError(f"`fs` must be a positive rate in Hz or None, got {fs}.")
    out: list[JointSeries] = []
    for recording in recordings:
        for quantity in quantities:
            block = _block(recording, quantity)
            names = block.names if joints is None else tuple(joints)
            block = block.select(names)
            if block.valid is not None and not block.valid.all():
                row, col = np.argwhere(~block.valid)[0]
                raise KinemyoError(
                    f"Recording {recording.meta.name}: {quantity} of '{names[col]}' is masked as "
                    f"invalid at sample {row}; fill gaps before building forecasting series."
                )
            values, rate = block.values, recording.fs
            if fs is not None:
                values, rate = _resample(values, recording.fs, fs)
            for k, joint in enumerate(names):
                out.append(
                    JointSeries(
                        values=values[:, k],
                        fs=rate,
                        start_s=float(recording.time[0]) if recording.n_samples else 0.0,
                        name=f"{recording.meta.name} {joint} {quantity}",
                        unit=block.units[k],
                        subject=recording.meta.subject,
                        task=recording.meta.task,
                        joint=joint,
                        quantity=quantity,
                    )
                )
    return out


def series_from_knee_cycles(path: str | Path) -> list[JointSeries]:
    """The real SIAT-LLMD right-knee level-walking cycles as two long series.

    The npz holds (n_cycles, n_points) arrays (657 x 101) cut between successive knee-flexion
    peaks and time-normalised. The cycles are concatenated row by row in recording order, so the
    series has stride-to-stride variability and jumps where one subject or trial ends and the
    next begins. Segments run between successive flexion peaks, mostly alternating between the
    stance and the swing peak (about 80% of consecutive pairs in the SIAT file), so one gait
    cycle spans about two segments (~2 * n_points samples) but the alternation breaks now and
    then, and the lag correlation of the series is ambiguous between 1, 2 and 3 segments. Within
    a recording, the last point of a segment and the first of the next are the same peak (kept,
    not deduplicated).

    The time axis is normalised: ``fs`` is n_points, samples per segment, NOT Hz, and ``start_s``
    counts segments, not seconds.

    Returns:
        [angle series (deg), torque series (N·m)], each of n_cycles * n_points samples, subject
        "pooled", task "WAK", joint "right knee flexion".

    Raises:
        DataFormatError: the file is missing or not a readable .npz archive, lacks an array, an
            array is not real numbers, not finite, or the arrays disagree in shape (at least
            1 x 2).
    """
    path = Path(path)
    found = load_arrays(path)
    missing = [name for name in KNEE_CYCLE_KEYS.values() if name not in found]
    if missing:
        raise DataFormatError(f"missing arrays {missing}; found {sorted(found)}.", path=path)
    arrays = {key: found[name] for key, name in KNEE_CYCLE_KEYS.items()}
    shapes = {a.shape for a in arrays.values()}
    shape = next(iter(shapes))
    if len(shapes) != 1 or len(shape) != 2 or shape[0] < 1 or shape[1] < 2:
        raise DataFormatError(
            f"angle and torque must be equal (n_cycles, n_points) arrays with n_cycles >= 1 and "
            f"n_points >= 2, got shapes {[a.shape for a in arrays.values()]}.",
            path=path,
        )
    for quantity, values in arrays.items():
        if values.dtype.kind not in "iuf" or not np.isfinite(values).all():
            raise DataFormatError(
                f"array '{KNEE_CYCLE_KEYS[quantity]}' must hold finite real numbers "
                f"(dtype {values.dtype}).",
                path=path,
            )
    unit = {"angle": units.DEGREE, "moment": units.NEWTON_METRE}
    return [
        JointSeries(
            values=arrays[q].reshape(-1),
            fs=float(shape[1]),
            start_s=0.0,
            name=f"SIAT-LLMD WAK right knee flexion {q}",
            unit=unit[q],
            subject="pooled",
            task="WAK",
            joint="right knee flexion",
            quantity=q,
            time_unit="cycle",
        )
        for q in QUANTITIES
    ]


@dataclass(frozen=True)
class ZScore:
    """z-normalisation ``(x - mean) / std`` with statistics of one context only.

    Fit it on the context (or training part) of a window and apply the same transform to the
    context and, inversely, to forecasts of the future; the future never enters the statistics.

    Attributes:
        mean: mean of the fitted values, in series units.
        std: population standard deviation of the fitted values; 1.0 when that is below
            ``MIN_STD`` (a flat context), so a constant context maps to zeros instead of blowing up.
    """

    mean: float
    std: float

    MIN_STD = 1e-8

    @classmethod
    def fit(cls, context: np.ndarray) -> ZScore:
        """Statistics of the (T,) finite ``context`` (T >= 1)."""
        context = np.asarray(context, dtype=np.float64)
        if context.size == 0 or not np.all(np.isfinite(context)):
            raise KinemyoError("`context` for ZScore.fit must be non-empty and finite.")
        std = float(context.std())
        return cls(mean=float(context.mean()), std=std if std >= cls.MIN_STD else 1.0)

    def transform(self, values: np.ndarray) -> np.ndarray:
        """``(values - mean) / std``, any shape, float32."""
        return ((np.asarray(values, dtype=np.float64) - self.mean) / self.std).astype(np.float32)

    def inverse(self, values: np.ndarray) -> np.ndarray:
        """``values * std + mean``, any shape (e.g. (S, H) samples), float32, in series units."""
        return (np.asarray(values, dtype=np.float64) * self.std + self.mean).astype(np.float32)


def _positive_int(value: int, parameter: str) -> int:
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise KinemyoError(f"`{parameter}` must be a positive integer, got {value!r}.")
    return int(value)


def rolling_origins(
    length: int,
    horizon: int,
    *,
    start: int,
    stride: int = 1,
    max_windows: int | None = None,
) -> np.ndarray:
    """Forecast origins of a series of ``length`` samples: ``start, start + stride, ...`` as
    long as a full future of ``horizon`` samples fits. An origin ``o`` has the past
    ``values[:o]`` and the future ``values[o:o + horizon]``.

    Overlap policy: pasts of later origins contain the futures of earlier ones (the truth is
    revealed as the origin rolls forward; that is the point of rolling-origin evaluation). Futures
    never overlap when ``stride >= horizon``; with ``stride < horizon`` a sample is forecast from
    several origins at different lead times, so scores weigh it several times.

    Args:
        length: samples in the series.
        horizon: future samples per origin (>= 1).
        start: the first origin (>= 0; e.g. the first index of a held-out part, or the context
            length so that every origin has a full context).
        stride: samples between successive origins (>= 1).
        max_windows: keep at most this many origins, spread evenly from the first to the last
            (None: all).

    Returns:
        (K,) int origins in increasing order; empty when no future fits after ``start``.

    Raises:
        KinemyoError: a size that is not a positive integer, or a negative ``start``, naming the
            parameter.
    """
    horizon = _positive_int(horizon, "horizon")
    stride = _positive_int(stride, "stride")
    if isinstance(start, bool) or int(start) != start or start < 0:
        raise KinemyoError(f"`start` must be a whole number >= 0, got {start!r}.")
    origins = np.arange(int(start), int(length) - horizon + 1, stride)
    if max_windows is not None and origins.size > _positive_int(max_windows, "max_windows"):
        keep = np.round(np.linspace(0, origins.size - 1, max_windows)).astype(int)
        origins = origins[np.unique(keep)]
    return origins


Picks = list[tuple[int, int]]
"""(series index, origin) pairs."""


def training_and_validation_origins(
    lengths: Sequence[int],
    horizon: int,
    *,
    validation_fraction: float,
    first: int = 1,
    max_validation: int | None = None,
) -> tuple[Picks, Picks]:
    """Forecast origins for training a forecaster on series (their training parts only).

    Each series of ``lengths[s]`` samples is cut at ``cut = int(length * (1 -
    validation_fraction))``: training origins are every origin from ``first`` whose future ends
    by ``cut``; validation origins lie in ``[max(cut, first), length)``, ``horizon`` apart (their
    futures do not overlap), at most ``max_validation`` per series spread evenly
    (:func:`rolling_origins`).

    Returns:
        (series, origin) pairs for training and for validation.

    Raises:
        KinemyoError: when either list would be empty.
    """
    train: Picks = []
    validation: Picks = []
    for s, length in enumerate(lengths):
        cut = int(length * (1 - validation_fraction))
        train += [(s, int(o)) for o in rolling_origins(cut, horizon, start=first)]
        validation += [
            (s, int(o))
            for o in rolling_origins(
                length, horizon, start=max(cut, first), stride=horizon, max_windows=max_validation
            )
        ]
    if not train or not validation:
        raise KinemyoError(
            f"The series are too short for windows of {first} past and {horizon} future steps "
            f"both before and within a {validation_fraction:.0%} validation part; use longer "
            "series or a shorter context or horizon."
        )
    return train, validation
