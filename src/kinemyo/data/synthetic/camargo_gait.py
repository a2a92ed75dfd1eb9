"""Gait of the Camargo-layout cohort: both legs' angles, muscle activations and joint moments.

The model of :mod:`.cyclic` and :mod:`.kinetics`, driven by a walking speed, slope and gait
amplitude that change within a trial (:class:`~.camargo_conditions.TrialSchedule`):

1. **Cycle count** of the right leg (integer at right heel strikes; the left leg runs half a cycle
   later). Its rate is the stride frequency of the current speed: stride length
   ``2.3 h (v² / (g h))^0.3`` with h the hip height, 0.53 x body height (Alexander, 1984), times
   the subject's cadence factor, with slow random stride-to-stride variation of the subject's
   coefficient of variation. It stops while standing; each overground bout starts with a heel
   strike of the leading leg. The phase is warped so that stance ends at a toe-off that comes
   earlier the faster the walk (0.60 of the cycle at 1.25 m/s).
2. **Angles** (deg, flexion positive): the level-walking template of :mod:`.cyclic` with
   excursions growing with speed, plus per-degree slope changes (uphill: more hip and knee flexion
   around heel strike, more dorsiflexion; downhill: more knee flexion through stance), blended
   with a standing posture by the gait amplitude.
3. **Activations** of the 11 recorded muscles and 3 unrecorded hip muscles (gluteus maximus,
   iliopsoas, tensor fasciae latae): level bursts growing as (speed / 1.25 m/s)^0.7 (the hip
   abductors only ^0.3), plus per-degree uphill and downhill bursts (uphill: gluteus maximus,
   hamstrings and vasti early in stance; downhill: vasti, rectus femoris and iliopsoas through
   stance, a smaller gluteus maximus burst), with the stride effort fluctuation of :mod:`.cyclic`.
4. **Moments** (N·m, :func:`.kinetics.leg_moments`): activation delayed by the subject's EMD and
   low-passed, through per-muscle moments per kg, times body mass, plus passive stiffness and
   segment inertia, plus a small smooth residual (ground-reaction and model error).

What the recorded EMG cannot tell: the unrecorded muscles (which besides their phase pattern
fluctuate on their own, ``hidden_variability``), the passive and inertial parts (the angles tell
those) and the residual.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from scipy.interpolate import CubicSpline

from kinemyo.data.camargo import layout
from kinemyo.data.siat_llmd import schema
from kinemyo.data.synthetic.cyclic import (
    ANGLE_EFFORT_SHARE,
    ANGLE_SPEED_SHARE,
    CYCLIC_TASKS,
    REFERENCE_SPEED_M_S,
    Bursts,
    KeyPoints,
    bursts_activation,
    periodic_spline,
    stride_effort,
    template_angles,
)
from kinemyo.data.synthetic.kinetics import delayed_lowpass, leg_moments
from kinemyo.data.synthetic.muscles import REST_ACTIVATION, slot_vector
from kinemyo.data.synthetic.plan import personalise_angles
from kinemyo.data.synthetic.shapes import smooth_random

if TYPE_CHECKING:
    from kinemyo.data.synthetic.camargo_conditions import TrialSchedule
    from kinemyo.data.synthetic.camargo_config import CamargoCohortConfig
    from kinemyo.data.synthetic.profiles import SubjectProfile

HIDDEN_MUSCLES = ("gluteusmaximus", "iliopsoas", "tensorfascialatae")
"""Hip muscles that move the joints but have no EMG channel."""
SLOTS = (*layout.EMG_MUSCLES, *HIDDEN_MUSCLES)
"""All simulated muscles of one leg, the recorded ones first in ``layout.EMG_MUSCLES`` order."""
LEVEL_TASK = CYCLIC_TASKS["WAK"]
"""The level-walking templates (angles, toe-off, speed exponent) this model starts from."""
HIP_HEIGHT_FRACTION = 0.53
"""Hip height as a fraction of body height (Winter, 2009)."""
STRIDE_LENGTH_GAIN, STRIDE_LENGTH_EXPONENT = 2.3, 0.3
"""Alexander's (1984) stride length: ``gain * h * (v² / (g h))^exponent``."""
GRAVITY = 9.81
"""m/s²."""
MEAN_CADENCE = 112.0
"""Population-mean cadence of :func:`.profiles.make_profile`, steps/min: a subject's cadence over
it is their cadence factor."""
MIN_STRIDE_SPEED = 0.3
"""Speed below which the stride frequency no longer falls (gait starting or stopping), m/s."""
STRIDE_SPACING_S = 1.0
"""Knot spacing of the stride-frequency fluctuation, s."""
TOE_OFF_PER_M_S = -0.03
"""Change of the toe-off phase per m/s of speed above 1.25 m/s (stance shortens)."""
TOE_OFF_RANGE = (0.56, 0.66)
"""Limits of the toe-off phase."""
HIDDEN_SPACING_CYCLES = 0.5
"""Knot spacing, in gait cycles, of the unrecorded muscles' own activation fluctuation."""
RESIDUAL_SPACING_S = 0.1
"""Knot spacing of the unmodelled moment residual, s."""

