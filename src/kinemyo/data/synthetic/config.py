"""The knobs of a synthetic cohort: size, tasks, sampling and every noise/physiology setting."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kinemyo.data.siat_llmd import schema
from kinemyo.data.synthetic.motions import check_motion
from kinemyo.settings import Seed, settings

MIN_SECONDS = 1.0
"""Shortest trial, s."""
MAX_SECONDS = 3600.0
"""Longest trial, s."""
MIN_FS_HZ = 1000.0
"""Lowest sampling rate, Hz: the EMG band reaches 450 Hz and needs a Nyquist frequency above it."""
MAX_FS_HZ = 20_000.0
"""Highest sampling rate, Hz."""
MAX_TRIAL_SAMPLES = 2_500_000
"""Most samples per trial (``seconds x fs``; 21 min at 1920 Hz, about 700 MB in memory while it is
generated): a bound that refuses a request too large for memory before anything is allocated."""
MAX_SUBJECTS = 100

Amount = Annotated[float, Field(ge=0)]
"""A noise amplitude or rate: 0 switches the component off."""
Positive = Annotated[float, Field(gt=0)]


@settings
class CohortConfig:
    """What to generate. Every noise amplitude may be set to 0 to switch that component off.

    Attributes:
        subjects: number of simulated subjects (Sub01, Sub02, ...), at most 100.
        motions: SIAT-LLMD motion codes to record for every subject (see
            :data:`kinemyo.data.synthetic.SUPPORTED_MOTIONS`).
        seconds: length of each trial, s (1 to 3600; ``seconds x fs`` at most 2.5 million
            samples).
        seed: master seed; subject i and motion m draw from their own child of
            ``np.random.SeedSequence(seed)``, so adding subjects or motions changes nothing else.
        fs: sampling rate of every signal, Hz (SIAT-LLMD: 1920; 1000 to 20000).
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

    Raises:
        KinemyoError: a value of the wrong type or out of range, naming the field.
    """

    subjects: Annotated[int, Field(ge=1, le=MAX_SUBJECTS)] = 6
    motions: Annotated[tuple[str, ...], Field(strict=False, min_length=1)] = (
        "WAK",
        "UPS",
        "DNS",
        "STDUP",
        "SITDN",
    )
    seconds: Annotated[float, Field(ge=MIN_SECONDS, le=MAX_SECONDS)] = 30.0
    seed: Seed = 0
    fs: Annotated[float, Field(ge=MIN_FS_HZ, le=MAX_FS_HZ)] = schema.SAMPLING_RATE_HZ
    emg_noise_mv: Amount = 0.003
    hum_mv: Amount = 0.01
    mains_hz: Positive = 50.0
    dc_offset_mv: Amount = 0.02
    wander_mv: Amount = 0.005
    artefact_mv: Amount = 0.08
    spike_rate_hz: Amount = 0.2
    activation_variability: Amount = 0.15
    force_cutoff_hz: Positive = 4.0
    angle_noise_deg: Amount = 0.5
    walking_bout_s: Positive = 10.0
    quantisation_mv: Amount = schema.EMG_QUANTISATION_MV

    def __post_init__(self) -> None:
        for motion in self.motions:
            check_motion(motion)
        repeated = sorted({m for m in self.motions if self.motions.count(m) > 1})
        if repeated:
            raise ValueError(f"'motions' must be unique; repeated: {repeated}")
        if self.seconds * self.fs > MAX_TRIAL_SAMPLES:
            raise ValueError(
                f"'seconds' x 'fs' = {self.seconds * self.fs:,.0f} samples per trial is more than "
                f"{MAX_TRIAL_SAMPLES:,}; generate shorter trials"
            )
        if not self.mains_hz * 3 < self.fs / 2:
            raise ValueError(
                f"'mains_hz' ({self.mains_hz}) and its third harmonic need fs > 6 x it"
            )
        if not self.force_cutoff_hz < self.fs / 2:
            raise ValueError(f"'force_cutoff_hz' must be below fs/2, got {self.force_cutoff_hz}")
