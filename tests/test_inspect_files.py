"""`kinemyo data inspect` on one OpenSim, C3D, .npz or .mat file: what it is and what to do,
instead of a SIAT column error. Files are written by the tests (ezc3d, plain text, numpy)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kinemyo.cli import main
from kinemyo.data.inspection import describe_file
from tests.test_c3d import write_c3d
from tests.test_c3d_lab import lab_signals

IK_MOT = """Coordinates
version=1
nRows=5
nColumns=3
inDegrees=yes

Units are S.I. units (second, meters, Newtons, ...)
Angles are in degrees.

endheader
time\tknee_angle_r\tpelvis_tx
0.00\t5.0\t0.1
0.01\t10.0\t0.2
0.02\t20.0\t0.3
0.03\t10.0\t0.4
0.04\t5.0\t0.5
"""


def test_c3d_lists_every_channel_with_unit_rate_and_flags(capsys, tmp_path: Path) -> None:
    path = write_c3d(tmp_path / "lab.c3d", lab_signals(), ["V", "V", "N", "Nmm", "mV"])
    description = describe_file(path)
    rows = {line.name: line for line in description.channels}
    assert [(n, rows[n].unit, rows[n].rate_hz) for n in rows] == [
        ("EMG1", "V", 1000.0),
        ("EMG2", "V", 1000.0),
        ("Fz", "N", 1000.0),
        ("Mx", "Nmm", 1000.0),
        ("EMG3", "mV", 1000.0),
    ]
    assert rows["EMG2"].remark == "wrong unit? peaks at 300 V; likely µV"
    assert rows["Fz"].remark.startswith("not a voltage") and rows["Mx"].remark.startswith("not a")
    assert rows["EMG3"].remark == "flat 1.99 s from row 11"
    assert rows["EMG1"].remark == ""
    assert ("duration", "2.000 s (2000 samples)") in description.facts
    assert main(["data", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "C3D motion-capture file" in out and "fix_units={'EMG2': 'µV'}" in out
    assert "SIAT" not in out


def test_opensim_file_says_columns_rate_duration_and_units(capsys, tmp_path: Path) -> None:
    path = tmp_path / "subject01_ik.mot"
    path.write_text(IK_MOT)
    description = describe_file(path)
    assert description.kind == "OpenSim storage file ('Coordinates')"
    assert ("rate", "100 Hz (median step)") in description.facts
    assert ("duration", "0.040 s (5 rows)") in description.facts
    assert [(c.name, c.unit, c.minimum, c.maximum) for c in description.channels] == [
        ("knee_angle_r", "deg", 5.0, 20.0),
        ("pelvis_tx", "m", 0.1, 0.5),
    ]
    assert main(["data", "inspect", str(path)]) == 0
    assert "kinemyo data manifest" in capsys.readouterr().out


def test_npz_cycles_and_an_unreadable_mat(capsys, tmp_path: Path) -> None:
    npz = tmp_path / "cycles.npz"
    np.savez(npz, knee_angle_deg=np.ones((3, 11)), knee_torque_nm=np.zeros((3, 11)))
    description = describe_file(npz)
    assert ("cycles", "3") in description.facts
    assert [c.unit for c in description.channels] == ["deg", "N·m"]
    assert main(["data", "inspect", str(npz)]) == 0
    assert "read_cycles" in capsys.readouterr().out
    mat = tmp_path / "v73.mat"
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema 1.00"
    mat.write_bytes(header.ljust(124, b" ") + b"\x00\x02IM" + b"\x00" * 400)
    assert main(["data", "inspect", str(mat)]) == 1
    assert "v7.3 (HDF5)" in capsys.readouterr().out


def test_inspect_names_a_dead_emg_channel_of_a_siat_file(tmp_path: Path) -> None:
    from kinemyo.data.inspection import inspect_siat_llmd
    from kinemyo.data.siat_llmd import schema

    fs, n = 1920, 3 * 1920
    rng = np.random.default_rng(0)
    emg = rng.normal(0, 0.05, size=(n, 9)).round(6)
    emg[:, 4] = 0.0  # upper tibialis anterior: a dead lead, 0 throughout
    lines = [",".join(schema.EMG_ONLY_COLUMNS)]
    lines += [f"{i / fs:.6f}," + ",".join(f"{v:.6f}" for v in row) for i, row in enumerate(emg)]
    path = tmp_path / "Sub01_WAK_Data.csv"
    path.write_text("\n".join(lines) + "\n")
    report = inspect_siat_llmd(path)
    (flat,) = [p.message for p in report.problems if "flat or dead" in p.message]
    assert "'upper tibialis anterior' is constant (0) over the whole trial" in flat
    assert "soleus" not in flat