# fmt: off
MOMENT_PER_ACTIVATION: dict[str, dict[str, float]] = {
    "hip adduction": {"gluteusmedius": -2.2, "tensorfascialatae": -0.8, "gluteusmaximus": -0.4,
                      "gracilis": 0.9},
    "hip flexion": {"rectusfemoris": 0.9, "iliopsoas": 2.2, "tensorfascialatae": 0.4,
                    "gracilis": 0.2, "bicepsfemoris": -1.1, "semitendinosus": -1.0,
                    "gluteusmaximus": -2.4},
    "knee flexion": {"rectusfemoris": -0.7, "vastusmedialis": -0.9, "vastuslateralis": -1.1,
                     "bicepsfemoris": 0.6, "semitendinosus": 0.5, "gracilis": 0.1,
                     "gastrocmed": 0.6},
    "ankle flexion": {"tibialisanterior": 0.7, "gastrocmed": -1.0, "soleus": -1.7},
}
"""Joint moment at full activation, N·m per kg, per joint axis (``schema.JOINT_AXES``: adduction,
flexion, knee flexion, dorsiflexion positive) and muscle."""

PASSIVE_STIFFNESS = {
    "hip adduction": (0.2, 0.0),
    "hip flexion": (0.3, 10.0),
    "knee flexion": (0.05, 15.0),
    "ankle flexion": (0.15, -5.0),
}
"""Per axis: (stiffness, N·m/kg/rad; angle of zero passive moment, deg). The hip capsule resists
extension in late stance."""

LEVEL_BURSTS: dict[str, Bursts] = {
    "gastrocmed": ((0.45, 0.40, 0.09),),
    "tibialisanterior": ((0.40, 0.02, 0.05), (0.22, 0.70, 0.08)),
    "soleus": ((0.50, 0.38, 0.11),),
    "vastusmedialis": ((0.28, 0.06, 0.06), (0.08, 0.95, 0.03)),
    "vastuslateralis": ((0.30, 0.06, 0.06), (0.08, 0.95, 0.03)),
    "rectusfemoris": ((0.12, 0.04, 0.04), (0.15, 0.56, 0.05)),
    "bicepsfemoris": ((0.28, 0.93, 0.05), (0.14, 0.05, 0.05)),
    "semitendinosus": ((0.30, 0.91, 0.05), (0.14, 0.04, 0.05)),
    "gracilis": ((0.15, 0.62, 0.06), (0.10, 0.98, 0.04)),
    "gluteusmedius": ((0.30, 0.12, 0.07), (0.24, 0.40, 0.08)),
    "rightexternaloblique": ((0.10, 0.05, 0.08), (0.10, 0.55, 0.08)),
    "gluteusmaximus": ((0.27, 0.03, 0.05), (0.08, 0.96, 0.03)),
    "iliopsoas": ((0.26, 0.45, 0.09),),
    "tensorfascialatae": ((0.15, 0.14, 0.06), (0.18, 0.30, 0.10)),
}
"""Level walking at 1.25 m/s: per muscle, (peak activation, centre phase, width) of its bursts;
phase 0 = the leg's heel strike, toe-off at 0.60 (Perry & Burnfield, 2010)."""

