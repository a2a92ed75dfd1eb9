"""The Camargo reader refuses a repeated EMG channel, flags implausible values with file, column
and row, and names the EMG file when the envelope's cut-off does not fit its rate."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from kinemyo.data.camargo import read_camargo
from kinemyo.data.camargo.writer import trial_path
from kinemyo.errors import DataFormatError, DataWarning
from tests.test_camargo_reader import (
    ANGLES,
    ID_COLUMNS,
    MOMENTS,
    SPEC_EMG,
    grid,
    moment_of,
    noise_emg,
    write_trial,
)

STEM = "treadmill_01_01"


def sensor_file(root: Path, sensor: str) -> Path:
    return trial_path(root, "AB06", "d", "treadmill", sensor, STEM).with_suffix(".csv")


def read_tree(root: Path) -> list[warnings.WarningMessage]:
    """Read the tree; the implausible-value warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_camargo(root, angles=ANGLES, moments=MOMENTS)
    return [w for w in caught if "beyond the plausible range" in str(w.message)]


def test_a_repeated_emg_channel_is_refused_not_read_as_ten(tmp_path: Path) -> None:
    write_trial(tmp_path, "AB06", "d", "treadmill", STEM, "csv")
    emg = sensor_file(tmp_path, "emg")
    lines = emg.read_text().splitlines(keepends=True)
    lines[0] = lines[0].replace("soleus", "gastrocmed")
    emg.write_text("".join(lines))
    with pytest.warns(DataWarning), pytest.raises(DataFormatError) as caught:
        read_camargo(tmp_path)
    assert caught.value.path == emg
    assert "repeated column names ['gastrocmed']" in str(caught.value)


@pytest.mark.parametrize("fmt", ["csv", "mat"])
def test_a_torque_of_3e38_is_flagged_with_file_column_and_row(tmp_path: Path, fmt: str) -> None:
    id_time = grid(0.2, 3.5, 200.0)
    moments = {name: moment_of(name, id_time) for name in ID_COLUMNS}
    moments["hip_flexion_r_moment"][41] = 3e38
    moments["pelvis_tx_force"][:] = 5000.0  # a force in N: not checked against N·m
    write_trial(tmp_path, "AB06", "d", "treadmill", STEM, fmt, moments=moments)
    (warning,) = read_tree(tmp_path)
    message = str(warning.message)
    path = trial_path(tmp_path, "AB06", "d", "treadmill", "id", STEM).with_suffix(f".{fmt}")
    assert message.startswith(f"{path}: ")
    assert "column 'hip_flexion_r_moment' row 42: 3e+38 N·m (plausible |x| <= 1000)" in message


def test_an_emg_value_of_3e38_volts_is_flagged(tmp_path: Path) -> None:
    def emg(t: np.ndarray) -> np.ndarray:
        values = noise_emg(t)
        values[1500, 4] = -3e38
        return values

    write_trial(tmp_path, "AB06", "d", "treadmill", STEM, "csv", emg=emg)
    (warning,) = read_tree(tmp_path)
    assert str(sensor_file(tmp_path, "emg")) in str(warning.message)
    assert f"column '{SPEC_EMG[4]}' row 1501: -3e+38 V" in str(warning.message)


def test_plausible_trial_gives_no_plausibility_warning(tmp_path: Path) -> None:
    write_trial(tmp_path, "AB06", "d", "treadmill", STEM, "csv")
    assert read_tree(tmp_path) == []


def test_the_nyquist_error_of_the_envelope_names_the_emg_file(tmp_path: Path) -> None:
    # EMG at 10 Hz: the 6 Hz low-pass of the envelope lies above its 5 Hz Nyquist frequency
    write_trial(tmp_path, "AB06", "d", "treadmill", STEM, "csv", emg_time=grid(0.0, 4.0, 10.0))
    with pytest.warns(DataWarning), pytest.raises(DataFormatError) as caught:
        read_camargo(tmp_path)
    error = caught.value
    assert error.path == sensor_file(tmp_path, "emg") and error.column == "Header"
    assert re.search(r"at the 10 Hz that Header shows: .*Nyquist frequency 5 Hz", str(error))
