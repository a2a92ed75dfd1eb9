"""Discrete motions: rest, a movement from a start pose to an end pose, and back, repeated.

One repetition is: rest in the start pose ('R'), the out movement ('A'), a hold in the end pose
('R'; none for most exercises, so out and back form one 'A' block), the back movement ('A').
Joint angles follow a minimum-jerk path between the poses, plus a "via" excursion (e.g. the trunk
lean that flexes the hip while rising from a chair). Activation is the postural tone of the
current pose (blended along the path) plus bursts of the prime movers during the movements; the
back movement mirrors the out bursts in time at ``back_effort`` times their size. Each repetition
draws its own durations, effort and movement amplitude. A few samples at each A/R change are left
unlabelled (""), as in the SIAT-LLMD label files.

Stand-up (STDUP) and sit-down (SITDN) follow Schenkman et al. (1990) and Roebroeck et al. (1994):
quadriceps, gluteus maximus and hamstrings peak around seat-off, tibialis anterior before it.
SIAT-LLMD does not describe its other exercise codes; they are modelled from the display names in
``schema.MOTIONS`` (e.g. LLF = lift the left leg forward, LUGF = lunge with the left leg forward).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from kinemyo.data.siat_llmd import schema
from kinemyo.data.synthetic.muscles import MUSCLE_SLOTS, REST_ACTIVATION, slot_vector
from kinemyo.data.synthetic.plan import MotionPlan, personalise_angles, sample_times
from kinemyo.data.synthetic.shapes import minimum_jerk, movement_bump, smooth_random

if TYPE_CHECKING:
    from kinemyo.data.synthetic.config import CohortConfig
    from kinemyo.data.synthetic.profiles import SubjectProfile

LegAngles = tuple[float, float, float, float]
Burst = Mapping[str, tuple[float, float]]

REST, OUT, HOLD, BACK = range(4)
"""Kinds of schedule segment."""
AMPLITUDE_CV = 0.05
"""Coefficient of variation of a repetition's movement amplitude."""
TONE_SPACING_S = 1.0
"""Knot spacing of the slow fluctuation of muscle tone, s."""
MOVEMENT_ARTEFACT_WEIGHT = 0.7
"""Size of the artefact at a movement onset or offset (a left heel strike = 1)."""
MAX_BLANK_SAMPLES = 3
"""At most this many samples on each side of an A/R change are unlabelled."""


@dataclass(frozen=True)
class Pose:
    """A posture of both legs.

    Attributes:
        angles: 8 joint angles in ``schema.JOINTS`` order, deg.
        left_tone: activation (0..1) above rest that holding the pose needs, per left-leg muscle.
        right_tone: the same for the right leg.
    """

    angles: tuple[float, ...]
    left_tone: Mapping[str, float] = field(default_factory=dict)
    right_tone: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class DiscreteTask:
    """One discrete motion.

    Attributes:
        start: pose during the rest before each repetition.
        end: pose reached by the out movement; None for a static task (rest only).
        left_burst: prime movers of the left leg during the out movement: muscle -> (peak
            activation above tone, centre 0..1 within the movement).
        right_burst: the same for the right leg.
        via_deg: extra angles (``schema.JOINTS`` order, deg) peaking at ``via_centre`` of the out
            movement (mirrored on the way back).
        via_centre: where in the out movement the via excursion peaks, 0..1 (exclusive).
        back_effort: size of the back movement's bursts relative to the out movement's.
        move_s: range of the duration of one movement (out or back), s.
        rest_s: range of the rest in the start pose, s.
        hold_s: range of the hold in the end pose, s (0: out and back form one active block).
    """

    start: Pose
    end: Pose | None
    left_burst: Burst = field(default_factory=dict)
    right_burst: Burst = field(default_factory=dict)
    via_deg: tuple[float, ...] = (0.0,) * len(schema.JOINTS)
    via_centre: float = 0.5
    back_effort: float = 0.7
    move_s: tuple[float, float] = (0.8, 1.25)
    rest_s: tuple[float, float] = (1.5, 3.0)
    hold_s: tuple[float, float] = (0.0, 0.0)


def mirrored(burst: Burst, effort: float) -> dict[str, tuple[float, float]]:
    """``burst`` reversed in time (centre c -> 1 - c) with peaks times ``effort``."""
    return {m: (peak * effort, 1.0 - centre) for m, (peak, centre) in burst.items()}


