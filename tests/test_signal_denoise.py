"""The seed's DWT denoiser: against PyWavelets called level by level, channel by channel; the
signed maximum it thresholds with; noise reduction; errors."""

from __future__ import annotations

import numpy as np
import pytest
import pywt

from kinemyo.errors import KinemyoError
from kinemyo.signal import detail_maxima, dwt_denoise

FS = 1920.0


def reference(x: np.ndarray, fraction: float, level: int, wavelet: str = "db7") -> np.ndarray:
    """The seed's code on one channel at a time: t_j = fraction * max(d_j) of THIS signal."""
    out = np.empty_like(x)
    for c in range(x.shape[1]):
        coefficients = pywt.wavedec(x[:, c], wavelet, mode="symmetric", level=level)
        for j in range(1, len(coefficients)):
            value = fraction * np.max(coefficients[j])
            coefficients[j] = pywt.threshold(coefficients[j], value, mode="soft")
        out[:, c] = pywt.waverec(coefficients, wavelet, mode="symmetric")[: x.shape[0]]
    return out


@pytest.mark.parametrize(
    ("n", "level", "wavelet"), [(4000, 8, "db7"), (777, 3, "db7"), (513, 4, "sym4")]
)
def test_matches_the_seed_code_when_fitted_on_the_same_signal(n, level, wavelet):
    rng = np.random.default_rng(n + level)
    x = rng.normal(size=(n, 3)) * np.array([1.0, 0.1, 5.0])
    thresholds = 0.08 * detail_maxima(x, wavelet, level)
    got = dwt_denoise(x, thresholds, wavelet, level)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, reference(x, 0.08, level, wavelet), rtol=0, atol=1e-12)
    assert np.abs(got - x).max() > 1e-3  # and it did something


def test_detail_maxima_are_signed_maxima_coarsest_level_first():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3000, 2))
    x[:, 1] *= -1
    got = detail_maxima(x, "db7", 5)
    assert got.shape == (5, 2)
    for c in range(2):
        coefficients = pywt.wavedec(x[:, c], "db7", mode="symmetric", level=5)
        want = [coefficients[j].max() for j in range(1, 6)]  # d5 ... d1, signed
        np.testing.assert_array_equal(got[:, c], want)
    only_negative = -np.abs(rng.normal(size=(3000, 1)))
    assert detail_maxima(only_negative, "db7", 3).min() > 0  # details swing both ways


def test_thresholds_of_one_signal_apply_unchanged_to_another():
    rng = np.random.default_rng(6)
    train, other = rng.normal(size=(2, 2500, 2))
    thresholds = 0.08 * detail_maxima(train, "db7", 6)
    got = dwt_denoise(other, thresholds, "db7", 6)
    want = np.empty_like(other)
    for c in range(2):
        coefficients = pywt.wavedec(other[:, c], "db7", mode="symmetric", level=6)
        for j in range(1, 7):
            coefficients[j] = pywt.threshold(coefficients[j], thresholds[j - 1, c], mode="soft")
        want[:, c] = pywt.waverec(coefficients, "db7", mode="symmetric")[: len(other)]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_zero_thresholds_reconstruct_the_input_even_with_zero_coefficients():
    x = np.random.default_rng(4).normal(size=(1500, 2))
    x[:, 1] = 0.0  # every coefficient 0: no 0/0
    y = dwt_denoise(x, np.zeros((5, 2)), "db7", 5)
    np.testing.assert_allclose(y, x, atol=1e-10)
    assert np.all(np.isfinite(y))


def noisy_burst(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A clean EMG-like burst (tones at 80 and 150 Hz under a smooth envelope) and it plus
    white noise, 2 s at 1920 Hz, 2 channels."""
    t = np.arange(int(2 * FS)) / FS
    envelope = np.exp(-(((t - 1.0) / 0.3) ** 2))
    clean = envelope * (np.sin(2 * np.pi * 80 * t) + 0.6 * np.sin(2 * np.pi * 150 * t + 1.0))
    clean = np.column_stack([clean, 0.5 * clean])
    noise = np.random.default_rng(seed).normal(scale=0.15, size=clean.shape)
    return clean, clean + noise * np.array([1.0, 0.5])


def test_denoising_brings_a_noisy_signal_closer_to_the_clean_one():
    clean, noisy = noisy_burst()
    denoised = dwt_denoise(noisy, 0.08 * detail_maxima(noisy, "db7", 6), "db7", 6)
    before = np.sqrt(np.mean((noisy - clean) ** 2, axis=0))
    after = np.sqrt(np.mean((denoised - clean) ** 2, axis=0))
    assert np.all(after < 0.9 * before), (before, after)  # about 13% closer here


def test_a_level_too_deep_names_level_and_the_limit():
    x = np.zeros((1000, 2))  # db7 (14 taps): at most floor(log2(1000 / 13)) = 6 levels
    detail_maxima(x, "db7", 6)
    with pytest.raises(KinemyoError) as error:
        detail_maxima(x, "db7", 7)
    assert "denoise.level=7" in str(error.value)
    assert "at most 6" in str(error.value)


def test_bad_settings_name_the_parameter():
    x = np.zeros((4000, 1))
    with pytest.raises(KinemyoError, match=r"denoise\.level=0"):
        detail_maxima(x, "db7", 0)
    with pytest.raises(KinemyoError, match="wavelet='db99'"):
        detail_maxima(x, "db99", 3)
    with pytest.raises(KinemyoError, match=r"thresholds must be \(level, C\) = \(3, 1\)"):
        dwt_denoise(x, np.zeros((4, 1)), "db7", 3)
