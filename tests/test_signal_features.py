"""Window features: the seed's six against literal loops and values worked out by hand; the others
on sines, square waves, noise and constants; the seed chain on real SIAT-LLMD sEMG."""

from __future__ import annotations

import numpy as np
import pytest

from kinemyo.errors import KinemyoError
from kinemyo.signal import (
    FEATURES,
    SEED_FEATURES,
    FeatureSettings,
    MaxAbsScaler,
    bandpass,
    cc,
    channel_offset,
    compute_features,
    detail_maxima,
    dwt_denoise,
    iemg,
    mav,
    mdf,
    mnf,
    rms,
    segment_ids,
    sliding_windows,
    ssc,
    var,
    wamp,
    window_starts,
    wl,
    zc,
)
from tests.conftest import requires_real_data

FS = 1920.0


# --------------------------------------------------------------------------------------------
# The seed's definitions, written as plain loops over one window w (a list of L numbers)


def loop_iemg(w):
    return sum(abs(v) for v in w)


def loop_var(w):
    mean = sum(w) / len(w)
    return sum((v - mean) ** 2 for v in w) / len(w)


def loop_wl(w):
    return sum(abs(w[i + 1] - w[i]) for i in range(len(w) - 1))


def loop_zc(w, offset=3e-6, deadband=0.0):
    theta = sum(w) / len(w) + offset
    count = 0
    for i in range(len(w) - 1):
        crossed = (w[i] >= theta > w[i + 1]) or (w[i] <= theta < w[i + 1])
        if crossed and abs(w[i + 1] - w[i]) >= deadband:
            count += 1
    return count


def loop_ssc(w, threshold=1e-7):
    return sum(1 for i in range(len(w) - 2) if (w[i + 1] - w[i]) * (w[i] - w[i + 2]) > threshold)


def loop_wamp(w, threshold=1e-4):
    return sum(1 for i in range(len(w) - 1) if abs(w[i + 1] - w[i]) >= threshold)


def test_seed_features_by_hand_on_one_short_window():
    w = [0.5, -0.25, 0.75, 0.75, -1.0, 0.0]  # dyadic values: every sum below is exact
    x = np.array(w)[None, :, None]
    assert iemg(x)[0, 0] == 3.25  # 0.5 + 0.25 + 0.75 + 0.75 + 1 + 0
    mean = 0.75 / 6  # 0.125
    assert var(x)[0, 0] == pytest.approx(sum((v - mean) ** 2 for v in w) / 6, rel=1e-15)
    assert wl(x)[0, 0] == 0.75 + 1.0 + 0.0 + 1.75 + 1.0  # 4.5
    # theta = 0.125 + 3e-6: 0.5 -> -0.25 down, -0.25 -> 0.75 up, 0.75 -> -1 down, -1 -> 0 no
    assert zc(x)[0, 0] == 3
    # (w1-w0)(w0-w2) = -0.75*-0.25 > 0; (w2-w1)(w1-w3) = 1*-1 < 0; (w3-w2)(w2-w4) = 0;
    # (w4-w3)(w3-w5) = -1.75*0.75 < 0  ->  one
    assert ssc(x)[0, 0] == 1
    assert wamp(x)[0, 0] == 4  # steps 0.75, 1, 0, 1.75, 1: four of them >= 1e-4
    assert wamp(x, threshold=1.0)[0, 0] == 3
    assert zc(x, deadband=1.5)[0, 0] == 1  # only the 0.75 -> -1 step is that large


def test_seed_features_equal_the_literal_loops_on_normalised_semg_like_windows():
    rng = np.random.default_rng(11)
    # band-limited, sparse and quiet stretches, as max-abs-normalised sEMG: values in [-1, 1]
    x = rng.normal(size=(30, 100, 3)) * rng.uniform(1e-4, 0.3, size=(30, 1, 3))
    x[3, :, 1] = 2e-6  # a flat window: no crossing of mean + 3e-6, no step
    x[4, :, 2] = np.round(x[4, :, 2], 4)  # quantised: equal neighbours (steps of 0)
    got = compute_features(x, SEED_FEATURES)
    assert got.shape == (30, 3, 6) and got.dtype == np.float32
    loops = (loop_iemg, loop_var, loop_wl, loop_zc, loop_ssc, loop_wamp)
    for n in range(x.shape[0]):
        for c in range(x.shape[2]):
            w = x[n, :, c].tolist()
            want = [f(w) for f in loops]
            np.testing.assert_allclose(
                got[n, c], want, rtol=2e-6, atol=1e-30, err_msg=f"window {n}, ch {c}"
            )
    assert got[3, 1, 3] == 0 and got[3, 1, 5] == 0  # flat: no ZC, no WAMP
    counts = got[..., 3:]
    assert np.array_equal(counts, np.round(counts))  # ZC, SSC, WAMP are counts


