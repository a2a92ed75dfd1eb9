"""read_storage refuses what would be wrong numbers (time out of order, inf, repeated columns)
and crafted files, reads OpenSim's header variants, and flags implausible values."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from kinemyo.data.opensim import read_storage
from kinemyo.errors import DataFormatError, DataWarning
from tests.test_opensim import OPENSIM_MOT

# OpenSim 3 / SIMM style: no name line of its own, space-separated "key value" lines.
OPENSIM3_MOT = (
    "name subject01_walk1_ik\n"
    "datacolumns 3\n"
    "datarows 2\n"
    "range 0 0.01\n"
    "endheader\n"
    "time hip_flexion_r knee_angle_r\n"
    "0.00 12.5 -3.25\n"
    "0.01 13.0 -2.75"  # no line end at the end of the file
)

ID_STO = (
    "Inverse Dynamics Generalized Forces\n"
    "version=1\n"
    "nRows=3\n"
    "nColumns=4\n"
    "inDegrees=no\n"
    "endheader\n"
    "time\thip_flexion_r_moment\tpelvis_ty_force\tknee_angle_r_moment\n"
    "0.000\t10.0\t-650.0\t-5.0\n"
    "0.005\t11.0\t-1700.0\t-6.0\n"
    "0.010\t12.0\t-700.0\t-7.0\n"
)


def write(tmp_path: Path, text: str, name: str = "ik.mot") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def refusal(path: Path) -> DataFormatError:
    with pytest.raises(DataFormatError) as caught:
        read_storage(path)
    assert str(path) in str(caught.value)
    return caught.value


def test_opensim3_header_and_a_last_line_without_line_end(tmp_path: Path) -> None:
    table = read_storage(write(tmp_path, OPENSIM3_MOT))
    assert table.name == "name subject01_walk1_ik"
    assert table.columns == ("hip_flexion_r", "knee_angle_r")
    np.testing.assert_array_equal(table.values, [[12.5, -3.25], [13.0, -2.75]])
    assert table.in_degrees is None


def test_blank_lines_between_rows_are_skipped(tmp_path: Path) -> None:
    text = OPENSIM_MOT.replace("-3.00000000\n", "-3.00000000\n\n   \n")
    table = read_storage(write(tmp_path, text))
    np.testing.assert_array_equal(table.time, [0.0, 0.005, 0.01])


@pytest.mark.parametrize(
    ("edit", "message", "row"),
    [
        (("0.00500000", "0.00000000"), r"time does not increase: 0 s follows 0 s", 2),
        (("0.01000000", "0.00400000"), r"time does not increase: 0\.004 s follows 0\.005 s", 3),
        (("0.00500000", "nan"), "time is missing", 2),
        (("     12.75000000", "     inf"), "'inf' is infinite", 2),
        (("     -2.75000000", "     -Infinity"), "'-Infinity' is infinite", 3),
    ],
)
def test_time_out_of_order_or_infinite_values_name_the_row(
    tmp_path: Path, edit: tuple[str, str], message: str, row: int
) -> None:
    path = write(tmp_path, OPENSIM_MOT.replace(*edit))
    with pytest.raises(DataFormatError, match=message) as caught:
        read_storage(path)
    assert caught.value.row == row and str(path) in str(caught.value)


def test_nan_is_a_missing_value_and_kept(tmp_path: Path) -> None:
    table = read_storage(write(tmp_path, OPENSIM_MOT.replace("     12.75000000", "     nan")))
    assert np.isnan(table.column("hip_flexion_r")[1])


def test_repeated_column_names_are_refused(tmp_path: Path) -> None:
    text = OPENSIM_MOT.replace("time\thip_flexion_r\tknee_angle_r", "time\tknee\tknee")
    assert "repeated column names ['knee']" in str(refusal(write(tmp_path, text)))


def test_a_short_row_is_named_not_padded_with_nan(tmp_path: Path) -> None:
    text = OPENSIM_MOT.replace("\t     -3.00000000", "")
    error = refusal(write(tmp_path, text))
    assert error.row == 2 and "2 values for 3 columns" in str(error)


def test_a_row_longer_than_its_columns_allow_is_refused(tmp_path: Path) -> None:
    text = OPENSIM_MOT.replace("     -3.00000000", "     -3." + "0" * 10_000)
    error = refusal(write(tmp_path, text))
    assert error.row == 2 and "row is longer than" in str(error)


def test_binary_and_endless_headers_are_refused(tmp_path: Path) -> None:
    nul = tmp_path / "nul.sto"
    nul.write_bytes(b"Coordinates\n" + b"\x00" * 100)
    assert "NUL bytes at byte 12" in str(refusal(nul))
    endless = write(tmp_path, "x=1\n" * 2000 + "endheader\ntime\n0\n")
    assert "no 'endheader' line in the first 1000 lines" in str(refusal(endless))


def test_implausible_moment_and_angle_warn_with_column_and_row(tmp_path: Path) -> None:
    text = ID_STO.replace("\t11.0\t", "\t3e38\t")
    with pytest.warns(DataWarning) as caught:
        table = read_storage(write(tmp_path, text, "id.sto"))
    (warning,) = caught
    message = str(warning.message)
    assert str(tmp_path / "id.sto") in message
    assert "column 'hip_flexion_r_moment' row 2: 3e+38 N·m" in message
    assert "pelvis_ty_force" not in message  # forces (N) are not checked
    assert table.values[1, 0] == pytest.approx(3e38)
    angles = OPENSIM_MOT.replace("     -2.75000000", "     -400.0")
    with pytest.warns(DataWarning, match=r"column 'knee_angle_r' row 3: -400 deg"):
        read_storage(write(tmp_path, angles))


def test_plausible_files_raise_no_warning(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_storage(write(tmp_path, ID_STO, "id.sto"))
        read_storage(write(tmp_path, OPENSIM_MOT))


def test_an_error_names_the_file_line_after_the_multi_line_header(tmp_path) -> None:
    path = tmp_path / "ik.mot"
    path.write_text("ik\nversion=1\ninDegrees=yes\nendheader\ntime\ta\tb\n0\t1\t2\n0.01\t1\n")
    with pytest.raises(DataFormatError, match=r"row 2 \(line 7\): 2 values for 3 columns"):
        read_storage(path)
