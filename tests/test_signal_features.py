"""Window features against values worked out by hand on sines, square waves, noise, constants;
and the seed chain on real SIAT-LLMD sEMG."""

from __future__ import annotations

import numpy as np
import pytest

from kinemyo.errors import KinemyoError
from kinemyo.signal import (
    FEATURES,
    SEED_FEATURES,
    MaxAbsScaler,
    bandpass,
    cc,
    compute_features,
    iemg,
    mav,
    mdf,
    mnf,
    remove_baseline,
    rms,
    segment_ids,
    sliding_windows,
    ssc,
    var,
    wamp,
    wavelet_packet_denoise,
    window_starts,
    wl,
    zc,
)
from tests.conftest import requires_real_data

FS = 1920.0


def sine_windows(freq: float, amplitude: float, length: int, phase: float = 0.3) -> np.ndarray:
    """(1, length, 1) window of a sine."""
    t = np.arange(length) / FS
    return (amplitude * np.sin(2 * np.pi * freq * t + phase))[None, :, None]


def test_sine_amplitude_features():
    # 96 Hz at 1920 Hz: 20 samples per cycle, 200 samples = 10 whole cycles
    w = sine_windows(96.0, 2.0, 200)
    assert rms(w)[0, 0] == pytest.approx(2.0 / np.sqrt(2), rel=1e-9)
    assert mav(w)[0, 0] == pytest.approx(2 * 2.0 / np.pi, rel=0.01)
    # waveform length: 4 A per cycle, f L / fs cycles
    assert wl(w)[0, 0] == pytest.approx(4 * 2.0 * 96.0 * 200 / FS, rel=0.02)
    # variance of a sine over whole cycles: A²/2, times L/(L-1) for ddof=1
    assert var(w)[0, 0] == pytest.approx(2.0**2 / 2 * 200 / 199, rel=1e-9)
    # integral of |x| over 10 cycles: 2A/pi mean times the duration
    assert iemg(w, FS)[0, 0] == pytest.approx(2 * 2.0 / np.pi * 200 / FS, rel=0.01)


@pytest.mark.parametrize("freq", [50.0, 96.0, 150.0, 300.0])
def test_sine_zero_crossing_rate_is_twice_the_frequency_over_fs(freq):
    length = 400
    rate = zc(sine_windows(freq, 1.0, length))[0, 0]
    assert rate == pytest.approx(2 * freq / FS, abs=1.5 / (length - 1))
    assert 0.0 < rate < 1.0


@pytest.mark.parametrize(("freq", "tolerance"), [(96.0, 0.01), (192.0, 0.01), (150.0, 8.0)])
def test_sine_mean_and_median_frequency(freq, tolerance):
    # 96 and 192 Hz fall on periodogram bins (fs/L = 9.6 Hz): the Hann leakage is symmetric
    w = sine_windows(freq, 1.0, 200)
    assert mnf(w, FS)[0, 0] == pytest.approx(freq, abs=tolerance)
    assert mdf(w, FS)[0, 0] == pytest.approx(freq, abs=max(tolerance, FS / 200))


