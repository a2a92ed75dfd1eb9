"""Baseline removal, notch and Butterworth band-pass: measured amplitudes, phase, causality."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from scipy import signal as sps

from kinemyo.errors import KinemyoError
from kinemyo.signal import (
    CausalFilter,
    bandpass,
    bandpass_ba,
    bandpass_sos,
    channel_offset,
    notch,
    notch_sos,
    remove_baseline,
)

FS = 1920.0


def tone(freq: float, seconds: float = 4.0, amplitude: float = 1.0, phase: float = 0.0):
    t = np.arange(int(seconds * FS)) / FS
    return amplitude * np.sin(2 * np.pi * freq * t + phase)


def amplitude_at(y: np.ndarray, freq: float) -> float:
    """Amplitude of the ``freq`` component of ``y`` over its middle two seconds (whole cycles of
    every tone used here), by projection on sine and cosine."""
    middle = slice(int(1 * FS), int(3 * FS))
    t = np.arange(y.size)[middle] / FS
    return float(2 / t.size * np.abs(np.sum(y[middle] * np.exp(-2j * np.pi * freq * t))))


def test_bandpass_removes_5_and_600_hz_and_keeps_100_hz_in_phase():
    x = tone(5) + tone(600) + tone(100, phase=0.7)
    y = bandpass(np.column_stack([x, 2 * x]), FS, low=15.0, high=400.0, order=7)
    for channel, gain in ((0, 1.0), (1, 2.0)):
        assert amplitude_at(y[:, channel], 100) == pytest.approx(gain, rel=0.01)
        assert amplitude_at(y[:, channel], 5) < 0.001 * gain
        assert amplitude_at(y[:, channel], 600) < 0.001 * gain
    # zero phase: the kept tone is the input tone itself, not a delayed copy
    middle = slice(int(1 * FS), int(3 * FS))
    assert np.max(np.abs(y[middle, 0] - tone(100, phase=0.7)[middle])) < 0.02


def test_zero_phase_squares_the_gain_causal_does_not():
    # A Butterworth cut-off is -3 dB (1/sqrt 2) for one pass; forward-backward gives 1/2.
    x = tone(400.0)[:, None]
    assert amplitude_at(bandpass(x, FS)[:, 0], 400) == pytest.approx(0.5, abs=0.01)
    assert amplitude_at(bandpass(x, FS, causal=True)[:, 0], 400) == pytest.approx(
        1 / np.sqrt(2), abs=0.01
    )


def test_causal_bandpass_is_causal():
    x = np.zeros((2000, 2))
    x[700, :] = 1.0
    y = bandpass(x, FS, causal=True)
    assert np.all(y[:700] == 0.0)
    assert np.abs(y[700:720]).max() > 0.01
    # the zero-phase version responds before the impulse
    assert np.abs(bandpass(x, FS)[:700]).max() > 1e-4


def test_the_seeds_ba_form_is_one_causal_lfilter_pass_of_the_same_butterworth():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(4000, 2))
    y = bandpass(x, FS, low=15.0, high=400.0, order=7, causal=True, form="ba")
    b, a = bandpass_ba(FS, 15.0, 400.0, 7)
    assert b.shape == a.shape == (15,)  # order 7 band-pass: 14 poles
    # the recursion y[n] = (sum b[k] x[n-k] - sum a[k] y[n-k]) / a[0], written out
    expected = np.zeros_like(x)
    for n in range(x.shape[0]):
        k = np.arange(min(n, 14) + 1)
        expected[n] = (b[k] @ x[n - k] - a[k[1:]] @ expected[n - k[1:]]) / a[0]
    # the b/a recursion amplifies rounding: another order of the sums differs by about 1e-5
    np.testing.assert_allclose(y, expected, rtol=0, atol=1e-4)
    # the same filter as the sections, up to the rounding of the b/a form
    sections = bandpass(x, FS, low=15.0, high=400.0, order=7, causal=True)
    assert np.abs(y - sections).max() < 1e-3 * np.abs(sections).max()
    impulse = np.zeros((2000, 1))
    impulse[700] = 1.0
    assert np.all(bandpass(impulse, FS, causal=True, form="ba")[:700] == 0.0)
    zero_phase = bandpass(impulse, FS, form="ba")
    assert np.abs(zero_phase[:700]).max() > 1e-4  # filtfilt responds before the impulse
    with pytest.raises(KinemyoError, match="form='zpk'"):
        bandpass(x, FS, form="zpk")


def test_channel_offset_is_each_channels_mean_or_median():
    x = np.array([[1.0, -4.0], [2.0, 0.0], [6.0, 1.0]])
    np.testing.assert_array_equal(channel_offset(x), [3.0, -1.0])
    np.testing.assert_array_equal(channel_offset(x, "median"), [2.0, 0.0])
    with pytest.raises(KinemyoError, match="method='linear'"):
        channel_offset(x, "linear")


def test_causal_filter_in_chunks_equals_one_causal_pass():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3000, 3))
    whole = bandpass(x, FS, causal=True)
    f = CausalFilter(bandpass_sos(FS))
    cuts = [0, 1, 1, 64, 500, 501, 1999, 3000]  # includes an empty chunk and a 1-sample chunk
    chunked = np.concatenate([f(x[a:b]) for a, b in pairwise(cuts)])
    np.testing.assert_allclose(chunked, whole, rtol=0, atol=1e-12)
    f.reset()
    np.testing.assert_allclose(f(x[:100]), whole[:100], rtol=0, atol=1e-12)


def test_causal_filter_rejects_a_change_of_channels():
    f = CausalFilter(notch_sos(FS))
    f(np.zeros((10, 2)))
    with pytest.raises(KinemyoError, match="channels"):
        f(np.zeros((10, 3)))


def test_notch_removes_mains_and_keeps_neighbours():
    x = (tone(50) + tone(100))[:, None]
    y = notch(x, FS, freq=50.0, quality=30.0)[:, 0]
    assert amplitude_at(y, 50) < 0.01
    assert amplitude_at(y, 100) == pytest.approx(1.0, rel=0.01)


@pytest.mark.parametrize(
    ("method", "centre"),
    [("mean", np.mean), ("median", np.median)],
)
def test_remove_baseline_centres_each_channel(method, centre):
    rng = np.random.default_rng(2)
    x = rng.exponential(size=(500, 3)) + np.array([5.0, -2.0, 0.3])
    y = remove_baseline(x, method=method)
    np.testing.assert_allclose(centre(y, axis=0), 0.0, atol=1e-12)
    # only an offset is removed
    np.testing.assert_allclose(np.diff(y, axis=0), np.diff(x, axis=0), atol=1e-12)


def test_remove_linear_baseline_removes_offset_and_drift():
    t = np.arange(1000) / FS
    wiggle = np.sin(2 * np.pi * 96 * t)  # whole cycles: no linear trend of its own
    x = np.column_stack([wiggle + 3.0 + 40.0 * t, 2 * wiggle - 1.0])
    y = remove_baseline(x, method="linear")
    np.testing.assert_allclose(y[:, 0], wiggle - wiggle.mean() - _slope_part(wiggle, t), atol=1e-9)
    np.testing.assert_allclose(y[:, 1], 2 * (y[:, 0]), atol=1e-9)


def _slope_part(v: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The least-squares line of ``v`` on ``t`` minus its mean: what a linear detrend also takes."""
    slope = np.sum((t - t.mean()) * (v - v.mean())) / np.sum((t - t.mean()) ** 2)
    return slope * (t - t.mean())


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"high": 1000.0}, ["high=1000", "Nyquist", "960"]),
        ({"low": 0.0}, ["low=0", "positive"]),
        ({"low": 300.0, "high": 200.0}, ["low=300", "high=200"]),
        ({"order": 0}, ["order=0"]),
        ({"order": 2.5}, ["order=2.5"]),
    ],
)
def test_bad_bandpass_settings_name_the_parameter(kwargs, words):
    with pytest.raises(KinemyoError) as error:
        bandpass(np.zeros((1000, 2)), FS, **kwargs)
    for word in words:
        assert word in str(error.value)


