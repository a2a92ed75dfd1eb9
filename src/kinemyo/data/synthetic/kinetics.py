"""Joint moments from delayed muscle force, passive tissue stiffness and segment inertia.

For each joint axis of each leg, in N·m (positive in the direction of a positive angle)::

    M(t) = mass * (strength * sum_m K[m] * F_m(t) - k * (theta(t) - theta_rest)) + I * theta''(t)
    F_m(t) = lowpass(a_m(t - EMD))

``a_m`` is the activation of muscle m of that leg (the EMG shows it without delay), ``K[m]`` its
moment per unit activation and kg (:data:`muscles.MOMENT_PER_ACTIVATION`), ``k`` a linear passive
stiffness per kg, and ``I`` the moment of inertia of the segment distal to the joint about its own
centre of mass (Winter's anthropometric tables, scaling with mass x height²). The low-pass is
zero-phase, so the whole lag from EMG to moment is the subject's electromechanical delay: real
activation dynamics are causal and add lag of their own, which here is part of the EMD, so that
``emd_s`` is exactly the EMG-to-moment lead a model can learn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from scipy.signal import butter, sosfiltfilt

from kinemyo.data.siat_llmd import schema
from kinemyo.data.synthetic.muscles import moment_matrix

if TYPE_CHECKING:
    from kinemyo.data.synthetic.config import CohortConfig
    from kinemyo.data.synthetic.profiles import SubjectProfile

PASSIVE_STIFFNESS: dict[str, tuple[float, float]] = {
    "hip adduction": (0.2, 0.0),
    "hip flexion": (0.08, 15.0),
    "knee flexion": (0.05, 15.0),
    "ankle flexion": (0.15, -5.0),
}
"""Per joint axis: (stiffness in N·m/kg/rad, angle of zero passive moment in deg)."""

DISTAL_SEGMENT: dict[str, tuple[float, float, float]] = {
    "hip adduction": (0.100, 0.245, 0.323),
    "hip flexion": (0.100, 0.245, 0.323),
    "knee flexion": (0.0465, 0.246, 0.302),
    "ankle flexion": (0.0145, 0.152, 0.475),
}
"""Per joint axis, the segment it moves (thigh, shank, foot): (mass / body mass, length / body
height, radius of gyration about the centre of mass / length), Winter (2009), table 4.1."""

FORCE_FILTER_ORDER = 2
"""Butterworth order of the activation-to-force low-pass (applied forwards and backwards)."""


def segment_inertia(mass_kg: float, height_m: float) -> np.ndarray:
    """(4,) moment of inertia of each axis' distal segment about its centre of mass, kg·m²."""
    return np.array(
        [
            mass_fraction * mass_kg * (gyration * length * height_m) ** 2
            for mass_fraction, length, gyration in (DISTAL_SEGMENT[a] for a in schema.JOINT_AXES)
        ]
    )


def delayed_lowpass(
    activation: np.ndarray, emd_s: float, fs: float, cutoff_hz: float
) -> np.ndarray:
    """Normalised muscle force (0..1 scale): activation delayed by ``emd_s`` and low-passed.

    Args:
        activation: (..., T, S) activation along time axis -2, sampled at ``fs`` Hz.
        emd_s: electromechanical delay, s.
        fs: sampling rate, Hz.
        cutoff_hz: cut-off of the zero-phase Butterworth low-pass, Hz.
    """
    shift = round(emd_s * fs)
    first = np.repeat(activation[..., :1, :], shift, axis=-2)
    delayed = np.concatenate([first, activation[..., : activation.shape[-2] - shift, :]], axis=-2)
    low_pass = butter(FORCE_FILTER_ORDER, cutoff_hz, btype="lowpass", fs=fs, output="sos")
    return sosfiltfilt(low_pass, delayed, axis=-2)


def muscle_force(activation: np.ndarray, emd_s: float, config: CohortConfig) -> np.ndarray:
    """:func:`delayed_lowpass` at ``config.fs`` with ``config.force_cutoff_hz``.

    Args:
        activation: (..., T, S) activation along time axis -2.
        emd_s: electromechanical delay, s.
        config: supplies ``fs`` and ``force_cutoff_hz``.
    """
    return delayed_lowpass(activation, emd_s, config.fs, config.force_cutoff_hz)


def leg_moments(
    angles_deg: np.ndarray,
    force: np.ndarray,
    matrix: np.ndarray,
    profile: SubjectProfile,
    fs: float,
    stiffness: Mapping[str, tuple[float, float]] = PASSIVE_STIFFNESS,
) -> np.ndarray:
    """(T, 4) moments of one leg's ``schema.JOINT_AXES``, N·m (the module formula).

    Args:
        angles_deg: (T, 4) joint angles of the leg, deg, ``schema.JOINT_AXES`` order.
        force: (T, S) muscle force of the leg's S muscles (see :func:`delayed_lowpass`).
        matrix: (S, 4) moment per unit force, N·m/kg.
        profile: the subject (mass, height, strength).
        fs: sampling rate, Hz.
        stiffness: per axis, (passive stiffness in N·m/kg/rad, angle of zero passive moment in
            deg).
    """
    k = np.array([stiffness[a][0] for a in schema.JOINT_AXES])
    rest = np.deg2rad([stiffness[a][1] for a in schema.JOINT_AXES])
    theta = np.deg2rad(angles_deg)
    passive = -k * (theta - rest)
    dt = 1.0 / fs
    acceleration = np.gradient(np.gradient(theta, dt, axis=0), dt, axis=0)
    inertia = segment_inertia(profile.mass_kg, profile.height_m)
    return profile.mass_kg * (profile.strength * force @ matrix + passive) + inertia * acceleration


def joint_moments(
    angles_deg: np.ndarray, activation: np.ndarray, profile: SubjectProfile, config: CohortConfig
) -> np.ndarray:
    """(T, 8) joint moments in ``schema.JOINTS`` order, N·m.

    Args:
        angles_deg: (T, 8) joint angles, deg.
        activation: (2, T, S) activation of the left and right leg's muscles.
        profile: the subject (mass, height, strength, EMD).
        config: sampling rate and force low-pass.
    """
    force = muscle_force(activation, profile.emd_s, config)
    axes = len(schema.JOINT_AXES)
    return np.concatenate(
        [
            leg_moments(
                angles_deg[:, i * axes : (i + 1) * axes], leg, moment_matrix(), profile, config.fs
            )
            for i, leg in enumerate(force)
        ],
        axis=1,
    )
