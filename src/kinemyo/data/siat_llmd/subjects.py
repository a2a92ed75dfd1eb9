"""SubjectInformation.xlsx: one row per subject (age, weight in kg, height in cm, sex, segments)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import openpyxl

from kinemyo.data.csv_table import check_columns
from kinemyo.data.limits import XLSX, check_file
from kinemyo.data.siat_llmd.schema import SEGMENT_COLUMNS, SUBJECT_INFO_COLUMNS, SubjectInfo
from kinemyo.errors import DataFormatError
from kinemyo.fileio import atomic_file


def _number(value: object, *, path: Path, column: str, row: int) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataFormatError(
            f"'{value}' is not a number.", path=path, column=column, row=row
        ) from None
    return None if math.isnan(number) else number


MAX_BODY_MASS_KG = 300.0
"""Heaviest body mass accepted, kg; a weight must lie in (0, 300] kg to be one."""


def _check_weight(weight: float | None, subject: str, *, path: Path, row: int) -> None:
    if weight is not None and not 0.0 < weight <= MAX_BODY_MASS_KG:
        raise DataFormatError(
            f"weight {weight:g} kg of {subject} is not a body mass: it must be above 0 and at "
            f"most {MAX_BODY_MASS_KG:g} kg (moments in N·m/kg are divided by it).",
            path=path,
            column="weight",
            row=row,
            hint="Correct the cell, or leave it empty when the mass is unknown.",
        )


def read_subject_info(path: str | Path) -> dict[str, SubjectInfo]:
    """Read SubjectInformation.xlsx into a dict from subject id ("Sub01") to :class:`SubjectInfo`.

    Raises:
        DataFormatError: missing file, missing or unexpected columns, a non-numeric cell, a weight
            that is no body mass (not in (0, ``MAX_BODY_MASS_KG``] kg, e.g. 0 or inf), a subject
            listed twice; naming the subject and row.
    """
    path = check_file(path, XLSX)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt file
        raise DataFormatError(f"cannot be read as an .xlsx workbook ({exc}).", path=path) from None
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    if not rows:
        raise DataFormatError("the workbook is empty; expected a header row.", path=path)
    header = [str(c).strip() if c is not None else "" for c in rows[0]]
    while header and header[-1] == "":
        header.pop()
    check_columns(path, header, SUBJECT_INFO_COLUMNS)
    at = {name: header.index(name) for name in SUBJECT_INFO_COLUMNS}
    table: dict[str, SubjectInfo] = {}
    first_row: dict[str, int] = {}
    for row_number, cells in enumerate(rows[1:], start=1):
        subject = "" if cells[at["Subject"]] is None else str(cells[at["Subject"]]).strip()
        if not subject:
            continue
        if subject in first_row:
            raise DataFormatError(
                f"{subject} is listed twice, in rows {first_row[subject]} and {row_number}.",
                path=path,
                column="Subject",
                row=row_number,
                hint="Keep one row per subject.",
            )
        first_row[subject] = row_number
        numbers = {
            column: _number(cells[at[column]], path=path, column=column, row=row_number)
            for column in ("age", "weight", "height", *SEGMENT_COLUMNS)
        }
        _check_weight(numbers["weight"], subject, path=path, row=row_number)
        sex = cells[at["sex"]]
        table[subject] = SubjectInfo(
            subject=subject,
            age=numbers["age"],
            weight_kg=numbers["weight"],
            height_cm=numbers["height"],
            sex=None if sex is None else str(sex).strip(),
            segments_cm={column: numbers[column] for column in SEGMENT_COLUMNS},
        )
    return table


def write_subject_info(path: str | Path, subjects: Iterable[SubjectInfo]) -> None:
    """Write SubjectInformation.xlsx with the dataset's columns, one row per subject."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(SUBJECT_INFO_COLUMNS))
    for info in subjects:
        sheet.append(
            [
                info.subject,
                info.age,
                info.weight_kg,
                info.height_cm,
                info.sex,
                *(info.segments_cm.get(column) for column in SEGMENT_COLUMNS),
            ]
        )
    with atomic_file(path) as tmp:
        workbook.save(tmp)