def test_bad_notch_and_baseline_settings_name_the_parameter():
    with pytest.raises(KinemyoError, match="freq=1000"):
        notch(np.zeros((1000, 1)), FS, freq=1000.0)
    with pytest.raises(KinemyoError, match="quality=0"):
        notch(np.zeros((1000, 1)), FS, quality=0.0)
    with pytest.raises(KinemyoError, match="method='mode'"):
        remove_baseline(np.zeros((10, 1)), method="mode")


def test_too_short_for_zero_phase_and_non_finite_input_are_clear_errors():
    with pytest.raises(KinemyoError, match="samples"):
        bandpass(np.zeros((20, 1)), FS)
    x = np.zeros((1000, 2))
    x[10, 1] = np.nan
    with pytest.raises(KinemyoError, match="non-finite"):
        bandpass(x, FS)


@pytest.mark.parametrize("form", ["sos", "ba"])
def test_both_forms_refuse_exactly_the_signals_scipy_cannot_pad(form):
    b, a = bandpass_ba(FS, 15.0, 400.0, 7)
    sos = bandpass_sos(FS, 15.0, 400.0, 7)

    def scipy_pads(n: int) -> bool:  # the oracle: scipy's own zero-phase filters
        try:
            if form == "ba":
                sps.filtfilt(b, a, np.zeros(n))
            else:
                sps.sosfiltfilt(sos, np.zeros(n))
        except ValueError:
            return False
        return True

    shortest = next(n for n in range(1, 200) if scipy_pads(n))
    with pytest.raises(KinemyoError, match=f"x has {shortest - 1} samples; .* more than"):
        bandpass(np.zeros((shortest - 1, 2)), FS, form=form)
    assert bandpass(np.zeros((shortest, 2)), FS, form=form).shape == (shortest, 2)


def test_causal_filter_still_refuses_a_non_finite_chunk():
    chunk = np.zeros((10, 2))
    chunk[3, 1] = np.inf
    with pytest.raises(KinemyoError, match="chunk has non-finite"):
        CausalFilter(notch_sos(FS))(chunk)
