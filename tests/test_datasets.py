"""The registry of dataset kinds, the draft manifest, and a lab's OpenSim trial set through the
command line end to end: manifest, inspect, compare, fit and predict."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from kinemyo.data.datasets import detect_kind, kinds, read_dataset, read_experiment_trials
from kinemyo.data.manifest.draft import draft_manifest
from kinemyo.errors import DataFormatError, KinemyoError
from tests.lab_writer import MUSCLES, write_c3d_trial, write_csv_trial, write_opensim_trial
from tests.test_cli import run
from tests.test_manifest import write_bare_c3d


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three 8 s walking trials of one subject, the first with a wound-up hip inside the ID."""
    folder = tmp_path_factory.mktemp("lab") / "opensim"
    for n in (1, 2, 3):
        write_opensim_trial(folder, f"walk{n}", seconds=8.0, id_span=(1.0, 7.0), seed=n)
    ik = folder / "walk1_ik.mot"
    lines = ik.read_text().splitlines()
    at = lines.index("endheader") + 1 + 1 + 300  # the IK row at 3.00 s
    cells = lines[at].split("\t")
    cells[2] = f"{-373.0:16.8f}"  # hip_flexion_r
    lines[at] = "\t".join(cells)
    ik.write_text("\n".join(lines) + "\n")
    return folder


def test_every_kind_is_detected_and_an_unknown_path_lists_the_kinds(tmp_path: Path) -> None:
    (tmp_path / "siat/Sub01/Data").mkdir(parents=True)
    (tmp_path / "camargo/AB06").mkdir(parents=True)
    (tmp_path / "m.yaml").write_text("trials: []\n")
    assert detect_kind(tmp_path / "siat").name == "siat-llmd"
    assert detect_kind(tmp_path / "siat/Sub01").name == "siat-llmd"
    assert detect_kind(tmp_path / "camargo").name == "camargo"
    assert detect_kind(tmp_path / "m.yaml").name == "manifest"
    assert [k.name for k in kinds()] == ["siat-llmd", "camargo", "manifest"]
    (tmp_path / "other").mkdir()
    with pytest.raises(
        DataFormatError,
        match=r"other: not a dataset.*siat-llmd: .*camargo: .*"
        r"manifest: .*kinemyo data manifest",
    ):
        read_dataset(tmp_path / "other")


def test_experiment_trials_of_a_manifest_are_refused_naming_the_kinds_that_have_them(
    tmp_path: Path,
) -> None:
    (tmp_path / "m.yaml").write_text("trials: []\n")
    with pytest.raises(KinemyoError, match=r"is a manifest dataset; experiment lstam.*: camargo"):
        read_experiment_trials(tmp_path / "m.yaml")


def test_the_draft_groups_files_by_trial_and_lists_c3d_channels(tmp_path: Path) -> None:
    pytest.importorskip("ezc3d")
    write_opensim_trial(tmp_path / "data", "walk1")
    write_c3d_trial(tmp_path / "data/S02/run1.c3d")
    (tmp_path / "data/notes_ik.mot").write_text("no emg beside it\n")
    text, n_trials = draft_manifest(tmp_path / "data", tmp_path / "m.yaml")
    manifest = yaml.safe_load(text)
    assert n_trials == len(manifest["trials"]) == 2  # walk1 (OpenSim) and run1 (C3D)
    assert manifest["emg"] == {"kind": "raw", "unit": "mV"}
    assert sorted(manifest["subjects"]) == ["S01", "S02"]
    walk, run_ = sorted(manifest["trials"], key=lambda t: t["task"])[::-1]
    assert walk == {
        "subject": "S01",
        "task": "walk",
        "trial": "1",
        "emg": {"file": "data/walk1_emg.mot"},
        "angles": {"file": "data/walk1_ik.mot"},
        "moments": {"file": "data/walk1_id.sto"},
    }
    # the voltage channels only: the 'N' EMG channel and the force plates are left out
    assert run_["emg"] == {"file": "data/S02/run1.c3d", "columns": ["tibant_r", "gasmed_r"]}
    assert (
        "# analog channels: tibant_r (V), gasmed_r (uV), vaslat_r (N), Fz1 (N), Mx1 (Nmm)" in text
    )
    assert "#   data/notes_ik.mot" in text  # no EMG of that stem: listed for the user


