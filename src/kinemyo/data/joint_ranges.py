"""Physiological ranges of joint angles, deg: an IK angle beyond them is a solver artefact.

OpenSim IK can wind a coordinate up where markers are lost (hip flexion of -373 deg outside the
force-plate span); such frames say nothing about the body and are cut before a model sees them.
The ranges are wide on purpose: they hold both sign conventions of OpenSim models (gait2392's
knee flexion is negative, Rajagopal's positive) and every activity of daily living, and catch
only what no joint does. A coordinate is matched by the first key that its name contains
(lower case, spaces as underscores: ``hip_flexion_r`` and SIAT's ``right hip flexion`` alike);
other coordinates get the unit's plausible range (:data:`~kinemyo.data.plausibility.PLAUSIBLE_ABS`).

==================  ============  =====================================================
coordinate          range, deg    why
==================  ============  =====================================================
hip_flexion         -60 .. 150    hip extension ~30, flexion ~140 (deep squat)
hip_adduction       -60 .. 60     abduction ~45, adduction ~30
hip_rotation        -70 .. 70     internal/external rotation ~45 each
knee (angle/flex)   -165 .. 165   flexion ~150, in either sign convention
ankle               -70 .. 70     dorsiflexion ~30, plantarflexion ~50
subtalar            -60 .. 60     inversion/eversion ~35
mtp                 -90 .. 90     toe extension ~80
lumbar, pelvis_tilt -90 .. 90     trunk flexion; pelvis tilt and list
pelvis_list         -90 .. 90
==================  ============  =====================================================
"""

from __future__ import annotations

import numpy as np

from kinemyo import units
from kinemyo.data.plausibility import PLAUSIBLE_ABS

JOINT_RANGES_DEG: dict[str, tuple[float, float]] = {
    "hip_flexion": (-60.0, 150.0),
    "hip_adduction": (-60.0, 60.0),
    "hip_rotation": (-70.0, 70.0),
    "knee": (-165.0, 165.0),
    "ankle": (-70.0, 70.0),
    "subtalar": (-60.0, 60.0),
    "mtp": (-90.0, 90.0),
    "lumbar": (-90.0, 90.0),
    "pelvis_tilt": (-90.0, 90.0),
    "pelvis_list": (-90.0, 90.0),
}
"""Coordinate name fragment -> (lowest, highest) plausible angle, deg (see the table above)."""


def joint_range(name: str) -> tuple[float, float]:
    """The (lowest, highest) plausible angle in deg of coordinate ``name``."""
    key = name.lower().replace(" ", "_")
    for fragment, bounds in JOINT_RANGES_DEG.items():
        if fragment in key:
            return bounds
    limit = PLAUSIBLE_ABS[units.DEGREE]
    return -limit, limit


def outside_range(angles: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """(T, J) True where an angle in deg (T, J) lies beyond its joint's range; NaN never does."""
    bounds = np.array([joint_range(name) for name in names], dtype=np.float64).reshape(-1, 2)
    with np.errstate(invalid="ignore"):
        return (angles < bounds[:, 0]) | (angles > bounds[:, 1])
