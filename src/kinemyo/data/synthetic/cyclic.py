"""Cyclic motions (level walking, stair ascent and descent) driven by a continuous gait phase.

Stride durations follow an AR(1) process around the subject's stride time (cadence), with the
subject's coefficient of variation. A monotone cubic through the left heel-strike times gives the
continuous cycle count of the left leg; its fractional part is the phase (0 = left heel strike). The
right leg runs half a cycle later. Joint angles and muscle activations are periodic templates of
the phase, after Perry & Burnfield (Gait Analysis, 2010), Winter (1991) and Riener et al. (2002)
for stairs. Each stride's muscle effort fluctuates (``activation_variability``), and a larger
effort also enlarges that stride's joint excursions slightly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from scipy.interpolate import CubicSpline, PchipInterpolator
from scipy.signal import lfilter

from kinemyo.data.siat_llmd import schema
from kinemyo.data.synthetic.muscles import MUSCLE_SLOTS, REST_ACTIVATION
from kinemyo.data.synthetic.plan import MotionPlan, personalise_angles, sample_times
from kinemyo.data.synthetic.shapes import periodic_bump, smooth_random

if TYPE_CHECKING:
    from kinemyo.data.synthetic.config import CohortConfig
    from kinemyo.data.synthetic.profiles import SubjectProfile

KeyPoints = tuple[tuple[float, float], ...]
Bursts = tuple[tuple[float, float, float], ...]

REFERENCE_SPEED_M_S = 1.25
"""Walking speed at which the level-walking templates apply unscaled, m/s."""
STRIDE_CORRELATION = 0.3
"""Lag-1 autocorrelation of successive stride durations."""
ANGLE_SPEED_SHARE = 0.4
"""Angle excursions scale with the activation's speed factor to this power."""
SHARED_EFFORT_WEIGHT, OWN_EFFORT_WEIGHT = 0.6, 0.8
"""Weights of the stride's common effort and of each muscle's own fluctuation in the log
activation (0.6² + 0.8² = 1, so its standard deviation is ``activation_variability``)."""
ANGLE_EFFORT_SHARE = 0.3
"""Fraction of a stride's log effort fluctuation that also scales its joint excursions."""
RIGHT_HEEL_STRIKE_WEIGHT = 0.4
"""Size of the artefact a right heel strike puts on the left-leg electrodes (left = 1)."""


@dataclass(frozen=True)
class CyclicTask:
    """Templates of one cyclic motion, left leg, phase 0 = left heel strike.

    Attributes:
        angles: per joint axis (``schema.JOINT_AXES``), key points (phase 0..1, deg) of a periodic
            cubic spline; the first point is at 0 and the last at 1 with the same value.
        bursts: per muscle (``MUSCLE_SLOTS``), its bursts as (peak activation 0..1, centre phase,
            width in cycles).
        toe_off: phase of toe-off (end of stance).
        cadence_factor: stride frequency relative to the subject's level-walking cadence.
        speed_exponent: activations scale with (walking speed / 1.25 m/s) to this power.
    """

    angles: Mapping[str, KeyPoints]
    bursts: Mapping[str, Bursts]
    toe_off: float
    cadence_factor: float
    speed_exponent: float


WALK_TA: Bursts = ((0.40, 0.02, 0.05), (0.22, 0.70, 0.08))
UPS_TA: Bursts = ((0.25, 0.0, 0.05), (0.35, 0.72, 0.08))
DNS_TA: Bursts = ((0.35, 0.75, 0.08), (0.15, 0.95, 0.05))

