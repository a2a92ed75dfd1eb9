"""Conformal intervals: the quantile rule, coverage on exchangeable data, calibration on training
windows only (held-out subjects under LOSO), the model file round trip and the interval metrics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from kinemyo.config import PipelineConfig
from kinemyo.data.synthetic import CohortConfig, generate_cohort
from kinemyo.data.windowed import Prediction, WindowedDataset
from kinemyo.errors import DataFormatError, KinemyoError
from kinemyo.evaluation.calibration import (
    IntervalSettings,
    calibration_split,
    fit_with_intervals,
    group_folds,
)
from kinemyo.evaluation.metrics import coverage, interval_metrics, mean_width, score
from kinemyo.evaluation.protocols import Split, leave_one_subject_out
from kinemyo.experiment import run_split, score_runs
from kinemyo.models import create, load_model
from kinemyo.models.conformal import conformal_quantile
from kinemyo.signal.pipeline import SignalPipeline
from kinemyo.studies.compare import comparison_table

CHANNELS = ("soleus", "rectus femoris")
FEATURES = ("rms",)
JOINTS = ("left knee flexion",)
QUANTITIES = ("angle", "moment")
UNITS = ("deg", "N·m")
SIGMA = (2.0, 5.0)  # noise sd of the angle (deg) and the moment (N·m)


def _linear(n: int, seed: int, subjects: int = 1) -> WindowedDataset:
    """Targets linear in two features plus Gaussian noise of sd SIGMA: exchangeable windows."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2, 1))
    x = X[:, :, 0]
    clean = np.stack([10 * x[:, 0] - 4 * x[:, 1], 3 * x[:, 0] + 8 * x[:, 1]], axis=1)
    Y = (clean + rng.normal(size=(n, 2)) * np.array(SIGMA))[:, None, :]
    subject = np.array([f"Sub{1 + i * subjects // n:02d}" for i in range(n)])
    return WindowedDataset(
        X=X,
        Y=Y,
        channels=CHANNELS,
        features=FEATURES,
        joints=JOINTS,
        quantities=QUANTITIES,
        units=UNITS,
        subject=subject,
        task=np.full(n, "WAK"),
        trial=np.char.add(subject, "_WAK"),
        segment=np.zeros(n, dtype=int),
        time=np.arange(n) * 0.05,
    )


def test_quantile_is_the_ceil_n_plus_1_level_th_smallest_score() -> None:
    scores = np.arange(10.0, 0.0, -1.0)[:, None]  # 10, 9, ..., 1
    assert conformal_quantile(scores, 0.9)[0] == 10.0  # ceil(11 * 0.9) = 10th smallest
    assert conformal_quantile(scores, 0.5)[0] == 6.0  # ceil(11 * 0.5) = 6th smallest
    with pytest.raises(KinemyoError, match="needs at least 6 calibration windows; got 5"):
        conformal_quantile(scores[:5], 0.9)


def test_intervals_of_a_linear_gaussian_model_cover_nominally_with_half_width_z_sigma() -> None:
    model = fit_with_intervals(create("ridge"), _linear(20000, 0), IntervalSettings())
    test = _linear(20000, 1)  # 4000 calibration windows: coverage sd 0.8 points at 50%
    prediction = model.predict(test)
    assert set(prediction.bounds) == {0.5, 0.9}
    for level, z in ((0.9, 1.6449), (0.5, 0.6745)):
        lower, upper = prediction.bounds[level]
        inside = ((lower <= test.Y) & (upper >= test.Y)).mean(axis=0)
        assert np.all(np.abs(inside - level) < 0.02), (level, inside)
        half = (upper - lower)[0] / 2
        np.testing.assert_allclose(half[0], z * np.array(SIGMA), rtol=0.08)


def test_time_calibration_takes_the_end_of_each_trial_with_a_gap() -> None:
    train = _linear(100, 0, subjects=2)  # two trials of 50 windows
    fit, calibration, description = calibration_split(train, IntervalSettings())
    for trial_start in (0, 50):
        assert list(calibration[calibration >= trial_start][:10]) == list(
            range(trial_start + 40, trial_start + 50)
        )
    assert trial_start + 39 not in fit  # the gap window
    assert len(fit) == 2 * 39 and "last 20% of every training trial" in description