def test_square_wave():
    # +-A, 10 samples each: period 20 samples, 200 samples, 19 transitions of size 2A
    amplitude = 0.5
    x = amplitude * np.where((np.arange(200) // 10) % 2 == 0, 1.0, -1.0)
    w = x[None, :, None]
    assert rms(w)[0, 0] == pytest.approx(amplitude)
    assert mav(w)[0, 0] == pytest.approx(amplitude)
    assert var(w)[0, 0] == pytest.approx(amplitude**2 * 200 / 199)
    assert wl(w)[0, 0] == pytest.approx(19 * 2 * amplitude)
    assert zc(w)[0, 0] == pytest.approx(19 / 199)
    assert zc(w, deadband=2 * amplitude)[0, 0] == pytest.approx(19 / 199)  # |step| = 2A counts
    assert zc(w, deadband=2.01 * amplitude)[0, 0] == 0.0
    assert wamp(w, threshold=amplitude)[0, 0] == pytest.approx(19 / 199)
    assert wamp(w, threshold=3 * amplitude)[0, 0] == 0.0
    assert ssc(w)[0, 0] == 0.0  # the slope is never +, - in consecutive pairs
    assert iemg(w, FS)[0, 0] == pytest.approx(amplitude * 200 / FS)


def test_alternating_signal_changes_sign_and_slope_at_every_sample():
    w = np.tile([1.0, -1.0], 50)[None, :, None]
    assert zc(w)[0, 0] == 1.0
    assert ssc(w)[0, 0] == 1.0
    assert ssc(w, deadband=4.0)[0, 0] == 1.0  # the slope changes by 4 each time
    assert ssc(w, deadband=4.5)[0, 0] == 0.0
    # all power at Nyquist (960 Hz); the Hann taper leaks a quarter of it into the next bin down,
    # 960 - fs / L = 940.8 Hz
    assert mnf(w, FS)[0, 0] == pytest.approx((960.0 + 0.25 * 940.8) / 1.25)


def test_constant_windows():
    c = -0.3
    w = np.full((2, 100, 3), c)
    np.testing.assert_allclose(iemg(w, FS), abs(c) * 100 / FS)
    for value in (var(w), wl(w), zc(w), ssc(w), cc(w), mnf(w, FS), mdf(w, FS)):
        np.testing.assert_array_equal(value, 0.0)
    assert iemg(np.full((1, 100, 1), 2.0), FS)[0, 0] == pytest.approx(200 / FS)


def test_white_noise_variance_and_correlations():
    rng = np.random.default_rng(7)
    sigma = 0.5
    noise = rng.normal(scale=sigma, size=(20, 2000, 4))  # 20 windows, 4 independent channels
    assert var(noise).mean() == pytest.approx(sigma**2, rel=0.02)
    assert np.abs(cc(noise)).max() < 0.05
    # white noise: flat spectrum, so mean and median frequency are near fs/4
    assert mnf(noise, FS).mean() == pytest.approx(FS / 4, rel=0.02)
    assert mdf(noise, FS).mean() == pytest.approx(FS / 4, rel=0.03)

    same = np.repeat(noise[:, :, :1], 3, axis=2) * np.array([1.0, 3.0, 0.2]) + np.array([0, 1, -2])
    np.testing.assert_allclose(cc(same), 1.0, atol=1e-12)  # identical up to gain and offset
    opposite = np.concatenate([noise[:, :, :1], -noise[:, :, :1]], axis=2)
    np.testing.assert_allclose(cc(opposite), -1.0, atol=1e-12)


def test_cc_is_the_mean_correlation_with_the_other_channels_and_zero_for_a_flat_one():
    rng = np.random.default_rng(8)
    a, b = rng.normal(size=(2, 500))
    mixed = 0.6 * a + 0.8 * b  # correlation with a: 0.6 (a, b independent, unit variance)
    w = np.stack([a, mixed, np.full(500, 4.0)], axis=1)[None]
    r = np.corrcoef(a, mixed)[0, 1]
    np.testing.assert_allclose(cc(w)[0], [r / 2, r / 2, 0.0], atol=1e-12)
    assert abs(r - 0.6) < 0.1
    assert np.all(np.isfinite(cc(w)))
    np.testing.assert_array_equal(cc(a[None, :, None]), [[0.0]])  # one channel


def test_features_are_computed_per_window_and_channel():
    w = np.concatenate([sine_windows(96.0, 1.0, 200), sine_windows(192.0, 3.0, 200)])  # (2, 200, 1)
    w = np.concatenate([w, 2 * w], axis=2)  # channel 1 = 2 x channel 0
    np.testing.assert_allclose(
        rms(w), [[1 / np.sqrt(2), 2 / np.sqrt(2)], [3 / np.sqrt(2), 6 / np.sqrt(2)]]
    )
    np.testing.assert_allclose(mnf(w, FS), [[96.0, 96.0], [192.0, 192.0]], atol=0.01)


def test_compute_features_stacks_the_named_features_in_order():
    w = np.full((5, 100, 2), 0.25)
    w[:, :, 1] *= -2
    out = compute_features(w, ("iemg", "mav", "zc"), fs=FS)
    assert out.shape == (5, 2, 3)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[:, :, 0], [[0.25 * 100 / FS, 0.5 * 100 / FS]] * 5, rtol=1e-6)
    np.testing.assert_allclose(out[:, :, 1], [[0.25, 0.5]] * 5, rtol=1e-6)
    np.testing.assert_array_equal(out[:, :, 2], 0.0)
    assert compute_features(w).shape == (5, 2, 6)
    # many windows (computed in blocks): each keeps its own value
    levels = np.arange(300) * 0.01
    many = np.broadcast_to(levels[:, None, None], (300, 100, 2))
    np.testing.assert_allclose(
        compute_features(many, ["iemg"])[:, :, 0],
        np.repeat(levels[:, None] * 100 / FS, 2, axis=1),
        rtol=1e-6,
    )
    assert SEED_FEATURES == ("iemg", "var", "wl", "zc", "cc", "mnf")
    assert {"mav", "rms", "ssc", "wamp", "mdf"} <= set(FEATURES)


def test_compute_features_passes_settings_through():
    w = np.tile([0.5, -0.5], 50)[None, :, None]  # steps of 1
    assert compute_features(w, ["zc"], deadband=1.5)[0, 0, 0] == 0.0
    assert compute_features(w, ["wamp"], wamp_threshold=0.9)[0, 0, 0] == 1.0
    assert compute_features(w, ["wamp"], wamp_threshold=1.1)[0, 0, 0] == 0.0
    ramp = np.arange(100.0)[None, :, None]
    assert compute_features(ramp, ["iemg"], fs=100.0)[0, 0, 0] == pytest.approx(4950 / 100)


def test_unknown_feature_and_bad_settings_are_named():
    w = np.zeros((1, 100, 2))
    with pytest.raises(KinemyoError) as error:
        compute_features(w, ["iemg", "entropy"])
    assert "entropy" in str(error.value)
    assert all(name in str(error.value) for name in FEATURES)
    with pytest.raises(KinemyoError, match="deadband=-1"):
        compute_features(w, deadband=-1.0)
    with pytest.raises(KinemyoError, match="fs=0"):
        compute_features(w, fs=0.0)
    with pytest.raises(KinemyoError, match=r"\(N, L, C\)"):
        compute_features(np.zeros((100, 2)))


def test_feature_units_for_figure_labels():
    assert FEATURES["iemg"].unit("mV") == "mV·s"
    assert FEATURES["var"].unit("mV") == "mV²"
    assert FEATURES["wl"].unit("mV") == "mV"
    assert FEATURES["mnf"].unit("mV") == "Hz"
    assert FEATURES["zc"].unit("mV") == "1"
    assert FEATURES["cc"].unit("mV") == "1"
    assert FEATURES["iemg"].unit("1") == "s"  # max-abs-scaled signal
    assert FEATURES["var"].unit() == "1"


def test_seed_chain_on_real_siat_llmd_semg():
    from kinemyo.data.siat_llmd import read_siat_llmd

    path = requires_real_data("siat_llmd_semg_Sub10_session.csv.gz")
    emg = read_siat_llmd(path)[0].emg.values
    assert emg.shape[1] == 9
    x = remove_baseline(emg, "mean")
    x = wavelet_packet_denoise(x, "db7", level=8, threshold=0.08)
    x = bandpass(x, FS, low=15.0, high=400.0, order=7)
    x = MaxAbsScaler().fit_transform(x)
    assert np.abs(x).max() == pytest.approx(1.0)
    starts = window_starts(segment_ids(x.shape[0]), length=100, step=50)
    assert starts.size == (x.shape[0] - 100) // 50 + 1
    features = compute_features(sliding_windows(x, starts, 100), SEED_FEATURES, fs=FS)
    assert features.shape == (starts.size, 9, 6)
    assert np.all(np.isfinite(features))
    by_name = dict(zip(SEED_FEATURES, np.moveaxis(features, 2, 0), strict=True))
    assert np.all((by_name["zc"] > 0) & (by_name["zc"] < 1))
    assert np.all((by_name["mnf"] > 20) & (by_name["mnf"] < 450))
    assert np.all((by_name["cc"] >= -1) & (by_name["cc"] <= 1))
    assert np.all(by_name["iemg"] >= 0) and np.all(by_name["var"] >= 0)