def test_thresholds_of_the_count_features_come_from_the_settings():
    rng = np.random.default_rng(12)
    x = rng.normal(scale=0.01, size=(20, 100, 2))
    settings = FeatureSettings(
        zc_offset=0.002, zc_deadband=0.005, ssc_threshold=1e-5, wamp_threshold=0.02
    )
    got = compute_features(x, ("zc", "ssc", "wamp"), settings)
    for n in range(20):
        for c in range(2):
            w = x[n, :, c].tolist()
            assert got[n, c, 0] == loop_zc(w, offset=0.002, deadband=0.005)
            assert got[n, c, 1] == loop_ssc(w, threshold=1e-5)
            assert got[n, c, 2] == loop_wamp(w, threshold=0.02)
    default = compute_features(x, ("zc", "wamp"))
    assert not np.array_equal(default, got[..., [0, 2]])


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
    # population variance of a sine over whole cycles: A²/2
    assert var(w)[0, 0] == pytest.approx(2.0**2 / 2, rel=1e-9)
    # sum of |x| over 10 cycles: 2A/pi mean times the 200 samples
    assert iemg(w)[0, 0] == pytest.approx(2 * 2.0 / np.pi * 200, rel=0.01)


@pytest.mark.parametrize("freq", [50.0, 96.0, 150.0, 300.0])
def test_sine_crosses_its_mean_twice_per_cycle(freq):
    length = 400
    count = zc(sine_windows(freq, 1.0, length))[0, 0]
    assert count == pytest.approx(2 * freq * length / FS, abs=1.5)


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
    assert var(w)[0, 0] == pytest.approx(amplitude**2)
    assert wl(w)[0, 0] == pytest.approx(19 * 2 * amplitude)
    assert zc(w)[0, 0] == 19  # the mean is 0: every transition crosses it
    assert zc(w, deadband=2 * amplitude)[0, 0] == 19  # |step| = 2A counts
    assert zc(w, deadband=2.01 * amplitude)[0, 0] == 0
    assert wamp(w, threshold=amplitude)[0, 0] == 19
    assert wamp(w, threshold=3 * amplitude)[0, 0] == 0
    # (w[i+1]-w[i]) (w[i]-w[i+2]) > 0 needs a step followed by a larger one back: never here
    assert ssc(w)[0, 0] == 0
    assert iemg(w)[0, 0] == pytest.approx(amplitude * 200)


def test_alternating_signal_and_the_seed_ssc():
    w = np.tile([1.0, -1.0], 50)[None, :, None]
    assert zc(w)[0, 0] == 99  # mean 0: every pair crosses it
    # (w[i+1]-w[i]) (w[i]-w[i+2]) = (-+2) (0) = 0: the seed's product misses every turn here
    assert ssc(w, threshold=0.0)[0, 0] == 0
    # growing alternation: each step back is the larger, so every one of the L - 2 counts
    growing = (np.tile([1.0, -1.0], 50) * np.arange(1, 101))[None, :, None]
    assert ssc(growing)[0, 0] == 98
    # all power at Nyquist (960 Hz); the Hann taper leaks a quarter of it into the next bin down,
    # 960 - fs / L = 940.8 Hz
    assert mnf(w, FS)[0, 0] == pytest.approx((960.0 + 0.25 * 940.8) / 1.25)