def test_split_conformal_under_loso_calibrates_on_held_out_training_subjects() -> None:
    train = _linear(500, 0, subjects=5)
    settings = IntervalSettings(held_out="subject", method="split")
    fit, calibration, description = calibration_split(train, settings)
    assert set(train.subject[calibration]) == {"Sub05"}
    assert set(train.subject[fit]) == {"Sub01", "Sub02", "Sub03", "Sub04"}
    assert "held-out training subject(s) Sub05" in description
    one = _linear(100, 0, subjects=1)
    _, _, fallback = calibration_split(one, settings)
    assert "one training subject only" in fallback


def test_cross_conformal_deals_whole_subjects_into_folds_and_fits_on_everything() -> None:
    train = _linear(600, 0, subjects=6)
    settings = IntervalSettings.for_protocol("loso")
    assert settings.held_out == "subject" and settings.method == "cross"
    folds = group_folds(train, IntervalSettings(held_out="subject", folds=4))
    dealt = [sorted(set(train.subject[index])) for index in folds]
    assert dealt == [["Sub01", "Sub05"], ["Sub02", "Sub06"], ["Sub03"], ["Sub04"]]
    model = fit_with_intervals(create("ridge"), train, settings)
    plain = create("ridge").fit(train)  # the point model is fitted on all training windows
    test = _linear(20000, 1)
    np.testing.assert_allclose(model.predict(test).mean, plain.predict(test).mean, atol=1e-4)
    assert "cross-conformal" in model.intervals_.calibration
    # out-of-fold errors of 600 windows: coverage near nominal on exchangeable data
    lower, upper = model.predict(test).bounds[0.9]
    inside = ((lower <= test.Y) & (upper >= test.Y)).mean()
    assert abs(inside - 0.9) < 0.03


def test_bounds_do_not_depend_on_the_test_windows() -> None:
    """Leak test: the intervals come from the training windows; other test windows, or test
    targets changed wildly, leave their half-widths as they were."""
    model = fit_with_intervals(create("ridge"), _linear(400, 0), IntervalSettings())
    widths = []
    for seed, scale in ((1, 1.0), (2, 100.0)):
        test = _linear(300, seed)
        test = WindowedDataset(**{**test.__dict__, "Y": test.Y * scale})
        lower, upper = model.predict(test).bounds[0.9]
        widths.append(upper - lower)
    np.testing.assert_array_equal(widths[0][0], widths[1][0])
    np.testing.assert_allclose(widths[0], widths[0][:1].repeat(300, axis=0), rtol=1e-5)


def test_a_probabilistic_model_gets_intervals_scaled_by_its_std() -> None:
    model = fit_with_intervals(create("gpr", max_exact=200), _linear(300, 0), IntervalSettings())
    prediction = model.predict(_linear(50, 1))
    lower, upper = prediction.bounds[0.9]
    ratio = (upper - lower) / prediction.std
    np.testing.assert_allclose(ratio, ratio[:1].repeat(50, axis=0), rtol=1e-4)
    assert model.intervals_ is not None and model.intervals_.score == "normalised"


def test_intervals_round_trip_through_the_model_file(tmp_path: Path) -> None:
    settings = IntervalSettings(levels=(0.8, 0.95))
    model = fit_with_intervals(create("ridge"), _linear(400, 0), settings)
    folder = model.save(tmp_path / "model")
    header = json.loads((folder / "model.json").read_text())
    assert header["intervals"]["levels"] == [0.8, 0.95]
    test = _linear(40, 3)
    before, after = model.predict(test), load_model(folder).predict(test)
    for level in (0.8, 0.95):
        for a, b in zip(before.bounds[level], after.bounds[level], strict=True):
            np.testing.assert_array_equal(a, b)
    # a file whose quantiles were removed is refused, not silently uncalibrated
    arrays = load_file(str(folder / "weights.safetensors"))
    del arrays["conformal_quantiles"]
    save_file(arrays, str(folder / "weights.safetensors"))
    with pytest.raises(DataFormatError, match="damaged conformal intervals"):
        load_model(folder)


