"""A lab's C3D: force plates beside the EMG, a "V" channel that reads hundreds of volts (µV
labelled V) and a dead channel; files written with ezc3d by the test."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from kinemyo.data.c3d import read_c3d_analog
from kinemyo.data.plausibility import flat_channels, likely_emg_unit
from kinemyo.errors import DataFormatError, DataWarning
from tests.test_c3d import RATE, N, write_c3d


def lab_signals() -> dict[str, np.ndarray]:
    t = np.arange(N) / RATE
    dead = np.zeros(N)
    dead[:10] = 1e-4 * np.arange(10)  # a twitch, then 1.99 s of one value
    return {
        "EMG1": 1e-3 * np.sin(2 * np.pi * 5 * t),  # V: peak 1 mV
        "EMG2": 300.0 * np.sin(2 * np.pi * 3 * t),  # µV written as "V": peak 300 "V"
        "Fz": 700.0 + 10 * np.sin(2 * np.pi * t),  # N
        "Mx": 2e4 * np.cos(2 * np.pi * t),  # Nmm
        "EMG3": dead,  # mV, dead after 10 samples
    }


@pytest.fixture
def lab_c3d(tmp_path: Path) -> Path:
    return write_c3d(tmp_path / "lab.c3d", lab_signals(), ["V", "V", "N", "Nmm", "mV"])


def test_without_a_channel_list_the_voltage_channels_are_read_and_force_plates_skipped(
    lab_c3d: Path,
) -> None:
    with pytest.warns(DataWarning) as caught:
        rec = read_c3d_analog(lab_c3d)
    assert rec.emg.names == ("EMG1", "EMG2", "EMG3")
    messages = [str(w.message) for w in caught]
    skipped = [m for m in messages if "skipped" in m]
    assert len(skipped) == 1 and "skipped 2 in other units" in skipped[0]
    assert "Fz (N), Mx (Nmm)" in skipped[0]
    np.testing.assert_allclose(rec.emg.column("EMG1"), lab_signals()["EMG1"] * 1e3, atol=1e-5)


def test_a_v_channel_reading_hundreds_is_flagged_with_its_max_and_the_likely_unit(
    lab_c3d: Path,
) -> None:
    with pytest.warns(DataWarning) as caught:
        read_c3d_analog(lab_c3d)
    (wrong,) = [str(w.message) for w in caught if "is labelled" in str(w.message)]
    # 300 "V" = 3e5 mV; as µV it peaks at 0.3 mV.
    assert "'EMG2' is labelled V but peaks at 300 V (3e+05 mV)" in wrong
    assert "as µV it would peak at 0.3 mV" in wrong
    assert "EMG1" not in wrong


def test_fix_units_reads_the_mislabelled_channel_in_its_real_unit(lab_c3d: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec = read_c3d_analog(lab_c3d, ["EMG1", "EMG2"], fix_units={"EMG2": "uV"})
    assert not caught
    np.testing.assert_allclose(rec.emg.column("EMG2"), lab_signals()["EMG2"] * 1e-3, atol=1e-5)
    with pytest.raises(DataFormatError, match=r"fix_units names no analog channel \['emg2'\]"):
        read_c3d_analog(lab_c3d, ["EMG1"], fix_units={"emg2": "uV"})


def test_a_dead_channel_is_named_with_its_flat_stretch(lab_c3d: Path) -> None:
    with pytest.warns(DataWarning) as caught:
        read_c3d_analog(lab_c3d, ["EMG1", "EMG3"])
    (flat,) = [str(w.message) for w in caught if "flat or dead" in str(w.message)]
    # samples 10..1999 (0-based) are 0: 1990 samples at 1000 Hz, 1.99 s from row 11 (1-based).
    assert "'EMG3' holds 0 for 1.99 s from row 11" in flat
    assert "EMG1" not in flat


def test_no_voltage_channel_at_all_is_refused_listing_the_units(tmp_path: Path) -> None:
    signals = {k: v for k, v in lab_signals().items() if k in ("Fz", "Mx")}
    path = write_c3d(tmp_path / "plates.c3d", signals, ["N", "Nmm"])
    with pytest.raises(DataFormatError, match=r"no analog channel is in a voltage unit.*Fz \(N\)"):
        read_c3d_analog(path)


def test_flat_channels_by_hand() -> None:
    fs = 10.0
    live = np.sin(np.arange(40))
    constant = np.full(40, 2.5)
    stuck = live.copy()
    stuck[5:20] = 0.25  # 15 samples = 1.5 s
    found = flat_channels(np.c_[live, constant, stuck], fs, ("live", "constant", "stuck"))
    assert [(f.channel, f.constant, f.start_row, f.seconds, f.value) for f in found] == [
        ("constant", True, 1, 4.0, 2.5),
        ("stuck", False, 6, 1.5, 0.25),
    ]
    assert flat_channels(np.c_[stuck], fs, ("stuck",), min_flat_s=2.0) == []


@pytest.mark.parametrize(
    ("peak", "unit", "likely"),
    [
        (300.0, "V", "µV"),
        (2.0, "V", "mV"),
        (0.002, "V", None),
        (1.5, "mV", None),
        (5e6, "uV", None),
    ],
)
def test_likely_emg_unit(peak: float, unit: str, likely: str | None) -> None:
    assert likely_emg_unit(peak, unit) == likely
