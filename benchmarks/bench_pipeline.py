"""Speed of the SIAT-LLMD seed sEMG chain on a workload the size of the study's DNS + UPS data.

Chain, per trial: baseline (mean) -> wavelet-packet denoising (db7, level 8, relative soft
threshold 0.08) -> Butterworth 15-400 Hz, order 7, zero phase -> max-abs (fitted on all trials)
-> windows of 100 samples every 50 within gait-cycle groups -> six features (iemg, var, wl, zc,
cc, mnf). Data: synthetic EMG-like trials (band-limited noise under gait-phase bursts, DC offset,
50 Hz hum, quantised like the SIAT-LLMD amplifier), 1920 Hz, 9 channels; by default 40 subjects x
2 motions x 20 s, like SIAT-LLMD's DNS + UPS (target: under 60 s on 2 cores).

Prints the time of each stage, windows per second, and the speed-up of the vectorised features
over a straightforward loop over windows that calls numpy on each window (timed on a subset of
the windows and extrapolated to all of them; the script says so).

Usage: python benchmarks/bench_pipeline.py [--subjects 40] [--seconds 20] [--loop-windows 4000]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from scipy import signal as sps

from kinemyo.signal import (
    SEED_FEATURES,
    MaxAbsScaler,
    bandpass,
    compute_features,
    remove_baseline,
    segment_ids,
    sliding_windows,
    wavelet_packet_denoise,
    window_starts,
)

FS = 1920.0
CHANNELS = 9
LENGTH, STEP = 100, 50


def synthetic_trial(rng: np.random.Generator, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """(T, 9) EMG-like mV and (T,) gait-cycle group index of one trial."""
    n = int(seconds * FS)
    t = np.arange(n) / FS
    cycle = rng.uniform(1.0, 1.2)
    phase = (t / cycle) % 1.0
    burst_at = rng.uniform(0, 1, CHANNELS)
    distance = np.abs((phase[:, None] - burst_at + 0.5) % 1.0 - 0.5)
    envelope = 0.02 + np.exp(-((distance / 0.08) ** 2))
    sos = sps.butter(4, [20, 450], btype="bandpass", fs=FS, output="sos")
    carrier = sps.sosfilt(sos, rng.normal(size=(n, CHANNELS)), axis=0)
    emg = 0.15 * rng.uniform(0.5, 2.0, CHANNELS) * envelope * carrier / carrier.std(axis=0)
    emg += rng.normal(0, 0.05, CHANNELS) + 0.01 * np.sin(2 * np.pi * 50 * t)[:, None]
    emg = np.round(emg / 0.000305) * 0.000305
    return emg.astype(np.float32), (t // cycle).astype(np.int32)


def loop_features(windows: np.ndarray, fs: float) -> np.ndarray:
    """The six seed features, one window at a time (the straightforward way): (N, C, 6)."""
    taper = np.hanning(windows.shape[1] + 1)[:-1]  # periodic Hann, as in kinemyo
    freqs = np.fft.rfftfreq(windows.shape[1], 1.0 / fs)[1:]
    out = np.empty((windows.shape[0], windows.shape[2], 6))
    for i, win in enumerate(windows):
        step = np.diff(win, axis=0)
        r = np.corrcoef(win.T)
        centred = win - win.mean(axis=0)
        power = np.abs(np.fft.rfft(centred * taper[:, None], axis=0))[1:] ** 2
        out[i, :, 0] = np.abs(win).sum(axis=0) / fs
        out[i, :, 1] = win.var(axis=0, ddof=1)
        out[i, :, 2] = np.abs(step).sum(axis=0)
        out[i, :, 3] = (win[:-1] * win[1:] < 0).mean(axis=0)
        out[i, :, 4] = (r.sum(axis=1) - 1.0) / (win.shape[1] - 1)
        out[i, :, 5] = freqs @ power / power.sum(axis=0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=40)
    parser.add_argument("--motions", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--loop-windows", type=int, default=4000, help="windows for the loop")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    trials = [synthetic_trial(rng, args.seconds) for _ in range(args.subjects * args.motions)]
    samples = sum(emg.shape[0] for emg, _ in trials)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"workload: {len(trials)} trials ({args.subjects} subjects x {args.motions} motions x "
        f"{args.seconds:g} s), {samples:,} samples x {CHANNELS} channels at {FS:g} Hz; "
        f"{cores} CPU cores available"
    )

    times: dict[str, float] = dict.fromkeys(
        ("baseline", "wavelet packet", "band-pass", "max-abs", "windows", "features"), 0.0
    )

    def timed(stage: str, run):
        start = time.perf_counter()
        result = run()
        times[stage] += time.perf_counter() - start
        return result

    filtered = []
    for emg, _ in trials:
        x = timed("baseline", lambda emg=emg: remove_baseline(emg, "mean"))
        x = timed("wavelet packet", lambda x=x: wavelet_packet_denoise(x, "db7", 8, 0.08))
        x = timed("band-pass", lambda x=x: bandpass(x, FS, 15.0, 400.0, order=7))
        filtered.append(x)
    scaler = timed("max-abs", lambda: MaxAbsScaler().fit(filtered))
    features, all_windows = [], []
    for x, (_, group) in zip(filtered, trials, strict=True):
        x = timed("max-abs", lambda x=x: scaler.transform(x))
        w = timed(
            "windows",
            lambda x=x, group=group: sliding_windows(
                x, window_starts(segment_ids(x.shape[0], group), LENGTH, STEP), LENGTH
            ),
        )
        features.append(timed("features", lambda w=w: compute_features(w, SEED_FEATURES, FS)))
        all_windows.append(w)
    n_windows = sum(f.shape[0] for f in features)
    total = sum(times.values())

    print(
        f"windows: {n_windows:,} of {LENGTH} samples every {STEP}, features (N, C, F) = "
        f"({n_windows}, {CHANNELS}, {len(SEED_FEATURES)})"
    )
    for stage, seconds in times.items():
        print(f"  {stage:<15} {seconds:7.2f} s  ({100 * seconds / total:4.1f} %)")
    print(
        f"whole chain: {total:.2f} s for the workload (target < 60 s on 2 cores); "
        f"{n_windows / total:,.0f} windows/s; {samples / total / 1e6:.2f} M samples/s per "
        f"{CHANNELS} channels"
    )

    windows = np.concatenate(all_windows)
    subset = windows[: min(args.loop_windows, windows.shape[0])]
    start = time.perf_counter()
    looped = loop_features(subset, FS)
    loop_seconds = (time.perf_counter() - start) * windows.shape[0] / subset.shape[0]
    vectorised = np.concatenate(features)
    agree = np.abs(looped - vectorised[: subset.shape[0]]).max()
    how = (
        "measured"
        if subset.shape[0] == windows.shape[0]
        else (f"timed on {subset.shape[0]:,} windows, extrapolated to {windows.shape[0]:,}")
    )
    print(
        f"features, per-window Python loop: {loop_seconds:.2f} s ({how}); vectorised: "
        f"{times['features']:.2f} s; speed-up x{loop_seconds / times['features']:.0f} "
        f"(largest difference between the two: {agree:.1e})"
    )


if __name__ == "__main__":
    main()
