"""read_camargo on CSV files written here as MATLAB's ``writetable`` writes them, not by
kinemyo's writer.

A user without mat-io converts the released .mat tables with ``writetable(data, 'x.csv')``, which
writes the variable names on the first line, unquoted; doubles with up to 15 significant digits
(``%.15g``: ``0.001``, ``2`` for a whole number, ``1.5e-05``, ``-0``; 0.28500000000000003 becomes
``0.285``); ``NaN`` for a missing value; text cells (``Label``, ``Subject``, ``Gender``) unquoted;
CRLF line ends on Windows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinemyo.data.camargo import read_camargo
from kinemyo.data.camargo.writer import write_subject_info, write_table
from kinemyo.errors import DataFormatError
from tests.conftest import SPEC_CAMARGO_EMG

ANGLES = ("hip_flexion_r", "knee_angle_r")
MOMENTS = ("hip_flexion_r_moment", "hip_adduction_r_moment")
EMG_TIME = np.arange(3000) / 1000.0  # 0 .. 2.999 s at 1 kHz: "0", "0.001", ..., "1", ...
ID_TIME = 0.25 + np.arange(500) / 200.0  # 0.25 .. 2.745 s at 200 Hz
NO_FORCE_PLATE = [0, 1, 2, 250, 251]  # id frames written as NaN
SUBJECT = {"Subject": "AB06", "Age": 25, "Gender": "M", "Height": 180, "Weight": 72.5}


def matlab_cell(value: float | int | str) -> str:
    """One cell as writetable writes it: text as is, numbers in %.15g, NaN, Inf and -Inf."""
    if isinstance(value, str):
        return value
    value = float(value)
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    return f"{value:.15g}"


def writetable(path: Path, columns: dict[str, list | np.ndarray], newline: str) -> Path:
    """A CSV file as MATLAB's writetable writes a table of these columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = zip(*(list(values) for values in columns.values()), strict=True)
    lines = [",".join(columns)] + [",".join(matlab_cell(v) for v in row) for row in rows]
    path.write_bytes((newline.join(lines) + newline).encode())
    return path


def trial_tables(mode: str) -> dict[str, dict[str, list | np.ndarray]]:
    """The columns of the four sensor tables of a trial: EMG of tens of microvolts (cells with an
    exponent), whole numbers and minus zeros among the angles and moments, NaN moments where no
    force plate was stepped on."""
    emg = [2e-5 * (k + 1) * np.sin(2 * np.pi * (35 + 9 * k) * EMG_TIME) for k in range(11)]
    emg[3][0] = -0.0
    hip, knee = 25 * np.sin(2 * np.pi * ID_TIME), -35 + 30 * np.cos(ID_TIME)
    knee[::50] = np.round(knee[::50])
    flexion, adduction = 60 * np.sin(4 * ID_TIME), -40 * ID_TIME
    flexion[NO_FORCE_PLATE] = np.nan
    adduction[[10, 20]] = -0.0
    tables = {
        "emg": {"Header": EMG_TIME, **dict(zip(SPEC_CAMARGO_EMG, emg, strict=True))},
        "ik": {"Header": ID_TIME, "pelvis_tilt": -2 + 0 * ID_TIME, ANGLES[0]: hip, ANGLES[1]: knee},
        "id": {"Header": ID_TIME, MOMENTS[0]: flexion, MOMENTS[1]: adduction},
    }
    if mode == "treadmill":
        tables["conditions"] = {"Header": EMG_TIME, "Speed": 1.1 + 0.01 * EMG_TIME}
    else:
        labels = np.where(EMG_TIME < 1.0, "stand", "walk").tolist()
        tables["conditions"] = {"Header": EMG_TIME, "Label": labels}
    return tables


