"""EMG linear envelope at the EMG rate: (band-pass), remove mean, full-wave rectify, low-pass.

The Camargo EMG files are already band-passed (20-400 Hz), so the band-pass is off by default.
The low-pass is causal by default: an exoskeleton controller sees only the past, so a model
trained on a zero-phase (forward-backward) envelope would be trained on inputs that "know" up to
a few hundred ms of the future. ``EnvelopeConfig(causal=False)`` gives the zero-phase envelope
for offline analysis. The causal filter starts from rest: the first ~1 / ``lowpass_hz`` s of a
trial rise from 0. The mean removed before rectifying is the whole trial's: one constant offset,
about 0 for band-passed EMG, that carries no timing; a strictly online pipeline would use a
running or calibration mean instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kinemyo.errors import KinemyoError
from kinemyo.signal.filters import apply_sos, bandpass_sos, lowpass_sos, remove_baseline


@dataclass(frozen=True)
class EnvelopeConfig:
    """How the EMG envelope is made.

    Attributes:
        lowpass_hz: cut-off of the Butterworth low-pass after rectification, Hz (the spec's
            range is 4-20 Hz); None keeps the rectified signal unsmoothed.
        order: order of that low-pass.
        causal: True: one forward pass (what a real-time controller can do). False: zero phase
            (forward-backward; applies to the band-pass too).
        bandpass_hz: (low, high) cut-offs of an optional Butterworth band-pass before
            rectification, Hz; None (default) skips it.
        bandpass_order: order of that band-pass.
    """

    lowpass_hz: float | None = 6.0
    order: int = 2
    causal: bool = True
    bandpass_hz: tuple[float, float] | None = None
    bandpass_order: int = 4

    def __post_init__(self) -> None:
        if self.bandpass_hz is not None and len(self.bandpass_hz) != 2:
            raise KinemyoError(
                f"bandpass_hz must be (low, high) in Hz or None, got {self.bandpass_hz}."
            )


def emg_envelope(emg: np.ndarray, fs: float, config: EnvelopeConfig | None = None) -> np.ndarray:
    """The linear envelope of each EMG channel, at the EMG rate.

    Args:
        emg: (T, C) raw (not rectified) EMG, any unit (Camargo: V).
        fs: its sampling rate, Hz.
        config: the filters; ``EnvelopeConfig()`` when None.

    Returns:
        (T, C) float64 envelope, same unit as ``emg``, non-negative before the low-pass.
    """
    config = config or EnvelopeConfig()
    signal = np.asarray(emg, dtype=np.float64)
    if config.bandpass_hz is not None:
        low, high = config.bandpass_hz
        sos = bandpass_sos(fs, low, high, config.bandpass_order)
        signal = apply_sos(sos, signal, causal=config.causal)
    rectified = np.abs(remove_baseline(signal, "mean"))
    if config.lowpass_hz is None:
        return rectified
    sos = lowpass_sos(fs, config.lowpass_hz, config.order)
    return apply_sos(sos, rectified, causal=config.causal)
