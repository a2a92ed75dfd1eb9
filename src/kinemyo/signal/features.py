"""Features of sEMG windows, vectorised over windows and channels.

Every feature function takes windows ``w`` of shape (N, L, C) (windows x samples x channels, e.g.
from :func:`kinemyo.signal.windows.sliding_windows`) and returns (N, C) float64, one value per
window and channel.

The seed study's code computes six (:data:`SEED_FEATURES`): ``iemg`` (sum |w|), ``var``
(population variance), ``wl``, ``zc``, ``ssc`` and ``wamp``, the last three as counts over the
window with the seed's thresholds (in the units of the max-abs-normalised signal). The features its
paper names, "correlation coefficient" and "mean frequency", are available as ``cc`` and ``mnf``;
the seed's code did not compute them. Features with an amplitude carry the units of the signal (mV
on raw sEMG, dimensionless after max-abs scaling); :meth:`Feature.unit` spells them out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.signal import windows as taper_windows

from kinemyo.errors import KinemyoError


def _channel_major(w: np.ndarray, min_length: int = 1) -> np.ndarray:
    """(N, L, C) windows as a C-contiguous (N, C, L) float64 array: every feature reduces over
    the last, contiguous axis (several times faster than over the middle one). No copy for the
    windows of :func:`~kinemyo.signal.windows.sliding_windows` of a float64 signal."""
    arr = np.asarray(w, dtype=np.float64)
    if arr.ndim != 3:
        raise KinemyoError(
            f"windows must be (N, L, C) (windows x samples x channels); got {arr.shape}."
        )
    if arr.shape[1] < min_length:
        raise KinemyoError(
            f"windows have {arr.shape[1]} samples; this feature needs at least {min_length}."
        )
    return np.ascontiguousarray(arr.transpose(0, 2, 1))


def _check_fs(fs: float) -> None:
    if not (np.isfinite(fs) and fs > 0):
        raise KinemyoError(f"fs={fs} Hz must be a positive sampling rate.")


def _centred(a: np.ndarray) -> np.ndarray:
    """(N, C, L) minus each window's mean, computed after subtracting the first sample, so that
    a constant window gives exactly 0 (not rounding residue) and offsets cost no precision."""
    shifted = a - a[..., :1]
    return shifted - shifted.mean(axis=-1, keepdims=True)


def mav(w: np.ndarray) -> np.ndarray:
    """Mean absolute value: ``mean |x|`` over the window, signal units."""
    return np.abs(_channel_major(w)).mean(axis=-1)


def rms(w: np.ndarray) -> np.ndarray:
    """Root mean square: ``sqrt(mean x²)``, signal units (A / sqrt(2) for a sine of amplitude A)."""
    return np.sqrt(np.square(_channel_major(w)).mean(axis=-1))


def iemg(w: np.ndarray) -> np.ndarray:
    """Integrated EMG as the seed computes it: ``sum |x|`` over the L samples, signal units.

    A sum, not a time integral: it grows with the window length (``iemg / L`` is :func:`mav`).
    """
    return np.abs(_channel_major(w)).sum(axis=-1)


def var(w: np.ndarray) -> np.ndarray:
    """Population variance about the window mean, ``ddof=0`` (divides by L, as ``np.var``), signal
    units squared. Exactly 0 for a constant window."""
    a = _channel_major(w)
    return np.square(_centred(a)).mean(axis=-1)


def wl(w: np.ndarray) -> np.ndarray:
    """Waveform length: ``sum |x[i+1] - x[i]|`` over the L - 1 consecutive pairs, signal units.

    Not normalised by L: about ``4 A f L / fs`` for a sine of amplitude A and frequency f.
    """
    return np.abs(np.diff(_channel_major(w, min_length=2), axis=-1)).sum(axis=-1)


def zc(w: np.ndarray, offset: float = 3e-6, deadband: float = 0.0) -> np.ndarray:
    """Zero-crossing count: crossings of the level ``theta = mean(w) + offset``.

    Pair i (i = 0..L-2) counts when ``w[i] >= theta > w[i+1]`` or ``w[i] <= theta < w[i+1]``
    (the seed's rule; its offset is 3e-6 in max-abs-normalised units) and, with ``deadband > 0``,
    also ``|w[i+1] - w[i]| >= deadband`` (signal units), which ignores small noise crossings.
    A count in [0, L - 1]; about ``2 f L / fs`` for a sine of frequency f. A dead band must be
    small beside the signal: on max-abs-normalised real sEMG a dead band of 0.01 leaves half of
    the windows with no crossing at all.
    """
    a = _channel_major(w, min_length=2)
    theta = a.mean(axis=-1, keepdims=True) + offset
    before, after = a[..., :-1], a[..., 1:]
    crossing = ((before >= theta) & (theta > after)) | ((before <= theta) & (theta < after))
    if deadband > 0:
        crossing &= np.abs(after - before) >= deadband
    return crossing.sum(axis=-1).astype(np.float64)


def ssc(w: np.ndarray, threshold: float = 1e-7) -> np.ndarray:
    """Slope-sign-change count as the seed's code computes it.

    The count of i = 0..L-3 with ``(w[i+1] - w[i]) * (w[i] - w[i+2]) > threshold`` (signal units
    squared; the seed's 1e-7 is in max-abs-normalised units). Note the second factor: the textbook
    SSC (Hudgins) compares ``(w[i+1] - w[i]) * (w[i+1] - w[i+2])``; the seed's product is positive
    only where the slope changes sign AND the second step is the larger, so it counts fewer
    turns. A count in [0, L - 2].
    """
    a = _channel_major(w, min_length=3)
    product = (a[..., 1:-1] - a[..., :-2]) * (a[..., :-2] - a[..., 2:])
    return (product > threshold).sum(axis=-1).astype(np.float64)


def wamp(w: np.ndarray, threshold: float = 1e-4) -> np.ndarray:
    """Willison amplitude count: the number of the L - 1 consecutive pairs with
    ``|w[i+1] - w[i]| >= threshold`` (signal units; the seed's 1e-4 is in max-abs-normalised
    units). A count in [0, L - 1]."""
    steps = np.abs(np.diff(_channel_major(w, min_length=2), axis=-1))
    return (steps >= threshold).sum(axis=-1).astype(np.float64)


def cc(w: np.ndarray) -> np.ndarray:
    """Correlation coefficient: mean Pearson correlation of each channel with the other channels.

    For channel c of a window, ``cc = mean over d != c of r(x_c, x_d)`` with ``r`` the Pearson
    correlation of the two channels' L samples in that window; in [-1, 1], dimensionless: about 0
    for independent channels, 1 when all channels are identical (up to gain and offset).

    A channel that is constant within the window has no defined correlation: it counts as
    correlation 0 with every channel (its own ``cc`` is 0 and it adds 0 to the others' means), so
    the result has no NaN. With one channel, ``cc`` is 0.

    The SIAT-LLMD paper lists a "correlation coefficient" feature; its code computed SSC instead.
    """
    a = _channel_major(w)
    n_channels = a.shape[1]
    if n_channels < 2:
        return np.zeros(a.shape[:2])
    centred = _centred(a)
    norm = np.sqrt(np.square(centred).sum(axis=-1, keepdims=True))
    varying = norm > 0
    unit = centred / np.where(varying, norm, 1.0)
    # r(c, d) = unit_c . unit_d; sum over all d, minus r(c, c) = 1 (0 for a constant channel)
    with_all = np.matmul(unit, unit.sum(axis=1)[:, :, None])[..., 0]
    return (with_all - varying[..., 0]) / (n_channels - 1)


def mean(w: np.ndarray) -> np.ndarray:
    """Mean over the window, signal units (for an envelope, its level; unlike ``mav`` the sign
    is kept)."""
    return _channel_major(w).mean(axis=-1)


def last(w: np.ndarray) -> np.ndarray:
    """The window's last sample, signal units: the newest value a controller has."""
    return _channel_major(w)[..., -1].copy()


def slope(w: np.ndarray) -> np.ndarray:
    """Least-squares slope over the window, signal units per sample (rising or falling
    activation; ``sum((i - i_mean) x_i) / sum((i - i_mean)²)``, 0 for one sample)."""
    a = _channel_major(w)
    i = np.arange(a.shape[-1]) - (a.shape[-1] - 1) / 2
    denominator = float(np.square(i).sum())
    return (_centred(a) @ i) / denominator if denominator else np.zeros(a.shape[:2])


def minimum(w: np.ndarray) -> np.ndarray:
    """Smallest value in the window, signal units."""
    return _channel_major(w).min(axis=-1)


def maximum(w: np.ndarray) -> np.ndarray:
    """Largest value in the window, signal units."""
    return _channel_major(w).max(axis=-1)


ENVELOPE_FEATURES = ("mean", "last", "slope", "min", "max")
"""Features that make sense on an EMG envelope (a smooth, non-negative activation): level, newest
value, trend and range. Zero crossings, slope sign changes and spectral features do not (an
envelope neither crosses its mean like raw EMG nor has the EMG spectrum)."""


def _power_spectrum(w: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """(K,) frequencies in Hz without DC and (N, C, K) periodogram of each window.

    Each window has its mean removed and a periodic Hann taper applied before ``rfft``; the DC bin
    is dropped. Frequency resolution ``fs / L``.
    """
    _check_fs(fs)
    a = _channel_major(w, min_length=2)
    length = a.shape[-1]
    spectrum = np.fft.rfft(_centred(a) * taper_windows.hann(length, sym=False), axis=-1)
    power = np.square(spectrum.real) + np.square(spectrum.imag)
    return np.fft.rfftfreq(length, d=1.0 / fs)[1:], power[..., 1:]


def mnf(w: np.ndarray, fs: float) -> np.ndarray:
    """Mean (power-weighted average) frequency in Hz: ``sum(f P(f)) / sum(P(f))``.

    ``P`` is the periodogram of the window after removing its mean and applying a periodic Hann
    taper; the DC bin is excluded, the other ``rfft`` bins up to fs / 2 included (resolution
    fs / L: 19.2 Hz for 100 samples at 1920 Hz). A window with no power (constant) gives 0.

    The SIAT-LLMD paper lists a "weighted average frequency" feature; its code computed WAMP.
    """
    freqs, power = _power_spectrum(w, fs)
    total = power.sum(axis=-1)
    return np.where(total > 0, (power @ freqs) / np.where(total > 0, total, 1.0), 0.0)


def mdf(w: np.ndarray, fs: float) -> np.ndarray:
    """Median frequency in Hz: the lowest periodogram frequency at which the cumulative power
    reaches half the total (same periodogram as :func:`mnf`; resolution fs / L). A window with no
    power gives 0."""
    freqs, power = _power_spectrum(w, fs)
    cumulative = np.cumsum(power, axis=-1)
    total = cumulative[..., -1]
    median_bin = np.argmax(cumulative >= 0.5 * total[..., None], axis=-1)
    return np.where(total > 0, freqs[median_bin], 0.0)


@dataclass(frozen=True)
class FeatureSettings:
    """Parameters of the features of :func:`compute_features` (defaults: the seed's).

    Attributes:
        fs: sampling rate, Hz (``mnf``, ``mdf``).
        zc_offset: ``zc`` counts crossings of the window mean plus this, signal units.
        zc_deadband: smallest step that counts as a ``zc`` crossing, signal units, >= 0.
        ssc_threshold: ``ssc`` threshold, signal units squared, >= 0.
        wamp_threshold: ``wamp`` threshold, signal units, >= 0.
    """

    fs: float = 1920.0
    zc_offset: float = 3e-6
    zc_deadband: float = 0.0
    ssc_threshold: float = 1e-7
    wamp_threshold: float = 1e-4

    def __post_init__(self) -> None:
        _check_fs(self.fs)
        if not np.isfinite(self.zc_offset):
            raise KinemyoError(f"zc_offset={self.zc_offset} must be a finite number.")
        for name in ("zc_deadband", "ssc_threshold", "wamp_threshold"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise KinemyoError(f"{name}={value} must be a finite number >= 0 (signal units).")


@dataclass(frozen=True)
class Feature:
    """A named window feature.

    Attributes:
        name: registry key, e.g. "iemg".
        compute: ``(w (N, L, C), settings) -> (N, C)``.
        signal_power: power of the signal's unit in the feature's unit (0, 1 or 2).
        suffix: unit factor besides the signal's, e.g. "Hz" for ``mnf``.
    """

    name: str
    compute: Callable[[np.ndarray, FeatureSettings], np.ndarray]
    signal_power: int = 0
    suffix: str = ""

    def unit(self, signal_unit: str = "1") -> str:
        """The feature's unit for a signal in ``signal_unit``, e.g. ``unit("mV") == "mV"`` for
        ``iemg``, "mV²" for ``var``, "Hz" for ``mnf``; "1" for a dimensionless feature (counts,
        ``cc``, or amplitude features of a max-abs-scaled signal, whose unit is "1")."""
        parts = []
        if self.signal_power and signal_unit != "1":
            parts.append(signal_unit + ("²" if self.signal_power == 2 else ""))
        if self.suffix:
            parts.append(self.suffix)
        return "·".join(parts) or "1"


FEATURES: dict[str, Feature] = {
    feature.name: feature
    for feature in (
        Feature("iemg", lambda w, s: iemg(w), signal_power=1),
        Feature("var", lambda w, s: var(w), signal_power=2),
        Feature("wl", lambda w, s: wl(w), signal_power=1),
        Feature("zc", lambda w, s: zc(w, s.zc_offset, s.zc_deadband)),
        Feature("ssc", lambda w, s: ssc(w, s.ssc_threshold)),
        Feature("wamp", lambda w, s: wamp(w, s.wamp_threshold)),
        Feature("mav", lambda w, s: mav(w), signal_power=1),
        Feature("rms", lambda w, s: rms(w), signal_power=1),
        Feature("cc", lambda w, s: cc(w)),
        Feature("mnf", lambda w, s: mnf(w, s.fs), suffix="Hz"),
        Feature("mdf", lambda w, s: mdf(w, s.fs), suffix="Hz"),
        Feature("mean", lambda w, s: mean(w), signal_power=1),
        Feature("last", lambda w, s: last(w), signal_power=1),
        Feature("slope", lambda w, s: slope(w), signal_power=1),
        Feature("min", lambda w, s: minimum(w), signal_power=1),
        Feature("max", lambda w, s: maximum(w), signal_power=1),
    )
}
"""Every feature by name."""

SEED_FEATURES = ("iemg", "var", "wl", "zc", "ssc", "wamp")
"""The six features the SIAT-LLMD seed study's code computes, in its order."""


_BLOCK = 128
"""Windows per block in :func:`compute_features`: the temporaries of a block (about 1 MB for 9
channels x 100 samples) stay in the CPU cache, which makes it about twice as fast as computing
each feature over all windows at once."""


def compute_features(
    windows: np.ndarray,
    names: Sequence[str] = SEED_FEATURES,
    settings: FeatureSettings | None = None,
) -> np.ndarray:
    """Features of every window and channel.

    Args:
        windows: (N, L, C) windows, e.g. max-abs-scaled sEMG.
        names: feature names from :data:`FEATURES`, in the order wanted (or one name).
        settings: sampling rate and thresholds (default: the seed's, at 1920 Hz).

    Returns:
        (N, C, F) float32, F = len(names).

    Raises:
        KinemyoError: an unknown name (the message lists the known ones).
    """
    names = (names,) if isinstance(names, str) else tuple(names)
    unknown = [name for name in names if name not in FEATURES]
    if unknown or not names:
        problem = f"unknown feature(s) {unknown}" if unknown else "no feature given"
        raise KinemyoError(f"names: {problem}; known: {', '.join(FEATURES)}.")
    settings = settings or FeatureSettings()
    # one float64, channel-major copy at most; each feature then reuses it without copying
    w = _channel_major(windows).transpose(0, 2, 1)
    out = np.empty((w.shape[0], w.shape[2], len(names)), dtype=np.float32)
    for first in range(0, w.shape[0], _BLOCK):
        block = slice(first, first + _BLOCK)
        for k, name in enumerate(names):
            out[block, :, k] = FEATURES[name].compute(w[block], settings)
    return out
