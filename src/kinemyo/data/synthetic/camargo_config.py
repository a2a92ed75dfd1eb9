"""The knobs of the synthetic Camargo-layout cohort: size, protocol, physiology and noise."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kinemyo.data.camargo import layout
from kinemyo.data.camargo.writer import TableFormat
from kinemyo.data.synthetic.camargo_conditions import GAIT_ONSET_S
from kinemyo.data.synthetic.config import Amount, CohortConfig
from kinemyo.settings import Seed, settings

MAX_SUBJECTS = 99
MAX_TREADMILL_TRIALS = 8
MIN_PLATEAU_S = 2.0
MIN_BOUT_S = 2 * GAIT_ONSET_S + 2.0
"""A bout needs a steady part between gait start and stop, s."""
MAX_SECONDS = 600.0
"""Longest plateau, bout, transition, standing or turn, s."""
_NYQUIST = layout.EMG_FS / 2

Seconds = Annotated[float, Field(gt=0, le=MAX_SECONDS)]
Speed = Literal[layout.LEVELGROUND_SPEEDS]
Ramp = Literal[tuple(layout.RAMP_INCLINES_DEG)]
Strides = Annotated[int, Field(ge=1, le=100)]


@settings
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

    Raises:
        KinemyoError: a value of the wrong type or out of range, naming the field.
    """

    subjects: Annotated[int, Field(ge=1, le=MAX_SUBJECTS)] = 2
    seed: Seed = 0
    fmt: TableFormat = "csv"
    treadmill_trials: Annotated[int, Field(ge=0, le=MAX_TREADMILL_TRIALS)] = 7
    plateau_seconds: Annotated[float, Field(ge=MIN_PLATEAU_S, le=MAX_SECONDS)] = 15.0
    transition_seconds: Seconds = 2.0
    levelground_speeds: Annotated[tuple[Speed, ...], Field(strict=False)] = (
        layout.LEVELGROUND_SPEEDS
    )
    levelground_bouts: Annotated[int, Field(ge=1, le=100)] = 2
    ramps: Annotated[tuple[Ramp, ...], Field(strict=False)] = (1, 3, 5, 6)
    bout_seconds: Annotated[float, Field(ge=MIN_BOUT_S, le=MAX_SECONDS)] = 8.0
    stand_seconds: Seconds = 2.0
    turn_seconds: Seconds = 2.5
    force_plate_strides: Annotated[tuple[Strides, Strides], Field(strict=False)] = (2, 4)
    activation_variability: Amount = 0.15
    hidden_variability: Amount = 0.2
    residual_moment: Amount = 0.06
    force_cutoff_hz: Annotated[float, Field(gt=0, lt=_NYQUIST)] = 6.0
    angle_noise_deg: Amount = 0.5
    emg_noise_mv: Amount = 0.003
    hum_mv: Amount = 0.002
    mains_hz: Annotated[float, Field(gt=0, lt=_NYQUIST / 3)] = 60.0
    artefact_mv: Amount = 0.05

    def __post_init__(self) -> None:
        for name in ("levelground_speeds", "ramps"):
            values = getattr(self, name)
            if len(set(values)) < len(values):
                raise ValueError(f"'{name}' must be distinct, got {values}")
        low, high = self.force_plate_strides
        if low > high:
            raise ValueError(
                f"'force_plate_strides' must be (min, max) with min <= max, got {low, high}"
            )
        if not (self.treadmill_trials or self.levelground_speeds or self.ramps):
            raise ValueError(
                "'treadmill_trials' must be at least 1 when there are no overground trials"
            )

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
