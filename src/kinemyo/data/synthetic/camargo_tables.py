"""The signals of one Camargo-layout trial, from its simulated gait, at the EMG rate.

- EMG: :func:`.emg.synthesise_emg` of the right leg's 11 recorded muscles, then band-passed
  20-400 Hz (zero phase) as the released files are, in volts.
- ik: the OpenSim coordinates, deg (knee flexion negative) and m: hip, knee and ankle from the
  gait model; hip rotation, subtalar, mtp, pelvis and lumbar angles are simple periodic curves
  of the gait phase; the pelvis translates with the walking speed and heading overground (on the
  treadmill it stays in place), bobs twice and sways once per stride.
- id: the generalized forces, N·m and N: hip, knee and ankle from the gait model; the others are
  periodic curves per kg (lumbar moments, hip rotation, subtalar, mtp) or small random residuals
  (the pelvis), times body mass; NaN where no force plate measures (overground, outside a few
  strides in the middle of each bout).
- gait cycle: HeelStrike and ToeOff, the percent of the cycle since the leg's last heel strike
  and toe-off; 0 while standing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, sosfiltfilt

from kinemyo.data.camargo import layout
from kinemyo.data.synthetic.camargo_conditions import TrialSchedule
from kinemyo.data.synthetic.camargo_gait import (
    HIP_HEIGHT_FRACTION,
    GaitTrial,
    warp_phase,
)
from kinemyo.data.synthetic.config import CohortConfig
from kinemyo.data.synthetic.cyclic import REFERENCE_SPEED_M_S, RIGHT_HEEL_STRIKE_WEIGHT, Bursts
from kinemyo.data.synthetic.emg import synthesise_emg
from kinemyo.data.synthetic.profiles import SubjectProfile
from kinemyo.data.synthetic.shapes import periodic_bump, smooth_random

EMG_BAND_HZ = (20.0, 400.0)
"""Pass band of the released EMG, Hz."""
EMG_BAND_ORDER = 4
"""Butterworth order of the released EMG's band-pass (applied forwards and backwards)."""
VOLTS_PER_MV = 1e-3
SIDES = ("r", "l")
"""OpenSim side suffixes of the right [0] and left [1] leg."""
OPENSIM_AXES = {
    "hip_adduction": (0, 1.0),
    "hip_flexion": (1, 1.0),
    "knee_angle": (2, -1.0),
    "ankle_angle": (3, 1.0),
}
"""OpenSim coordinate -> (axis of the gait model, sign): OpenSim's knee angle is negative in
flexion, and so is its moment."""
RESIDUAL_SPACING_S = 0.2
"""Knot spacing of the random residuals, s."""
PELVIS_BOB_M = 0.02
"""Vertical pelvis excursion (half peak-to-peak) at 1.25 m/s, m; grows with sqrt(speed)."""
PELVIS_SWAY_M = 0.02
"""Lateral pelvis excursion, m."""
TREADMILL_DRIFT_M = 0.03
"""Standard deviation of the slow fore-aft drift on the treadmill, m."""
TREADMILL_DRIFT_SPACING_S = 4.0
"""Knot spacing of that drift, s."""


@dataclass(frozen=True)
class PhaseCurve:
    """A coordinate (or generalized force per kg) as a curve of the gait phase.

    Attributes:
        mean: value while standing on level ground (deg, m, N·m/kg or N/kg).
        bursts: (amplitude, centre phase, width) of the periodic bumps added while walking.
        grade_gain: change per degree of slope (positive uphill).
        noise: standard deviation of a slow random residual.
    """

    mean: float = 0.0
    bursts: Bursts = ()
    grade_gain: float = 0.0
    noise: float = 0.0


