"""Trial schedules of the Camargo-layout cohort: what a subject does, moment by moment.

A trial is a sequence of :class:`Segment` s (stand, walk, turn, ramp ascent/descent; on the
treadmill, speed plateaus joined by linear belt-speed transitions). :func:`build_schedule` turns
them into per-sample courses at the EMG rate: walking speed, how fully the subject walks (gait
starts and stops over about a second), the slope under the feet, the heading, walking bouts and
activity labels. :func:`subject_plans` lists the trials of one subject.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from kinemyo.data.camargo import layout
from kinemyo.data.synthetic.shapes import minimum_jerk

if TYPE_CHECKING:
    from kinemyo.data.synthetic.camargo_config import CamargoCohortConfig

GAIT_ONSET_S = 1.0
"""Time over which gait starts from standing (and stops again), s."""
LEVELGROUND_SPEED_M_S = {"slow": 0.8, "normal": 1.2, "fast": 1.55}
"""Level-ground walking speed of each speed class for a typical subject, m/s."""
RAMP_SPEED_M_S = 1.05
"""Ramp walking speed of a typical subject on a shallow ramp, m/s."""
RAMP_SLOWING_PER_DEG = {"rampascent": 0.012, "rampdescent": 0.006}
"""Fraction by which each degree of incline slows ramp ascent and descent."""
TURN_DEG = 180.0
"""Heading change of a turn between two walking bouts, deg."""


@dataclass(frozen=True)
class Segment:
    """One stretch of a trial.

    Attributes:
        label: activity label ("stand", "walk", "turn", "rampascent", "rampdescent").
        seconds: duration, s.
        speed: walking speed at the segment's start, m/s (0: not walking).
        end_speed: speed at its end, reached linearly (a belt-speed transition), m/s; None keeps
            ``speed``.
        grade_deg: slope walked on, deg (positive uphill).
        turn_deg: heading change over the segment (minimum-jerk), deg (positive counter-clockwise
            seen from above).
    """

    label: str
    seconds: float
    speed: float = 0.0
    end_speed: float | None = None
    grade_deg: float = 0.0
    turn_deg: float = 0.0

    @property
    def walking(self) -> bool:
        """Whether the subject walks during the segment."""
        return self.speed > 0.0


@dataclass(frozen=True)
class TrialPlan:
    """One trial of one subject.

    Attributes:
        mode: "treadmill", "levelground" or "ramp".
        stem: file stem, e.g. ``ramp_3_l_01_01``.
        segments: what the subject does, in order.
        lead: leg whose heel strike starts each overground walking bout, "r" or "l".
        scalars: extra conditions variables (``rampIncline`` in deg).
    """

    mode: str
    stem: str
    segments: tuple[Segment, ...]
    lead: str = "r"
    scalars: Mapping[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """Length of the trial, s."""
        return sum(s.seconds for s in self.segments)


@dataclass(frozen=True)
class TrialSchedule:
    """Per-sample course of a trial; T samples, sample k at k / fs s.

    Attributes:
        fs: sampling rate, Hz.
        speed: (T,) walking speed, m/s (on the treadmill: the belt speed).
        amplitude: (T,) how fully the subject walks, 0 (standing) .. 1 (steady gait).
        grade_deg: (T,) slope under the feet, deg (positive uphill), faded with ``amplitude``.
        heading_deg: (T,) walking direction in the lab, deg.
        bout: (T,) index of the walking bout, -1 while not walking.
        labels: (T,) activity labels.
    """

    fs: float
    speed: np.ndarray
    amplitude: np.ndarray
    grade_deg: np.ndarray
    heading_deg: np.ndarray
    bout: np.ndarray
    labels: np.ndarray

    @property
    def time(self) -> np.ndarray:
        """(T,) sample times, s."""
        return np.arange(self.speed.size) / self.fs

    def bout_spans(self) -> list[tuple[int, int]]:
        """(first, end) sample indices of each walking bout, end exclusive."""
        return bout_spans(self.bout)


def bout_spans(bout: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) sample indices, end exclusive, of the runs where ``bout`` (T,) is >= 0."""
    walking = np.concatenate(([False], bout >= 0, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(walking))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def build_schedule(plan: TrialPlan, fs: float) -> TrialSchedule:
    """The per-sample course of ``plan`` at ``fs`` Hz (see :class:`TrialSchedule`)."""
    bounds = np.round(np.cumsum([0.0, *(s.seconds for s in plan.segments)]) * fs).astype(int)
    n = int(bounds[-1])
    index = np.searchsorted(bounds, np.arange(n), side="right") - 1
    progress = (np.arange(n) - bounds[index]) / np.maximum(np.diff(bounds)[index], 1)

    def per_sample(values: list[float]) -> np.ndarray:
        return np.asarray(values, dtype=float)[index]

    start = per_sample([s.speed for s in plan.segments])
    end = per_sample([s.speed if s.end_speed is None else s.end_speed for s in plan.segments])
    turns = np.array([s.turn_deg for s in plan.segments])
    heading = np.concatenate(([0.0], np.cumsum(turns)))[index] + turns[index] * minimum_jerk(
        progress
    )
    walking = per_sample([s.walking for s in plan.segments]) > 0
    bout = np.where(walking, np.cumsum(np.diff(walking, prepend=False) & walking) - 1, -1)
    amplitude = _gait_amplitude(bout, fs)
    return TrialSchedule(
        fs=fs,
        speed=(start + (end - start) * progress) * amplitude,
        amplitude=amplitude,
        grade_deg=per_sample([s.grade_deg for s in plan.segments]) * amplitude,
        heading_deg=heading,
        bout=bout,
        labels=np.array([s.label for s in plan.segments])[index],
    )


def _gait_amplitude(bout: np.ndarray, fs: float) -> np.ndarray:
    """(T,) 0..1: rises over ``GAIT_ONSET_S`` after each bout start and falls before each bout
    end, except at the trial's own start and end (a treadmill trial is walking throughout)."""
    n = bout.size
    ramp = GAIT_ONSET_S * fs
    amplitude = np.zeros(n)
    for first, end in bout_spans(bout):
        k = np.arange(first, end)
        rise = minimum_jerk((k - first) / ramp) if first > 0 else 1.0
        fall = minimum_jerk((end - k) / ramp) if end < n else 1.0
        amplitude[first:end] = rise * fall
    return amplitude


def treadmill_plan(number: int, config: CamargoCohortConfig) -> TrialPlan:
    """Treadmill trial ``number``: the 4 plateaus of ``layout.treadmill_speeds(number)``, each
    ``config.plateau_seconds`` long, joined by ``config.transition_seconds`` linear changes."""
    speeds = layout.treadmill_speeds(number)
    segments = [Segment("walk", config.plateau_seconds, speeds[0])]
    for before, after in itertools.pairwise(speeds):
        segments.append(Segment("walk", config.transition_seconds, before, after))
        segments.append(Segment("walk", config.plateau_seconds, after))
    return TrialPlan("treadmill", layout.treadmill_stem(number), tuple(segments))


def levelground_plan(
    direction: str, speed: str, speed_factor: float, config: CamargoCohortConfig
) -> TrialPlan:
    """Level-ground trial: stand, ``config.levelground_bouts`` walking bouts at the speed class's
    pace (times the subject's ``speed_factor``) with a turn between bouts, stand."""
    pace = LEVELGROUND_SPEED_M_S[speed] * speed_factor
    turn = TURN_DEG if direction == "ccw" else -TURN_DEG
    walks = [Segment("walk", config.bout_seconds, pace)] * config.levelground_bouts
    return TrialPlan(
        "levelground",
        layout.levelground_stem(direction, speed, 1),
        _between_stands(walks, Segment("turn", config.turn_seconds, turn_deg=turn), config),
    )


def ramp_plan(
    number: int, lead: str, speed_factor: float, config: CamargoCohortConfig
) -> TrialPlan:
    """Ramp trial: stand, walk up ramp ``number`` (``layout.RAMP_INCLINES_DEG``), stand and turn
    at the top, walk down, stand. Steeper ramps are walked more slowly."""
    incline = layout.RAMP_INCLINES_DEG[number]
    walks = [
        Segment(
            label,
            config.bout_seconds,
            RAMP_SPEED_M_S * speed_factor * (1.0 - RAMP_SLOWING_PER_DEG[label] * incline),
            grade_deg=sign * incline,
        )
        for label, sign in (("rampascent", 1.0), ("rampdescent", -1.0))
    ]
    return TrialPlan(
        "ramp",
        layout.ramp_stem(number, lead, 1),
        _between_stands(walks, Segment("turn", config.turn_seconds, turn_deg=TURN_DEG), config),
        lead=lead,
        scalars={"rampIncline": incline},
    )


def _between_stands(
    walks: list[Segment], turn: Segment, config: CamargoCohortConfig
) -> tuple[Segment, ...]:
    """stand, walks[0], turn, walks[1], turn, ..., stand."""
    stand = Segment("stand", config.stand_seconds)
    middle = [segment for walk in walks for segment in (turn, walk)][1:]
    return (stand, *middle, stand)


def subject_plans(
    subject_index: int, speed_factor: float, config: CamargoCohortConfig
) -> list[TrialPlan]:
    """Every trial of subject ``subject_index`` (0-based): treadmill, level ground, ramps.

    Level ground is walked counter-clockwise by even subjects and clockwise by odd ones; the
    leading leg on the ramps alternates from ramp to ramp and subject to subject.
    """
    direction = layout.LEVELGROUND_DIRECTIONS[1 - subject_index % 2]
    return [
        *(treadmill_plan(n, config) for n in range(1, config.treadmill_trials + 1)),
        *(levelground_plan(direction, s, speed_factor, config) for s in config.levelground_speeds),
        *(
            ramp_plan(number, "rl"[(subject_index + k) % 2], speed_factor, config)
            for k, number in enumerate(config.ramps)
        ),
    ]