def test_refit_drops_old_intervals() -> None:
    model = fit_with_intervals(create("ridge"), _linear(400, 0), IntervalSettings())
    model.fit(_linear(200, 1))
    assert model.predict(_linear(5, 2)).bounds == {}


def test_coverage_and_width_by_hand() -> None:
    y = np.array([[0.0], [1.0], [2.0], [3.0]])
    lower = np.array([[-1.0], [1.5], [1.0], [3.0]])
    upper = np.array([[1.0], [2.0], [3.0], [4.0]])
    assert coverage(y, lower, upper)[0] == 75.0  # 1 is below [1.5, 2]; 3 on the edge is in
    assert mean_width(lower, upper)[0] == (2 + 0.5 + 2 + 1) / 4


def test_score_reports_interval_and_posterior_coverage_per_joint_and_quantity() -> None:
    truth = _linear(4, 0)
    mean = np.zeros((4, 1, 2))
    std = np.ones((4, 1, 2))
    y = truth.Y
    lower, upper = y - 1.0, y + 1.0
    upper[0] = y[0] - 0.5  # window 0 is outside its interval for both quantities
    prediction = Prediction(mean, std, JOINTS, QUANTITIES, UNITS, bounds={0.9: (lower, upper)})
    table = score(truth, prediction, by=(), metrics=("mae",))
    values = table.set_index(["quantity", "metric"])["value"]
    assert values["angle", "coverage_90"] == 75.0
    assert values["moment", "width_90"] == pytest.approx((0.5 + 2 + 2 + 2) / 4)
    # GPR-style posterior: |y| <= 1.645 * 1 around mean 0
    inside = (np.abs(y[:, 0, 1]) <= 1.6448536).mean() * 100
    assert values["moment", "posterior_coverage_90"] == pytest.approx(inside)
    assert interval_metrics(table) == ("coverage_90", "posterior_coverage_90", "width_90")


def test_comparison_table_shows_coverage_beside_gpr_posterior_coverage() -> None:
    cohort = generate_cohort(CohortConfig(subjects=3, motions=("DNS",), seconds=3, seed=4))
    config = PipelineConfig()
    windows = SignalPipeline(config).window(cohort.recordings)
    split = leave_one_subject_out(windows)[0]
    runs = run_split(windows, split, config, {"mean": {}, "gpr": {"max_exact": 200}})
    assert all(set(run.prediction.bounds) == {0.5, 0.9} for run in runs)
    table = comparison_table(runs, score_runs(runs)).set_index("model")
    for column in ("moment cover 90% (%)", "angle cover 50% (%)", "moment width 90% (N·m)"):
        assert column in table.columns
    posterior = "moment posterior cover 90% (%)"
    assert table.loc["mean", posterior] == "–" and table.loc["gpr", posterior] != "–"
    coverage = score_runs(runs).query("metric == 'coverage_90'")["value"]
    assert coverage.between(0, 100).all() and len(coverage) == 2 * 8 * 2


def test_run_split_intervals_do_not_depend_on_the_test_windows() -> None:
    """Leak test through the whole split: the same training subjects with other test windows
    (every other one of them) give the same interval widths."""
    cohort = generate_cohort(CohortConfig(subjects=3, motions=("DNS",), seconds=3, seed=4))
    config = PipelineConfig()
    windows = SignalPipeline(config).window(cohort.recordings)
    split = leave_one_subject_out(windows)[2]  # train Sub01, Sub02: cross-conformal, 2 folds
    half = Split("half", split.train, split.test[::2], protocol="loso")
    widths = []
    for chosen in (split, half):
        (run,) = run_split(windows, chosen, config, {"ridge": {}})
        lower, upper = run.prediction.bounds[0.9]
        widths.append((upper - lower)[0])
    np.testing.assert_array_equal(widths[0], widths[1])
