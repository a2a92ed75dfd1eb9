"""Shared fixtures: small hand-made recordings and the path of the real data fragments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from kinemyo.data.recording import Labels, Recording, RecordingMeta, SignalBlock

REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"

# The spec's column names, typed out here (not imported from kinemyo) so that tests check the
# package against the specification rather than against itself.
SPEC_MUSCLES = [
    "tensor fascia lata",
    "rectus femoris",
    "vastus medialis",
    "semimembranosus",
    "upper tibialis anterior",
    "lower tibialis anterior",
    "lateral gastrocnemius",
    "medial gastrocnemius",
    "soleus",
]
SPEC_JOINTS = [
    f"{side} {axis}"
    for side in ("left", "right")
    for axis in ("hip adduction", "hip flexion", "knee flexion", "ankle flexion")
]
SPEC_DATA_HEADER = ",".join(
    ["Time"]
    + [f"Kinematic: {j} angle" for j in SPEC_JOINTS]
    + [f"Kinetic: {j} torque" for j in SPEC_JOINTS]
    + [f"sEMG: {m}" for m in SPEC_MUSCLES]
)
FS = 1920.0


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """Run a test module's torch code on one thread (fast and deterministic on small tensors)."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


# The Camargo spec's EMG channel names (shared/specs/camargo.md), typed out for the same reason.
SPEC_CAMARGO_EMG = [
    "gastrocmed",
    "tibialisanterior",
    "soleus",
    "vastusmedialis",
    "vastuslateralis",
    "rectusfemoris",
    "bicepsfemoris",
    "semitendinosus",
    "gracilis",
    "gluteusmedius",
    "rightexternaloblique",
]


def requires_real_data(name: str) -> Path:
    """The path of a real fragment, skipping the test with a reason when it is absent."""
    path = REAL_DATA / name
    if not path.is_file():
        pytest.skip(
            f"real data fragment {path} is absent (the shared/ folder is not beside this checkout)"
        )
    return path


def make_recording(
    *,
    subject: str = "Sub01",
    task: str = "WAK",
    n: int = 960,
    mass: float | None = 70.0,
    seed: int = 0,
    labels: bool = True,
) -> Recording:
    """A small recording with EMG quantised like SIAT-LLMD and smooth angles and moments."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / FS
    phase = 2 * np.pi * t / 1.1
    emg = np.round(rng.normal(0, 0.1, (n, 9)) / 0.000305) * 0.000305
    angles = 30 * np.sin(phase[:, None] + np.arange(8)[None, :])
    moments = 0.8 * (mass or 70.0) * np.cos(phase[:, None] + np.arange(8)[None, :])
    status = (np.floor((phase % (2 * np.pi)) / (2 * np.pi) * 5) + 1).astype(int).astype(str)
    return Recording(
        time=t,
        fs=FS,
        meta=RecordingMeta(dataset="test", subject=subject, task=task, body_mass_kg=mass),
        emg=SignalBlock(emg, tuple(SPEC_MUSCLES), ("mV",) * 9),
        angles=SignalBlock(angles, tuple(SPEC_JOINTS), ("deg",) * 8),
        moments=SignalBlock(moments, tuple(SPEC_JOINTS), ("N·m",) * 8),
        labels=Labels(status=status, group=(t // 0.25).astype(int)) if labels else None,
    )


@pytest.fixture
def recording() -> Recording:
    return make_recording()


@pytest.fixture(autouse=True)
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test gets its own parse cache, so none reads another's entries or the user's."""
    monkeypatch.setenv("KINEMYO_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
