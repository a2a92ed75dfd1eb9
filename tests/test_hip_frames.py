"""Camargo trials as per-frame inputs: conditions per frame, valid frames, and the scores."""

from __future__ import annotations

import numpy as np
import pytest

from kinemyo.data.camargo.layout import parse_trial_stem
from kinemyo.data.camargo.reader import CamargoTrial
from kinemyo.data.recording import Labels, Recording, RecordingMeta, SignalBlock
from kinemyo.data.windowed import Prediction
from kinemyo.studies.hip_frames import trial_frames
from kinemyo.studies.lstam import score_frames

FS = 200.0


def _trial(stem: str, mode: str, n: int, *, speed=None, status=None, valid=None, incline=None):
    time = np.arange(n) / FS
    rng = np.random.default_rng(0)
    moments = np.stack([np.sin(time), np.cos(time)], axis=1).astype(np.float32) * 50
    recording = Recording(
        time=time,
        fs=FS,
        meta=RecordingMeta(
            dataset="Camargo",
            subject="AB01",
            task=mode,
            trial=stem,
            body_mass_kg=50.0,
            incline_deg=incline,
        ),
        emg=SignalBlock(rng.random((n, 2)).astype(np.float32), ("m1", "m2"), ("V", "V")),
        angles=SignalBlock(rng.random((n, 1)).astype(np.float32), ("hip_flexion_r",), ("deg",)),
        moments=SignalBlock(
            np.where(valid[:, None], moments, 0) if valid is not None else moments,
            ("hip_flexion_r_moment", "hip_adduction_r_moment"),
            ("N·m", "N·m"),
            valid=None if valid is None else np.repeat(valid[:, None], 2, axis=1),
        ),
        labels=Labels(
            np.asarray(status if status is not None else ["walk"] * n),
            np.zeros(n, np.int32),
        ),
    )
    return CamargoTrial(recording, parse_trial_stem(stem, mode), "01_01_20", speed, {})


def test_treadmill_frames_are_labelled_by_their_speed_plateau() -> None:
    n = 12
    # Trial 02's plateaus are 0.55, 1.35, 1.75, 0.95 m/s: steady at 0.55, a change, steady 1.35.
    speed = np.array([0.55] * 4 + [0.8, 1.0, 1.2, 1.3] + [1.35] * 4)
    frames = trial_frames(_trial("treadmill_02_01", "treadmill", n, speed=speed), every=1)
    assert list(frames.condition[:4]) == ["treadmill 0.55 m/s"] * 4
    assert list(frames.condition[4:8]) == ["treadmill change"] * 4
    assert list(frames.condition[8:]) == ["treadmill 1.35 m/s"] * 4
    assert set(frames.group) == {"treadmill"}
    assert frames.data.channels == ("m1", "m2", "hip_flexion_r")
    assert frames.data.joints == ("hip flexion", "hip adduction")
    assert frames.data.trial[0] == "AB01/treadmill_02_01"


def test_every_keeps_every_nth_measured_frame_and_invalid_frames_are_marked() -> None:
    n = 10
    valid = np.array([True] * 6 + [False] * 4)
    status = ["rampascent"] * 5 + ["stand"] * 5
    trial = _trial("Ramp_3_L_01_01", "ramp", n, status=status, valid=valid, incline=9.2)
    frames = trial_frames(trial, every=2)
    np.testing.assert_array_equal(frames.data.time, np.arange(0, n, 2) / FS)
    expected = 50 * np.sin(np.arange(0, n, 2) / FS)
    np.testing.assert_allclose(frames.data.Y[:3, 0, 0], expected[:3], rtol=1e-6)
    assert list(frames.valid) == [True, True, True, False, False]
    assert list(frames.condition) == ["ramp ascent 9.2 deg"] * 3 + ["other"] * 2
    assert list(frames.group) == ["ramp ascent"] * 3 + ["other"] * 2


def test_scores_by_hand_on_valid_frames_only() -> None:
    n = 5
    valid = np.array([True, True, True, True, False])
    trial = _trial("treadmill_01_01", "treadmill", n, speed=np.full(n, 0.5), valid=valid)
    frames = trial_frames(trial, every=1)
    truth = frames.data.Y
    estimate = truth.copy()
    estimate[:, 0, 0] = truth[:, 0, 0] + 1.0  # flexion: constant offset of 1 N·m
    estimate[4] = 1e6  # an unmeasured frame: must not count
    prediction = Prediction(estimate, None, frames.data.joints, ("moment",), ("N·m",))
    scores = score_frames(frames, prediction)
    overall = scores[(scores["scope"] == "all") & (scores["joint"] == "hip flexion")]
    value = {(r.metric, r.unit): r.value for r in overall.itertuples()}
    assert value[("rmse", "N·m")] == pytest.approx(1.0, rel=1e-5)
    assert value[("rmse", "N·m/kg")] == pytest.approx(1.0 / 50.0, rel=1e-5)
    assert value[("vaf", "%")] == pytest.approx(100.0)  # an offset leaves the variance
    flexion = 50 * np.sin(np.arange(4) / FS)
    expected_r2 = 1 - 4 * 1.0 / np.square(flexion - flexion.mean()).sum()
    assert value[("r2", "")] == pytest.approx(expected_r2, rel=1e-4)
    adduction = scores[(scores["scope"] == "all") & (scores["joint"] == "hip adduction")]
    assert adduction[adduction["metric"] == "rmse"]["value"].max() == pytest.approx(0.0, abs=1e-6)
    assert set(scores["frames"]) == {4}
