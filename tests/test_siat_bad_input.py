"""Every kind of bad input gets one clear paragraph naming file, column and row."""

from __future__ import annotations

import gzip
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from kinemyo.data.gaps import NanPolicy
from kinemyo.data.siat_llmd import ReadOptions, read_siat_llmd
from kinemyo.errors import DataFormatError, DataWarning, MissingBodyMassError
from tests.foreign_writer import edit_cell, write_foreign_subject_table, write_foreign_trial


@pytest.fixture
def trial(tmp_path: Path):
    """A clean trial (no quirks) whose lines the tests edit."""
    written = write_foreign_trial(
        tmp_path, n=200, crlf=False, label_shortfall=0, time_jitter_s=0.0, mixed_decimals=False
    )
    return written


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines()


def rewrite(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n")


def read_error(path: Path, **options) -> DataFormatError:
    with pytest.raises(DataFormatError) as info:
        read_siat_llmd(path, options=ReadOptions(**options) if options else None)
    message = str(info.value)
    assert "\n" not in message, "errors are one paragraph"
    assert str(path) in message or str(path.parent) in message
    return info.value


def reported_rate(error: DataFormatError) -> float:
    return float(re.search(r"measured rate ([0-9.]+) Hz", str(error)).group(1))


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert "file not found" in str(read_error(tmp_path / "Sub01_WAK_Data.csv"))
    assert "folder not found" in str(read_error(tmp_path / "nowhere"))


def test_folder_without_subjects(tmp_path: Path) -> None:
    (tmp_path / "misc").mkdir()
    assert "no SIAT-LLMD subject folders" in str(read_error(tmp_path))


def test_missing_column_lists_expected_and_found(trial) -> None:
    lines = lines_of(trial.path)
    col = lines[0].split(",").index("sEMG: soleus")
    rewrite(
        trial.path,
        [",".join(c for j, c in enumerate(line.split(",")) if j != col) for line in lines],
    )
    message = str(read_error(trial.path))
    assert "missing 'sEMG: soleus'" in message
    assert "Expected 26 columns" in message and "found 25" in message


def test_renamed_column_is_a_near_miss_but_rejected(trial) -> None:
    lines = lines_of(trial.path)
    lines[0] = lines[0].replace("sEMG: soleus", "sEMG: Soleus")
    rewrite(trial.path, lines)
    message = str(read_error(trial.path))
    assert "unexpected 'sEMG: Soleus'" in message
    assert "'sEMG: Soleus' looks like 'sEMG: soleus'" in message


def test_extra_column_is_rejected(trial) -> None:
    lines = lines_of(trial.path)
    rewrite(trial.path, [lines[0] + ",sEMG: biceps femoris"] + [x + ",0.1" for x in lines[1:]])
    assert "unexpected 'sEMG: biceps femoris'" in str(read_error(trial.path))


def test_columns_in_another_order_are_read_by_name(trial) -> None:
    lines = [line.split(",") for line in lines_of(trial.path)]
    order = list(reversed(range(len(lines[0]))))
    rewrite(trial.path, [",".join(cells[j] for j in order) for cells in lines])
    (rec,) = read_siat_llmd(trial.path)
    np.testing.assert_allclose(rec.emg.column("soleus"), trial.values[:, 25], atol=1e-6)
    np.testing.assert_allclose(
        rec.angles.column("left hip adduction"), trial.values[:, 1], atol=1e-6
    )


def test_text_in_a_numeric_column_names_column_and_row(trial) -> None:
    edit_cell(trial.path, 57, "Kinetic: right knee flexion torque", "12.5N")
    error = read_error(trial.path)
    assert error.column == "Kinetic: right knee flexion torque"
    assert error.row == 57
    assert "'12.5N' is not a number" in str(error)


def test_empty_file_and_header_only(trial) -> None:
    trial.path.write_text("")
    assert "empty" in str(read_error(trial.path))
    trial.path.write_text(lines_of(trial.label_path)[0] + "\n")
    assert "do not match" in str(read_error(trial.path))
    rewrite(trial.path, [",".join(["Time"] + [c for c in lines_of_spec()[1:]])])
    assert "no data rows" in str(read_error(trial.path))


def lines_of_spec() -> list[str]:
    from tests.conftest import SPEC_DATA_HEADER

    return SPEC_DATA_HEADER.split(",")


def test_truncated_last_line(trial) -> None:
    text = trial.path.read_text()
    trial.path.write_text(text[: len(text) - 40])
    error = read_error(trial.path)
    assert error.row == 200
    assert "truncated" in str(error)


def test_non_monotonic_time(trial) -> None:
    edit_cell(trial.path, 120, "Time", "0.01")
    error = read_error(trial.path)
    assert error.column == "Time"
    assert error.row == 120
    assert "does not increase" in str(error)
    assert reported_rate(error) == pytest.approx(1920.0, rel=1e-3)


def test_irregular_time_reports_the_measured_rate(trial) -> None:
    lines = lines_of(trial.path)
    rewrite(trial.path, lines[:100] + lines[104:])  # 4 samples dropped after row 99
    error = read_error(trial.path)
    assert error.row == 100
    assert "irregular Time" in str(error)
    assert reported_rate(error) == pytest.approx(1920.0, rel=1e-4)


def test_time_at_another_rate_is_refused_unless_allowed(trial) -> None:
    lines = lines_of(trial.path)
    for i in range(1, len(lines)):
        cells = lines[i].split(",")
        cells[0] = f"{(i - 1) / 1000:.6f}"
        lines[i] = ",".join(cells)
    rewrite(trial.path, lines)
    assert "measured sampling rate 1000.0000 Hz" in str(read_error(trial.path))
    (rec,) = read_siat_llmd(trial.path, options=ReadOptions(expected_fs=None))
    assert rec.fs == pytest.approx(1000.0)


@pytest.fixture
def gap(trial):
    for row in range(30, 34):
        edit_cell(trial.path, row, "sEMG: rectus femoris", "")
    edit_cell(trial.path, 90, "sEMG: rectus femoris", "NaN")
    return trial


def test_nan_run_is_an_error_by_default(gap) -> None:
    error = read_error(gap.path)
    assert error.column == "sEMG: rectus femoris" and error.row == 30
    assert "4 missing value(s)" in str(error)


def test_nan_run_interpolated_up_to_the_limit_with_a_warning(gap) -> None:
    options = ReadOptions(nan_policy=NanPolicy.INTERPOLATE, max_gap_s=4 / 1920)
    with pytest.warns(DataWarning, match="interpolated 5 missing value"):
        (rec,) = read_siat_llmd(gap.path, options=options)
    column = rec.emg.column("rectus femoris")
    expected = np.interp(np.arange(29, 33), [28, 33], gap.values[[28, 33], 18])
    np.testing.assert_allclose(column[29:33], expected, atol=1e-6)
    assert np.isfinite(column).all()


def test_nan_run_longer_than_the_limit_is_an_error(gap) -> None:
    error = read_error(gap.path, nan_policy="interpolate", max_gap_s=3 / 1920)
    assert error.row == 30 and "longest gap filled is 3" in str(error)


def test_nan_run_masked(gap) -> None:
    (rec,) = read_siat_llmd(gap.path, options=ReadOptions(nan_policy="mask"))
    invalid = np.flatnonzero(~rec.emg.valid[:, rec.emg.index("rectus femoris")])
    np.testing.assert_array_equal(invalid, [29, 30, 31, 32, 89])
    assert rec.emg.valid[:, rec.emg.index("soleus")].all()


def test_unknown_motion_code_in_a_file_name(tmp_path: Path) -> None:
    write_foreign_trial(tmp_path, "Sub01", "WAK", n=50)
    bad = write_foreign_trial(tmp_path, "Sub01", "WAK", n=50)
    bad.path.rename(bad.path.with_name("Sub01_JOG_Data.csv"))
    write_foreign_trial(tmp_path, "Sub01", "WAK", n=50)
    message = str(read_error(tmp_path))
    assert "unknown motion code(s) ['JOG']" in message and "Sub01_JOG_Data.csv" in message


def test_unknown_motion_code_asked_for(trial, tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match=r"unknown motion code.*'RUN'.*WAK, UPS"):
        read_siat_llmd(tmp_path, motions=["RUN"])


def test_absent_subject_asked_for(trial, tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match=r"\['Sub07'\] not found; present: Sub01"):
        read_siat_llmd(tmp_path, subjects=["Sub07"])


def test_subject_missing_from_the_table_refuses_per_kg_but_reads_newton_metres(
    tmp_path: Path,
) -> None:
    write_foreign_trial(tmp_path, "Sub01", "WAK", n=60, label_shortfall=0)
    write_foreign_trial(tmp_path, "Sub02", "WAK", n=60, label_shortfall=0)
    write_foreign_subject_table(tmp_path, {"Sub01": 70.0})
    with pytest.raises(MissingBodyMassError, match="Sub02"):
        read_siat_llmd(tmp_path, options=ReadOptions(moment_unit="N·m/kg"))
    recordings = read_siat_llmd(tmp_path)
    assert [r.meta.body_mass_kg for r in recordings] == [70.0, None]
    assert recordings[1].moment_unit == "N·m"


def test_status_code_foreign_to_the_motion(trial) -> None:
    edit_cell(trial.label_path, 12, "Status", "7")
    with pytest.raises(DataFormatError) as info:
        read_siat_llmd(trial.path)
    assert info.value.column == "Status" and info.value.row == 12
    assert "'7' is not a WAK code" in str(info.value)


def test_label_file_that_is_longer_aligns_with_a_warning(trial) -> None:
    lines = lines_of(trial.label_path)
    rewrite(trial.label_path, [*lines, "1.0,1,0", "1.1,1,0"])
    with pytest.warns(DataWarning, match="202 label rows for 200 data rows.*2 label row"):
        (rec,) = read_siat_llmd(trial.path)
    np.testing.assert_array_equal(rec.labels.status, trial.status)


def test_gzip_data_file_reads_like_plain(trial) -> None:
    packed = trial.path.with_name(trial.path.name + ".gz")
    packed.write_bytes(gzip.compress(trial.path.read_bytes()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        (plain,) = read_siat_llmd(trial.path)
        (gz,) = read_siat_llmd(packed)
    np.testing.assert_array_equal(plain.emg.values, gz.emg.values)
