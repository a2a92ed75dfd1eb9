"""Models: baselines learn what they should, GPR is accurate and honest about its uncertainty and
its sparse approximation stays close to the exact posterior. Save -> load, refits, input checks
and the rest of the estimator contract are checked for every registered model in
tests/test_contracts.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

from kinemyo.data.windowed import WindowedDataset
from kinemyo.errors import DataFormatError, KinemyoError
from kinemyo.models import (
    GaussianProcess,
    MeanPredictor,
    RidgeRegression,
    available,
    create,
    load_model,
)

CHANNELS = ("rectus femoris", "soleus", "semimembranosus")
FEATURES = ("iemg", "rms")
JOINTS = ("left knee flexion", "right knee flexion")
QUANTITIES = ("angle", "moment")
UNITS = ("deg", "N·m")
D = len(CHANNELS) * len(FEATURES)


def _windows(X: np.ndarray, Y: np.ndarray | None) -> WindowedDataset:
    n = len(X)
    return WindowedDataset(
        X=X,
        Y=Y,
        channels=CHANNELS,
        features=FEATURES,
        joints=JOINTS,
        quantities=QUANTITIES,
        units=UNITS,
        subject=np.full(n, "Sub01"),
        task=np.full(n, "WAK"),
        trial=np.full(n, "Sub01_WAK"),
        segment=np.zeros(n, dtype=int),
        time=np.arange(n) / 10,
    )


def _smooth(n: int, seed: int, spread: float = 1.0) -> WindowedDataset:
    """Angles and moments that are smooth nonlinear functions of the features, plus small noise."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-spread, spread, size=(n, len(CHANNELS), len(FEATURES))) + 2.0
    x = X.reshape(n, -1) - 2.0
    s = x @ np.array([1.0, -0.5, 0.8, 0.3, -0.7, 0.4])
    t = x @ np.array([0.2, 0.9, -0.4, 0.6, 0.5, -0.3])
    angle = np.stack([30 * np.sin(s + j) for j in range(2)], axis=1)
    moment = np.stack([40 * np.cos(t - j) + 10 * s for j in range(2)], axis=1)
    Y = np.stack([angle, moment], axis=2) + rng.normal(0, 0.5, size=(n, 2, 2))
    return _windows(X, Y)


