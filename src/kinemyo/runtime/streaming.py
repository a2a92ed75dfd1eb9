"""The streaming estimator: raw sEMG in, chunk by chunk; joint estimates out, window by window.

:class:`StreamingEstimator` runs a fitted run (``kinemyo fit``'s ``pipeline/`` and ``model/``)
on a live stream. Everything is causal and carries its state from one chunk to the next: the
fitted baseline, the notch and band-pass filters (:class:`~kinemyo.signal.conditioning.
StreamingConditioner`), the window being filled, the features of each completed window (the
offline feature functions, max-abs scaler and standardiser), the model's scaling and, for
sequence models, the network's context (:class:`~kinemyo.runtime.context.WindowContext`). So any
chunking (1 sample, 7, 1000) gives the same estimates, and they equal the offline pipeline +
``predict`` on the recording, whose windows start at its first sample and advance by
``window.step`` (a recording without Group or Status boundaries: the stream has none).

Faults (:mod:`kinemyo.runtime.faults`): no estimate is ever computed from a bad sample. At the
first sample of a fault the output gets one row with NaN values, that sample's time and its
:class:`~kinemyo.runtime.faults.Fault` flags; the faulty samples are dropped (NaN/inf values,
repeated or backward timestamps) and the chain restarts from rest at the first usable sample
(the one after the fault, or the sample after a gap or clock jump): filters at rest, no window
in progress, no network context. The first estimate after a fault therefore comes one window
(``window.length`` samples) after the fault ends, and equals what a new estimator started there
gives::

    estimator = StreamingEstimator.from_run("runs/lstm")
    out = estimator.push(samples, timestamps)     # (n, C) mV, (n,) s -> every completed window
    out.times, out.values, out.flags              # (k,), (k, J, Q), (k,)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np
import torch

from kinemyo.data.windowed import WindowedDataset
from kinemyo.errors import KinemyoError
from kinemyo.models.base import Estimator, load_model
from kinemyo.models.sequence import SequenceRegressor
from kinemyo.runtime.context import WindowContext
from kinemyo.runtime.faults import DROPPED, FaultSettings, classify
from kinemyo.signal import windows
from kinemyo.signal.conditioning import StreamingConditioner, streaming_problems
from kinemyo.signal.pipeline import SignalPipeline
from kinemyo.training.threads import torch_threads


@dataclass(frozen=True)
class StreamSchema:
    """What a stream must carry and what the estimator gives back.

    Attributes:
        channels: EMG channel names, in the column order ``push`` takes.
        angle_inputs: joint-angle input names (empty: the sEMG chains take EMG only).
        fs: sampling rate, Hz.
        window, step: window length and step, samples.
        joints, quantities, units: the J joints and Q quantities of every estimate (one unit
            per quantity).
    """

    channels: tuple[str, ...]
    angle_inputs: tuple[str, ...]
    fs: float
    window: int
    step: int
    joints: tuple[str, ...]
    quantities: tuple[str, ...]
    units: tuple[str, ...]

    @property
    def window_s(self) -> float:
        """Window length, s."""
        return self.window / self.fs

    @property
    def step_s(self) -> float:
        """Time between estimates, s."""
        return self.step / self.fs

    def outputs(self) -> list[tuple[str, str]]:
        """(label, unit) of each estimate channel, joint-major: ``values.reshape(k, -1)``."""
        return [
            (f"{joint} {quantity}", unit)
            for joint in self.joints
            for quantity, unit in zip(self.quantities, self.units, strict=True)
        ]


@dataclass(frozen=True, eq=False)
class StreamOutput:
    """The estimates of the windows one ``push`` completed, and fault rows.

    Attributes:
        times: (k,) time of each window's last sample (of a fault row: the faulty sample), s.
        values: (k, J, Q) estimates in the schema's units; NaN in fault rows.
        std: (k, J, Q) predictive standard deviations (probabilistic models), else None.
        flags: (k,) :class:`~kinemyo.runtime.faults.Fault` bits, 0 for an estimate.
        schema: names, units and rates.
    """

    times: np.ndarray
    values: np.ndarray
    std: np.ndarray | None
    flags: np.ndarray
    schema: StreamSchema

    def __len__(self) -> int:
        return self.times.size

    @classmethod
    def join(cls, parts: list[StreamOutput], schema: StreamSchema) -> StreamOutput:
        """The outputs of several pushes as one, in order."""
        parts = [p for p in parts if len(p)]
        if len(parts) == 1:
            return parts[0]
        shape = (0, len(schema.joints), len(schema.quantities))
        with_std = bool(parts) and all(p.std is not None for p in parts)
        return cls(
            times=np.concatenate([np.zeros(0), *(p.times for p in parts)]),
            values=np.concatenate([np.zeros(shape), *(p.values for p in parts)]),
            std=np.concatenate([p.std for p in parts]) if with_std else None,
            flags=np.concatenate([np.zeros(0, np.int64), *(p.flags for p in parts)]),
            schema=schema,
        )


class StreamingEstimator:
    """A fitted pipeline and model run on a stream of raw sEMG (see the module docstring).

    Args:
        pipeline: the fitted chain; its filter stage must be causal.
        model: the fitted model (any registered estimator).
        fs: the stream's sampling rate, Hz (default: the rate the pipeline was fitted at).
        subject: use this training subject's fitted baseline and max-abs scales (default: the
            values fitted on all subjects pooled, right for a new user).
        faults: when a timestamp step is a fault.
        carry: a recurrent network with a fixed-size state (LSTM, the xLSTM family) carries one
            state from the restart, one step per window, as a controller and the exported ONNX
            step run it (fastest); default: each estimate from the model's offline context (the
            last ``sequence_length`` windows), equal to ``predict``. See
            :mod:`kinemyo.runtime.context`.

    Raises:
        KinemyoError: a stage of the chain cannot stream (naming it), the model does not take
            the chain's features, the rate is unknown, or the subject was not trained on.
    """

    def __init__(
        self,
        pipeline: SignalPipeline,
        model: Estimator,
        *,
        fs: float | None = None,
        subject: str | None = None,
        faults: FaultSettings | None = None,
        carry: bool = False,
    ) -> None:
        config = pipeline.config
        problems = streaming_problems(config)
        if problems:
            raise KinemyoError(
                f"This chain cannot stream: {'; '.join(problems)}. Fit the model with a causal "
                "chain, e.g. --config kinemyo-siat."
            )
        if model.not_causal:
            raise KinemyoError(f"Model '{model.name}' cannot stream: {model.not_causal}.")
        if pipeline.conditioning_ is None:
            raise KinemyoError("The pipeline is not fitted: fit it on training windows first.")
        fs = pipeline.fs_ if fs is None else fs
        if fs is None:
            raise KinemyoError(
                "The pipeline does not record the sampling rate it was fitted at (it was saved "
                "by an older kinemyo); give fs."
            )
        if subject is not None and subject not in pipeline.conditioning_.subjects:
            known = ", ".join(sorted(pipeline.conditioning_.subjects)) or "none"
            raise KinemyoError(
                f"subject '{subject}' has no fitted values in this run (fitted subjects: {known})."
            )
        schema = model.schema_
        if (schema.channels, schema.features) != (config.channels, config.features.names):
            raise KinemyoError(
                f"The model takes channels {list(schema.channels)} x features "
                f"{list(schema.features)}; the pipeline gives {list(config.channels)} x "
                f"{list(config.features.names)}."
            )
        self.pipeline, self.model, self.subject = pipeline, model, subject
        self.faults = faults or FaultSettings()
        length, step = config.window.samples(fs)  # a window in seconds, resolved at the rate
        self.schema = StreamSchema(
            channels=config.channels,
            angle_inputs=(),
            fs=float(fs),
            window=length,
            step=step,
            joints=schema.joints,
            quantities=schema.quantities,
            units=schema.units,
        )
        self._conditioner = StreamingConditioner(
            pipeline.conditioning_[subject], config, self.schema.fs
        )
        self._context = None
        if isinstance(model, SequenceRegressor):
            self._context = WindowContext(model.network_.cpu().eval(), model.sequence_length, carry)
        inputs = (1, len(schema.channels), len(schema.features))
        self._gives_std = self._context is None and self._estimate(np.zeros(inputs))[1] is not None
        self._previous: float | None = None  # timestamp of the last sample seen
        self._empty = StreamOutput.join([], self.schema)
        self._in_fault = False
        self.restart()

    @classmethod
    def from_run(
        cls,
        run: str | Path,
        *,
        fs: float | None = None,
        subject: str | None = None,
        faults: FaultSettings | None = None,
        carry: bool = False,
    ) -> Self:
        """The estimator of a folder written by ``kinemyo fit`` (``pipeline/`` and ``model/``)."""
        folder = Path(run)
        return cls(
            SignalPipeline.load(folder / "pipeline"),
            load_model(folder / "model"),
            fs=fs,
            subject=subject,
            faults=faults,
            carry=carry,
        )

    @property
    def model_path(self) -> str:
        """How the model runs per window: "point" (each window on its own), or for a sequence
        model "carried step", "single step", "staggered step" or "forward" (see
        :mod:`kinemyo.runtime.context`)."""
        return "point" if self._context is None else self._context.path

    def restart(self) -> None:
        """Start a new signal: filters at rest, no window in progress, no network context."""
        self._conditioner.reset()
        self._tail = np.zeros((0, len(self.schema.channels)))
        self._pending: list[np.ndarray] = []  # raw samples not filtered yet
        self._seen = 0  # usable samples since the restart
        if self._context is not None:
            self._context.reset()

    def push(self, samples: np.ndarray, timestamps: np.ndarray) -> StreamOutput:
        """Feed the next chunk; returns every window it completes and a row per new fault.

        Args:
            samples: (n, C) raw sEMG in the schema's channel order, e.g. mV; n may be 0.
            timestamps: (n,) the time of each sample, s.

        Raises:
            KinemyoError: the shapes do not fit the schema.
        """
        samples, timestamps = self._checked(samples, timestamps)
        flags = classify(samples, timestamps, self._previous, self.schema.fs, self.faults)
        if timestamps.size:
            finite = timestamps[np.isfinite(timestamps)]
            self._previous = float(finite[-1]) if finite.size else self._previous
        parts: list[StreamOutput] = []
        begin = 0
        for bad in np.flatnonzero(flags):
            parts.append(self._run(samples[begin:bad], timestamps[begin:bad]))
            if not self._in_fault:
                parts.append(self._fault_row(timestamps[bad], flags[bad]))
            self.restart()
            self._in_fault = True
            begin = bad + 1
            if not flags[bad] & DROPPED:  # a gap or clock jump: the sample starts the new run
                begin = bad
                self._in_fault = False
        parts.append(self._run(samples[begin:], timestamps[begin:]))
        parts = [p for p in parts if len(p)]
        return StreamOutput.join(parts, self.schema) if parts else self._empty

    def _checked(self, samples: np.ndarray, timestamps: np.ndarray) -> tuple[np.ndarray, ...]:
        samples = np.asarray(samples, dtype=np.float64)
        timestamps = np.asarray(timestamps, dtype=np.float64)
        channels = len(self.schema.channels)
        if samples.ndim != 2 or samples.shape[1] != channels:
            raise KinemyoError(
                f"samples must be (n, {channels}): one column per channel "
                f"{list(self.schema.channels)}; got shape {samples.shape}."
            )
        if timestamps.shape != (samples.shape[0],):
            raise KinemyoError(
                f"timestamps must be ({samples.shape[0]},), one per sample; got shape "
                f"{timestamps.shape}."
            )
        return samples, timestamps

    def _fault_row(self, time: float, flags: int) -> StreamOutput:
        shape = (1, len(self.schema.joints), len(self.schema.quantities))
        std = np.full(shape, np.nan) if self._gives_std else None
        return StreamOutput(
            np.array([time]), np.full(shape, np.nan), std, np.array([flags]), self.schema
        )

    def _run(self, samples: np.ndarray, timestamps: np.ndarray) -> StreamOutput:
        """Filter clean samples, cut the windows they complete and estimate them. Samples
        that complete no window wait, raw, for the chunk that does (the filters carry their
        state either way; filtering them in one call is what keeps 1-sample chunks cheap)."""
        if samples.shape[0]:
            self._in_fault = False
        length, step = self.schema.window, self.schema.step
        first = max(self._seen, length - 1)
        first += (-(first - (length - 1))) % step
        ends = np.arange(first, self._seen + samples.shape[0], step)
        self._seen += samples.shape[0]
        self._pending.append(samples)
        if ends.size == 0:
            return self._empty
        raw = np.concatenate(self._pending) if len(self._pending) > 1 else samples
        self._pending = []
        # every sample here passed classify: finite, so the filters need not check it again
        buffer = np.concatenate([self._tail, self._conditioner.filtered(raw)])
        base = self._seen - buffer.shape[0]  # sample number of buffer[0] since the restart
        self._tail = buffer[-(length - 1) :] if length > 1 else buffer[:0]
        cut = windows.sliding_windows(buffer, ends - (length - 1) - base, length)
        X = self.pipeline.window_features(cut, self.subject, self.schema.fs)
        mean, std = self._estimate(X)
        return StreamOutput(
            times=timestamps[ends - (self._seen - samples.shape[0])],
            values=mean,
            std=std,
            flags=np.zeros(ends.size, np.int64),
            schema=self.schema,
        )

    def _estimate(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Means and standard deviations (k, J, Q) in target units of features (k, C, F)."""
        model = self.model
        if self._context is None:  # a point model: each window on its own, through predict
            prediction = model.predict(self._dataset(X))
            std = None if prediction.std is None else prediction.std.astype(np.float64)
            return prediction.mean.astype(np.float64), std
        context = self._context

        def network(x: np.ndarray) -> tuple[np.ndarray, None]:
            rows = x.astype(np.float32)
            with torch_threads(model.threads):
                y = np.stack([context(torch.from_numpy(row)).numpy() for row in rows])
            return y.reshape(len(rows), *model.y_scale_.shape), None

        return model._scaled(X.reshape(len(X), -1), network)

    def _dataset(self, X: np.ndarray) -> WindowedDataset:
        """Features (k, C, F) as a dataset of one stream, for a point model's ``predict``."""
        schema, k = self.model.schema_, len(X)
        blank = np.full(k, "stream", dtype=object)
        return WindowedDataset(
            X=X,
            Y=None,
            channels=schema.channels,
            features=schema.features,
            joints=schema.joints,
            quantities=schema.quantities,
            units=schema.units,
            subject=blank,
            task=blank,
            trial=blank,
            segment=np.zeros(k, np.int64),
            time=np.arange(k, dtype=np.float64),
        )
