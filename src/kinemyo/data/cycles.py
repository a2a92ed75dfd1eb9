"""Cycle-normalised data: per-cycle arrays (cycles x points), as biomechanics labs export them.

A lab's MATLAB or NumPy export holds one (n_cycles, n_points) array per channel, each cycle
time-normalised to the same number of points (e.g. 101: 0-100% of the gait cycle), e.g.
``knee_flexion_angle_deg``, ``knee_flexion_velocity_rad_s``, ``knee_flexion_torque_nm``. This
module reads such a file (.npz, or .mat of version 5/7) into a :class:`CycleSet` and turns it
into a :class:`~kinemyo.data.windowed.WindowedDataset` every model can be fitted on:

- one window per point of each cycle; the inputs are the chosen channels' values at that point
  (feature ``"value"``), the target the chosen channel's value;
- one trial per cycle (``"{stem}_c0001"``...), so that sequence models see each cycle as one run
  and the ``template`` model (:class:`~kinemyo.models.baselines.TemplatePredictor`) takes the
  point of the cycle as its phase; ``time`` is the normalised phase, 0..1;
- splits are by cycle (:meth:`CycleSet.split`): no cycle is in both parts.

Units: from the end of each variable's name (``_deg``, ``_rad``, ``_rad_s``, ``_deg_s``,
``_nm``, ``_nm_kg``, ``_mv``, ``_v``, ``_n``) or from a sidecar ``<file>.units.json``
(``{"name": "unit"}``), which wins. A variable named ``time_s``, ``phase`` or ``time`` is the
phase axis, not a channel (any shape: a MATLAB row vector, 1 x n_points, or one row per cycle).
Variables of another shape than the channels' (e.g. a scalar, which MATLAB saves as 1 x 1) are
skipped with a ``DataWarning`` that names them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kinemyo import units
from kinemyo.data.limits import MATLAB, NPZ, check_file
from kinemyo.data.windowed import WindowedDataset
from kinemyo.errors import DataFormatError, DataWarning, KinemyoError
from kinemyo.saved import read_json

PHASE_NAMES = ("time_s", "phase", "time")
"""Variables that are the normalised time axis of each cycle, not a channel."""

UNIT_ENDINGS = (
    ("_nm_kg", units.NEWTON_METRE_PER_KG),
    ("_rad_s", "rad/s"),
    ("_deg_s", "deg/s"),
    ("_nm", units.NEWTON_METRE),
    ("_deg", units.DEGREE),
    ("_rad", units.RADIAN),
    ("_mv", units.MILLIVOLT),
    ("_v", units.VOLT),
    ("_n", "N"),
)
"""Name endings and the unit they give (longest first: ``_nm_kg`` before ``_nm``)."""

QUANTITY_OF_UNIT = {
    units.DEGREE: "angle",
    units.RADIAN: "angle",
    units.NEWTON_METRE: "moment",
    units.NEWTON_METRE_PER_KG: "moment",
}
"""The target quantity a unit names; other units are targets of quantity "value"."""

_QUANTITY_WORDS = ("angle", "torque", "moment", "velocity")


def unit_from_name(name: str) -> str:
    """The unit a variable's name ends with (see :data:`UNIT_ENDINGS`), "" when none."""
    lowered = name.lower()
    return next((unit for ending, unit in UNIT_ENDINGS if lowered.endswith(ending)), "")


def joint_from_name(name: str) -> str:
    """E.g. "knee flexion" from ``knee_flexion_torque_nm``: the name without its unit ending
    and quantity word, with spaces."""
    lowered = name.lower()
    ending = next((e for e, _ in UNIT_ENDINGS if lowered.endswith(e)), "")
    words = name[: len(name) - len(ending)].split("_")
    return " ".join(w for w in words if w.lower() not in _QUANTITY_WORDS) or name


