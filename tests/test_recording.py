"""Recording validates itself and converts moment units through the body mass."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kinemyo.data.recording import Labels, Recording, RecordingMeta, SignalBlock
from kinemyo.errors import KinemyoError, MissingBodyMassError
from kinemyo.units import parse_moment_unit
from tests.conftest import make_recording


def block(n: int = 10, k: int = 2, **kwargs) -> SignalBlock:
    values = kwargs.pop("values", np.zeros((n, k)))
    return SignalBlock(values, tuple(f"c{i}" for i in range(k)), ("mV",) * k, **kwargs)


def test_block_is_float32_and_finds_channels_by_exact_name() -> None:
    b = SignalBlock(np.arange(6.0).reshape(3, 2), ("rectus femoris", "soleus"), ("mV", "mV"))
    assert b.values.dtype == np.float32
    np.testing.assert_array_equal(b.column("soleus"), [1, 3, 5])
    with pytest.raises(KinemyoError, match="rectus femoris, soleus"):
        b.column("Soleus")
    assert b.select(["soleus"]).names == ("soleus",)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"values": np.zeros(5)}, "2-D"),
        ({"values": np.zeros((5, 3))}, "3 columns but 2 names"),
        ({"values": np.array([[0.0, np.nan]])}, "non-finite"),
        ({"values": np.zeros((2, 2)), "valid": np.ones((3, 2), bool)}, "mask has shape"),
    ],
)
def test_block_rejects_inconsistent_input(kwargs: dict, message: str) -> None:
    with pytest.raises(KinemyoError, match=message):
        block(**kwargs)


def test_block_accepts_nan_only_where_masked() -> None:
    values = np.array([[0.0, np.nan], [1.0, 2.0]])
    b = block(values=values, valid=~np.isnan(values))
    assert not b.valid[0, 1]
    with pytest.raises(KinemyoError, match="not masked"):
        block(values=values, valid=np.ones((2, 2), bool))


def test_block_rejects_repeated_names() -> None:
    with pytest.raises(KinemyoError, match="unique"):
        SignalBlock(np.zeros((2, 2)), ("a", "a"), ("mV", "mV"))


def test_recording_rejects_time_going_backwards() -> None:
    rec = make_recording(n=20)
    time = rec.time.copy()
    time[7] = time[5]
    with pytest.raises(KinemyoError, match="increase strictly; sample 7"):
        dataclasses.replace(rec, time=time)


def test_recording_rejects_blocks_of_other_length_and_wrong_units() -> None:
    rec = make_recording(n=20)
    with pytest.raises(KinemyoError, match="emg has 19 samples"):
        dataclasses.replace(rec, emg=rec.emg.rows(slice(0, 19)))
    with pytest.raises(KinemyoError, match="angles must be in"):
        dataclasses.replace(rec, angles=dataclasses.replace(rec.angles, units=("rad",) * 8))
    with pytest.raises(KinemyoError, match="at least one"):
        Recording(time=rec.time, fs=1920.0, meta=rec.meta)


def test_labels_check_lengths_and_integer_groups() -> None:
    with pytest.raises(KinemyoError, match="equal length"):
        Labels(status=np.array(["1", "2"]), group=np.array([0]))
    with pytest.raises(KinemyoError, match="integers"):
        Labels(status=np.array(["1"]), group=np.array([0.5]))


def test_moments_per_kg_divide_by_body_mass_and_back() -> None:
    rec = make_recording(mass=80.0)
    per_kg = rec.with_moment_unit("N·m/kg")
    assert per_kg.moment_unit == "N·m/kg"
    np.testing.assert_allclose(per_kg.moments.values * 80.0, rec.moments.values, rtol=1e-6)
    back = per_kg.with_moment_unit("N·m")
    np.testing.assert_allclose(back.moments.values, rec.moments.values, rtol=1e-6)


def test_moments_per_kg_refused_without_body_mass() -> None:
    rec = make_recording(mass=None)
    with pytest.raises(MissingBodyMassError, match="body mass of Sub01"):
        rec.with_moment_unit("N·m/kg")
    assert rec.with_moment_unit("N·m") is rec


def test_rows_slices_every_block_and_labels_together() -> None:
    rec = make_recording(n=100)
    part = rec.rows(slice(10, 30))
    assert part.n_samples == 20
    np.testing.assert_array_equal(part.emg.values, rec.emg.values[10:30])
    np.testing.assert_array_equal(part.labels.status, rec.labels.status[10:30])
    assert part.time[0] == rec.time[10]


def test_duration_and_measured_rate() -> None:
    rec = make_recording(n=1920)
    assert rec.duration_s == pytest.approx(1.0)
    assert rec.measured_fs == pytest.approx(1920.0)


def test_meta_rejects_non_positive_mass() -> None:
    with pytest.raises(KinemyoError, match="positive"):
        RecordingMeta(dataset="x", subject="Sub01", body_mass_kg=0.0)


@pytest.mark.parametrize(
    ("typed", "unit"),
    [("Nm", "N·m"), ("N·m", "N·m"), ("N.m/kg", "N·m/kg"), (" Nm / kg ", "N·m/kg"), ("N*m", "N·m")],
)
def test_moment_units_typed_in_ascii(typed: str, unit: str) -> None:
    assert parse_moment_unit(typed) == unit


def test_unknown_moment_unit_is_refused() -> None:
    with pytest.raises(KinemyoError, match="Unknown moment unit 'kNm'"):
        parse_moment_unit("kNm")
