"""The seed study's wavelet denoiser: a plain DWT with one soft threshold per detail level.

What the seed's code runs (its paper calls it a wavelet packet; it is not one)::

    coefficients = pywt.wavedec(x, "db7", level=8, mode="symmetric")   # [a8, d8, d7, ..., d1]
    d_j = pywt.threshold(d_j, t_j, "soft")                               # every detail level
    y = pywt.waverec(coefficients, "db7", mode="symmetric")[:T]         # a8 untouched

with ``t_j = 0.08 * max(d_j)``, the SIGNED maximum of level j over the whole trial. Computed that
way, the end of a trial sets the threshold applied to its beginning, so a chronological test part
would shape the training samples. kinemyo splits the rule in two: :func:`detail_maxima` measures
``max(d_j)`` of training signals (the pipeline takes the largest over them and multiplies by the
fraction), and :func:`dwt_denoise` applies given thresholds to any signal.

Thresholds are (level, C) arrays, one row per detail level in PyWavelets' order, coarsest first
(row 0 is d_level, the last row d_1), one column per channel.
"""

from __future__ import annotations

import numpy as np
import pywt

from kinemyo.errors import KinemyoError
from kinemyo.signal.filters import as_signal

EXTENSION = "symmetric"
"""Signal extension at the borders (PyWavelets mode), as in the seed's code."""


def wavelet(name: str) -> pywt.Wavelet:
    """The PyWavelets discrete wavelet ``name``.

    Raises:
        KinemyoError: ``name`` is not one.
    """
    try:
        return pywt.Wavelet(name)
    except ValueError:
        raise KinemyoError(
            f"wavelet='{name}' is not a PyWavelets discrete wavelet; e.g. 'db7', 'sym8', 'coif3' "
            "(see pywt.wavelist(kind='discrete'))."
        ) from None


def check_level(level: int, n_samples: int, name: str, what: str = "the signal") -> None:
    """Refuse a decomposition ``level`` deeper than ``n_samples`` allow with wavelet ``name``.

    Raises:
        KinemyoError: naming ``what``, its length and the deepest level it allows.
    """
    filter_length = wavelet(name).dec_len
    deepest = pywt.dwt_max_level(n_samples, filter_length)
    if int(level) != level or level < 1:
        raise KinemyoError(f"denoise.level={level} must be an integer >= 1.")
    if level > deepest:
        raise KinemyoError(
            f"denoise.level={level} is deeper than {what} ({n_samples} samples) allows with "
            f"{name} (filter length {filter_length}): at most {deepest}; use a lower level or "
            "longer recordings."
        )


def _decompose(x: np.ndarray, name: str, level: int) -> tuple[np.ndarray, list[np.ndarray]]:
    arr = as_signal(x)
    check_level(level, arr.shape[0], name)
    coefficients = pywt.wavedec(arr, wavelet(name), mode=EXTENSION, level=level, axis=0)
    return arr, coefficients


def detail_maxima(x: np.ndarray, name: str = "db7", level: int = 8) -> np.ndarray:
    """The signed maximum of every detail level of every channel.

    Args:
        x: (T, C) signal, e.g. mV.
        name: PyWavelets discrete wavelet, e.g. "db7".
        level: decomposition depth.

    Returns:
        (level, C) float64, ``max(d_j)`` (not of ``|d_j|``), coarsest level first, signal units.
    """
    _, coefficients = _decompose(x, name, level)
    return np.stack([detail.max(axis=0) for detail in coefficients[1:]])


def dwt_denoise(
    x: np.ndarray, thresholds: np.ndarray, name: str = "db7", level: int = 8
) -> np.ndarray:
    """Soft-threshold every detail level of each channel and rebuild the signal.

    Each detail coefficient c of level j and channel k becomes ``c * max(1 - t / |c|, 0)`` with
    ``t = thresholds[j, k]``, exactly as ``pywt.threshold(c, t, "soft")``: coefficients smaller
    than t vanish, the others shrink towards 0 by t. The approximation is kept.

    Args:
        x: (T, C) signal, e.g. mV.
        thresholds: (level, C), coarsest level first, in the units of ``x``.
        name: PyWavelets discrete wavelet, e.g. "db7".
        level: decomposition depth.

    Returns:
        (T, C) float64, same units as ``x``.
    """
    arr, coefficients = _decompose(x, name, level)
    thresholds = np.asarray(thresholds, dtype=np.float64)
    if thresholds.shape != (level, arr.shape[1]):
        raise KinemyoError(
            f"thresholds must be (level, C) = ({level}, {arr.shape[1]}); got {thresholds.shape}."
        )
    shrunk = [coefficients[0]]
    for detail, limit in zip(coefficients[1:], thresholds, strict=True):
        magnitude = np.abs(detail)
        factor = 1 - limit / np.where(magnitude > 0, magnitude, np.inf)  # 0 stays 0, never NaN
        shrunk.append(detail * np.clip(factor, 0, None))
    return pywt.waverec(shrunk, wavelet(name), mode=EXTENSION, axis=0)[: arr.shape[0]]
