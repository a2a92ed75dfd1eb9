"""Reference models every other model must beat: the training mean, the mean cycle (template) and
ridge regression."""

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


@register
class TemplatePredictor(Estimator):
    """Predicts, for every window, the mean of the training windows at the same gait phase
    ("template"): the mean cycle, the floor every model must beat on cyclic data.

    The phase of a window is its place in its cycle: ``position / (length - 1)`` in its run
    (:class:`~kinemyo.training.sequences.Runs`: the consecutive windows of one trial and one
    segment). On cycle-normalised data (:mod:`kinemyo.data.cycles`: one trial per cycle, one
    window per point) that is the point of the cycle, 0..1; on continuous data whose segments
    are gait cycles (SIAT-LLMD Groups) it is the time within the cycle, normalised by the cycle's
    length, so it uses the cycle's bounds (its labels), as any gait-phase template does. Phases
    are binned into ``bins`` equal bins; the template is the mean of the training targets in
    each bin (bins no training window falls in take the nearest filled bin). It never reads the
    inputs, and test targets are never seen.

    Args:
        bins: number of phase bins over 0..1 (101: one per point of a 101-point cycle).
    """

    name = "template"
    fitted_arrays = ("template_",)
    not_causal = (
        "a window's phase is its place in its whole gait cycle, known only once the cycle has ended"
    )

    def __init__(self, bins: Annotated[int, Field(ge=1, le=100_000)] = 101) -> None:
        self.bins = bins

    def _bin(self, runs: Runs) -> np.ndarray:
        """(N,) phase bin of every window."""
        lengths = np.bincount(runs.run[runs.run >= 0], minlength=1)
        length = np.where(runs.run >= 0, lengths[np.maximum(runs.run, 0)], 1)
        phase = runs.position / np.maximum(length - 1, 1)
        return np.clip(np.rint(phase * (self.bins - 1)).astype(int), 0, self.bins - 1)

    def _fit(self, X: np.ndarray, Y: np.ndarray, runs: Runs) -> None:
        which = self._bin(runs)
        counts = np.bincount(which, minlength=self.bins)
        sums = np.zeros((self.bins, *Y.shape[1:]))
        np.add.at(sums, which, Y)
        filled = np.flatnonzero(counts)
        # An empty bin takes its nearest filled neighbour, the lower one on a tie: O(bins).
        every = np.arange(self.bins)
        above = np.searchsorted(filled, every)
        lower = filled[np.maximum(above - 1, 0)]
        upper = filled[np.minimum(above, filled.size - 1)]
        nearest = np.where(every - lower <= upper - every, lower, upper)
        self.template_ = sums[nearest] / counts[nearest].reshape(-1, *[1] * (Y.ndim - 1))

    def _predict(self, X: np.ndarray, runs: Runs) -> tuple[np.ndarray, None]:
        return self.template_[self._bin(runs)], None
