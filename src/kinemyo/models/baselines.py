"""Reference models every other model must beat: the training mean and ridge regression."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import scipy.linalg
from pydantic import Field

from kinemyo.models.adaptation import Adaptation
from kinemyo.models.base import Estimator
from kinemyo.models.registry import register
from kinemyo.training.sequences import Runs


@register
class MeanPredictor(Estimator):
    """Predicts, for every window, each target's mean over the training windows ("mean").

    In the standardised target space every model works in, that is the constant 0; the means
    themselves are the fitted target scaling of the contract.
    """

    name = "mean"

    def _fit(self, X: np.ndarray, Y: np.ndarray, runs: Runs) -> None:
        """Nothing to learn beyond the target means."""

    def _predict(self, X: np.ndarray, runs: Runs) -> tuple[np.ndarray, None]:
        return np.zeros((len(X), *self.y_mean_.shape)), None


@register
class RidgeRegression(Estimator):
    """Linear map from standardised features to targets with an L2 penalty ("ridge").

    Solves ``W = (X'X + alpha I)^-1 X'Y`` in closed form, with X the (N, C*F) features standardised
    on the training windows and Y the (N, J*Q) standardised targets; as both are centred, no
    intercept is needed (the target means are restored by the contract).

    Online adaptation (:meth:`partial_fit`) is exact: the model keeps the sufficient statistic
    ``G = X'X`` (saved with the weights); ``X'Y`` is ``(G + alpha I) W``. New windows
    (standardised with the original scaling) add their ``X'X`` and ``X'Y``, after the old ones are
    multiplied by ``forgetting``, and W is solved again: with forgetting 1 that is the fit on old
    and new windows together, the scaling excepted.

    Args:
        alpha: L2 penalty (> 0) on the weights of the standardised features; the same scale as
            scikit-learn's ``Ridge(alpha)`` on standardised inputs.
    """

    name = "ridge"
    fitted_arrays = ("coef_", "gram_")

    def __init__(self, alpha: Annotated[float, Field(gt=0)] = 1.0) -> None:
        self.alpha = alpha

    def _fit(self, X: np.ndarray, Y: np.ndarray, runs: Runs) -> None:
        self.gram_ = X.T @ X
        self.coef_ = self._solve(X.T @ Y.reshape(len(Y), -1))

    def _solve(self, xty: np.ndarray) -> np.ndarray:
        """W of the normal equations ``(G + alpha I) W = X'Y``."""
        penalised = self.gram_ + self.alpha * np.eye(len(self.gram_))
        return scipy.linalg.solve(penalised, xty, assume_a="pos")

    def _partial_fit(
        self, X: np.ndarray, Y: np.ndarray, runs: Runs, adaptation: Adaptation
    ) -> None:
        xty = (self.gram_ + self.alpha * np.eye(len(self.gram_))) @ self.coef_
        keep = adaptation.forgetting
        self.gram_ = keep * self.gram_ + X.T @ X
        self.coef_ = self._solve(keep * xty + X.T @ Y.reshape(len(Y), -1))

    def n_parameters(self) -> int:
        """The weights (the stored X'X is a statistic, not a parameter)."""
        self._check_fitted()
        return int(self.coef_.size)

    def _predict(self, X: np.ndarray, runs: Runs) -> tuple[np.ndarray, None]:
        return (X @ self.coef_).reshape(len(X), *self.y_mean_.shape), None
