"""Wavelet-packet denoising of sEMG (PyWavelets), all channels and packet nodes at once.

The full wavelet-packet tree is built level by level with ``pywt.dwt`` on one stacked array of
every channel and node (channels x nodes x coefficients), the 2**level terminal nodes are
thresholded and the tree is rebuilt with ``pywt.idwt``, trimming each level to the length its
input had. The result equals thresholding the terminal nodes of ``pywt.WaveletPacket(x[:, c],
wavelet, mode="symmetric", maxlevel=level)`` channel by channel and calling its
``reconstruct()``, without building node objects.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pywt

from kinemyo.errors import KinemyoError
from kinemyo.signal.filters import as_signal

ThresholdRule = Literal["relative", "absolute", "universal"]
ThresholdMode = Literal["soft", "hard"]

EXTENSION = "symmetric"
"""Signal extension at the borders (PyWavelets mode), as in ``pywt.WaveletPacket``'s default."""

_MAD_TO_SIGMA = 0.6745
"""Median absolute value of a standard normal variable: sigma = MAD / 0.6745."""


def wavelet_packet_denoise(
    x: np.ndarray,
    wavelet: str = "db7",
    level: int = 8,
    threshold: float = 0.08,
    rule: ThresholdRule = "relative",
    mode: ThresholdMode = "soft",
) -> np.ndarray:
    """Denoise each channel by thresholding its wavelet-packet coefficients.

    Decomposes each channel into the full wavelet-packet tree down to ``level`` (2**level terminal
    nodes, each a frequency band of width fs / 2**(level + 1)), shrinks the coefficients of all
    terminal nodes, the lowest-frequency (approximation) node included, with one threshold per
    channel, and reconstructs a signal of the original length. The sampling rate does not enter.

    The threshold of channel c is ``threshold * s_c``, where ``s_c`` depends on ``rule``:

    - "relative" (default; the SIAT-LLMD authors' 0.08): ``s_c`` is the largest absolute
      coefficient of channel c over all 2**level terminal nodes (approximation node included).
      ``threshold`` is then a fraction in [0, 1]; 0.08 removes every coefficient smaller than 8 %
      of the channel's largest.
    - "absolute": ``s_c = 1``; ``threshold`` is in the signal's units (e.g. mV). With an
      orthonormal wavelet (db7 is one) the packet transform preserves energy, so white noise of
      standard deviation sigma gives coefficients of standard deviation sigma in every node.
    - "universal": Donoho and Johnstone's universal threshold ``s_c = sigma_c * sqrt(2 ln T)``,
      with ``sigma_c = median(|d1|) / 0.6745`` estimated from channel c's finest-scale detail
      coefficients d1 (the level-1 high-pass node, fs/4..fs/2) and T samples; ``threshold``
      scales it (use 1.0 for the textbook value).

    Args:
        x: (T, C) signal, e.g. mV.
        wavelet: a PyWavelets discrete wavelet name, e.g. "db7".
        level: depth of the tree, 1 <= level <= ``pywt.dwt_max_level(T, filter length)``.
        threshold: multiplier of ``s_c`` (see above), >= 0; 0 returns ``x`` (up to rounding).
        rule: "relative", "absolute" or "universal" (see above).
        mode: "soft" shrinks every coefficient towards zero by the threshold
            (``sign(c) * max(|c| - t, 0)``); "hard" zeroes coefficients with ``|c| < t`` and keeps
            the others unchanged (as ``pywt.threshold``).

    Returns:
        (T, C) float64, same units as ``x``.

    Raises:
        KinemyoError: unknown ``wavelet``, ``rule`` or ``mode``; negative ``threshold``;
            ``level`` below 1 or deeper than the signal length allows.
    """
    arr = as_signal(x)
    wav = _wavelet(wavelet)
    _check_level(level, arr.shape[0], wav)
    if not (np.isfinite(threshold) and threshold >= 0):
        raise KinemyoError(f"threshold={threshold} must be a finite number >= 0.")
    if rule not in ("relative", "absolute", "universal"):
        raise KinemyoError(f"rule='{rule}' is unknown; use 'relative', 'absolute' or 'universal'.")
    if mode not in ("soft", "hard"):
        raise KinemyoError(f"mode='{mode}' is unknown; use 'soft' or 'hard'.")

    channels = np.ascontiguousarray(arr.T)  # (C, T): every transform runs along contiguous rows
    nodes, lengths = _decompose(channels, wav, level)
    limit = threshold * _threshold_scale(channels, nodes, wav, rule)[:, None, None]
    magnitude = np.abs(nodes)
    if mode == "soft":
        nodes = np.sign(nodes) * np.maximum(magnitude - limit, 0.0)
    else:
        nodes = np.where(magnitude >= limit, nodes, 0.0)
    return _reconstruct(nodes, wav, lengths).T


