"""Wrong numbers in SIAT-LLMD files are refused or flagged, naming file, subject, column and row:
a body mass that is none, a subject listed twice, an infinite or implausible sample."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from kinemyo.cli import main
from kinemyo.data.inspection import inspect_siat_llmd
from kinemyo.data.recording import RecordingMeta, SignalBlock
from kinemyo.data.siat_llmd import ReadOptions, read_siat_llmd
from kinemyo.errors import DataFormatError, DataWarning, KinemyoError
from tests.foreign_writer import edit_cell, write_foreign_subject_table, write_foreign_trial


@pytest.fixture
def tree(tmp_path: Path):
    """Sub01 and Sub02 walking, 600 rows each; the subject table is written by each test."""
    trials = [
        write_foreign_trial(tmp_path, subject, "WAK", n=600, seed=k, label_shortfall=0)
        for k, subject in enumerate(("Sub01", "Sub02"))
    ]
    return tmp_path, trials


@pytest.mark.parametrize("weight", ["inf", "1e400", 0.0, -62.0, 301.0])
def test_a_weight_that_is_no_body_mass_is_refused_naming_the_subject(tree, weight) -> None:
    root, _ = tree
    table = write_foreign_subject_table(root, {"Sub01": 70.0, "Sub02": weight})
    with pytest.raises(DataFormatError) as info:
        read_siat_llmd(root)
    error = info.value
    assert error.path == table and error.column == "weight" and error.row == 2
    assert "of Sub02 is not a body mass" in str(error)


def test_300_kg_is_still_a_body_mass(tree) -> None:
    root, _ = tree
    write_foreign_subject_table(root, {"Sub01": 300.0, "Sub02": 0.5})
    recordings = read_siat_llmd(root, options=ReadOptions(moment_unit="N·m/kg"))
    assert [r.meta.body_mass_kg for r in recordings] == [300.0, 0.5]


def test_inspect_reports_an_infinite_mass_instead_of_no_problems(tree, capsys) -> None:
    root, _ = tree
    write_foreign_subject_table(root, {"Sub01": 70.0, "Sub02": "inf"})
    assert main(["data", "inspect", str(root)]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "weight inf kg of Sub02 is not a body mass" in out
    assert "No problems found" not in out


def test_a_subject_listed_twice_is_an_error(tree) -> None:
    root, _ = tree
    table = write_foreign_subject_table(root, [("Sub01", 70.0), ("Sub02", 60.0), ("Sub01", 71.0)])
    with pytest.raises(DataFormatError) as info:
        read_siat_llmd(root)
    assert info.value.path == table and info.value.column == "Subject" and info.value.row == 3
    assert "Sub01 is listed twice, in rows 1 and 3" in str(info.value)


@pytest.mark.parametrize("cell", ["inf", "-inf", "1e39"])
def test_an_infinite_sample_names_file_column_and_row(tree, cell) -> None:
    root, (trial, _) = tree
    write_foreign_subject_table(root, {"Sub01": 70.0, "Sub02": 60.0})
    edit_cell(trial.path, 400, "sEMG: soleus", cell)
    with pytest.raises(DataFormatError) as info:
        read_siat_llmd(root)
    error = info.value
    assert error.path == trial.path and error.column == "sEMG: soleus" and error.row == 400
    assert "infinite or beyond float32's range" in str(error)


def test_an_implausible_torque_is_flagged_by_the_reader_and_by_inspect(tree, capsys) -> None:
    root, (trial, _) = tree
    write_foreign_subject_table(root, {"Sub01": 70.0, "Sub02": 60.0})
    column = "Kinetic: right knee flexion torque"
    edit_cell(trial.path, 250, column, "3e38")
    with pytest.warns(DataWarning) as caught:
        recordings = read_siat_llmd(root)
    (message,) = [str(w.message) for w in caught if "plausible" in str(w.message)]
    assert str(trial.path) in message and f"column '{column}' row 250: 3e+38 N·m" in message
    assert recordings[0].moments.column("right knee flexion")[249] == pytest.approx(3e38)

    report = inspect_siat_llmd(root)
    assert [p.severity for p in report.problems] == ["warning"]
    assert f"column '{column}' row 250" in report.problems[0].message
    assert main(["data", "inspect", str(root)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "1 problem(s) found" in out and "No problems found" not in out


def test_signal_block_names_the_1_based_row_of_a_non_finite_value() -> None:
    values = np.zeros((500, 2), dtype=np.float32)
    values[399, 1] = np.nan  # the 400th row
    with pytest.raises(KinemyoError, match="'soleus' has a non-finite value at row 400 "):
        SignalBlock(values, ("rectus femoris", "soleus"), ("mV", "mV"))


@pytest.mark.parametrize("mass", [0.0, -1.0, math.inf, math.nan])
def test_recording_meta_names_subject_and_file_of_a_bad_mass(mass) -> None:
    with pytest.raises(KinemyoError, match=r"Body mass of Sub07 \(/data/Sub07_WAK_Data.csv\)"):
        RecordingMeta(
            dataset="x", subject="Sub07", body_mass_kg=mass, source="/data/Sub07_WAK_Data.csv"
        )