# fmt: off
LEG_ANGLES = {
    "hip_rotation": PhaseCurve(-2.0, ((6.0, 0.30, 0.12), (-3.0, 0.80, 0.10))),
    "subtalar_angle": PhaseCurve(0.0, ((6.0, 0.25, 0.10), (-4.0, 0.65, 0.06))),
    "mtp_angle": PhaseCurve(0.0, ((25.0, 0.58, 0.04), (8.0, 0.0, 0.03))),
}
"""Per-leg coordinates not in the gait model, deg, by the leg's phase."""
TRUNK_ANGLES = {
    "pelvis_tilt": PhaseCurve(-6.0, ((1.5, 0.10, 0.08), (1.5, 0.60, 0.08)), grade_gain=-0.4),
    "pelvis_list": PhaseCurve(0.0, ((4.0, 0.15, 0.10), (-4.0, 0.65, 0.10))),
    "pelvis_rotation": PhaseCurve(0.0, ((5.0, 0.0, 0.12), (-5.0, 0.50, 0.12))),
    "lumbar_extension": PhaseCurve(-4.0, ((1.5, 0.15, 0.08), (1.5, 0.65, 0.08)), grade_gain=-0.3),
    "lumbar_bending": PhaseCurve(0.0, ((-3.0, 0.15, 0.10), (3.0, 0.65, 0.10))),
    "lumbar_rotation": PhaseCurve(0.0, ((-4.0, 0.0, 0.12), (4.0, 0.50, 0.12))),
}
"""Pelvis and lumbar rotations, deg, by the right leg's phase (the pelvis also turns with the
heading)."""
LEG_LOADS = {
    "hip_rotation": PhaseCurve(0.0, ((-0.10, 0.12, 0.06), (0.12, 0.45, 0.07))),
    "subtalar_angle": PhaseCurve(0.0, ((0.10, 0.30, 0.10),)),
    "mtp_angle": PhaseCurve(0.0, ((-0.08, 0.50, 0.05),)),
}
"""Per-leg moments not in the gait model, N·m/kg."""
TRUNK_LOADS = {
    "pelvis_tilt": PhaseCurve(noise=0.03),
    "pelvis_list": PhaseCurve(noise=0.03),
    "pelvis_rotation": PhaseCurve(noise=0.02),
    "pelvis_tx": PhaseCurve(noise=0.3),
    "pelvis_ty": PhaseCurve(noise=0.5),
    "pelvis_tz": PhaseCurve(noise=0.3),
    "lumbar_extension": PhaseCurve(0.25, ((0.30, 0.08, 0.07), (0.30, 0.58, 0.07)), 0.02),
    "lumbar_bending": PhaseCurve(0.0, ((0.30, 0.12, 0.08), (-0.30, 0.62, 0.08))),
    "lumbar_rotation": PhaseCurve(0.0, ((0.10, 0.10, 0.10), (-0.10, 0.60, 0.10))),
}
"""Lumbar moments and the pelvis residuals (N·m/kg, N/kg), by the right leg's phase."""
# fmt: on


def _curve(
    curve: PhaseCurve, phase: np.ndarray, schedule: TrialSchedule, rng: np.random.Generator
) -> np.ndarray:
    """(T,) ``curve`` at ``phase`` (T,) along ``schedule``."""
    value = curve.mean + curve.grade_gain * schedule.grade_deg
    for amplitude, centre, width in curve.bursts:
        value = value + schedule.amplitude * amplitude * periodic_bump(phase, centre, width)
    if curve.noise:
        value = value + curve.noise * smooth_random(rng, schedule.time, RESIDUAL_SPACING_S)
    return value


def _leg_phase(gait: GaitTrial, leg: int) -> np.ndarray:
    """(T,) template phase of the right (0) or left (1) leg."""
    return warp_phase(gait.leg_cycles(leg) % 1.0, gait.toe_off)


