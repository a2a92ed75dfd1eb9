"""Cheap pre-read limits: every reader refuses crafted files (NUL bytes, huge headers) up front,
and the CSV diagnosis names the row and column of a bad file however wide or long its rows."""

from __future__ import annotations

import gzip
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

# the files the refusal benchmark times, made the same way here
from benchmarks.bench_refusal import camargo_tree, model_folder, nul_file, wide_file, wide_storage

from kinemyo.data.c3d import read_c3d_analog
from kinemyo.data.camargo import read_camargo
from kinemyo.data.csv_table import read_header, read_table
from kinemyo.data.limits import FileLimits, check_file, check_text_file, repeated_names
from kinemyo.data.opensim import read_storage
from kinemyo.data.recording import SignalBlock
from kinemyo.data.siat_llmd import read_trial_file
from kinemyo.data.siat_llmd.subjects import read_subject_info
from kinemyo.errors import DataFormatError, KinemyoError
from kinemyo.models.base import load_model
from kinemyo.models.lagllama.checkpoint import load_checkpoint

WIDE = 100_000


def read_quietly(read: Callable[[], object]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "no SubjectInfo" from the Camargo reader
        read()


# --- every reader refuses a 100 MB NUL file with its own extension -----------------------------

READERS_OF_NUL = {
    "siat": (lambda d: read_trial_file(nul_file(d / "Sub01_WAK_Data.csv")), "NUL bytes"),
    "camargo csv": (lambda d: read_camargo(camargo_tree(d, ".csv", nul_file)), "NUL bytes"),
    "camargo mat": (
        lambda d: read_camargo(camargo_tree(d, ".mat", nul_file)),
        "does not start like a MATLAB",
    ),
    "opensim mot": (lambda d: read_storage(nul_file(d / "ik.mot")), "NUL bytes"),
    "opensim sto": (lambda d: read_storage(nul_file(d / "id.sto")), "NUL bytes"),
    "c3d": (lambda d: read_c3d_analog(nul_file(d / "t.c3d")), "does not start like a C3D"),
    "xlsx": (
        lambda d: read_subject_info(nul_file(d / "SubjectInformation.xlsx")),
        "does not start like an .xlsx",
    ),
    "checkpoint": (
        lambda d: load_checkpoint(nul_file(d / "lag-llama.ckpt")),
        "does not start like a PyTorch checkpoint",
    ),
    "saved model": (lambda d: load_model(model_folder(d / "model", nul_file)), "NUL bytes"),
}


@pytest.mark.parametrize("reader", list(READERS_OF_NUL))
def test_every_reader_refuses_a_100_mb_nul_file(tmp_path: Path, reader: str) -> None:
    if reader == "c3d":
        pytest.importorskip("ezc3d")
    read, message = READERS_OF_NUL[reader]
    with pytest.raises(DataFormatError, match=message) as caught:
        read_quietly(lambda: read(tmp_path))
    assert caught.value.path is not None and str(tmp_path) in str(caught.value)


READERS_OF_WIDE = {
    "siat": lambda d: read_trial_file(wide_file(d / "Sub01_WAK_Data.csv")),
    "camargo csv": lambda d: read_camargo(camargo_tree(d, ".csv", wide_file)),
    "csv table": lambda d: read_header(wide_file(d / "t.csv")),
    "opensim": lambda d: read_storage(wide_storage(d / "ik.mot")),
}


@pytest.mark.parametrize("reader", list(READERS_OF_WIDE))
def test_text_readers_refuse_a_100000_column_header(tmp_path: Path, reader: str) -> None:
    refused = "100,000 columns, more than|header line is longer than"
    with pytest.raises(DataFormatError, match=refused) as caught:
        read_quietly(lambda: READERS_OF_WIDE[reader](tmp_path))
    assert caught.value.path.suffix in (".csv", ".mot")


def test_a_header_line_longer_than_the_limit_is_refused_without_reading_on(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a" * (2**20 + 10) + "\n1\n")  # one name of 1 MiB: no line end in reach
    with pytest.raises(DataFormatError, match="header line is longer than 1,048,576 bytes"):
        read_header(path)


def test_nul_bytes_inside_a_gzip_csv_are_found_after_decompression(tmp_path: Path) -> None:
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(b"Time,a\n" + b"\x00" * 1000))
    with pytest.raises(DataFormatError, match="NUL bytes at byte 7"):
        read_header(path)


# --- the limits module on hand-made files ------------------------------------------------------

TINY_TEXT = FileLimits("a tiny table", max_bytes=64, max_header_bytes=16, max_columns=3)
TINY_BINARY = FileLimits("a tiny binary", max_bytes=64, magic=(b"AB", b"XY"), magic_offset=2)


@pytest.mark.parametrize(
    ("content", "limits", "message"),
    [
        (None, TINY_TEXT, "file not found"),
        (b"", TINY_TEXT, "the file is empty; expected a tiny table"),
        (b"a,b\n" + b"1,2\n" * 20, TINY_TEXT, "84 bytes, more than a tiny table plausibly has"),
        (b"a,\xff\n", TINY_TEXT, "not UTF-8 text at byte 2"),
        (b"a,b\x00\n", TINY_TEXT, "NUL bytes at byte 3"),
        (b"..AC....", TINY_BINARY, r"bytes 2\.\. are b'AC', expected b'AB' or b'XY'"),
    ],
)
def test_check_file_refuses(tmp_path: Path, content, limits, message) -> None:
    path = tmp_path / "f"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataFormatError, match=message):
        check_file(path, limits)


