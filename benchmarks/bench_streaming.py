"""Latency and throughput of the streaming estimator, on one CPU core.

For every registered model that can stream (all but ``template``; sequence networks at their default
size and at the seed's settings, ``seed-xlstm``: hidden 32) it prints the time per completed window
(a push of one window step of raw samples: filters, features, model) as p50 / p99 / max, and the
real-time factor of the whole chain (seconds of 1920 Hz signal per wall-clock second) when the
signal arrives in chunks of 32 samples and of 1 sample. Targets (issue 11): p99 < 1 ms for LSTM, TCN
and xLSTM at hidden 32; real-time factor > 50. The weights come from one training epoch: latency
does not depend on them.

    python benchmarks/bench_streaming.py [--windows 500] [--models lstm,tcn,xlstm]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from kinemyo.config import load_config
from kinemyo.data.recording import Recording, RecordingMeta, SignalBlock
from kinemyo.models.base import Estimator
from kinemyo.models.presets import preset_params
from kinemyo.models.registry import available, create, model_class
from kinemyo.models.sequence import SequenceRegressor
from kinemyo.runtime.streaming import StreamingEstimator
from kinemyo.signal.pipeline import SignalPipeline

FS = 1920.0


def recording(seconds: float, seed: int = 0) -> Recording:
    """A continuous recording of the kinemyo-siat channels and joints: noise EMG, sine joints."""
    config = load_config("kinemyo-siat")
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    t = np.arange(n) / FS
    phase = 2 * np.pi * t / 1.1
    joints = len(config.joints)
    return Recording(
        time=t,
        fs=FS,
        meta=RecordingMeta(dataset="bench", subject="Sub01", task="WAK", body_mass_kg=70.0),
        emg=SignalBlock(
            rng.normal(0, 0.1, (n, len(config.channels))), config.channels, ("mV",) * 9
        ),
        angles=SignalBlock(
            30 * np.sin(phase[:, None] + np.arange(joints)), config.joints, ("deg",) * joints
        ),
        moments=SignalBlock(
            50 * np.cos(phase[:, None] + np.arange(joints)), config.joints, ("N·m",) * joints
        ),
    )


def variants(names: list[str]) -> list[tuple[str, str, dict]]:
    """(model, preset, parameters) to time: point models once, sequence models per preset."""
    out = []
    for name in names:
        if not issubclass(model_class(name), SequenceRegressor):
            out.append((name, "-", {}))
            continue
        for preset in ("default", "seed-xlstm"):
            params = preset_params(name, preset) | {"epochs": 1, "threads": 1, "device": "cpu"}
            out.append((name, preset, params))
    return out


def latency(
    estimator: StreamingEstimator, emg: np.ndarray, time_s: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Wall-clock and CPU seconds per push of one window step (each completes exactly one
    window). On a shared machine the wall clock includes waiting for the core; the thread's CPU
    time does not."""
    step, length = estimator.schema.step, estimator.schema.window
    estimator.restart()
    estimator.push(emg[: length - step], time_s[: length - step])
    wall, cpu = [], []
    for k in range(n):
        first = length - step + k * step
        chunk = slice(first, first + step)
        start, start_cpu = time.perf_counter(), time.thread_time()
        out = estimator.push(emg[chunk], time_s[chunk])
        wall.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
        assert len(out) == 1
    # the first pushes fill the context and warm the caches
    return np.asarray(wall[10:]), np.asarray(cpu[10:])


def real_time_factor(
    estimator: StreamingEstimator, emg: np.ndarray, time_s: np.ndarray, chunk: int
) -> tuple[float, float]:
    """Seconds of signal streamed per wall-clock second and per CPU second, in chunks of
    ``chunk`` samples."""
    estimator.restart()
    start, start_cpu = time.perf_counter(), time.thread_time()
    for first in range(0, len(emg), chunk):
        estimator.push(emg[first : first + chunk], time_s[first : first + chunk])
    signal = len(emg) / FS
    return signal / (time.perf_counter() - start), signal / (time.thread_time() - start_cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=500, help="windows timed per model")
    streamable = [name for name in available() if not model_class(name).not_causal]
    parser.add_argument("--models", default=",".join(streamable), help="comma-separated")
    args = parser.parse_args()
    torch.set_num_threads(1)
    train = recording(20.0, seed=0)
    pipeline = SignalPipeline(load_config("kinemyo-siat"))
    data = pipeline.fit_transform(pipeline.window([train]))
    stream = recording(max(12.0, (args.windows + 4) * 50 / FS), seed=1)
    emg = stream.emg.select(pipeline.config.channels).values
    times = stream.time
    print(f"torch {torch.__version__}, 1 thread; kinemyo-siat chain (window 100, step 50 samples)")
    header = (
        "| model | preset | hidden | context | model path | p50 ms | p99 ms | max ms "
        "| CPU p50 ms | CPU p99 ms | RTF chunk 32 (CPU) | RTF chunk 1 (CPU) |"
    )
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for name, preset, params in variants(args.models.split(",")):
        model = create(name, **params).fit(data)
        for carry in (False, True):
            estimator = StreamingEstimator(pipeline, model, carry=carry)
            if carry and estimator.model_path != "carried step":
                continue  # only a fixed-size recurrent state is carried
            print_row(name, preset, model, estimator, emg, times, args.windows)


def print_row(
    name: str,
    preset: str,
    model: Estimator,
    estimator: StreamingEstimator,
    emg: np.ndarray,
    times: np.ndarray,
    windows: int,
) -> None:
    """The table row of ``model`` run by ``estimator``."""
    sequence = isinstance(model, SequenceRegressor)
    wall, cpu = latency(estimator, emg, times, windows)
    p50, p99 = np.percentile(wall * 1e3, [50, 99])
    cpu50, cpu99 = np.percentile(cpu * 1e3, [50, 99])
    rtf32 = real_time_factor(estimator, emg[: int(10 * FS)], times[: int(10 * FS)], 32)
    rtf1 = real_time_factor(estimator, emg[: int(2 * FS)], times[: int(2 * FS)], 1)
    hidden = model.hidden if sequence else "-"
    length = model.sequence_length if sequence else "-"
    print(
        f"| {name} | {preset} | {hidden} | {length} | {estimator.model_path} | {p50:.3f} "
        f"| {p99:.3f} | {wall.max() * 1e3:.3f} | {cpu50:.3f} | {cpu99:.3f} "
        f"| {rtf32[0]:.0f} ({rtf32[1]:.0f}) | {rtf1[0]:.0f} ({rtf1[1]:.0f}) |",
        flush=True,
    )


if __name__ == "__main__":
    main()
