"""Cycle-normalised arrays (npz and mat written by the test, the real SIAT knee cycles) and the
template baseline against hand-computed means of the training cycles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from kinemyo.data.cycles import joint_from_name, read_cycles, unit_from_name
from kinemyo.errors import DataFormatError, DataWarning
from kinemyo.models import create

REAL = Path(__file__).parents[2] / "shared/data/real"
KNEE = REAL / "siat_llmd_right_knee_wak_cycles.npz"

# 4 cycles x 3 points; the torque of cycle c at point p is 10 c + p.
ANGLE = np.array([[0.0, 10, 20], [1, 11, 21], [2, 12, 22], [3, 13, 23]])
TORQUE = 10.0 * np.arange(4)[:, None] + np.arange(3)[None, :]


@pytest.fixture
def npz(tmp_path: Path) -> Path:
    path = tmp_path / "lab_cycles.npz"
    np.savez(path, hip_angle_deg=ANGLE, hip_torque_nm=TORQUE, phase=np.tile([0, 0.5, 1], (4, 1)))
    return path


def test_units_and_joint_from_the_names() -> None:
    assert unit_from_name("knee_flexion_torque_nm") == "N·m"
    assert unit_from_name("knee_flexion_torque_nm_kg") == "N·m/kg"
    assert unit_from_name("knee_flexion_velocity_rad_s") == "rad/s"
    assert unit_from_name("soleus") == ""
    assert joint_from_name("knee_flexion_torque_nm") == "knee flexion"


def test_npz_reads_as_one_window_per_point_one_trial_per_cycle(npz: Path) -> None:
    cycles = read_cycles(npz)
    assert cycles.units == {"hip_angle_deg": "deg", "hip_torque_nm": "N·m"}
    np.testing.assert_array_equal(cycles.phase, [0, 0.5, 1])
    data = cycles.windowed(["hip_angle_deg"], "hip_torque_nm", cycles=np.array([1, 2]))
    assert (data.joints, data.quantities, data.units) == (("hip",), ("moment",), ("N·m",))
    np.testing.assert_array_equal(data.Y[:, 0, 0], [10, 11, 12, 20, 21, 22])
    np.testing.assert_array_equal(data.X[:, 0, 0], [1, 11, 21, 2, 12, 22])
    assert list(data.trial) == ["lab_cycles_c0002"] * 3 + ["lab_cycles_c0003"] * 3
    np.testing.assert_array_equal(data.time, [0, 0.5, 1, 0, 0.5, 1])


def test_mat_file_and_units_sidecar(tmp_path: Path) -> None:
    path = tmp_path / "export.mat"
    scipy.io.savemat(path, {"soleus": ANGLE, "ankle_moment": TORQUE})
    (tmp_path / "export.mat.units.json").write_text(json.dumps({"ankle_moment": "N·m/kg"}))
    cycles = read_cycles(path)
    assert cycles.units == {"soleus": "", "ankle_moment": "N·m/kg"}
    np.testing.assert_array_equal(cycles.arrays["ankle_moment"], TORQUE)
    np.testing.assert_array_equal(cycles.phase, [0, 0.5, 1])  # linspace when none is given


def test_matlab_73_files_get_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "v73.mat"
    text = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5"
    path.write_bytes(text.ljust(124, b" ") + b"\x00\x02IM" + b"\x00" * 400)
    with pytest.raises(DataFormatError, match=r"v7\.3 \(HDF5\).*-v7"):
        read_cycles(path)


def test_channels_of_different_shapes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, a_deg=ANGLE, b_nm=TORQUE[:, :2])
    with pytest.raises(DataFormatError, match=r"differ in shape.*no shape is the most common"):
        read_cycles(path)


def test_mat_row_vector_phase_and_a_scalar_beside_the_channels(tmp_path: Path) -> None:
    path = tmp_path / "matlab.mat"
    phase = np.array([[0.0, 0.25, 1.0]])  # MATLAB saves a row vector as 1 x N
    scipy.io.savemat(
        path, {"phase": phase, "hip_angle_deg": ANGLE, "hip_torque_nm": TORQUE, "mass": 72.5}
    )
    with pytest.warns(DataWarning, match=r"skipped \['mass'\].*\(4, 3\)"):
        cycles = read_cycles(path)
    assert sorted(cycles.arrays) == ["hip_angle_deg", "hip_torque_nm"]
    np.testing.assert_array_equal(cycles.phase, [0, 0.25, 1])
    np.testing.assert_array_equal(cycles.arrays["hip_torque_nm"], TORQUE)


def test_npz_one_dimensional_phase_is_used(tmp_path: Path) -> None:
    path = tmp_path / "flat.npz"
    np.savez(path, a_deg=ANGLE, b_nm=TORQUE, time=np.array([0.0, 0.1, 0.9]))
    cycles = read_cycles(path)
    np.testing.assert_array_equal(cycles.phase, [0, 0.1, 0.9])
    assert sorted(cycles.arrays) == ["a_deg", "b_nm"]


def test_phase_of_the_wrong_length_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "short.npz"
    np.savez(path, a_deg=ANGLE, b_nm=TORQUE, phase=np.array([0.0, 1.0]))
    with pytest.raises(DataFormatError, match=r"'phase' has shape \(2,\); expected 3"):
        read_cycles(path)


def test_damaged_units_sidecar_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "export.npz"
    np.savez(path, a_deg=ANGLE, b_nm=TORQUE)
    (tmp_path / "export.npz.units.json").write_text('{"a_deg": "deg",')
    with pytest.raises(DataFormatError, match=r"export\.npz\.units\.json.*not valid UTF-8 JSON"):
        read_cycles(path)


def test_template_predicts_the_mean_training_cycle_point_by_point(npz: Path) -> None:
    cycles = read_cycles(npz)
    train, test = cycles.split(0.5)  # cycles 0, 1 | 2, 3
    np.testing.assert_array_equal(train, [0, 1])
    model = create("template", bins=3).fit(
        cycles.windowed(["hip_angle_deg"], "hip_torque_nm", cycles=train)
    )
    prediction = model.predict(cycles.windowed(["hip_angle_deg"], "hip_torque_nm", cycles=test))
    # mean of cycles 0 and 1 at each point: (0 + 10) / 2, (1 + 11) / 2, (2 + 12) / 2
    np.testing.assert_allclose(prediction.mean[:, 0, 0], [5, 6, 7, 5, 6, 7], atol=1e-5)


def test_template_fills_a_phase_bin_without_training_windows_from_the_nearest(npz: Path) -> None:
    cycles = read_cycles(npz)
    data = cycles.windowed(["hip_angle_deg"], "hip_torque_nm", cycles=np.array([0, 1]))
    model = create("template", bins=5).fit(data)  # phases 0, .5, 1 -> bins 0, 2, 4
    # bins 1 and 3 are empty and equally near two bins: they take the earlier one
    template = model.template_[:, 0, 0] * model.y_scale_[0, 0] + model.y_mean_[0, 0]
    np.testing.assert_allclose(template, [5, 5, 6, 6, 7], atol=1e-5)


@pytest.mark.skipif(not KNEE.is_file(), reason=f"real knee cycles not found at {KNEE}")
def test_real_knee_cycles() -> None:
    cycles = read_cycles(KNEE)
    assert (cycles.n_cycles, cycles.n_points) == (657, 101)
    assert cycles.units == {
        "knee_flexion_angle_deg": "deg",
        "knee_flexion_velocity_rad_s": "rad/s",
        "knee_flexion_torque_nm": "N·m",
    }
    train, test = cycles.split(0.7)
    assert (train.size, test.size) == (460, 197) and not set(train) & set(test)


def test_compare_on_cycles_scores_on_the_test_cycles_only(npz: Path) -> None:
    from kinemyo.studies.cycles import compare_on_cycles

    table = compare_on_cycles(
        read_cycles(npz),
        ["hip_angle_deg"],
        "hip_torque_nm",
        {"template": lambda: create("template", bins=3)},
        0.5,
    )
    (row,) = table.itertuples()
    # template 5, 6, 7 against cycles 2 and 3 (20..22, 30..32): errors 15 x 3 and 25 x 3
    assert (row.train_cycles, row.test_cycles) == (2, 2)
    assert row.mae == pytest.approx(20.0, rel=1e-5)
    assert row.rmse == pytest.approx(np.sqrt((3 * 15**2 + 3 * 25**2) / 6), rel=1e-5)


def test_template_fills_each_empty_bin_from_its_nearer_neighbour(npz: Path) -> None:
    cycles = read_cycles(npz)
    data = cycles.windowed(["hip_angle_deg"], "hip_torque_nm", cycles=np.array([0, 1]))
    model = create("template", bins=7).fit(data)  # phases 0, .5, 1 -> bins 0, 3, 6
    # bin 1 is nearer bin 0, bin 2 nearer bin 3, bin 4 nearer 3, bin 5 nearer 6 (no ties)
    template = model.template_[:, 0, 0] * model.y_scale_[0, 0] + model.y_mean_[0, 0]
    np.testing.assert_allclose(template, [5, 5, 6, 6, 6, 7, 7], atol=1e-5)


def test_template_with_the_most_bins_and_many_filled_fits(tmp_path: Path) -> None:
    """100,000 bins with about 50,000 filled: a bins x filled distance matrix would be 40 GB."""
    points = 50_001
    torque = np.array([np.arange(points), np.arange(points) + 2.0])  # mean at point p: p + 1
    path = tmp_path / "long_cycles.npz"
    np.savez(path, hip_angle_deg=torque, hip_torque_nm=torque)
    data = read_cycles(path).windowed(["hip_angle_deg"], "hip_torque_nm")
    model = create("template", bins=100_000).fit(data)
    template = model.template_[:, 0, 0] * model.y_scale_[0, 0] + model.y_mean_[0, 0]
    assert template.shape == (100_000,)
    for point in (0, 1, 12_345, 25_000, 50_000):
        bin_ = round(point / (points - 1) * 99_999)
        np.testing.assert_allclose(template[bin_], point + 1.0, rtol=1e-6)
