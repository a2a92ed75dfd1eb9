"""Forecasting data layer, probabilistic metrics and the seasonal-naive baseline.

Expected values come from closed forms or hand computation, not from the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from kinemyo.data.recording import Recording, RecordingMeta, SignalBlock
from kinemyo.errors import KinemyoError
from kinemyo.forecasting import (
    JointSeries,
    SeasonalNaive,
    ZScore,
    estimate_period,
    interval_coverage,
    median_mae,
    rolling_origins,
    sample_crps,
    score_forecasts,
    series_from_knee_cycles,
    series_from_recordings,
    summarise_scores,
    weighted_quantile_loss,
)
from tests.conftest import SPEC_JOINTS, make_recording, requires_real_data


def _series(values, name="s", quantity="angle") -> JointSeries:
    return JointSeries(
        values=np.asarray(values, dtype=np.float32),
        fs=100.0,
        start_s=0.0,
        name=name,
        unit="deg",
        subject="Sub01",
        task="WAK",
        joint="right knee flexion",
        quantity=quantity,
    )


def _gait_like(period: int, n: int) -> np.ndarray:
    phase = 2 * np.pi * np.arange(n) / period
    return (30 * np.sin(phase) + 12 * np.sin(2 * phase + 0.7) + 20).astype(np.float32)


# ---------------------------------------------------------------- metrics


def test_crps_of_point_forecast_is_absolute_error():
    truth = np.array([1.0, -2.0, 4.0, 0.5])
    forecast = np.array([1.5, 0.0, 1.0, 0.5])
    samples = np.tile(forecast, (7, 1))
    expected = np.mean([0.5, 2.0, 3.0, 0.0])
    assert sample_crps(samples, truth) == pytest.approx(expected)
    assert median_mae(samples, truth) == pytest.approx(expected)
    # One sample is a point forecast too.
    assert sample_crps(forecast[None], truth) == pytest.approx(expected)


def test_crps_uses_fair_spread_estimator():
    # Samples {0, 2}, y = 1: E|X - y| = 1; fair E|X - X'| over distinct pairs = 2 -> 1 - 1 = 0.
    # (The all-pairs estimator would give 1 - 0.5 * 1 = 0.5.)
    assert sample_crps(np.array([[0.0], [2.0]]), np.array([1.0])) == pytest.approx(0.0)
    # Samples {0, 1, 3}, y = 2: E|X - y| = (2 + 1 + 1) / 3; distinct-pair mean |diff| =
    # (1 + 3 + 2) / 3 = 2 -> 4/3 - 1 = 1/3.
    assert sample_crps(np.array([[0.0], [1.0], [3.0]]), np.array([2.0])) == pytest.approx(1 / 3)


def test_crps_of_normal_samples_matches_closed_form():
    rng = np.random.default_rng(1)
    mu, sigma = 0.5, 2.0
    truth = np.array([0.5, 1.8, -3.0, 6.0])
    samples = rng.normal(mu, sigma, size=(40_000, truth.size))
    z = (truth - mu) / sigma
    closed = sigma * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / math.sqrt(math.pi))
    for h in range(truth.size):
        got = sample_crps(samples[:, h : h + 1], truth[h : h + 1])
        assert got == pytest.approx(closed[h], abs=0.03)
    assert sample_crps(samples, truth) == pytest.approx(closed.mean(), abs=0.02)


def test_weighted_quantile_loss_hand_examples():
    truth = np.array([2.0, -4.0, 3.0])
    assert weighted_quantile_loss(np.tile(truth, (5, 1)), truth) == 0.0
    # Point forecast with levels symmetric about 0.5: each |e| contributes |e| * mean(q or 1-q)
    # = 0.5 |e| per level on average -> 2 * 0.5 * sum|e| / sum|y|.
    forecast = np.array([1.0, -4.0, 5.0])
    assert weighted_quantile_loss(np.tile(forecast, (3, 1)), truth) == pytest.approx(3 / 9)
    # Samples 0..4 at one step: ranks round(4 q) for q = 0.25, 0.5, 0.75 -> 1, 2, 3; y = 3:
    # pinball 0.25 * 2 = 0.5, 0.5 * 1 = 0.5, 0 -> 2 * mean(0.5, 0.5, 0) / |3| = 2/9.
    samples = np.arange(5.0)[:, None]
    wql = weighted_quantile_loss(samples, np.array([3.0]), quantiles=(0.25, 0.5, 0.75))
    assert wql == pytest.approx(2 / 9)


def test_weighted_quantile_loss_takes_gluonts_order_statistics_not_interpolations():
    # GluonTS' SampleForecast.quantile: sorted samples at rank round((S - 1) q), halves to even.
    # S = 5 samples {5, 1, 4, 2, 3} (unsorted), q = 0.1, 0.5, 0.9 -> ranks round(0.4) = 0,
    # round(2.0) = 2, round(3.6) = 4 -> quantiles 1, 3, 5 (interpolation: 1.4, 3, 4.6). y = 2.5:
    # q=0.1: y > 1, |1.5 * -0.1| = 0.15; q=0.5: |-0.5 * 0.5| = 0.25; q=0.9: |-2.5 * 0.1| = 0.25
    # -> mean over levels of 2 * pinball / 2.5 = (0.12 + 0.2 + 0.2) / 3.
    samples = np.array([[5.0], [1.0], [4.0], [2.0], [3.0]])
    wql = weighted_quantile_loss(samples, np.array([2.5]), quantiles=(0.1, 0.5, 0.9))
    assert wql == pytest.approx(0.52 / 3)
    # S = 4, q = 0.5: 3 * 0.5 = 1.5 rounds to the even rank 2 -> 30 (not 25, nor rank 1's 20);
    # y = 25: 2 * |-5 * 0.5| / 25 = 0.2.
    four = np.array([[40.0], [10.0], [30.0], [20.0]])
    assert weighted_quantile_loss(four, np.array([25.0]), quantiles=(0.5,)) == pytest.approx(0.2)
    # S = 3, q = 0.25 and 0.75: 0.5 -> rank 0, 1.5 -> rank 2: quantiles 0 and 2; y = 1:
    # q=0.25: |1 * -0.25| = 0.25; q=0.75: |-1 * 0.25| = 0.25 -> 2 * 0.25 / 1 each = 0.5.
    three = np.array([[2.0], [0.0], [1.0]])
    assert weighted_quantile_loss(three, np.array([1.0]), quantiles=(0.25, 0.75)) == 0.5
    # The median of an even ensemble is its upper middle sample, as GluonTS' forecast.median.
    assert median_mae(four, np.array([25.0])) == 5.0
    # 90% interval of 0..19 (S = 20): ranks round(19 * 0.05) = 1 and round(19 * 0.95) = 18.
    ensemble = np.arange(20.0)[:, None]
    covered = [interval_coverage(ensemble, np.array([y]), 0.9) for y in (0.5, 1.0, 18.0, 18.5)]
    assert covered == [0.0, 1.0, 1.0, 0.0]


def test_sample_crps_matches_scoringrules_fair_ensemble_crps():
    scoringrules = pytest.importorskip("scoringrules", reason="test-only oracle (dev extra)")
    rng = np.random.default_rng(5)
    samples = rng.standard_t(4, size=(6, 30, 8)) * 3 + 1  # (N, S, H)
    truth = rng.normal(size=(6, 8)) * 3
    oracle = scoringrules.crps_ensemble(truth, np.moveaxis(samples, 1, -1), estimator="fair")
    assert sample_crps(samples, truth) == pytest.approx(float(np.mean(oracle)), rel=1e-10)


def test_weighted_quantile_loss_pools_windows_by_sum():
    # Window 1: error 1 on |y| = 1; window 2: error 0 on |y| = 9 -> (1 + 0) / (1 + 9) = 0.1,
    # not the mean of per-window ratios (0.5).
    samples = np.array([[[2.0]], [[9.0]]])
    truth = np.array([[1.0], [9.0]])
    assert weighted_quantile_loss(samples, truth) == pytest.approx(0.1)


def test_interval_coverage_of_calibrated_normal():
    rng = np.random.default_rng(2)
    samples = rng.normal(size=(3000, 1000, 1))
    truth = rng.normal(size=(3000, 1))
    assert interval_coverage(samples, truth, 0.5) == pytest.approx(0.5, abs=0.03)
    assert interval_coverage(samples, truth, 0.9) == pytest.approx(0.9, abs=0.02)
    # Samples far away cover nothing.
    assert interval_coverage(samples + 100, truth, 0.9) == 0.0


def test_metrics_reject_mismatched_shapes():
    with pytest.raises(KinemyoError, match="truth"):
        sample_crps(np.zeros((4, 3)), np.zeros(2))
    with pytest.raises(KinemyoError, match="level"):
        interval_coverage(np.zeros((4, 3)), np.zeros(3), 1.5)


def test_score_forecasts_table():
    a, b = _series(np.zeros(10), "A"), _series(np.zeros(10), "B", quantity="moment")
    truth = [np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([1.0, 1.0])]
    samples = [
        np.tile([1.0, 3.0], (4, 1)),
        np.tile([3.0, 4.0], (4, 1)),
        np.tile([2.0, 2.0], (4, 1)),
    ]
    table = score_forecasts(samples, truth, [a, a, b])
    assert list(table["series"]) == ["A", "B"]
    assert list(table["n_windows"]) == [2, 1]
    for column in ("crps_energy", "crps_wql", "median_mae", "coverage_50", "coverage_90"):
        assert column in table.columns
    # A: errors 0, 1, 0, 0 -> MAE = CRPS = 0.25; wQL = 1 / (1 + 2 + 3 + 4) = 0.1.
    row = table.set_index("series").loc["A"]
    assert row["crps_energy"] == pytest.approx(0.25)
    assert row["median_mae"] == pytest.approx(0.25)
    assert row["crps_wql"] == pytest.approx(0.1)
    assert row["coverage_90"] == pytest.approx(0.75)
    summary = summarise_scores(table).set_index("quantity")
    assert summary.loc["moment", "crps_energy_mean"] == pytest.approx(1.0)
    assert list(summary["n_series"]) == [1, 1]


# ---------------------------------------------------------------- series


def _sine_recording(fs=1920.0, seconds=4.0) -> Recording:
    t = np.arange(int(seconds * fs)) / fs
    angle = 30 * np.sin(2 * np.pi * 2.0 * t) + 10 * np.sin(2 * np.pi * 130.0 * t)
    return Recording(
        time=t + 5.0,
        fs=fs,
        meta=RecordingMeta(dataset="test", subject="Sub02", task="WAK"),
        angles=SignalBlock(angle[:, None], ("right knee flexion",), ("deg",)),
    )


def test_resampling_keeps_frequency_and_amplitude_and_removes_aliases():
    (series,) = series_from_recordings(_sine_recording(), quantities=("angle",), fs=100)
    assert series.fs == 100.0
    assert len(series) == 400
    assert series.start_s == pytest.approx(5.0)
    t = np.arange(400) / 100.0
    # The 2 Hz, 30 deg component stays; the 130 Hz one (above the 50 Hz Nyquist rate) is
    # filtered out instead of aliasing to 30 Hz.
    expected = 30 * np.sin(2 * np.pi * 2.0 * t)
    interior = slice(10, -10)
    np.testing.assert_allclose(series.values[interior], expected[interior], atol=0.5)


def test_series_from_recordings_one_per_joint_and_quantity():
    recording = make_recording()
    series = series_from_recordings(recording)
    assert len(series) == 16
    names = [s.name for s in series]
    assert names[:8] == [f"Sub01_WAK {j} angle" for j in SPEC_JOINTS]
    assert names[8:] == [f"Sub01_WAK {j} moment" for j in SPEC_JOINTS]
    assert {s.unit for s in series[:8]} == {"deg"}
    assert {s.unit for s in series[8:]} == {"N·m"}
    knee = series[SPEC_JOINTS.index("right knee flexion")]
    assert (knee.joint, knee.quantity, knee.subject, knee.task) == (
        "right knee flexion",
        "angle",
        "Sub01",
        "WAK",
    )
    np.testing.assert_array_equal(knee.values, recording.angles.column("right knee flexion"))
    assert all(s.fs == 1920.0 and len(s) == recording.n_samples for s in series)

    only = series_from_recordings(
        [recording, make_recording(subject="Sub02")],
        quantities=("moment",),
        joints=["left knee flexion"],
    )
    assert [s.name for s in only] == [
        "Sub01_WAK left knee flexion moment",
        "Sub02_WAK left knee flexion moment",
    ]
    with pytest.raises(KinemyoError, match="quantities"):
        series_from_recordings(recording, quantities=("velocity",))


def test_zscore_fits_context_only():
    values = np.array([1.0, 2.0, 3.0, 4.0, 100.0, -50.0])
    other = values.copy()
    other[4:] = [7.0, 8.0]
    s1, s2 = ZScore.fit(values[:4]), ZScore.fit(other[:4])  # same context, other futures
    assert s1 == s2
    assert s1.mean == pytest.approx(2.5)
    assert s1.std == pytest.approx(math.sqrt(1.25))
    np.testing.assert_allclose(s1.transform([2.5, 2.5 + math.sqrt(1.25)]), [0.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(s1.inverse(s1.transform(values[4:])), values[4:], rtol=1e-6)
    assert ZScore.fit(np.full(5, 3.0)).std == 1.0


def test_rolling_origins_positions_thinning_and_errors():
    # 20 samples, horizon 3: the last origin with a full future is 17.
    assert rolling_origins(20, 3, start=5, stride=4).tolist() == [5, 9, 13, 17]
    assert rolling_origins(20, 3, start=6, stride=4).tolist() == [6, 10, 14]
    assert rolling_origins(20, 3, start=1).tolist() == list(range(1, 18))
    assert rolling_origins(20, 3, start=17).tolist() == [17]
    assert rolling_origins(20, 3, start=18).size == 0  # no full future after 18
    assert rolling_origins(2, 3, start=0).size == 0
    # 17 origins 1..17 thinned to 5: positions round(linspace(0, 16, 5)) = 0, 4, 8, 12, 16.
    assert rolling_origins(20, 3, start=1, max_windows=5).tolist() == [1, 5, 9, 13, 17]
    assert rolling_origins(20, 3, start=5, stride=4, max_windows=10).tolist() == [5, 9, 13, 17]
    with pytest.raises(KinemyoError, match="`horizon`"):
        rolling_origins(20, 0, start=5)
    with pytest.raises(KinemyoError, match="`stride`"):
        rolling_origins(20, 3, start=5, stride=0)
    with pytest.raises(KinemyoError, match="`start`"):
        rolling_origins(20, 3, start=-1)
    with pytest.raises(KinemyoError, match="`max_windows`"):
        rolling_origins(20, 3, start=1, max_windows=0)


# ---------------------------------------------------------------- seasonal naive


def test_seasonal_naive_recovers_period_and_forecasts_exactly():
    full = _gait_like(period=40, n=500)
    context, future = full[:400], full[400:]
    assert estimate_period(context) == 40
    model = SeasonalNaive()
    np.testing.assert_array_equal(model.point_forecast(context, 100), future)
    samples = model.forecast(context, 100, num_samples=20, rng=0)
    assert samples.shape == (20, 100)
    np.testing.assert_array_equal(samples, np.tile(future, (20, 1)))
    assert sample_crps(samples, future) == 0.0


def test_seasonal_naive_period_with_noise_and_range():
    rng = np.random.default_rng(3)
    context = _gait_like(period=37, n=600) + rng.normal(0, 1.0, 600).astype(np.float32)
    assert estimate_period(context) == 37
    assert estimate_period(context, min_period=60, max_period=90) == 74
    with pytest.raises(KinemyoError, match="max_period"):
        estimate_period(context, max_period=700)


def test_seasonal_naive_samples_accumulate_seasonal_differences():
    # Period 2, every seasonal difference is +1: each later cycle adds one more +1.
    context = np.array([0.0, 10.0, 1.0, 11.0, 2.0, 12.0])
    samples = SeasonalNaive(period=2).forecast(context, 5, num_samples=3, rng=1)
    np.testing.assert_array_equal(samples, np.tile([3.0, 13.0, 4.0, 14.0, 5.0], (3, 1)))
    np.testing.assert_array_equal(SeasonalNaive(period=2).point_forecast(context, 3), [2, 12, 2])
    # Noisy differences give spread that grows with the number of cycles ahead.
    rng = np.random.default_rng(4)
    noisy = _gait_like(20, 400) + rng.normal(0, 1, 400).astype(np.float32)
    paths = SeasonalNaive(period=20).forecast(noisy, 80, num_samples=2000, rng=5)
    spread = paths.std(axis=0)
    assert spread[60:80].mean() > 1.5 * spread[0:20].mean()
    with pytest.raises(KinemyoError, match="period"):
        SeasonalNaive(period=6).forecast(context, 3)


# ---------------------------------------------------------------- real data


def test_real_knee_cycles():
    path = requires_real_data("siat_llmd_right_knee_wak_cycles.npz")
    angle, torque = series_from_knee_cycles(path)
    assert len(angle) == len(torque) == 657 * 101
    assert (angle.quantity, angle.unit) == ("angle", "deg")
    assert (torque.quantity, torque.unit) == ("moment", "N·m")
    assert angle.fs == 101.0
    assert -10 <= angle.values.min() < 10 and 60 < angle.values.max() <= 80
    assert -150 < torque.values.min() < 0 < torque.values.max() < 150
    # A stride is about two segments: search the plausible range of 150..260 samples.
    period = estimate_period(angle.values[:2000], min_period=150, max_period=260)
    assert 180 <= period <= 220