STAND: LegAngles = (0.0, 3.0, 4.0, 2.0)
SIT: LegAngles = (-3.0, 80.0, 90.0, 8.0)
STAND_TONE = {
    "soleus": 0.05,
    "medial gastrocnemius": 0.03,
    "lateral gastrocnemius": 0.02,
    "upper tibialis anterior": 0.02,
    "lower tibialis anterior": 0.02,
    "gluteus medius": 0.03,
}
SUPPORT_TONE = {
    "gluteus medius": 0.25,
    "tensor fascia lata": 0.08,
    "soleus": 0.12,
    "vastus medialis": 0.05,
}
"""Tone of a leg that carries the body alone."""
SUPPORT_BURST = {"gluteus medius": (0.15, 0.3), "soleus": (0.08, 0.5)}
CALF_BURST = {
    "soleus": (0.25, 0.4),
    "medial gastrocnemius": (0.2, 0.4),
    "lateral gastrocnemius": (0.15, 0.4),
}
CALF_TONE = {"soleus": 0.3, "medial gastrocnemius": 0.25, "lateral gastrocnemius": 0.2}
STANDING = Pose((*STAND, *STAND), STAND_TONE, STAND_TONE)
SITTING = Pose((*SIT, *SIT))
STAND_UP_BURST = {
    "upper tibialis anterior": (0.35, 0.2),
    "lower tibialis anterior": (0.35, 0.2),
    "rectus femoris": (0.35, 0.4),
    "vastus medialis": (0.5, 0.4),
    "semimembranosus": (0.3, 0.45),
    "gluteus maximus": (0.35, 0.4),
    "tensor fascia lata": (0.2, 0.4),
    "gluteus medius": (0.2, 0.5),
    "soleus": (0.25, 0.65),
    "medial gastrocnemius": (0.15, 0.65),
    "lateral gastrocnemius": (0.12, 0.65),
}
SIT_DOWN_EFFORT = 0.8
"""Sitting down (eccentric) needs this fraction of the activation of standing up."""
TRUNK_LEAN = (0.0, 15.0, 0.0, 6.0) * 2
"""Extra hip flexion and ankle dorsiflexion of both legs when leaning forward to rise, deg."""


def one_leg(
    left: LegAngles,
    tone: Mapping[str, float],
    burst: Burst,
    *,
    right: LegAngles = STAND,
    right_tone: Mapping[str, float] = SUPPORT_TONE,
    right_burst: Burst = SUPPORT_BURST,
) -> DiscreteTask:
    """An exercise of the left leg from quiet standing; by default the right leg supports."""
    return DiscreteTask(
        start=STANDING,
        end=Pose((*left, *right), tone, right_tone),
        left_burst=burst,
        right_burst=right_burst,
    )


def both_legs(angles: LegAngles, tone: Mapping[str, float], burst: Burst) -> DiscreteTask:
    """A symmetric exercise of both legs from quiet standing."""
    return DiscreteTask(
        start=STANDING,
        end=Pose((*angles, *angles), tone, tone),
        left_burst=burst,
        right_burst=burst,
    )


LUNGE_FRONT: LegAngles = (0.0, 75.0, 90.0, 15.0)
LUNGE_BACK: LegAngles = (0.0, -12.0, 80.0, -20.0)
LUNGE_FRONT_TONE = {
    "vastus medialis": 0.35,
    "rectus femoris": 0.15,
    "gluteus maximus": 0.3,
    "semimembranosus": 0.1,
    "soleus": 0.1,
}
LUNGE_BACK_TONE = {
    "vastus medialis": 0.25,
    "rectus femoris": 0.1,
    "soleus": 0.2,
    "gluteus medius": 0.15,
}
LUNGE_FRONT_BURST = {
    "vastus medialis": (0.3, 0.55),
    "gluteus maximus": (0.25, 0.55),
    "rectus femoris": (0.15, 0.55),
    "upper tibialis anterior": (0.25, 0.2),
    "lower tibialis anterior": (0.25, 0.2),
}
LUNGE_BACK_BURST = {"vastus medialis": (0.2, 0.55), "soleus": (0.2, 0.55)}
HIP_FLEXOR_BURST = {
    "iliopsoas": (0.2, 0.35),
    "rectus femoris": (0.25, 0.35),
    "tensor fascia lata": (0.2, 0.35),
}

