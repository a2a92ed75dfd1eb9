"""Parsed tables are cached as Arrow IPC; a changed file is parsed anew."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
import pytest

from kinemyo.data.siat_llmd import ReadOptions, read_siat_llmd
from kinemyo.data.table_cache import TableCache, default_max_bytes, wait_for_writes, write_behind
from kinemyo.errors import KinemyoError
from tests.foreign_writer import write_foreign_trial


@pytest.fixture
def trial(tmp_path: Path):
    return write_foreign_trial(tmp_path / "data", n=400, label_shortfall=0)


def options(cache: Path) -> ReadOptions:
    return ReadOptions(cache_dir=cache)


def forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("parsed although cached")

    monkeypatch.setattr(pacsv, "read_csv", fail)


def test_second_read_comes_from_the_cache_and_is_identical(
    trial, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    (cold,) = read_siat_llmd(trial.path, options=options(cache))
    wait_for_writes()  # the read returns before its cache entries are written
    assert len(list(cache.glob("*.arrow"))) == 2  # data and labels
    forbid_parsing(monkeypatch)
    (warm,) = read_siat_llmd(trial.path, options=options(cache))
    for block in ("emg", "angles", "moments"):
        np.testing.assert_array_equal(getattr(warm, block).values, getattr(cold, block).values)
    np.testing.assert_array_equal(warm.time, cold.time)
    np.testing.assert_array_equal(warm.labels.status, cold.labels.status)


def test_an_edited_file_of_the_same_size_is_parsed_again(trial, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    read_siat_llmd(trial.path, options=options(cache))
    text = trial.path.read_text()
    row = text.splitlines()[300].split(",")
    edited_cell = row[25]
    row[25] = edited_cell[:-1] + ("1" if edited_cell[-1] != "1" else "2")
    lines = text.splitlines()
    lines[300] = ",".join(row)
    trial.path.write_text("\r\n".join(lines) + "\r\n")
    assert len(trial.path.read_text()) == len(text)
    (rec,) = read_siat_llmd(trial.path, options=options(cache))
    assert rec.emg.column("soleus")[299] == pytest.approx(float(row[25]), abs=1e-9)


def test_a_corrupt_entry_is_dropped_and_the_file_parsed(trial, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (cold,) = read_siat_llmd(trial.path, options=options(cache))
    wait_for_writes()
    for entry in cache.glob("*.arrow"):
        entry.write_bytes(b"not arrow")
    (again,) = read_siat_llmd(trial.path, options=options(cache))
    np.testing.assert_array_equal(again.emg.values, cold.emg.values)


def test_cache_switched_off_by_environment(
    trial, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KINEMYO_CACHE_DIR", "off")
    assert ReadOptions().cache is None
    monkeypatch.setenv("KINEMYO_CACHE_DIR", str(tmp_path / "c"))
    read_siat_llmd(trial.path)
    wait_for_writes()
    assert list((tmp_path / "c").glob("*.arrow"))


def test_one_entry_per_file_however_often_it_changes(trial, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for seed in range(3):
        write_foreign_trial(tmp_path / "data", n=400 + seed, seed=seed, label_shortfall=0)
        (rec,) = read_siat_llmd(trial.path, options=options(cache))
        assert rec.n_samples == 400 + seed
    wait_for_writes()
    assert len(list(cache.glob("*.arrow"))) == 2  # data and labels, each replaced in place


def test_the_cache_stays_within_its_size_limit(tmp_path: Path, monkeypatch) -> None:
    trials = [
        write_foreign_trial(tmp_path / "data", f"Sub0{i}", n=400, label_shortfall=0)
        for i in range(1, 5)
    ]
    cache = tmp_path / "cache"
    read_siat_llmd(trials[0].path, options=options(cache))
    wait_for_writes()
    entry_bytes = sum(e.stat().st_size for e in cache.glob("*.arrow"))
    monkeypatch.setenv("KINEMYO_CACHE_MAX_GB", str(2.5 * entry_bytes / 1e9))
    for t in trials[1:]:
        read_siat_llmd(t.path, options=options(cache))
    wait_for_writes()
    assert sum(e.stat().st_size for e in cache.glob("*.arrow")) <= 2.5 * entry_bytes
    # the newest entries are kept: the last trial read again comes from the cache
    forbid_parsing(monkeypatch)
    read_siat_llmd(trials[-1].path, options=options(cache))


def test_a_read_from_the_cache_waits_for_its_entrys_write_behind(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("a,b\n1,2\n3,4\n")
    table = pacsv.read_csv(csv)
    cache = TableCache(tmp_path / "cache")
    started, release = threading.Event(), threading.Event()

    def blocking() -> None:  # another cache job: the entry's reader must not wait for it
        started.set()
        release.wait(timeout=30)

    write_behind(blocking)
    started.wait(timeout=30)
    assert cache.get(csv, ["a", "b"]) is None  # no write of this entry pending: a plain miss
    cache.put_behind(csv, ["a", "b"], table)  # queued behind the blocked job
    release.set()
    got = cache.get(csv, ["a", "b"])  # asked right away: waits for this entry's write only
    assert got is not None and got.column("b").to_pylist() == [2, 4]


def test_a_malformed_size_limit_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setenv("KINEMYO_CACHE_MAX_GB", "lots")
    with pytest.raises(KinemyoError, match="KINEMYO_CACHE_MAX_GB='lots'"):
        default_max_bytes()
