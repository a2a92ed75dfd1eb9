"""OpenSim .mot/.sto files: round trip, OpenSim's own format, and bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kinemyo.data.opensim import StorageTable, read_storage, write_storage
from kinemyo.errors import DataFormatError

# A file as OpenSim 4 writes inverse-kinematics results (header text typed from its output style).
OPENSIM_MOT = (
    "Coordinates\n"
    "version=1\n"
    "nRows=3\n"
    "nColumns=3\n"
    "inDegrees=yes\n"
    "\n"
    "Units are S.I. units (second, meters, Newtons, ...)\n"
    "If the header above contains a line with 'inDegrees', this indicates whether rotational "
    "values are in degrees (yes) or radians (no).\n"
    "\n"
    "endheader\n"
    "time\thip_flexion_r\tknee_angle_r\n"
    "      0.00000000\t     12.50000000\t     -3.25000000\n"
    "      0.00500000\t     12.75000000\t     -3.00000000\n"
    "      0.01000000\t     13.00000000\t     -2.75000000\n"
)


def test_reads_a_file_in_the_format_opensim_writes(tmp_path: Path) -> None:
    path = tmp_path / "ik.mot"
    path.write_text(OPENSIM_MOT)
    table = read_storage(path)
    assert table.name == "Coordinates" and table.in_degrees is True
    assert table.columns == ("hip_flexion_r", "knee_angle_r")
    np.testing.assert_allclose(table.time, [0.0, 0.005, 0.01])
    np.testing.assert_allclose(table.column("knee_angle_r"), [-3.25, -3.0, -2.75])
    assert table.header == {"version": "1"}


def test_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    original = StorageTable(
        name="Inverse Dynamics Generalized Forces",
        columns=("hip_flexion_r_moment", "hip_adduction_r_moment"),
        time=np.arange(50) / 200,
        values=rng.normal(0, 30, (50, 2)),
        in_degrees=False,
    )
    write_storage(tmp_path / "id.sto", original)
    text = (tmp_path / "id.sto").read_text().splitlines()
    assert text[:5] == [
        "Inverse Dynamics Generalized Forces",
        "version=1",
        "nRows=50",
        "nColumns=3",
        "inDegrees=no",
    ]
    assert text[6] == "time\thip_flexion_r_moment\thip_adduction_r_moment"
    back = read_storage(tmp_path / "id.sto")
    assert back.columns == original.columns and back.in_degrees is False
    np.testing.assert_allclose(back.values, original.values, rtol=1e-7)
    np.testing.assert_allclose(back.time, original.time, rtol=1e-7)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("endheader\n", ""), "no 'endheader'"),
        (lambda t: t.replace("nRows=3", "nRows=4"), "nRows=4 but the data have 3"),
        (lambda t: t.replace("time\t", "frame\t"), "first column must be 'time'"),
        (lambda t: t.replace("     12.75000000", "     abc"), "'abc' is not a number"),
    ],
)
def test_bad_files_get_clear_errors(tmp_path: Path, edit, message) -> None:
    path = tmp_path / "bad.mot"
    path.write_text(edit(OPENSIM_MOT))
    with pytest.raises(DataFormatError, match=message) as info:
        read_storage(path)
    assert str(path) in str(info.value)


def test_bad_cell_names_column_and_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.mot"
    path.write_text(OPENSIM_MOT.replace("     -3.00000000", "     x"))
    with pytest.raises(DataFormatError) as info:
        read_storage(path)
    assert info.value.column == "knee_angle_r" and info.value.row == 2
