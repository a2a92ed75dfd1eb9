"""The simulated muscles of one leg and the joint moments they produce.

Each leg has the 9 SIAT-LLMD sEMG muscles (recorded on the left leg only) plus three muscles that
no electrode sees but that dominate some moments: gluteus maximus (hip extension), gluteus medius
(hip abduction) and iliopsoas (hip flexion). The two tibialis anterior channels are two electrodes
on one muscle; each carries half of its moment.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from kinemyo.data.siat_llmd import schema
from kinemyo.errors import KinemyoError

HIDDEN_MUSCLES = ("gluteus maximus", "gluteus medius", "iliopsoas")
"""Muscles that move the joints but have no EMG channel."""

MUSCLE_SLOTS = (*schema.MUSCLES, *HIDDEN_MUSCLES)
"""All simulated muscles of one leg: the recorded ones first, in ``schema.MUSCLES`` order."""

N_RECORDED = len(schema.MUSCLES)

REST_ACTIVATION = 0.02
"""Activation every muscle keeps at rest (fraction of maximum)."""

MOMENT_PER_ACTIVATION: dict[str, dict[str, float]] = {
    "hip adduction": {"tensor fascia lata": -0.6, "gluteus medius": -2.4},
    "hip flexion": {
        "tensor fascia lata": 0.4,
        "rectus femoris": 0.5,
        "iliopsoas": 2.0,
        "semimembranosus": -1.0,
        "gluteus maximus": -2.0,
    },
    "knee flexion": {
        "rectus femoris": -0.7,
        "vastus medialis": -1.8,
        "semimembranosus": 0.9,
        "lateral gastrocnemius": 0.35,
        "medial gastrocnemius": 0.4,
    },
    "ankle flexion": {
        "upper tibialis anterior": 0.35,
        "lower tibialis anterior": 0.35,
        "lateral gastrocnemius": -0.6,
        "medial gastrocnemius": -0.7,
        "soleus": -1.6,
    },
}
"""Joint moment at full activation, N·m per kg of body mass, per joint axis (``schema.JOINT_AXES``)
and muscle; positive in the direction of a positive angle (adduction, flexion, dorsiflexion). The
vastus medialis stands for all vasti, the semimembranosus for all hamstrings."""


def slot_vector(levels: Mapping[str, float], slots: tuple[str, ...] = MUSCLE_SLOTS) -> np.ndarray:
    """(len(slots),) array with ``levels[muscle]`` in each muscle's slot, 0 elsewhere."""
    unknown = sorted(set(levels) - set(slots))
    if unknown:
        raise KinemyoError(f"Unknown muscles {unknown}; the model has {list(slots)}.")
    return np.array([levels.get(m, 0.0) for m in slots], dtype=float)


def moment_matrix() -> np.ndarray:
    """(len(MUSCLE_SLOTS), 4) N·m/kg per unit activation, columns in ``schema.JOINT_AXES`` order."""
    return np.stack([slot_vector(MOMENT_PER_ACTIVATION[a]) for a in schema.JOINT_AXES], axis=1)
