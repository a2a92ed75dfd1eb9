"""The Camargo et al. 2021 (EPIC lab) folder layout: modes, sensors, trial names, column names.

Facts from ``shared/specs/camargo.md``::

    <root>/SubjectInfo.mat                       table `data`: Subject, Age, Gender, Height, Weight
    <root>/ABxx/<date>/<mode>/<sensor>/<trial>.mat   (or .csv with the same columns)

Every table starts with ``Header``, the time in s on a clock shared by all sensors of a trial.
Trial stems are matched case-insensitively (some subjects write ``Ramp_1_L_01_04``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MODES = ("treadmill", "levelground", "ramp", "stair")
"""Ambulation modes, one folder each under a subject's date folder."""

SENSORS = (
    "conditions",
    "emg",
    "fp",
    "gcLeft",
    "gcRight",
    "gon",
    "id",
    "ik",
    "ik_offset",
    "imu",
    "jp",
    "markers",
)
"""Sensor folders under a mode folder; each holds one file per trial, with the same stem."""

TABLE_SUFFIXES = (".mat", ".csv")
"""File formats, in order of preference: MATLAB tables (read with mat-io), CSV with the same
columns (what MATLAB's ``writetable`` gives)."""

HEADER = "Header"
"""Time column of every table, s."""

EMG_MUSCLES = (
    "gastrocmed",
    "tibialisanterior",
    "soleus",
    "vastusmedialis",
    "vastuslateralis",
    "rectusfemoris",
    "bicepsfemoris",
    "semitendinosus",
    "gracilis",
    "gluteusmedius",
    "rightexternaloblique",
)
"""The 11 EMG channels (1000 Hz, band-passed 20-400 Hz, not rectified)."""

EMG_FS = 1000.0
"""EMG, goniometer and belt-speed sampling rate, Hz."""

IK_COORDINATES = (
    "pelvis_tilt",
    "pelvis_list",
    "pelvis_rotation",
    "pelvis_tx",
    "pelvis_ty",
    "pelvis_tz",
    "hip_flexion_r",
    "hip_adduction_r",
    "hip_rotation_r",
    "knee_angle_r",
    "ankle_angle_r",
    "subtalar_angle_r",
    "mtp_angle_r",
    "hip_flexion_l",
    "hip_adduction_l",
    "hip_rotation_l",
    "knee_angle_l",
    "ankle_angle_l",
    "subtalar_angle_l",
    "mtp_angle_l",
    "lumbar_extension",
    "lumbar_bending",
    "lumbar_rotation",
)
"""The 23 OpenSim coordinates of the ``ik`` tables (200 Hz; degrees, pelvis_t* in m; knee
flexion is negative)."""

TRANSLATIONS = ("pelvis_tx", "pelvis_ty", "pelvis_tz")
"""Coordinates that are translations (m); their generalized forces are ``<name>_force`` (N)."""

ID_COLUMNS = tuple(
    f"{name}_force" if name in TRANSLATIONS else f"{name}_moment" for name in IK_COORDINATES
)
"""The ``id`` table's generalized forces, one per IK coordinate (N·m, not divided by mass; NaN
where no force plate)."""

KINEMATICS_FS = 200.0
"""Sampling rate of ik, id and the gait-cycle tables, Hz."""

GAIT_CYCLE_COLUMNS = ("HeelStrike", "ToeOff")
"""Columns of gcRight/gcLeft after Header: percent of the gait cycle (0-100)."""

SUBJECT_INFO_COLUMNS = ("Subject", "Age", "Gender", "Height", "Weight")
"""Columns of SubjectInfo (Weight in kg; the spec does not give the unit of Height)."""

SUBJECT_INFO = "SubjectInfo"
"""Stem of the subject table at the root (``SubjectInfo.mat`` or ``SubjectInfo.csv``)."""

SPEED_COLUMN = "Speed"
"""Belt speed column of the treadmill conditions table, m/s."""

LABEL_COLUMN = "Label"
"""Activity label column of the other modes' conditions table (idle, stand, walk, rampascent...)."""

RAMP_INCLINES_DEG = {1: 5.2, 2: 7.8, 3: 9.2, 4: 11.0, 5: 12.4, 6: 18.0}
"""Ramp incline by ramp number in the trial stem, degrees."""

