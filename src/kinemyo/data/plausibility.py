"""Physically plausible ranges of samples, per unit: what a value beyond them says about a file.

A cell of 3e38 in a torque column parses as a number, but no human joint produces it: the file
is corrupt, or a column holds another quantity or unit. Readers flag such values with a
:class:`~kinemyo.errors.DataWarning` naming file, column and row (:func:`warn_implausible`);
``kinemyo inspect`` lists them; the pipeline refuses them unless allowed. The limits are wide on
purpose: they catch corruption and wrong units, not unusual gait.

==========  ==========  ============================================================
unit        limit |x|   why
==========  ==========  ============================================================
mV          100         raw sEMG is about 0.01-1.5 mV; amplifiers saturate at ~10 mV
V           0.1         the same in volts (Camargo's EMG)
deg         360         a joint angle; OpenSim IK can pass it (-373 deg) when a
                        coordinate winds up, so it is flagged, never refused here
rad         2 pi        the same in radians (OpenSim files with inDegrees=no)
N·m         1000        peak hip/knee/ankle moments of running or jumping are < 400
N·m/kg      20          the same per kg of body mass (peaks are < 5)
==========  ==========  ============================================================

Units outside the table (N, m, unitless envelopes normalised to 1) are not checked.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from kinemyo import units
from kinemyo.errors import DataWarning

PLAUSIBLE_ABS = {
    units.MILLIVOLT: 100.0,
    units.VOLT: 0.1,
    units.DEGREE: 360.0,
    units.RADIAN: 2 * math.pi,
    units.NEWTON_METRE: 1000.0,
    units.NEWTON_METRE_PER_KG: 20.0,
}
"""Largest plausible magnitude of a sample, by unit (see the table above)."""


class Implausible(NamedTuple):
    """The first implausible sample of one channel.

    Attributes:
        channel: the channel (column) name.
        row: its 1-based row (sample) number.
        value: the sample, in the channel's unit.
    """

    channel: str
    row: int
    value: float


def implausible(
    values: np.ndarray, units_of: Sequence[str], names: Sequence[str]
) -> list[Implausible]:
    """The first sample beyond :data:`PLAUSIBLE_ABS` of each channel that has one.

    Args:
        values: (T, K) samples; NaN (missing) is never implausible, an infinity always is.
        units_of: K unit strings; channels in other units are not checked.
        names: K channel names.

    Returns:
        One :class:`Implausible` per offending channel, in channel order.
    """
    values = np.asarray(values)
    # Compared in the samples' own precision: float32 blocks are not copied to float64.
    dtype = values.dtype if np.issubdtype(values.dtype, np.floating) else np.float64
    limits = np.array([PLAUSIBLE_ABS.get(unit, np.inf) for unit in units_of], dtype=dtype)
    if values.size and limits.size:
        # one pass over all samples (NaN skipped) settles the usual case: nothing beyond
        # the smallest limit
        extreme = max(np.fmax.reduce(values, axis=None), -np.fmin.reduce(values, axis=None))
        if extreme <= limits.min():
            return []
    over = np.abs(values) > limits
    found = []
    for column in np.flatnonzero(over.any(axis=0)):
        row = int(np.argmax(over[:, column]))
        found.append(Implausible(names[column], row + 1, float(values[row, column])))
    return found


def warn_implausible(
    path: str | Path, values: np.ndarray, units_of: Sequence[str], names: Sequence[str]
) -> list[Implausible]:
    """Issue one :class:`DataWarning` naming ``path`` and each channel's first implausible
    row and value (see :func:`implausible` for the arguments); return what was found."""
    found = implausible(values, units_of, names)
    if found:
        unit_of = dict(zip(names, units_of, strict=True))
        listed = "; ".join(
            f"column '{f.channel}' row {f.row}: {f.value:.6g} {unit_of[f.channel]} "
            f"(plausible |x| <= {PLAUSIBLE_ABS[unit_of[f.channel]]:g})"
            for f in found
        )
        warnings.warn(
            f"{path}: values beyond the plausible range of their unit (a corrupt cell or a "
            f"wrong unit?): {listed}.",
            DataWarning,
            stacklevel=3,
        )
    return found
