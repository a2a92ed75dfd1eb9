"""The knobs of the synthetic Camargo-layout cohort: size, protocol, physiology and noise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from kinemyo.data.camargo import layout
from kinemyo.data.camargo.writer import TableFormat
from kinemyo.data.synthetic.camargo_conditions import GAIT_ONSET_S
from kinemyo.data.synthetic.config import CohortConfig
from kinemyo.errors import KinemyoError

MAX_SUBJECTS = 99
MAX_TREADMILL_TRIALS = 8
MIN_PLATEAU_S = 2.0
MIN_BOUT_S = 2 * GAIT_ONSET_S + 2.0
"""A bout needs a steady part between gait start and stop, s."""
NON_NEGATIVE = (
    "activation_variability",
    "hidden_variability",
    "residual_moment",
    "angle_noise_deg",
    "emg_noise_mv",
    "hum_mv",
    "artefact_mv",
)
"""Knobs that may be 0 (switching that component off)."""


@dataclass(frozen=True)
class CamargoCohortConfig:
    """What to generate. Durations in s.

    Attributes:
        subjects: number of subjects (AB01, AB02, ...), at most 99.
        seed: master seed (see :func:`.seeds.camargo_rng`).
        fmt: "csv" or "mat" (MATLAB tables through mat-io).
        treadmill_trials: treadmill trials 01..n (0-8); trial n's 4 plateaus are
            ``layout.treadmill_speeds(n)``.
        plateau_seconds: length of each belt-speed plateau (the real ones are about 32 s).
        transition_seconds: length of the linear belt-speed change between plateaus.
        levelground_speeds: level-ground speed classes to record ("slow", "normal", "fast").
        levelground_bouts: walking bouts per level-ground trial (turns between them).
        ramps: ramp numbers to record (keys of ``layout.RAMP_INCLINES_DEG``); each trial walks up
            and down once.
        bout_seconds: length of each overground walking bout, gait start and stop included.
        stand_seconds: quiet standing at the start and end of an overground trial.
        turn_seconds: standing turn between two bouts.
        force_plate_strides: (min, max) right strides per overground bout with valid ``id``.
        activation_variability: log-s.d. of the stride-to-stride muscle effort fluctuation.
        hidden_variability: log-s.d. of the unrecorded hip muscles' own activation fluctuation
            (on top of the shared one): moment the EMG cannot predict.
        residual_moment: s.d. of the smooth unmodelled moment on every joint, N·m/kg.
        force_cutoff_hz: low-pass from delayed activation to muscle force, Hz.
        angle_noise_deg: s.d. of the slow sway on every joint angle, deg.
        emg_noise_mv: s.d. of the white sensor noise on each EMG channel, mV.
        hum_mv: typical power-line hum amplitude on an EMG channel, mV.
        mains_hz: power-line frequency, Hz.
        artefact_mv: typical heel-strike motion artefact on an EMG channel before band-pass, mV.
    """

    subjects: int = 2
    seed: int = 0
    fmt: TableFormat = "csv"
    treadmill_trials: int = 7
    plateau_seconds: float = 15.0
    transition_seconds: float = 2.0
    levelground_speeds: tuple[str, ...] = layout.LEVELGROUND_SPEEDS
    levelground_bouts: int = 2
    ramps: tuple[int, ...] = (1, 3, 5, 6)
    bout_seconds: float = 8.0
    stand_seconds: float = 2.0
    turn_seconds: float = 2.5
    force_plate_strides: tuple[int, int] = (2, 4)
    activation_variability: float = 0.15
    hidden_variability: float = 0.2
    residual_moment: float = 0.06
    force_cutoff_hz: float = 6.0
    angle_noise_deg: float = 0.5
    emg_noise_mv: float = 0.003
    hum_mv: float = 0.002
    mains_hz: float = 60.0
    artefact_mv: float = 0.05

    def __post_init__(self) -> None:
        for name in ("levelground_speeds", "ramps", "force_plate_strides"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        self._check_counts()
        self._check_choices()
        self._check_amounts()

    def _fail(self, name: str, requirement: str) -> NoReturn:
        raise KinemyoError(
            f"CamargoCohortConfig.{name} must be {requirement}, got {getattr(self, name)!r}."
        )

    def _check_counts(self) -> None:
        limits = {
            "subjects": (1, MAX_SUBJECTS),
            "seed": (0, None),
            "treadmill_trials": (0, MAX_TREADMILL_TRIALS),
            "levelground_bouts": (1, None),
        }
        for name, (low, high) in limits.items():
            value = getattr(self, name)
            if not _is_int(value) or value < low or (high is not None and value > high):
                self._fail(name, f"an integer from {low}" + (f" to {high}" if high else " up"))
        strides = self.force_plate_strides
        if not (len(strides) == 2 and all(map(_is_int, strides)) and 1 <= strides[0] <= strides[1]):
            self._fail("force_plate_strides", "(min, max) integers with 1 <= min <= max")

    def _check_choices(self) -> None:
        if self.fmt not in ("csv", "mat"):
            self._fail("fmt", "'csv' or 'mat'")
        choices = {
            "levelground_speeds": layout.LEVELGROUND_SPEEDS,
            "ramps": tuple(layout.RAMP_INCLINES_DEG),
        }
        for name, allowed in choices.items():
            values = getattr(self, name)
            if any(v not in allowed for v in values) or len(set(values)) < len(values):
                self._fail(name, f"distinct values among {list(allowed)}")
        if not (self.treadmill_trials or self.levelground_speeds or self.ramps):
            self._fail("treadmill_trials", "at least 1 when there are no overground trials")

    def _check_amounts(self) -> None:
        at_least = {
            "plateau_seconds": MIN_PLATEAU_S,
            "bout_seconds": MIN_BOUT_S,
            **dict.fromkeys(NON_NEGATIVE, 0.0),
        }
        for name, low in at_least.items():
            value = getattr(self, name)
            if not (_is_number(value) and value >= low):
                self._fail(name, f"a number >= {low:g}")
        for name in ("transition_seconds", "stand_seconds", "turn_seconds"):
            value = getattr(self, name)
            if not (_is_number(value) and value > 0):
                self._fail(name, "a number > 0")
        nyquist = layout.EMG_FS / 2
        for name, top in (("force_cutoff_hz", nyquist), ("mains_hz", nyquist / 3)):
            value = getattr(self, name)
            if not (_is_number(value) and 0 < value < top):
                self._fail(name, f"a frequency between 0 and {top:g} Hz")

    def emg_settings(self) -> CohortConfig:
        """The EMG knobs of :func:`.emg.synthesise_emg` at the EMG rate. No DC offset, wander,
        spikes or quantisation: the released EMG is band-passed floating point."""
        return CohortConfig(
            subjects=1,
            seed=self.seed,
            fs=layout.EMG_FS,
            emg_noise_mv=self.emg_noise_mv,
            hum_mv=self.hum_mv,
            mains_hz=self.mains_hz,
            dc_offset_mv=0.0,
            wander_mv=0.0,
            artefact_mv=self.artefact_mv,
            spike_rate_hz=0.0,
            quantisation_mv=0.0,
        )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
