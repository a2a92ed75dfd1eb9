"""Every command that writes refuses, before any work, to replace what kinemyo did not write."""

from __future__ import annotations

from pathlib import Path

import pytest

from kinemyo.cli import main
from kinemyo.fileio import MARKER


def commands(out: Path, data: Path) -> dict[str, list[str]]:
    """Each writing command with ``--out`` at ``out`` and every input at ``data``."""
    ckpt = data / "lag-llama.ckpt"
    return {
        "data generate": ["data", "generate", "--out", out],
        "data generate-camargo": ["data", "generate-camargo", "--out", out],
        "demo --out": ["demo", "--out", out, "--cohort", data.parent / "cohort"],
        "demo --cohort": ["demo", "--cohort", out, "--out", data.parent / "report"],
        "preprocess": ["preprocess", data, "--out", out],
        "fit": ["fit", "mean", data, "--out", out],
        "evaluate": ["evaluate", data, data, "--out", out],
        "compare": ["compare", data, "--out", out],
        "finetune": ["finetune", data, "--out", out],
        "forecast": ["forecast", data, "--ckpt", ckpt, "--out", out],
        "experiment lstam": ["experiment", "lstam", "--data", data, "--out", out],
    }


WRITES_NO_INPUT = {"data generate", "data generate-camargo", "demo --out", "demo --cohort"}


@pytest.fixture
def user_files(tmp_path: Path) -> tuple[Path, Path]:
    """A user's folder with their own file, and a dataset folder."""
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "thesis.txt").write_text("three years of work")
    data = tmp_path / "data"
    (data / "Sub01").mkdir(parents=True)
    (data / "Sub01" / "Sub01_WAK_Data.csv").write_text("Time\n0\n")
    (data / "lag-llama.ckpt").write_bytes(b"")
    return thesis, data


def run(capsys: pytest.CaptureFixture, args: list) -> tuple[int, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("command", sorted(commands(Path(), Path()).keys()))
def test_out_on_a_users_folder_is_refused(
    command: str, user_files: tuple[Path, Path], capsys: pytest.CaptureFixture
) -> None:
    thesis, data = user_files
    code, text = run(capsys, commands(thesis, data)[command])
    assert code == 1, text
    assert "not written by kinemyo" in text and "--overwrite" in text
    assert "Traceback" not in text
    assert (thesis / "thesis.txt").read_text() == "three years of work"
    assert sorted(p.name for p in thesis.iterdir()) == ["thesis.txt"]


@pytest.mark.parametrize("command", sorted(set(commands(Path(), Path())) - WRITES_NO_INPUT))
def test_out_equal_to_an_input_is_refused_even_with_overwrite(
    command: str, user_files: tuple[Path, Path], capsys: pytest.CaptureFixture
) -> None:
    _, data = user_files
    code, text = run(capsys, [*commands(data, data)[command], "--overwrite"])
    assert code == 1, text
    assert "input" in text and "Traceback" not in text
    assert (data / "Sub01" / "Sub01_WAK_Data.csv").read_text() == "Time\n0\n"


def test_demo_refuses_the_same_folder_for_report_and_cohort(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    code, text = run(capsys, ["demo", "--out", tmp_path / "x", "--cohort", tmp_path / "x"])
    assert code == 1 and "input" in text


def test_predict_refuses_an_existing_file_and_its_input(
    user_files: tuple[Path, Path], capsys: pytest.CaptureFixture
) -> None:
    thesis, data = user_files
    mine = thesis / "thesis.txt"
    code, text = run(capsys, ["predict", data, data, "--out", mine])
    assert code == 1 and "--overwrite" in text
    trial = data / "Sub01" / "Sub01_WAK_Data.csv"
    code, text = run(capsys, ["predict", data, trial, "--out", trial, "--overwrite"])
    assert code == 1 and "input" in text
    code, text = run(capsys, ["predict", data, data, "--out", thesis])
    assert code == 1 and "is a folder" in text
    assert mine.read_text() == "three years of work"
    assert trial.read_text() == "Time\n0\n"


def test_a_run_folder_is_replaced_by_the_next_run(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    cohort, run_dir = tmp_path / "cohort", tmp_path / "run"
    generate = ["data", "generate", "--out", cohort, "--subjects", "2", "--seconds", "2"]
    assert run(capsys, [*generate, "--motions", "WAK"])[0] == 0
    assert (cohort / MARKER).is_file()
    assert run(capsys, [*generate, "--motions", "DNS"])[0] == 0  # its own output: no --overwrite
    assert sorted(p.name for p in (cohort / "Sub01" / "Data").iterdir()) == ["Sub01_DNS_Data.csv"]
    fit = ["fit", "mean", cohort, "--out", run_dir]
    assert run(capsys, fit)[0] == 0
    first = (run_dir / "run.json").stat().st_mtime_ns
    assert run(capsys, fit)[0] == 0
    assert (run_dir / "run.json").stat().st_mtime_ns >= first
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
