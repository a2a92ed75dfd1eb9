"""read_storage on .mot/.sto files written here in the layouts OpenSim itself writes, not by
kinemyo's writer.

Two writers of OpenSim 4 make the files users bring:

- the ``Storage`` class (the IK, ID and Analyze tools): a name line, ``version=1``, ``nRows``,
  ``nColumns`` (time included), ``inDegrees``, a blank line, two lines of free text on units, a
  blank line, ``endheader``, the column line, then rows of ``%16.8f`` values, tab-separated;
- the ``STOFileAdapter`` (a ``TimeSeriesTable``: TableReporter, Moco): the table's metadata as
  ``key=value`` lines in sorted key order (no name line unless the metadata has one), then
  ``DataType=double``, ``version=3``, ``OpenSimVersion=4.x``, ``endheader``, values in full
  precision, ``nan`` for a missing one.

OpenSim on Windows writes its text files with CRLF line ends.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from kinemyo.data.opensim import column_units, read_storage

UNITS_NOTE = (
    "Units are S.I. units (second, meters, Newtons, ...)",
    "If the header above contains a line with 'inDegrees', this indicates whether rotational "
    "values are in degrees (yes) or radians (no).",
)


def storage_text(
    name: str, columns: list[str], time: np.ndarray, values: np.ndarray, in_degrees: bool
) -> list[str]:
    """The lines of a file as OpenSim's Storage class prints it."""
    lines = [
        name,
        "version=1",
        f"nRows={len(time)}",
        f"nColumns={len(columns) + 1}",
        f"inDegrees={'yes' if in_degrees else 'no'}",
        "",
        *UNITS_NOTE,
        "",
        "endheader",
        "\t".join(["time", *columns]),
    ]
    for t, row in zip(time, values, strict=True):
        lines.append("\t".join(f"{v:16.8f}" for v in (t, *row)))
    return lines


def table_adapter_text(
    metadata: dict[str, str], columns: list[str], time: np.ndarray, values: np.ndarray
) -> list[str]:
    """The lines of a file as OpenSim's STOFileAdapter writes a TimeSeriesTable."""
    lines = [f"{key}={metadata[key]}" for key in sorted(metadata)]
    lines += ["DataType=double", "version=3", "OpenSimVersion=4.5-2024-01-10-34fd6af", "endheader"]
    lines.append("\t".join(["time", *columns]))
    for t, row in zip(time, values, strict=True):
        lines.append("\t".join("nan" if np.isnan(v) else repr(float(v)) for v in (t, *row)))
    return lines


def write(path: Path, lines: list[str], newline: str) -> Path:
    path.write_bytes((newline.join(lines) + newline).encode())
    return path


