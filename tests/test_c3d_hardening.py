"""read_c3d_analog refuses a C3D file cut short (ezc3d would return part of it without a word)
and flags implausible EMG with column and row."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from kinemyo.data.c3d import read_c3d_analog
from kinemyo.errors import DataFormatError, DataWarning
from tests.test_c3d import N, sines, write_c3d

pytest.importorskip("ezc3d")


@pytest.fixture
def c3d_bytes(tmp_path: Path) -> bytes:
    return write_c3d(tmp_path / "full.c3d", sines(), ["V", "uV", "N"]).read_bytes()


def test_a_c3d_cut_in_half_is_refused(tmp_path: Path, c3d_bytes: bytes) -> None:
    # 200 frames of 10 analog samples x 3 channels, 4-byte floats, data from byte 1536
    assert len(c3d_bytes) >= 1536 + 200 * 30 * 4
    half = tmp_path / "half.c3d"
    half.write_bytes(c3d_bytes[: len(c3d_bytes) // 2])
    with pytest.raises(DataFormatError) as caught:
        read_c3d_analog(half, ["EMG1"])
    message = str(caught.value)
    assert caught.value.path == half
    assert "announces 200 frames (51-250) ending at byte 25,536" in message
    assert (
        f"the file has {len(c3d_bytes) // 2:,} bytes (93 whole frames): it is cut short" in message
    )


def test_a_c3d_missing_its_last_frame_is_refused(tmp_path: Path, c3d_bytes: bytes) -> None:
    cut = tmp_path / "cut.c3d"
    cut.write_bytes(c3d_bytes[: 1536 + 199 * 30 * 4 + 4])
    with pytest.raises(DataFormatError, match=r"\(199 whole frames\): it is cut short"):
        read_c3d_analog(cut, ["EMG1"])


def test_a_complete_c3d_reads_every_sample(tmp_path: Path, c3d_bytes: bytes) -> None:
    whole = tmp_path / "whole.c3d"
    whole.write_bytes(c3d_bytes[: 1536 + 200 * 30 * 4])  # without the padding to 512 bytes
    assert read_c3d_analog(whole, ["EMG1"]).n_samples == N


def test_a_c3d_shorter_than_its_header_is_refused(tmp_path: Path, c3d_bytes: bytes) -> None:
    stub = tmp_path / "stub.c3d"
    stub.write_bytes(c3d_bytes[:300])
    with pytest.raises(DataFormatError, match="only 300 bytes: shorter than the 512-byte"):
        read_c3d_analog(stub)


def test_implausible_emg_is_flagged_with_column_and_row(tmp_path: Path) -> None:
    signals = sines()
    signals["EMG2"][1234] = 5e5  # uV: 500 mV
    path = write_c3d(tmp_path / "spike.c3d", signals, ["V", "uV", "N"])
    with pytest.warns(DataWarning) as caught:
        read_c3d_analog(path, ["EMG1", "EMG2"])
    (warning,) = caught
    assert str(warning.message).startswith(f"{path}: ")
    assert "column 'EMG2' row 1235: 500 mV (plausible |x| <= 100)" in str(warning.message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_c3d_analog(path, ["EMG1"])
