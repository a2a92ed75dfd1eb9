"""Lab Streaming Layer in and out: an EMG stream in by name, the estimates out as a stream.

The input stream is found by name (``resolve_byprop``); its channels are matched to the model's
EMG channels by exact label (``desc/channels/channel/label``), in any order and with other
channels beside them, and its nominal rate must be the rate the model was fitted at. The output
stream has one float64 channel per joint quantity (label ``"<joint> <quantity>"``, unit and type
in its ``desc``) and a last channel ``flags`` (:class:`~kinemyo.runtime.faults.Fault` bits), at
the window rate, each sample stamped with the time of its window's last input sample::

    inlet = open_inlet("EMG", timeout=5.0)
    columns = matching_columns(inlet.info(), estimator.schema)
    outlet = open_outlet("kinemyo", estimator.schema)
    for samples, timestamps in lsl_chunks(inlet, columns, stop):
        publish(outlet, estimator.push(samples, timestamps))
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from kinemyo.errors import KinemyoError
from kinemyo.runtime.streaming import StreamOutput, StreamSchema

if TYPE_CHECKING:
    import pylsl

FLAGS_CHANNEL = "flags"
"""Label of the output channel that carries the fault bits."""


def _pylsl() -> ModuleType:
    """The pylsl module, imported only when LSL is used."""
    try:
        import pylsl
    except ImportError:  # pragma: no cover - the runtime extra installs it
        raise KinemyoError(
            "Lab Streaming Layer needs pylsl: pip install 'kinemyo[runtime]'."
        ) from None
    return pylsl


def open_inlet(name: str, timeout: float) -> pylsl.StreamInlet:
    """An inlet on the stream called ``name``, connected.

    Raises:
        KinemyoError: no such stream within ``timeout`` seconds.
    """
    lsl = _pylsl()
    found = lsl.resolve_byprop("name", name, minimum=1, timeout=timeout)
    if not found:
        raise KinemyoError(
            f"No Lab Streaming Layer stream named '{name}' was found within {timeout:g} s; is "
            "the amplifier's LSL app streaming on this network?"
        )
    inlet = lsl.StreamInlet(found[0], max_chunklen=0, recover=True)
    inlet.open_stream(timeout=timeout)
    return inlet


def channel_labels(info: pylsl.StreamInfo) -> list[str]:
    """The labels of a stream's channels (``desc/channels/channel/label``), "" where absent."""
    labels = []
    channel = info.desc().child("channels").child("channel")
    while not channel.empty() and len(labels) < info.channel_count():
        labels.append(channel.child_value("label"))
        channel = channel.next_sibling("channel")
    return labels + [""] * (info.channel_count() - len(labels))


def matching_columns(info: pylsl.StreamInfo, schema: StreamSchema) -> np.ndarray:
    """The column of each of the model's EMG channels in the stream, in the schema's order.

    Raises:
        KinemyoError: a channel is missing, or the rate differs from the model's.
    """
    labels = channel_labels(info)
    missing = [c for c in schema.channels if c not in labels]
    if missing:
        raise KinemyoError(
            f"Stream '{info.name()}' lacks the channel(s) {missing} the model needs (channels are "
            f"matched by exact label); it has {labels}."
        )
    if info.nominal_srate() != schema.fs:
        raise KinemyoError(
            f"Stream '{info.name()}' runs at {info.nominal_srate():g} Hz; the model was fitted "
            f"at {schema.fs:g} Hz."
        )
    return np.array([labels.index(c) for c in schema.channels])


def open_outlet(name: str, schema: StreamSchema) -> pylsl.StreamOutlet:
    """An outlet for the estimates: one channel per joint quantity and a flags channel, with
    labels, units and the window settings in its ``desc``."""
    lsl = _pylsl()
    outputs = schema.outputs()
    info = lsl.StreamInfo(
        name, "JointEstimates", len(outputs) + 1, schema.fs / schema.step, "double64", name
    )
    channels = info.desc().append_child("channels")
    for (label, unit), quantity in zip(
        outputs, [q for _ in schema.joints for q in schema.quantities], strict=True
    ):
        channel = channels.append_child("channel")
        channel.append_child_value("label", label)
        channel.append_child_value("unit", unit)
        channel.append_child_value("type", quantity)
    flags = channels.append_child("channel")
    flags.append_child_value("label", FLAGS_CHANNEL)
    flags.append_child_value("unit", "bits")
    flags.append_child_value("type", "flags")
    settings = info.desc().append_child("kinemyo")
    settings.append_child_value("window_samples", str(schema.window))
    settings.append_child_value("step_samples", str(schema.step))
    settings.append_child_value("input_rate_hz", f"{schema.fs:g}")
    return lsl.StreamOutlet(info)


def publish(outlet: pylsl.StreamOutlet, output: StreamOutput, offset: float = 0.0) -> None:
    """Push the rows of ``output`` stamped with their window times plus ``offset``, s (e.g. from
    a replayed recording's time to the LSL clock)."""
    if len(output):
        rows = np.column_stack([output.values.reshape(len(output), -1), output.flags])
        outlet.push_chunk(rows, timestamp=(output.times + offset).tolist())


def lsl_clock() -> float:
    """LSL's clock now, s (what the stamps of local streams use)."""
    return _pylsl().local_clock()


def lsl_chunks(
    inlet: pylsl.StreamInlet,
    columns: np.ndarray,
    stop: threading.Event,
    seconds: float | None = None,
    wait: float = 0.1,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Chunks (n, C) of the model's channels and their timestamps (n,), s, until ``stop`` is
    set or, when given, ``seconds`` have passed; each pull waits at most ``wait`` seconds."""
    deadline = math.inf if seconds is None else time.monotonic() + seconds
    while not stop.is_set() and time.monotonic() < deadline:
        samples, timestamps = inlet.pull_chunk(timeout=wait, max_samples=4096)
        if timestamps:
            yield np.asarray(samples, dtype=np.float64)[:, columns], np.asarray(timestamps)
