"""A lab's own trial set, written here without kinemyo's writers: OpenSim EMG/IK/ID files in
OpenSim's own header variants (tests/test_opensim_foreign.py), C3D files with ezc3d (EMG and
force-plate analog channels) and CSV tables; plus manifests written as plain text.

Each trial is a 1 Hz gait-like cycle: EMG at 1000 Hz whose amplitude follows two activations,
IK at 100 Hz over the whole trial, ID at 200 Hz over its middle (the force-plate span), and, when
asked, an IK coordinate that winds up (-373 deg) outside the force-plate span, as real IK does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.test_opensim_foreign import storage_text, table_adapter_text, write

EMG_FS, IK_FS, ID_FS = 1000.0, 100.0, 200.0
MUSCLES = ("tibant_r", "gasmed_r")
COORDINATES = ("hip_flexion_r", "knee_angle_r")


def hip(t: np.ndarray) -> np.ndarray:
    return 30.0 * np.sin(2 * np.pi * t)


def knee(t: np.ndarray) -> np.ndarray:
    return -40.0 - 20.0 * np.cos(2 * np.pi * t)


def hip_moment(t: np.ndarray) -> np.ndarray:
    return 50.0 * np.sin(2 * np.pi * t + 0.3)


def knee_moment(t: np.ndarray) -> np.ndarray:
    return 20.0 * np.cos(2 * np.pi * t)


def emg(t: np.ndarray, seed: int) -> np.ndarray:
    """(T, 2) raw EMG in mV: noise whose amplitude follows two phase-locked activations."""
    rng = np.random.default_rng(seed)
    activation = np.column_stack(
        [0.55 + 0.45 * np.sin(2 * np.pi * t), 0.55 + 0.45 * np.cos(2 * np.pi * t + 0.3)]
    )
    return 0.5 * activation * rng.standard_normal((t.size, 2))


def write_opensim_trial(
    folder: Path,
    stem: str,
    *,
    seconds: float = 6.0,
    id_span: tuple[float, float] = (1.0, 5.0),
    wind_up: bool = False,
    seed: int = 0,
    newline: str = "\n",
) -> None:
    """``<stem>_emg.mot`` (Storage layout, raw mV), ``<stem>_ik.mot`` (Storage layout, with
    pelvis_tx) and ``<stem>_id.sto`` (STOFileAdapter layout, with a *_force column)."""
    folder.mkdir(parents=True, exist_ok=True)
    t_emg = np.arange(round(seconds * EMG_FS)) / EMG_FS
    lines = storage_text("EMG", list(MUSCLES), t_emg, emg(t_emg, seed), in_degrees=False)
    write(folder / f"{stem}_emg.mot", lines, newline)
    t_ik = np.arange(round(seconds * IK_FS) + 1) / IK_FS
    hip_values = hip(t_ik)
    if wind_up:
        hip_values[t_ik < 0.2] = -373.0  # a wound-up coordinate before the force plates
    ik = np.column_stack([0.8 * t_ik, hip_values, knee(t_ik)])
    write(
        folder / f"{stem}_ik.mot",
        storage_text("Coordinates", ["pelvis_tx", *COORDINATES], t_ik, ik, in_degrees=True),
        newline,
    )
    t_id = id_span[0] + np.arange(round((id_span[1] - id_span[0]) * ID_FS) + 1) / ID_FS
    moments = np.column_stack([hip_moment(t_id), knee_moment(t_id), 700 + 0 * t_id])
    columns = ["hip_flexion_r_moment", "knee_angle_r_moment", "pelvis_ty_force"]
    write(folder / f"{stem}_id.sto", table_adapter_text({}, columns, t_id, moments), newline)


def write_c3d_trial(path: Path, *, seconds: float = 6.0, seed: int = 0) -> Path:
    """EMG channels in V and uV, one 'EMG' channel whose unit says N (wrong unit) and two
    force-plate channels (N, N·mm), analog at 1000 Hz, points at 100 Hz."""
    import ezc3d

    t = np.arange(round(seconds * EMG_FS)) / EMG_FS
    signals = emg(t, seed)
    c3d = ezc3d.c3d()
    c3d["parameters"]["POINT"]["RATE"]["value"] = np.array([IK_FS])
    c3d["parameters"]["ANALOG"]["RATE"]["value"] = np.array([EMG_FS])
    labels = ["tibant_r", "gasmed_r", "vaslat_r", "Fz1", "Mx1"]
    c3d["parameters"]["ANALOG"]["LABELS"]["value"] = labels
    c3d.add_parameter("ANALOG", "UNITS", ["V", "uV", "N", "N", "Nmm"])
    analogs = np.stack(
        [signals[:, 0] * 1e-3, signals[:, 1] * 1e3, signals[:, 0], 700 + 0 * t, 5 + 0 * t]
    )
    c3d["data"]["analogs"] = analogs[None]
    c3d["data"]["points"] = np.zeros((4, 0, round(seconds * IK_FS)))
    path.parent.mkdir(parents=True, exist_ok=True)
    c3d.write(str(path))
    return path


def write_csv_trial(
    folder: Path, stem: str, *, seconds: float = 6.0, seed: int = 0, labels: bool = True
) -> None:
    """``<stem>_emg.csv`` (time, mV), ``<stem>_angles.csv`` (time, deg, 100 Hz),
    ``<stem>_moments.csv`` (time, N·m, 200 Hz over 1-5 s) and ``<stem>_events.csv``."""
    folder.mkdir(parents=True, exist_ok=True)
    t = np.arange(round(seconds * EMG_FS)) / EMG_FS
    values = emg(t, seed)
    rows = [f"time,{','.join(MUSCLES)}"] + [
        f"{a:.6f},{b:.6g},{c:.6g}" for a, (b, c) in zip(t, values, strict=True)
    ]
    (folder / f"{stem}_emg.csv").write_text("\n".join(rows) + "\n")
    t_ik = np.arange(round(seconds * IK_FS) + 1) / IK_FS
    rows = ["time,hip_flexion_r,knee_angle_r"] + [
        f"{a:.4f},{hip(np.array(a)):.6f},{knee(np.array(a)):.6f}" for a in t_ik
    ]
    (folder / f"{stem}_angles.csv").write_text("\n".join(rows) + "\n")
    t_id = 1.0 + np.arange(801) / ID_FS
    rows = ["time,hip_flexion_r,knee_angle_r"] + [
        f"{a:.4f},{hip_moment(np.array(a)):.6f},{knee_moment(np.array(a)):.6f}" for a in t_id
    ]
    (folder / f"{stem}_moments.csv").write_text("\n".join(rows) + "\n")
    if labels:
        (folder / f"{stem}_events.csv").write_text(
            "time,phase\n0.0,stance\n0.6,swing\n3.0,stance\n"
        )