def _rmse(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(np.mean((np.asarray(a, float) - np.asarray(b, float)) ** 2, axis=0))


@pytest.fixture(scope="module")
def train() -> WindowedDataset:
    return _smooth(300, seed=0)


@pytest.fixture(scope="module")
def test() -> WindowedDataset:
    return _smooth(150, seed=1)


@pytest.fixture(scope="module")
def exact_gp(train: WindowedDataset) -> GaussianProcess:
    return GaussianProcess(max_exact=300).fit(train)


def test_mean_predictor_predicts_the_training_means(train, test) -> None:
    prediction = MeanPredictor().fit(train).predict(test)
    expected = np.asarray(train.Y, dtype=np.float64).mean(axis=0)
    assert prediction.mean.shape == test.Y.shape
    assert np.allclose(prediction.mean, expected[None], rtol=1e-5, atol=1e-4)
    assert prediction.std is None
    assert (prediction.joints, prediction.quantities, prediction.units) == (
        JOINTS,
        QUANTITIES,
        UNITS,
    )


def test_ridge_recovers_a_linear_map() -> None:
    rng = np.random.default_rng(3)
    B = rng.normal(size=(D, 2, 2))
    offset = np.array([[10.0, -5.0], [3.0, 100.0]])

    def linear(n: int) -> WindowedDataset:
        X = rng.normal(loc=4.0, scale=[[1, 2], [3, 0.5], [1, 1]], size=(n, 3, 2))
        return _windows(X, np.einsum("nd,djq->njq", X.reshape(n, -1), B) + offset)

    fresh = linear(50)
    prediction = RidgeRegression(alpha=1e-8).fit(linear(200)).predict(fresh)
    assert np.allclose(prediction.mean, fresh.Y, atol=1e-3 * np.abs(fresh.Y).max())
    shrunk = RidgeRegression(alpha=1e4).fit(linear(200)).predict(fresh)
    assert _rmse(shrunk.mean, fresh.Y).min() > 10 * _rmse(prediction.mean, fresh.Y).max()


def test_gpr_beats_the_mean_predictor_on_held_out_windows(exact_gp, train, test) -> None:
    gp_error = _rmse(exact_gp.predict(test).mean, test.Y)
    mean_error = _rmse(MeanPredictor().fit(train).predict(test).mean, test.Y)
    assert (gp_error < 0.25 * mean_error).all(), (gp_error, mean_error)


def test_exact_gpr_matches_scikit_learn_with_the_same_kernel(exact_gp, train, test) -> None:
    """Our numpy posterior against scikit-learn's, for the fitted hyperparameters."""
    X = (train.flat_features() - exact_gp.x_mean_) / exact_gp.x_scale_
    X_test = (test.flat_features() - exact_gp.x_mean_) / exact_gp.x_scale_
    ours = exact_gp.predict(test)
    for q, quantity in enumerate(QUANTITIES):
        y = np.asarray(train.Y[:, :, q], dtype=np.float64)
        y_mean, y_std = y.mean(axis=0), y.std(axis=0)
        constant, length_scale, noise = exact_gp.theta_[q]
        kernel = ConstantKernel(constant, "fixed") * RBF(length_scale, "fixed")
        reference = GaussianProcessRegressor(
            kernel + WhiteKernel(noise, "fixed"), optimizer=None, alpha=0.0
        ).fit(X, (y - y_mean) / y_std)
        mean, std = reference.predict(X_test, return_std=True)
        assert np.allclose(ours.mean[:, :, q], mean * y_std + y_mean, rtol=1e-4, atol=1e-3), (
            quantity
        )
        assert np.allclose(ours.std[:, :, q], std * y_std, rtol=1e-4), quantity


def test_gpr_is_more_uncertain_far_from_the_training_data(exact_gp, test) -> None:
    far = _windows(test.X + 10.0, None)
    near, away = exact_gp.predict(test).std, exact_gp.predict(far).std
    assert (away.mean(axis=0) > 3 * near.mean(axis=0)).all()


def test_fitc_with_every_window_as_inducing_input_is_the_exact_posterior(train, test) -> None:
    exact = GaussianProcess(max_exact=150).fit(train.subset(slice(0, 150)))
    fitc = GaussianProcess(
        max_exact=150, approximation="fitc", n_inducing=150, inducing="random"
    ).fit(train.subset(slice(0, 150)))
    assert exact.exact_ and not fitc.exact_
    a, b = exact.predict(test), fitc.predict(test)
    assert (_rmse(a.mean, b.mean) < 0.005 * test.Y.std(axis=0)).all()
    assert np.allclose(a.std, b.std, rtol=0.01)


def test_fitc_follows_its_textbook_equations(train, test) -> None:
    """Dense FITC (Snelson & Ghahramani 2006), explicit inverses, the model's inducing inputs."""
    small = train.subset(slice(0, 150))
    model = GaussianProcess(max_exact=150, approximation="fitc", n_inducing=20).fit(small)
    X = (small.flat_features() - model.x_mean_) / model.x_scale_
    X_test = (test.flat_features() - model.x_mean_) / model.x_scale_
    Z = model.support_
    ours = model.predict(test)
    for q in range(len(QUANTITIES)):
        constant, length_scale, noise = model.theta_[q]
        k = ConstantKernel(constant) * RBF(length_scale)
        y = np.asarray(small.Y[:, :, q], dtype=np.float64)
        y_mean, y_std = y.mean(axis=0), y.std(axis=0)
        K_zz_inv = np.linalg.inv(k(Z) + 1e-6 * constant * np.eye(len(Z)))
        K_zn, K_sz = k(Z, X), k(X_test, Z)
        lam = constant - np.einsum("zn,zy,yn->n", K_zn, K_zz_inv, K_zn) + noise
        Sigma = np.linalg.inv(np.linalg.inv(K_zz_inv) + (K_zn / lam) @ K_zn.T)
        mean = K_sz @ Sigma @ (K_zn / lam) @ ((y - y_mean) / y_std)
        var = (
            constant
            + noise
            - np.einsum("sz,zy,sy->s", K_sz, K_zz_inv, K_sz)
            + np.einsum("sz,zy,sy->s", K_sz, Sigma, K_sz)
        )
        assert np.allclose(ours.mean[:, :, q], mean * y_std + y_mean, rtol=1e-3, atol=1e-2)
        assert np.allclose(ours.std[:, :, q], np.sqrt(var)[:, None] * y_std, rtol=1e-3)


def test_sparse_gpr_stays_close_to_exact_gpr(exact_gp, train, test) -> None:
    sparse = GaussianProcess(max_exact=300, approximation="fitc", n_inducing=150).fit(train)
    assert sparse.support_.shape == (150, D)
    assert np.array_equal(sparse.theta_, exact_gp.theta_)
    gap = _rmse(sparse.predict(test).mean, exact_gp.predict(test).mean)
    assert (gap < 0.1 * test.Y.std(axis=0)).all(), gap / test.Y.std(axis=0)


# 100 windows let the likelihood drive the noise to its lower bound; scikit-learn says so.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_gpr_switches_to_the_sparse_posterior_above_max_exact(train) -> None:
    model = GaussianProcess(max_exact=100, n_inducing=40).fit(train)
    assert not model.exact_
    assert model.support_.shape == (40, D)
    again = GaussianProcess(max_exact=100, n_inducing=40).fit(train)
    assert np.array_equal(model.support_, again.support_)
    assert np.array_equal(model.weights_, again.weights_)


def test_load_model_rejects_folders_that_are_not_models(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match=r"model\.json"):
        load_model(tmp_path)
    folder = MeanPredictor().fit(_smooth(20, seed=2)).save(tmp_path / "m")
    (folder / "weights.safetensors").write_bytes(b"\x80\x04not safetensors")
    with pytest.raises(DataFormatError, match="safetensors"):
        load_model(folder)


def test_registry_creates_models_by_name_and_lists_them() -> None:
    assert {"mean", "ridge", "gpr"} <= set(available())
    assert available() == sorted(available())
    model = create("gpr", max_exact=50, random_state=3)
    assert isinstance(model, GaussianProcess)
    assert (model.max_exact, model.random_state) == (50, 3)
    assert isinstance(create("ridge", **RidgeRegression(alpha=2.0).get_params()), RidgeRegression)
    with pytest.raises(KinemyoError, match=r"Unknown model 'magic'.*gpr, lstam, lstm, mean"):
        create("magic")
    with pytest.raises(KinemyoError, match=r"'beta'.*alpha"):
        create("ridge", beta=1.0)


def test_invalid_parameters_are_named(train) -> None:
    with pytest.raises(KinemyoError, match="'approximation'"):
        GaussianProcess(approximation="sor").fit(train)
    with pytest.raises(KinemyoError, match="'alpha'"):
        RidgeRegression(alpha=-1.0).fit(train)
