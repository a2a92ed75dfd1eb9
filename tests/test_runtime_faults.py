"""Stream faults: each injected fault is flagged once, no estimate uses a bad sample, and the
estimator recovers one window after the fault with what a clean restart gives."""

from __future__ import annotations

import numpy as np
import pytest

from kinemyo.config import load_config
from kinemyo.models.registry import create
from kinemyo.runtime.faults import Fault, FaultSettings, classify
from kinemyo.runtime.streaming import StreamingEstimator, StreamOutput
from kinemyo.signal.pipeline import SignalPipeline
from tests.conftest import FS, make_recording

LENGTH = 100  # kinemyo-siat's window, samples
FAULT = 600  # first faulty sample


@pytest.fixture(scope="module")
def clean() -> tuple[SignalPipeline, object, np.ndarray, np.ndarray]:
    recording = make_recording(n=1800, labels=False, seed=5)
    pipeline = SignalPipeline(load_config("kinemyo-siat"))
    model = create("ridge").fit(pipeline.fit_transform(pipeline.window([recording])))
    emg = recording.emg.select(pipeline.config.channels).values
    return pipeline, model, emg, recording.time


def _run(pipeline, model, emg, time, chunk: int) -> StreamOutput:
    estimator = StreamingEstimator(pipeline, model, subject="Sub01")
    parts = [
        estimator.push(emg[i : i + chunk], time[i : i + chunk]) for i in range(0, len(emg), chunk)
    ]
    return StreamOutput.join(parts, estimator.schema)


def _nan_burst(emg, time):
    emg = emg.copy()
    emg[FAULT : FAULT + 20, 3] = np.nan
    emg[FAULT + 5, 0] = np.inf
    return emg, time, FAULT + 20, Fault.NONFINITE


def _gap(emg, time):
    keep = np.r_[0:FAULT, FAULT + 50 : len(time)]
    return emg[keep], time[keep], FAULT, Fault.GAP  # restart at the sample after the gap


def _repeated(emg, time):
    time = time.copy()
    time[FAULT] = time[FAULT - 1]
    return emg, time, FAULT + 1, Fault.REPEATED


def _backwards(emg, time):
    time = time.copy()
    time[FAULT] = time[FAULT - 1] - 0.004
    return emg, time, FAULT + 1, Fault.BACKWARDS


def _clock_jump(emg, time):
    time = time.copy()
    time[FAULT:] += 5.0
    return emg, time, FAULT, Fault.CLOCK_JUMP


@pytest.mark.parametrize("inject", [_nan_burst, _gap, _repeated, _backwards, _clock_jump])
@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_each_fault_is_flagged_and_recovered_from_within_one_window(clean, inject, chunk) -> None:
    pipeline, model, emg, time = clean
    bad_emg, bad_time, restart, fault = inject(emg, time)
    out = _run(pipeline, model, bad_emg, bad_time, chunk)
    reference = _run(pipeline, model, emg[:FAULT], time[:FAULT], 1000)

    flagged = np.flatnonzero(out.flags)
    assert flagged.size == 1, out.flags[flagged]
    row = flagged[0]
    assert out.flags[row] == fault
    assert out.times[row] == bad_time[FAULT]
    assert np.isnan(out.values[row]).all()

    # before the fault: the clean stream's estimates (windows ending before the fault)
    np.testing.assert_array_equal(out.times[:row], reference.times)
    np.testing.assert_array_equal(out.values[:row], reference.values)
    # after: what a clean restart at the first usable sample gives, the first one window later
    restarted = _run(pipeline, model, bad_emg[restart:], bad_time[restart:], 1000)
    np.testing.assert_array_equal(out.times[row + 1 :], restarted.times)
    np.testing.assert_allclose(out.values[row + 1 :], restarted.values, rtol=0, atol=1e-12)
    assert out.times[row + 1] == bad_time[restart + LENGTH - 1]
    assert not np.isnan(out.values[row + 1 :]).any()


def test_classify_flags_each_kind_on_its_sample() -> None:
    values = np.zeros((7, 2))
    values[2, 1] = np.nan
    period = 1 / FS
    time = np.array([0, 1, 2, 2, 1.5, 4.5, 5.5 + 2.0 * FS]) * period
    flags = classify(values, time, None, FS, FaultSettings(gap_tolerance=1.5, clock_jump=1.0))
    assert flags.tolist() == [
        0,
        0,
        Fault.NONFINITE,
        Fault.REPEATED,
        Fault.BACKWARDS,
        Fault.GAP,  # 3 periods after the previous sample
        Fault.CLOCK_JUMP,  # 2 s after it
    ]


def test_a_non_finite_timestamp_is_a_clock_jump_and_its_sample_dropped() -> None:
    time = np.array([0.0, 1.0, np.nan, 3.0, 4.0]) / FS
    flags = classify(np.zeros((5, 1)), time, None, FS, FaultSettings())
    # the NaN time is a bad sample (dropped); the step from it is a jump: that sample restarts
    assert flags.tolist() == [0, 0, Fault.NONFINITE | Fault.CLOCK_JUMP, Fault.CLOCK_JUMP, 0]
