"""Exact against sparse (FITC) Gaussian-process regression: time and closeness, in one run.

A synthetic problem shaped like the seed's: 9 channels x 6 features = 54 inputs driven by a gait
phase and a speed, 8 joints x (angle, moment) targets. On ``--n-train`` windows (both can fit),
every model takes its hyperparameters from the same exact fit on a random subset of
``max_exact`` (1000) windows, so the comparison isolates the posterior:

- exact posterior on all training windows (O(N^3));
- FITC on all training windows with ``n_inducing`` k-means inducing inputs, for a few values.

For each: fit and predict times (fit includes the shared hyperparameter fit), the RMSE between
the FITC and exact means as a fraction of the target's standard deviation (mean and worst over
the 16 targets), the mean ratio of FITC to exact predictive standard deviations, and the RMSE
against the truth (fraction of target sd). Then the default model (FITC, 500 inducing inputs) on
``--n-large`` windows. Hyperparameters fitted on all ``--n-train`` windows are left out: with
scikit-learn that costs ~30 s per quantity at 2000 windows, which is why ``max_exact`` is 1000.

Usage: python benchmarks/bench_gpr.py [--n-train 2500] [--n-test 1000] [--n-large 20000]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from kinemyo.data.windowed import Prediction, WindowedDataset
from kinemyo.models import GaussianProcess

CHANNELS = 9
FEATURES = ("iemg", "var", "rms", "wl", "zc", "ssc")
JOINTS = tuple(
    f"{side} {axis}"
    for side in ("left", "right")
    for axis in ("hip adduction", "hip flexion", "knee flexion", "ankle flexion")
)


def gait_windows(n: int, seed: int) -> WindowedDataset:
    """n windows of a phase- and speed-driven problem with 54 noisy, redundant inputs."""
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, n)
    speed = rng.uniform(0.6, 1.4, n)
    centre = np.linspace(0, 2 * np.pi, CHANNELS, endpoint=False)
    activation = speed[:, None] * np.exp(2 * (np.cos(phase[:, None] - centre) - 1))
    transforms = np.stack(
        [
            activation,
            activation**2,
            np.sqrt(activation),
            np.log1p(activation),
            np.tanh(3 * activation),
            np.exp(-activation),
        ],
        axis=2,
    )
    X = transforms + rng.normal(0, 0.05, transforms.shape)
    offset = np.arange(len(JOINTS))[None, :]
    angle = (20 + 10 * speed[:, None]) * np.sin(phase[:, None] + offset)
    moment = 50 * speed[:, None] * np.cos(2 * phase[:, None] + offset) + 5 * np.sin(phase)[:, None]
    Y = np.stack([angle, moment], axis=2) + rng.normal(0, 1.0, (n, len(JOINTS), 2))
    return WindowedDataset(
        X=X,
        Y=Y,
        channels=tuple(f"muscle {c}" for c in range(CHANNELS)),
        features=FEATURES,
        joints=JOINTS,
        quantities=("angle", "moment"),
        units=("deg", "N·m"),
        subject=np.full(n, "Sub01"),
        task=np.full(n, "WAK"),
        trial=np.full(n, "Sub01_WAK"),
        segment=np.zeros(n, dtype=int),
        time=np.arange(n) * 50 / 1920,
    )


def timed_fit_predict(
    model: GaussianProcess, train: WindowedDataset, test: WindowedDataset
) -> tuple[Prediction, float, float]:
    """The prediction for ``test`` and the fit and predict wall times, in s."""
    start = time.perf_counter()
    model.fit(train)
    fitted = time.perf_counter()
    prediction = model.predict(test)
    return prediction, fitted - start, time.perf_counter() - fitted


def relative_rmse(a: np.ndarray, b: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """RMSE over windows between a and b (N, J, Q), divided by ``scale`` (J, Q)."""
    return np.sqrt(np.mean((a.astype(float) - b) ** 2, axis=0)) / scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=2500)
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--n-large", type=int, default=20000)
    parser.add_argument("--inducing", type=int, nargs="+", default=[200, 500])
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # hyperparameters at a bound are reported by scikit-learn

    train, test = gait_windows(args.n_train, seed=0), gait_windows(args.n_test, seed=1)
    sd = test.Y.std(axis=0)
    print(
        f"{args.n_train} training / {args.n_test} test windows, {CHANNELS * len(FEATURES)} inputs"
    )
    print("mean gap: RMSE(FITC mean - exact mean) / target sd, averaged (max) over the 16 targets")
    print("std ratio: mean of FITC std / exact std; error: RMSE(mean - truth) / target sd")
    print("model            fit s  predict s  mean gap   (max)  std ratio   error")
    exact, fit_s, predict_s = timed_fit_predict(GaussianProcess(approximation="exact"), train, test)
    error = relative_rmse(exact.mean, test.Y, sd).mean()
    print(f"{'exact':<15}{fit_s:7.1f}{predict_s:11.2f}{'':>29}{error:8.3f}")
    for n_inducing in args.inducing:
        model = GaussianProcess(approximation="fitc", n_inducing=n_inducing)
        sparse, fit_s, predict_s = timed_fit_predict(model, train, test)
        gap = relative_rmse(sparse.mean, exact.mean, sd)
        ratio = float(np.mean(sparse.std / exact.std))
        error = relative_rmse(sparse.mean, test.Y, sd).mean()
        print(
            f"{f'fitc M={n_inducing}':<15}{fit_s:7.1f}{predict_s:11.2f}"
            f"{gap.mean():10.3f}{gap.max():8.3f}{ratio:11.3f}{error:8.3f}"
        )

    large = gait_windows(args.n_large, seed=2)
    model = GaussianProcess()
    prediction, fit_s, predict_s = timed_fit_predict(model, large, large)
    kind = "exact" if model.exact_ else f"fitc M={model.support_.shape[0]}"
    error = relative_rmse(prediction.mean, large.Y, large.Y.std(axis=0)).mean()
    print(
        f"default GaussianProcess() on {args.n_large} windows ({kind}): fit {fit_s:.1f} s, "
        f"predict all {args.n_large} {predict_s:.1f} s, training |mean-y|/sd {error:.3f}"
    )


if __name__ == "__main__":
    main()
