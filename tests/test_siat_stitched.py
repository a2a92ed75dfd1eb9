"""Stitched SIAT-LLMD stair files, as the real ones are: gait cycles one per Group, Time written
with 4 decimals and repeated where a Group begins, DNS Status {1, 2}, some Status 0 rows.

The files are written here with plain string formatting (not kinemyo's writer); what the reader
must return is worked out from the rows written.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from kinemyo.data.inspection import inspect_siat_llmd
from kinemyo.data.siat_llmd import read_siat_llmd, read_trial_file
from kinemyo.errors import DataFormatError, DataWarning
from tests.conftest import FS
from tests.foreign_writer import data_file_text, write_foreign_subject_table


@dataclass
class Stitched:
    data: Path
    labels: Path
    time: list[str]  # the Time cells written, per row
    status: list[str]
    group: list[int]


def write_stitched(
    root: Path,
    motion: str = "DNS",
    sizes: tuple[int, ...] = (300, 250, 280),
    *,
    decimals: int = 4,
    rates: tuple[float, ...] | None = None,
) -> Stitched:
    """One trial of ``len(sizes)`` Groups; the first row of each Group repeats the Time of the
    previous row. Within a Group the first 40% of rows have Status 2, the rest 1 (as real DNS
    cycles run), and Group g is sampled at ``rates[g]`` Hz (default 1920)."""
    rates = rates or (FS,) * len(sizes)
    times, status, group = [], [], []
    start = 0.0
    for g, (size, rate) in enumerate(zip(sizes, rates, strict=True)):
        cycle = start + np.arange(size) / rate
        times += [f"{t:.{decimals}f}" for t in cycle]
        status += ["2"] * int(0.4 * size) + ["1"] * (size - int(0.4 * size))
        group += [g + 1] * size
        start = cycle[-1]
    subject_dir = root / "Sub01"
    (subject_dir / "Data").mkdir(parents=True, exist_ok=True)
    (subject_dir / "Labels").mkdir(parents=True, exist_ok=True)
    data = subject_dir / "Data" / f"Sub01_{motion}_Data.csv"
    data.write_text(data_file_text(times))
    labels = subject_dir / "Labels" / f"Sub01_{motion}_Label.csv"
    write_labels(labels, times, status, group)
    write_foreign_subject_table(root, {"Sub01": 70.0})
    return Stitched(data, labels, times, status, group)


def write_labels(path: Path, times: list[str], status: list[str], group: list[int]) -> None:
    lines = [f"{t},{s},{g}" for t, s, g in zip(times, status, group, strict=True)]
    path.write_text("\n".join(["Time,Status,Group", *lines]) + "\n")


def group_starts(group: list[int]) -> list[int]:
    """1-based rows whose Group differs from the row before."""
    return [i + 1 for i in range(1, len(group)) if group[i] != group[i - 1]]


def read_quietly(path: Path):
    """Read, failing on any DataWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        (rec,) = read_siat_llmd(path)
    return rec


def test_time_repeated_where_a_group_begins_is_a_junction(tmp_path: Path) -> None:
    trial = write_stitched(tmp_path)
    rec = read_quietly(tmp_path)
    assert rec.n_samples == 830
    assert rec.meta.extra["junction_rows"] == (301, 551) == tuple(group_starts(trial.group))
    # Data and Label Time agree row for row: labels paired by row
    np.testing.assert_array_equal(rec.labels.status, trial.status)
    np.testing.assert_array_equal(rec.labels.group, trial.group)
    # each junction row comes one nominal step after the row before; other steps as written
    written = np.array([float(t) for t in trial.time])
    steps = np.diff(rec.time)
    assert steps[[299, 549]] == pytest.approx([1 / FS, 1 / FS])
    inner = np.ones(steps.size, dtype=bool)
    inner[[299, 549]] = False
    np.testing.assert_allclose(steps[inner], np.diff(written)[inner], atol=1e-12)


def test_four_decimal_time_is_read_as_1920_hz(tmp_path: Path) -> None:
    trial = write_stitched(tmp_path, sizes=(2000,))
    steps = {round(float(b) - float(a), 6) for a, b in pairwise(trial.time)}
    assert steps == {0.0005, 0.0006}  # what 4 decimals make of 1/1920 s
    rec = read_quietly(tmp_path)
    assert rec.fs == FS
    assert rec.measured_fs == pytest.approx(FS, rel=1e-4)


def test_a_junction_is_checked_only_when_the_labels_start_a_group_there(tmp_path: Path) -> None:
    write_stitched(tmp_path)
    # the Data file alone (copied out of the tree, no Label file): the repeat is an error
    alone = tmp_path / "Sub01_DNS_Data.csv"
    alone.write_bytes((tmp_path / "Sub01" / "Data" / "Sub01_DNS_Data.csv").read_bytes())
    with pytest.raises(DataFormatError) as info:
        read_trial_file(alone)
    assert info.value.row == 301 and info.value.column == "Time"
    assert "does not increase" in str(info.value) and str(alone) in str(info.value)


