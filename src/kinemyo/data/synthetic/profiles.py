"""Simulated subjects: the ground truth of one person, drawn from population distributions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kinemyo.data.siat_llmd import schema
from kinemyo.data.synthetic.seeds import profile_rng

SEGMENT_FRACTIONS = {
    "AVE FCH-ICT": 0.060,
    "AVE KNE-FCH": 0.245,
    "AVE ANK-KNE": 0.246,
    "AVE PM6-FCC": 0.152,
    "AVE FLE-FME": 0.057,
    "AVE FAL-TAM": 0.040,
}
"""Segment sizes as fractions of body height: hip centre to iliac crest, thigh, shank, foot length,
knee width, ankle width (long segments after Winter, Biomechanics and Motor Control of Human
Movement, 2009; widths approximate)."""


@dataclass(frozen=True)
class SubjectProfile:
    """The ground truth of one simulated subject.

    Attributes:
        index: 0-based position in the cohort; selects the subject's random streams.
        subject: id, "Sub01", "Sub02", ...
        mass_kg: body mass, kg.
        height_m: body height, m.
        age: years.
        sex: "M" or "F".
        cadence_steps_per_min: level-walking cadence, steps/min (a stride is two steps).
        stride_cv: coefficient of variation of stride duration (fraction, e.g. 0.03).
        stride_length_m: level-walking stride length, m.
        speed_m_s: level-walking speed, m/s (stride length x strides per second).
        emd_s: electromechanical delay: the EMG leads the muscle's moment by this much, s.
        strength: factor on every muscle moment per kg (dimensionless, about 1).
        muscle_gains: per recorded muscle (``schema.MUSCLES``), RMS of its raw EMG at full
            activation, mV (skin, fat and electrode placement make it differ between people).
        angle_offsets_deg: per joint (``schema.JOINTS``), constant added to the angle, deg.
        angle_scales: per joint, factor on the angle excursion (dimensionless).
        segments_cm: the six SIAT-LLMD segment sizes (``schema.SEGMENT_COLUMNS``), cm.
    """

    index: int
    subject: str
    mass_kg: float
    height_m: float
    age: float
    sex: str
    cadence_steps_per_min: float
    stride_cv: float
    stride_length_m: float
    speed_m_s: float
    emd_s: float
    strength: float
    muscle_gains: dict[str, float]
    angle_offsets_deg: dict[str, float]
    angle_scales: dict[str, float]
    segments_cm: dict[str, float]

    @property
    def info(self) -> schema.SubjectInfo:
        """The subject's row of a SubjectInformation table."""
        return schema.SubjectInfo(
            subject=self.subject,
            age=self.age,
            weight_kg=self.mass_kg,
            height_cm=round(100.0 * self.height_m, 1),
            sex=self.sex,
            segments_cm=dict(self.segments_cm),
        )


def make_profile(index: int, seed: int) -> SubjectProfile:
    """Draw subject ``index`` (0-based) of the cohort with master seed ``seed``.

    Young healthy adults as in SIAT-LLMD: age 20-35 years; height from sex (1.76 +- 0.06 m men,
    1.63 +- 0.055 m women); mass from a body-mass index of 23 +- 2.5 kg/m² (kept within
    50-95 kg); cadence 112 +- 6 steps/min; stride CV 2.5-4.5 %; stride length 0.72-0.84 x height;
    EMD 30-80 ms; strength 1 +- 0.05; EMG gains log-normal around 0.3 mV (log-s.d. 0.35);
    angle offsets 0 +- 2 deg and scales 1 +- 0.05 per joint; segment sizes 1 +- 0.04 times
    their height fractions.
    """
    rng = profile_rng(seed, index)
    sex = str(rng.choice(["M", "F"]))
    height = float(
        np.clip(rng.normal(1.76, 0.06) if sex == "M" else rng.normal(1.63, 0.055), 1.5, 1.95)
    )
    mass = float(np.clip(np.clip(rng.normal(23.0, 2.5), 18.5, 29.0) * height**2, 50.0, 95.0))
    cadence = float(np.clip(rng.normal(112.0, 6.0), 98.0, 126.0))
    stride_length = height * float(rng.uniform(0.72, 0.84))
    return SubjectProfile(
        index=index,
        subject=f"Sub{index + 1:02d}",
        mass_kg=round(mass, 1),
        height_m=round(height, 3),
        age=float(rng.integers(20, 36)),
        sex=sex,
        cadence_steps_per_min=round(cadence, 2),
        stride_cv=float(rng.uniform(0.025, 0.045)),
        stride_length_m=round(stride_length, 3),
        speed_m_s=round(stride_length * cadence / 120.0, 3),
        emd_s=round(float(rng.uniform(0.03, 0.08)), 4),
        strength=float(rng.normal(1.0, 0.05)),
        muscle_gains={m: float(0.3 * np.exp(rng.normal(0.0, 0.35))) for m in schema.MUSCLES},
        angle_offsets_deg={j: float(rng.normal(0.0, 2.0)) for j in schema.JOINTS},
        angle_scales={j: float(rng.normal(1.0, 0.05)) for j in schema.JOINTS},
        segments_cm={
            name: round(100.0 * height * fraction * float(rng.normal(1.0, 0.04)), 1)
            for name, fraction in SEGMENT_FRACTIONS.items()
        },
    )