DISCRETE_TASKS: dict[str, DiscreteTask] = {
    "STDUP": DiscreteTask(
        start=SITTING,
        end=STANDING,
        left_burst=STAND_UP_BURST,
        right_burst=STAND_UP_BURST,
        via_deg=TRUNK_LEAN,
        via_centre=0.3,
        back_effort=SIT_DOWN_EFFORT,
        move_s=(1.5, 2.5),
        hold_s=(1.5, 3.0),
    ),
    "SITDN": DiscreteTask(
        start=STANDING,
        end=SITTING,
        left_burst=mirrored(STAND_UP_BURST, SIT_DOWN_EFFORT),
        right_burst=mirrored(STAND_UP_BURST, SIT_DOWN_EFFORT),
        via_deg=TRUNK_LEAN,
        via_centre=0.7,
        back_effort=1.0 / SIT_DOWN_EFFORT,
        move_s=(1.5, 2.5),
        hold_s=(1.5, 3.0),
    ),
    "STC": DiscreteTask(start=STANDING, end=None),
    "HS": one_leg(
        (0.0, 30.0, 20.0, 0.0),
        {"iliopsoas": 0.15, "rectus femoris": 0.1},
        {**HIP_FLEXOR_BURST, "semimembranosus": (0.2, 0.8), "gluteus maximus": (0.15, 0.8)},
    ),
    "KLCL": both_legs(
        (0.0, 45.0, 65.0, 20.0),
        {"vastus medialis": 0.3, "rectus femoris": 0.15, "gluteus maximus": 0.2, "soleus": 0.1},
        {
            "vastus medialis": (0.2, 0.5),
            "rectus femoris": (0.1, 0.5),
            "gluteus maximus": (0.1, 0.5),
            "upper tibialis anterior": (0.15, 0.3),
            "lower tibialis anterior": (0.15, 0.3),
        },
    ),
    "KLFT": one_leg(
        (3.0, 75.0, 85.0, 5.0),
        {"iliopsoas": 0.2, "rectus femoris": 0.2, "tensor fascia lata": 0.15},
        {**HIP_FLEXOR_BURST, "semimembranosus": (0.1, 0.6)},
    ),
    "LLB": one_leg(
        (0.0, -20.0, 10.0, -5.0),
        {"gluteus maximus": 0.12, "semimembranosus": 0.12},
        {
            "gluteus maximus": (0.2, 0.4),
            "semimembranosus": (0.25, 0.4),
            "lateral gastrocnemius": (0.1, 0.4),
            "medial gastrocnemius": (0.1, 0.4),
        },
    ),
    "LLF": one_leg(
        (0.0, 40.0, 5.0, 0.0),
        {
            "iliopsoas": 0.12,
            "rectus femoris": 0.2,
            "tensor fascia lata": 0.12,
            "vastus medialis": 0.1,
        },
        {
            **HIP_FLEXOR_BURST,
            "vastus medialis": (0.15, 0.35),
            "upper tibialis anterior": (0.2, 0.4),
            "lower tibialis anterior": (0.2, 0.4),
        },
    ),
    "LLS": one_leg(
        (-30.0, 5.0, 5.0, 0.0),
        {"gluteus medius": 0.35, "tensor fascia lata": 0.3},
        {"gluteus medius": (0.3, 0.35), "tensor fascia lata": (0.3, 0.35)},
    ),
    "LUGF": one_leg(
        LUNGE_FRONT,
        LUNGE_FRONT_TONE,
        LUNGE_FRONT_BURST,
        right=LUNGE_BACK,
        right_tone=LUNGE_BACK_TONE,
        right_burst=LUNGE_BACK_BURST,
    ),
    "LUGB": one_leg(
        LUNGE_BACK,
        LUNGE_BACK_TONE,
        LUNGE_BACK_BURST,
        right=LUNGE_FRONT,
        right_tone=LUNGE_FRONT_TONE,
        right_burst=LUNGE_FRONT_BURST,
    ),
    "TO": one_leg(
        (0.0, 5.0, 12.0, -25.0),
        CALF_TONE,
        CALF_BURST,
        right_tone={"soleus": 0.1, "gluteus medius": 0.1},
        right_burst={},
    ),
    "TPTO": both_legs(
        (0.0, 3.0, 4.0, -25.0),
        CALF_TONE,
        {
            **CALF_BURST,
            "upper tibialis anterior": (0.1, 0.8),
            "lower tibialis anterior": (0.1, 0.8),
        },
    ),
}
"""The modelled discrete motions."""


