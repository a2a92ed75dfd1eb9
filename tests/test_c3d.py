"""read_c3d_analog on C3D files written with ezc3d from known sine channels."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from kinemyo.data.c3d import read_c3d_analog
from kinemyo.errors import DataFormatError, KinemyoError

RATE = 1000.0
POINT_RATE = 100.0
FIRST_POINT_FRAME = 50  # ezc3d's 0-based first frame: analog sample 0 is at 50 / 100 = 0.5 s
N = 2000


def sines() -> dict[str, np.ndarray]:
    t = np.arange(N) / RATE
    return {
        "EMG1": 1e-3 * np.sin(2 * np.pi * 5 * t),  # V
        "EMG2": 300.0 * np.sin(2 * np.pi * 3 * t),  # uV
        "Fz": 700.0 + 10 * np.sin(2 * np.pi * 1 * t),  # N
    }


def write_c3d(path: Path, signals: dict[str, np.ndarray], units: list[str] | None) -> Path:
    ezc3d = pytest.importorskip("ezc3d")
    c3d = ezc3d.c3d()
    c3d["parameters"]["POINT"]["RATE"]["value"] = np.array([POINT_RATE])
    c3d["parameters"]["ANALOG"]["RATE"]["value"] = np.array([RATE])
    c3d["parameters"]["ANALOG"]["LABELS"]["value"] = list(signals)
    if units is not None:
        c3d.add_parameter("ANALOG", "UNITS", units)
    c3d["header"]["points"]["first_frame"] = FIRST_POINT_FRAME
    c3d["data"]["analogs"] = np.stack(list(signals.values()))[None]
    c3d["data"]["points"] = np.zeros((4, 0, round(N * POINT_RATE / RATE)))
    c3d.write(str(path))
    return path


@pytest.fixture
def c3d_file(tmp_path: Path) -> Path:
    return write_c3d(tmp_path / "trial.c3d", sines(), ["V", "uV", "N"])


def test_channels_rate_time_and_values_in_millivolts(c3d_file: Path) -> None:
    rec = read_c3d_analog(c3d_file, ["EMG2", "EMG1"], subject="S1")
    assert rec.emg.names == ("EMG2", "EMG1") and rec.emg.units == ("mV", "mV")
    assert rec.fs == RATE and rec.meta.subject == "S1"
    np.testing.assert_allclose(rec.time, 0.5 + np.arange(N) / RATE)
    written = sines()
    np.testing.assert_allclose(rec.emg.column("EMG1"), written["EMG1"] * 1e3, atol=1e-5)
    np.testing.assert_allclose(rec.emg.column("EMG2"), written["EMG2"] * 1e-3, atol=1e-5)


def test_unknown_channel_lists_the_channels(c3d_file: Path) -> None:
    with pytest.raises(DataFormatError, match=r"emg1.*EMG1, EMG2, Fz"):
        read_c3d_analog(c3d_file, ["emg1"])  # names are case-sensitive


def test_channel_asked_for_but_not_in_volts_is_refused(c3d_file: Path) -> None:
    with pytest.raises(DataFormatError, match="'N' is not a voltage") as caught:
        read_c3d_analog(c3d_file, ["EMG1", "Fz"])
    assert caught.value.column == "Fz"


def test_missing_units_need_assume_unit(tmp_path: Path) -> None:
    signals = {k: v for k, v in sines().items() if k != "Fz"}
    path = write_c3d(tmp_path / "no_units.c3d", signals, None)
    with pytest.raises(DataFormatError, match="assume_unit"):
        read_c3d_analog(path)
    rec = read_c3d_analog(path, assume_unit="V")
    np.testing.assert_allclose(rec.emg.column("EMG1"), signals["EMG1"] * 1e3, atol=1e-5)


def test_without_ezc3d_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ezc3d", None)
    with pytest.raises(KinemyoError, match=r"pip install 'kinemyo\[c3d\]'"):
        read_c3d_analog(tmp_path / "any.c3d")