ASCENT_BURSTS_PER_DEG: dict[str, Bursts] = {
    "gluteusmaximus": ((0.022, 0.08, 0.08),),
    "bicepsfemoris": ((0.012, 0.06, 0.07),),
    "semitendinosus": ((0.012, 0.06, 0.07),),
    "vastusmedialis": ((0.020, 0.10, 0.07),),
    "vastuslateralis": ((0.020, 0.10, 0.07),),
    "gluteusmedius": ((0.006, 0.12, 0.07),),
    "iliopsoas": ((-0.008, 0.45, 0.09),),
    "rectusfemoris": ((0.008, 0.70, 0.05),),
    "soleus": ((0.012, 0.42, 0.09),),
    "gastrocmed": ((0.012, 0.42, 0.09),),
}
"""Added per degree of uphill slope (McIntosh et al., 2006; Franz & Kram, 2012): a longer and
larger hip and knee extensor burst in early stance, less hip flexor work in late stance."""

DESCENT_BURSTS_PER_DEG: dict[str, Bursts] = {
    "gluteusmaximus": ((-0.012, 0.03, 0.05),),
    "rectusfemoris": ((0.020, 0.20, 0.10),),
    "vastusmedialis": ((0.030, 0.15, 0.09),),
    "vastuslateralis": ((0.030, 0.15, 0.09),),
    "iliopsoas": ((0.012, 0.30, 0.10),),
    "gluteusmedius": ((0.008, 0.10, 0.06),),
    "tibialisanterior": ((0.015, 0.05, 0.05),),
    "soleus": ((-0.008, 0.38, 0.11),),
}
"""Added per degree of downhill slope: eccentric knee extensors and hip flexors through stance
(a flexion moment at the hip), a smaller early hip extensor burst and push-off."""

ASCENT_ANGLES_PER_DEG: dict[str, KeyPoints] = {
    "hip flexion": ((0, 1.3), (0.3, 0.8), (0.55, 0.3), (0.75, 0.9), (0.9, 1.4), (1, 1.3)),
    "knee flexion": ((0, 1.2), (0.15, 0.9), (0.4, 0.3), (0.6, 0.2), (0.75, 0.4), (0.9, 1.0),
                     (1, 1.2)),
    "ankle flexion": ((0, 0.6), (0.3, 0.8), (0.55, 0.3), (0.7, 0.2), (0.9, 0.5), (1, 0.6)),
}
"""Angle change per degree of uphill slope, deg/deg, by phase (axes not listed: none)."""

DESCENT_ANGLES_PER_DEG: dict[str, KeyPoints] = {
    "hip flexion": ((0, -0.2), (0.3, 0.1), (0.6, 0.5), (0.8, 0.2), (1, -0.2)),
    "knee flexion": ((0, 0.3), (0.15, 1.1), (0.4, 1.5), (0.6, 1.2), (0.75, 0.3), (0.9, 0.0),
                     (1, 0.3)),
    "ankle flexion": ((0, -0.4), (0.1, -0.2), (0.3, 0.5), (0.5, 0.6), (0.65, 0.0), (0.85, -0.3),
                      (1, -0.4)),
}
"""Angle change per degree of downhill slope, deg/deg, by phase."""
# fmt: on

SPEED_EXPONENTS = {"gluteusmedius": 0.3, "tensorfascialatae": 0.3, "rightexternaloblique": 0.3}
"""Muscles whose activation grows more slowly with speed than ``LEVEL_TASK.speed_exponent``: the
abductors mostly carry body weight."""
STAND_TONE = {
    "soleus": 0.05,
    "tibialisanterior": 0.02,
    "gluteusmedius": 0.03,
    "vastuslateralis": 0.02,
    "rightexternaloblique": 0.03,
}
"""Activation above rest that quiet standing needs."""
STAND_ANGLES = (0.0, 4.0, 4.0, 1.0)
"""Standing posture, deg, ``schema.JOINT_AXES`` order."""


