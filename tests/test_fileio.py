"""Outputs appear whole or not at all; a failed write never damages an earlier result."""

from __future__ import annotations

from pathlib import Path

import pytest

from kinemyo.errors import KinemyoError
from kinemyo.fileio import atomic_directory, atomic_file


def test_atomic_file_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "result.csv"
    target.write_text("earlier result")
    with pytest.raises(RuntimeError), atomic_file(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "earlier result"
    assert list(tmp_path.iterdir()) == [target]
    with atomic_file(target) as tmp:
        tmp.write_text("new result")
    assert target.read_text() == "new result"
    assert list(tmp_path.iterdir()) == [target]


def test_atomic_directory_keeps_the_old_folder_when_the_new_one_fails(tmp_path: Path) -> None:
    target = tmp_path / "cohort"
    target.mkdir()
    (target / "old.csv").write_text("old")
    with pytest.raises(RuntimeError), atomic_directory(target, overwrite=True) as tmp:
        (tmp / "new.csv").write_text("partial")
        raise RuntimeError("generator crashed")
    assert [p.name for p in target.iterdir()] == ["old.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["cohort"]


def test_atomic_directory_swaps_in_the_new_folder(tmp_path: Path) -> None:
    target = tmp_path / "cohort"
    target.mkdir()
    (target / "old.csv").write_text("old")
    with atomic_directory(target, overwrite=True) as tmp:
        (tmp / "new.csv").write_text("new")
    assert [p.name for p in target.iterdir()] == ["new.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["cohort"]


def test_atomic_directory_refuses_a_non_empty_folder_without_overwrite(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(KinemyoError, match=r"not empty.*--overwrite"), atomic_directory(tmp_path):
        pass
    assert (tmp_path / "keep.txt").read_text() == "x"
