"""`kinemyo fit` stores calibrated intervals; `kinemyo predict` writes them to CSV and to OpenSim
storage files (read back here with pandas, not with kinemyo's reader); `evaluate` and the
comparison table report their coverage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinemyo.cli import main
from kinemyo.data.predictions import opensim_column, trial_windows
from tests.test_cli import run


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("predict")
    cohort, model = folder / "cohort", folder / "ridge"
    generate = ["data", "generate", "--out", str(cohort), "--subjects", "3"]
    assert main([*generate, "--motions", "DNS,UPS", "--seconds", "3", "--seed", "2"]) == 0
    fit = ["fit", "ridge", str(cohort), "--motions", "DNS", "--subjects", "Sub01,Sub02"]
    assert main([*fit, "--out", str(model)]) == 0
    return cohort, model


def _read_sto(path: Path) -> pd.DataFrame:
    """An OpenSim storage file read with pandas: the table after the 'endheader' line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return pd.read_csv(path, sep="\t", skiprows=lines.index("endheader") + 1)


def test_opensim_column_names() -> None:
    assert opensim_column("left knee flexion", "angle") == "knee_angle_l"
    assert opensim_column("right hip flexion", "moment") == "hip_flexion_r_moment"
    assert opensim_column("hip adduction", "moment") == "hip_adduction_moment"
    assert opensim_column("left big toe", "angle") == "left_big_toe"


def test_predict_csv_and_sto_carry_the_interval_bounds(capsys, fitted, tmp_path) -> None:
    cohort, model = fitted
    header = (model / "model" / "model.json").read_text()
    assert "2 folds of held-out training subjects" in header  # cross-conformal by subject
    data = [cohort, "--subjects", "Sub03", "--motions", "DNS,UPS"]
    code, _, err = run(capsys, "predict", model, *data, "--out", tmp_path / "p.csv")
    assert code == 0, err
    table = pd.read_csv(tmp_path / "p.csv")
    mean = table["left knee flexion moment (N·m)"]
    low90, high90 = (
        table["left knee flexion moment lo90 (N·m)"],
        table["left knee flexion moment hi90 (N·m)"],
    )
    low50 = table["left knee flexion moment lo50 (N·m)"]
    assert (low90 < low50).all() and (low50 < mean).all() and (mean < high90).all()

    code, _, err = run(capsys, "predict", model, *data, "--format", "sto", "--out", tmp_path / "s")
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "s").glob("*.sto")) == [
        "Sub03_DNS.sto",
        "Sub03_UPS.sto",
    ]
    sto = _read_sto(tmp_path / "s" / "Sub03_DNS.sto")
    assert {"time", "knee_angle_l", "knee_angle_l_lo90", "hip_flexion_l_moment_hi50"} <= set(
        sto.columns
    )
    dns = table[table["trial"] == "Sub03_DNS"].sort_values("time")
    np.testing.assert_allclose(sto["time"], dns["time"], atol=1e-5)  # CSV: 6 digits
    for csv_column, sto_column in (
        ("left knee flexion moment lo90 (N·m)", "knee_angle_l_moment_lo90"),
        ("right ankle flexion angle hi90 (deg)", "ankle_angle_r_hi90"),
    ):
        np.testing.assert_allclose(sto[sto_column], dns[csv_column], rtol=1e-5, atol=1e-4)
    assert "inDegrees=yes" in (tmp_path / "s" / "Sub03_DNS.sto").read_text()


def test_one_sto_file_takes_one_trial_only(capsys, fitted, tmp_path) -> None:
    cohort, model = fitted
    args = ["predict", model, cohort, "--subjects", "Sub03", "--format", "sto"]
    code, _, err = run(capsys, *args, "--out", tmp_path / "p.sto")
    assert code == 1 and "DATA holds 2 trials" in err and not (tmp_path / "p.sto").exists()
    code, _, err = run(capsys, *args, "--motions", "DNS", "--out", tmp_path / "p.sto")
    assert code == 0, err
    assert len(_read_sto(tmp_path / "p.sto")) > 10


def test_evaluate_reports_interval_coverage(capsys, fitted, tmp_path) -> None:
    cohort, model = fitted
    args = ["evaluate", model, cohort, "--subjects", "Sub03", "--motions", "DNS"]
    code, out, err = run(capsys, *args, "--out", tmp_path / "e")
    assert code == 0, err
    assert "coverage_90" in out and "coverage_50" in out
    scores = pd.read_csv(tmp_path / "e" / "scores.csv")
    coverage = scores[scores["metric"] == "coverage_90"]["value"]
    assert len(coverage) == 16 and coverage.between(0, 100).all()  # 8 joints x 2 quantities


def test_fit_takes_interval_levels_in_percent(capsys, fitted, tmp_path) -> None:
    cohort, _ = fitted
    args = ["fit", "ridge", cohort, "--motions", "DNS", "--calibrate-on", "time"]
    code, _, err = run(capsys, *args, "--levels", "80,95", "--out", tmp_path / "m")
    assert code == 0, err
    header = (tmp_path / "m" / "model" / "model.json").read_text()
    assert '"levels": [\n      0.8,\n      0.95\n    ]' in header
    assert "last 20% of every training trial in time" in header
    for bad in ("0,90", "90,100", "nan", "ninety"):
        code, _, err = run(capsys, *args, "--levels", bad, "--out", tmp_path / "bad")
        assert code == 2 and "--levels" in err and not (tmp_path / "bad").exists()


def test_trial_windows_gives_each_trial_its_windows_in_order_of_appearance() -> None:
    trial = np.array(["S1_b", "S1_a", "S1_b", "S2_c", "S1_a", "S1_b"])
    found = [(name, index.tolist()) for name, index in trial_windows(trial)]
    assert found == [(t, np.flatnonzero(trial == t).tolist()) for t in ("S1_b", "S1_a", "S2_c")]