@dataclass(frozen=True)
class GaitTrial:
    """One simulated trial's gait, T samples at the schedule's rate.

    Attributes:
        cycles: (T,) right-leg cycle count, integer at right heel strikes, frozen while standing.
        toe_off: (T,) phase of toe-off (0..1).
        angles: (2, T, 4) right [0] and left [1] leg angles, deg, ``schema.JOINT_AXES`` order,
            flexion/adduction/dorsiflexion positive.
        activation: (2, T, len(SLOTS)) activations (0..1), the EMG shows them without delay.
        moments: (2, T, 4) joint moments, N·m, same axes and signs as ``angles``.
    """

    cycles: np.ndarray
    toe_off: np.ndarray
    angles: np.ndarray
    activation: np.ndarray
    moments: np.ndarray

    def leg_cycles(self, leg: int) -> np.ndarray:
        """(T,) cycle count of the right (0) or left (1) leg, integer at its heel strikes."""
        return self.cycles - 0.5 * leg


def stride_frequency(speed: np.ndarray, height_m: float, cadence_factor: float) -> np.ndarray:
    """(T,) strides per second at ``speed`` (T,) m/s for a subject ``height_m`` tall."""
    hip = HIP_HEIGHT_FRACTION * height_m
    speed = np.maximum(speed, MIN_STRIDE_SPEED)
    froude = speed**2 / (GRAVITY * hip)
    return cadence_factor * speed / (STRIDE_LENGTH_GAIN * hip * froude**STRIDE_LENGTH_EXPONENT)


def toe_off_phase(speed: np.ndarray) -> np.ndarray:
    """(T,) phase of toe-off at ``speed`` (T,) m/s."""
    return np.clip(
        LEVEL_TASK.toe_off + TOE_OFF_PER_M_S * (speed - REFERENCE_SPEED_M_S), *TOE_OFF_RANGE
    )


def warp_phase(phase: np.ndarray, toe_off: np.ndarray) -> np.ndarray:
    """Template phase of ``phase``: stance [0, toe_off) maps linearly onto the template's stance,
    swing onto its swing."""
    template = LEVEL_TASK.toe_off
    stance = phase * template / toe_off
    swing = template + (phase - toe_off) * (1.0 - template) / (1.0 - toe_off)
    return np.where(phase < toe_off, stance, swing)


def cycle_count(
    schedule: TrialSchedule, profile: SubjectProfile, lead: str, rng: np.random.Generator
) -> np.ndarray:
    """(T,) right-leg cycle count (see :class:`GaitTrial`). A bout at the trial's start (the
    treadmill) starts at a random phase; later bouts at a heel strike of the ``lead`` leg."""
    cadence_factor = profile.cadence_steps_per_min / MEAN_CADENCE
    fluctuation = profile.stride_cv * smooth_random(rng, schedule.time, STRIDE_SPACING_S)
    rate = stride_frequency(schedule.speed, profile.height_m, cadence_factor) * (1 + fluctuation)
    cycles = np.cumsum(np.where(schedule.bout >= 0, rate, 0.0)) / schedule.fs
    for first, _ in schedule.bout_spans():
        offset = 0.5 if lead == "l" else 0.0
        start = rng.uniform() if first == 0 else np.ceil(cycles[first]) + offset
        cycles[first:] = start + (cycles[first:] - cycles[first])
    return cycles


@cache
def _slope_splines(direction: str) -> tuple[tuple[int, CubicSpline], ...]:
    table = ASCENT_ANGLES_PER_DEG if direction == "ascent" else DESCENT_ANGLES_PER_DEG
    return tuple(
        (schema.JOINT_AXES.index(axis), periodic_spline(keys)) for axis, keys in table.items()
    )


def _slope_angles(direction: str, phase: np.ndarray) -> np.ndarray:
    """(T, 4) angle change per degree of ``direction`` ("ascent", "descent") slope, deg/deg."""
    change = np.zeros((phase.size, len(schema.JOINT_AXES)))
    for axis, spline in _slope_splines(direction):
        change[:, axis] = spline(phase)
    return change


