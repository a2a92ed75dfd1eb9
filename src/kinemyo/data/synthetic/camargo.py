"""Synthetic cohort in the Camargo et al. (2021) layout, written to disk like the real dataset.

:func:`generate_camargo` writes ``<out>/SubjectInfo`` and, per subject (AB01, AB02, ...), a date
folder (its format alternates between subjects, 10_09_18 or 01_27_2019) holding ``treadmill``,
``levelground`` and ``ramp`` trials with the sensors ``emg``, ``ik``, ``id``, ``gcRight``,
``gcLeft`` and ``conditions``, all through :mod:`kinemyo.data.camargo.writer` (CSV or MATLAB
tables), so the Camargo reader is exercised end to end.

The subjects are :func:`.profiles.make_profile` people (mass, height, cadence, stride variability,
EMD, strength, angle offsets) with their own EMG gains; the trials (:mod:`.camargo_conditions`)
are the dataset's protocol: treadmill belt-speed plateaus, level-ground bouts at three speeds,
ramp ascents and descents at the dataset's inclines. The gait model (:mod:`.camargo_gait`) makes
hip moments that grow with speed and change with the slope, driven largely by delayed, low-passed
activations of the recorded muscles and partly by what the EMG does not see (unrecorded hip
muscles, passive stiffness, segment inertia). :mod:`.camargo_tables` turns a simulated trial
into the dataset's signals. Everything is deterministic per seed; the subject's extras and each
trial draw from their own random stream (:func:`.seeds.camargo_rng`).

Example::

    from kinemyo.data.synthetic import CamargoCohortConfig, generate_camargo
    summary = generate_camargo(Path("camargo"), CamargoCohortConfig(subjects=2))
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kinemyo.data.camargo import layout
from kinemyo.data.camargo.writer import table_frame, trial_path, write_subject_info, write_table
from kinemyo.data.synthetic.camargo_conditions import (
    TrialPlan,
    TrialSchedule,
    build_schedule,
    subject_plans,
)
from kinemyo.data.synthetic.camargo_config import CamargoCohortConfig
from kinemyo.data.synthetic.camargo_gait import simulate_gait
from kinemyo.data.synthetic.camargo_tables import (
    emg_volts,
    force_plate_mask,
    gait_cycle_columns,
    id_columns,
    ik_columns,
)
from kinemyo.data.synthetic.cyclic import REFERENCE_SPEED_M_S
from kinemyo.data.synthetic.profiles import SubjectProfile, make_profile
from kinemyo.data.synthetic.seeds import camargo_rng

DATE_FORMATS = ("%m_%d_%y", "%m_%d_%Y")
"""Date folder formats, alternating from subject to subject (10_09_18, 01_27_2019)."""
FIRST_DATE = datetime.date(2018, 6, 1)
DATE_SPAN_DAYS = 540
"""Recording dates are drawn within this many days from ``FIRST_DATE``."""
EMG_GAIN_MV, EMG_GAIN_LOG_SD = 0.25, 0.35
"""EMG gains (RMS at full activation) are log-normal around this, mV (the log-s.d. of
``make_profile``)."""
SPEED_FACTOR_RANGE = (0.85, 1.15)
"""Limits of a subject's overground pace relative to a typical subject."""
FRAME_DELAY_MS = (1, 4)
"""The 200 Hz tables' clock starts this many ms (drawn per trial) after the EMG's."""
TIME_DECIMALS, VALUE_DECIMALS, EMG_DECIMALS = 6, 5, 9
"""Decimals written: Header (s), kinematics/kinetics/gait cycle/speed, EMG (V: 1 nV)."""

Variables = dict[str, pd.DataFrame | float]
"""The MATLAB variables of one file by name: tables and scalars."""


@dataclass(frozen=True)
class CamargoProfile:
    """One subject of the cohort.

    Attributes:
        profile: the ground truth (mass, height, cadence, EMD, ...).
        subject: id, "AB01", "AB02", ...
        date: name of the date folder.
        emg_gains_mv: (11,) RMS of each ``layout.EMG_MUSCLES`` channel at full activation, mV.
        speed_factor: the subject's overground pace relative to a typical subject.
    """

    profile: SubjectProfile
    subject: str
    date: str
    emg_gains_mv: np.ndarray
    speed_factor: float

    def info_row(self) -> dict[str, object]:
        """The subject's SubjectInfo row: Subject, Age (years), Gender ("M"/"F"), Height (m),
        Weight (kg)."""
        p = self.profile
        return {
            "Subject": self.subject,
            "Age": p.age,
            "Gender": p.sex,
            "Height": p.height_m,
            "Weight": p.mass_kg,
        }


@dataclass(frozen=True)
class CamargoCohortSummary:
    """What :func:`generate_camargo` wrote.

    Attributes:
        root: the dataset root.
        subjects: subject ids.
        trials: number of trials written (all subjects).
        seconds: recorded time over all trials, s.
        files: every file written, SubjectInfo first.
    """

    root: Path
    subjects: tuple[str, ...]
    trials: int
    seconds: float
    files: tuple[Path, ...]


