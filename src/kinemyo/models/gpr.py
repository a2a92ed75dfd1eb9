r"""Gaussian-process regression from windowed sEMG features to joint targets (the seed's check).

**Model.** One GP per target quantity (one for all joint angles, one for all joint moments), each
multi-output over the J joints, which share its kernel (scikit-learn's
``ConstantKernel * RBF + WhiteKernel``)::

    k(x, x') = sf2 * exp(-|x - x'|^2 / (2 l^2)) + sn2 * [x == x']

on the (N, C*F) inputs standardised and the targets normalised (zero mean, unit variance per
joint) on the training windows. Means and standard deviations are returned in target units.

**Hyperparameters** sf2 in (1e-3, 1e3), l in (1e-2, 1e2) and sn2 in (1e-5, 1e5) maximise the exact
log marginal likelihood (scikit-learn's ``GaussianProcessRegressor``, L-BFGS-B from the initial
values, plus ``n_restarts`` random restarts, 0 by default) of at most ``max_exact`` training
windows: a random subset when there are more. Every likelihood evaluation costs O(n^3) (and
scikit-learn's gradient O(n^2) per joint), and the optimiser needs 15-30 of them: with 54 inputs
and 8 joints, about 4 s of one core per quantity at n = 1000 and 30 s at n = 2000, hence the
default ``max_exact`` of 1000 and no restarts (each restart costs as much again).

**Posterior.** With at most ``max_exact`` training windows (or ``approximation="exact"``) it is
exact, for a noisy observation y* at x*::

    mean(x*) = k*' (K + sn2 I)^-1 y
    var(x*)  = k** + sn2 - k*' (K + sn2 I)^-1 k*

Beyond, it is FITC, the fully independent training conditional (Snelson & Ghahramani 2006;
Quiñonero-Candela & Rasmussen 2005), on ALL N training windows with M inducing inputs Z
(``n_inducing`` k-means centres of the standardised training inputs, or a random subset)::

    Q_ab     = K_az K_zz^-1 K_zb
    Lambda   = diag(K_nn - Q_nn) + sn2 I                      (N x N, diagonal)
    Sigma    = (K_zz + K_zn Lambda^-1 K_nz)^-1                (M x M)
    mean(x*) = k_z*' Sigma K_zn Lambda^-1 y
    var(x*)  = k** + sn2 - k_z*' K_zz^-1 k_z* + k_z*' Sigma k_z*

in O(N M^2) time and, with training windows taken in batches, O(M^2 + batch M) memory. Unlike
Subset-of-Regressors, its variance returns to the prior far from the inducing inputs.

Both posteriors are stored in one form, with support inputs S, weights W, a lower-triangular
factor L and a correction H (the arrays of the model file, one set per quantity)::

    mean(x*) = K(x*, S) W
    v        = L^-1 K(S, x*)
    var(x*)  = k** + sn2 - |v|^2 + |H v|^2

exact: S = X, L = chol(K + sn2 I), W = (K + sn2 I)^-1 y, H with no rows.
FITC:  S = Z, L = chol(K_zz + eps sf2 I), V = L^-1 K_zn, A = I + V Lambda^-1 V' = L_A L_A',
       W = L^-T A^-1 V Lambda^-1 y, H = L_A^-1 (as Sigma = L^-T A^-1 L^-1).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

import numpy as np
import scipy.linalg
from pydantic import Field
from pydantic.fields import FieldInfo
from scipy.spatial.distance import cdist
from sklearn.cluster import KMeans
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

from kinemyo.models.base import Estimator
from kinemyo.models.registry import register
from kinemyo.training.sequences import Runs

CONSTANT_BOUNDS = (1e-3, 1e3)
LENGTH_SCALE_BOUNDS = (1e-2, 1e2)
NOISE_BOUNDS = (1e-5, 1e5)
_JITTER = 1e-6  # added to the diagonal of K_zz, relative to sf2
_BATCH = 2048  # windows per block of kernel evaluations


def _within(bounds: tuple[float, float]) -> FieldInfo:
    return Field(ge=bounds[0], le=bounds[1])


def _rbf(A: np.ndarray, B: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """sf2 * exp(-|a - b|^2 / (2 l^2)) for every row a of A (n, D) and b of B (m, D): (n, m)."""
    constant, length_scale, _ = theta
    return constant * np.exp(-0.5 * cdist(A, B, "sqeuclidean") / length_scale**2)


def _batches(n: int) -> Iterator[slice]:
    """Consecutive slices of at most _BATCH of range(n)."""
    for start in range(0, n, _BATCH):
        yield slice(start, min(start + _BATCH, n))


def _exact_posterior(
    X: np.ndarray, y: np.ndarray, theta: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W (N, J), L (N, N) and H (0, N) of the exact posterior given X (N, D), y (N, J)."""
    noise = theta[2]
    L = np.linalg.cholesky(_rbf(X, X, theta) + noise * np.eye(len(X)))
    W = scipy.linalg.cho_solve((L, True), y)
    return W, L, np.zeros((0, len(X)))


