"""One path from a source of chunks, through the estimator, to the sinks of its outputs.

A source yields ``(samples (n, C), timestamps (n,))`` chunks: a live LSL inlet
(:func:`kinemyo.runtime.lsl.lsl_chunks`) or a recorded trial played back
(:func:`replay_chunks`). Every output of :meth:`StreamingEstimator.push` goes to each sink (an
LSL outlet, a table kept for a CSV file)::

    outputs = pump(estimator, replay_chunks(recording, estimator.schema, 32, speed=0), [])
    table = estimates_table(outputs)
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import pandas as pd

from kinemyo.data.recording import Recording
from kinemyo.runtime.lsl import FLAGS_CHANNEL
from kinemyo.runtime.streaming import StreamingEstimator, StreamOutput, StreamSchema

Sink = Callable[[StreamOutput], None]


def replay_chunks(
    recording: Recording,
    schema: StreamSchema,
    chunk: int,
    speed: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The recording's EMG (the schema's channels) in chunks of ``chunk`` samples with its own
    times, s; ``speed`` > 0 releases each chunk when its last sample is due at ``speed`` times
    real time (1: real time), 0 as fast as possible."""
    emg = recording.emg.select(schema.channels).values
    times = recording.time
    start = clock.perf_counter()
    for first in range(0, len(times), chunk):
        last = min(first + chunk, len(times))
        if speed > 0:
            due = start + (times[last - 1] - times[0]) / speed
            clock.sleep(max(0.0, due - clock.perf_counter()))
        yield emg[first:last], times[first:last]
        if progress is not None:
            progress(last, len(times))


def pump(
    estimator: StreamingEstimator,
    chunks: Iterable[tuple[np.ndarray, np.ndarray]],
    sinks: Iterable[Sink] = (),
) -> list[StreamOutput]:
    """Push every chunk through ``estimator``; hand each non-empty output to every sink.

    Returns:
        The non-empty outputs, in order.
    """
    sinks = list(sinks)
    outputs = []
    for samples, timestamps in chunks:
        output = estimator.push(samples, timestamps)
        if len(output):
            outputs.append(output)
            for sink in sinks:
                sink(output)
    return outputs


def estimates_table(outputs: list[StreamOutput], schema: StreamSchema) -> pd.DataFrame:
    """One row per output row: ``time (s)``, each ``<joint> <quantity> (<unit>)`` (and its
    ``sigma`` for probabilistic models) and ``flags``."""
    joined = StreamOutput.join(outputs, schema)
    table = pd.DataFrame({"time (s)": joined.times})
    labels = schema.outputs()
    values = joined.values.reshape(len(joined), -1)
    std = None if joined.std is None else joined.std.reshape(len(joined), -1)
    for k, (label, unit) in enumerate(labels):
        table[f"{label} ({unit})"] = values[:, k]
        if std is not None:
            table[f"{label} sigma ({unit})"] = std[:, k]
    table[FLAGS_CHANNEL] = joined.flags
    return table
