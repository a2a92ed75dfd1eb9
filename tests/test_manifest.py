"""The dataset manifest: its checks, the alignment of streams on the EMG clock (hand-computed
values), the cut report, and OpenSim / C3D / CSV trial sets read through it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kinemyo.data.manifest import load_manifest, read_manifest
from kinemyo.data.manifest.alignment import align
from kinemyo.data.manifest.streams import Timed
from kinemyo.errors import DataFormatError, DataWarning, KinemyoError
from tests.lab_writer import (
    EMG_FS,
    hip,
    hip_moment,
    knee,
    write_c3d_trial,
    write_csv_trial,
    write_opensim_trial,
)
from tests.test_opensim_foreign import storage_text, write

OPENSIM_TRIAL = """
  - subject: S01
    task: walk
    trial: "{n}"
    emg: {{file: walk{n}_emg.mot}}
    angles: {{file: walk{n}_ik.mot}}
    moments: {{file: walk{n}_id.sto}}
"""


def manifest_text(trials: str, emg: str = "{kind: raw, unit: mV}", extra: str = "") -> str:
    return (
        f"dataset: lab\nemg: {emg}\n{extra}subjects:\n  S01: {{body_mass_kg: 70}}\ntrials:{trials}"
    )


def opensim_set(folder: Path, trials: int = 2, **kwargs) -> Path:
    for n in range(1, trials + 1):
        write_opensim_trial(folder, f"walk{n}", seed=n, **kwargs)
    path = folder / "manifest.yaml"
    path.write_text(manifest_text("".join(OPENSIM_TRIAL.format(n=n) for n in range(1, trials + 1))))
    return path


def timed(time: np.ndarray, values: np.ndarray, names: tuple[str, ...], unit: str) -> Timed:
    return Timed(
        time, np.asarray(values, dtype=np.float64).reshape(time.size, -1), names, unit, Path("x")
    )


# ---------------------------------------------------------------- alignment, by hand


def test_angles_and_moments_are_interpolated_onto_emg_times_within_the_id_span() -> None:
    emg = timed(np.arange(300) / 1000.0, np.zeros(300), ("m",), "mV")
    ik_t = np.arange(31) / 100.0  # 0..0.30 s, hip = 100 deg/s * t: 1 deg per IK frame
    angles = timed(ik_t, 100.0 * ik_t, ("hip_flexion_r",), "deg")
    id_t = 0.1 + np.arange(21) / 200.0  # 0.100..0.200 s at 200 Hz
    moments = timed(id_t, np.where(np.arange(21) % 2, 10.0, 0.0), ("hip_flexion_r",), "N·m")
    aligned = align(emg, angles, moments)
    kept_t = emg.time[aligned.kept]
    assert kept_t[0] == pytest.approx(0.100) and kept_t[-1] == pytest.approx(0.200)
    assert kept_t.size == 101
    at = {round(t, 3): i for i, t in enumerate(kept_t)}
    assert aligned.angles[at[0.103], 0] == pytest.approx(10.3)  # 3/10 from 10 to 11 deg
    assert aligned.moments[at[0.100], 0] == pytest.approx(0.0)
    assert aligned.moments[at[0.102], 0] == pytest.approx(4.0)  # 2/5 of the way from 0 to 10
    assert aligned.moments[at[0.105], 0] == pytest.approx(10.0)
    (cut,) = aligned.cuts
    assert cut.samples == 199 and "moments (ID)" in cut.reason
    assert cut.spans == ((0.0, 0.099), (0.201, 0.299))


def test_wound_up_ik_frames_cut_their_neighbourhood_and_split_the_groups() -> None:
    emg = timed(np.arange(300) / 1000.0, np.zeros(300), ("m",), "mV")
    ik_t = np.arange(31) / 100.0
    hip_deg = np.full(31, 10.0)
    hip_deg[15] = -373.0  # at 0.150 s
    angles = timed(ik_t, hip_deg, ("hip_flexion_r",), "deg")
    aligned = align(emg, angles, None)
    (cut,) = aligned.cuts
    # EMG times with the 0.15 s frame on either side: 0.141 .. 0.159 s
    assert cut.samples == 19 and cut.spans == ((0.141, 0.159),)
    assert "hip_flexion_r -373.0 deg at 0.150 s" in cut.reason and "-60 to 150" in cut.reason
    assert aligned.kept.sum() == 300 - 19
    assert set(aligned.group.tolist()) == {0, 1}
    assert (aligned.group[:141] == 0).all() and (aligned.group[141:] == 1).all()


def test_missing_moments_are_cut_with_their_own_reason() -> None:
    emg = timed(np.arange(100) / 1000.0, np.zeros(100), ("m",), "mV")
    id_t = np.arange(21) / 200.0  # 0..0.1 s
    values = np.ones(21)
    values[10] = np.nan  # at 0.050 s: EMG 0.046..0.054 s touch it
    aligned = align(emg, None, timed(id_t, values, ("knee",), "N·m"))
    (cut,) = aligned.cuts
    assert "missing (NaN)" in cut.reason and cut.spans == ((0.046, 0.054),)
    assert np.isfinite(aligned.moments).all()


def test_a_hole_in_the_id_frames_is_cut_not_interpolated_across() -> None:
    emg = timed(np.arange(1000) / 1000.0, np.zeros(1000), ("m",), "mV")
    id_t = np.r_[np.arange(31), np.arange(80, 100)] / 100.0  # 0..0.30 s, 0.80..0.99 s at 100 Hz
    moments = timed(id_t, 10.0 * id_t, ("knee",), "N·m")  # 10 N·m per s
    aligned = align(emg, None, moments)
    kept_t = emg.time[aligned.kept]
    assert not ((kept_t > 0.3) & (kept_t < 0.8)).any()  # nothing kept inside the 0.5 s hole
    assert ((kept_t < 0.3).sum(), (kept_t >= 0.8).sum()) == (
        300,
        191,
    )  # 0.000-0.299 s, 0.800-0.990 s
    np.testing.assert_allclose(aligned.moments[:, 0], 10.0 * kept_t)
    gap = next(c for c in aligned.cuts if "gap" in c.reason)
    assert "moments (ID)" in gap.reason and gap.spans[0][0] >= 0.3 and gap.spans[0][1] < 0.8
    assert all("gap" in c.reason for c in aligned.cuts if c.spans[0][0] < 0.8)
    assert len(set(aligned.group.tolist())) == 2


# ---------------------------------------------------------------- the manifest's checks


def test_a_wrong_field_is_named_with_the_manifest(tmp_path: Path) -> None:
    path = opensim_set(tmp_path, trials=1)
    text = path.read_text()
    path.write_text(text.replace("emg: {file: walk1_emg.mot}", "emg: {fil: walk1_emg.mot}"))
    with pytest.raises(DataFormatError, match=r"manifest.yaml.*'trials\[0\].emg'.*'fil'"):
        load_manifest(path)
    path.write_text(text.replace("subject: S01", "subject: S02"))
    with pytest.raises(DataFormatError, match=r"'trials\[0\].subject' is 'S02'.*\(S01\)"):
        load_manifest(path)
    path.write_text(text.replace("walk1_id.sto", "walk9_id.sto"))
    with pytest.raises(DataFormatError, match=r"'trials\[0\].moments.file': no such file"):
        load_manifest(path)
    path.write_text(text.replace("{kind: raw, unit: mV}", "{kind: envelope, unit: mV}"))
    with pytest.raises(DataFormatError, match=r"invalid 'emg'.*envelope.*needs unit 1"):
        load_manifest(path)
    path.write_text(text.replace("body_mass_kg: 70", "body_mass_kg: -1"))
    with pytest.raises(DataFormatError, match=r"'subjects.S01'.*'body_mass_kg' must be > 0"):
        load_manifest(path)


def test_asking_for_an_absent_task_lists_the_tasks(tmp_path: Path) -> None:
    with pytest.raises(KinemyoError, match=r"no trial of task\(s\) \['run'\].*\['walk'\]"):
        read_manifest(opensim_set(tmp_path, trials=1), tasks=["run"])


# ---------------------------------------------------------------- OpenSim, C3D, CSV sets


def test_an_opensim_set_is_read_on_the_emg_clock_within_the_id_span(tmp_path: Path) -> None:
    with pytest.warns(DataWarning, match=r"S01_walk_\d: cut 1999 sample\(s\) outside the moments"):
        rec, _ = read_manifest(opensim_set(tmp_path))
    assert rec.fs == EMG_FS and rec.meta.body_mass_kg == 70 and rec.meta.task == "walk"
    assert rec.time[0] == pytest.approx(1.0) and rec.time[-1] == pytest.approx(5.0)
    assert rec.angles.names == ("hip_flexion_r", "knee_angle_r")  # pelvis_tx left out
    assert rec.moments.names == ("hip_flexion_r", "knee_angle_r")  # pelvis_ty_force left out
    # linear interpolation of a 1 Hz sine sampled at 100 Hz is within 0.04 deg of it
    np.testing.assert_allclose(rec.angles.column("hip_flexion_r"), hip(rec.time), atol=0.04)
    np.testing.assert_allclose(rec.angles.column("knee_angle_r"), knee(rec.time), atol=0.04)
    np.testing.assert_allclose(rec.moments.column("hip_flexion_r"), hip_moment(rec.time), atol=0.02)


def test_ik_in_radians_is_read_in_degrees(tmp_path: Path) -> None:
    path = opensim_set(tmp_path, trials=1)
    t = np.arange(601) / 100.0
    lines = storage_text("Coordinates", ["hip_flexion_r"], t, np.radians(hip(t))[:, None], False)
    write(tmp_path / "walk1_ik.mot", lines, "\r\n")
    with pytest.warns(DataWarning):
        (rec,) = read_manifest(path)
    np.testing.assert_allclose(rec.angles.column("hip_flexion_r"), hip(rec.time), atol=0.04)


def test_an_emg_envelope_keeps_its_unit(tmp_path: Path) -> None:
    path = opensim_set(tmp_path, trials=1)
    path.write_text(
        path.read_text().replace("{kind: raw, unit: mV}", '{kind: envelope, unit: "1"}')
    )
    with pytest.warns(DataWarning):
        (rec,) = read_manifest(path)
    assert rec.emg.units == ("1", "1") and rec.meta.extra["emg"] == "envelope"


C3D_TRIAL = """
  - subject: S01
    task: walk
    emg: {{file: walk.c3d, columns: {columns}}}
