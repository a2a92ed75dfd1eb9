"""Raw surface EMG from muscle activation, with the artefacts of a real recording.

Per channel, in mV: ``gain * activation(t) * carrier(t)``, where the carrier is unit-variance
Gaussian noise band-passed to 20-450 Hz and shaped by a second-order low-pass whose corner is drawn
per channel (the motor-unit interference pattern, whose amplitude follows the activation; its
mean power frequency is about 75-125 Hz, as in real sEMG), plus 50 Hz power-line hum with a third
harmonic, a DC offset, slow baseline wander (< 1 Hz), motion-artefact transients (a damped 12 Hz
oscillation at each heel strike or movement onset/offset), isolated spikes, and white sensor
noise; the sum is rounded to the quantisation step of the amplifier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.signal import butter, oaconvolve, sosfilt

from kinemyo.data.synthetic.shapes import smooth_random

if TYPE_CHECKING:
    from kinemyo.data.synthetic.config import CohortConfig

BAND_HZ = (20.0, 450.0)
"""Pass band of the EMG carrier, Hz."""
BAND_ORDER = 4
"""Butterworth order of each edge of the carrier's band-pass."""
SHAPE_CORNER_HZ = (90.0, 170.0)
"""Range of the per-channel corner of the carrier's second-order low-pass, Hz. It sets where the
spectrum falls off: real SIAT-LLMD sEMG has mean power frequencies of about 60-120 Hz."""
SETTLE_S = 0.1
"""Carrier noise generated (and dropped) before the trial so the filter starts settled, s."""
THIRD_HARMONIC = 0.3
"""Amplitude of the hum's third harmonic relative to its fundamental."""
WANDER_SPACING_S = 0.6
"""Knot spacing of the baseline wander, s (its energy stays below about 1 Hz)."""
ARTEFACT_HZ = 12.0
"""Oscillation frequency of a motion-artefact transient, Hz."""
ARTEFACT_DECAY_S = 0.03
"""Decay time constant of a motion-artefact transient, s."""
ARTEFACT_LENGTH_S = 0.2
"""Length of a motion-artefact transient, s."""
ARTEFACT_SCATTER = 0.3
"""Log-standard deviation of an artefact's size from event to event and channel to channel."""
SPIKE_SHAPE = (1.0, -0.6, 0.2)
"""Samples of an isolated artefact spike, relative to its amplitude."""
SPIKE_SIZE = (1.0, 4.0)
"""Range of a spike's amplitude in units of ``artefact_mv``."""


def artefact_kernel(fs: float) -> np.ndarray:
    """Shape of one motion-artefact transient at ``fs`` Hz, peak 1."""
    tau = np.arange(round(ARTEFACT_LENGTH_S * fs)) / fs
    kernel = np.exp(-tau / ARTEFACT_DECAY_S) * np.sin(2 * np.pi * ARTEFACT_HZ * tau)
    return kernel / np.abs(kernel).max()


def synthesise_emg(
    activation: np.ndarray,
    gains: np.ndarray,
    event_times: np.ndarray,
    event_weights: np.ndarray,
    config: CohortConfig,
    rng: np.random.Generator,
) -> np.ndarray:
    """Raw EMG of the recorded muscles, mV.

    Args:
        activation: (T, C) activation (0..1) of the C recorded muscles.
        gains: (C,) RMS of each channel at full activation, mV.
        event_times: (E,) motion-artefact events, s.
        event_weights: (E,) relative artefact size of each event.
        config: sampling rate and noise settings.
        rng: random source.

    Returns:
        (T, C) float64 EMG, multiples of ``config.quantisation_mv`` when that is positive.
    """
    n, channels = activation.shape
    fs = config.fs
    time = np.arange(n) / fs

    settle = round(SETTLE_S * fs)
    band = butter(BAND_ORDER, BAND_HZ, btype="bandpass", fs=fs, output="sos")
    carrier = sosfilt(band, rng.standard_normal((n + settle, channels)), axis=0)
    for k, corner in enumerate(rng.uniform(*SHAPE_CORNER_HZ, channels)):
        carrier[:, k] = sosfilt(butter(2, corner, fs=fs, output="sos"), carrier[:, k])
    carrier = carrier[settle:]
    emg = activation * gains * (carrier / carrier.std(axis=0))

    hum_amplitude = config.hum_mv * rng.uniform(0.5, 1.5, channels)
    hum_phase = rng.uniform(0.0, 2 * np.pi, (2, channels))
    mains = 2 * np.pi * config.mains_hz * time[:, None]
    emg += hum_amplitude * (
        np.sin(mains + hum_phase[0]) + THIRD_HARMONIC * np.sin(3 * mains + hum_phase[1])
    )

    sign = rng.choice([-1.0, 1.0], channels)
    emg += sign * config.dc_offset_mv * rng.uniform(0.5, 1.0, channels)
    emg += config.wander_mv * smooth_random(rng, time, WANDER_SPACING_S, (channels,))

    susceptibility = rng.uniform(0.3, 1.0, channels)
    sizes = rng.lognormal(0.0, ARTEFACT_SCATTER, (event_times.size, channels))
    impulses = np.zeros((n, channels))
    rows = np.round(event_times * fs).astype(int)
    inside = (rows >= 0) & (rows < n)
    np.add.at(
        impulses,
        rows[inside],
        config.artefact_mv * (event_weights[:, None] * susceptibility * sizes)[inside],
    )
    emg += oaconvolve(impulses, artefact_kernel(fs)[:, None], axes=0)[:n]

    n_spikes = rng.poisson(config.spike_rate_hz * n / fs * channels)
    at = rng.integers(0, n - len(SPIKE_SHAPE), n_spikes)
    channel = rng.integers(0, channels, n_spikes)
    amplitude = (
        config.artefact_mv * rng.uniform(*SPIKE_SIZE, n_spikes) * rng.choice([-1, 1], n_spikes)
    )
    for offset, weight in enumerate(SPIKE_SHAPE):
        np.add.at(emg, (at + offset, channel), weight * amplitude)

    emg += config.emg_noise_mv * rng.standard_normal((n, channels))
    if config.quantisation_mv > 0:
        emg = np.round(emg / config.quantisation_mv) * config.quantisation_mv
    return emg
