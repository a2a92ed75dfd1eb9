"""The synthetic Camargo-layout cohort: files laid out as the dataset, and gait that is gait.

The files are read back with pandas and mat-io, never with a kinemyo reader, and checked against
the dataset facts of ``shared/specs/camargo.md`` and the gait literature, typed out here rather
than imported from kinemyo.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import signal, stats

from kinemyo.data.synthetic import (
    CamargoCohortConfig,
    CamargoCohortSummary,
    generate_camargo,
)
from kinemyo.errors import KinemyoError
from tests.conftest import SPEC_CAMARGO_EMG

SPEC_EMG = SPEC_CAMARGO_EMG
SPEC_IK = [
    *("pelvis_tilt", "pelvis_list", "pelvis_rotation", "pelvis_tx", "pelvis_ty", "pelvis_tz"),
    *("hip_flexion_r", "hip_adduction_r", "hip_rotation_r", "knee_angle_r", "ankle_angle_r"),
    *("subtalar_angle_r", "mtp_angle_r"),
    *("hip_flexion_l", "hip_adduction_l", "hip_rotation_l", "knee_angle_l", "ankle_angle_l"),
    *("subtalar_angle_l", "mtp_angle_l"),
    *("lumbar_extension", "lumbar_bending", "lumbar_rotation"),
]
SPEC_ID = [
    f"{c}_force" if c in ("pelvis_tx", "pelvis_ty", "pelvis_tz") else f"{c}_moment" for c in SPEC_IK
]
HIP_FLEXION, HIP_ADDUCTION = "hip_flexion_r_moment", "hip_adduction_r_moment"
SENSORS = ("conditions", "emg", "gcLeft", "gcRight", "id", "ik")
TREADMILL_01 = [0.50, 1.30, 1.70, 0.90]
TREADMILL_07 = [0.80, 1.60, 2.00, 1.20]  # each later trial adds 0.05 m/s
INCLINES = {1: 5.2, 6: 18.0}
STEMS = {
    "treadmill": re.compile(r"^treadmill_0[1-7]_01$"),
    "levelground": re.compile(r"^levelground_(cw|ccw)_normal_01_01$"),
    "ramp": re.compile(r"^ramp_[16]_[rl]_01_01$"),
}
CONFIG = CamargoCohortConfig(
    subjects=2,
    seed=1,  # subjects of 70.4 and 52.9 kg
    plateau_seconds=3.0,
    transition_seconds=1.0,
    levelground_speeds=("normal",),
    ramps=tuple(INCLINES),
    force_plate_strides=(3, 4),
)
TINY = CamargoCohortConfig(
    subjects=1, treadmill_trials=1, plateau_seconds=2.0, levelground_speeds=(), ramps=()
)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> CamargoCohortSummary:
    return generate_camargo(tmp_path_factory.mktemp("camargo"), CONFIG)


def subject_info(root: Path) -> pd.DataFrame:
    return pd.read_csv(root / "SubjectInfo.csv").set_index("Subject")


def read(root: Path, subject: str, mode: str, sensor: str, stem: str) -> pd.DataFrame:
    (date,) = (root / subject).iterdir()
    return pd.read_csv(date / mode / sensor / f"{stem}.csv")


def stride_starts(gait_cycle: pd.DataFrame) -> np.ndarray:
    """Rows where HeelStrike falls to 0: the start of a stride."""
    heel = gait_cycle["HeelStrike"].to_numpy()
    return np.flatnonzero(np.diff(heel) < -50) + 1


def stance_peaks(root: Path, subject: str, mode: str, stem: str, column: str) -> pd.DataFrame:
    """Per complete stride with valid id: the stance (first 60 %) minimum and maximum of
    ``column`` per kg, the belt speed or label at its start and whether it held to the end, hip
    flexion at heel strike and the greatest knee flexion of the first 40 %, deg."""
    mass = subject_info(root).loc[subject, "Weight"]
    ids, ik = read(root, subject, mode, "id", stem), read(root, subject, mode, "ik", stem)
    conditions = read(root, subject, mode, "conditions", stem)
    moment = ids[column].to_numpy() / mass
    starts = stride_starts(read(root, subject, mode, "gcRight", stem))
    rows = []
    for first, end in itertools.pairwise(starts):
        stance = slice(first, first + int(0.6 * (end - first)))
        loading = slice(first, first + int(0.4 * (end - first)))
        if np.isnan(moment[first:end]).any():
            continue
        at = np.searchsorted(conditions["Header"], ids["Header"][[first, end - 1]])
        course = conditions.iloc[:, 1].to_numpy()[at]
        rows.append(
            {
                "condition": course[0],
                "steady": course[0] == course[1],
                "low": moment[stance].min(),
                "high": moment[stance].max(),
                "hip_at_strike": ik["hip_flexion_r"].iloc[first],
                "knee_loading": -ik["knee_angle_r"].iloc[loading].min(),
            }
        )
    return pd.DataFrame(rows)


def treadmill_strides(root: Path, subject: str, column: str) -> pd.DataFrame:
    stems = [f"treadmill_{n:02d}_01" for n in range(1, 8)]
    frames = [stance_peaks(root, subject, "treadmill", s, column) for s in stems]
    strides = pd.concat(frames, ignore_index=True)
    return strides[strides["steady"]]


def test_files_follow_the_camargo_layout(cohort: CamargoCohortSummary) -> None:
    root = cohort.root
    info = pd.read_csv(root / "SubjectInfo.csv")
    assert list(info.columns) == ["Subject", "Age", "Gender", "Height", "Weight"]
    assert list(info["Subject"]) == ["AB01", "AB02"] == list(cohort.subjects)
    assert info["Weight"].between(40, 120).all() and info["Height"].between(1.4, 2.1).all()
    dates = [next((root / s).iterdir()).name for s in cohort.subjects]
    assert re.fullmatch(r"\d\d_\d\d_\d\d", dates[0]) and re.fullmatch(r"\d\d_\d\d_\d{4}", dates[1])
    for subject, date in zip(cohort.subjects, dates, strict=True):
        modes = sorted(p.name for p in (root / subject / date).iterdir())
        assert modes == ["levelground", "ramp", "treadmill"]
        for mode in modes:
            folder = root / subject / date / mode
            assert sorted(p.name for p in folder.iterdir()) == sorted(SENSORS)
            stems = {p.stem for p in (folder / "emg").iterdir()}
            assert all(STEMS[mode].match(stem) for stem in stems)
            assert len(stems) == {"treadmill": 7, "levelground": 1, "ramp": 2}[mode]
            for sensor in SENSORS:
                assert {p.name for p in (folder / sensor).iterdir()} == {f"{s}.csv" for s in stems}
    assert cohort.trials == 2 * 10
    assert len(cohort.files) == 1 + 6 * cohort.trials
    assert all(path.is_file() for path in cohort.files)


def test_columns_are_the_spec_columns(cohort: CamargoCohortSummary) -> None:
    for mode, stem in (("treadmill", "treadmill_01_01"), ("levelground", None)):
        stem = stem or next((cohort.root / "AB01").glob(f"*/{mode}/emg/*.csv")).stem
        columns = {s: list(read(cohort.root, "AB01", mode, s, stem).columns) for s in SENSORS}
        assert columns["emg"] == ["Header", *SPEC_EMG]
        assert columns["ik"] == ["Header", *SPEC_IK]
        assert columns["id"] == ["Header", *SPEC_ID]
        assert columns["gcRight"] == columns["gcLeft"] == ["Header", "HeelStrike", "ToeOff"]
        course = "Speed" if mode == "treadmill" else "Label"
        assert columns["conditions"] == ["Header", course]


def test_rates_and_a_shared_clock(cohort: CamargoCohortSummary) -> None:
    tables = {s: read(cohort.root, "AB02", "ramp", s, "ramp_1_l_01_01") for s in SENSORS}
    emg_time = tables["emg"]["Header"].to_numpy()
    np.testing.assert_allclose(np.diff(emg_time), 0.001, atol=1e-9)
    assert emg_time[0] == 0.0
    for sensor in ("ik", "id", "gcRight", "gcLeft"):
        time = tables[sensor]["Header"].to_numpy()
        np.testing.assert_allclose(np.diff(time), 0.005, atol=1e-9)
        assert 0.0 < time[0] < 0.005  # starts a few ms after the EMG: align on Header, not rows
        assert abs(time[-1] - emg_time[-1]) < 0.005
    assert tables["gcRight"]["HeelStrike"].between(0, 100).all()


def test_treadmill_plateaus_are_the_protocol_speeds(cohort: CamargoCohortSummary) -> None:
    for stem, expected in (("treadmill_01_01", TREADMILL_01), ("treadmill_07_01", TREADMILL_07)):
        speed = read(cohort.root, "AB01", "treadmill", "conditions", stem)
        assert np.diff(speed["Header"]).mean() == pytest.approx(0.001)
        values = speed["Speed"].to_numpy()
        steady = np.concatenate(([True], np.abs(np.diff(values)) < 1e-9))
        runs = np.split(values, np.flatnonzero(np.diff(steady.astype(int)) != 0) + 1)
        plateaus = [run[0] for run in runs if run.size >= 2000 and np.ptp(run) == 0]
        np.testing.assert_allclose(plateaus, expected, atol=1e-6)
        assert values.min() >= expected[0] - 1e-9 and values.max() <= max(expected) + 1e-9


def test_joint_angles_follow_opensim_signs_and_grow_with_speed(
    cohort: CamargoCohortSummary,
) -> None:
    ik = read(cohort.root, "AB01", "treadmill", "ik", "treadmill_01_01")
    knee = ik["knee_angle_r"]
    assert knee.min() < -50 and knee.max() < 8  # flexion is negative
    assert ik["hip_flexion_r"].max() > 20 and ik["hip_flexion_r"].min() < -5
    speed = read(cohort.root, "AB01", "treadmill", "conditions", "treadmill_01_01")
    belt = np.interp(ik["Header"], speed["Header"], speed["Speed"])
    starts = stride_starts(read(cohort.root, "AB01", "treadmill", "gcRight", "treadmill_01_01"))
    ranges = {}
    for first, end in itertools.pairwise(starts):
        if np.ptp(belt[first:end]) == 0:
            ranges.setdefault(belt[first], []).append(np.ptp(ik["hip_flexion_r"][first:end]))
    assert np.mean(ranges[1.7]) > np.mean(ranges[0.5]) + 5


def test_id_is_nan_off_the_force_plates(cohort: CamargoCohortSummary) -> None:
    treadmill = read(cohort.root, "AB01", "treadmill", "id", "treadmill_03_01")
    assert np.isfinite(treadmill[SPEC_ID].to_numpy()).all()
    for mode in ("levelground", "ramp"):
        for path in (cohort.root / "AB02").glob(f"*/{mode}/id/*.csv"):
            ids = read(cohort.root, "AB02", mode, "id", path.stem)
            labels = read(cohort.root, "AB02", mode, "conditions", path.stem)
            label = labels["Label"].to_numpy()[np.searchsorted(labels["Header"], ids["Header"])]
            valid = np.isfinite(ids[HIP_FLEXION].to_numpy())
            assert (np.isfinite(ids[SPEC_ID].to_numpy()) == valid[:, None]).all()
            assert 0.1 < valid.mean() < 0.6
            assert not valid[np.isin(label, ["stand", "turn"])].any()
            assert set(label[valid]) <= {"walk", "rampascent", "rampdescent"}
            edges = np.flatnonzero(np.diff(np.concatenate(([0], valid.astype(int), [0]))))
            assert len(edges) == 2 * 2  # one stretch per walking bout
            heel = read(cohort.root, "AB02", mode, "gcRight", path.stem)["HeelStrike"].to_numpy()
            for first, end in zip(edges[::2], edges[1::2], strict=True):
                assert np.sum(np.diff(heel[first:end]) < -50) >= 2  # at least 3 strides
            ik = read(cohort.root, "AB02", mode, "ik", path.stem)
            assert np.isfinite(ik[SPEC_IK].to_numpy()).all()


def test_hip_moments_grow_with_treadmill_speed(cohort: CamargoCohortSummary) -> None:
    strides = treadmill_strides(cohort.root, "AB01", HIP_FLEXION)
    slow, fast = strides["condition"].min(), strides["condition"].max()
    assert (slow, fast) == (0.5, 2.0)
    by_speed = strides.groupby("condition")[["low", "high"]].mean()
    # early-stance extension (negative) and late-stance flexion, N·m/kg
    assert -1.0 < by_speed.loc[slow, "low"] < -0.3 and -2.0 < by_speed.loc[fast, "low"] < -1.0
    assert 0.2 < by_speed.loc[slow, "high"] < 0.8 and 0.7 < by_speed.loc[fast, "high"] < 1.6
    assert stats.spearmanr(strides["condition"], strides["low"]).statistic < -0.6
    assert stats.spearmanr(strides["condition"], strides["high"]).statistic > 0.6


def test_hip_abduction_moment_is_a_double_hump_in_stance(cohort: CamargoCohortSummary) -> None:
    root, stem = cohort.root, "treadmill_02_01"
    mass = subject_info(root).loc["AB01", "Weight"]
    moment = read(root, "AB01", "treadmill", "id", stem)[HIP_ADDUCTION].to_numpy() / mass
    starts = stride_starts(read(root, "AB01", "treadmill", "gcRight", stem))
    grid = np.linspace(0, 1, 101)
    mean = np.mean(
        [
            np.interp(grid, np.linspace(0, 1, end - first), moment[first:end])
            for first, end in itertools.pairwise(starts)
        ],
        axis=0,
    )
    stance, swing = mean[:60], mean[70:]
    assert -1.4 < stance.min() < -0.5  # the internal abductor moment is negative
    troughs = signal.argrelmin(stance)[0]
    assert len(troughs) == 2 and troughs[0] < 30 < troughs[1]
    assert stance[troughs[0] : troughs[1]].max() > stance[troughs].max() + 0.1
    assert np.abs(swing).max() < 0.25


def test_ramps_change_the_hip_moment_with_incline(cohort: CamargoCohortSummary) -> None:
    root = cohort.root
    level = treadmill_strides(root, "AB01", HIP_FLEXION)
    level = level[level["condition"].between(0.85, 1.15)]
    ramps = {}
    for number in INCLINES:
        (path,) = (root / "AB01").glob(f"*/ramp/id/ramp_{number}_*.csv")
        strides = stance_peaks(root, "AB01", "ramp", path.stem, HIP_FLEXION)
        ramps[number] = strides.groupby("condition").median()
    up = {n: r.loc["rampascent"] for n, r in ramps.items()}
    down = {n: r.loc["rampdescent"] for n, r in ramps.items()}
    assert up[6]["low"] < up[1]["low"] < level["low"].median()  # more extension uphill
    assert up[6]["hip_at_strike"] > up[1]["hip_at_strike"] > level["hip_at_strike"].median()
    assert down[6]["low"] > up[6]["low"] + 0.8  # downhill: far less extension ...
    assert down[6]["high"] > up[6]["high"] + 0.2  # ... and more flexion in stance
    assert down[6]["knee_loading"] > down[1]["knee_loading"] > level["knee_loading"].median()


def test_moments_scale_with_body_mass(cohort: CamargoCohortSummary) -> None:
    info = subject_info(cohort.root)
    mass_ratio = info.loc["AB01", "Weight"] / info.loc["AB02", "Weight"]
    assert mass_ratio > 1.25
    per_kg = [
        treadmill_strides(cohort.root, s, HIP_FLEXION)["low"].mean() for s in ("AB01", "AB02")
    ]
    per_kg_ratio = per_kg[0] / per_kg[1]
    newton_metre_ratio = per_kg_ratio * mass_ratio
    assert abs(np.log(newton_metre_ratio / mass_ratio)) < 0.15
    assert abs(np.log(per_kg_ratio)) < abs(np.log(newton_metre_ratio)) / 2


def test_emg_is_raw_band_limited_and_zero_mean(cohort: CamargoCohortSummary) -> None:
    emg = read(cohort.root, "AB01", "treadmill", "emg", "treadmill_04_01")
    x = emg[SPEC_EMG].to_numpy()
    assert (np.abs(x.mean(axis=0)) < 0.02 * x.std(axis=0)).all()  # no DC, no rectification
    assert ((x < 0).mean(axis=0) > 0.45).all()
    peak = np.abs(x).max(axis=0)
    assert ((peak > 1e-5) & (peak < 1.5e-3)).all()  # volts: 0.01-1.5 mV
    freq, power = signal.welch(x, fs=1000.0, nperseg=1024, axis=0)
    total = power.sum(axis=0)
    assert (power[(freq >= 20) & (freq <= 400)].sum(axis=0) > 0.97 * total).all()
    assert (power[freq < 10].sum(axis=0) < 0.005 * total).all()
    mean_frequency = (freq[:, None] * power).sum(axis=0) / total
    assert ((mean_frequency > 50) & (mean_frequency < 150)).all()


def test_emg_amplitude_follows_gait_and_speed(cohort: CamargoCohortSummary) -> None:
    emg = read(cohort.root, "AB01", "treadmill", "emg", "treadmill_01_01")
    speed = read(cohort.root, "AB01", "treadmill", "conditions", "treadmill_01_01")["Speed"]
    x = emg["bicepsfemoris"].to_numpy()
    rms = {v: np.sqrt(np.mean(x[speed.to_numpy() == v] ** 2)) for v in (0.5, 1.7)}
    assert rms[1.7] > 1.3 * rms[0.5]


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    first = generate_camargo(tmp_path / "a", TINY)
    again = generate_camargo(tmp_path / "b", TINY)
    generate_camargo(tmp_path / "c", dataclasses.replace(TINY, seed=5))
    for a, b in zip(first.files, again.files, strict=True):
        assert a.relative_to(tmp_path / "a") == b.relative_to(tmp_path / "b")
        assert a.read_bytes() == b.read_bytes()
    for sensor in ("emg", "ik", "id"):
        (mine,) = (tmp_path / "a").glob(f"AB01/*/treadmill/{sensor}/*.csv")
        (other,) = (tmp_path / "c").glob(f"AB01/*/treadmill/{sensor}/*.csv")
        assert mine.read_bytes() != other.read_bytes()


def test_mat_files_hold_tables_and_conditions_scalars(tmp_path: Path) -> None:
    matio = pytest.importorskip("matio")
    config = dataclasses.replace(TINY, fmt="mat", ramps=(6,))
    summary = generate_camargo(tmp_path, config)
    assert all(p.suffix == ".mat" for p in summary.files)
    info = matio.load_from_mat(str(tmp_path / "SubjectInfo.mat"))["data"]
    assert list(info.columns) == ["Subject", "Age", "Gender", "Height", "Weight"]
    (ramp,) = tmp_path.glob("AB01/*/ramp/conditions/ramp_6_*.mat")
    conditions = matio.load_from_mat(str(ramp))
    assert float(np.squeeze(conditions["rampIncline"])) == pytest.approx(18.0)
    assert list(conditions["labels"].columns) == ["Header", "Label"]
    assert {"rampascent", "rampdescent"} <= set(conditions["labels"]["Label"])
    assert float(np.squeeze(conditions["trialStarts"])) < float(np.squeeze(conditions["trialEnds"]))
    (treadmill,) = tmp_path.glob("AB01/*/treadmill/conditions/*.mat")
    assert list(matio.load_from_mat(str(treadmill))["speed"].columns) == ["Header", "Speed"]
    (ids,) = tmp_path.glob("AB01/*/ramp/id/*.mat")
    assert list(matio.load_from_mat(str(ids))["data"].columns) == ["Header", *SPEC_ID]


def test_progress_reports_each_trial(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    config = dataclasses.replace(TINY, subjects=2)
    generate_camargo(tmp_path, config, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subjects", 0),
        ("seed", -1),
        ("fmt", "xlsx"),
        ("treadmill_trials", 9),
        ("plateau_seconds", 0.5),
        ("transition_seconds", 0.0),
        ("levelground_speeds", ("brisk",)),
        ("ramps", (7,)),
        ("ramps", (1, 1)),
        ("bout_seconds", 1.0),
        ("force_plate_strides", (3, 2)),
        ("force_plate_strides", (3,)),
        ("stand_seconds", 0.0),
        ("residual_moment", float("nan")),
        ("subjects", 1.5),
        ("force_cutoff_hz", 600.0),
        ("emg_noise_mv", -0.1),
        ("mains_hz", 200.0),
    ],
)
def test_bad_config_values_name_the_field(field: str, value: object) -> None:
    with pytest.raises(KinemyoError, match=field):
        CamargoCohortConfig(**{field: value})


def test_a_cohort_needs_a_trial() -> None:
    with pytest.raises(KinemyoError, match="treadmill_trials"):
        CamargoCohortConfig(treadmill_trials=0, levelground_speeds=(), ramps=())