# fmt: off
CYCLIC_TASKS: dict[str, CyclicTask] = {
    "WAK": CyclicTask(
        angles={
            "hip adduction": ((0, 1), (0.15, 7), (0.3, 5), (0.5, 1), (0.62, -5), (0.75, -5),
                              (0.9, -1), (1, 1)),
            "hip flexion": ((0, 28), (0.1, 26), (0.3, 8), (0.5, -10), (0.55, -11), (0.62, -4),
                            (0.72, 12), (0.85, 29), (0.92, 31), (1, 28)),
            "knee flexion": ((0, 3), (0.05, 9), (0.14, 17), (0.25, 11), (0.4, 2), (0.48, 6),
                             (0.55, 20), (0.6, 36), (0.66, 54), (0.72, 62), (0.8, 50),
                             (0.88, 26), (0.95, 6), (1, 3)),
            "ankle flexion": ((0, 0), (0.07, -6), (0.15, 1), (0.3, 6), (0.45, 10), (0.52, 5),
                              (0.62, -16), (0.68, -12), (0.78, -1), (0.9, 2), (1, 0)),
        },
        bursts={
            "tensor fascia lata": ((0.22, 0.12, 0.08), (0.15, 0.55, 0.05)),
            "rectus femoris": ((0.15, 0.05, 0.05), (0.14, 0.57, 0.05)),
            "vastus medialis": ((0.25, 0.04, 0.06), (0.08, 0.95, 0.03)),
            "semimembranosus": ((0.30, 0.93, 0.06), (0.12, 0.05, 0.05)),
            "upper tibialis anterior": WALK_TA,
            "lower tibialis anterior": WALK_TA,
            "lateral gastrocnemius": ((0.38, 0.40, 0.08),),
            "medial gastrocnemius": ((0.45, 0.38, 0.09),),
            "soleus": ((0.50, 0.38, 0.11),),
            "gluteus maximus": ((0.30, 0.02, 0.06),),
            "gluteus medius": ((0.32, 0.10, 0.06), (0.25, 0.38, 0.08)),
            "iliopsoas": ((0.30, 0.60, 0.07),),
        },
        toe_off=0.60,
        cadence_factor=1.0,
        speed_exponent=0.7,
    ),
    "UPS": CyclicTask(
        angles={
            "hip adduction": ((0, 3), (0.15, 7), (0.4, 3), (0.63, -4), (0.8, -3), (1, 3)),
            "hip flexion": ((0, 58), (0.15, 45), (0.35, 20), (0.55, 6), (0.63, 12), (0.75, 50),
                            (0.88, 64), (1, 58)),
            "knee flexion": ((0, 58), (0.1, 48), (0.25, 25), (0.4, 10), (0.52, 8), (0.63, 30),
                             (0.72, 88), (0.8, 85), (0.9, 68), (1, 58)),
            "ankle flexion": ((0, 8), (0.1, 14), (0.35, 8), (0.55, -8), (0.63, -14), (0.72, 5),
                              (0.85, 12), (1, 8)),
        },
        bursts={
            "tensor fascia lata": ((0.30, 0.15, 0.08),),
            "rectus femoris": ((0.45, 0.08, 0.07), (0.20, 0.72, 0.05)),
            "vastus medialis": ((0.60, 0.10, 0.08),),
            "semimembranosus": ((0.25, 0.92, 0.06), (0.20, 0.08, 0.06)),
            "upper tibialis anterior": UPS_TA,
            "lower tibialis anterior": UPS_TA,
            "lateral gastrocnemius": ((0.40, 0.50, 0.07),),
            "medial gastrocnemius": ((0.45, 0.50, 0.07),),
            "soleus": ((0.25, 0.15, 0.07), (0.50, 0.48, 0.08)),
            "gluteus maximus": ((0.45, 0.08, 0.07),),
            "gluteus medius": ((0.35, 0.15, 0.08), (0.20, 0.45, 0.07)),
            "iliopsoas": ((0.35, 0.70, 0.07),),
        },
        toe_off=0.63,
        cadence_factor=0.85,
        speed_exponent=0.0,
    ),
    "DNS": CyclicTask(
        angles={
            "hip adduction": ((0, 2), (0.15, 6), (0.4, 4), (0.62, -3), (0.8, -4), (1, 2)),
            "hip flexion": ((0, 14), (0.15, 10), (0.4, 12), (0.62, 28), (0.75, 38), (0.9, 24),
                            (1, 14)),
            "knee flexion": ((0, 8), (0.08, 16), (0.25, 20), (0.45, 55), (0.62, 85), (0.7, 92),
                             (0.8, 60), (0.92, 15), (1, 8)),
            "ankle flexion": ((0, -18), (0.1, 0), (0.3, 10), (0.5, 20), (0.62, 12), (0.72, -8),
                              (0.85, -16), (1, -18)),
        },
        bursts={
            "tensor fascia lata": ((0.25, 0.18, 0.08),),
            "rectus femoris": ((0.30, 0.05, 0.05), (0.25, 0.45, 0.10)),
            "vastus medialis": ((0.30, 0.05, 0.05), (0.45, 0.42, 0.12)),
            "semimembranosus": ((0.20, 0.88, 0.06),),
            "upper tibialis anterior": DNS_TA,
            "lower tibialis anterior": DNS_TA,
            "lateral gastrocnemius": ((0.45, 0.07, 0.06), (0.20, 0.40, 0.10)),
            "medial gastrocnemius": ((0.50, 0.07, 0.06), (0.20, 0.40, 0.10)),
            "soleus": ((0.50, 0.08, 0.07), (0.30, 0.40, 0.12)),
            "gluteus maximus": ((0.20, 0.05, 0.06),),
            "gluteus medius": ((0.30, 0.15, 0.08), (0.20, 0.45, 0.08)),
            "iliopsoas": ((0.20, 0.72, 0.07),),
        },
        toe_off=0.62,
        cadence_factor=0.92,
        speed_exponent=0.0,
    ),
}
# fmt: on
"""The modelled cyclic motions."""


