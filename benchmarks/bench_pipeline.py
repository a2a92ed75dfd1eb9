"""Speed of the seed sEMG pipeline on a workload the size of SIAT-LLMD's DNS + UPS data.

Times :class:`kinemyo.signal.pipeline.SignalPipeline` with the ``seed-siat`` preset: ``window``
(windows of 100 samples every 50 within Group and Status segments, plus targets), ``fit_transform``
(baseline and DWT thresholds fitted per subject, baseline -> DWT db7 level 8 -> causal Butterworth
15-400 Hz order 7 on every training signal, max-abs scales, features) and ``transform`` (the
same filters over whole recordings, features). Data: the synthetic cohort,
by default 40 subjects x DNS and UPS x 20 s at 1920 Hz, 9 channels, like SIAT-LLMD's DNS + UPS
(target: under 60 s on 2 cores).

Also prints the speed-up of the vectorised seed features over a straightforward loop over windows
that calls numpy on each window (timed on --loop-windows random windows and extrapolated to the
workload; the script says so).

Usage: python benchmarks/bench_pipeline.py [--subjects 40] [--seconds 20] [--loop-windows 4000]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from kinemyo.config import load_config
from kinemyo.data.synthetic import CohortConfig, generate_cohort
from kinemyo.signal.features import SEED_FEATURES, compute_features
from kinemyo.signal.pipeline import SignalPipeline


def loop_features(windows: np.ndarray) -> np.ndarray:
    """The six seed features, one window at a time (the straightforward way): (N, C, 6)."""
    out = np.empty((windows.shape[0], windows.shape[2], 6))
    for i, win in enumerate(windows):
        step = np.diff(win, axis=0)
        theta = win.mean(axis=0) + 3e-6
        before, after = win[:-1], win[1:]
        crossing = ((before >= theta) & (theta > after)) | ((before <= theta) & (theta < after))
        out[i, :, 0] = np.abs(win).sum(axis=0)
        out[i, :, 1] = win.var(axis=0)
        out[i, :, 2] = np.abs(step).sum(axis=0)
        out[i, :, 3] = crossing.sum(axis=0)
        out[i, :, 4] = ((win[1:-1] - win[:-2]) * (win[:-2] - win[2:]) > 1e-7).sum(axis=0)
        out[i, :, 5] = (np.abs(step) >= 1e-4).sum(axis=0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--loop-windows", type=int, default=4000, help="windows for the loop")
    args = parser.parse_args()

    cohort = generate_cohort(
        CohortConfig(subjects=args.subjects, motions=("DNS", "UPS"), seconds=args.seconds)
    )
    recordings = cohort.recordings
    samples = sum(rec.n_samples for rec in recordings)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"workload: {len(recordings)} trials ({args.subjects} subjects x DNS, UPS x "
        f"{args.seconds:g} s), {samples:,} samples x 9 channels at 1920 Hz; {cores} CPU cores"
    )
    pipeline = SignalPipeline(load_config("seed-siat"))
    times = {}
    start = time.perf_counter()
    windows = pipeline.window(recordings)
    times["window (cut, targets)"] = time.perf_counter() - start
    start = time.perf_counter()
    data = pipeline.fit_transform(windows)
    times["fit_transform (fit, filter, features)"] = time.perf_counter() - start
    total = sum(times.values())  # window + fit_transform: the whole pipeline, once
    start = time.perf_counter()
    pipeline.transform(windows)
    transform_seconds = time.perf_counter() - start
    print(f"windows: {len(data):,}; features {data.X.shape}, targets {data.Y.shape}")
    for stage, seconds in times.items():
        print(f"  {stage:<38} {seconds:7.2f} s  ({100 * seconds / total:4.1f} %)")
    print(
        f"whole pipeline: {total:.2f} s for the workload (target < 60 s on 2 cores); "
        f"{len(data) / total:,.0f} windows/s"
    )
    print(
        f"transform alone (filter, features; the fitted pipeline on new data): "
        f"{transform_seconds:.2f} s"
    )

    rng = np.random.default_rng(0)  # normalised-sEMG-like windows: amplitudes 1e-3 to 0.3
    subset = rng.normal(size=(args.loop_windows, 100, 9)) * rng.uniform(1e-3, 0.3, (1, 1, 9))
    start = time.perf_counter()
    vectorised = compute_features(subset, SEED_FEATURES)
    vector_seconds = time.perf_counter() - start
    start = time.perf_counter()
    looped = loop_features(subset)
    loop_seconds = time.perf_counter() - start
    scale = len(windows) / subset.shape[0]
    print(
        f"six features on {subset.shape[0]:,} windows: per-window Python loop "
        f"{loop_seconds:.2f} s, vectorised {vector_seconds:.3f} s, speed-up "
        f"x{loop_seconds / vector_seconds:.0f} (largest difference "
        f"{np.abs(looped - vectorised).max():.1e}); extrapolated to all {len(windows):,} windows: "
        f"loop {loop_seconds * scale:.1f} s vs {vector_seconds * scale:.1f} s"
    )


if __name__ == "__main__":
    main()