def _slots(levels: Mapping[str, float], default: float = 0.0) -> np.ndarray:
    """(len(SLOTS),) ``levels`` by muscle, ``default`` for the muscles it does not name."""
    return slot_vector(levels, SLOTS) + default * np.array([m not in levels for m in SLOTS])


def _leg(
    cycles: np.ndarray,
    toe_off: np.ndarray,
    schedule: TrialSchedule,
    config: CamargoCohortConfig,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """(T, 4) angles (deg) and (T, S) activations of one leg whose cycle count is ``cycles``."""
    variability = config.activation_variability
    phase = warp_phase(cycles % 1.0, toe_off)
    relative = (np.maximum(schedule.speed, MIN_STRIDE_SPEED) / REFERENCE_SPEED_M_S)[:, None]
    uphill = np.maximum(schedule.grade_deg, 0.0)[:, None]
    downhill = np.maximum(-schedule.grade_deg, 0.0)[:, None]
    effort, modulation = stride_effort(cycles, len(SLOTS), variability, rng)
    hidden = config.hidden_variability * smooth_random(
        rng, cycles, HIDDEN_SPACING_CYCLES, (len(HIDDEN_MUSCLES),)
    )
    modulation[:, -len(HIDDEN_MUSCLES) :] *= np.exp(hidden)
    exponents = _slots(SPEED_EXPONENTS, LEVEL_TASK.speed_exponent)
    walking_activation = modulation * (
        bursts_activation(LEVEL_BURSTS, SLOTS, phase) * relative**exponents
        + uphill * bursts_activation(ASCENT_BURSTS_PER_DEG, SLOTS, phase)
        + downhill * bursts_activation(DESCENT_BURSTS_PER_DEG, SLOTS, phase)
    )
    excursion = relative ** (ANGLE_SPEED_SHARE * LEVEL_TASK.speed_exponent) * np.exp(
        ANGLE_EFFORT_SHARE * variability * effort[:, None]
    )
    walking_angles = (
        template_angles("WAK", phase) * excursion
        + uphill * _slope_angles("ascent", phase)
        + downhill * _slope_angles("descent", phase)
    )
    amount = schedule.amplitude[:, None]
    activation = REST_ACTIVATION + amount * walking_activation + (1 - amount) * _slots(STAND_TONE)
    angles = amount * walking_angles + (1 - amount) * np.array(STAND_ANGLES)
    return angles, np.clip(activation, 0.0, 1.0)


def simulate_gait(
    schedule: TrialSchedule,
    lead: str,
    profile: SubjectProfile,
    config: CamargoCohortConfig,
    rng: np.random.Generator,
) -> GaitTrial:
    """Simulate both legs of ``profile`` through ``schedule`` (``lead``: leg that starts each
    overground bout, "r" or "l")."""
    cycles = cycle_count(schedule, profile, lead, rng)
    toe_off = toe_off_phase(schedule.speed)
    legs = [_leg(cycles - 0.5 * leg, toe_off, schedule, config, rng) for leg in (0, 1)]
    axes = len(schema.JOINT_AXES)
    # personalise_angles takes schema.JOINTS order: left leg first
    personal = personalise_angles(
        np.concatenate([legs[1][0], legs[0][0]], axis=1), schedule.time, profile, config, rng
    )
    angles = np.stack([personal[:, axes:], personal[:, :axes]])
    activation = np.stack([leg[1] for leg in legs])
    force = delayed_lowpass(activation, profile.emd_s, schedule.fs, config.force_cutoff_hz)
    matrix = np.stack([_slots(MOMENT_PER_ACTIVATION[a]) for a in schema.JOINT_AXES], axis=1)
    moments = np.stack(
        [
            leg_moments(angles[leg], force[leg], matrix, profile, schedule.fs, PASSIVE_STIFFNESS)
            for leg in (0, 1)
        ]
    )
    residual = smooth_random(rng, schedule.time, RESIDUAL_SPACING_S, (2, axes))
    moments += profile.mass_kg * config.residual_moment * np.moveaxis(residual, 0, 1)
    return GaitTrial(cycles, toe_off, angles, activation, moments)
