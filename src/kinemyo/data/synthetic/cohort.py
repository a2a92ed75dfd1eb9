"""Assemble simulated trials into Recordings and a cohort of subjects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kinemyo import units
from kinemyo.data.recording import Labels, Recording, RecordingMeta, SignalBlock
from kinemyo.data.siat_llmd import schema
from kinemyo.data.synthetic.config import CohortConfig
from kinemyo.data.synthetic.emg import synthesise_emg
from kinemyo.data.synthetic.kinetics import joint_moments
from kinemyo.data.synthetic.motions import check_motion, plan_motion
from kinemyo.data.synthetic.muscles import N_RECORDED
from kinemyo.data.synthetic.plan import sample_times
from kinemyo.data.synthetic.profiles import SubjectProfile, make_profile
from kinemyo.data.synthetic.seeds import recording_rng

DATASET_NAME = "synthetic"


@dataclass(frozen=True)
class Cohort:
    """A generated cohort.

    Attributes:
        recordings: one Recording per subject and motion, subject-major, motions in config order.
        subjects: one SubjectInfo row per subject (a SubjectInformation table).
        profiles: the ground truth of each subject, same order as ``subjects``.
    """

    recordings: list[Recording]
    subjects: list[schema.SubjectInfo]
    profiles: list[SubjectProfile]


def generate_recording(
    profile: SubjectProfile,
    motion: str,
    config: CohortConfig | None = None,
    rng: np.random.Generator | None = None,
) -> Recording:
    """Simulate one trial of ``motion`` by ``profile``.

    Args:
        profile: the subject (see :func:`make_profile`).
        motion: SIAT-LLMD motion code, one of ``SUPPORTED_MOTIONS``.
        config: length, sampling rate and noise settings (default ``CohortConfig()``).
        rng: random source; by default the trial's own stream of the seed tree, so the result
            equals the same trial inside ``generate_cohort(config)``.

    Returns:
        A Recording with EMG (the 9 left-leg muscles, mV), bilateral angles (deg), bilateral
        moments (N·m) and SIAT-LLMD style labels.

    Raises:
        KinemyoError: ``motion`` is not modelled.
    """
    check_motion(motion)
    config = config or CohortConfig()
    if rng is None:
        rng = recording_rng(config.seed, profile.index, motion)
    plan = plan_motion(motion, profile, config, rng)
    gains = np.array([profile.muscle_gains[m] for m in schema.MUSCLES])
    emg = synthesise_emg(
        plan.activation[0, :, :N_RECORDED], gains, plan.event_times, plan.event_weights, config, rng
    )
    moments = joint_moments(plan.angles, plan.activation, profile, config)
    n_joints = len(schema.JOINTS)
    return Recording(
        time=sample_times(config),
        fs=config.fs,
        meta=RecordingMeta(
            dataset=DATASET_NAME,
            subject=profile.subject,
            task=motion,
            body_mass_kg=profile.mass_kg,
            height_m=profile.height_m,
            speed_m_s=profile.speed_m_s if motion == "WAK" else None,
            extra={
                "emd_s": profile.emd_s,
                "cadence_steps_per_min": profile.cadence_steps_per_min,
                "stride_cv": profile.stride_cv,
                "age": profile.age,
                "sex": profile.sex,
                "seed": config.seed,
            },
        ),
        emg=SignalBlock(emg, schema.MUSCLES, (units.MILLIVOLT,) * N_RECORDED),
        angles=SignalBlock(plan.angles, schema.JOINTS, (units.DEGREE,) * n_joints),
        moments=SignalBlock(moments, schema.JOINTS, (units.NEWTON_METRE,) * n_joints),
        labels=Labels(status=plan.status, group=plan.group),
    )


def generate_cohort(
    config: CohortConfig | None = None, progress: Callable[[int, int], None] | None = None
) -> Cohort:
    """Simulate every motion of ``config.motions`` for each of ``config.subjects`` subjects.

    Args:
        config: what to generate (default ``CohortConfig()``: 6 subjects x 5 motions x 30 s).
        progress: called as ``progress(done, total)`` after each recording.
    """
    config = config or CohortConfig()
    profiles = [make_profile(i, config.seed) for i in range(config.subjects)]
    total = len(profiles) * len(config.motions)
    recordings = []
    for profile in profiles:
        for motion in config.motions:
            recordings.append(generate_recording(profile, motion, config))
            if progress is not None:
                progress(len(recordings), total)
    return Cohort(recordings=recordings, subjects=[p.info for p in profiles], profiles=profiles)
