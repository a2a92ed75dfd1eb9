"""Camargo trials as per-frame model inputs for hip-moment estimation, with each frame's condition.

Each frame of a trial (the ``id`` times, 200 Hz, thinned to the model rate) becomes one step of a
sequence: inputs are the EMG envelopes and joint angles at that frame (C channels x 1 feature),
targets the hip flexion and adduction moments (N·m). The sequence networks see frames in order
and are causal, so a moment at time t is estimated from inputs up to t.

The envelopes are already low-passed (a few Hz) and the angles are smooth, so thinning 200 Hz to
100 Hz by taking every second frame needs no further anti-alias filter; the targets are the
measured moments at the kept frames, never resampled.

Conditions: every frame is labelled with a fine condition (treadmill speed plateau, level-ground
speed class, ramp ascent/descent and incline) and a coarse one (treadmill, level ground, ramp
ascent, ramp descent, other), for per-condition errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kinemyo.data.camargo.layout import treadmill_speeds
from kinemyo.data.camargo.reader import CamargoTrial
from kinemyo.data.windowed import WindowedDataset
from kinemyo.errors import KinemyoError

MOMENTS = {"hip_flexion_r_moment": "hip flexion", "hip_adduction_r_moment": "hip adduction"}
"""The target moment columns of the Camargo ``id`` tables and their joint names in reports."""

STEADY_TOLERANCE_M_S = 0.02
"""A treadmill frame is on a speed plateau when the belt is within this of the plateau, m/s."""

OTHER = "other"


@dataclass(frozen=True, eq=False)
class TrialFrames:
    """The frames of one trial at the model rate.

    Attributes:
        data: X (N, C, 1) inputs, Y (N, 2, 1) hip moments in N·m; trial ids "<subject>/<stem>".
        valid: (N,) True where both target moments were measured (no force-plate gap).
        condition: (N,) fine condition, e.g. "treadmill 1.35 m/s" or "ramp ascent 9.2 deg".
        group: (N,) coarse condition: "treadmill", "level ground", "ramp ascent", ...
        mass_kg: the subject's body mass (for N·m/kg), NaN when unknown.
    """

    data: WindowedDataset
    valid: np.ndarray
    condition: np.ndarray
    group: np.ndarray
    mass_kg: float


def _treadmill_conditions(trial: CamargoTrial) -> tuple[np.ndarray, np.ndarray]:
    speed = trial.belt_speed_m_s
    if speed is None:
        raise KinemyoError(f"Treadmill trial {trial.name.stem} has no belt speed.")
    plateaus = np.asarray(treadmill_speeds(trial.name.number), dtype=np.float64)
    nearest = plateaus[np.argmin(np.abs(speed[:, None] - plateaus[None, :]), axis=1)]
    steady = np.abs(speed - nearest) <= STEADY_TOLERANCE_M_S
    condition = np.where(
        steady, np.char.add("treadmill ", np.char.mod("%.2f m/s", nearest)), "treadmill change"
    )
    return condition, np.full(speed.shape, "treadmill", dtype=object)


def _labelled_conditions(trial: CamargoTrial) -> tuple[np.ndarray, np.ndarray]:
    labels = trial.recording.labels
    status = (
        np.full(trial.recording.n_samples, "walk", dtype=object)
        if labels is None
        else labels.status.astype(object)
    )
    name = trial.name
    if name.mode == "levelground":
        walking = status == "walk"
        group = np.where(walking, "level ground", OTHER)
        condition = np.where(walking, f"level ground {name.speed}", OTHER)
        return condition, group
    if name.mode == "ramp":
        incline = trial.recording.meta.incline_deg
        group = np.full(status.shape, OTHER, dtype=object)
        condition = np.full(status.shape, OTHER, dtype=object)
        for label, text in (("rampascent", "ramp ascent"), ("rampdescent", "ramp descent")):
            here = status == label
            group[here] = text
            condition[here] = f"{text} {incline:.1f} deg" if incline is not None else text
        return condition, group
    return status.copy(), np.full(status.shape, name.mode, dtype=object)


def trial_frames(trial: CamargoTrial, every: int = 2) -> TrialFrames:
    """The frames of ``trial`` (every ``every``-th id frame) as inputs, targets and conditions.

    Raises:
        KinemyoError: the trial lacks EMG, angles or one of the hip moments.
    """
    recording = trial.recording
    if recording.emg is None or recording.angles is None or recording.moments is None:
        raise KinemyoError(f"{recording.meta.name}: needs EMG, joint angles and hip moments.")
    missing = [m for m in MOMENTS if m not in recording.moments.names]
    if missing:
        raise KinemyoError(f"{recording.meta.name}: no {missing} in its moments.")
    if recording.moment_unit != "N·m":
        recording = recording.with_moment_unit("N·m")
    moments = recording.moments.select(list(MOMENTS))
    if trial.name.mode == "treadmill":
        condition, group = _treadmill_conditions(trial)
    else:
        condition, group = _labelled_conditions(trial)
    keep = np.arange(0, recording.n_samples, max(1, int(every)))
    X = np.concatenate([recording.emg.values, recording.angles.values], axis=1)[keep]
    valid = np.ones(recording.n_samples, bool) if moments.valid is None else moments.valid.all(1)
    segment = (
        np.zeros(recording.n_samples, np.int32)
        if recording.labels is None
        else recording.labels.group
    )
    n = keep.size
    data = WindowedDataset(
        X=X[:, :, None],
        Y=np.where(valid[:, None], moments.values, 0.0)[keep][:, :, None],
        channels=(*recording.emg.names, *recording.angles.names),
        features=("value",),
        joints=tuple(MOMENTS.values()),
        quantities=("moment",),
        units=("N·m",),
        subject=np.full(n, recording.meta.subject),
        task=np.full(n, trial.name.mode),
        trial=np.full(n, f"{recording.meta.subject}/{trial.name.stem}"),
        segment=segment[keep],
        time=recording.time[keep],
    )
    mass = recording.meta.body_mass_kg
    return TrialFrames(
        data=data,
        valid=valid[keep],
        condition=np.asarray(condition, dtype=object)[keep],
        group=np.asarray(group, dtype=object)[keep],
        mass_kg=float("nan") if mass is None else float(mass),
    )
