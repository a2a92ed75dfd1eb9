"""Lab Streaming Layer end to end over loopback, with real pylsl outlets and inlets: the
estimates received equal the offline pipeline + predict; a stream without the model's channels
is refused."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from kinemyo.config import load_config
from kinemyo.errors import KinemyoError
from kinemyo.models.registry import create
from kinemyo.runtime import lsl
from kinemyo.runtime.session import pump
from kinemyo.runtime.streaming import StreamingEstimator
from kinemyo.signal.pipeline import SignalPipeline
from tests.conftest import FS, SPEC_JOINTS, SPEC_MUSCLES, make_recording

pylsl = pytest.importorskip("pylsl", reason="pylsl (the runtime extra) is not installed")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

TIMEOUT = 5.0  # every resolve, open and pull waits at most this long


def _emg_outlet(name: str, labels: list[str]) -> pylsl.StreamOutlet:
    info = pylsl.StreamInfo(name, "EMG", len(labels), FS, "double64", name)
    channels = info.desc().append_child("channels")
    for label in labels:
        channels.append_child("channel").append_child_value("label", label)
    return pylsl.StreamOutlet(info)


def test_estimates_over_lsl_equal_offline() -> None:
    recording = make_recording(n=1500, labels=False, seed=7)
    pipeline = SignalPipeline(load_config("kinemyo-siat"))
    windows = pipeline.window([recording])
    model = create("lstm", hidden=8, layers=1, sequence_length=4, epochs=1).fit(
        pipeline.fit_transform(windows)
    )
    offline = model.predict(pipeline.transform(windows)).mean
    estimator = StreamingEstimator(pipeline, model, subject="Sub01")

    name = f"kinemyo-test-emg-{os.getpid()}"
    order = [*SPEC_MUSCLES[::-1], "trigger"]  # another order and an extra channel
    source = _emg_outlet(name, order)
    stop, failure = threading.Event(), []

    def bridge() -> None:
        try:
            inlet = lsl.open_inlet(name, TIMEOUT)
            columns = lsl.matching_columns(inlet.info(), estimator.schema)
            outlet = lsl.open_outlet(f"{name}-estimates", estimator.schema)
            chunks = lsl.lsl_chunks(inlet, columns, stop)
            pump(estimator, chunks, [lambda output: lsl.publish(outlet, output)])
        except Exception as error:  # reported by the main thread
            failure.append(error)

    thread = threading.Thread(target=bridge, daemon=True)
    thread.start()
    try:
        assert source.wait_for_consumers(TIMEOUT), failure
        found = pylsl.resolve_byprop("name", f"{name}-estimates", minimum=1, timeout=TIMEOUT)
        assert found, failure
        inlet = pylsl.StreamInlet(found[0])
        inlet.open_stream(timeout=TIMEOUT)
        info = inlet.info()
        assert lsl.channel_labels(info) == [
            f"{joint} {quantity}" for joint in SPEC_JOINTS for quantity in ("angle", "moment")
        ] + ["flags"]
        first = info.desc().child("channels").child("channel")
        assert (first.child_value("unit"), first.next_sibling().child_value("unit")) == (
            "deg",
            "N·m",
        )
        emg = recording.emg.select(tuple(SPEC_MUSCLES)).values
        samples = np.column_stack([emg[:, ::-1], np.zeros(len(emg))])
        t0 = pylsl.local_clock()
        for i in range(0, len(samples), 64):
            source.push_chunk(
                samples[i : i + 64], timestamp=(t0 + recording.time[i : i + 64]).tolist()
            )
        rows, stamps = [], []
        while len(rows) < len(offline):
            chunk, times = inlet.pull_chunk(timeout=TIMEOUT)
            if not times:
                break
            rows += chunk
            stamps += times
    finally:
        stop.set()
        thread.join(TIMEOUT)
    assert not failure, failure
    received = np.asarray(rows)
    assert received.shape == (len(offline), 17)
    assert (received[:, -1] == 0).all()
    np.testing.assert_allclose(
        received[:, :-1].reshape(offline.shape), offline, rtol=1e-5, atol=1e-5
    )
    last = recording.time[np.arange(99, 1500, 50)]
    np.testing.assert_allclose(np.asarray(stamps) - t0, last, atol=1e-6)


def test_a_stream_without_the_models_channels_or_rate_is_refused() -> None:
    name = f"kinemyo-test-partial-{os.getpid()}"
    outlet = _emg_outlet(name, SPEC_MUSCLES[:-1])
    inlet = lsl.open_inlet(name, TIMEOUT)
    schema = _schema()
    with pytest.raises(KinemyoError, match=r"lacks the channel\(s\) \['soleus'\]"):
        lsl.matching_columns(inlet.info(), schema)
    del outlet
    name = f"kinemyo-test-rate-{os.getpid()}"
    info = pylsl.StreamInfo(name, "EMG", 9, 1000.0, "double64", name)
    channels = info.desc().append_child("channels")
    for label in SPEC_MUSCLES:
        channels.append_child("channel").append_child_value("label", label)
    slow = pylsl.StreamOutlet(info)
    with pytest.raises(KinemyoError, match="runs at 1000 Hz; the model was fitted at 1920 Hz"):
        lsl.matching_columns(lsl.open_inlet(name, TIMEOUT).info(), schema)
    del slow


def test_no_stream_of_that_name_is_a_clear_error() -> None:
    with pytest.raises(KinemyoError, match="No Lab Streaming Layer stream named 'absent-"):
        lsl.open_inlet(f"absent-{os.getpid()}", 0.5)


def _schema():
    from kinemyo.runtime.streaming import StreamSchema

    return StreamSchema(
        channels=tuple(SPEC_MUSCLES),
        angle_inputs=(),
        fs=FS,
        window=100,
        step=50,
        joints=tuple(SPEC_JOINTS),
        quantities=("angle", "moment"),
        units=("deg", "N·m"),
    )