def test_check_file_accepts_what_fits(tmp_path: Path) -> None:
    (tmp_path / "b").write_bytes(b"..XY")
    assert check_file(tmp_path / "b", TINY_BINARY) == tmp_path / "b"
    (tmp_path / "t").write_bytes("\ufeffa,b,c\r\n1,2,3\n".encode())
    assert check_text_file(tmp_path / "t", TINY_TEXT) == "a,b,c"


@pytest.mark.parametrize(
    ("header", "message"),
    [("a,b,c,d\n", "names 4 columns, more than 3"), ("abcdefghijklmnopq\n", "longer than 16")],
)
def test_check_text_file_bounds_the_header(tmp_path: Path, header: str, message: str) -> None:
    path = tmp_path / "t"
    path.write_text(header)
    with pytest.raises(DataFormatError, match=message):
        check_text_file(path, TINY_TEXT)


def test_repeated_names() -> None:
    assert repeated_names(["b", "a", "b", "c", "a", "b"]) == ["a", "b"]
    assert repeated_names([]) == []


def test_signal_block_finds_one_repeated_name_among_100000() -> None:
    names = [f"c{i}" for i in range(WIDE)]
    names[-1] = "c17"
    with pytest.raises(KinemyoError, match=r"repeated: \['c17'\]"):
        SignalBlock(values=np.zeros((2, WIDE)), names=tuple(names), units=("mV",) * WIDE)


# --- CSV diagnosis: exact row and column, bounded cost -----------------------------------------


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n")
    return path


def test_repeated_column_name_is_refused_not_merged(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "t.csv", ["Header", "a", "b", "a"], [["0", "1", "2", "3"]])
    with pytest.raises(DataFormatError, match=r"repeated column names \['a'\]"):
        read_table(path, {"Header": np.float64, "b": np.float64})


def test_bad_cell_of_a_wide_table_names_its_row_and_column(tmp_path: Path) -> None:
    # 3000 columns x 300 rows: the old column-by-column diagnosis rebuilt every column in Python
    header = [f"c{j}" for j in range(3000)]
    rows = [[str(i + j) for j in range(3000)] for i in range(300)]
    rows[250][2999] = "12.5N"
    path = write_rows(tmp_path / "t.csv", header, rows)
    with pytest.raises(DataFormatError, match=r"'12\.5N' is not a number") as caught:
        read_table(path, dict.fromkeys(header, np.float64))
    assert (caught.value.row, caught.value.column) == (251, "c2999")


def test_missing_value_markers_and_spaces_are_not_bad_cells(tmp_path: Path) -> None:
    rows = [[" 1.5 ", "2"], ["NA", ""], ["nan", "x7"]]
    path = write_rows(tmp_path / "t.csv", ["a", "b"], rows)
    with pytest.raises(DataFormatError, match="'x7' is not a number") as caught:
        read_table(path, {"a": np.float64, "b": np.float32})
    assert (caught.value.row, caught.value.column) == (3, "b")


def test_a_row_with_extra_cells_is_named_and_not_called_truncated(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "t.csv", ["a", "b"], [["1", "2"], ["3", "4"], ["5", "6", "7"]])
    with pytest.raises(DataFormatError, match=r"expected 2 values, found 3\.$") as caught:
        read_table(path, {"a": np.float64, "b": np.float64})
    assert caught.value.row == 3


def test_a_row_of_over_1_mb_is_refused_and_named(tmp_path: Path) -> None:
    rows = [["1", "2"]] * 300_000
    rows[150_000] = ["1" * 3_000_000, "2"]
    path = write_rows(tmp_path / "t.csv", ["a", "b"], rows)
    with pytest.raises(DataFormatError, match="row is longer than 1,048,576 bytes") as caught:
        read_table(path, {"a": np.float64, "b": np.float64})
    assert caught.value.row == 150_001


def test_a_bad_cell_over_1_mb_long_is_quoted_short(tmp_path: Path) -> None:
    rows = [["1", "2"], ["3", "x" * 2_000_000]]
    path = write_rows(tmp_path / "t.csv", ["a", "b"], rows)
    with pytest.raises(DataFormatError) as caught:
        read_table(path, {"a": np.float64, "b": np.float64})
    assert (caught.value.row, caught.value.column) == (2, "b")
    assert "'" + "x" * 40 + "...' is not a number" in str(caught.value)
    assert len(str(caught.value)) < 500


def test_gzip_content_and_the_gz_name_must_agree(tmp_path: Path) -> None:
    text = b"Time,a\n0.0,1\n0.1,2\n"
    hidden = tmp_path / "x.csv"
    hidden.write_bytes(gzip.compress(text))
    with pytest.raises(DataFormatError, match=r"x.csv.*gzip-compressed but not named .gz"):
        read_header(hidden)
    fake = tmp_path / "y.csv.gz"
    fake.write_bytes(text)
    with pytest.raises(DataFormatError, match=r"y.csv.gz.*named .gz but is not gzip"):
        read_header(fake)
    real = tmp_path / "z.csv.gz"
    real.write_bytes(gzip.compress(text))
    assert read_header(real) == ["Time", "a"]
