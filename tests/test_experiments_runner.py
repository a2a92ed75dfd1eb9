"""The experiment runner: stable task keys, an atomic task store that survives kill -9, resumed
runs equal to uninterrupted ones, failed tasks reported and redone, and the same results bit for
bit in this process, on a process pool and on a real local Ray cluster."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer

from kinemyo.cli import main
from kinemyo.cli.console import exit_on_failures
from kinemyo.config import PipelineConfig
from kinemyo.data.windowed import Prediction, WindowedDataset
from kinemyo.errors import KinemyoError, RecoveryWarning
from kinemyo.experiments.executors import Execution
from kinemyo.experiments.store import TaskResult, TaskStore, work_folder
from kinemyo.experiments.task import task_key
from kinemyo.fileio import MARKER, atomic_directory
from kinemyo.studies.compare import run_comparison
from kinemyo.training.trainer import History
from tests.conftest import make_recording

CONFIG = PipelineConfig.model_validate({"denoise": {"level": 5}})
"""The default chain with a DWT shallow enough for recordings of half a second."""

KEY_PARTS = {
    "data": "ab" * 32,
    "config": {"window": {"length": 100, "step": 50}, "features": ["mav", "rms"]},
    "split": {"protocol": "loso", "name": "leave_one_subject_out(Sub01)"},
    "model": "gpr",
    "params": {"noise": 0.1, "random_state": 0},
    "seed": 0,
}
KEY_SCRIPT = (
    "from kinemyo.experiments.task import task_key; import json, sys; "
    "print(task_key(json.loads(sys.argv[1])))"
)


def test_a_key_is_the_same_in_another_process_and_for_reordered_parts() -> None:
    import json

    here = task_key(KEY_PARTS)
    there = subprocess.run(
        [sys.executable, "-c", KEY_SCRIPT, json.dumps(KEY_PARTS)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "123"},
    ).stdout.strip()
    assert there == here and len(here) == 64
    reordered = dict(reversed(list(KEY_PARTS.items())))
    assert task_key(reordered) == here


@pytest.mark.parametrize(
    "changed",
    [
        {"data": "cd" * 32},
        {"config": {"window": {"length": 100, "step": 25}, "features": ["mav", "rms"]}},
        {"config": {"window": {"length": 100, "step": 50}, "features": ["rms", "mav"]}},
        {"split": {"protocol": "loso", "name": "leave_one_subject_out(Sub02)"}},
        {"model": "ridge"},
        {"params": {"noise": 0.2, "random_state": 0}},
        {"params": {"noise": 0.1, "random_state": 1}},
        {"seed": 1},
        {"tags": {"chain": "seed-siat"}},
    ],
    ids=lambda changed: next(iter(changed)),
)
def test_any_change_of_a_part_gives_a_new_key(changed: dict) -> None:
    assert task_key({**KEY_PARTS, **changed}) != task_key(KEY_PARTS)


def test_a_key_of_array_parts_follows_their_values() -> None:
    indices = np.arange(10)
    same = task_key({"train": indices.copy()})
    assert task_key({"train": indices}) == same
    assert task_key({"train": indices[::-1].copy()}) != same
    assert task_key({"train": indices.astype(np.int32)}) != same  # dtype is part of the value


def _result(seed: int) -> TaskResult:
    rng = np.random.default_rng(seed)
    n = 5
    truth = WindowedDataset(
        X=rng.normal(size=(n, 2, 3)).astype(np.float32),
        Y=rng.normal(size=(n, 1, 2)).astype(np.float32),
        channels=("a", "b"),
        features=("mav", "rms", "wl"),
        joints=("left knee flexion",),
        quantities=("angle", "moment"),
        units=("deg", "N·m"),
        subject=np.array(["Sub01"] * n, dtype=object),
        task=np.array(["DNS"] * n, dtype=object),
        trial=np.array(["Sub01_DNS"] * n, dtype=object),
        segment=np.arange(n),
        time=np.linspace(0.1, 0.5, n),
    )
    prediction = Prediction(
        mean=rng.normal(size=(n, 1, 2)),
        std=np.abs(rng.normal(size=(n, 1, 2))),
        joints=truth.joints,
        quantities=truth.quantities,
        units=truth.units,
    )
    scores = pd.DataFrame(
        {"subject": ["Sub01", "Sub02"], "metric": ["rmse", "r2"], "value": [1 / 3, np.nan]}
    )
    history = History(train=[0.5, 1 / 7], validation=[0.6, 0.2], best_epoch=1, seconds=0.25)
    return TaskResult(prediction, scores, 1 / 3, 42, history, truth)


def test_a_stored_result_reads_back_bit_for_bit(tmp_path: Path) -> None:
    store = TaskStore(tmp_path / "store")
    written = _result(0)
    assert not store.has("k")
    store.write("k", "DNS split ridge seed 0", written)
    assert store.has("k")
    read = store.read("k")
    for name in ("mean", "std"):
        assert (
            getattr(read.prediction, name).tobytes() == getattr(written.prediction, name).tobytes()
        )
    for name in ("X", "Y", "segment", "time"):
        assert getattr(read.truth, name).tobytes() == getattr(written.truth, name).tobytes()
    assert read.truth.subject.tolist() == ["Sub01"] * 5 and read.truth.subject.dtype == object
    assert read.truth.units == ("deg", "N·m") and read.prediction.joints == ("left knee flexion",)
    assert read.scores["value"].iloc[0] == 1 / 3 and np.isnan(read.scores["value"].iloc[1])
    assert read.fit_seconds == 1 / 3 and read.n_parameters == 42
    assert read.history.train == [0.5, 1 / 7] and read.history.best_epoch == 1


def test_a_half_written_result_is_not_taken_for_a_finished_one(tmp_path: Path) -> None:
    store = TaskStore(tmp_path / "store")
    (store.root / "k").mkdir(parents=True)
    (store.root / "k" / "result.json").write_text("{}")
    assert not store.has("k")  # no completion marker: the write was cut short


def test_the_work_folder_survives_the_output_folders_leftover_recovery(tmp_path: Path) -> None:
    out = tmp_path / "run"
    store = TaskStore.for_output(out)
    store.write("k", "a task", _result(1))
    assert store.root == work_folder(out) == tmp_path / ".run.kinemyo-tasks"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RecoveryWarning)
        with atomic_directory(out) as tmp:
            (tmp / "report.md").write_text("partial")
    assert store.has("k")
    # A finished run keeps its tasks inside; a rerun starts from them.
    with atomic_directory(out) as tmp:
        store.move_into(tmp, ["k"])
    assert not work_folder(out).exists() and (out / "tasks" / "k" / MARKER).is_file()
    assert TaskStore.for_output(out).has("k")


def test_a_non_kinemyo_folder_lends_no_tasks(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    (out / "tasks" / "k").mkdir(parents=True)
    (out / "tasks" / "k" / MARKER).write_text('{"format": "kinemyo-output"}')
    assert not TaskStore.for_output(out).has("k")


def test_failed_tasks_are_listed_and_end_with_exit_status_1(capsys) -> None:
    exit_on_failures({})  # nothing failed: returns
    with pytest.raises(typer.Exit) as ended:
        exit_on_failures({"DNS split gpr seed 0": "KinemyoError: too few windows"})
    assert ended.value.exit_code == 1
    err = capsys.readouterr().err
    assert "1 task(s) failed" in err and "- DNS split gpr seed 0: KinemyoError: too few" in err


def _uneven_cohort() -> list:
    """Three subjects of 0.5, 1 and 1.5 s: leave-one-out training sets of different sizes."""
    return [make_recording(subject=f"Sub0{i}", task="DNS", n=960 * i, seed=i) for i in (1, 2, 3)]


def test_failing_tasks_are_reported_the_others_finish_and_a_rerun_redoes_only_them(
    tmp_path: Path,
) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("the failing model asks for a CUDA device, and this machine has one")
    recordings = _uneven_cohort()
    # A network told to train on a GPU that is absent fails at fit time, on every split.
    models = {"ridge": {}, "lstm": {"epochs": 1, "hidden": 4, "device": "cuda"}}
    out = tmp_path / "run"
    first = run_comparison(recordings, out, config=CONFIG, models=models, protocol="loso")
    assert sorted(first.failures) == [
        f"DNS leave_one_subject_out(Sub0{i}) lstm seed 0" for i in (1, 2, 3)
    ]
    assert all("no CUDA device is available" in error for error in first.failures.values())
    assert first.skipped == 0 and set(first.scores["model"]) == {"ridge"}
    assert sorted(first.scores["subject"].unique()) == ["Sub01", "Sub02", "Sub03"]
    report = (out / "report.md").read_text()
    assert "3 of 6 fits failed" in report and "leave_one_subject_out(Sub02) lstm" in report
    second = run_comparison(recordings, out, config=CONFIG, models=models, protocol="loso")
    assert second.skipped == 3  # the ridge fits; only the failed ones ran again
    assert sorted(second.failures) == sorted(first.failures)


@pytest.mark.slow
def test_seeds_repeat_every_fit_and_the_table_spans_subjects_and_seeds(tmp_path: Path) -> None:
    recordings = _uneven_cohort()
    models = {"ridge": {}, "lstm": {"epochs": 1, "hidden": 4, "layers": 1, "patience": 0}}
    result = run_comparison(
        recordings,
        tmp_path / "run",
        config=CONFIG,
        models=models,
        protocol="loso",
        seeds=(0, 1),
    )
    scores = result.scores
    assert set(scores["seed"]) == {0, 1}
    # ridge has no randomness: fitted once per split (seed 0), not once per seed
    assert set(scores.loc[scores["model"] == "ridge", "seed"]) == {0}
    key = ["model", "subject", "joint", "quantity", "metric"]
    by_seed = scores.pivot_table(index=key, columns="seed", values="value").reset_index()
    lstm = by_seed[by_seed["model"] == "lstm"]
    assert (lstm[0] != lstm[1]).any()  # the seed reaches the network
    # One cell per model: mean ± sd over 3 subjects x 2 seeds = 6 values (joint-averaged).
    rmse = scores[(scores["metric"] == "rmse") & (scores["quantity"] == "moment")]
    per_value = rmse.groupby(["model", "subject", "seed"])["value"].mean()
    lstm_values = per_value["lstm"]
    assert len(lstm_values) == 6
    expected = f"{lstm_values.mean():.3g} ± {lstm_values.std(ddof=1):.2g}"
    cell = result.table.set_index("model").loc["lstm", "moment RMSE (N·m)"]
    assert cell == expected
    report = (tmp_path / "run" / "report.md").read_text()
    assert "across subjects and seeds (one value per subject and seed, 2 seeds)" in report


def _task_arrays(run: Path) -> dict[str, bytes]:
    """Each task's stored prediction and test windows, as bytes, by task key."""
    return {
        folder.name: (folder / "arrays.safetensors").read_bytes()
        for folder in sorted((run / "tasks").iterdir())
    }