def _fitc_posterior(
    X: np.ndarray, y: np.ndarray, Z: np.ndarray, theta: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W (M, J), L (M, M) and H (M, M) of the FITC posterior given X (N, D), y (N, J) and
    inducing inputs Z (M, D)."""
    constant, _, noise = theta
    M = len(Z)
    L = np.linalg.cholesky(_rbf(Z, Z, theta) + _JITTER * constant * np.eye(M))
    A = np.eye(M)
    b = np.zeros((M, y.shape[1]))
    for rows in _batches(len(X)):
        V = scipy.linalg.solve_triangular(L, _rbf(Z, X[rows], theta), lower=True)
        lam = np.maximum(constant - np.einsum("mn,mn->n", V, V), 0.0) + noise
        A += (V / lam) @ V.T
        b += V @ (y[rows] / lam[:, None])
    L_A = np.linalg.cholesky(A)
    W = scipy.linalg.solve_triangular(L.T, scipy.linalg.cho_solve((L_A, True), b), lower=False)
    H = scipy.linalg.solve_triangular(L_A, np.eye(M), lower=True)
    return W, L, H


@register
class GaussianProcess(Estimator):
    """Gaussian-process regression, one GP per target quantity ("gpr"); see the module docstring.

    Args:
        constant: initial signal variance sf2, in normalised target units (bounds 1e-3..1e3).
        length_scale: initial RBF length scale in standardised input units (bounds 1e-2..1e2);
            None: sqrt(number of inputs), the scale of distances between standardised inputs.
        noise: initial white-noise variance sn2, in normalised target units (bounds 1e-5..1e5).
        n_restarts: extra optimiser runs from random hyperparameters (each costs a full fit).
        max_exact: most training windows for the hyperparameter fit and, with
            approximation "auto", for the exact posterior.
        approximation: "auto" (exact up to ``max_exact`` windows, FITC beyond), "exact" (always
            exact: O(N^3) time, O(N^2) memory and model file) or "fitc" (always FITC).
        n_inducing: FITC inducing inputs M (at most the number of training windows).
        inducing: how FITC picks them: "kmeans" (k-means centres) or "random" (training windows).
        random_state: seed of the hyperparameter subset, restarts and inducing inputs; None: fresh.
    """

    name = "gpr"
    fitted_arrays = ("support_", "theta_", "weights_", "factor_", "correction_")

    def __init__(
        self,
        constant: Annotated[float, _within(CONSTANT_BOUNDS)] = 1.0,
        length_scale: Annotated[float, _within(LENGTH_SCALE_BOUNDS)] | None = None,
        noise: Annotated[float, _within(NOISE_BOUNDS)] = 0.1,
        n_restarts: Annotated[int, Field(ge=0)] = 0,
        max_exact: Annotated[int, Field(ge=2)] = 1000,
        approximation: Literal["auto", "exact", "fitc"] = "auto",
        n_inducing: Annotated[int, Field(ge=1)] = 500,
        inducing: Literal["kmeans", "random"] = "kmeans",
        random_state: Annotated[int, Field(ge=0)] | None = 0,
    ) -> None:
        self.constant = constant
        self.length_scale = length_scale
        self.noise = noise
        self.n_restarts = n_restarts
        self.max_exact = max_exact
        self.approximation = approximation
        self.n_inducing = n_inducing
        self.inducing = inducing
        self.random_state = random_state

    @property
    def exact_(self) -> bool:
        """Whether the fitted posterior is exact (else FITC)."""
        return self.correction_.shape[1] == 0

    def _fit(self, X: np.ndarray, Y: np.ndarray, runs: Runs) -> None:
        rng = np.random.default_rng(self.random_state)
        n = len(X)
        subset = (
            np.sort(rng.choice(n, self.max_exact, replace=False))
            if n > self.max_exact
            else slice(None)
        )
        theta = np.stack(
            [self._fit_hyperparameters(X[subset], Y[subset, :, q], rng) for q in range(Y.shape[2])]
        )
        exact = self.approximation == "exact" or (
            self.approximation == "auto" and n <= self.max_exact
        )
        support = X if exact else self._inducing_inputs(X, rng)
        posteriors = [
            _exact_posterior(X, Y[:, :, q], theta[q])
            if exact
            else _fitc_posterior(X, Y[:, :, q], support, theta[q])
            for q in range(Y.shape[2])
        ]
        self.support_ = support
        self.theta_ = theta
        self.weights_, self.factor_, self.correction_ = (
            np.stack(a) for a in zip(*posteriors, strict=True)
        )

    def _predict(self, X: np.ndarray, runs: Runs) -> tuple[np.ndarray, np.ndarray]:
        Q, _, J = self.weights_.shape
        mean = np.empty((len(X), J, Q))
        var = np.empty((len(X), 1, Q))
        for rows in _batches(len(X)):
            for q in range(Q):
                K = _rbf(self.support_, X[rows], self.theta_[q])
                v = scipy.linalg.solve_triangular(self.factor_[q], K, lower=True)
                u = self.correction_[q] @ v
                constant, _, noise = self.theta_[q]
                reduction = np.einsum("sn,sn->n", v, v) - np.einsum("rn,rn->n", u, u)
                mean[rows, :, q] = K.T @ self.weights_[q]
                # A noisy observation's variance is never below the noise variance.
                var[rows, 0, q] = np.maximum(constant + noise - reduction, noise)
        return mean, np.broadcast_to(np.sqrt(var), mean.shape)

    def _fit_hyperparameters(
        self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """(sf2, l, sn2) maximising the exact marginal likelihood of y (n, J) given X (n, D)."""
        length_scale = self.length_scale or float(
            np.clip(np.sqrt(X.shape[1]), *LENGTH_SCALE_BOUNDS)
        )
        kernel = ConstantKernel(self.constant, CONSTANT_BOUNDS) * RBF(
            length_scale, LENGTH_SCALE_BOUNDS
        ) + WhiteKernel(self.noise, NOISE_BOUNDS)
        gp = GaussianProcessRegressor(
            kernel,
            n_restarts_optimizer=self.n_restarts,
            random_state=int(rng.integers(2**31 - 1)),
            copy_X_train=False,
        ).fit(X, y)
        fitted = gp.kernel_
        return np.array(
            [fitted.k1.k1.constant_value, fitted.k1.k2.length_scale, fitted.k2.noise_level]
        )

    def _inducing_inputs(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """M = min(n_inducing, N) inducing inputs (M, D) for X (N, D)."""
        M = min(self.n_inducing, len(X))
        if self.inducing == "random":
            return X[np.sort(rng.choice(len(X), M, replace=False))]
        seed = int(rng.integers(2**31 - 1))
        return KMeans(M, n_init=1, random_state=seed).fit(X).cluster_centers_
