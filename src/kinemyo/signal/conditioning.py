"""The filter stage of the sEMG chain, fitted on training signals only.

baseline -> DWT denoising -> [notch] -> Butterworth band-pass. Two of these steps depend on data:
the baseline (each channel's mean or median) and the denoising thresholds (a fraction of each
detail level's signed maximum). The seed study computed both over the whole trial it filtered;
:func:`fit_conditioning` computes them over training signals only, and :func:`condition` applies
them, unchanged, to any signal::

    state = fit_conditioning([x_train_1, x_train_2], config)     # (T_i, C) raw sEMG, mV
    y = condition(x, state, config, fs=1920.0)                   # (T, C) filtered, mV
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

import numpy as np

from kinemyo.config import PipelineConfig
from kinemyo.errors import KinemyoError
from kinemyo.signal import denoise, filters


@dataclass(frozen=True, eq=False)
class ConditioningState:
    """What the filter stage learnt from training signals.

    Attributes:
        offset: (C,) baseline subtracted from each channel, mV (zeros without baseline removal).
        thresholds: (level, C) soft thresholds of the detail levels, coarsest first, mV
            ((0, C) without denoising).
    """

    offset: np.ndarray
    thresholds: np.ndarray

    def state(self) -> dict[str, np.ndarray]:
        """The arrays by name (for safetensors)."""
        return {"offset": np.array(self.offset), "thresholds": np.array(self.thresholds)}

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray]) -> Self:
        """The state of :meth:`state`.

        Raises:
            KinemyoError: an array is missing, of the wrong shape or not finite.
        """
        if set(state) != {"offset", "thresholds"}:
            raise KinemyoError(
                f"A conditioning state needs offset and thresholds; got {sorted(state)}."
            )
        offset = np.asarray(state["offset"], dtype=np.float64)
        thresholds = np.asarray(state["thresholds"], dtype=np.float64)
        if offset.ndim != 1 or thresholds.ndim != 2 or thresholds.shape[1] != offset.size:
            raise KinemyoError(
                f"A conditioning state needs offset (C,) and thresholds (level, C); got "
                f"{offset.shape} and {thresholds.shape}."
            )
        if not (np.isfinite(offset).all() and np.isfinite(thresholds).all()):
            raise KinemyoError("A conditioning state has non-finite values.")
        return cls(offset, thresholds)


def fit_conditioning(signals: Sequence[np.ndarray], config: PipelineConfig) -> ConditioningState:
    """Learn the baseline and the denoising thresholds from training signals.

    The offset is each channel's mean (or median) over all samples of ``signals``; the threshold
    of detail level j and channel c is ``config.denoise.threshold`` times the largest signed
    maximum of that level over the signals (each decomposed on its own, after the offset is
    removed): the seed's rule, applied to training samples instead of the whole trial.

    Args:
        signals: (T_i, C) raw training sEMG, e.g. mV; each long enough for the wavelet level.
        config: the chain (``baseline`` and ``denoise`` are used).

    Raises:
        KinemyoError: no signals, or one too short for ``denoise.level``.
    """
    if not signals:
        raise KinemyoError("Cannot fit the filter stage on no training signal.")
    arrays = [filters.as_signal(x) for x in signals]
    method = config.baseline.method
    pooled = np.concatenate(arrays)
    offset = (
        np.zeros(pooled.shape[1]) if method == "none" else filters.channel_offset(pooled, method)
    )
    d = config.denoise
    if not d.enabled:
        return ConditioningState(offset, np.zeros((0, offset.size)))
    for x in arrays:
        denoise.check_level(d.level, x.shape[0], d.wavelet, "a training signal")
    maxima = np.max([denoise.detail_maxima(x - offset, d.wavelet, d.level) for x in arrays], axis=0)
    return ConditioningState(offset, d.threshold * maxima)


def condition(
    x: np.ndarray, state: ConditioningState, config: PipelineConfig, fs: float
) -> np.ndarray:
    """Run the filter stage on a raw signal with fitted values.

    Args:
        x: (T, C) raw sEMG, e.g. mV.
        state: from :func:`fit_conditioning`.
        config: the chain (``denoise``, ``notch``, ``bandpass``).
        fs: sampling rate, Hz.

    Returns:
        (T, C) float64 filtered sEMG, same units.
    """
    y = filters.as_signal(x) - state.offset
    d = config.denoise
    if d.enabled:
        y = denoise.dwt_denoise(y, state.thresholds, d.wavelet, d.level)
    b = config.bandpass
    if config.notch.enabled:
        n = config.notch
        y = filters.notch(y, fs, freq=n.freq, quality=n.quality, causal=b.causal)
    if not b.enabled:
        return y
    return filters.bandpass(
        y, fs, low=b.low, high=b.high, order=b.order, causal=b.causal, form=b.form
    )


def streaming_problems(config: PipelineConfig) -> list[str]:
    """The stages of ``config`` that cannot run on a live stream, each named with its field and
    why (empty when the filter stage streams)."""
    problems = []
    if config.denoise.enabled:
        problems.append(
            "denoise.enabled=true (wavelet denoising decomposes the whole signal at once, "
            "future samples included)"
        )
    b = config.bandpass
    stages = " and ".join(
        name for name, on in (("bandpass", b.enabled), ("notch", config.notch.enabled)) if on
    )
    if stages and not b.causal:
        problems.append(
            f"bandpass.causal=false ({stages} run zero-phase, forward and backward over the "
            "whole signal)"
        )
    elif b.enabled and b.form != "sos":
        problems.append(
            "bandpass.form='ba' (the transfer-function form; streaming runs second-order "
            "sections: set form: sos)"
        )
    return problems


class StreamingConditioner:
    """:func:`condition` chunk by chunk, for a causal filter stage: feeding a signal in chunks of
    any sizes gives what ``condition`` gives on the whole signal (both start from rest).

    Args:
        state: the fitted baseline (its thresholds must be empty: no denoising).
        config: a chain whose filter stage streams (see :func:`streaming_problems`).
        fs: sampling rate, Hz.

    Raises:
        KinemyoError: a stage cannot stream, naming it.
    """

    def __init__(self, state: ConditioningState, config: PipelineConfig, fs: float) -> None:
        problems = streaming_problems(config)
        if problems:
            raise KinemyoError(f"The filter stage cannot stream: {'; '.join(problems)}.")
        self.offset = state.offset
        b = config.bandpass
        stages = []
        if config.notch.enabled:
            stages.append(filters.notch_sos(fs, config.notch.freq, config.notch.quality))
        if b.enabled:
            stages.append(filters.bandpass_sos(fs, b.low, b.high, b.order))
        # one cascade of sections: the same arithmetic as the stages one after the other
        self._filter = filters.CausalFilter(np.vstack(stages)) if stages else None

    def reset(self) -> None:
        """Return the filters to rest: the next chunk starts a new signal."""
        if self._filter is not None:
            self._filter.reset()

    def __call__(self, chunk: np.ndarray) -> np.ndarray:
        """Filter the next (t, C) chunk of raw sEMG; returns (t, C) float64, same units."""
        return self.filtered(filters.as_signal(chunk, name="chunk"))

    def filtered(self, chunk: np.ndarray) -> np.ndarray:
        """:meth:`__call__` on a (t, C) float64 chunk already checked to be finite (the
        streaming estimator classifies every sample first): no second check."""
        y = chunk - self.offset
        return y if self._filter is None else self._filter.filtered(y)
