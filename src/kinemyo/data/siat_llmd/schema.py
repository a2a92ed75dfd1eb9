"""The SIAT-LLMD layout as facts: file names, the 26 Data columns, motion and status codes.

Source: Wei W. et al., Scientific Data 10, 358 (2023) and the release ``SIAT_LLMD20230404``.
Everything here is data; the reader and writer are in :mod:`.reader` and :mod:`.writer`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DATASET_NAME = "SIAT-LLMD"
SAMPLING_RATE_HZ = 1920.0
EMG_QUANTISATION_MV = 0.000305
"""Step of the released sEMG values, about 0.000305 mV."""
DECIMALS = 6
"""Decimals the release (and the kinemyo writer) use for every value."""

TIME_COLUMN = "Time"
SIDES = ("left", "right")
JOINT_AXES = ("hip adduction", "hip flexion", "knee flexion", "ankle flexion")
JOINTS = tuple(f"{side} {axis}" for side in SIDES for axis in JOINT_AXES)
"""The 8 joint names of a Recording read from SIAT-LLMD, e.g. 'left knee flexion'."""

MUSCLES = (
    "tensor fascia lata",
    "rectus femoris",
    "vastus medialis",
    "semimembranosus",
    "upper tibialis anterior",
    "lower tibialis anterior",
    "lateral gastrocnemius",
    "medial gastrocnemius",
    "soleus",
)
"""The 9 sEMG channels, all on the LEFT leg, in file order; also the Recording EMG names."""

_COLUMN_FORMATS = {
    "emg": "sEMG: {}",
    "angles": "Kinematic: {} angle",
    "moments": "Kinetic: {} torque",
}


def column_name(block: str, channel: str) -> str:
    """The Data CSV column of a Recording channel: ('moments', 'left hip flexion') ->
    'Kinetic: left hip flexion torque'."""
    return _COLUMN_FORMATS[block].format(channel)


ANGLE_COLUMNS = tuple(column_name("angles", joint) for joint in JOINTS)
TORQUE_COLUMNS = tuple(column_name("moments", joint) for joint in JOINTS)
EMG_COLUMNS = tuple(column_name("emg", muscle) for muscle in MUSCLES)
DATA_COLUMNS = (TIME_COLUMN, *ANGLE_COLUMNS, *TORQUE_COLUMNS, *EMG_COLUMNS)
"""The 26 Data CSV columns, in file order, byte for byte."""
EMG_ONLY_COLUMNS = (TIME_COLUMN, *EMG_COLUMNS)
"""The columns of an EMG-only file (such as the published sEMG fragments)."""

LABEL_COLUMNS = ("Time", "Status", "Group")
TASK_LABEL_COLUMN = "label"
"""An extra Data column of calibration files: the task code (e.g. "WAK") of each row."""


MOTIONS: dict[str, str] = {
    "WAK": "level walking",
    "UPS": "stair ascent",
    "DNS": "stair descent",
    "HS": "hip swing",
    "KLCL": "knee lift, closed chain",
    "KLFT": "knee lift, forward",
    "LLB": "leg lift backward",
    "LLF": "leg lift forward",
    "LLS": "leg lift sideways",
    "LUGB": "lunge backward",
    "LUGF": "lunge forward",
    "SITDN": "sit down",
    "STC": "static standing",
    "STDUP": "stand up",
    "TO": "toe off",
    "TPTO": "tiptoe",
}
"""The 16 motion codes. WAK/UPS/DNS/SITDN/STDUP/STC are described by the release; the other names
are short descriptions of the codes, for display only."""

CYCLE_STATUS_COUNT: dict[str, int] = {"WAK": 5, "UPS": 3, "DNS": 2}
"""A cyclic motion's Label file has Status 1..n (n given here) for its gait periods."""

GAIT_PERIODS: dict[str, tuple[str, ...]] = {
    "WAK": ("HS-MSF", "MSF-MSE", "MSE-TO", "TO-MWF", "MWF-HS"),
    "UPS": ("HS-TO", "TO-MWF", "MWF-HS"),
}
"""Status i (1-based) of WAK and UPS is the gait period ``GAIT_PERIODS[motion][i - 1]``:
HS heel strike, MSF/MSE max stance flexion/extension, TO toe-off, MWF max swing flexion.
DNS has Status 1 and 2 only, and the release does not name them (in the real files of Sub01-Sub10
Status 1 holds 58-67% of the rows, as UPS's HS-TO does)."""

NO_PERIOD = "0"
"""Status of the rows of a cyclic motion that lie in no gait period (real DNS files: Sub23 has
19 such rows, Sub35 184). Read with a warning and kept as a segment of their own."""

ACTIVE, REST = "A", "R"

JUNCTION_ROWS = "junction_rows"
"""Key of ``RecordingMeta.extra`` holding the 1-based Data rows where a new Group begins with a
repeated Time (the junctions of stitched recordings; the reader moves the Time of each later
segment on by one sample, so that a Recording's time increases)."""


def status_codes(motion: str) -> tuple[str, ...]:
    """The Status values allowed in the Label file of ``motion`` (empty cells always are;
    ``NO_PERIOD`` is read with a warning in cyclic motions)."""
    if motion in CYCLE_STATUS_COUNT:
        return tuple(str(i) for i in range(1, CYCLE_STATUS_COUNT[motion] + 1))
    if motion == "STC":
        return (REST,)
    return (ACTIVE, REST)


SUBJECT_INFO_FILE = "SubjectInformation.xlsx"
SEGMENT_COLUMNS = (
    "AVE FCH-ICT",
    "AVE KNE-FCH",
    "AVE ANK-KNE",
    "AVE PM6-FCC",
    "AVE FLE-FME",
    "AVE FAL-TAM",
)
SUBJECT_INFO_COLUMNS = ("Subject", "age", "weight", "height", "sex", *SEGMENT_COLUMNS)

SUBJECT_PATTERN = re.compile(r"^Sub\d{2,}$")
DATA_FILE_PATTERN = re.compile(r"^(?P<subject>Sub\d{2,})_(?P<motion>[A-Za-z]+)_Data\.csv(\.gz)?$")
LABEL_FILE_PATTERN = re.compile(r"^(?P<subject>Sub\d{2,})_(?P<motion>[A-Za-z]+)_Label\.csv(\.gz)?$")


def data_path(subject: str, motion: str) -> str:
    """Path of a Data file relative to the dataset root."""
    return f"{subject}/Data/{subject}_{motion}_Data.csv"


def label_path(subject: str, motion: str) -> str:
    """Path of a Label file relative to the dataset root."""
    return f"{subject}/Labels/{subject}_{motion}_Label.csv"


@dataclass(frozen=True)
class SubjectInfo:
    """One row of SubjectInformation.xlsx.

    Attributes:
        subject: "Sub01", ...
        age: years.
        weight_kg: body mass in kg (the file's ``weight``).
        height_cm: body height in cm (the file's ``height``).
        sex: as written in the file, e.g. "M" / "F".
        segments_cm: the six averaged segment sizes, keyed by their column names.
    """

    subject: str
    age: float | None
    weight_kg: float | None
    height_cm: float | None
    sex: str | None
    segments_cm: dict[str, float | None]
