"""Scalers learn from the training data only, keep what they learnt, and survive safetensors."""

from __future__ import annotations

import numpy as np
import pytest

from kinemyo.errors import KinemyoError
from kinemyo.signal import FeatureStandardizer, MaxAbsScaler


def test_max_abs_uses_the_training_scale_on_test_data():
    rng = np.random.default_rng(0)
    train = rng.uniform(-1, 1, size=(1000, 3)) * np.array([0.5, 2.0, 1.0])
    train[10] = [0.5, -2.0, 1.0]  # the peaks, by construction
    test = 10 * train  # a test set ten times louder
    scaler = MaxAbsScaler().fit(train)
    np.testing.assert_allclose(scaler.state()["scale"], [0.5, 2.0, 1.0])
    scaled = scaler.transform(test)
    # with the training scale the loud test set reaches 10, not 1 (no refit on test data)
    np.testing.assert_allclose(np.abs(scaled).max(axis=0), [10.0, 10.0, 10.0])
    np.testing.assert_allclose(scaled, test / np.array([0.5, 2.0, 1.0]))


def test_max_abs_over_several_training_trials_and_windows():
    a = np.array([[1.0, -4.0], [0.5, 0.0]])
    b = np.array([[-3.0, 1.0]], dtype=np.float32)
    scaler = MaxAbsScaler().fit([a, b])
    np.testing.assert_array_equal(scaler.state()["scale"], [3.0, 4.0])
    windows = np.ones((5, 7, 2))  # (N, L, C): scaled like the signal
    np.testing.assert_allclose(scaler.transform(windows), np.ones((5, 7, 2)) / [3.0, 4.0])


def test_refitting_forgets_the_previous_training_data():
    loud = np.full((10, 2), 100.0)
    quiet = np.array([[1.0, -2.0], [0.5, 0.5]])
    scaler = MaxAbsScaler().fit(loud).fit(quiet)
    np.testing.assert_array_equal(scaler.state()["scale"], [1.0, 2.0])
    standardizer = (
        FeatureStandardizer()
        .fit(np.full((4, 1, 1), 50.0))
        .fit(np.array([1.0, 3.0]).reshape(2, 1, 1))
    )
    np.testing.assert_allclose(standardizer.state()["mean"], [[2.0]])
    np.testing.assert_allclose(standardizer.state()["std"], [[1.0]])


def test_a_dead_channel_is_passed_through_not_divided_by_zero():
    train = np.column_stack([np.linspace(-2, 1, 50), np.zeros(50)])
    scaler = MaxAbsScaler().fit(train)
    np.testing.assert_array_equal(scaler.state()["scale"], [2.0, 1.0])
    out = scaler.transform(np.column_stack([np.ones(5), np.full(5, 0.25)]))
    np.testing.assert_array_equal(out, np.column_stack([np.full(5, 0.5), np.full(5, 0.25)]))


def test_feature_standardizer_uses_training_mean_and_std():
    rng = np.random.default_rng(1)
    train = rng.normal(size=(500, 3, 2)) * 4.0 + 7.0
    test = train[:20] + 100.0
    standardizer = FeatureStandardizer().fit(train)
    z = standardizer.transform(train)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1.0, atol=1e-12)  # population std (ddof=0)
    mean = train.sum(axis=0) / 500
    std = np.sqrt(((train - mean) ** 2).sum(axis=0) / 500)
    np.testing.assert_allclose(standardizer.transform(test), (test - mean) / std, atol=1e-12)


def test_a_constant_feature_is_centred_only():
    train = np.ones((30, 2, 2))
    train[:, 0, 0] = np.arange(30)
    standardizer = FeatureStandardizer().fit(train)
    np.testing.assert_array_equal(standardizer.state()["std"][1], [1.0, 1.0])
    out = standardizer.transform(np.full((1, 2, 2), 3.0))
    np.testing.assert_array_equal(out[0, 1], [2.0, 2.0])
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("cls", [MaxAbsScaler, FeatureStandardizer])
def test_transform_before_fit_is_an_error(cls):
    with pytest.raises(KinemyoError, match="not fitted"):
        cls().transform(np.ones((3, 2, 2)))
    with pytest.raises(KinemyoError, match="not fitted"):
        cls().state()


def test_shape_mismatches_are_errors():
    scaler = MaxAbsScaler().fit(np.ones((10, 3)))
    with pytest.raises(KinemyoError, match=r"\(10, 4\)"):
        scaler.transform(np.ones((10, 4)))
    with pytest.raises(KinemyoError, match="non-finite"):
        MaxAbsScaler().fit(np.array([[1.0, np.nan]]))
    with pytest.raises(KinemyoError, match="empty"):
        MaxAbsScaler().fit(np.zeros((0, 3)))
    with pytest.raises(KinemyoError, match=r"fit data \[1\]"):
        FeatureStandardizer().fit([np.ones((4, 3, 2)), np.ones((4, 3, 5))])


def test_state_round_trip_through_safetensors(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    rng = np.random.default_rng(2)
    scaler = MaxAbsScaler().fit(rng.normal(size=(100, 4)))
    standardizer = FeatureStandardizer().fit(rng.normal(size=(50, 4, 6)))
    safetensors_numpy.save_file(scaler.state(), tmp_path / "scaler.safetensors")
    safetensors_numpy.save_file(standardizer.state(), tmp_path / "standardizer.safetensors")
    scaler2 = MaxAbsScaler.from_state(safetensors_numpy.load_file(tmp_path / "scaler.safetensors"))
    standardizer2 = FeatureStandardizer.from_state(
        safetensors_numpy.load_file(tmp_path / "standardizer.safetensors")
    )
    x, f = rng.normal(size=(20, 4)), rng.normal(size=(7, 4, 6))
    np.testing.assert_array_equal(scaler2.transform(x), scaler.transform(x))
    np.testing.assert_array_equal(standardizer2.transform(f), standardizer.transform(f))


def test_state_is_a_copy_and_bad_states_are_rejected():
    scaler = MaxAbsScaler().fit(np.array([[2.0, 4.0]]))
    scaler.state()["scale"][:] = 99.0
    np.testing.assert_array_equal(scaler.state()["scale"], [2.0, 4.0])
    with pytest.raises(KinemyoError, match="scale"):
        MaxAbsScaler.from_state({"peak": np.ones(2)})
    with pytest.raises(KinemyoError, match="positive"):
        MaxAbsScaler.from_state({"scale": np.array([1.0, 0.0])})
    with pytest.raises(KinemyoError, match="shape"):
        FeatureStandardizer.from_state({"mean": np.zeros((3, 2)), "std": np.ones((3, 3))})
