"""Which motions the generator models, and the dispatch to their models."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from kinemyo.data.siat_llmd import schema
from kinemyo.data.synthetic.cyclic import CYCLIC_TASKS, plan_cyclic
from kinemyo.data.synthetic.discrete import DISCRETE_TASKS, plan_discrete
from kinemyo.data.synthetic.plan import MotionPlan
from kinemyo.errors import KinemyoError

if TYPE_CHECKING:
    from kinemyo.data.synthetic.config import CohortConfig
    from kinemyo.data.synthetic.profiles import SubjectProfile

SUPPORTED_MOTIONS = tuple(m for m in schema.MOTIONS if m in CYCLIC_TASKS or m in DISCRETE_TASKS)
"""The SIAT-LLMD motion codes the generator can simulate, in ``schema.MOTIONS`` order."""


def check_motion(motion: str) -> None:
    """Raise a ``KinemyoError`` naming the supported codes unless ``motion`` is one of them."""
    if motion not in SUPPORTED_MOTIONS:
        raise KinemyoError(
            f"The synthetic generator has no model of motion '{motion}'; supported motions are "
            f"{', '.join(SUPPORTED_MOTIONS)}."
        )


def plan_motion(
    motion: str, profile: SubjectProfile, config: CohortConfig, rng: np.random.Generator
) -> MotionPlan:
    """Kinematics, activations and labels of one trial of ``motion`` (a supported code)."""
    if motion in CYCLIC_TASKS:
        return plan_cyclic(motion, profile, config, rng)
    return plan_discrete(motion, profile, config, rng)
