"""Wavelet-packet denoising: against PyWavelets' node objects, noise reduction, errors, speed."""

from __future__ import annotations

import time

import numpy as np
import pytest
import pywt

from kinemyo.errors import KinemyoError
from kinemyo.signal import wavelet_packet_denoise

FS = 1920.0


def reference(
    x: np.ndarray, level: int, threshold: float, rule: str, mode: str, wavelet: str = "db7"
) -> np.ndarray:
    """The documented method with pywt.WaveletPacket node objects, one channel at a time."""
    out = np.empty_like(x)
    for c in range(x.shape[1]):
        packet = pywt.WaveletPacket(x[:, c], wavelet, mode="symmetric", maxlevel=level)
        nodes = packet.get_level(level, order="natural")
        if rule == "relative":
            value = threshold * max(np.abs(node.data).max() for node in nodes)
        elif rule == "universal":
            finest = pywt.WaveletPacket(x[:, c], wavelet, mode="symmetric", maxlevel=1)["d"].data
            sigma = np.median(np.abs(finest)) / 0.6745
            value = threshold * sigma * np.sqrt(2 * np.log(x.shape[0]))
        else:
            value = threshold
        for node in nodes:
            node.data = pywt.threshold(node.data, value, mode=mode)
        out[:, c] = packet.reconstruct(update=False)
    return out


@pytest.mark.parametrize("rule", ["relative", "absolute", "universal"])
@pytest.mark.parametrize("mode", ["soft", "hard"])
@pytest.mark.parametrize(("n", "level"), [(1000, 4), (777, 3), (600, 5)])
def test_matches_wavelet_packet_node_objects(rule, mode, n, level):
    rng = np.random.default_rng(n + level)
    x = rng.normal(size=(n, 3)) * np.array([1.0, 0.1, 5.0])
    threshold = {"relative": 0.08, "absolute": 0.2, "universal": 1.0}[rule]
    got = wavelet_packet_denoise(x, "db7", level=level, threshold=threshold, rule=rule, mode=mode)
    want = reference(x, level, threshold, rule, mode)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)
    # and it did something: thresholding changed the signal
    assert np.abs(got - x).max() > 1e-3


def test_other_wavelet_matches_too():
    x = np.random.default_rng(3).normal(size=(513, 2))
    got = wavelet_packet_denoise(x, "sym4", level=4, threshold=0.1)
    np.testing.assert_allclose(got, reference(x, 4, 0.1, "relative", "soft", "sym4"), atol=1e-10)


def noisy_burst(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A clean EMG-like burst (tones at 80 and 150 Hz under a smooth envelope) and it plus
    white noise, 2 s at 1920 Hz, 2 channels."""
    t = np.arange(int(2 * FS)) / FS
    envelope = np.exp(-(((t - 1.0) / 0.3) ** 2))
    clean = envelope * (np.sin(2 * np.pi * 80 * t) + 0.6 * np.sin(2 * np.pi * 150 * t + 1.0))
    clean = np.column_stack([clean, 0.5 * clean])
    noise = np.random.default_rng(seed).normal(scale=0.15, size=clean.shape)
    return clean, clean + noise * np.array([1.0, 0.5])


@pytest.mark.parametrize(
    ("rule", "threshold"), [("relative", 0.08), ("universal", 1.0), ("absolute", 0.15)]
)
def test_denoising_brings_a_noisy_signal_closer_to_the_clean_one(rule, threshold):
    clean, noisy = noisy_burst()
    denoised = wavelet_packet_denoise(noisy, "db7", level=6, threshold=threshold, rule=rule)
    before = np.sqrt(np.mean((noisy - clean) ** 2, axis=0))
    after = np.sqrt(np.mean((denoised - clean) ** 2, axis=0))
    assert np.all(after < 0.8 * before), (before, after)


def test_zero_threshold_reconstructs_the_input():
    x = np.random.default_rng(4).normal(size=(1500, 2))
    np.testing.assert_allclose(wavelet_packet_denoise(x, level=5, threshold=0.0), x, atol=1e-10)


def test_a_level_too_deep_names_level_and_the_limit():
    x = np.zeros((1000, 2))  # db7 (14 taps): at most floor(log2(1000 / 13)) = 6 levels
    wavelet_packet_denoise(x, level=6)
    with pytest.raises(KinemyoError) as error:
        wavelet_packet_denoise(x, level=7)
    assert "level=7" in str(error.value)
    assert "at most 6" in str(error.value)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"level": 0}, "level=0"),
        ({"threshold": -0.1}, "threshold=-0.1"),
        ({"rule": "sure"}, "rule='sure'"),
        ({"mode": "garrote"}, "mode='garrote'"),
        ({"wavelet": "db99"}, "wavelet='db99'"),
    ],
)
def test_bad_settings_name_the_parameter(kwargs, word):
    with pytest.raises(KinemyoError, match=word):
        wavelet_packet_denoise(np.zeros((4000, 1)), **kwargs)


def test_a_long_trial_at_level_8_is_fast():
    x = np.random.default_rng(5).normal(size=(57_600, 9)).astype(np.float32)
    wavelet_packet_denoise(x[:5000])  # warm-up
    start = time.perf_counter()
    y = wavelet_packet_denoise(x, "db7", level=8, threshold=0.08)
    elapsed = time.perf_counter() - start
    assert y.shape == x.shape
    assert elapsed < 1.0, f"{elapsed:.2f} s for 57,600 x 9 at level 8"
