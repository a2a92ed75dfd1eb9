"""A SIAT-LLMD writer independent of kinemyo's, with the quirks of real-world files.

It writes with plain string formatting and openpyxl, so tests of the reader do not depend on the
kinemyo writer: label files a few rows shorter than their Data file, empty Status cells at
transitions, float jitter in Time, mixed decimals and CRLF line endings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from tests.conftest import FS, SPEC_DATA_HEADER

SEGMENTS = (
    "AVE FCH-ICT",
    "AVE KNE-FCH",
    "AVE ANK-KNE",
    "AVE PM6-FCC",
    "AVE FLE-FME",
    "AVE FAL-TAM",
)


@dataclass
class ForeignTrial:
    """The values written for one trial, to compare with what the reader returns."""

    path: Path
    label_path: Path
    values: np.ndarray  # (n, 26) as written (Time first), before formatting
    status: list[str]  # per label row
    group: list[int]  # per label row


def _cell(value: float, row: int, col: int, mixed: bool) -> str:
    if not mixed:
        return f"{value:.6f}"
    style = (row + col) % 3
    if style == 0:
        return f"{value:.6f}"
    if style == 1:
        return f"{value:.4f}"
    return repr(round(float(value), 6))


def write_foreign_trial(
    root: Path,
    subject: str = "Sub01",
    motion: str = "WAK",
    *,
    n: int = 480,
    seed: int = 0,
    crlf: bool = True,
    label_shortfall: int = 3,
    empty_status_at_transitions: bool = True,
    time_jitter_s: float = 2e-7,
    mixed_decimals: bool = True,
) -> ForeignTrial:
    """Write ``<root>/<subject>/Data|Labels/...`` for one trial and return what was written."""
    rng = np.random.default_rng(seed)
    time = np.arange(n) / FS + rng.uniform(-time_jitter_s, time_jitter_s, n)
    time[0] = 0.0
    phase = 2 * np.pi * np.arange(n) / 220
    angles = 20 * np.sin(phase[:, None] + np.arange(8))
    torques = 40 * np.cos(phase[:, None] + np.arange(8))
    emg = np.round(rng.normal(0, 0.2, (n, 9)) / 0.000305) * 0.000305
    values = np.column_stack([time, angles, torques, emg])
    newline = "\r\n" if crlf else "\n"

    data_path = root / subject / "Data" / f"{subject}_{motion}_Data.csv"
    data_path.parent.mkdir(parents=True, exist_ok=True)
    lines = [SPEC_DATA_HEADER]
    for i, row in enumerate(values):
        lines.append(",".join(_cell(v, i, j, mixed_decimals) for j, v in enumerate(row)))
    data_path.write_bytes((newline.join(lines) + newline).encode())

    gait_periods = {"WAK": 5, "UPS": 3, "DNS": 2}  # the spec's Status 1..n of each gait motion
    cyclic = motion in gait_periods
    n_codes = gait_periods.get(motion, 3)
    cycle = np.arange(n) % 220
    codes = (cycle * n_codes // 220 + 1).astype(int)
    status = [str(c) if cyclic else ("A" if c % 2 else "R") for c in codes]
    if empty_status_at_transitions:
        for i in np.flatnonzero(np.diff(codes) != 0):
            status[i + 1] = ""
    group = list((np.arange(n) // 220).astype(int))
    m = n - label_shortfall
    label_path = root / subject / "Labels" / f"{subject}_{motion}_Label.csv"
    label_path.parent.mkdir(parents=True, exist_ok=True)
    label_lines = ["Time,Status,Group"] + [
        f"{_cell(time[i], i, 0, mixed_decimals)},{status[i]},{group[i]}" for i in range(m)
    ]
    label_path.write_bytes((newline.join(label_lines) + newline).encode())
    return ForeignTrial(data_path, label_path, values, status[:m], group[:m])


def write_foreign_subject_table(
    root: Path, weights: dict[str, float | str | None] | list[tuple[str, float | str | None]]
) -> Path:
    """SubjectInformation.xlsx written with openpyxl directly; a None weight leaves it empty.
    ``weights`` as (subject, weight) pairs may list a subject twice."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Subject", "age", "weight", "height", "sex", *SEGMENTS])
    for subject, weight in weights.items() if isinstance(weights, dict) else weights:
        sheet.append([subject, 30, weight, 172, "F", *[35.5] * len(SEGMENTS)])
    path = root / "SubjectInformation.xlsx"
    book.save(path)
    return path


def edit_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set the cell of 1-based data ``row`` in ``column`` of a CSV file; line endings are kept."""
    text = path.read_bytes().decode()
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    col = lines[0].split(",").index(column)
    cells = lines[row].split(",")
    cells[col] = value
    lines[row] = ",".join(cells)
    path.write_bytes(newline.join(lines).encode())


def data_file_text(time_cells: Sequence[str], seed: int = 0) -> str:
    """A 26-column Data file, header included, on the Time cells given (written as they are):
    sine angles (deg) and torques (N·m) with seeded noise, and seeded sEMG noise (mV) whose
    amplitude follows the sine, quantised like the release."""
    n = len(time_cells)
    rng = np.random.default_rng(seed)
    phase = 2 * np.pi * np.arange(n) / FS / 1.2
    angles = 30 * np.sin(phase[:, None] + np.arange(8)) + rng.normal(0, 0.5, (n, 8))
    torques = 40 * np.cos(phase[:, None] + np.arange(8)) + rng.normal(0, 1.0, (n, 8))
    emg = np.round(rng.normal(0, 0.1, (n, 9)) * (1.2 + np.sin(phase))[:, None] / 0.000305)
    values = np.column_stack([angles, torques, emg * 0.000305])
    body = pd.DataFrame(values).to_csv(header=False, index=False, float_format="%.6f")
    rows = [f"{t},{line}" for t, line in zip(time_cells, body.splitlines(), strict=True)]
    return "\n".join([SPEC_DATA_HEADER, *rows]) + "\n"