@dataclass(frozen=True, eq=False)
class CycleSet:
    """Channels of cycle-normalised data.

    Attributes:
        arrays: channel name -> (n_cycles, n_points) float64 values.
        units: channel name -> unit ("" when unknown).
        phase: (n_points,) normalised phase of each point, 0..1.
        source: the file read.
    """

    arrays: dict[str, np.ndarray]
    units: dict[str, str]
    phase: np.ndarray
    source: str

    @property
    def n_cycles(self) -> int:
        """Number of cycles."""
        return next(iter(self.arrays.values())).shape[0]

    @property
    def n_points(self) -> int:
        """Points per cycle."""
        return self.phase.size

    def windowed(
        self,
        inputs: Sequence[str],
        target: str,
        *,
        joint: str | None = None,
        cycles: np.ndarray | slice | None = None,
    ) -> WindowedDataset:
        """One window per point of each cycle: X (N, len(inputs), 1), Y (N, 1, 1).

        Args:
            inputs: input channel names.
            target: the target channel's name; its quantity is "angle" or "moment" by its unit.
            joint: the target's joint name (default: from the target's name, e.g. "knee flexion").
            cycles: the cycles to use (indices, mask or slice; default all), in the given order.

        Raises:
            KinemyoError: an unknown channel (naming the channels), or the target among inputs.
        """
        unknown = [name for name in [*inputs, target] if name not in self.arrays]
        if unknown:
            raise KinemyoError(
                f"{self.source}: no channel {unknown}; channels are: {', '.join(self.arrays)}."
            )
        if target in inputs:
            raise KinemyoError(f"The target '{target}' cannot also be an input.")
        index = np.arange(self.n_cycles)[slice(None) if cycles is None else cycles]
        n = index.size * self.n_points
        X = np.stack([self.arrays[name][index].reshape(-1) for name in inputs], axis=1)
        trial = np.repeat([f"{Path(self.source).stem}_c{i + 1:04d}" for i in index], self.n_points)
        return WindowedDataset(
            X=X[:, :, None],
            Y=self.arrays[target][index].reshape(n, 1, 1),
            channels=tuple(inputs),
            features=("value",),
            joints=(joint or joint_from_name(target),),
            quantities=(QUANTITY_OF_UNIT.get(self.units[target], "value"),),
            units=(self.units[target],),
            subject=np.full(n, "pooled"),
            task=np.full(n, Path(self.source).stem),
            trial=trial,
            segment=np.zeros(n, dtype=int),
            time=np.tile(self.phase, index.size),
        )

    def split(self, train_fraction: float) -> tuple[np.ndarray, np.ndarray]:
        """Cycle indices of the training part (the first ``train_fraction`` of the cycles, in
        file order) and of the test part (the rest): no cycle is in both."""
        if not 0 < train_fraction < 1:
            raise KinemyoError(f"train_fraction must lie in (0, 1); got {train_fraction}.")
        cut = min(max(round(self.n_cycles * train_fraction), 1), self.n_cycles - 1)
        return np.arange(cut), np.arange(cut, self.n_cycles)


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """The numeric arrays of a .npz (no pickled objects) or .mat (version 5/7) file, by name.

    Raises:
        DataFormatError: unreadable, or a MATLAB v7.3 (HDF5) file, which scipy cannot read.
    """
    if path.suffix.lower() == ".npz":
        path = check_file(path, NPZ)
        try:
            with np.load(path, allow_pickle=False) as data:
                return {name: np.asarray(data[name]) for name in data.files}
        except Exception as error:  # zipfile, zlib and numpy raise many types
            raise DataFormatError(
                f"cannot be read as a NumPy .npz archive ({type(error).__name__}: {error}).",
                path=path,
            ) from None
    path = check_file(path, MATLAB)
    import scipy.io

    try:
        found = scipy.io.loadmat(path, squeeze_me=False)
    except NotImplementedError:
        raise DataFormatError(
            "is a MATLAB v7.3 (HDF5) file, which kinemyo reads only in version 5/7.",
            path=path,
            hint="In MATLAB: save('cycles.mat', '-v7'), or export each variable to a .npz.",
        ) from None
    except Exception as error:
        raise DataFormatError(
            f"cannot be read as a MATLAB file ({type(error).__name__}: {error}).", path=path
        ) from None
    return {k: np.asarray(v) for k, v in found.items() if not k.startswith("__")}


def read_cycles(path: str | Path) -> CycleSet:
    """Read per-cycle arrays: the 2-D numeric variables of the most common (n_cycles, n_points)
    shape are the channels (variables of other shapes are skipped with a ``DataWarning``); a
    phase variable (:data:`PHASE_NAMES`, of n_points values or one row of them per cycle) gives
    the phase axis (else ``linspace(0, 1, n_points)``).

    Raises:
        DataFormatError: unreadable; no 2-D numeric variable; no single most common shape; a
            phase variable that does not match the points per cycle; a non-finite value (naming
            channel, cycle and point); an unreadable ``.units.json`` sidecar.
    """
    path = Path(path)
    raw = load_arrays(path)
    numeric = {
        k: v.astype(np.float64)
        for k, v in raw.items()
        if np.issubdtype(v.dtype, np.number) and v.size >= 1
    }
    phase_name = next((n for n in PHASE_NAMES if n in numeric), None)
    phase_values = numeric.pop(phase_name) if phase_name else None
    shapes = {name: a.shape for name, a in numeric.items() if a.ndim == 2}
    if not shapes:
        raise DataFormatError(
            f"no 2-D numeric variable (cycles x points); variables: {sorted(raw)}.", path=path
        )
    counts = {shape: list(shapes.values()).count(shape) for shape in set(shapes.values())}
    top = max(counts.values())
    if list(counts.values()).count(top) > 1:
        raise DataFormatError(
            f"the variables differ in shape (cycles x points) and no shape is the most common: "
            f"{shapes}.",
            path=path,
        )
    shape = next(s for s, count in counts.items() if count == top)
    skipped = sorted(name for name, a in numeric.items() if a.shape != shape)
    if skipped:
        warnings.warn(
            f"{path}: skipped {skipped}: not of the channels' shape {shape} (cycles x points).",
            DataWarning,
            stacklevel=2,
        )
    numeric = {name: a for name, a in numeric.items() if a.shape == shape}
    n_points = shape[1]
    if phase_values is None:
        phase = np.linspace(0.0, 1.0, n_points)
    elif phase_values.size == n_points:
        phase = phase_values.ravel()
    elif phase_values.ndim == 2 and phase_values.shape[1] == n_points:
        phase = phase_values[0]
    else:
        raise DataFormatError(
            f"the phase variable '{phase_name}' has shape {phase_values.shape}; expected "
            f"{n_points} values (one per point of a cycle), or one row of them per cycle.",
            path=path,
        )
    for name, values in numeric.items():
        bad = np.argwhere(~np.isfinite(values))
        if bad.size:
            raise DataFormatError(
                f"channel '{name}' has a non-finite value at cycle {bad[0][0] + 1}, point "
                f"{bad[0][1] + 1}.",
                path=path,
            )
    sidecar = path.with_name(path.name + ".units.json")
    given = read_json(sidecar) if sidecar.is_file() else {}
    return CycleSet(
        arrays=numeric,
        units={name: str(given.get(name, unit_from_name(name))) for name in numeric},
        phase=phase,
        source=str(path),
    )
