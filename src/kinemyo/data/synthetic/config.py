"""The knobs of a synthetic cohort: size, tasks, sampling and every noise/physiology setting."""

from __future__ import annotations

from dataclasses import dataclass

from kinemyo.data.siat_llmd import schema
from kinemyo.data.synthetic.motions import check_motion
from kinemyo.errors import KinemyoError

MIN_SECONDS = 1.0
"""Shortest trial, s."""
MIN_FS_HZ = 1000.0
"""Lowest sampling rate, Hz: the EMG band reaches 450 Hz and needs a Nyquist frequency above it."""


@dataclass(frozen=True)
class CohortConfig:
    """What to generate. Every noise amplitude may be set to 0 to switch that component off.

    Attributes:
        subjects: number of simulated subjects (Sub01, Sub02, ...).
        motions: SIAT-LLMD motion codes to record for every subject (see
            :data:`kinemyo.data.synthetic.SUPPORTED_MOTIONS`).
        seconds: length of each trial, s.
        seed: master seed; subject i and motion m draw from their own child of
            ``np.random.SeedSequence(seed)``, so adding subjects or motions changes nothing else.
        fs: sampling rate of every signal, Hz (SIAT-LLMD: 1920).
        emg_noise_mv: standard deviation of the white sensor noise added to every EMG channel, mV.
        hum_mv: typical amplitude of the 50 Hz power-line hum, mV (each channel draws 0.5-1.5 times
            this; a third harmonic of 0.3 times its amplitude comes with it).
        mains_hz: power-line frequency, Hz.
        dc_offset_mv: typical DC offset of a channel, mV (each channel draws a random sign and a
            magnitude between 0.5 and 1 times this).
        wander_mv: standard deviation of the slow (< 1 Hz) baseline wander, mV.
        artefact_mv: amplitude of the motion-artefact transient that a heel strike or a movement
            onset/offset puts on a channel, mV (scaled per channel and event).
        spike_rate_hz: mean rate of isolated artefact spikes per channel, 1/s.
        activation_variability: log-standard deviation of the stride-to-stride (or
            repetition-to-repetition) fluctuation of muscle activation; it reaches both the EMG
            amplitude and the joint moments, so it is information the EMG carries about the moments.
        force_cutoff_hz: cut-off of the zero-phase low-pass that turns a delayed activation into
            muscle force, Hz.
        angle_noise_deg: standard deviation of the slow postural sway added to every joint
            angle, deg.
        walking_bout_s: length of a walking bout, s; the label group of a cyclic task increments
            at the first left heel strike after each multiple of it.
        quantisation_mv: step the EMG is rounded to, mV (SIAT-LLMD: about 0.000305); 0 keeps
            full precision.
    """

    subjects: int = 6
    motions: tuple[str, ...] = ("WAK", "UPS", "DNS", "STDUP", "SITDN")
    seconds: float = 30.0
    seed: int = 0
    fs: float = schema.SAMPLING_RATE_HZ
    emg_noise_mv: float = 0.003
    hum_mv: float = 0.01
    mains_hz: float = 50.0
    dc_offset_mv: float = 0.02
    wander_mv: float = 0.005
    artefact_mv: float = 0.08
    spike_rate_hz: float = 0.2
    activation_variability: float = 0.15
    force_cutoff_hz: float = 4.0
    angle_noise_deg: float = 0.5
    walking_bout_s: float = 10.0
    quantisation_mv: float = schema.EMG_QUANTISATION_MV

    def __post_init__(self) -> None:
        motions = tuple(self.motions)
        object.__setattr__(self, "motions", motions)
        if not isinstance(self.subjects, int) or self.subjects < 1:
            raise KinemyoError(
                f"A cohort needs at least one subject, got subjects={self.subjects}."
            )
        if not isinstance(self.seed, int) or self.seed < 0:
            raise KinemyoError(f"The seed must be a non-negative integer, got {self.seed}.")
        if not motions:
            raise KinemyoError("A cohort needs at least one motion.")
        for motion in motions:
            check_motion(motion)
        repeated = sorted({m for m in motions if motions.count(m) > 1})
        if repeated:
            raise KinemyoError(f"Motions must be unique; repeated: {repeated}.")
        if not self.seconds >= MIN_SECONDS:
            raise KinemyoError(f"Trials must last at least {MIN_SECONDS} s, got {self.seconds}.")
        if not self.fs >= MIN_FS_HZ:
            raise KinemyoError(
                f"The EMG band reaches 450 Hz, so fs must be at least {MIN_FS_HZ} Hz, "
                f"got {self.fs}."
            )
        for name in (
            "emg_noise_mv",
            "hum_mv",
            "dc_offset_mv",
            "wander_mv",
            "artefact_mv",
            "spike_rate_hz",
            "activation_variability",
            "angle_noise_deg",
            "quantisation_mv",
        ):
            if not getattr(self, name) >= 0:
                raise KinemyoError(f"{name} must be >= 0, got {getattr(self, name)}.")
        for name in ("mains_hz", "force_cutoff_hz", "walking_bout_s"):
            if not getattr(self, name) > 0:
                raise KinemyoError(f"{name} must be > 0, got {getattr(self, name)}.")
        if not self.mains_hz * 3 < self.fs / 2:
            raise KinemyoError(f"mains_hz={self.mains_hz} and its third harmonic need fs > 6 x it.")
        if not self.force_cutoff_hz < self.fs / 2:
            raise KinemyoError(f"force_cutoff_hz must be below fs/2, got {self.force_cutoff_hz}.")
