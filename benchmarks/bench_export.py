"""Per-window latency of the exported ONNX step (onnxruntime) against torch's ``step()``, and
their agreement, for every registered model that exports.

For every model of the registry (``kinemyo.models.registry``) that ``kinemyo export`` accepts
(the sequence networks but those in ``REFUSED`` or whose operators torch's exporter lacks, plus
ridge and mean), at kinemyo's default size (the ``default`` preset: hidden 64, 2 layers) and at
hidden 32: a model is fitted for one epoch on random windows of the SIAT-LLMD shape (9 muscles x
6 features -> 8 joints x 2 quantities; timing does not depend on the weights), exported, and
``--steps`` consecutive windows are run from the initial state, feeding the state back:

- torch: the network's ``step`` on one thread (eval mode, no gradients), with the input
  standardisation and target un-scaling in numpy, as a controller in Python would run it;
- onnxruntime: one ``InferenceSession.run`` of the exported graph per window
  (``intra_op_num_threads=1``, CPU provider), state fed back;

each timed per window after ``--warmup`` unmeasured windows; p50 / p99 / max in microseconds,
and the largest absolute difference of the two estimates over the run (target units). A model
whose sidecar gives ``max_steps`` (a transformer that refuses longer contexts) is reset to its
initial state every ``max_steps`` windows in both.

Usage: python benchmarks/bench_export.py [--steps 1000] [--warmup 50] [--models lstm,tcn]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from kinemyo.data.windowed import WindowedDataset
from kinemyo.models.presets import preset_params
from kinemyo.models.registry import available, create, model_class
from kinemyo.models.sequence import SequenceRegressor
from kinemyo.runtime.export import REFUSED, NotExportableError, OnnxStepper, export_onnx

CHANNELS, FEATURES, JOINTS, QUANTITIES = 9, 6, 8, 2


def windows(n: int = 256, seed: int = 0) -> WindowedDataset:
    """Random windows of the SIAT-LLMD shape in one run."""
    rng = np.random.default_rng(seed)
    return WindowedDataset(
        X=rng.normal(size=(n, CHANNELS, FEATURES)).astype(np.float32),
        Y=rng.normal(size=(n, JOINTS, QUANTITIES)).astype(np.float32),
        channels=tuple(f"c{k}" for k in range(CHANNELS)),
        features=tuple(f"f{k}" for k in range(FEATURES)),
        joints=tuple(f"j{k}" for k in range(JOINTS)),
        quantities=("angle", "moment"),
        units=("deg", "N·m"),
        subject=np.full(n, "Sub01"),
        task=np.full(n, "WAK"),
        trial=np.full(n, "Sub01_WAK"),
        segment=np.zeros(n, int),
        time=np.arange(n) * 50 / 1920,
    )


def torch_stepper(model):
    """A function features (D,) -> estimate (J*Q,) running ``model`` window by window in torch,
    and a reset function."""
    x_mean, x_scale = model.x_mean_, model.x_scale_
    y_mean, y_scale = model.y_mean_.reshape(-1), model.y_scale_.reshape(-1)
    if not isinstance(model, SequenceRegressor):
        coef = getattr(model, "coef_", np.zeros((x_mean.size, y_mean.size)))
        return (lambda f: ((f - x_mean) / x_scale) @ coef * y_scale + y_mean), lambda: None
    network = model.network_.eval()
    holder = {"state": network.initial_state(1)}

    def step(features: np.ndarray) -> np.ndarray:
        x = torch.as_tensor(((features - x_mean) / x_scale)[None], dtype=torch.float32)
        with torch.no_grad():
            y, holder["state"] = network.step(x, holder["state"])
        return y[0].numpy() * y_scale + y_mean

    def reset() -> None:
        holder["state"] = network.initial_state(1)

    return step, reset


def timed(step, reset, inputs: np.ndarray, warmup: int, max_steps: int | None):
    """Per-window seconds of ``step`` over ``inputs`` (after ``warmup`` windows) and the
    estimates."""
    seconds, estimates = [], []
    for k, features in enumerate(inputs):
        if max_steps and k and k % max_steps == 0:
            reset()
        start = time.perf_counter()
        estimate = step(features)
        elapsed = time.perf_counter() - start
        estimates.append(estimate)
        if k >= warmup:
            seconds.append(elapsed)
    return np.asarray(seconds), np.asarray(estimates)


def quantiles(seconds: np.ndarray) -> str:
    micro = seconds * 1e6
    p50, p99 = np.percentile(micro, [50, 99])
    return f"{p50:7.0f} {p99:7.0f} {micro.max():7.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--models", default=",".join(available()))
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = windows()
    inputs = np.random.default_rng(1).normal(size=(args.steps, CHANNELS * FEATURES))
    print(f"{args.steps} windows, 1 thread; microseconds per window; diff: max |ort - torch|")
    print(
        f"{'model':<12}{'size':<10}{'torch p50   p99     max':>26}{'ort p50   p99     max':>26}"
        f"{'ort/torch':>11}{'diff':>10}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for name in args.models.split(","):
            if name in REFUSED:
                print(f"{name:<12}refused: {REFUSED[name]}")
                continue
            is_network = issubclass(model_class(name), SequenceRegressor)
            sizes = ("default", "hidden 32") if is_network else ("-",)
            for size in sizes:
                params = preset_params(name) | {"epochs": 1} if is_network else {}
                if size == "hidden 32":
                    params["hidden"] = 32
                model = create(name, **params).fit(data)
                out = Path(folder) / f"{name}.onnx"
                try:
                    sidecar = export_onnx(model, out)
                except NotExportableError as error:
                    print(f"{name:<12}refused: {str(error).split(': ', 1)[1]}")
                    break
                max_steps = sidecar["state"]["max_steps"]
                ort = OnnxStepper(out)
                torch_seconds, expected = timed(
                    *torch_stepper(model), inputs, args.warmup, max_steps
                )
                ort_seconds, got = timed(ort.step, ort.reset, inputs, args.warmup, max_steps)
                ratio = np.median(ort_seconds) / np.median(torch_seconds)
                diff = np.abs(got - expected).max()
                print(
                    f"{name:<12}{size:<10}{quantiles(torch_seconds):>26}"
                    f"{quantiles(ort_seconds):>26}{ratio:>11.2f}{diff:>10.1e}"
                )


if __name__ == "__main__":
    main()