def _coordinates(
    joints: np.ndarray,
    leg_curves: Mapping[str, PhaseCurve],
    trunk_curves: Mapping[str, PhaseCurve],
    scale: float,
    gait: GaitTrial,
    schedule: TrialSchedule,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """(T,) values by IK coordinate: ``joints`` (2, T, 4) of the gait model for the hip, knee and
    ankle; the curves (times ``scale``) for the rest."""
    columns = {}
    for leg, side in enumerate(SIDES):
        phase = _leg_phase(gait, leg)
        for name, (axis, sign) in OPENSIM_AXES.items():
            columns[f"{name}_{side}"] = sign * joints[leg, :, axis]
        for name, curve in leg_curves.items():
            columns[f"{name}_{side}"] = scale * _curve(curve, phase, schedule, rng)
    phase = _leg_phase(gait, 0)
    for name, curve in trunk_curves.items():
        columns[name] = scale * _curve(curve, phase, schedule, rng)
    return columns


def _pelvis_translation(
    gait: GaitTrial,
    schedule: TrialSchedule,
    profile: SubjectProfile,
    treadmill: bool,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """(T,) pelvis_tx (forward), pelvis_ty (up), pelvis_tz (right), m."""
    dt = 1.0 / schedule.fs
    slope = np.deg2rad(schedule.grade_deg)
    heading = np.deg2rad(schedule.heading_deg)
    ground = np.zeros_like(slope) if treadmill else schedule.speed * np.cos(slope)
    climb = np.zeros_like(slope) if treadmill else schedule.speed * np.sin(slope)
    phase = 2 * np.pi * (gait.cycles % 1.0)
    bob = PELVIS_BOB_M * np.sqrt(schedule.speed / REFERENCE_SPEED_M_S) * -np.cos(2 * phase)
    drift = TREADMILL_DRIFT_M * smooth_random(rng, schedule.time, TREADMILL_DRIFT_SPACING_S)
    return {
        "pelvis_tx": np.cumsum(ground * np.cos(heading)) * dt + (drift if treadmill else 0.0),
        "pelvis_ty": HIP_HEIGHT_FRACTION * profile.height_m + np.cumsum(climb) * dt + bob,
        "pelvis_tz": -np.cumsum(ground * np.sin(heading)) * dt
        + PELVIS_SWAY_M * schedule.amplitude * np.sin(phase),
    }


def ik_columns(
    gait: GaitTrial,
    schedule: TrialSchedule,
    profile: SubjectProfile,
    treadmill: bool,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """(T,) joint coordinates by ``layout.IK_COORDINATES`` name, deg (pelvis_t*: m)."""
    columns = _coordinates(gait.angles, LEG_ANGLES, TRUNK_ANGLES, 1.0, gait, schedule, rng)
    columns["pelvis_rotation"] = columns["pelvis_rotation"] + schedule.heading_deg
    columns |= _pelvis_translation(gait, schedule, profile, treadmill, rng)
    return {name: columns[name] for name in layout.IK_COORDINATES}


def id_columns(
    gait: GaitTrial,
    schedule: TrialSchedule,
    profile: SubjectProfile,
    force_plates: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """(T,) generalized forces by ``layout.ID_COLUMNS`` name, N·m (pelvis_t*: N), NaN where
    ``force_plates`` (T,) is False."""
    columns = _coordinates(
        gait.moments, LEG_LOADS, TRUNK_LOADS, profile.mass_kg, gait, schedule, rng
    )
    return {
        load: np.where(force_plates, columns[name], np.nan)
        for name, load in zip(layout.IK_COORDINATES, layout.ID_COLUMNS, strict=True)
    }


def heel_strikes(gait: GaitTrial, schedule: TrialSchedule, leg: int) -> np.ndarray:
    """Sample indices of the right (0) or left (1) leg's heel strikes: its cycle count passes an
    integer within a bout, or a bout starts on it."""
    cycles = gait.leg_cycles(leg)
    bout = schedule.bout
    same_bout = np.concatenate(([False], bout[1:] == bout[:-1]))
    crossing = np.concatenate(([False], np.floor(cycles[1:]) > np.floor(cycles[:-1])))
    starts = ~same_bout & (cycles % 1.0 == 0.0)
    return np.flatnonzero((bout >= 0) & ((crossing & same_bout) | starts))


def gait_cycle_columns(gait: GaitTrial, schedule: TrialSchedule, leg: int) -> dict[str, np.ndarray]:
    """(T,) HeelStrike and ToeOff of the right (0) or left (1) leg: percent (0-100) of the cycle
    since its last heel strike and toe-off; 0 while standing."""
    cycles = gait.leg_cycles(leg)
    walking = schedule.bout >= 0
    since = {"HeelStrike": cycles, "ToeOff": cycles - gait.toe_off}
    return {name: np.where(walking, 100.0 * (c % 1.0), 0.0) for name, c in since.items()}


def force_plate_mask(
    gait: GaitTrial,
    schedule: TrialSchedule,
    treadmill: bool,
    strides: tuple[int, int],
    rng: np.random.Generator,
) -> np.ndarray:
    """(T,) True where force plates measure: throughout on the (instrumented) treadmill,
    overground ``strides`` (min, max) right strides in the middle of each bout's steady part."""
    if treadmill:
        return np.ones(schedule.bout.size, dtype=bool)
    mask = np.zeros(schedule.bout.size, dtype=bool)
    strikes = heel_strikes(gait, schedule, 0)
    strikes = strikes[schedule.amplitude[strikes] >= 1.0]
    for first, end in schedule.bout_spans():
        inside = strikes[(strikes >= first) & (strikes < end)]
        count = min(int(rng.integers(strides[0], strides[1] + 1)), inside.size - 1)
        if count >= 1:
            start = (inside.size - 1 - count) // 2
            mask[inside[start] : inside[start + count]] = True
    return mask


def emg_volts(
    gait: GaitTrial,
    schedule: TrialSchedule,
    gains_mv: np.ndarray,
    settings: CohortConfig,
    rng: np.random.Generator,
) -> np.ndarray:
    """(T, 11) raw EMG of the right leg's recorded muscles, band-passed 20-400 Hz, V.

    Args:
        gait: the trial's gait (its right-leg activations drive the EMG).
        schedule: the trial's course (heel strikes put motion artefacts on the electrodes).
        gains_mv: (11,) RMS of each channel at full activation, mV.
        settings: the noise knobs of :func:`.emg.synthesise_emg` at the EMG rate.
        rng: random source.
    """
    right, left = (heel_strikes(gait, schedule, leg) / schedule.fs for leg in (0, 1))
    weights = np.concatenate([np.ones(right.size), np.full(left.size, RIGHT_HEEL_STRIKE_WEIGHT)])
    recorded = gait.activation[0, :, : len(layout.EMG_MUSCLES)]
    raw = synthesise_emg(recorded, gains_mv, np.concatenate([right, left]), weights, settings, rng)
    band = butter(EMG_BAND_ORDER, EMG_BAND_HZ, btype="bandpass", fs=schedule.fs, output="sos")
    return VOLTS_PER_MV * sosfiltfilt(band, raw, axis=0)
