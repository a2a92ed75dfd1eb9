"""Windows in seconds resolved at the recordings' rate, and the warning for sample counts used at
another rate than the one they were chosen for."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from kinemyo.config import PipelineConfig, WindowConfig, config_from_dict, load_config
from kinemyo.data.recording import Recording
from kinemyo.errors import DataWarning, KinemyoError
from kinemyo.signal.pipeline import SignalPipeline
from tests.conftest import make_recording


def test_seconds_are_rounded_to_whole_samples_at_each_rate() -> None:
    window = WindowConfig(length_s=0.052, step_s=0.026)
    assert window.samples(1920.0) == (100, 50)  # 99.84 and 49.92 samples
    assert window.samples(1080.0) == (56, 28)  # 56.16 and 28.08 samples
    assert window.steps_per_window == pytest.approx(2.0)


def test_exactly_one_form_and_a_window_of_at_least_two_samples() -> None:
    with pytest.raises(KinemyoError, match=r"window.*one form only"):
        config_from_dict({"window": {"length": 100, "step_s": 0.026}})
    with pytest.raises(KinemyoError, match=r"window.*one form only"):
        config_from_dict({"window": {"length_s": 0.05}})
    with pytest.raises(KinemyoError, match=r"'window.length_s' must be > 0"):
        config_from_dict({"window": {"length_s": 0.0, "step_s": 0.01}})
    with pytest.raises(KinemyoError, match=r"length_s=0.001 s .* are 1 and 1 samples at 1000 Hz"):
        WindowConfig(length_s=0.001, step_s=0.001).samples(1000.0)


def test_a_preset_in_samples_at_another_rate_warns_with_both_durations() -> None:
    window = load_config("seed-siat").window
    with pytest.warns(DataWarning, match=r"chosen for 1920 Hz, where it lasts 52\.1 ms.*at 1080 "
                      r"Hz, where it lasts 92\.6 ms"):  # fmt: skip
        assert window.samples(1080.0) == (100, 50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        window.samples(1920.0)  # its own rate: no warning
        WindowConfig(length_s=0.052, step_s=0.026).samples(1080.0)


def _at(rec: Recording, fs: float) -> Recording:
    return dataclasses.replace(rec, fs=fs, time=np.arange(rec.n_samples) / fs)


def test_the_pipeline_cuts_windows_of_the_same_duration_at_any_rate() -> None:
    config = load_config("seed-siat").model_copy(
        update={"window": WindowConfig(length_s=0.05, step_s=0.025, split_on_status=False)}
    )
    for fs, length in ((1000.0, 50), (2000.0, 100)):
        rec = _at(make_recording(n=4000, labels=False), fs)
        windows = SignalPipeline(config).window([rec])
        assert windows.length == length
        np.testing.assert_allclose(np.diff(windows.time[:3]), 0.025)


def test_empty_channels_and_joints_take_the_recordings_own() -> None:
    rec = make_recording(n=4000)
    config = PipelineConfig(channels=(), joints=())
    pipeline = SignalPipeline(config)
    windows = pipeline.window([rec])
    assert windows.channels == rec.emg.names and windows.joints == rec.angles.names
    assert pipeline.config.channels == rec.emg.names  # saved with the fitted pipeline
