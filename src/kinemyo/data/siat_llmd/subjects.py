"""SubjectInformation.xlsx: one row per subject (age, weight in kg, height in cm, sex, segments)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import openpyxl

from kinemyo.data.csv_table import check_columns
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


def read_subject_info(path: str | Path) -> dict[str, SubjectInfo]:
    """Read SubjectInformation.xlsx into a dict from subject id ("Sub01") to :class:`SubjectInfo`.

    Raises:
        DataFormatError: missing file, missing or unexpected columns, a non-numeric cell.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFormatError("file not found.", path=path)
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
    for row_number, cells in enumerate(rows[1:], start=1):
        subject = cells[at["Subject"]]
        if subject is None or not str(subject).strip():
            continue
        numbers = {
            column: _number(cells[at[column]], path=path, column=column, row=row_number)
            for column in ("age", "weight", "height", *SEGMENT_COLUMNS)
        }
        sex = cells[at["sex"]]
        table[str(subject).strip()] = SubjectInfo(
            subject=str(subject).strip(),
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
