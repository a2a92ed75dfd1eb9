"""Outputs appear whole or not at all; kinemyo replaces only what it wrote; a kill loses nothing."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kinemyo.errors import KinemyoError, RecoveryWarning
from kinemyo.fileio import (
    MARKER,
    Destination,
    atomic_directory,
    atomic_file,
    check_file_destination,
    recover_leftovers,
)


def kinemyo_folder(path: Path, content: str) -> Path:
    """A folder as an earlier kinemyo run leaves it: a result file and the marker."""
    path.mkdir(parents=True)
    (path / "result.txt").write_text(content)
    (path / MARKER).write_text(json.dumps({"format": "kinemyo-output", "version": 1}))
    return path


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


def test_atomic_file_refuses_a_folder(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("keep")
    with pytest.raises(KinemyoError, match="is a folder"), atomic_file(tmp_path):
        pass
    assert (tmp_path / "x.txt").read_text() == "keep"


def test_atomic_directory_keeps_the_old_folder_when_the_new_one_fails(tmp_path: Path) -> None:
    target = kinemyo_folder(tmp_path / "cohort", "old")
    with pytest.raises(RuntimeError), atomic_directory(target) as tmp:
        (tmp / "new.csv").write_text("partial")
        raise RuntimeError("generator crashed")
    assert (target / "result.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["cohort"]


def test_atomic_directory_replaces_its_own_output(tmp_path: Path) -> None:
    target = kinemyo_folder(tmp_path / "run", "old")
    with atomic_directory(target) as tmp:
        (tmp / "result.txt").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "result.txt"]
    assert (target / "result.txt").read_text() == "new"
    assert json.loads((target / MARKER).read_text())["format"] == "kinemyo-output"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_folder_kinemyo_did_not_write_needs_overwrite(tmp_path: Path) -> None:
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "thesis.txt").write_text("three years of work")
    refused = pytest.raises(KinemyoError, match=r"not written by kinemyo.*--overwrite")
    with refused, atomic_directory(thesis) as tmp:
        (tmp / "result.txt").write_text("x")
    assert (thesis / "thesis.txt").read_text() == "three years of work"
    with atomic_directory(Destination(thesis, overwrite=True)) as tmp:
        (tmp / "result.txt").write_text("x")
    assert not (thesis / "thesis.txt").exists()


def test_a_marker_of_another_format_is_not_kinemyo_s(tmp_path: Path) -> None:
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / MARKER).write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(KinemyoError, match="not written by kinemyo"), atomic_directory(folder):
        pass


@pytest.mark.parametrize("where", ["cwd", "home", "root", "above-cwd"])
def test_protected_folders_are_refused_even_with_overwrite(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    work = home / "project"
    work.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    target = {"cwd": Path(), "home": home, "root": Path("/"), "above-cwd": Path("..")}[where]
    with pytest.raises(KinemyoError, match="never writes its output there"):
        Destination(target, overwrite=True).check()
    assert work.is_dir()


def test_an_input_is_never_replaced(tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    (dataset / "Sub01").mkdir(parents=True)
    (dataset / "Sub01" / "data.csv").write_text("recording")
    for out in (dataset, tmp_path, dataset / "Sub01"):
        with pytest.raises(KinemyoError, match="input"):
            Destination(out, overwrite=True, inputs=(dataset,)).check()
    assert (dataset / "Sub01" / "data.csv").read_text() == "recording"
    Destination(dataset / "runs", inputs=(dataset,)).check()  # a new folder inside is fine


def test_output_files_refuse_inputs_folders_and_existing_files(tmp_path: Path) -> None:
    data = tmp_path / "trial.csv"
    data.write_text("recording")
    with pytest.raises(KinemyoError, match="input"):
        check_file_destination(data, overwrite=True, inputs=(data,))
    with pytest.raises(KinemyoError, match="is a folder"):
        check_file_destination(tmp_path, overwrite=True)
    with pytest.raises(KinemyoError, match="--overwrite"):
        check_file_destination(data)
    check_file_destination(data, overwrite=True)
    check_file_destination(tmp_path / "new.csv")


@pytest.mark.parametrize(
    ("mask", "dir_mode", "file_mode"), [(0o022, 0o755, 0o644), (0o002, 0o775, 0o664)]
)
def test_outputs_follow_the_umask(mask: int, dir_mode: int, file_mode: int, tmp_path: Path) -> None:
    old = os.umask(mask)
    try:
        with atomic_directory(tmp_path / "run") as tmp:
            (tmp / "a.txt").write_text("a")
        with atomic_file(tmp_path / "pred.csv") as tmp:
            tmp.write_text("p")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "run").stat().st_mode) == dir_mode
    assert stat.S_IMODE((tmp_path / "run" / MARKER).stat().st_mode) == file_mode
    assert stat.S_IMODE((tmp_path / "pred.csv").stat().st_mode) == file_mode


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import kinemyo.fileio as fileio

    target, step, strategy = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    if strategy == "two-renames":
        fileio._exchange = lambda a, b: False
    def hook(name):
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)
    fileio.test_hook = hook
    with fileio.atomic_directory(target) as tmp:
        (tmp / "result.txt").write_text("new")
    """
)


@pytest.mark.parametrize(
    ("strategy", "step"),
    [
        ("exchange", "staged"),
        ("exchange", "swapped"),
        ("two-renames", "staged"),
        ("two-renames", "retired"),
    ],
)
def test_a_kill_during_replacement_leaves_old_or_new_and_is_cleaned_up(
    strategy: str, step: str, tmp_path: Path
) -> None:
    target = kinemyo_folder(tmp_path / "run", "old")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(target), step, strategy], env=env, check=False
    )
    assert killed.returncode == -9
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "run"]
    assert leftovers, "the kill should have left a staging folder behind"
    if target.exists():  # a kill before or after the swap: old or new, whole
        assert (target / "result.txt").read_text() in {"old", "new"}
        assert (target / MARKER).is_file()
    else:  # only the fallback, killed between its two renames
        assert (strategy, step) == ("two-renames", "retired")
    with pytest.warns(RecoveryWarning), atomic_directory(target) as tmp:
        (tmp / "result.txt").write_text("next")
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
    assert (target / "result.txt").read_text() == "next"


def test_a_kill_between_two_renames_restores_the_complete_new_result(tmp_path: Path) -> None:
    target = kinemyo_folder(tmp_path / "run", "old")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run(
        [sys.executable, "-c", KILLER, str(target), "retired", "two-renames"], env=env, check=False
    )
    assert not target.exists()
    with pytest.warns(RecoveryWarning) as caught:
        recover_leftovers(target)
    messages = [str(w.message) for w in caught]
    assert any("restored it from" in m for m in messages)
    assert any("Removed" in m and ".kinemyo-old" in m for m in messages)
    assert (target / "result.txt").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_reading_the_umask_from_many_threads_never_changes_it() -> None:
    import threading

    from kinemyo.fileio import current_umask

    previous = os.umask(0o027)
    try:
        seen: list[int] = []
        workers = [
            threading.Thread(target=lambda: seen.extend(current_umask() for _ in range(200)))
            for _ in range(8)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert set(seen) == {0o027}  # no thread ever saw the mask at 0 mid-swap
        assert os.umask(0o027) == 0o027  # and it is still what was set
    finally:
        os.umask(previous)