def test_the_draft_keeps_c3d_channels_without_a_unit(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    write_bare_c3d(tmp_path / "data/walk1.c3d", np.ones((100, 2)), None)
    text, _ = draft_manifest(tmp_path / "data", tmp_path / "m.yaml")
    (trial,) = yaml.safe_load(text)["trials"]
    assert trial["emg"] == {"file": "data/walk1.c3d", "columns": ["a", "b"]}
    assert "# analog channels: a (no unit), b (no unit)" in text


def test_a_lab_trial_set_from_manifest_to_report_and_predictions(
    capsys, lab: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "m.yaml"
    code, out, _ = run(capsys, "data", "manifest", lab, "--out", manifest)
    assert code == 0 and "3 trial(s)" in out and "body_mass_kg: null" in manifest.read_text()

    code, out, err = run(capsys, "data", "inspect", manifest)
    assert code == 0 and "3 trial(s)" in out
    row = next(line for line in out.splitlines() if line.startswith("| S01 | walk | 1 |"))
    # 6 s of ID at 1 kHz (6001 samples) less the 19 around the wound-up IK frame: two segments
    assert "| 1000 | 5982 |" in row and "| 2 |" in row
    assert "2: tibant_r, gasmed_r (mV)" in row and "2: hip_flexion_r, knee_angle_r (N·m)" in row
    assert "trial S01_walk_1: cut 1999 sample(s) outside the moments (ID)" in err
    assert "19 sample(s) with an IK angle beyond its joint's range" in err
    assert "hip_flexion_r -373.0 deg at 3.000 s" in err

    report = tmp_path / "cmp"
    code, out, err = run(
        capsys, "compare", manifest, "--protocol", "within-trial", "--models", "ridge,mean",
        "--config", "kinemyo-lab", "--motions", "walk", "--out", report,
    )  # fmt: skip
    assert code == 0, err
    rows = {r["model"]: r for r in csv.DictReader((report / "table.csv").open())}
    assert float(rows["ridge"]["moment RMSE (N·m)"]) < 0.5 * float(
        rows["mean"]["moment RMSE (N·m)"]
    )
    assert (report / "report.md").is_file()

    fitted = tmp_path / "fit"
    code, _, err = run(capsys, "fit", "ridge", manifest, "--config", "kinemyo-lab",
                       "--motions", "walk", "--out", fitted)  # fmt: skip
    assert code == 0, err
    predictions = tmp_path / "pred.csv"
    code, out, err = run(capsys, "predict", fitted, manifest, "--out", predictions)
    assert code == 0, err
    table = list(csv.DictReader(predictions.open()))
    assert {"hip_flexion_r moment (N·m)", "knee_angle_r angle (deg)"} <= set(table[0])
    assert {r["trial"] for r in table} == {"S01_walk_1", "S01_walk_2", "S01_walk_3"}
    # windows of 100 ms every 50 ms over 6 s (two segments in trial 1) end at 1.099 s or later
    assert min(float(r["time"]) for r in table) == pytest.approx(1.099)
    storage = tmp_path / "sto"
    code, out, err = run(capsys, "predict", fitted, manifest, "--format", "sto", "--out", storage)
    assert code == 0, err
    assert sorted(p.name for p in storage.glob("*.sto")) == [
        "S01_walk_1.sto", "S01_walk_2.sto", "S01_walk_3.sto",
    ]  # fmt: skip
    # read back as OpenSim's own layout is read: the header ends at "endheader", then a
    # tab-separated table with a time column (independent of kinemyo's storage reader)
    lines = (storage / "S01_walk_2.sto").read_text().splitlines()
    body = lines[lines.index("endheader") + 1 :]
    header, rows = body[0].split("\t"), [list(map(float, r.split("\t"))) for r in body[1:]]
    assert header[0] == "time" and {"hip_flexion_r_moment", "knee_angle_r"} <= set(header)
    assert {"hip_flexion_r_moment_lo90", "hip_flexion_r_moment_hi90"} <= set(header)
    times = [r[0] for r in rows]
    assert times == sorted(times) and len(set(times)) == len(times)
    lo, mid, hi = (header.index(f"hip_flexion_r_moment{x}") for x in ("_lo90", "", "_hi90"))
    assert all(r[lo] <= r[mid] <= r[hi] for r in rows)
    assert len(rows) == sum(r["trial"] == "S01_walk_2" for r in table)
    saved = json.loads((fitted / "pipeline/pipeline.json").read_text())["config"]
    assert saved["channels"] == list(MUSCLES)  # the resolved names are saved with the pipeline
    assert saved["joints"] == ["hip_flexion_r", "knee_angle_r"]


def test_lstam_on_a_manifest_says_which_kinds_it_takes(capsys, lab: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(draft_manifest(lab, manifest)[0])
    code, _, err = run(capsys, "experiment", "lstam", "--data", manifest, "--out", tmp_path / "x")
    assert code == 1 and "experiment lstam needs trials with ambulation modes" in err


def test_csv_and_c3d_sets_through_inspect_compare_and_predict(
    capsys, lab: Path, tmp_path: Path
) -> None:
    pytest.importorskip("ezc3d")
    for n in (1, 2):
        write_csv_trial(tmp_path / "csv", f"w{n}", seed=n)
    trials = "".join(
        f"\n  - {{subject: S01, task: walk, trial: '{n}', emg: {{file: csv/w{n}_emg.csv}}, "
        f"angles: {{file: csv/w{n}_angles.csv}}, moments: {{file: csv/w{n}_moments.csv}}, "
        f"labels: {{file: csv/w{n}_events.csv, column: phase}}}}"
        for n in (1, 2)
    )
    csv_manifest = tmp_path / "csv.yaml"
    csv_manifest.write_text(f"subjects: {{S01: {{}}}}\ntrials:{trials}\n")
    code, out, err = run(capsys, "data", "inspect", csv_manifest)
    assert code == 0 and "| S01 | walk | 2 | 1000 | 4001 |" in out and "outside the moments" in err
    code, _, err = run(
        capsys, "compare", csv_manifest, "--protocol", "within-trial", "--models", "ridge,mean",
        "--config", "kinemyo-lab", "--motions", "walk", "--out", tmp_path / "cmp",
    )  # fmt: skip
    assert code == 0, err
    rows = {r["model"]: r for r in csv.DictReader((tmp_path / "cmp/table.csv").open())}
    assert set(rows) == {"ridge", "mean"}

    write_c3d_trial(tmp_path / "c3d/run1.c3d", seed=5)
    c3d_manifest = tmp_path / "c3d.yaml"
    code, _, _ = run(capsys, "data", "manifest", tmp_path / "c3d", "--out", c3d_manifest)
    assert code == 0 and "columns: [tibant_r, gasmed_r]" in c3d_manifest.read_text()
    code, out, _ = run(capsys, "data", "inspect", c3d_manifest)
    assert code == 0 and "| S01 | run | 1 | 1000 | 6000 |" in out and "| - | - |" in out
    fitted = tmp_path / "fit"  # EMG-only C3D trials take a model fitted on the OpenSim set
    lab_manifest = tmp_path / "lab.yaml"
    lab_manifest.write_text(draft_manifest(lab, lab_manifest)[0])
    assert run(capsys, "fit", "ridge", lab_manifest, "--config", "kinemyo-lab",
               "--motions", "walk", "--out", fitted)[0] == 0  # fmt: skip
    code, _, err = run(capsys, "predict", fitted, c3d_manifest, "--motions", "run",
                       "--out", tmp_path / "p.csv")  # fmt: skip
    assert code == 0, err
    table = list(csv.DictReader((tmp_path / "p.csv").open()))
    assert len(table) == 119 and table[0]["trial"] == "S01_run_1"  # (6000 - 100) / 50 + 1


def test_a_manifest_trial_replays_through_the_stream_as_offline(
    capsys, lab: Path, tmp_path: Path
) -> None:
    import numpy as np
    import pandas as pd

    from kinemyo.models.base import load_model
    from kinemyo.signal.pipeline import SignalPipeline

    manifest = tmp_path / "m.yaml"
    manifest.write_text(draft_manifest(lab, manifest)[0])
    fitted = tmp_path / "fit"
    assert run(capsys, "fit", "ridge", manifest, "--config", "kinemyo-lab",
               "--motions", "walk", "--out", fitted)[0] == 0  # fmt: skip
    code, _, err = run(capsys, "stream", fitted, "--replay", manifest, "--fast", "--out", "x.csv")
    assert code == 1 and "holds 3 trials; name the one to replay with --trial" in err
    out = tmp_path / "est.csv"
    code, _, err = run(capsys, "stream", fitted, "--replay", manifest, "--trial", "S01_walk_2",
                       "--fast", "--chunk", "7", "--out", out)  # fmt: skip
    assert code == 0, err
    (trial,) = [r for r in read_dataset(manifest) if r.meta.name == "S01_walk_2"]
    pipeline = SignalPipeline.load(fitted / "pipeline")
    offline = pipeline.transform(pipeline.window([trial]))  # one segment: the ID span
    mean = load_model(fitted / "model").predict(offline).mean
    table = pd.read_csv(out)
    assert (table["flags"] == 0).all()
    np.testing.assert_allclose(table["time (s)"], offline.time, rtol=0, atol=1e-9)
    values = table.iloc[:, 1:-1].to_numpy().reshape(mean.shape)
    np.testing.assert_allclose(values, mean, rtol=1e-5, atol=1e-5)
    pytest.importorskip("onnx", reason="the runtime extra is not installed")
    code, _, err = run(capsys, "export", fitted, "--out", tmp_path / "ridge.onnx")
    assert code == 0, err
    sidecar = json.loads((tmp_path / "ridge.onnx.json").read_text())
    # kinemyo-lab's 100 ms every 50 ms, resolved at the lab's 1000 Hz EMG
    assert sidecar["fs_hz"] == 1000.0
    assert (sidecar["window"]["length_samples"], sidecar["window"]["step_samples"]) == (100, 50)
