"""The reader loads SIAT-layout trees written by another program, with real-world quirks."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from kinemyo.data.siat_llmd import ReadOptions, read_siat_llmd
from kinemyo.errors import DataWarning
from tests.foreign_writer import write_foreign_subject_table, write_foreign_trial


@pytest.fixture
def foreign_tree(tmp_path: Path):
    trials = {
        ("Sub01", "WAK"): write_foreign_trial(tmp_path, "Sub01", "WAK", seed=1),
        ("Sub01", "STDUP"): write_foreign_trial(
            tmp_path, "Sub01", "STDUP", seed=2, label_shortfall=0
        ),
        ("Sub02", "DNS"): write_foreign_trial(tmp_path, "Sub02", "DNS", seed=3, label_shortfall=5),
    }
    write_foreign_subject_table(tmp_path, {"Sub01": 58.0, "Sub02": 91.5})
    return tmp_path, trials


def test_quirky_tree_reads_with_values_as_written(foreign_tree) -> None:
    root, trials = foreign_tree
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        recordings = read_siat_llmd(root)
    assert [(r.meta.subject, r.meta.task) for r in recordings] == [
        ("Sub01", "WAK"),
        ("Sub01", "STDUP"),
        ("Sub02", "DNS"),
    ]
    shorter = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert len(shorter) == 2  # the two label files that are shorter than their Data file
    assert any("477 label rows for 480 data rows" in m for m in shorter)
    for rec in recordings:
        written = trials[(rec.meta.subject, rec.meta.task)].values
        # mixed decimals: some cells were written with 4 decimals only
        np.testing.assert_allclose(rec.time, written[:, 0], atol=5e-5)
        np.testing.assert_allclose(rec.angles.values, written[:, 1:9], atol=5e-5)
        np.testing.assert_allclose(rec.moments.values, written[:, 9:17], atol=5e-5)
        np.testing.assert_allclose(rec.emg.values, written[:, 17:], atol=5e-5)
        assert rec.measured_fs == pytest.approx(1920.0, rel=1e-3)


def test_short_label_files_align_on_time(foreign_tree) -> None:
    root, trials = foreign_tree
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        (rec,) = read_siat_llmd(root, subjects=["Sub02"])
    written = trials[("Sub02", "DNS")]
    m = len(written.status)
    np.testing.assert_array_equal(rec.labels.status[:m], written.status)
    np.testing.assert_array_equal(rec.labels.group[:m], written.group)
    assert set(rec.labels.status[m:]) == {""}
    assert set(rec.labels.group[m:]) == {-1}


def test_empty_status_cells_at_transitions_are_unlabelled(foreign_tree) -> None:
    root, trials = foreign_tree
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        stdup = read_siat_llmd(root, motions=["STDUP"])[0]
    written = trials[("Sub01", "STDUP")].status
    assert "" in written
    np.testing.assert_array_equal(stdup.labels.status, written)
    assert set(stdup.labels.status) == {"A", "R", ""}


def test_quirky_tree_moments_per_kg_use_the_foreign_subject_table(foreign_tree) -> None:
    root, trials = foreign_tree
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        (rec,) = read_siat_llmd(root, subjects=["Sub02"], options=ReadOptions(moment_unit="N·m/kg"))
    np.testing.assert_allclose(
        rec.moments.values * 91.5, trials[("Sub02", "DNS")].values[:, 9:17], atol=5e-3
    )