def ik_values(n: int = 40) -> tuple[list[str], np.ndarray, np.ndarray]:
    time = np.arange(n) / 100.0
    columns = ["pelvis_tilt", "pelvis_tx", "hip_flexion_r", "knee_angle_r", "ankle_angle_r"]
    values = np.column_stack(
        [
            -3 + np.sin(time),
            0.8 * time,  # m
            30 * np.sin(2 * np.pi * time),
            -40 - 20 * np.cos(2 * np.pi * time),  # knee flexion is negative in OpenSim
            1e-5 * np.arange(n),  # small angles
        ]
    )
    return columns, time, values


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_inverse_kinematics_as_the_storage_class_writes_it(tmp_path: Path, newline: str) -> None:
    columns, time, values = ik_values()
    lines = storage_text("Coordinates", columns, time, values, in_degrees=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # plausible values raise no DataWarning
        table = read_storage(write(tmp_path / "subject01_walk1_ik.mot", lines, newline))
    assert table.name == "Coordinates" and table.in_degrees is True
    assert table.columns == tuple(columns)
    assert table.header == {"version": "1"}
    np.testing.assert_allclose(table.time, time, rtol=0, atol=5e-9)
    np.testing.assert_allclose(table.values, values, rtol=0, atol=5e-9)
    assert column_units(table) == ["deg", "m", "deg", "deg", "deg"]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_inverse_dynamics_as_the_storage_class_writes_it(tmp_path: Path, newline: str) -> None:
    time = np.arange(25) / 200.0
    columns = ["pelvis_ty_force", "hip_flexion_r_moment", "hip_adduction_r_moment"]
    values = np.column_stack([-700 + 50 * np.sin(time), 60 * np.cos(9 * time), -0.0 * time])
    lines = storage_text("Inverse Dynamics Generalized Forces", columns, time, values, False)
    table = read_storage(write(tmp_path / "inverse_dynamics.sto", lines, newline))
    assert table.name == "Inverse Dynamics Generalized Forces" and table.in_degrees is False
    np.testing.assert_allclose(table.values, values, rtol=0, atol=5e-9)
    assert (table.values[:, 2] == 0).all()  # "-0.00000000" cells
    assert column_units(table) == ["N", "N·m", "N·m"]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_a_time_series_table_with_datatype_and_opensim_version(tmp_path: Path, newline) -> None:
    columns, time, values = ik_values(30)
    values[4, 2] = np.nan  # a missing value, written "nan"
    metadata = {"nRows": str(len(time)), "nColumns": str(len(columns) + 1), "inDegrees": "yes"}
    lines = table_adapter_text(metadata, columns, time, values)
    assert lines[:7] == [
        "inDegrees=yes",
        "nColumns=6",
        "nRows=30",
        "DataType=double",
        "version=3",
        "OpenSimVersion=4.5-2024-01-10-34fd6af",
        "endheader",
    ]
    table = read_storage(write(tmp_path / "table_reporter.sto", lines, newline))
    assert table.name == "" and table.in_degrees is True  # no name line
    assert table.header == {
        "DataType": "double",
        "version": "3",
        "OpenSimVersion": "4.5-2024-01-10-34fd6af",
    }
    np.testing.assert_array_equal(table.time, time)
    np.testing.assert_array_equal(table.values, values)  # full precision, NaN kept


def test_a_moco_trajectory_with_path_names_and_its_own_metadata(tmp_path: Path) -> None:
    time = np.linspace(0.0, 1.0, 11)
    columns = [
        "/jointset/hip_r/hip_flexion_r/value",
        "/jointset/hip_r/hip_flexion_r/speed",
        "/forceset/soleus_r/activation",
    ]
    values = np.column_stack([0.5 * np.sin(time), 0.5 * np.cos(time), 0.01 + 0.2 * time])
    metadata = {"inDegrees": "no", "num_controls": "1", "num_states": "2", "num_slacks": "0"}
    lines = table_adapter_text(metadata, columns, time, values)
    table = read_storage(write(tmp_path / "solution.sto", lines, "\n"))
    assert table.columns == tuple(columns) and table.in_degrees is False
    assert table.header["num_states"] == "2" and table.header["DataType"] == "double"
    np.testing.assert_array_equal(table.values, values)
    assert column_units(table) == ["", "", ""]  # radians are not assumed


def test_a_header_with_blank_and_comment_lines_around_the_counts(tmp_path: Path) -> None:
    """Free text between the counts and before ``endheader``, and a trailing tab on every row (as
    hand-edited and script-written files have), are read like the plain layout."""
    columns, time, values = ik_values(12)
    plain = storage_text("Coordinates", columns, time, values, in_degrees=True)
    lines = [
        plain[0],
        "",
        "Created by a lab script from the OpenSim IK results",
        *plain[1:4],
        "",
        *plain[4:10],
    ]
    lines += [row + "\t" for row in plain[10:]]
    table = read_storage(write(tmp_path / "edited.mot", lines, "\r\n"))
    assert table.name == "Coordinates" and table.in_degrees is True
    np.testing.assert_allclose(table.values, values, rtol=0, atol=5e-9)