def periodic_spline(points: KeyPoints) -> CubicSpline:
    """Periodic cubic spline of phase through key points (phase 0..1, value); the first point is
    at 0 and the last at 1 with the same value."""
    return CubicSpline(*np.array(points, dtype=float).T, bc_type="periodic")


@cache
def _angle_splines(motion: str) -> tuple[CubicSpline, ...]:
    task = CYCLIC_TASKS[motion]
    return tuple(periodic_spline(task.angles[axis]) for axis in schema.JOINT_AXES)


def template_angles(motion: str, phase: np.ndarray) -> np.ndarray:
    """(T, 4) template angles of one leg at ``phase`` (0..1), deg, ``schema.JOINT_AXES`` order."""
    return np.stack([spline(phase) for spline in _angle_splines(motion)], axis=1)


def bursts_activation(
    bursts: Mapping[str, Bursts], slots: tuple[str, ...], phase: np.ndarray
) -> np.ndarray:
    """(T, len(slots)) sum of each muscle's bursts (peak, centre, width) at ``phase``; muscles
    without bursts are 0."""
    columns = [
        sum(
            (
                peak * periodic_bump(phase, centre, width)
                for peak, centre, width in bursts.get(m, ())
            ),
            start=np.zeros_like(phase),
        )
        for m in slots
    ]
    return np.stack(columns, axis=1)


def template_activation(motion: str, phase: np.ndarray) -> np.ndarray:
    """(T, len(MUSCLE_SLOTS)) template activations of one leg at ``phase``, without rest level."""
    return bursts_activation(CYCLIC_TASKS[motion].bursts, MUSCLE_SLOTS, phase)


@cache
def period_starts(motion: str) -> np.ndarray:
    """Phases where the status periods of ``motion`` begin (first = heel strike = 0).

    Level walking: HS, MSF, MSE, TO, MWF; stair ascent: HS, TO, MWF; stair descent, whose two
    Status codes the release does not name: HS, TO (Status 1 stance, 2 swing, the split that
    matches the share of Status 1 in the real files). MSF, MSE and MWF are read off the knee
    template (stance flexion peak, stance extension minimum, swing flexion peak).
    """
    task = CYCLIC_TASKS[motion]
    periods = schema.CYCLE_STATUS_COUNT[motion]
    if periods == 2:
        return np.array([0.0, task.toe_off])
    grid = np.linspace(0.0, 1.0, 2001)
    knee = _angle_splines(motion)[schema.JOINT_AXES.index("knee flexion")](grid)
    swing = grid >= task.toe_off
    max_swing_flexion = grid[swing][np.argmax(knee[swing])]
    if periods == 3:
        return np.array([0.0, task.toe_off, max_swing_flexion])
    early = grid <= task.toe_off / 2
    max_stance_flexion = grid[early][np.argmax(knee[early])]
    late = (grid >= max_stance_flexion) & (grid <= task.toe_off)
    max_stance_extension = grid[late][np.argmin(knee[late])]
    return np.array(
        [0.0, max_stance_flexion, max_stance_extension, task.toe_off, max_swing_flexion]
    )


