"""Parsing a CSV table apart from converting and caching it (``parse_table``, ``ParsedTable``),
checked against pandas reading the same file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinemyo.data.csv_table import parse_table
from kinemyo.data.table_cache import TableCache

COLUMNS = {"t": np.float64, "a": np.float32, "b": np.float32, "c": np.float32}


@pytest.fixture
def table_file(tmp_path: Path) -> Path:
    """60,000 rows (about 2.6 MB: several of pyarrow's 1 MiB parse blocks), empty cells in b."""
    values = np.random.default_rng(0).normal(scale=100.0, size=(60_000, 4))
    lines = ["t,a,b,c", *(",".join(f"{v:.6f}" for v in row) for row in values)]
    for row in (1, 4, 33_333, 60_000):  # 1-based data rows
        cells = lines[row].split(",")
        cells[2] = ""
        lines[row] = ",".join(cells)
    path = tmp_path / "table.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("threads", [True, False])
def test_stacked_columns_are_pandas_values_side_by_side(table_file: Path, threads: bool) -> None:
    parsed = parse_table(table_file, COLUMNS, threads=threads)
    assert parsed.table.column("a").num_chunks > 1  # the copy crosses parse blocks
    stacked = parsed.stacked(["c", "a", "b"], np.float32)
    assert stacked.dtype == np.float32 and stacked.flags.c_contiguous
    expected = pd.read_csv(table_file)[["c", "a", "b"]].to_numpy()
    assert stacked.shape == expected.shape == (60_000, 3)
    np.testing.assert_array_equal(np.isnan(stacked), np.isnan(expected))
    assert np.isnan(stacked[[0, 3, 33_332, 59_999], 2]).all()
    np.testing.assert_allclose(stacked, expected, rtol=1e-6, equal_nan=True)
    time = parsed.arrays()["t"]
    assert time.dtype == np.float64
    np.testing.assert_array_equal(time, pd.read_csv(table_file)["t"].to_numpy())


def test_the_cache_is_written_only_when_stored(table_file: Path, tmp_path: Path) -> None:
    cache = TableCache(tmp_path / "cache")
    parsed = parse_table(table_file, COLUMNS, cache=cache)
    assert not parsed.from_cache and not list((tmp_path / "cache").glob("*"))
    parsed.store()
    [entry] = (tmp_path / "cache").glob("*.arrow")
    written = entry.stat().st_mtime_ns
    again = parse_table(table_file, COLUMNS, cache=cache)
    assert again.from_cache
    for name, values in parsed.arrays().items():
        np.testing.assert_array_equal(again.arrays()[name], values)
    again.store()  # nothing to store: the entry stays the one written
    assert list((tmp_path / "cache").glob("*.arrow")) == [entry]
    assert entry.stat().st_mtime_ns == written
