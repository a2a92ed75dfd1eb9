"""Lag-Llama decoding speed on CPU: fast mode (frozen scaler + KV cache) vs the reference mode.

One window (context 256, horizon 128, 100 sample paths), the default-size network (2,449,299
parameters, 84 lags) with random weights, float32, RoPE linear factor (256 + 128) / 32 = 12.

- fast mode: the whole 128-step decode is timed (median of ``--repeats`` runs after one warm-up).
- reference mode (scaler recomputed every step, full recompute): a whole decode takes minutes, so
  it is EXTRAPOLATED: the per-step time is measured at the first positions (context 256) and at
  the last ones (context 256 + 126, i.e. the history the last steps see), ``--ref-steps`` steps
  each; the cost of a step grows with its position, so the 128-step total is estimated as
  128 x the mean of the two per-step times (trapezoid rule).

Note that the two modes are different models of the future (see
``kinemyo.models.lagllama.sampling``); this only compares their cost.

Torch uses as many threads as there are CPU cores available to this process for decoding.

``--finetune`` times fine-tuning instead, as the README's ``kinemyo finetune`` command runs it
(from scratch, 8 layers, context 256, horizon 128, 256 windows per epoch, 64 validation windows)
on the real knee series: a short real ``finetune`` call per setting (one epoch of ``--steps``
optimiser steps and one validation batch), on 1 and 2 intra-op threads and batches of 8, 16 and
32 windows; the seconds per window are EXTRAPOLATED to one epoch and to the README's 8 epochs.

Usage: python benchmarks/bench_lagllama.py [--repeats 3] [--ref-steps 2]
       python benchmarks/bench_lagllama.py --finetune [--steps 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from kinemyo.forecasting.finetune import FinetuneConfig, finetune
from kinemyo.forecasting.metrics import weighted_quantile_loss
from kinemyo.forecasting.series import series_from_knee_cycles
from kinemyo.models.lagllama import LagLlamaNetwork
from kinemyo.studies.forecast import ForecastSettings, forecast_series, normalised_training_parts

CONTEXT, HORIZON, SAMPLES = 256, 128, 100


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ref-steps", type=int, default=2)
    parser.add_argument("--finetune", action="store_true", help="time fine-tuning instead")
    parser.add_argument("--steps", type=int, default=3, help="optimiser steps per setting")
    args = parser.parse_args()
    if args.finetune:
        finetune_cost(args.steps)
        return
    torch.manual_seed(0)
    net = LagLlamaNetwork(rope_scaling=(CONTEXT + HORIZON) / 32).eval()
    t = torch.arange(CONTEXT + HORIZON, dtype=torch.float32)
    series = torch.sin(2 * torch.pi * t / 50) + 0.1 * torch.randn_like(t)
    past = series[None, :CONTEXT]
    gen = torch.Generator().manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs")
    print(f"window: context {CONTEXT}, horizon {HORIZON}, {SAMPLES} samples")

    def fast() -> None:
        net.sample(past, HORIZON, SAMPLES, mode="fast", generator=gen)

    fast()
    fast_s = statistics.median(timed(fast) for _ in range(args.repeats))
    print(f"fast mode (frozen scaler + KV cache), whole decode: {fast_s:.3f} s")

    steps = args.ref_steps
    first = timed(lambda: net.sample(past, steps, SAMPLES, mode="reference", generator=gen))
    late_past = series[None, : CONTEXT + HORIZON - steps]
    last = timed(lambda: net.sample(late_past, steps, SAMPLES, mode="reference", generator=gen))
    per_first, per_last = first / steps, last / steps
    ref_s = HORIZON * (per_first + per_last) / 2
    print(
        f"reference mode: {per_first:.3f} s/step at the start, {per_last:.3f} s/step at the end "
        f"({steps} steps timed each)"
    )
    print(f"reference mode, EXTRAPOLATED to {HORIZON} steps: {ref_s:.1f} s")
    print(f"ratio reference / fast: {ref_s / fast_s:.0f}x")
    print(f"targets: fast < 5 s -> {fast_s < 5}; >= 100x -> {ref_s / fast_s >= 100}")
    mode_agreement()


KNEE = Path(__file__).resolve().parents[2] / "shared/data/real/siat_llmd_right_knee_wak_cycles.npz"


def mode_agreement() -> None:
    """CRPS (weighted quantile loss) of reference and fast decoding on the real knee series, at
    settings small enough for the reference decoder: a small network fine-tuned briefly from
    scratch, context 64, horizon 16, 50 paths, 10 windows per series in the held-out part."""
    if not KNEE.is_file():
        print(f"mode agreement: skipped ({KNEE} is absent)")
        return
    series = series_from_knee_cycles(KNEE)
    torch.manual_seed(0)
    net = LagLlamaNetwork(context_length=64, n_layer=2)
    finetune(
        net,
        normalised_training_parts(series, 0.2),
        FinetuneConfig(
            context_length=64,
            horizon=16,
            epochs=3,
            windows_per_epoch=96,
            learning_rate=1e-3,
            device="cpu",
        ),
    )
    losses = {}
    for mode in ("reference", "fast"):
        settings = ForecastSettings(
            context_length=64, horizon=16, num_samples=50, mode=mode, max_windows=10
        )
        windows = [forecast_series(net, s, settings, {})["lag-llama"] for s in series]
        losses[mode] = np.mean(
            [weighted_quantile_loss(samples, truth) for samples, truth in windows]
        )
    gap = abs(losses["fast"] / losses["reference"] - 1)
    print(
        f"mode agreement on the real knee series (context 64, horizon 16): CRPS (wQL) "
        f"reference {losses['reference']:.4f}, fast {losses['fast']:.4f}, difference "
        f"{gap:.1%} (target < 2%: {gap < 0.02})"
    )


def finetune_cost(steps: int) -> None:
    """Seconds per training and validation window of the README's fine-tuning, extrapolated."""
    if not KNEE.is_file():
        print(f"fine-tuning cost: skipped ({KNEE} is absent)")
        return
    parts = normalised_training_parts(series_from_knee_cycles(KNEE), 0.2)
    windows, validation, epochs = 256, 64, 8
    print(f"fine-tuning from scratch: 8 layers, context {CONTEXT}, horizon {HORIZON}")
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    for threads in (1, 2):
        for batch in (8, 16, 32):
            torch.manual_seed(0)
            net = LagLlamaNetwork(context_length=CONTEXT, rope_scaling=(CONTEXT + HORIZON) / 32)
            stamps = [time.perf_counter()]
            history = finetune(
                net,
                parts,
                FinetuneConfig(
                    context_length=CONTEXT,
                    horizon=HORIZON,
                    epochs=1,
                    windows_per_epoch=batch * (steps + 1),
                    batch_size=batch,
                    validation_windows=batch,
                    device="cpu",
                    threads=threads,
                ),
                on_step=lambda *_, stamps=stamps: stamps.append(time.perf_counter()),
            )
            step_s = statistics.median(np.diff(stamps[1:]))  # the first step warms up
            valid_s = history.seconds - (stamps[-1] - stamps[0])
            per_train, per_valid = step_s / batch, valid_s / batch
            epoch_s = windows * per_train + validation * per_valid
            print(
                f"threads {threads}, batch {batch:2d}: {step_s:5.2f} s/step "
                f"({per_train:.3f} s/window), validation {per_valid:.3f} s/window; EXTRAPOLATED "
                f"epoch {epoch_s:4.0f} s, {epochs} epochs {epochs * epoch_s / 60:.1f} min"
            )


if __name__ == "__main__":
    main()