STAIR_HEIGHTS_IN = {1: 4.0, 2: 5.0, 3: 6.0, 4: 7.0}
"""Stair step height by stair number in the trial stem, inches."""

TREADMILL_FIRST_SPEEDS = (0.50, 1.30, 1.70, 0.90)
"""Belt speeds of the 4 plateaus of treadmill trial 01, m/s; trial n adds 0.05 * (n - 1)."""

LEVELGROUND_SPEEDS = ("slow", "normal", "fast")
LEVELGROUND_DIRECTIONS = ("cw", "ccw")


def treadmill_speeds(trial_number: int) -> tuple[float, ...]:
    """The 4 plateau speeds (m/s) of treadmill trial ``trial_number`` (1-based)."""
    step = 0.05 * (trial_number - 1)
    return tuple(round(speed + step, 2) for speed in TREADMILL_FIRST_SPEEDS)


_STEM_PATTERNS = {
    "treadmill": re.compile(r"^treadmill_(?P<number>\d+)_(?P<repeat>\d+)$", re.IGNORECASE),
    "levelground": re.compile(
        r"^levelground_(?P<direction>cw|ccw)_(?P<speed>slow|normal|fast)_(?P<number>\d+)_"
        r"(?P<repeat>\d+)$",
        re.IGNORECASE,
    ),
    "ramp": re.compile(r"^ramp_(?P<number>\d+)_(?P<leg>[rl])_(?P<repeat>\d+_\d+)$", re.IGNORECASE),
    "stair": re.compile(
        r"^stair_(?P<number>\d+)_(?P<leg>[rl])_(?P<repeat>\d+_\d+)$", re.IGNORECASE
    ),
}


@dataclass(frozen=True)
class TrialName:
    """What a trial stem says.

    Attributes:
        stem: the stem as found on disk (case kept).
        mode: "treadmill", "levelground", "ramp" or "stair".
        number: treadmill trial number, ramp or stair number, or level-ground repetition.
        speed: level-ground speed class ("slow", "normal", "fast"), else None.
        direction: level-ground walking direction ("cw", "ccw"), else None.
        leading_leg: ramp/stair leading leg ("r", "l"), else None.
    """

    stem: str
    mode: str
    number: int
    speed: str | None = None
    direction: str | None = None
    leading_leg: str | None = None

    @property
    def key(self) -> str:
        """The stem in lower case: what trials are matched and compared by."""
        return self.stem.lower()

    @property
    def condition(self) -> str:
        """What the trial records, without walking direction, leading leg or repetition:
        ``treadmill_01``, ``levelground_normal``, ``ramp_3``, ``stair_2``. Subjects are
        expected to have the same conditions, not the same stems (one walks clockwise, another
        leads with the left leg)."""
        if self.mode == "levelground":
            return f"levelground_{self.speed}"
        if self.mode == "treadmill":
            return f"treadmill_{self.number:02d}"
        return f"{self.mode}_{self.number}"


def parse_trial_stem(stem: str, mode: str) -> TrialName | None:
    """The :class:`TrialName` of ``stem`` in ``mode``'s folder, None if it does not match."""
    pattern = _STEM_PATTERNS.get(mode)
    found = pattern.match(stem) if pattern else None
    if found is None:
        return None
    groups = found.groupdict()
    return TrialName(
        stem=stem,
        mode=mode,
        number=int(groups["number"]),
        speed=groups.get("speed") and groups["speed"].lower(),
        direction=groups.get("direction") and groups["direction"].lower(),
        leading_leg=groups.get("leg") and groups["leg"].lower(),
    )


def treadmill_stem(number: int) -> str:
    """The stem of treadmill trial ``number``: ``treadmill_01_01``."""
    return f"treadmill_{number:02d}_01"


def levelground_stem(direction: str, speed: str, repeat: int) -> str:
    """The stem of a level-ground trial: ``levelground_ccw_normal_01_01``."""
    return f"levelground_{direction}_{speed}_{repeat:02d}_01"


def ramp_stem(number: int, leading_leg: str, repeat: int) -> str:
    """The stem of a ramp trial: ``ramp_1_r_01_01``."""
    return f"ramp_{number}_{leading_leg}_{repeat:02d}_01"