def _schedule(
    task: DiscreteTask, seconds: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start times (s), kinds and repetition indices of the segments covering [0, seconds]."""
    if task.end is None:
        return np.zeros(1), np.full(1, REST), np.zeros(1, dtype=int)
    starts: list[float] = []
    t = -rng.uniform(0.0, 0.5) * task.rest_s[0]
    while t < seconds:
        for low, high in (task.rest_s, task.move_s, task.hold_s, task.move_s):  # REST..BACK
            starts.append(t)
            t += rng.uniform(low, high)
    n = len(starts)
    return np.array(starts), np.arange(n) % 4, np.arange(n) // 4


def _burst_arrays(burst: Burst) -> tuple[np.ndarray, np.ndarray]:
    """Peaks and centres of ``burst`` per muscle slot (centre 0.5 where a muscle has no burst)."""
    peaks = slot_vector({m: peak for m, (peak, _) in burst.items()})
    centres = np.array([burst.get(m, (0.0, 0.5))[1] for m in MUSCLE_SLOTS])
    return peaks, centres


@dataclass(frozen=True)
class Progress:
    """Where each sample of a trial lies in its schedule.

    Attributes:
        u: progress through the current segment, 0..1.
        out: True during an out movement.
        back: True during a back movement.
        path: position between the start pose (0) and the end pose (1), minimum-jerk in time.
        repetition: repetition index.
    """

    u: np.ndarray
    out: np.ndarray
    back: np.ndarray
    path: np.ndarray
    repetition: np.ndarray


def _progress(task: DiscreteTask, time: np.ndarray, rng: np.random.Generator) -> Progress:
    """Draw the schedule of one trial and locate every sample of ``time`` (s) in it."""
    starts, kinds, repetitions = _schedule(task, float(time[-1]), rng)
    segment = np.searchsorted(starts, time, side="right") - 1
    durations = np.diff(np.append(starts, np.inf))
    u = (time - starts[segment]) / durations[segment]
    kind = kinds[segment]
    out, back = kind == OUT, kind == BACK
    path = np.select([out, kind == HOLD, back], [minimum_jerk(u), 1.0, 1.0 - minimum_jerk(u)], 0.0)
    return Progress(u=u, out=out, back=back, path=path, repetition=repetitions[segment])


def _in_movements(progress: Progress, centres: np.ndarray, back_size: float) -> np.ndarray:
    """(T, K) bursts peaking at ``centres`` (K,) of each out movement, mirrored in time and
    scaled by ``back_size`` in each back movement, 0 elsewhere."""
    u = progress.u[:, None]
    return np.where(progress.out[:, None], movement_bump(u, centres), 0.0) + np.where(
        progress.back[:, None], back_size * movement_bump(u, 1.0 - centres), 0.0
    )


def _angles(
    task: DiscreteTask, end: Pose, progress: Progress, rng: np.random.Generator
) -> np.ndarray:
    """(T, 8) template angles, deg; each repetition scales the movement by its own amplitude."""
    amplitude = 1.0 + AMPLITUDE_CV * rng.standard_normal(int(progress.repetition[-1]) + 1)
    start = np.array(task.start.angles)
    reach = (progress.path * amplitude[progress.repetition])[:, None]
    via = _in_movements(progress, np.array([task.via_centre]), 1.0)
    return start + reach * (np.array(end.angles) - start) + via * np.array(task.via_deg)


def _leg_activation(
    start_tone: Mapping[str, float],
    end_tone: Mapping[str, float],
    burst: Burst,
    back_effort: float,
    progress: Progress,
    time: np.ndarray,
    config: CohortConfig,
    rng: np.random.Generator,
) -> np.ndarray:
    """(T, S) activation of one leg: pose tone along the path plus movement bursts, with a
    per-repetition effort and a slow drift of tone."""
    peaks, centres = _burst_arrays(burst)
    effort = np.exp(
        config.activation_variability * rng.standard_normal(progress.repetition[-1] + 1)
    )
    bursts = (
        _in_movements(progress, centres, back_effort) * peaks * effort[progress.repetition, None]
    )
    path = progress.path[:, None]
    tone = (1.0 - path) * slot_vector(start_tone) + path * slot_vector(end_tone)
    drift = np.exp(
        config.activation_variability
        * smooth_random(rng, time, TONE_SPACING_S, (len(MUSCLE_SLOTS),))
    )
    return np.clip(REST_ACTIVATION + (tone + bursts) * drift, 0.0, 1.0)


def _status(active: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """'A'/'R' codes with 1-3 blank samples either side of each change, and the change indices."""
    status = np.where(active, schema.ACTIVE, schema.REST)
    changes = np.flatnonzero(status[1:] != status[:-1]) + 1
    for change in changes:
        blank = int(rng.integers(1, MAX_BLANK_SAMPLES + 1))
        status[max(change - blank, 0) : change + blank] = ""
    return status, changes


def plan_discrete(
    motion: str, profile: SubjectProfile, config: CohortConfig, rng: np.random.Generator
) -> MotionPlan:
    """Simulate one trial of the discrete ``motion`` (e.g. "STDUP", "STC") of ``profile``."""
    task = DISCRETE_TASKS[motion]
    end = task.start if task.end is None else task.end
    time = sample_times(config)
    progress = _progress(task, time, rng)
    angles = _angles(task, end, progress, rng)
    activation = np.stack(
        [
            _leg_activation(
                start_tone, end_tone, burst, task.back_effort, progress, time, config, rng
            )
            for start_tone, end_tone, burst in (
                (task.start.left_tone, end.left_tone, task.left_burst),
                (task.start.right_tone, end.right_tone, task.right_burst),
            )
        ]
    )
    status, changes = _status(progress.out | progress.back, rng)
    return MotionPlan(
        angles=personalise_angles(angles, time, profile, config, rng),
        activation=activation,
        status=status,
        group=progress.repetition,
        event_times=time[changes],
        event_weights=np.full(changes.size, MOVEMENT_ARTEFACT_WEIGHT),
    )