def write_tree(root: Path, mode: str, stem: str, newline: str) -> None:
    writetable(root / "SubjectInfo.csv", {k: [v] for k, v in SUBJECT.items()}, newline)
    for sensor, columns in trial_tables(mode).items():
        writetable(root / "AB06" / "10_09_18" / mode / sensor / f"{stem}.csv", columns, newline)


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_a_treadmill_trial_converted_with_writetable(tmp_path: Path, newline: str) -> None:
    write_tree(tmp_path, "treadmill", "treadmill_01_01", newline)
    folder = tmp_path / "AB06" / "10_09_18" / "treadmill"
    emg_text = (folder / "emg" / "treadmill_01_01.csv").read_bytes().decode()
    id_text = (folder / "id" / "treadmill_01_01.csv").read_bytes().decode()
    assert f"{newline}0,0,0,0,-0,0," in emg_text and f"{newline}1," in emg_text
    assert "e-05," in emg_text and ",NaN," in id_text and ",-0" + newline in id_text
    assert f"{newline}0.285," in id_text  # 0.25 + 7 / 200 = 0.28500000000000003
    dataset = read_camargo(tmp_path, angles=ANGLES, moments=MOMENTS, moment_unit="N·m/kg")
    (trial,) = dataset.trials
    rec = trial.recording
    kept = np.ones(ID_TIME.size, dtype=bool)
    kept[NO_FORCE_PLATE] = False
    np.testing.assert_allclose(rec.time, ID_TIME[kept], rtol=1e-15)
    np.testing.assert_array_equal(rec.labels.group, np.repeat([0, 1], [247, 248]))
    tables = trial_tables("treadmill")
    for name in ANGLES:
        np.testing.assert_allclose(rec.angles.column(name), tables["ik"][name][kept], rtol=1e-7)
    for name in MOMENTS:
        expected = tables["id"][name][kept] / 72.5
        np.testing.assert_allclose(rec.moments.column(name), expected, rtol=1e-7)
    assert np.signbit(rec.moments.column(MOMENTS[1])[7])  # -0 read as minus zero
    np.testing.assert_allclose(trial.belt_speed_m_s, 1.1 + 0.01 * ID_TIME[kept], rtol=1e-14)
    assert rec.meta.body_mass_kg == 72.5 and rec.meta.height_m == pytest.approx(1.8)
    assert rec.emg.names == tuple(SPEC_CAMARGO_EMG) and set(rec.emg.units) == {"V"}
    assert dataset.subjects["AB06"].gender == "M" and dataset.subjects["AB06"].age == 25


def test_writetable_and_kinemyo_csv_files_read_the_same(tmp_path: Path) -> None:
    """The reader gives one recording whoever wrote the CSV files (the EMG envelope included)."""
    theirs, ours = tmp_path / "writetable", tmp_path / "kinemyo"
    write_tree(theirs, "levelground", "levelground_cw_normal_01_01", "\r\n")
    write_subject_info(ours, [SUBJECT], "csv")
    folder = ours / "AB06" / "10_09_18" / "levelground"
    for sensor, columns in trial_tables("levelground").items():
        frame = pd.DataFrame({name: np.asarray(values) for name, values in columns.items()})
        write_table(folder / sensor / "levelground_cw_normal_01_01", {"data": frame}, "csv")
    a, b = (read_camargo(root, angles=ANGLES, moments=MOMENTS).trials[0] for root in (theirs, ours))
    ra, rb = a.recording, b.recording
    np.testing.assert_allclose(ra.time, rb.time, rtol=1e-15)
    np.testing.assert_array_equal(ra.labels.status, rb.labels.status)
    assert set(ra.labels.status) == {"stand", "walk"}
    for block in ("emg", "angles", "moments"):
        np.testing.assert_allclose(
            getattr(ra, block).values, getattr(rb, block).values, rtol=1e-12, atol=1e-20
        )


def test_a_nan_written_into_an_emg_column_is_named_by_column_and_row(tmp_path: Path) -> None:
    write_tree(tmp_path, "treadmill", "treadmill_01_01", "\r\n")
    tables = trial_tables("treadmill")
    tables["emg"]["soleus"][41] = np.nan  # data row 42
    path = tmp_path / "AB06/10_09_18/treadmill/emg/treadmill_01_01.csv"
    writetable(path, tables["emg"], "\r\n")
    with pytest.raises(DataFormatError) as caught:
        read_camargo(tmp_path)
    assert (caught.value.path, caught.value.column, caught.value.row) == (path, "soleus", 42)
