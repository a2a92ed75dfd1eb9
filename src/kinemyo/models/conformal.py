r"""Split-conformal prediction intervals that any fitted estimator carries in its model file.

**Method.** A model fitted on one part of the training windows predicts the other part, the
*calibration* windows (see :mod:`kinemyo.evaluation.calibration` for which part). For each joint
and quantity, the nonconformity score of calibration window i is

    s_i = |y_i - mean_i|                 (point models: an interval of constant width)
    s_i = |y_i - mean_i| / std_i         (models with a predictive std, e.g. GPR: its width
                                          follows the model's own uncertainty)

and the interval at level ``1 - a`` of a new window is ``mean ± q`` (or ``mean ± q * std``), with
``q`` the ``ceil((n + 1)(1 - a))``-th smallest of the n scores. If calibration and test windows
are exchangeable, the interval holds the true value with probability at least ``1 - a`` and
less than ``1 - a + 1 / (n + 1)`` (Vovk et al. 2005; Lei et al. 2018). Windows of one trial are
not exchangeable with windows of another subject: which windows calibrate decides what the
coverage promise is about.

Own implementation, not MAPIE: kinemyo's estimators are not scikit-learn regressors (Y is
N x J x Q, sequence models need the windows' runs), the quantile is a dozen lines of numpy, and the
calibrated quantiles must live in kinemyo's safetensors model file, not in a pickled MAPIE object.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from kinemyo.data.windowed import level_name
from kinemyo.errors import KinemyoError

Score = Literal["absolute", "normalised"]


def conformal_quantile(scores: np.ndarray, level: float) -> np.ndarray:
    """The split-conformal quantile of ``scores`` (n, ...) over axis 0: the ``ceil((n + 1) *
    level)``-th smallest per column.

    Raises:
        KinemyoError: ``level`` is not in (0, 1), or there are too few scores for it (that rank
            exceeds n: the interval would be unbounded).
    """
    if not 0 < level < 1:
        raise KinemyoError(f"An interval level must be in (0, 1); got {level}.")
    n = len(scores)
    rank = math.ceil((n + 1) * level - 1e-9)  # 1e-9: (9 + 1) * 0.9 is 9.000000000000002
    if rank > n:
        raise KinemyoError(
            f"A {level_name(level)}% conformal interval needs at least {rank} calibration "
            f"windows; got {n}. Use more training data or a lower level."
        )
    return np.sort(np.asarray(scores, dtype=np.float64), axis=0)[rank - 1]


@dataclass(frozen=True, eq=False)
class ConformalIntervals:
    """Calibrated interval half-widths of one fitted model.

    Attributes:
        levels: L nominal coverages in (0, 1), e.g. (0.5, 0.9).
        quantiles: (L, J, Q) calibrated score quantiles: half-widths in target units for the
            absolute score, multiples of the predictive std for the normalised score.
        score: "absolute" or "normalised" (see the module docstring).
        calibration: what the calibration windows were, in words (kept in the model file).
        n_windows: how many calibration windows.
    """

    levels: tuple[float, ...]
    quantiles: np.ndarray
    score: Score
    calibration: str
    n_windows: int

    @classmethod
    def calibrate(
        cls,
        truth: np.ndarray,
        mean: np.ndarray,
        std: np.ndarray | None,
        levels: Sequence[float],
        calibration: str,
    ) -> ConformalIntervals:
        """Intervals calibrated on the targets ``truth`` (n, J, Q) of calibration windows and a
        model's estimates ``mean`` (and ``std``, when it gives one) of them, in target units."""
        residual = np.abs(np.asarray(truth, np.float64) - np.asarray(mean, np.float64))
        score: Score = "absolute"
        if std is not None:
            score = "normalised"
            residual = residual / np.maximum(np.asarray(std, np.float64), np.finfo(float).tiny)
        quantiles = np.stack([conformal_quantile(residual, level) for level in levels])
        return cls(tuple(float(x) for x in levels), quantiles, score, calibration, len(truth))

    def bounds(
        self, mean: np.ndarray, std: np.ndarray | None
    ) -> dict[float, tuple[np.ndarray, np.ndarray]]:
        """Level -> (lower, upper), each shaped like ``mean`` (N, J, Q), in target units.

        Raises:
            KinemyoError: the intervals are normalised but no std is given.
        """
        if self.score == "normalised" and std is None:
            raise KinemyoError(
                "These intervals scale with the model's predictive std, but it gave none."
            )
        bounds = {}
        for level, quantile in zip(self.levels, self.quantiles, strict=True):
            half = quantile if self.score == "absolute" else quantile * std
            bounds[level] = (mean - half, mean + half)
        return bounds

    def header(self) -> dict:
        """What ``model.json`` stores of these intervals (the quantiles go in the weights)."""
        return {
            "levels": list(self.levels),
            "score": self.score,
            "calibration": self.calibration,
            "n_windows": self.n_windows,
        }

    @classmethod
    def from_saved(cls, header: Mapping, quantiles: np.ndarray) -> ConformalIntervals:
        """The intervals of a model file: its ``header()`` and its quantiles array.

        Raises:
            KinemyoError: the header and the quantiles do not fit together.
        """
        levels = tuple(float(x) for x in header["levels"])
        if np.shape(quantiles)[:1] != (len(levels),) or np.ndim(quantiles) != 3:
            raise KinemyoError(
                f"conformal quantiles of shape {np.shape(quantiles)} do not fit "
                f"{len(levels)} level(s) x joints x quantities."
            )
        if header["score"] not in ("absolute", "normalised"):
            raise KinemyoError(f"unknown conformal score '{header['score']}'.")
        for level in levels:
            if not 0 < level < 1:
                raise KinemyoError(f"interval level {level} is not in (0, 1).")
        return cls(
            levels,
            np.asarray(quantiles, np.float64),
            header["score"],
            str(header["calibration"]),
            int(header["n_windows"]),
        )