def _finished(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    # Hidden entries are results being staged (their marker is written before the rename).
    return sum(
        (entry / MARKER).is_file() for entry in folder.iterdir() if not entry.name.startswith(".")
    )


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runner") / "cohort"
    args = ["data", "generate", "--out", str(out), "--subjects", "3", "--motions", "UPS,DNS"]
    assert main([*args, "--seconds", "3", "--seed", "2"]) == 0
    return out


COMPARE = ["compare", "--models", "mean,ridge,gpr", "--protocol", "loso", "--motions", "UPS,DNS"]
TASKS = 2 * 3 * 3  # motions x left-out subjects x models


@pytest.mark.slow
def test_a_run_killed_mid_way_resumes_to_the_uninterrupted_runs_results(
    cohort: Path, tmp_path: Path, capsys
) -> None:
    reference = tmp_path / "reference"
    assert main([COMPARE[0], str(cohort), *COMPARE[1:], "--out", str(reference)]) == 0
    capsys.readouterr()

    out = tmp_path / "resumed"
    command = [COMPARE[0], str(cohort), *COMPARE[1:], "--jobs", "2", "--out", str(out)]
    script = "import sys; from kinemyo.cli import main; sys.exit(main(sys.argv[1:]))"
    process = subprocess.Popen(
        [sys.executable, "-c", script, *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    work = work_folder(out)
    while _finished(work) < 2 and process.poll() is None:
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)  # the CLI and its worker processes
    process.wait()
    done_before = _finished(work)
    assert 2 <= done_before < TASKS and not out.exists(), "the run ended before the kill"

    assert main(command) == 0
    text = capsys.readouterr().out
    skipped = int(text.split(" of 18 tasks already done, skipped")[0].split()[-1])
    assert done_before <= skipped < TASKS
    assert not work.exists()
    assert (out / "scores.csv").read_bytes() == (reference / "scores.csv").read_bytes()
    assert (out / "table.csv").read_text().count("\n") == (
        reference / "table.csv"
    ).read_text().count("\n")
    assert _task_arrays(out) == _task_arrays(reference) and len(_task_arrays(out)) == TASKS


@pytest.mark.slow
def test_two_worker_processes_give_the_sequential_results_bit_for_bit(tmp_path: Path) -> None:
    recordings = _uneven_cohort()
    models = {"ridge": {}, "lstm": {"epochs": 1, "hidden": 4, "layers": 1, "patience": 0}}
    runs = {}
    for jobs in (1, 2):
        runs[jobs] = run_comparison(
            recordings,
            tmp_path / f"jobs{jobs}",
            config=CONFIG,
            models=models,
            protocol="loso",
            execution=Execution(jobs=jobs),
        )
    pd.testing.assert_frame_equal(runs[1].scores, runs[2].scores, check_exact=True)
    assert _task_arrays(tmp_path / "jobs1") == _task_arrays(tmp_path / "jobs2")


@pytest.mark.slow
def test_a_local_ray_cluster_gives_the_sequential_results_bit_for_bit(tmp_path: Path) -> None:
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'kinemyo[scale]')")
    recordings = _uneven_cohort()
    models = {"ridge": {}, "lstm": {"epochs": 1, "hidden": 4, "layers": 1, "patience": 0}}
    sequential = run_comparison(recordings, tmp_path / "seq", config=CONFIG, models=models)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        on_ray = run_comparison(
            recordings,
            tmp_path / "ray",
            config=CONFIG,
            models=models,
            execution=Execution(ray=True),
        )
    finally:
        ray.shutdown()
    pd.testing.assert_frame_equal(sequential.scores, on_ray.scores, check_exact=True)
    pd.testing.assert_frame_equal(
        sequential.table.drop(columns="fit s"), on_ray.table.drop(columns="fit s")
    )
    assert _task_arrays(tmp_path / "seq") == _task_arrays(tmp_path / "ray")


@pytest.mark.slow
def test_lstam_on_two_workers_with_two_seeds_equals_the_sequential_run_and_resumes(
    tmp_path: Path, capsys
) -> None:
    from kinemyo.data.synthetic import CamargoCohortConfig, generate_camargo

    data = tmp_path / "camargo"
    generate_camargo(data, CamargoCohortConfig(subjects=2, treadmill_trials=2, plateau_seconds=3.0))
    base = ["experiment", "lstam", "--data", str(data), "--models", "lstam,ffn", "--epochs", "1",
            "--hidden", "8", "--every", "4", "--seeds", "0,1"]  # fmt: skip
    assert main([*base, "--out", str(tmp_path / "seq")]) == 0
    assert main([*base, "--jobs", "2", "--out", str(tmp_path / "par")]) == 0
    capsys.readouterr()
    seq, par = (pd.read_csv(tmp_path / run / "scores.csv") for run in ("seq", "par"))
    pd.testing.assert_frame_equal(seq, par, check_exact=True)
    assert set(seq["seed"]) == {0, 1} and set(seq["subject"]) == {"AB01", "AB02"}
    assert _task_arrays(tmp_path / "seq") == _task_arrays(tmp_path / "par")
    assert len(_task_arrays(tmp_path / "par")) == 2 * 2 * 2  # subjects x models x seeds
    assert main([*base, "--jobs", "2", "--out", str(tmp_path / "par")]) == 0
    assert "8 of 8 tasks already done, skipped" in capsys.readouterr().out
    report = (tmp_path / "par" / "report.md").read_text()
    assert "across subjects and seeds (one value per subject and seed, 2 seeds)" in report


def test_a_mapping_of_array_pairs_reads_back_with_its_keys() -> None:
    """Interval bounds (level -> (lower, upper)) are stored beside the arrays they belong to."""
    from dataclasses import dataclass, field

    from kinemyo.experiments.store import _join, _split

    @dataclass(frozen=True)
    class Banded:
        mean: np.ndarray
        names: tuple[str, ...]
        bounds: dict = field(default_factory=dict)

    lower, upper = np.array([0.1, 0.2], np.float32), np.array([1 / 3, 0.5], np.float32)
    written = Banded(
        np.array([0.25, 0.375]), ("a", "b"), {0.9: (lower, upper), 0.5: (upper, lower)}
    )
    read = _join(Banded, *_split(written, "p"), "p")
    assert list(read.bounds) == [0.9, 0.5] and read.names == ("a", "b")
    assert read.bounds[0.9][0].tobytes() == lower.tobytes()
    assert read.bounds[0.5][0].tobytes() == upper.tobytes()
    assert _join(Banded, *_split(Banded(lower, ()), "p"), "p").bounds == {}


def test_an_address_where_no_ray_cluster_listens_is_refused_at_once(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'kinemyo[scale]')")
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(KinemyoError, match=f"--ray-address 127.0.0.1:{port}: no Ray cluster"):
        run_comparison(
            _uneven_cohort(),
            tmp_path / "run",
            config=CONFIG,
            models={"mean": {}},
            execution=Execution(ray_address=f"127.0.0.1:{port}"),
        )