"""


def test_c3d_emg_channels_in_volts_are_read_and_a_wrong_unit_is_refused(tmp_path: Path) -> None:
    pytest.importorskip("ezc3d")
    write_c3d_trial(tmp_path / "walk.c3d")
    path = tmp_path / "m.yaml"
    path.write_text(manifest_text(C3D_TRIAL.format(columns="[tibant_r, gasmed_r]")))
    (rec,) = read_manifest(path)
    assert rec.emg.names == ("tibant_r", "gasmed_r") and rec.emg.units == ("mV", "mV")
    assert rec.fs == EMG_FS and rec.angles is None and rec.n_samples == 6000
    path.write_text(manifest_text(C3D_TRIAL.format(columns="[tibant_r, vaslat_r]")))
    with pytest.raises(DataFormatError, match=r"walk.c3d, column 'vaslat_r': unit 'N' is not"):
        read_manifest(path)


def write_bare_c3d(path: Path, values: np.ndarray, unit: str | None) -> None:
    """Two analog channels 'a', 'b' at EMG_FS Hz, with ANALOG:UNITS ``unit`` (none if None)."""
    ezc3d = pytest.importorskip("ezc3d")
    c3d = ezc3d.c3d()
    c3d["parameters"]["ANALOG"]["RATE"]["value"] = np.array([EMG_FS])
    c3d["parameters"]["ANALOG"]["LABELS"]["value"] = ["a", "b"]
    if unit is not None:
        c3d.add_parameter("ANALOG", "UNITS", [unit, unit])
    c3d["data"]["analogs"] = values.T[None]
    c3d["data"]["points"] = np.zeros((4, 0, values.shape[0] // 10))
    c3d.write(str(path))


def c3d_signals() -> np.ndarray:
    t = np.arange(2000) / EMG_FS
    return np.column_stack([0.4 + 0.3 * np.sin(7 * t), 0.5 + 0.2 * np.cos(5 * t)])


def test_a_c3d_without_units_takes_the_manifests_emg_unit(tmp_path: Path) -> None:
    signals = c3d_signals()
    write_bare_c3d(tmp_path / "walk.c3d", signals * 1e-3, None)  # 0.1-0.7 mV written in V
    path = tmp_path / "m.yaml"
    path.write_text(
        manifest_text(
            "\n  - {subject: S01, task: walk, emg: {file: walk.c3d}}", "{kind: raw, unit: V}"
        )
    )
    (rec,) = read_manifest(path)
    assert rec.emg.names == ("a", "b") and rec.emg.units == ("mV", "mV")
    np.testing.assert_allclose(rec.emg.values, signals, rtol=1e-6)


def test_a_c3d_envelope_labelled_in_volts_is_not_scaled(tmp_path: Path) -> None:
    signals = c3d_signals()
    write_bare_c3d(tmp_path / "walk.c3d", signals, "V")
    path = tmp_path / "m.yaml"
    path.write_text(
        manifest_text(
            "\n  - {subject: S01, task: walk, emg: {file: walk.c3d}}", '{kind: envelope, unit: "1"}'
        )
    )
    (rec,) = read_manifest(path)
    assert rec.emg.names == ("a", "b") and rec.emg.units == ("1", "1")
    np.testing.assert_allclose(rec.emg.values, signals, rtol=1e-6)
    np.testing.assert_allclose(rec.time, np.arange(2000) / EMG_FS)


CSV_TRIAL = """
  - subject: S01
    task: walk
    emg: {file: w_emg.csv}
    angles: {file: w_angles.csv}
    moments: {file: w_moments.csv}
    labels: {file: w_events.csv, column: phase}
"""


def test_a_csv_set_with_labels_and_moments_per_kg(tmp_path: Path) -> None:
    write_csv_trial(tmp_path, "w")
    path = tmp_path / "m.yaml"
    path.write_text(
        manifest_text(CSV_TRIAL, emg="{kind: raw, unit: V}", extra="moment_unit: N·m/kg\n")
    )
    with pytest.warns(DataWarning, match="outside the moments"):
        (rec,) = read_manifest(path)
    assert rec.moment_unit == "N·m/kg" and rec.emg.units == ("mV", "mV")
    raw = np.loadtxt(tmp_path / "w_emg.csv", delimiter=",", skiprows=1)
    np.testing.assert_allclose(rec.emg.values[:, 0], raw[1000:5001, 1] * 1000.0, rtol=1e-6)
    status = dict(zip(np.round(rec.time, 3), rec.labels.status, strict=True))
    assert status[1.0] == "swing" and status[2.999] == "swing" and status[3.0] == "stance"
    in_nm = rec.with_moment_unit("N·m")  # per kg times the subject's 70 kg
    np.testing.assert_allclose(
        in_nm.moments.column("hip_flexion_r")[0], 70 * hip_moment(1.0), rtol=1e-5
    )