def test_constant_windows():
    c = -0.3
    w = np.full((2, 100, 3), c)
    np.testing.assert_allclose(iemg(w), abs(c) * 100)
    for value in (var(w), wl(w), zc(w), ssc(w), wamp(w), cc(w), mnf(w, FS), mdf(w, FS)):
        np.testing.assert_array_equal(value, 0.0)


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
    out = compute_features(w, ("iemg", "mav", "zc"))
    assert out.shape == (5, 2, 3)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[:, :, 0], [[25.0, 50.0]] * 5, rtol=1e-6)
    np.testing.assert_allclose(out[:, :, 1], [[0.25, 0.5]] * 5, rtol=1e-6)
    np.testing.assert_array_equal(out[:, :, 2], 0.0)
    assert compute_features(w).shape == (5, 2, 6)
    # many windows (computed in blocks): each keeps its own value
    levels = np.arange(300) * 0.01
    many = np.broadcast_to(levels[:, None, None], (300, 100, 2))
    np.testing.assert_allclose(
        compute_features(many, ["iemg"])[:, :, 0],
        np.repeat(levels[:, None] * 100, 2, axis=1),
        rtol=1e-6,
    )
    assert SEED_FEATURES == ("iemg", "var", "wl", "zc", "ssc", "wamp")
    assert {"mav", "rms", "cc", "mnf", "mdf"} <= set(FEATURES)


def test_unknown_feature_and_bad_settings_are_named():
    w = np.zeros((1, 100, 2))
    with pytest.raises(KinemyoError) as error:
        compute_features(w, ["iemg", "entropy"])
    assert "entropy" in str(error.value)
    assert all(name in str(error.value) for name in FEATURES)
    with pytest.raises(KinemyoError, match="zc_deadband=-1"):
        FeatureSettings(zc_deadband=-1.0)
    with pytest.raises(KinemyoError, match="wamp_threshold=nan"):
        FeatureSettings(wamp_threshold=float("nan"))
    with pytest.raises(KinemyoError, match="fs=0"):
        FeatureSettings(fs=0.0)
    with pytest.raises(KinemyoError, match=r"\(N, L, C\)"):
        compute_features(np.zeros((100, 2)))


def test_feature_units_for_figure_labels():
    assert FEATURES["iemg"].unit("mV") == "mV"
    assert FEATURES["var"].unit("mV") == "mV²"
    assert FEATURES["wl"].unit("mV") == "mV"
    assert FEATURES["mnf"].unit("mV") == "Hz"
    assert FEATURES["zc"].unit("mV") == "1"
    assert FEATURES["cc"].unit("mV") == "1"
    assert FEATURES["iemg"].unit("1") == "1"  # max-abs-scaled signal
    assert FEATURES["var"].unit() == "1"


def test_seed_chain_on_real_siat_llmd_semg():
    from kinemyo.data.siat_llmd import read_siat_llmd

    path = requires_real_data("siat_llmd_semg_Sub10_session.csv.gz")
    emg = read_siat_llmd(path)[0].emg.values
    assert emg.shape[1] == 9
    train = emg[: emg.shape[0] // 2]  # values fitted on the first half, applied to all
    offset = channel_offset(train)
    thresholds = 0.08 * detail_maxima(train - offset, "db7", level=8)
    x = dwt_denoise(emg - offset, thresholds, "db7", level=8)
    x = bandpass(x, FS, low=15.0, high=400.0, order=7, causal=True, form="ba")
    starts = window_starts(segment_ids(x.shape[0]), length=100, step=50)
    w = sliding_windows(x, starts, 100)
    w = MaxAbsScaler().fit(w[: starts.size // 2]).transform(w)
    features = compute_features(w, SEED_FEATURES)
    assert features.shape == (starts.size, 9, 6)
    assert np.all(np.isfinite(features))
    by_name = dict(zip(SEED_FEATURES, np.moveaxis(features, 2, 0), strict=True))
    assert np.all(by_name["iemg"] >= 0) and np.all(by_name["var"] >= 0)
    for name, most in (("zc", 99), ("ssc", 98), ("wamp", 99)):
        assert by_name[name].min() >= 0 and by_name[name].max() <= most
    # the seed's ZC (crossings of the window mean) is 0 in few windows: 5-10% of them here
    assert 0.01 < np.mean(by_name["zc"] == 0) < 0.15