def test_time_repeated_inside_a_group_is_an_error_in_the_data_file(tmp_path: Path) -> None:
    trial = write_stitched(tmp_path)
    lines = trial.data.read_text().splitlines()
    cells = lines[100].split(",")
    cells[0] = trial.time[98]  # data row 100 repeats the Time of row 99; Group 1 goes on
    lines[100] = ",".join(cells)
    trial.data.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFormatError) as info:
        read_siat_llmd(tmp_path)
    assert info.value.row == 100 and info.value.column == "Time"
    assert str(trial.data) in str(info.value) and "does not increase" in str(info.value)


def test_time_going_back_inside_a_group_is_an_error_in_the_label_file(tmp_path: Path) -> None:
    trial = write_stitched(tmp_path)
    times = list(trial.time)
    times[399] = times[397]  # label row 400 goes back; it is inside Group 2 (rows 301-550)
    write_labels(trial.labels, times, trial.status, trial.group)
    with pytest.raises(DataFormatError) as info:
        read_siat_llmd(tmp_path)
    assert info.value.path == trial.labels and info.value.row == 400
    assert "within Group 2" in str(info.value)


def test_the_rate_is_checked_per_segment(tmp_path: Path) -> None:
    # Group 2 at 1800 Hz: its steps are within the regularity tolerance and the whole file's
    # mean rate is 0.3% from 1920 Hz, but the segment's rate is 6% off
    write_stitched(tmp_path, sizes=(2000, 200, 2000), decimals=6, rates=(FS, 1800.0, FS))
    with pytest.raises(DataFormatError) as info:
        read_siat_llmd(tmp_path)
    assert "rows 2001-2200 (one segment)" in str(info.value)
    assert "differs from the expected 1920 Hz" in str(info.value)


def test_dns_status_is_1_or_2(tmp_path: Path) -> None:
    trial = write_stitched(tmp_path)
    status = list(trial.status)
    status[20] = "3"
    write_labels(trial.labels, trial.time, status, trial.group)
    with pytest.raises(DataFormatError) as info:
        read_siat_llmd(tmp_path)
    assert info.value.row == 21 and info.value.column == "Status"
    assert "'3' is not a DNS code; allowed: 1, 2" in str(info.value)


def test_status_0_is_read_with_a_warning_and_kept_as_a_segment_of_its_own(tmp_path: Path) -> None:
    trial = write_stitched(tmp_path)
    status = list(trial.status)
    status[450:480] = ["0"] * 30  # rows 451-480, inside the Status 1 run of Group 2 (401-550)
    write_labels(trial.labels, trial.time, status, trial.group)
    with pytest.warns(DataWarning, match=r"30 row\(s\) with Status 0 .*first at row 451"):
        (rec,) = read_siat_llmd(tmp_path)
    np.testing.assert_array_equal(rec.labels.status, status)
    # runs of equal (Status, Group), counted by hand: 3 Groups of 2 runs, the Status 1 run of
    # Group 2 split in two by the Status 0 run: 6 + 2
    (summary,) = inspect_siat_llmd(tmp_path).trials
    assert summary.n_segments == 8
    assert summary.status_counts["0"] == 30


def test_a_shorter_label_file_is_aligned_on_time_across_the_junctions(tmp_path: Path) -> None:
    trial = write_stitched(tmp_path)
    write_labels(trial.labels, trial.time[:-5], trial.status[:-5], trial.group[:-5])
    with pytest.warns(DataWarning, match="825 label rows for 830 data rows.*5 data row"):
        (rec,) = read_siat_llmd(tmp_path)
    assert rec.meta.extra["junction_rows"] == (301, 551)
    np.testing.assert_array_equal(rec.labels.group[:825], trial.group[:825])
    np.testing.assert_array_equal(rec.labels.status[:825], trial.status[:825])
    assert set(rec.labels.group[825:]) == {-1} and set(rec.labels.status[825:]) == {""}


def test_inspect_reports_junctions_segments_and_statuses(tmp_path: Path, capsys) -> None:
    from kinemyo.cli import main

    write_stitched(tmp_path)
    report = inspect_siat_llmd(tmp_path)
    (summary,) = report.trials
    assert summary.junction_rows == (301, 551)
    assert summary.n_segments == 6 and summary.n_groups == 3
    assert summary.status_counts == {"1": 180 + 150 + 168, "2": 120 + 100 + 112}
    assert report.problems == []
    assert main(["data", "inspect", str(tmp_path), "--trials"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Time repeats at 2 Group junction(s) of stitched recordings (1 trial(s))" in out
    assert "Sub01 DNS: Time repeats at row(s) 301, 551" in out
