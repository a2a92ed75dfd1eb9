"""The Camargo subject table (SubjectInfo): age, gender, body mass and height per subject."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kinemyo import units
from kinemyo.data.camargo import layout
from kinemyo.data.camargo.discovery import (
    SUBJECT_PATTERN,
    TrialFiles,
    normalise_subject,
    table_files,
)
from kinemyo.data.camargo.tables import read_variables
from kinemyo.data.table_cache import TableCache
from kinemyo.errors import DataFormatError, DataWarning, MissingBodyMassError


@dataclass(frozen=True)
class CamargoSubject:
    """One row of SubjectInfo; fields are None when SubjectInfo lacks the subject or the value.

    Attributes:
        subject: id, e.g. "AB06".
        age: years.
        gender: as written, e.g. "M".
        mass_kg: the Weight column, kg.
        height_m: the Height column in m (see :func:`height_in_m`).
    """

    subject: str
    age: float | None = None
    gender: str | None = None
    mass_kg: float | None = None
    height_m: float | None = None


def height_in_m(value: float) -> float | None:
    """Body height in m from SubjectInfo's Height, whose unit the release does not state.

    Rule, by magnitude: over 300 is mm, over 3 is cm, otherwise m; None when missing or not
    positive.
    """
    if not (np.isfinite(value) and value > 0):
        return None
    if value > 300:
        return float(value) / 1000.0
    if value > 3:
        return float(value) / 100.0
    return float(value)


def _positive(value: float) -> float | None:
    return float(value) if np.isfinite(value) and value > 0 else None


def read_subject_table(
    root: str | Path, *, cache: TableCache | None = None
) -> dict[str, CamargoSubject]:
    """The rows of ``<root>/SubjectInfo.(mat|csv)`` by subject id; empty, with a
    ``DataWarning``, when the file is absent."""
    root = Path(root)
    path = table_files(root).get(layout.SUBJECT_INFO.lower())
    if path is None:
        warnings.warn(
            f"{root}: no {layout.SUBJECT_INFO}.mat or .csv; body masses and heights are unknown, "
            "so moments can be read in N·m but not in N·m/kg.",
            DataWarning,
            stacklevel=2,
        )
        return {}
    kinds = {"Subject": str, "Age": np.float64, "Gender": str, "Height": np.float64}
    columns, _ = read_variables(path, "data", {**kinds, "Weight": np.float64}, cache)
    table = {}
    for row, subject in enumerate(columns["Subject"], start=1):
        if not SUBJECT_PATTERN.fullmatch(str(subject).strip()):
            raise DataFormatError(
                f"'{subject}' is not a subject id.", path=path, column="Subject", row=row
            )
        gender = str(columns["Gender"][row - 1]).strip()
        record = CamargoSubject(
            subject=normalise_subject(subject),
            age=_positive(columns["Age"][row - 1]),
            gender=gender if gender and gender.lower() != "nan" else None,
            mass_kg=_positive(columns["Weight"][row - 1]),
            height_m=height_in_m(columns["Height"][row - 1]),
        )
        table[record.subject] = record
    return table


def check_masses(
    plan: Sequence[TrialFiles], subjects: Mapping[str, CamargoSubject], unit: str, root: Path
) -> None:
    if unit != units.NEWTON_METRE_PER_KG:
        return
    lacking = sorted({t.subject for t in plan if subjects[t.subject].mass_kg is None})
    if lacking:
        raise MissingBodyMassError(
            f"Moments in N·m/kg need the body mass (SubjectInfo Weight) of {', '.join(lacking)}, "
            f"which {root / layout.SUBJECT_INFO}.mat/.csv does not give. Add it there, leave "
            "those subjects out (subjects=...), or read moments in N·m."
        )
