"""read_camargo on trees written in the Camargo layout from known signals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinemyo.data.camargo import EnvelopeConfig, read_camargo
from kinemyo.data.camargo.writer import trial_path, write_subject_info, write_table
from kinemyo.data.synthetic import CamargoCohortConfig, generate_camargo
from kinemyo.errors import DataFormatError, KinemyoError, MissingBodyMassError
from tests.conftest import SPEC_CAMARGO_EMG

# The spec's names, typed out here so the reader is checked against the spec, not against itself.
SPEC_EMG = SPEC_CAMARGO_EMG
IK_COLUMNS = [
    "pelvis_tilt",
    "knee_angle_r",
    "hip_flexion_r",
    "hip_adduction_r",
    "ankle_angle_r",
    "hip_rotation_r",
    "hip_flexion_l",
]
ID_COLUMNS = [
    "knee_angle_r_moment",
    "hip_flexion_r_moment",
    "pelvis_tx_force",
    "hip_adduction_r_moment",
]
ANGLES = ("hip_flexion_r", "hip_adduction_r", "hip_rotation_r", "knee_angle_r", "ankle_angle_r")
MOMENTS = ("hip_flexion_r_moment", "hip_adduction_r_moment")
RAMP_7_8 = 7.8  # spec: ramp 2 is 7.8 deg
RAMP_5_2 = 5.2  # spec: ramp 1 is 5.2 deg
SUBJECTS = [
    {"Subject": "AB06", "Age": 25, "Gender": "M", "Height": 180.0, "Weight": 72.5},  # cm
    {"Subject": "AB07", "Age": 31, "Gender": "F", "Height": 1650.0, "Weight": 61.0},  # mm
]


def grid(start: float, seconds: float, fs: float) -> np.ndarray:
    return start + np.arange(round(seconds * fs)) / fs


def angle_of(name: str, t: np.ndarray) -> np.ndarray:
    k = IK_COLUMNS.index(name)
    return 10.0 * (k + 1) * np.cos(2 * np.pi * 0.6 * t + k)


def moment_of(name: str, t: np.ndarray) -> np.ndarray:
    k = ID_COLUMNS.index(name)
    return 15.0 * (k + 1) * np.sin(2 * np.pi * 0.8 * t + k)


def speed_of(t: np.ndarray) -> np.ndarray:
    return 0.9 + 0.05 * t


def label_of(t: np.ndarray, mode: str) -> np.ndarray:
    moving = "rampascent" if mode == "ramp" else "walk"
    return np.where(t < 1.0025, "idle", np.where(t < 2.0025, moving, "stand"))


def noise_emg(t: np.ndarray) -> np.ndarray:
    return np.column_stack(
        [1e-3 * (k + 1) * np.sin(2 * np.pi * (40 + 7 * k) * t) for k in range(11)]
    )


def write_trial(
    root: Path,
    subject: str,
    date: str,
    mode: str,
    stem: str,
    fmt: str,
    *,
    emg_time: np.ndarray | None = None,
    emg: Callable[[np.ndarray], np.ndarray] = noise_emg,
    id_time: np.ndarray | None = None,
    ik_time: np.ndarray | None = None,
    ik: Callable[[str, np.ndarray], np.ndarray] = angle_of,
    moments: dict[str, np.ndarray] | None = None,
    sensors: tuple[str, ...] = ("emg", "ik", "id", "conditions"),
    ramp_incline: float | None = None,
    names: dict[str, str] | None = None,
) -> None:
    """One trial in the Camargo layout; ``names`` renames folders (e.g. emg -> EMG)."""
    names = names or {}
    emg_time = grid(0.0, 3.0, 1000.0) if emg_time is None else emg_time
    id_time = grid(0.2, 3.5, 200.0) if id_time is None else id_time
    ik_time = id_time if ik_time is None else ik_time
    moments = moments or {n: moment_of(n, id_time) for n in ID_COLUMNS}
    if mode == "treadmill":
        conditions = {
            "speed": pd.DataFrame({"Header": emg_time, "Speed": speed_of(emg_time)}),
            "trialStarts": np.array([[emg_time[0]]]),
            "trialEnds": np.array([[emg_time[-1]]]),
        }
    else:
        labels = pd.DataFrame({"Header": emg_time, "Label": label_of(emg_time, mode)})
        conditions = {"labels": labels}
        if ramp_incline is not None:
            conditions["rampIncline"] = np.array([[ramp_incline]])
    tables = {
        "emg": {
            "data": pd.DataFrame(
                {"Header": emg_time, **dict(zip(SPEC_EMG, emg(emg_time).T, strict=True))}
            )
        },
        "ik": {
            "data": pd.DataFrame({"Header": ik_time, **{n: ik(n, ik_time) for n in IK_COLUMNS}})
        },
        "id": {"data": pd.DataFrame({"Header": id_time, **moments})},
        "conditions": conditions,
    }
    for sensor in sensors:
        path = trial_path(
            root, subject, date, names.get(mode, mode), names.get(sensor, sensor), stem
        )
        write_table(path, tables[sensor], fmt)


TREE_TRIALS = [
    ("treadmill", "treadmill_01_01"),
    ("levelground", "levelground_ccw_normal_01_01"),
    ("ramp", "ramp_2_r_01_01"),
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """AB06 in CSV (date 10_09_18), AB07 in .mat (date 01_27_2019, with rampIncline)."""
    root = tmp_path_factory.mktemp("camargo")
    write_subject_info(root, SUBJECTS, "mat")
    for mode, stem in TREE_TRIALS:
        write_trial(root, "AB06", "10_09_18", mode, stem, "csv")
        write_trial(root, "AB07", "01_27_2019", mode, stem, "mat", ramp_incline=-7.5)
    (root / "AB06" / "osimxml").mkdir()
    return root


def test_tree_round_trips_csv_and_mat(tree: Path) -> None:
    calls = []
    dataset = read_camargo(
        tree, angles=ANGLES, moments=MOMENTS, progress=lambda *a: calls.append(a)
    )
    assert calls == [(i, 6) for i in range(1, 7)]
    assert dataset.missing == []
    order = [(t.recording.meta.subject, t.name.mode) for t in dataset.trials]
    assert order == [(s, m) for s in ("AB06", "AB07") for m, _ in TREE_TRIALS]
    id_time, emg_end = grid(0.2, 3.5, 200.0), 2.999
    masses = {"AB06": 72.5, "AB07": 61.0}
    for trial in dataset.trials:
        rec = trial.recording
        subject, mode = rec.meta.subject, trial.name.mode
        assert trial.date == {"AB06": "10_09_18", "AB07": "01_27_2019"}[subject]
        np.testing.assert_array_equal(rec.time, id_time[id_time <= emg_end])
        t = rec.time
        assert rec.moments.names == MOMENTS and rec.moments.units == ("N·m", "N·m")
        for name in MOMENTS:
            np.testing.assert_allclose(rec.moments.column(name), moment_of(name, t), rtol=1e-6)
        assert rec.angles.names == ANGLES and set(rec.angles.units) == {"deg"}
        for name in ANGLES:
            np.testing.assert_allclose(rec.angles.column(name), angle_of(name, t), rtol=1e-6)
        assert rec.emg.names == tuple(SPEC_EMG) and set(rec.emg.units) == {"V"}
        assert rec.meta.body_mass_kg == masses[subject]
        assert rec.meta.height_m == pytest.approx({"AB06": 1.80, "AB07": 1.65}[subject])
        assert rec.meta.dataset == "Camargo" and rec.meta.task == mode
        assert rec.meta.source == str(trial.files["id"])
        if mode == "treadmill":
            np.testing.assert_allclose(trial.belt_speed_m_s, speed_of(t), rtol=1e-12)
            assert rec.meta.speed_m_s == pytest.approx(np.median(speed_of(t)))
            assert set(rec.labels.status) == {"walk"}
        else:
            assert trial.belt_speed_m_s is None and rec.meta.speed_m_s is None
            np.testing.assert_array_equal(rec.labels.status, label_of(t, mode))
        expected_incline = {"AB06": RAMP_7_8, "AB07": 7.5}[subject] if mode == "ramp" else None
        assert rec.meta.incline_deg == expected_incline
        np.testing.assert_array_equal(rec.labels.group, np.zeros(t.size))
    summary = dataset.summary()
    assert list(summary["expected"]) == [1] * 6 and list(summary["found"]) == [1] * 6


def test_moments_per_kg_are_newton_metres_over_weight(tree: Path) -> None:
    per_kg = read_camargo(tree, subjects=["ab07"], moment_unit="Nm/kg", moments=MOMENTS)
    assert {t.recording.meta.subject for t in per_kg.trials} == {"AB07"}
    for trial in per_kg.trials:
        rec = trial.recording
        assert rec.moment_unit == "N·m/kg"
        for name in MOMENTS:
            expected = moment_of(name, rec.time) / 61.0
            np.testing.assert_allclose(rec.moments.column(name), expected, rtol=1e-6)


def test_trial_names_and_folders_match_case_insensitively(tmp_path: Path) -> None:
    write_subject_info(tmp_path, SUBJECTS, "csv")
    capitals = {"ramp": "Ramp", "emg": "EMG", "ik": "IK", "id": "ID", "conditions": "Conditions"}
    write_trial(tmp_path, "AB06", "9_1_2018", "ramp", "Ramp_1_L_01_01", "csv", names=capitals)
    write_trial(tmp_path, "AB06", "9_1_2018", "ramp", "ramp_1_r_01_01", "csv", names=capitals)
    dataset = read_camargo(tmp_path, modes=("RAMP",), trials=["ramp_1_l_01_01"])
    (trial,) = dataset.trials
    assert trial.name.stem == "Ramp_1_L_01_01" and trial.name.leading_leg == "l"
    assert trial.recording.meta.incline_deg == RAMP_5_2  # no rampIncline in CSV: the spec table
    assert trial.files["emg"].parent.name == "EMG"
    assert dataset.missing == []


def test_mat_is_preferred_to_csv_of_the_same_stem(tmp_path: Path) -> None:
    write_trial(tmp_path, "AB06", "d", "treadmill", "treadmill_01_01", "mat")
    doubled = {n: 2 * moment_of(n, grid(0.2, 3.5, 200.0)) for n in ID_COLUMNS}
    write_trial(tmp_path, "AB06", "d", "treadmill", "treadmill_01_01", "csv", moments=doubled)
    with pytest.warns(UserWarning, match="SubjectInfo"):
        (trial,) = read_camargo(tmp_path, moments=MOMENTS).trials
    assert trial.files["id"].suffix == ".mat"
    rec = trial.recording
    expected = moment_of(MOMENTS[0], rec.time)
    np.testing.assert_allclose(rec.moments.column(MOMENTS[0]), expected, rtol=1e-6)


def test_missing_sensor_and_trial_are_listed_and_the_rest_is_read(tmp_path: Path) -> None:
    write_subject_info(tmp_path, SUBJECTS, "csv")
    for stem in ("treadmill_01_01", "treadmill_02_01"):
        write_trial(tmp_path, "AB06", "10_09_18", "treadmill", stem, "csv")
    no_emg = ("ik", "id", "conditions")
    write_trial(tmp_path, "AB07", "1_2_2019", "treadmill", "treadmill_01_01", "csv", sensors=no_emg)
    junk = tmp_path / "AB06" / "10_09_18" / "treadmill" / "emg" / "treadmill_old.csv"
    junk.write_text("Header\n0\n")
    dataset = read_camargo(tmp_path, subjects=["AB06", "AB07", "AB09"])
    assert [(t.recording.meta.subject, t.name.stem) for t in dataset.trials] == [
        ("AB06", "treadmill_01_01"),
        ("AB06", "treadmill_02_01"),
    ]
    listed = {(m.subject, m.mode, m.trial, m.sensor) for m in dataset.missing}
    assert listed == {
        ("AB07", "treadmill", "treadmill_01_01", "emg"),
        ("AB07", "treadmill", "treadmill_02", None),
        ("AB09", None, None, None),
    }
    assert dataset.unrecognised == [junk]
    summary = dataset.summary().set_index("subject")
    assert summary.loc["AB06", "found"] == 2 and summary.loc["AB07", "missing"] == 2


def test_nothing_readable_says_what_was_searched(tmp_path: Path) -> None:
    no_emg = ("ik", "id", "conditions")
    write_trial(tmp_path, "AB06", "d", "treadmill", "treadmill_01_01", "csv", sensors=no_emg)
    with pytest.warns(UserWarning), pytest.raises(KinemyoError, match=r"No readable.*emg"):
        read_camargo(tmp_path)


def test_emg_and_ik_are_aligned_on_header_not_on_row_numbers(tmp_path: Path) -> None:
    emg_time = grid(0.0, 6.0, 1000.0)
    id_time = grid(1.0025, 3.0, 200.0)  # starts later, between two EMG samples
    ik_time = grid(0.5, 4.0, 200.0) + 0.0025  # another offset, 200 Hz
    amplitude, offset = 2e-3, 5e-4

    def slow(t: np.ndarray) -> np.ndarray:
        return np.repeat((amplitude * np.sin(2 * np.pi * 0.7 * t) + offset)[:, None], 11, axis=1)

    def linear(name: str, t: np.ndarray) -> np.ndarray:
        return 3.0 + 2.0 * t + IK_COLUMNS.index(name)

    write_trial(
        tmp_path, "AB06", "d", "treadmill", "treadmill_01_01", "csv",
        emg_time=emg_time, emg=slow, id_time=id_time, ik_time=ik_time, ik=linear,
    )  # fmt: skip
    with pytest.warns(UserWarning):
        dataset = read_camargo(tmp_path, envelope=EnvelopeConfig(lowpass_hz=None))
    rec = dataset.trials[0].recording
    np.testing.assert_array_equal(rec.time, id_time)
    written = slow(emg_time)[:, 0]
    expected = np.abs(amplitude * np.sin(2 * np.pi * 0.7 * rec.time) + offset - written.mean())
    for k in range(11):
        np.testing.assert_allclose(rec.emg.values[:, k], expected, atol=1e-5)
    by_row = np.abs(written[5 * np.arange(rec.time.size)] - written.mean())
    assert np.max(np.abs(by_row - expected)) > 1e-4  # row-number alignment would be wrong
    for name in ANGLES:
        np.testing.assert_allclose(rec.angles.column(name), linear(name, rec.time), rtol=1e-6)
    np.testing.assert_allclose(dataset.trials[0].belt_speed_m_s, speed_of(rec.time), rtol=1e-12)


def test_causal_envelope_of_an_amplitude_step(tmp_path: Path) -> None:
    emg_time = grid(0.0, 6.0, 1000.0)

    def carrier(t: np.ndarray) -> np.ndarray:
        amplitude = np.where(t < 3.0, 1e-3, 3e-3)  # 300 whole 100 Hz periods on each side
        return np.repeat((amplitude * np.sin(2 * np.pi * 100.0 * t))[:, None], 11, axis=1)

    write_trial(
        tmp_path, "AB06", "d", "treadmill", "treadmill_01_01", "csv",
        emg_time=emg_time, emg=carrier, id_time=grid(0.0, 6.0, 200.0),
    )  # fmt: skip
    with pytest.warns(UserWarning):
        causal = read_camargo(tmp_path).trials[0].recording
    with pytest.warns(UserWarning):
        zero_phase = read_camargo(tmp_path, envelope=EnvelopeConfig(causal=False))
    zero_phase_rec = zero_phase.trials[0].recording
    t, env = causal.time, causal.emg.values[:, 0]
    # A low-pass has unit gain at 0 Hz: its steady output is the mean of the rectified samples
    # of one period (2A/pi for a continuous sine; 10 samples per period give a little less).
    mean_rectified = np.mean(np.abs(np.sin(2 * np.pi * np.arange(10) / 10)))
    before, after = (t >= 1.0) & (t < 3.0), (t >= 4.5) & (t < 5.9)
    np.testing.assert_allclose(env[before], 1e-3 * mean_rectified, rtol=0.01)
    np.testing.assert_allclose(env[after], 3e-3 * mean_rectified, rtol=0.01)
    just_before = np.flatnonzero(np.isclose(t, 2.95))[0]
    assert zero_phase_rec.emg.values[just_before, 0] > 1.05e-3 * mean_rectified


def test_nan_moments_drop_frames_and_start_new_groups(tmp_path: Path) -> None:
    id_time = grid(0.0, 2.0, 200.0)
    moments = {n: moment_of(n, id_time) for n in ID_COLUMNS}
    moments["hip_flexion_r_moment"][[10, 11, 12, 13, 14, 30]] = np.nan
    moments["hip_adduction_r_moment"][50] = np.nan
    write_trial(
        tmp_path, "AB06", "d", "levelground", "levelground_cw_slow_01_01", "csv",
        emg_time=grid(0.0, 2.5, 1000.0), id_time=id_time, moments=moments,
    )  # fmt: skip
    dropped = [10, 11, 12, 13, 14, 30, 50]
    with pytest.warns(UserWarning):
        rec = read_camargo(tmp_path, moments=MOMENTS).trials[0].recording
    np.testing.assert_array_equal(rec.time, np.delete(id_time, dropped))
    groups = np.repeat([0, 1, 2, 3], [10, 15, 19, 349])
    np.testing.assert_array_equal(rec.labels.group, groups)
    assert rec.moments.valid is None
    np.testing.assert_allclose(rec.moments.column(MOMENTS[0]), moment_of(MOMENTS[0], rec.time))

    with pytest.warns(UserWarning):
        kept = read_camargo(tmp_path, moments=MOMENTS, nan_moments="keep").trials[0].recording
    np.testing.assert_array_equal(kept.time, id_time)
    np.testing.assert_array_equal(np.flatnonzero(~kept.moments.valid[:, 0]), dropped[:6])
    np.testing.assert_array_equal(np.flatnonzero(~kept.moments.valid[:, 1]), [50])
    assert np.all(kept.moments.values[~kept.moments.valid] == 0)
    np.testing.assert_array_equal(kept.labels.group, np.zeros(id_time.size))


def test_a_gap_in_the_emg_header_drops_its_frames_and_splits_groups(tmp_path: Path) -> None:
    emg_time = grid(0.0, 2.5, 1000.0)
    emg_time = emg_time[(emg_time <= 1.001) | (emg_time >= 1.202)]
    id_time = grid(0.0, 2.0, 200.0)
    write_trial(
        tmp_path, "AB06", "d", "treadmill", "treadmill_01_01", "csv",
        emg_time=emg_time, id_time=id_time,
    )  # fmt: skip
    with pytest.warns(UserWarning):
        rec = read_camargo(tmp_path, nan_moments="keep").trials[0].recording
    inside_gap = (id_time > 1.001) & (id_time < 1.202)
    np.testing.assert_array_equal(rec.time, id_time[~inside_gap])
    np.testing.assert_array_equal(np.unique(rec.labels.group[rec.time > 1.2]), [1])
    np.testing.assert_array_equal(np.unique(rec.labels.group[rec.time < 1.0]), [0])


def test_missing_moment_column_names_file_and_column(tmp_path: Path) -> None:
    write_trial(tmp_path, "AB06", "d", "treadmill", "treadmill_01_01", "csv")
    with pytest.warns(UserWarning), pytest.raises(DataFormatError) as caught:
        read_camargo(tmp_path, moments=("hip_flexion_r_moment", "hip_extension_moment"))
    error = caught.value
    assert error.column == "hip_extension_moment"
    assert error.path == trial_path(
        tmp_path, "AB06", "d", "treadmill", "id", "treadmill_01_01"
    ).with_suffix(".csv")
    assert "hip_flexion_r_moment" in str(error) and str(error.path) in str(error)


@pytest.mark.parametrize("fmt", ["csv", "mat"])
def test_non_increasing_header_names_the_row(tmp_path: Path, fmt: str) -> None:
    id_time = grid(0.2, 3.5, 200.0)
    ik_time = id_time.copy()
    id_time[7] = id_time[6]
    write_trial(
        tmp_path, "AB06", "d", "treadmill", "treadmill_01_01", fmt,
        id_time=id_time, ik_time=ik_time,
    )  # fmt: skip
    with pytest.warns(UserWarning), pytest.raises(DataFormatError) as caught:
        read_camargo(tmp_path)
    assert caught.value.row == 8 and caught.value.column == "Header"
    assert caught.value.path.parent.name == "id"


def test_table_without_header_is_an_error(tmp_path: Path) -> None:
    write_trial(tmp_path, "AB06", "d", "treadmill", "treadmill_01_01", "csv")
    path = trial_path(tmp_path, "AB06", "d", "treadmill", "emg", "treadmill_01_01")
    write_table(path, {"data": pd.DataFrame({"gastrocmed": np.zeros(5)})}, "csv")
    with pytest.warns(UserWarning), pytest.raises(DataFormatError, match="Header") as caught:
        read_camargo(tmp_path)
    assert caught.value.path == path.with_suffix(".csv")


def test_subject_absent_from_subject_info(tmp_path: Path) -> None:
    write_subject_info(tmp_path, SUBJECTS[:1], "csv")
    write_trial(tmp_path, "AB06", "d", "treadmill", "treadmill_01_01", "csv")
    write_trial(tmp_path, "AB07", "d", "treadmill", "treadmill_01_01", "csv")
    dataset = read_camargo(tmp_path)
    masses = {t.recording.meta.subject: t.recording.meta.body_mass_kg for t in dataset.trials}
    assert masses == {"AB06": 72.5, "AB07": None}
    assert dataset.subjects["AB07"].mass_kg is None
    with pytest.raises(MissingBodyMassError, match="AB07"):
        read_camargo(tmp_path, moment_unit="N·m/kg")


def test_subjects_are_expected_to_share_conditions_not_stems(tmp_path: Path) -> None:
    # AB06 walks clockwise and leads the ramp with the right leg, AB07 the other way round: no
    # trial is missing. AB07 has no fast level-ground trial: that condition is missing.
    write_subject_info(tmp_path, SUBJECTS, "csv")
    for stem in ("levelground_cw_normal_01_01", "levelground_cw_fast_01_01"):
        write_trial(tmp_path, "AB06", "10_09_18", "levelground", stem, "csv")
    write_trial(tmp_path, "AB06", "10_09_18", "ramp", "ramp_3_r_01_01", "csv")
    write_trial(tmp_path, "AB07", "1_2_2019", "levelground", "levelground_ccw_normal_02_01", "csv")
    write_trial(tmp_path, "AB07", "1_2_2019", "ramp", "Ramp_3_L_01_04", "csv")
    dataset = read_camargo(tmp_path)
    assert len(dataset.trials) == 5
    listed = {(m.subject, m.mode, m.trial, m.sensor) for m in dataset.missing}
    assert listed == {("AB07", "levelground", "levelground_fast", None)}
    summary = dataset.summary().set_index(["subject", "mode"])
    assert summary.loc[("AB07", "levelground"), "expected"] == 2
    assert summary.loc[("AB07", "levelground"), "found"] == 1
    assert summary.loc[("AB06", "ramp"), "missing"] == 0


def test_the_generated_cohort_reads_back_exactly(tmp_path: Path) -> None:
    config = CamargoCohortConfig(
        subjects=1,
        treadmill_trials=1,
        plateau_seconds=2.0,
        transition_seconds=1.0,
        levelground_speeds=("normal",),
        levelground_bouts=1,
        ramps=(3,),
        seed=5,
    )
    summary = generate_camargo(tmp_path, config)
    dataset = read_camargo(tmp_path, moment_unit="N·m/kg")
    assert len(dataset.trials) == summary.trials == 3 and not dataset.missing
    info = pd.read_csv(tmp_path / "SubjectInfo.csv").set_index("Subject")
    for trial in dataset.trials:
        (date,) = [p.name for p in (tmp_path / "AB01").iterdir()]
        folder = tmp_path / "AB01" / date / trial.name.mode
        written = pd.read_csv(folder / "id" / f"{trial.name.stem}.csv").set_index("Header")
        # Every kept frame is an id row with measured moments, in N·m / SubjectInfo Weight.
        rows = written.loc[np.round(trial.recording.time, 6)]
        expected = rows[["hip_flexion_r_moment", "hip_adduction_r_moment"]].to_numpy()
        np.testing.assert_allclose(
            trial.recording.moments.values, expected / info.loc["AB01", "Weight"], rtol=1e-5
        )
        # ... and the frames dropped are exactly those without measured moments (off the plates).
        unmeasured = written.index[written[["hip_flexion_r_moment", "hip_adduction_r_moment"]]
                                   .isna().any(axis=1)]  # fmt: skip
        assert set(written.index.difference(rows.index)) == set(unmeasured)
    treadmill = dataset.trials[0]
    plateaus = {0.50, 1.30, 1.70, 0.90}  # trial 01 (spec)
    steady = np.round(treadmill.belt_speed_m_s, 2)
    assert plateaus <= set(steady)
    ramp = next(t for t in dataset.trials if t.name.mode == "ramp")
    assert {"rampascent", "rampdescent"} <= set(ramp.recording.labels.status)
    assert ramp.recording.meta.incline_deg == pytest.approx(9.2)
