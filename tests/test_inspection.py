"""Inspection reads what it can and lists every problem with file, column and row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kinemyo.data.inspection import inspect_siat_llmd
from kinemyo.errors import DataFormatError
from tests.foreign_writer import write_foreign_subject_table, write_foreign_trial


@pytest.fixture
def tree(tmp_path: Path):
    good = write_foreign_trial(tmp_path, "Sub01", "WAK", n=300, seed=1, label_shortfall=0)
    gappy = write_foreign_trial(tmp_path, "Sub01", "UPS", n=300, seed=2, label_shortfall=0)
    lines = gappy.path.read_text().splitlines()
    for row in (40, 41, 42):
        cells = lines[row].split(",")
        cells[17] = ""  # sEMG: tensor fascia lata
        lines[row] = ",".join(cells)
    gappy.path.write_text("\n".join(lines) + "\n")
    broken = write_foreign_trial(tmp_path, "Sub02", "WAK", n=300, seed=3, label_shortfall=0)
    lines = broken.path.read_text().splitlines()
    lines[100] = lines[100].replace(lines[100].split(",")[3], "x", 1)
    broken.path.write_text("\n".join(lines) + "\n")
    write_foreign_subject_table(tmp_path, {"Sub01": 60.0})
    return tmp_path, good, gappy


def test_every_problem_is_listed_and_readable_trials_are_summarised(tree) -> None:
    root, _, _ = tree
    report = inspect_siat_llmd(root)
    assert [(t.subject, t.motion) for t in report.trials] == [("Sub01", "WAK"), ("Sub01", "UPS")]
    messages = [p.message for p in report.problems]
    assert any(
        "Sub02_WAK_Data.csv" in m and "row 100 (line 101)" in m and "is not a number" in m
        for m in messages
    )
    assert any(
        "Sub01_UPS_Data.csv" in m
        and "'sEMG: tensor fascia lata'" in m
        and "3 missing value(s)" in m
        and "row 40" in m
        for m in messages
    )
    assert any("no weight for Sub02" in m for m in messages)
    assert len(report.errors) == 1


def test_ranges_cover_all_readable_trials(tree) -> None:
    root, good, gappy = tree
    report = inspect_siat_llmd(root)
    soleus = report.columns[("emg", "soleus")]
    both = np.concatenate([good.values[:, 25], gappy.values[:, 25]])
    assert soleus.minimum == pytest.approx(both.min(), abs=1e-6)
    assert soleus.maximum == pytest.approx(both.max(), abs=1e-6)
    assert soleus.mean == pytest.approx(both.mean(), abs=1e-5)
    assert report.columns[("emg", "tensor fascia lata")].missing == 3
    assert report.columns[("angles", "left knee flexion")].unit == "deg"


def test_label_statistics_and_rates(tree) -> None:
    root, good, _ = tree
    report = inspect_siat_llmd(root)
    wak = report.trials[0]
    expected = {s or "(empty)": good.status.count(s) for s in set(good.status)}
    assert wak.status_counts == expected
    assert wak.n_groups == len(set(good.group))
    assert wak.measured_fs_hz == pytest.approx(1920.0, rel=1e-3)
    assert wak.body_mass_kg == 60.0


def test_a_missing_path_is_an_error_not_a_report(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="not found"):
        inspect_siat_llmd(tmp_path / "absent")
