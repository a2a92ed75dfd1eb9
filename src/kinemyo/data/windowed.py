"""Windows of many recordings as model inputs and targets, with where each window came from.

A :class:`WindowedDataset` is what the signal pipeline produces and every model consumes:
features ``X`` (N windows x C channels x F features), targets ``Y`` (N x J joints x Q quantities)
and, per window, the subject, task, trial, segment (Group) and time it was cut from, so that
evaluation protocols can split by subject, task, trial or time without leakage.
A :class:`Prediction` is what a model returns for a dataset: target-shaped means and, for
probabilistic models, standard deviations, and calibrated interval bounds when the model has them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from kinemyo.errors import KinemyoError

_PER_WINDOW = ("subject", "task", "trial", "segment", "time")

DEFAULT_LEVELS = (0.5, 0.9)
"""The nominal coverages of prediction intervals unless told otherwise."""


def level_name(level: float) -> str:
    """An interval level as a percentage for names and columns: 0.9 -> "90", 0.975 -> "97.5"."""
    return f"{100 * level:.4g}"


@dataclass(frozen=True, eq=False)
class WindowedDataset:
    """Features and targets of N windows, with the provenance of each window.

    Attributes:
        X: (N, C, F) float32 features.
        Y: (N, J, Q) float32 targets, or None for data without targets.
        channels: C input channel names (e.g. the 9 muscles).
        features: F feature names (e.g. "iemg", "var", ...).
        joints: J joint names (e.g. "left knee flexion").
        quantities: Q target quantities, e.g. ("angle", "moment").
        units: Q units, one per quantity, e.g. ("deg", "N·m").
        subject: (N,) subject id of each window.
        task: (N,) task / motion code of each window.
        trial: (N,) trial id of each window (unique across the dataset, e.g. "Sub01_WAK").
        segment: (N,) Group index of each window within its trial.
        time: (N,) time of each window's last sample within its trial, s.
    """

    X: np.ndarray
    Y: np.ndarray | None
    channels: tuple[str, ...]
    features: tuple[str, ...]
    joints: tuple[str, ...]
    quantities: tuple[str, ...]
    units: tuple[str, ...]
    subject: np.ndarray
    task: np.ndarray
    trial: np.ndarray
    segment: np.ndarray
    time: np.ndarray

    def __post_init__(self) -> None:
        X = np.asarray(self.X, dtype=np.float32)
        if X.ndim != 3 or X.shape[1:] != (len(self.channels), len(self.features)):
            raise KinemyoError(
                f"X must be (N, {len(self.channels)} channels, {len(self.features)} features); "
                f"got {X.shape}."
            )
        n = X.shape[0]
        Y = self.Y
        if Y is not None:
            Y = np.asarray(Y, dtype=np.float32)
            expected = (n, len(self.joints), len(self.quantities))
            if Y.shape != expected:
                raise KinemyoError(f"Y must be {expected} (N, joints, quantities); got {Y.shape}.")
        if len(self.units) != len(self.quantities):
            raise KinemyoError("WindowedDataset needs one unit per quantity.")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "Y", Y)
        for name in ("channels", "features", "joints", "quantities", "units"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        for name in _PER_WINDOW:
            column = np.asarray(getattr(self, name))
            if column.shape != (n,):
                raise KinemyoError(
                    f"{name} must have one entry per window ({n}); got {column.shape}."
                )
            object.__setattr__(self, name, column)

    def __len__(self) -> int:
        return self.X.shape[0]

    def subset(self, index: np.ndarray | slice) -> WindowedDataset:
        """The windows selected by ``index`` (indices, a boolean mask or a slice)."""
        return WindowedDataset(
            X=self.X[index],
            Y=None if self.Y is None else self.Y[index],
            channels=self.channels,
            features=self.features,
            joints=self.joints,
            quantities=self.quantities,
            units=self.units,
            **{name: getattr(self, name)[index] for name in _PER_WINDOW},
        )

    def flat_features(self) -> np.ndarray:
        """(N, C * F) features, channel-major: column ``c * F + f`` is channel c, feature f."""
        return self.X.reshape(len(self), -1)

    def quantity(self, name: str) -> int:
        """Index of target quantity ``name`` ("angle" or "moment")."""
        if name not in self.quantities:
            raise KinemyoError(f"No quantity '{name}'; the dataset has {self.quantities}.")
        return self.quantities.index(name)

    @staticmethod
    def concatenate(parts: Sequence[WindowedDataset]) -> WindowedDataset:
        """One dataset of the windows of ``parts``, which must share names and units."""
        if not parts:
            raise KinemyoError("Nothing to concatenate: no windowed datasets given.")
        first = parts[0]
        for part in parts[1:]:
            for name in ("channels", "features", "joints", "quantities", "units"):
                if getattr(part, name) != getattr(first, name):
                    raise KinemyoError(f"Cannot concatenate datasets with different {name}.")
        has_targets = all(p.Y is not None for p in parts)
        return WindowedDataset(
            X=np.concatenate([p.X for p in parts]),
            Y=np.concatenate([p.Y for p in parts]) if has_targets else None,
            channels=first.channels,
            features=first.features,
            joints=first.joints,
            quantities=first.quantities,
            units=first.units,
            **{name: np.concatenate([getattr(p, name) for p in parts]) for name in _PER_WINDOW},
        )


@dataclass(frozen=True, eq=False)
class Prediction:
    """A model's estimate of the targets of a WindowedDataset.

    Attributes:
        mean: (N, J, Q) estimates, in the dataset's target units.
        std: (N, J, Q) predictive standard deviations (same units), or None for point models.
        joints: J joint names; quantities: Q quantity names; units: Q units.
        bounds: nominal coverage (e.g. 0.9) -> (lower, upper), each (N, J, Q) in the target
            units: calibrated prediction intervals (see :mod:`kinemyo.models.conformal`); empty
            when the model was not calibrated.
    """

    mean: np.ndarray
    std: np.ndarray | None
    joints: tuple[str, ...]
    quantities: tuple[str, ...]
    units: tuple[str, ...]
    bounds: Mapping[float, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        mean = np.asarray(self.mean, dtype=np.float32)
        if mean.ndim != 3 or mean.shape[1:] != (len(self.joints), len(self.quantities)):
            raise KinemyoError(f"Prediction mean must be (N, J, Q); got {mean.shape}.")
        std = None if self.std is None else np.asarray(self.std, dtype=np.float32)
        if std is not None and std.shape != mean.shape:
            raise KinemyoError(f"Prediction std {std.shape} must match mean {mean.shape}.")
        bounds = {}
        for level, pair in self.bounds.items():
            lower, upper = (np.asarray(b, dtype=np.float32) for b in pair)
            if lower.shape != mean.shape or upper.shape != mean.shape:
                raise KinemyoError(
                    f"Prediction bounds at level {level} must match mean {mean.shape}; got "
                    f"{lower.shape} and {upper.shape}."
                )
            bounds[float(level)] = (lower, upper)
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "std", std)
        object.__setattr__(self, "bounds", bounds)

    def subset(self, index: np.ndarray | slice) -> Prediction:
        """The predictions of the windows selected by ``index``."""
        return Prediction(
            mean=self.mean[index],
            std=None if self.std is None else self.std[index],
            joints=self.joints,
            quantities=self.quantities,
            units=self.units,
            bounds={level: (lo[index], hi[index]) for level, (lo, hi) in self.bounds.items()},
        )
