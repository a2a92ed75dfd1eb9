"""`kinemyo stream --replay`: a recorded trial played through the streaming path gives the
offline estimates in the CSV; bad sources are refused in one paragraph."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinemyo.cli import main
from kinemyo.config import load_config
from kinemyo.data.siat_llmd.reader import read_trial_file
from kinemyo.data.siat_llmd.writer import write_trial
from kinemyo.models.registry import create
from kinemyo.signal.pipeline import SignalPipeline
from tests.conftest import make_recording

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def run_and_trial(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, np.ndarray]:
    """A run fitted on one trial (kinemyo-siat + ridge) and a second trial with its offline
    estimates (time, mean)."""
    folder = tmp_path_factory.mktemp("stream")
    trial = folder / "Sub02_WAK_Data.csv"
    write_trial(trial, make_recording(subject="Sub02", n=1200, labels=False, seed=11))
    training = make_recording(n=1500, labels=False, seed=12)
    pipeline = SignalPipeline(load_config("kinemyo-siat"))
    model = create("ridge").fit(pipeline.fit_transform(pipeline.window([training])))
    pipeline.save(folder / "run" / "pipeline")
    model.save(folder / "run" / "model")
    recording = read_trial_file(trial)
    data = SignalPipeline.load(folder / "run" / "pipeline").transform(pipeline.window([recording]))
    return folder / "run", trial, (data.time, model.predict(data).mean)


def test_replay_writes_the_offline_estimates(run_and_trial, tmp_path: Path) -> None:
    run, trial, (time, mean) = run_and_trial
    out = tmp_path / "est.csv"
    code = main(
        ["stream", str(run), "--replay", str(trial), "--fast", "--chunk", "7", "--out", str(out)]
    )
    assert code == 0
    table = pd.read_csv(out)
    assert list(table.columns[:3]) == [
        "time (s)",
        "left hip adduction angle (deg)",
        "left hip adduction moment (N·m)",
    ]
    assert table.columns[-1] == "flags" and (table["flags"] == 0).all()
    np.testing.assert_allclose(table["time (s)"], time, rtol=0, atol=1e-9)
    values = table.iloc[:, 1:-1].to_numpy().reshape(mean.shape)
    np.testing.assert_allclose(values, mean, rtol=1e-5, atol=1e-5)


def test_one_source_is_required(run_and_trial, tmp_path: Path, capsys) -> None:
    run, trial, _ = run_and_trial
    code = main(["stream", str(run), "--out", str(tmp_path / "x.csv")])
    assert code == 1
    assert "exactly one source: --lsl-in NAME or --replay TRIAL" in capsys.readouterr().err
    code = main(["stream", str(run), "--replay", str(trial)])
    assert code == 1
    assert "Give --out FILE, --lsl-out NAME or both" in capsys.readouterr().err


def test_lsl_in_writes_the_offline_estimates(run_and_trial, tmp_path: Path) -> None:
    import os
    import threading

    from tests.conftest import FS, SPEC_MUSCLES

    pylsl = pytest.importorskip("pylsl", reason="pylsl (the runtime extra) is not installed")
    run, trial, (time, mean) = run_and_trial
    name = f"kinemyo-cli-emg-{os.getpid()}"
    info = pylsl.StreamInfo(name, "EMG", 9, FS, "double64", name)
    channels = info.desc().append_child("channels")
    for label in SPEC_MUSCLES:
        channels.append_child("channel").append_child_value("label", label)
    source = pylsl.StreamOutlet(info)
    out = tmp_path / "lsl.csv"
    codes = []
    command = ["stream", str(run), "--lsl-in", name, "--seconds", "2", "--out", str(out)]
    thread = threading.Thread(target=lambda: codes.append(main(command)), daemon=True)
    thread.start()
    assert source.wait_for_consumers(10.0)
    recording = read_trial_file(trial)
    emg = recording.emg.select(tuple(SPEC_MUSCLES)).values
    t0 = pylsl.local_clock()  # a timestamp of 0 means "now" to LSL
    source.push_chunk(emg, timestamp=(t0 + recording.time).tolist())
    thread.join(15.0)
    assert codes == [0]
    table = pd.read_csv(out)
    assert (table["flags"] == 0).all()
    np.testing.assert_allclose(table["time (s)"] - t0, time, rtol=0, atol=1e-6)
    values = table.iloc[:, 1:-1].to_numpy().reshape(mean.shape)
    np.testing.assert_allclose(values, mean, rtol=1e-5, atol=1e-5)


def test_ctrl_c_ends_an_lsl_session_and_still_writes_out(run_and_trial, tmp_path: Path) -> None:
    """Without --seconds a live session runs until Ctrl-C: SIGINT ends it cleanly (exit 0) and
    the estimates so far are written to --out."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import FS, SPEC_MUSCLES

    pylsl = pytest.importorskip("pylsl", reason="pylsl (the runtime extra) is not installed")
    run, trial, _ = run_and_trial
    name = f"kinemyo-sigint-emg-{os.getpid()}"
    info = pylsl.StreamInfo(name, "EMG", 9, FS, "double64", name)
    channels = info.desc().append_child("channels")
    for label in SPEC_MUSCLES:
        channels.append_child("channel").append_child_value("label", label)
    source = pylsl.StreamOutlet(info)
    out = tmp_path / "sigint.csv"
    script = "import sys; from kinemyo.cli import main; sys.exit(main(sys.argv[1:]))"
    command = ["stream", str(run), "--lsl-in", name, "--lsl-out", f"{name}-out", "--out", str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", script, *command],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert source.wait_for_consumers(30.0)
        found = pylsl.resolve_byprop("name", f"{name}-out", minimum=1, timeout=10.0)
        assert found
        estimates = pylsl.StreamInlet(found[0])
        estimates.open_stream(timeout=10.0)
        emg = read_trial_file(trial).emg.select(tuple(SPEC_MUSCLES)).values
        source.push_chunk(emg, timestamp=(pylsl.local_clock() + np.arange(len(emg)) / FS).tolist())
        sample, _ = estimates.pull_sample(timeout=10.0)
        assert sample is not None  # estimates arrived: the session is live
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=15.0)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=5.0)
    assert process.returncode == 0, output
    assert "Estimates written to" in output and "Interrupted" not in output
    table = pd.read_csv(out)
    assert len(table) > 0 and (table["flags"] == 0).all()


def test_trial_reads_only_its_subject(run_and_trial, tmp_path: Path, capsys) -> None:
    """--trial Sub01_WAK plays from a two-subject folder without reading Sub02's file (made
    unreadable here); a trial that is not there is still refused naming the trials."""
    run, _, _ = run_and_trial
    cohort = tmp_path / "cohort"
    generate = ["data", "generate", "--out", str(cohort), "--subjects", "2", "--motions", "WAK"]
    assert main([*generate, "--seconds", "3"]) == 0
    (cohort / "Sub02" / "Data" / "Sub02_WAK_Data.csv").write_text("not a trial\n")
    out = tmp_path / "one.csv"
    replay = ["stream", str(run), "--replay", str(cohort), "--fast", "--out", str(out)]
    assert main([*replay, "--trial", "Sub01_WAK"]) == 0
    assert len(pd.read_csv(out)) > 0
    capsys.readouterr()
    assert main([*replay[:-1], str(tmp_path / "x.csv"), "--trial", "Sub01_RUN"]) == 1
    assert "Sub02" in capsys.readouterr().err  # the full read: Sub02's damaged file is named