def make_camargo_profile(index: int, seed: int) -> CamargoProfile:
    """Subject ``index`` (0-based) of the cohort with master seed ``seed``."""
    profile = make_profile(index, seed)
    rng = camargo_rng(seed, index, "subject")
    day = FIRST_DATE + datetime.timedelta(days=int(rng.integers(DATE_SPAN_DAYS)))
    gains = EMG_GAIN_MV * np.exp(rng.normal(0.0, EMG_GAIN_LOG_SD, len(layout.EMG_MUSCLES)))
    return CamargoProfile(
        profile=profile,
        subject=f"AB{index + 1:02d}",
        date=day.strftime(DATE_FORMATS[index % len(DATE_FORMATS)]),
        emg_gains_mv=gains,
        speed_factor=float(np.clip(profile.speed_m_s / REFERENCE_SPEED_M_S, *SPEED_FACTOR_RANGE)),
    )


def trial_tables(
    plan: TrialPlan, subject: CamargoProfile, config: CamargoCohortConfig
) -> dict[str, Variables]:
    """Simulate one trial: its files' variables by sensor (emg, ik, id, gcRight, gcLeft,
    conditions). The 1 kHz tables (emg, conditions) start at 0 s, the 200 Hz ones (ik, id, gait
    cycle) a few ms later on the same clock."""
    rng = camargo_rng(config.seed, subject.profile.index, plan.stem)
    schedule = build_schedule(plan, layout.EMG_FS)
    gait = simulate_gait(schedule, plan.lead, subject.profile, config, rng)
    treadmill = plan.mode == "treadmill"
    plates = force_plate_mask(gait, schedule, treadmill, config.force_plate_strides, rng)
    emg = emg_volts(gait, schedule, subject.emg_gains_mv, config.emg_settings(), rng)
    step = round(layout.EMG_FS / layout.KINEMATICS_FS)
    frames = np.arange(int(rng.integers(*FRAME_DELAY_MS, endpoint=True)), emg.shape[0], step)
    time = np.round(schedule.time, TIME_DECIMALS)

    def table(columns: dict[str, np.ndarray], decimals: int, rows: np.ndarray | slice) -> Variables:
        rounded = {name: np.round(values[rows], decimals) for name, values in columns.items()}
        return {"data": table_frame({layout.HEADER: time[rows], **rounded})}

    profile = subject.profile
    return {
        "emg": table(dict(zip(layout.EMG_MUSCLES, emg.T, strict=True)), EMG_DECIMALS, slice(None)),
        "ik": table(ik_columns(gait, schedule, profile, treadmill, rng), VALUE_DECIMALS, frames),
        "id": table(id_columns(gait, schedule, profile, plates, rng), VALUE_DECIMALS, frames),
        "gcRight": table(gait_cycle_columns(gait, schedule, 0), VALUE_DECIMALS, frames),
        "gcLeft": table(gait_cycle_columns(gait, schedule, 1), VALUE_DECIMALS, frames),
        "conditions": _conditions(plan, schedule, time),
    }


def _conditions(plan: TrialPlan, schedule: TrialSchedule, time: np.ndarray) -> Variables:
    """The conditions variables: the belt ``speed`` (treadmill) or activity ``labels`` table at
    1 kHz, ``trialStarts``/``trialEnds`` (first and last walking sample, s) and the plan's
    scalars (``rampIncline``, deg)."""
    if plan.mode == "treadmill":
        name, column = "speed", {layout.SPEED_COLUMN: np.round(schedule.speed, VALUE_DECIMALS)}
    else:
        name, column = "labels", {layout.LABEL_COLUMN: schedule.labels}
    walking = time[schedule.bout >= 0]
    return {
        name: table_frame({layout.HEADER: time, **column}),
        "trialStarts": float(walking[0]),
        "trialEnds": float(walking[-1]),
        **plan.scalars,
    }


def generate_camargo(
    out: Path,
    config: CamargoCohortConfig | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CamargoCohortSummary:
    """Write a synthetic Camargo-layout dataset under ``out``.

    Args:
        out: dataset root (created if needed; files already there are replaced).
        config: what to generate (default ``CamargoCohortConfig()``: 2 subjects, 7 treadmill,
            3 level-ground and 4 ramp trials each).
        progress: called as ``progress(done, total)`` after each trial.

    Returns:
        What was written.
    """
    config = config or CamargoCohortConfig()
    root = Path(out)
    subjects = [make_camargo_profile(i, config.seed) for i in range(config.subjects)]
    plans = [subject_plans(i, s.speed_factor, config) for i, s in enumerate(subjects)]
    total = sum(len(trials) for trials in plans)
    files = [write_subject_info(root, [s.info_row() for s in subjects], config.fmt)]
    done = 0
    for subject, trials in zip(subjects, plans, strict=True):
        for plan in trials:
            for sensor, variables in trial_tables(plan, subject, config).items():
                path = trial_path(root, subject.subject, subject.date, plan.mode, sensor, plan.stem)
                files.append(write_table(path, variables, config.fmt))
            done += 1
            if progress is not None:
                progress(done, total)
    return CamargoCohortSummary(
        root=root,
        subjects=tuple(s.subject for s in subjects),
        trials=total,
        seconds=sum(plan.seconds for trials in plans for plan in trials),
        files=tuple(files),
    )
