"""What a motion model hands on to the EMG and kinetics models: kinematics, activations, labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from kinemyo.data.siat_llmd import schema
from kinemyo.data.synthetic.shapes import smooth_random

if TYPE_CHECKING:
    from kinemyo.data.synthetic.camargo_config import CamargoCohortConfig
    from kinemyo.data.synthetic.config import CohortConfig
    from kinemyo.data.synthetic.profiles import SubjectProfile

SWAY_SPACING_S = 0.4
"""Knot spacing of the postural sway on the angles, s (its energy stays below about 1.3 Hz)."""


@dataclass(frozen=True)
class MotionPlan:
    """One simulated trial before EMG and moments are made from it.

    Attributes:
        angles: (T, 8) joint angles in ``schema.JOINTS`` order, deg.
        activation: (2, T, len(MUSCLE_SLOTS)) neural activation (0..1) of the left [0] and right
            [1] leg's muscles; the EMG shows it at once, the moments after the subject's EMD.
        status: (T,) SIAT-LLMD status codes of the left leg ("1".."5", "1".."3", "A", "R", "").
        group: (T,) walking bout or repetition index.
        event_times: (E,) times of motion-artefact events (heel strikes, movement on/offsets), s.
        event_weights: (E,) relative artefact size of each event (1 = a left heel strike).
    """

    angles: np.ndarray
    activation: np.ndarray
    status: np.ndarray
    group: np.ndarray
    event_times: np.ndarray
    event_weights: np.ndarray


def sample_times(config: CohortConfig) -> np.ndarray:
    """(T,) sample times of one trial, s: ``arange(T) / fs``."""
    return np.arange(round(config.seconds * config.fs)) / config.fs


def personalise_angles(
    angles: np.ndarray,
    time: np.ndarray,
    profile: SubjectProfile,
    config: CohortConfig | CamargoCohortConfig,
    rng: np.random.Generator,
) -> np.ndarray:
    """Apply the subject's per-joint scale and offset to template angles and add postural sway.

    Args:
        angles: (T, 8) template angles, deg.
        time: (T,) s.
        profile: the subject.
        config: supplies ``angle_noise_deg``.
        rng: random source.
    """
    scale = np.array([profile.angle_scales[j] for j in schema.JOINTS])
    offset = np.array([profile.angle_offsets_deg[j] for j in schema.JOINTS])
    sway = config.angle_noise_deg * smooth_random(rng, time, SWAY_SPACING_S, (len(schema.JOINTS),))
    return angles * scale + offset + sway