def heel_strike_times(
    stride_s: float, stride_cv: float, seconds: float, rng: np.random.Generator
) -> np.ndarray:
    """Left heel-strike times covering [0, seconds], s; the first lies at or before 0.

    Stride durations are ``stride_s * (1 + stride_cv * z)`` with z a unit-variance AR(1) sequence.
    """
    n = int(np.ceil(seconds / (0.8 * stride_s))) + 3  # enough even if every stride were 20 % short
    rho = STRIDE_CORRELATION
    innovations = rng.standard_normal(n)
    innovations[0] /= np.sqrt(1.0 - rho**2)
    z = lfilter([np.sqrt(1.0 - rho**2)], [1.0, -rho], innovations)
    durations = stride_s * (1.0 + stride_cv * z)
    first = -rng.uniform(0.0, 1.0) * durations[0]
    return first + np.concatenate(([0.0], np.cumsum(durations)))


def stride_effort(
    cycles: np.ndarray, muscles: int, variability: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Stride-to-stride fluctuation of muscle effort along the cycle count ``cycles`` (T,).

    Returns:
        (T,) the stride's common log effort (s.d. about 1) and (T, muscles) the factor on each
        muscle's activation: ``exp(variability * (0.6 common + 0.8 own))``.
    """
    effort = smooth_random(rng, cycles, 1.0)
    own = smooth_random(rng, cycles, 1.0, (muscles,))
    modulation = np.exp(
        variability * (SHARED_EFFORT_WEIGHT * effort[:, None] + OWN_EFFORT_WEIGHT * own)
    )
    return effort, modulation


def _leg(
    motion: str, cycles: np.ndarray, vigour: float, variability: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(T, 4) angles (deg) and (T, S) activations of one leg whose cycle count is ``cycles``."""
    phase = cycles % 1.0
    effort, modulation = stride_effort(cycles, len(MUSCLE_SLOTS), variability, rng)
    activation = REST_ACTIVATION + vigour * template_activation(motion, phase) * modulation
    excursion = vigour**ANGLE_SPEED_SHARE * np.exp(ANGLE_EFFORT_SHARE * variability * effort)
    return template_angles(motion, phase) * excursion[:, None], np.clip(activation, 0.0, 1.0)


def plan_cyclic(
    motion: str, profile: SubjectProfile, config: CohortConfig, rng: np.random.Generator
) -> MotionPlan:
    """Simulate one trial of the cyclic ``motion`` ("WAK", "UPS" or "DNS") of ``profile``."""
    task = CYCLIC_TASKS[motion]
    time = sample_times(config)
    stride_s = 120.0 / (profile.cadence_steps_per_min * task.cadence_factor)
    strikes = heel_strike_times(stride_s, profile.stride_cv, config.seconds, rng)
    cycles = PchipInterpolator(strikes, np.arange(strikes.size, dtype=float))(time)
    vigour = (profile.speed_m_s / REFERENCE_SPEED_M_S) ** task.speed_exponent
    left_angles, left_activation = _leg(motion, cycles, vigour, config.activation_variability, rng)
    right_angles, right_activation = _leg(
        motion, cycles + 0.5, vigour, config.activation_variability, rng
    )
    angles = personalise_angles(
        np.concatenate([left_angles, right_angles], axis=1), time, profile, config, rng
    )

    codes = np.array(schema.status_codes(motion))
    status = codes[np.searchsorted(period_starts(motion), cycles % 1.0, side="right") - 1]
    bout_marks = config.walking_bout_s * np.arange(
        1, np.ceil(config.seconds / config.walking_bout_s)
    )
    bout_starts = strikes[np.searchsorted(strikes, bout_marks)]
    group = np.searchsorted(bout_starts, time, side="right")

    left_strikes = strikes[(strikes >= 0.0) & (strikes <= time[-1])]
    half_cycles = np.arange(np.ceil(cycles[0] - 0.5), np.floor(cycles[-1] - 0.5) + 1) + 0.5
    right_strikes = np.interp(half_cycles, cycles, time)
    return MotionPlan(
        angles=angles,
        activation=np.stack([left_activation, right_activation]),
        status=status,
        group=group,
        event_times=np.concatenate([left_strikes, right_strikes]),
        event_weights=np.concatenate(
            [np.ones(left_strikes.size), np.full(right_strikes.size, RIGHT_HEEL_STRIKE_WEIGHT)]
        ),
    )
