"""SIAT-style files holding several tasks: a `label` column (calibration) and a truth table
(session), on the real Sub10 files and on a hand-made one."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from kinemyo.data.siat_llmd import schema
from kinemyo.data.siat_llmd.reader import read_trial_file
from kinemyo.data.siat_llmd.sessions import read_siat_session, read_truth_table
from kinemyo.errors import DataFormatError

REAL = Path(__file__).parents[2] / "shared/data/real"
CALIBRATION = REAL / "siat_llmd_semg_Sub10_calibration.csv.gz"
SESSION = REAL / "siat_llmd_semg_Sub10_session.csv.gz"
TRUTH = REAL / "siat_llmd_semg_Sub10_truth.csv"
FS = 1920


def write_labelled(path: Path, tasks: list[str]) -> Path:
    emg = list(schema.EMG_ONLY_COLUMNS[1:])
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([schema.TIME_COLUMN, *emg, "label"])
        for row, task in enumerate(tasks):
            writer.writerow(
                [
                    f"{row / FS:.6f}",
                    *[f"{0.01 * ((row + k) % 7):.6f}" for k in range(len(emg))],
                    task,
                ]
            )
    return path


def test_label_column_gives_one_recording_per_contiguous_task(tmp_path: Path) -> None:
    tasks = ["WAK"] * 5 + ["UPS"] * 3 + ["WAK"] * 4
    path = write_labelled(tmp_path / "Sub01_calibration.csv", tasks)
    whole = read_trial_file(path)
    assert list(whole.labels.status) == tasks
    assert list(whole.labels.group) == [0] * 5 + [1] * 3 + [2] * 4
    chunks = read_siat_session(path)
    assert [(r.meta.task, r.meta.trial, r.n_samples) for r in chunks] == [
        ("WAK", "1", 5),
        ("UPS", "2", 3),
        ("WAK", "3", 4),
    ]
    np.testing.assert_allclose(chunks[1].time, np.arange(5, 8) / FS, atol=1e-6)


def test_a_truth_table_chunk_beyond_the_file_is_refused(tmp_path: Path) -> None:
    path = write_labelled(tmp_path / "Sub01_session.csv", ["WAK"] * 6)
    truth = tmp_path / "truth.csv"
    truth.write_text("task,start_sample,end_sample\nWAK,0,4\nUPS,4,9\n")
    with pytest.raises(DataFormatError, match=r"\('UPS', 9\).*6 samples"):
        read_siat_session(path, truth=truth)
    truth.write_text("task,start_sample,end_sample\nWAK,4,4\n")
    with pytest.raises(DataFormatError, match="row 2: start_sample 4 and end_sample 4"):
        read_truth_table(truth)


@pytest.mark.skipif(not CALIBRATION.is_file(), reason=f"real Sub10 files not found in {REAL}")
def test_real_calibration_file_is_read_with_its_labels_as_tasks() -> None:
    chunks = read_siat_session(CALIBRATION)
    # three rounds of DNS, STDUP, UPS, WAK (the label column's runs, counted with awk/uniq)
    assert [r.meta.task for r in chunks] == ["DNS", "STDUP", "UPS", "WAK"] * 3
    assert [r.n_samples for r in chunks] == [2406, 2880, 2880, 2422] * 3
    assert chunks[0].emg.n_channels == 9


@pytest.mark.skipif(not SESSION.is_file(), reason=f"real Sub10 files not found in {REAL}")
def test_real_session_chunks_equal_the_truth_table() -> None:
    with TRUTH.open() as handle:
        truth = list(csv.DictReader(handle))
    chunks = read_siat_session(SESSION, truth=TRUTH)
    assert [r.meta.task for r in chunks] == [row["task"] for row in truth]
    assert [r.n_samples for r in chunks] == [
        int(row["end_sample"]) - int(row["start_sample"]) for row in truth
    ]
    assert [float(r.time[0]) for r in chunks] == pytest.approx(
        [float(row["start_s"]) for row in truth]
    )
