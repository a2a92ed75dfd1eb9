"""Scalers fitted on training data only and stored with the model.

:class:`MaxAbsScaler` divides each sEMG channel by its largest absolute training value;
:class:`FeatureStandardizer` standardises each (channel, feature) pair of window features.
Both learn from the data given to ``fit`` alone (a new ``fit`` forgets the previous one), apply
the learnt values unchanged to any later data, and export them as ``state()``: a flat
``dict[str, np.ndarray]`` suitable for ``safetensors.numpy.save_file``; ``from_state`` restores.

Each scaler works on the trailing axes of its data (channels ``C`` for :class:`MaxAbsScaler`,
``(C, F)`` for :class:`FeatureStandardizer`); all leading axes are observations, so a signal
(T, C) and its windows (N, L, C) are scaled alike.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar, Self

import numpy as np

from kinemyo.errors import KinemyoError


class _FittedScaler(ABC):
    """Shared mechanics. The learnt arrays, named in ``_STATE``, have the shape of the data's last
    ``_TRAILING`` axes; ``_DIVISOR`` names the one that divides."""

    _STATE: ClassVar[tuple[str, ...]]
    _DIVISOR: ClassVar[str]
    _TRAILING: ClassVar[int]
    _SHAPE: ClassVar[str]

    def __init__(self) -> None:
        self._state: dict[str, np.ndarray] | None = None

    @property
    def fitted(self) -> bool:
        """True once ``fit`` or ``from_state`` has given the scaler its values."""
        return self._state is not None

    def _learnt(self) -> dict[str, np.ndarray]:
        if self._state is None:
            raise KinemyoError(
                f"{type(self).__name__} is not fitted: call fit() on the training data (or "
                "from_state()) before transform()."
            )
        return self._state

    def _rows(self, data: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
        """Training data (one array or a sequence) as arrays of observations x the trailing
        shape (views, dtype kept); every array must be real, finite and of that trailing shape."""
        items = [data] if isinstance(data, np.ndarray) else list(data)
        if not items:
            raise KinemyoError(f"fit needs at least one {self._SHAPE} array.")
        arrays = [np.asarray(item) for item in items]
        trailing = arrays[0].shape[-self._TRAILING :]
        for k, arr in enumerate(arrays):
            if arr.ndim <= self._TRAILING or arr.shape[-self._TRAILING :] != trailing:
                raise KinemyoError(
                    f"fit data [{k}] has shape {arr.shape}; expected {self._SHAPE} arrays, all "
                    f"ending in the first one's {trailing}."
                )
            if arr.dtype.kind not in "biuf":
                raise KinemyoError(f"fit data [{k}] must be real numbers, got {arr.dtype}.")
            if not np.all(np.isfinite(arr)):
                raise KinemyoError(f"fit data [{k}] has non-finite values (NaN or inf).")
        rows = [arr.reshape(-1, *trailing) for arr in arrays]
        if sum(part.shape[0] for part in rows) == 0:
            raise KinemyoError(f"fit data are empty: no observations in any {self._SHAPE} array.")
        return rows

    def _input(self, x: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """``x`` as float64, checked against the learnt trailing shape, and the learnt arrays."""
        learnt = self._learnt()
        trailing = learnt[self._DIVISOR].shape
        arr = np.asarray(x, dtype=np.float64)
        if arr.ndim <= self._TRAILING or arr.shape[-self._TRAILING :] != trailing:
            raise KinemyoError(
                f"{type(self).__name__} was fitted on {self._SHAPE} data ending in {trailing}; "
                f"got shape {arr.shape}."
            )
        return arr, learnt

    def fit(self, data: np.ndarray | Sequence[np.ndarray]) -> Self:
        """Learn from ``data`` alone (one array or a sequence of arrays); returns ``self``."""
        self._state = self._learn(self._rows(data))
        return self

    @abstractmethod
    def _learn(self, rows: list[np.ndarray]) -> dict[str, np.ndarray]:
        """The learnt arrays of the training ``rows`` (arrays of observations x trailing shape)."""

    @abstractmethod
    def transform(self, x: np.ndarray) -> np.ndarray:
        """Apply the learnt scaling (see the class docstring); float64, shape of ``x``."""

    def fit_transform(self, x: np.ndarray) -> np.ndarray:
        """``fit(x)`` then ``transform(x)``."""
        return self.fit(x).transform(x)

    def state(self) -> dict[str, np.ndarray]:
        """The learnt arrays (contiguous float64 copies), by name."""
        return {name: np.array(value, dtype=np.float64) for name, value in self._learnt().items()}

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray]) -> Self:
        """A fitted scaler with the arrays of :meth:`state`.

        Raises:
            KinemyoError: a key is missing or extra, the arrays disagree in shape, a value is
                not finite or a divisor is not positive.
        """
        if set(state) != set(cls._STATE):
            raise KinemyoError(
                f"{cls.__name__} state needs exactly the arrays {list(cls._STATE)}; got "
                f"{sorted(state)}."
            )
        arrays = {name: np.array(state[name], dtype=np.float64) for name in cls._STATE}
        shapes = {name: arr.shape for name, arr in arrays.items()}
        if len(set(shapes.values())) != 1 or arrays[cls._DIVISOR].ndim != cls._TRAILING:
            raise KinemyoError(
                f"{cls.__name__} state arrays must share one {cls._TRAILING}-D shape; got {shapes}."
            )
        if not all(np.all(np.isfinite(arr)) for arr in arrays.values()):
            raise KinemyoError(f"{cls.__name__} state has non-finite values.")
        if not np.all(arrays[cls._DIVISOR] > 0):
            raise KinemyoError(f"{cls.__name__} state '{cls._DIVISOR}' must be positive.")
        scaler = cls()
        scaler._state = arrays
        return scaler


class MaxAbsScaler(_FittedScaler):
    """Divide each channel by its largest absolute value in the training data.

    ``fit`` takes a (T, C) signal or a sequence of them (e.g. every training trial; any array
    whose last axis is the C channels will do, e.g. (N, L, C) windows) and learns ``scale`` (C,):
    the largest ``|x|`` of each channel over all of them. ``transform`` returns ``x / scale`` for
    any (..., C) array: training data then lie in [-1, 1]; later data may exceed 1 (they are not
    clipped). A channel that is zero throughout the training data (dead) gets scale 1, so it is
    passed through unchanged instead of being divided by zero.

    State: ``{"scale": (C,)}``, in the signal's units (e.g. mV).
    """

    _STATE = ("scale",)
    _DIVISOR = "scale"
    _TRAILING = 1
    _SHAPE = "(T, C)"

    def _learn(self, rows: list[np.ndarray]) -> dict[str, np.ndarray]:
        peak = np.max([np.abs(part).max(axis=0, initial=0) for part in rows], axis=0)
        peak = peak.astype(np.float64)
        return {"scale": np.where(peak > 0, peak, 1.0)}

    def transform(self, x: np.ndarray) -> np.ndarray:
        """(..., C) ``x / scale``, float64, dimensionless."""
        arr, learnt = self._input(x)
        return arr / learnt["scale"]


class FeatureStandardizer(_FittedScaler):
    """Standardise each (channel, feature) pair of window features.

    ``fit`` takes training features (N, C, F) (or a sequence of them, pooled) and learns ``mean``
    and ``std`` (C, F) over the N windows (population std, ``ddof=0``). ``transform`` returns
    ``(X - mean) / std`` for any (..., C, F) array. A (channel, feature) that is constant over
    the training windows has std 0 and gets std 1: it is centred only (0 for the training data),
    never divided by zero.

    State: ``{"mean": (C, F), "std": (C, F)}``, in the features' units.
    """

    _STATE = ("mean", "std")
    _DIVISOR = "std"
    _TRAILING = 2
    _SHAPE = "(N, C, F)"

    def _learn(self, rows: list[np.ndarray]) -> dict[str, np.ndarray]:
        pooled = np.concatenate(rows, dtype=np.float64)
        std = pooled.std(axis=0)
        return {"mean": pooled.mean(axis=0), "std": np.where(std > 0, std, 1.0)}

    def transform(self, x: np.ndarray) -> np.ndarray:
        """(..., C, F) ``(X - mean) / std``, float64, dimensionless."""
        arr, learnt = self._input(x)
        return (arr - learnt["mean"]) / learnt["std"]
