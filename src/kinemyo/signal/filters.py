"""Stateless per-channel sEMG filters: baseline removal, power-line notch, Butterworth band-pass
and low-pass.

Every function takes a (T, C) array (time x channels, any real dtype, e.g. mV) and returns a new
(T, C) float64 array in the same units. Zero-phase filtering (``causal=False``, the default) runs
the filter forwards and backwards (``scipy.signal.sosfiltfilt``) for offline use; ``causal=True``
runs it forwards only (``scipy.signal.sosfilt``), from rest, as a streaming system would.
:class:`CausalFilter` gives the causal output chunk by chunk. The band-pass also comes in the
transfer-function (b, a) form the seed study's code used (``form="ba"``: ``lfilter`` /
``filtfilt``); second-order sections are the numerically safer form.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import signal as sps

from kinemyo.errors import KinemyoError

BaselineMethod = Literal["mean", "median", "linear"]
FilterForm = Literal["sos", "ba"]


def as_signal(x: np.ndarray, name: str = "x") -> np.ndarray:
    """``x`` as a (T, C) float64 array; a (T,) array becomes (T, 1).

    Raises:
        KinemyoError: ``x`` is not 1-D or 2-D, or has non-finite values.
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise KinemyoError(f"{name} must be a (T, C) array (time x channels), got {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise KinemyoError(f"{name} has non-finite values (NaN or inf); fill gaps first.")
    return arr


def channel_offset(x: np.ndarray, method: Literal["mean", "median"] = "mean") -> np.ndarray:
    """Each channel's DC offset: its mean or median over the samples of ``x``.

    Args:
        x: (T, C) signal, e.g. mV.
        method: "mean" or "median" (robust to bursts and spikes).

    Returns:
        (C,) float64, the units of ``x``.
    """
    arr = as_signal(x)
    if method == "mean":
        return arr.mean(axis=0)
    if method == "median":
        return np.median(arr, axis=0)
    raise KinemyoError(f"method='{method}' is not an offset; use 'mean' or 'median'.")


def remove_baseline(x: np.ndarray, method: BaselineMethod = "mean") -> np.ndarray:
    """Remove each channel's baseline (DC offset).

    Args:
        x: (T, C) signal, e.g. mV.
        method: "mean" subtracts the channel mean; "median" subtracts the channel median (robust
            to bursts and spikes); "linear" subtracts the least-squares straight line of each
            channel (offset and linear drift, ``scipy.signal.detrend``).

    Returns:
        (T, C) float64, same units as ``x``.
    """
    arr = as_signal(x)
    if method in ("mean", "median"):
        return arr - channel_offset(arr, method)
    if method == "linear":
        return sps.detrend(arr, axis=0, type="linear")
    raise KinemyoError(
        f"method='{method}' is not a baseline method; use 'mean', 'median' or 'linear'."
    )


def _check_frequency(name: str, value: float, fs: float) -> None:
    """``value`` (Hz) must lie strictly between 0 and the Nyquist frequency ``fs / 2``."""
    if not np.isfinite(fs) or fs <= 0:
        raise KinemyoError(f"fs={fs} Hz must be a positive sampling rate.")
    if not value > 0:
        raise KinemyoError(f"{name}={value:g} Hz must be positive.")
    if not value < fs / 2:
        raise KinemyoError(
            f"{name}={value:g} Hz is not below the Nyquist frequency {fs / 2:g} Hz (fs={fs:g} Hz)."
        )


def _check_order(order: int) -> None:
    """A Butterworth order must be an integer >= 1."""
    if int(order) != order or order < 1:
        raise KinemyoError(f"order={order} must be an integer >= 1.")


def _check_band(fs: float, low: float, high: float, order: int) -> None:
    _check_frequency("low", low, fs)
    _check_frequency("high", high, fs)
    if not low < high:
        raise KinemyoError(f"low={low:g} Hz must be below high={high:g} Hz.")
    _check_order(order)


def bandpass_sos(fs: float, low: float = 15.0, high: float = 400.0, order: int = 7) -> np.ndarray:
    """Second-order sections of a Butterworth band-pass.

    Args:
        fs: sampling rate, Hz.
        low: lower cut-off (-3 dB), Hz; 0 < low < high.
        high: upper cut-off (-3 dB), Hz; high < fs / 2.
        order: Butterworth order N >= 1 (the band-pass has 2N poles).

    Returns:
        (S, 6) SOS array for ``scipy.signal.sosfilt``.
    """
    _check_band(fs, low, high, order)
    return sps.butter(int(order), [low, high], btype="bandpass", fs=fs, output="sos")


def bandpass_ba(
    fs: float, low: float = 15.0, high: float = 400.0, order: int = 7
) -> tuple[np.ndarray, np.ndarray]:
    """Numerator b and denominator a of a Butterworth band-pass (the seed's form; arguments as
    :func:`bandpass_sos`). High orders at low cut-offs lose precision in this form.

    Returns:
        (b, a), each (2N + 1,), for ``scipy.signal.lfilter``.
    """
    _check_band(fs, low, high, order)
    return sps.butter(int(order), [low, high], btype="bandpass", fs=fs, output="ba")


def lowpass_sos(fs: float, cutoff: float, order: int = 2) -> np.ndarray:
    """Second-order sections of a Butterworth low-pass.

    Args:
        fs: sampling rate, Hz.
        cutoff: cut-off (-3 dB of one pass), Hz; 0 < cutoff < fs / 2.
        order: Butterworth order N >= 1 (N poles).

    Returns:
        (S, 6) SOS array for ``scipy.signal.sosfilt``.
    """
    _check_frequency("cutoff", cutoff, fs)
    _check_order(order)
    return sps.butter(int(order), cutoff, btype="lowpass", fs=fs, output="sos")


def notch_sos(fs: float, freq: float = 50.0, quality: float = 30.0) -> np.ndarray:
    """Second-order section of an IIR notch (``scipy.signal.iirnotch``).

    Args:
        fs: sampling rate, Hz.
        freq: frequency to remove, Hz (50 in Europe/China, 60 in the Americas); below fs / 2.
        quality: quality factor Q = freq / (-3 dB bandwidth); Q=30 at 50 Hz removes about 1.7 Hz.

    Returns:
        (1, 6) SOS array.
    """
    _check_frequency("freq", freq, fs)
    if not quality > 0:
        raise KinemyoError(f"quality={quality} must be positive.")
    b, a = sps.iirnotch(freq, quality, fs=fs)
    return sps.tf2sos(b, a)


def apply_sos(sos: np.ndarray, x: np.ndarray, causal: bool = False) -> np.ndarray:
    """Filter each channel of a (T, C) signal with second-order sections.

    ``causal=False``: zero phase, forward-backward (``sosfiltfilt``, odd padding at both ends);
    the magnitude response is squared, i.e. the effective order doubles. ``causal=True``: one
    forward pass from rest (``sosfilt``): output at t depends only on input up to t.

    Returns:
        (T, C) float64, same units as ``x``.

    Raises:
        KinemyoError: the signal is too short for zero-phase padding.
    """
    arr = as_signal(x)
    if causal:
        return sps.sosfilt(sos, arr, axis=0)
    # Default padding of sosfiltfilt, as its documentation states; the signal must be longer.
    zeros = min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    _check_padding(arr, 3 * (2 * len(sos) + 1 - zeros))
    return sps.sosfiltfilt(sos, arr, axis=0)


def _check_padding(arr: np.ndarray, padlen: int) -> None:
    """Refuse a signal too short for zero-phase filtering's ``padlen`` samples of padding."""
    if arr.shape[0] <= padlen:
        raise KinemyoError(
            f"x has {arr.shape[0]} samples; zero-phase filtering with this filter needs more than "
            f"{padlen} (use a longer signal, a lower order or causal=True)."
        )


def bandpass(
    x: np.ndarray,
    fs: float,
    low: float = 15.0,
    high: float = 400.0,
    order: int = 7,
    causal: bool = False,
    form: FilterForm = "sos",
) -> np.ndarray:
    """Butterworth band-pass of each channel.

    Args:
        x: (T, C) signal, e.g. mV.
        fs: sampling rate, Hz.
        low, high: -3 dB cut-offs of one pass, Hz; 0 < low < high < fs / 2.
        order: Butterworth order (see :func:`bandpass_sos`).
        causal: False: zero phase (forward-backward; effective order doubled, -6 dB at the
            cut-offs). True: one causal pass from rest.
        form: "sos" (second-order sections) or "ba" (the seed's transfer function, run with
            ``scipy.signal.lfilter``, or ``filtfilt`` when not causal).

    Returns:
        (T, C) float64, same units as ``x``.
    """
    if form == "sos":
        return apply_sos(bandpass_sos(fs, low, high, order), x, causal=causal)
    if form != "ba":
        raise KinemyoError(f"form='{form}' is unknown; use 'sos' or 'ba'.")
    b, a = bandpass_ba(fs, low, high, order)
    arr = as_signal(x)
    if causal:
        return sps.lfilter(b, a, arr, axis=0)
    _check_padding(arr, 3 * len(a))  # filtfilt's default padding; the signal must be longer
    return sps.filtfilt(b, a, arr, axis=0)


def notch(
    x: np.ndarray,
    fs: float,
    freq: float = 50.0,
    quality: float = 30.0,
    causal: bool = False,
) -> np.ndarray:
    """Remove power-line hum at ``freq`` Hz from each channel (see :func:`notch_sos`).

    Args:
        x: (T, C) signal, e.g. mV.
        fs: sampling rate, Hz.
        freq: notch frequency, Hz.
        quality: quality factor (frequency / bandwidth).
        causal: as in :func:`bandpass`.

    Returns:
        (T, C) float64, same units as ``x``.
    """
    return apply_sos(notch_sos(fs, freq, quality), x, causal=causal)


class CausalFilter:
    """Causal SOS filter applied chunk by chunk, carrying its state between chunks.

    Feeding a signal in chunks of any sizes gives the same output as one ``causal=True`` pass
    over the whole signal (both start from rest).

    Example::

        f = CausalFilter(bandpass_sos(1920.0, 15.0, 400.0, 7))
        y = np.concatenate([f(chunk) for chunk in chunks])

    Args:
        sos: (S, 6) second-order sections, e.g. from :func:`bandpass_sos` or :func:`notch_sos`.
    """

    def __init__(self, sos: np.ndarray) -> None:
        sos = np.asarray(sos, dtype=np.float64)
        if sos.ndim != 2 or sos.shape[1] != 6:
            raise KinemyoError(f"sos must be an (S, 6) array of sections, got shape {sos.shape}.")
        self.sos = sos
        self._zi: np.ndarray | None = None

    def reset(self) -> None:
        """Return to rest: the next chunk starts a new signal."""
        self._zi = None

    def __call__(self, chunk: np.ndarray) -> np.ndarray:
        """Filter the next (t, C) chunk (t may be 0); returns (t, C) float64.

        Raises:
            KinemyoError: the number of channels changes between chunks (without ``reset``).
        """
        return self.filtered(as_signal(chunk, name="chunk"))

    def filtered(self, arr: np.ndarray) -> np.ndarray:
        """:meth:`__call__` on a (t, C) float64 chunk its caller has already checked to be
        finite (the streaming chain checks every sample once, on arrival)."""
        if self._zi is None:
            self._zi = np.zeros((self.sos.shape[0], 2, arr.shape[1]))
        elif self._zi.shape[2] != arr.shape[1]:
            raise KinemyoError(
                f"chunk has {arr.shape[1]} channels, earlier chunks had {self._zi.shape[2]}; "
                "call reset() to start a new signal."
            )
        if arr.shape[0] == 0:
            return arr
        out, self._zi = sps.sosfilt(self.sos, arr, axis=0, zi=self._zi)
        return out