def _wavelet(name: str) -> pywt.Wavelet:
    try:
        return pywt.Wavelet(name)
    except ValueError:
        raise KinemyoError(
            f"wavelet='{name}' is not a PyWavelets discrete wavelet; e.g. 'db7', 'sym8', 'coif3' "
            "(see pywt.wavelist(kind='discrete'))."
        ) from None


def _check_level(level: int, n_samples: int, wavelet: pywt.Wavelet) -> None:
    deepest = pywt.dwt_max_level(n_samples, wavelet.dec_len)
    if int(level) != level or level < 1:
        raise KinemyoError(f"level={level} must be an integer >= 1.")
    if level > deepest:
        raise KinemyoError(
            f"level={level} is deeper than a {n_samples}-sample signal allows with "
            f"'{wavelet.name}' (filter length {wavelet.dec_len}): at most {deepest} "
            "(pywt.dwt_max_level); use a lower level or a longer signal."
        )


def _decompose(
    channels: np.ndarray, wavelet: pywt.Wavelet, level: int
) -> tuple[np.ndarray, list[int]]:
    """(C, T) signal -> terminal nodes (C, 2**level, n) in natural order, and the input length
    of each level."""
    nodes = channels[:, None, :]
    lengths = []
    for _ in range(level):
        lengths.append(nodes.shape[-1])
        approx, detail = pywt.dwt(nodes, wavelet, mode=EXTENSION, axis=-1)
        # Node i of a level has children 2i (approximation) and 2i + 1 (detail).
        nodes = np.stack([approx, detail], axis=2).reshape(approx.shape[0], -1, approx.shape[-1])
    return nodes, lengths


def _reconstruct(nodes: np.ndarray, wavelet: pywt.Wavelet, lengths: list[int]) -> np.ndarray:
    """Invert :func:`_decompose`: (C, 2**level, n) terminal nodes -> (C, T) signal."""
    for length in reversed(lengths):
        pairs = nodes.reshape(nodes.shape[0], -1, 2, nodes.shape[-1])
        rebuilt = pywt.idwt(pairs[:, :, 0], pairs[:, :, 1], wavelet, mode=EXTENSION, axis=-1)
        nodes = rebuilt[..., :length]
    return nodes[:, 0, :]


def _threshold_scale(
    channels: np.ndarray, nodes: np.ndarray, wavelet: pywt.Wavelet, rule: ThresholdRule
) -> np.ndarray:
    """(C,) per-channel scale ``s_c`` that ``threshold`` multiplies (see the rules above)."""
    if rule == "relative":
        return np.abs(nodes).max(axis=(1, 2))
    if rule == "absolute":
        return np.ones(channels.shape[0])
    finest_detail = pywt.dwt(channels, wavelet, mode=EXTENSION, axis=-1)[1]
    sigma = np.median(np.abs(finest_detail), axis=-1) / _MAD_TO_SIGMA
    return sigma * np.sqrt(2.0 * np.log(channels.shape[-1]))
