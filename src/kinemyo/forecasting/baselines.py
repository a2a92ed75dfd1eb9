"""Seasonal-naive baseline: repeat the last cycle, with bootstrapped seasonal-difference noise.

Gait series are close to periodic, so "the next stride looks like the last one" is the baseline
any learned forecaster (Lag-Llama) has to beat. The period is the gait cycle in samples, found
from the context's autocorrelation or given explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kinemyo.errors import KinemyoError

DEFAULT_MIN_PERIOD = 2
"""Shortest period (samples) searched by default."""

DEFAULT_PEAK_TOLERANCE = 0.05
"""A correlation peak within this of the best one counts as equally good (see estimate_period)."""


def lag_correlation(values: np.ndarray, max_lag: int) -> np.ndarray:
    """Pearson correlation of ``values[:-k]`` with ``values[k:]`` for k = 0..max_lag.

    Each lag's pair of overlapping segments is centred and scaled by its own mean and variance,
    so the correlation of an exactly periodic series is 1 at every multiple of the period, and
    does not decay with the lag as the usual (biased) autocorrelation does. Computed with an FFT
    for the cross sums and cumulative sums for the segment statistics: O(T log T).

    Args:
        values: (T,) series.
        max_lag: largest lag, < T - 1.

    Returns:
        (max_lag + 1,) correlations; nan where a segment is constant.
    """
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    if x.ndim != 1 or not 0 <= max_lag < n - 1:
        raise KinemyoError(
            f"`max_lag`={max_lag} must be in [0, len(values) - 2] for 1-D values, got {x.shape}."
        )
    x = x - x.mean()
    size = 1 << int(np.ceil(np.log2(2 * n)))
    spectrum = np.fft.rfft(x, size)
    cross = np.fft.irfft(spectrum * np.conj(spectrum), size)[: max_lag + 1]
    lags = np.arange(max_lag + 1)
    count = n - lags
    c1 = np.concatenate([[0.0], np.cumsum(x)])
    c2 = np.concatenate([[0.0], np.cumsum(x * x)])
    # head = x[:n-k], tail = x[k:]
    sum_head, sq_head = c1[count], c2[count]
    sum_tail, sq_tail = c1[n] - c1[lags], c2[n] - c2[lags]
    covariance = cross - sum_head * sum_tail / count
    var_head = sq_head - sum_head**2 / count
    var_tail = sq_tail - sum_tail**2 / count
    denominator = np.sqrt(np.clip(var_head, 0, None) * np.clip(var_tail, 0, None))
    tiny = 1e-12 * max(c2[n], 1e-300)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > tiny, covariance / denominator, np.nan)


def estimate_period(
    context: np.ndarray,
    min_period: int = DEFAULT_MIN_PERIOD,
    max_period: int | None = None,
    tolerance: float = DEFAULT_PEAK_TOLERANCE,
) -> int:
    """The dominant period of ``context`` in samples, from its lag correlation.

    Among the local maxima of :func:`lag_correlation` with lag in ``[min_period, max_period]``,
    the shortest one whose correlation is within ``tolerance`` of the highest is taken: multiples
    of the period correlate (almost) as well as the period itself, and the shortest is the cycle.
    Without any local maximum in range (e.g. a trend) the lag of the highest correlation in range
    is used; a constant context (no correlation defined) gives ``min_period``.

    Plausible range: by default ``[2, T // 2]``, so that at least two cycles are in the context.
    For gait pass the stride duration range in samples, e.g. 0.8-1.6 s times fs in Hz (at 100 Hz:
    80..160); for the real knee npz one stride is about two segments (~202 samples, range
    150..260), though its correlation peaks are weak and ambiguous.

    Raises:
        KinemyoError: a range that is empty or does not fit in the context.
    """
    x = np.asarray(context, dtype=np.float64)
    if x.ndim != 1:
        raise KinemyoError(f"`context` must be 1-D (T,), got shape {x.shape}.")
    n = x.size
    max_period = n // 2 if max_period is None else int(max_period)
    if min_period < 1:
        raise KinemyoError(f"`min_period` must be >= 1, got {min_period}.")
    if max_period < min_period or max_period > n - 2:
        raise KinemyoError(
            f"`max_period`={max_period} must be in [min_period={min_period}, len(context) - 2 = "
            f"{n - 2}]; give a longer context or a narrower period range."
        )
    r = lag_correlation(x, max_period + 1)
    if not np.any(np.isfinite(r[min_period : max_period + 1])):
        return int(min_period)
    r = np.nan_to_num(r, nan=-np.inf)
    lags = np.arange(max(min_period, 1), max_period + 1)
    peaks = lags[(r[lags] > r[lags - 1]) & (r[lags] >= r[lags + 1])]
    if peaks.size == 0:
        return int(lags[np.argmax(r[lags])])
    best = r[peaks].max()
    return int(peaks[np.argmax(r[peaks] >= best - tolerance)])


@dataclass(frozen=True)
class SeasonalNaive:
    """Forecast by repeating the last cycle of the context.

    Model: ``x[t] = x[t - P] + e[t]`` (a seasonal random walk), P the period in samples. The point
    forecast at step h (0-based) is ``context[T - P + h % P]``. Sample paths simulate the model:
    ``e`` is drawn with replacement from the context's seasonal differences
    ``context[P:] - context[:-P]`` and accumulated cycle by cycle, so the spread grows with the
    number of cycles ahead; a noise-free periodic context gives identical, exact paths.

    Attributes:
        period: the period in samples, or None to estimate it from each context
            (:func:`estimate_period` with ``min_period``, ``max_period``).
        min_period: shortest period searched (samples).
        max_period: longest period searched (samples); None = half the context.
    """

    period: int | None = None
    min_period: int = DEFAULT_MIN_PERIOD
    max_period: int | None = None

    def period_of(self, context: np.ndarray) -> int:
        """The period used for ``context``: the given one, checked, or the estimated one."""
        n = np.asarray(context).shape[-1]
        if self.period is None:
            return estimate_period(context, self.min_period, self.max_period)
        if not 1 <= self.period < n:
            raise KinemyoError(
                f"`period`={self.period} must be in [1, len(context) - 1 = {n - 1}]."
            )
        return int(self.period)

    def point_forecast(self, context: np.ndarray, horizon: int) -> np.ndarray:
        """(horizon,) float32: the last cycle of the (T,) ``context`` repeated."""
        x = self._context(context, horizon)
        period = self.period_of(x)
        last = x[x.size - period :]
        return last[np.arange(horizon) % period].astype(np.float32)

    def forecast(
        self,
        context: np.ndarray,
        horizon: int,
        num_samples: int = 100,
        rng: np.random.Generator | int | None = None,
    ) -> np.ndarray:
        """(num_samples, horizon) float32 sample paths for the (T,) ``context``.

        Args:
            context: past values, in series units.
            horizon: steps to forecast.
            num_samples: number of sample paths.
            rng: a numpy Generator or a seed.
        """
        x = self._context(context, horizon)
        if num_samples < 1:
            raise KinemyoError(f"`num_samples` must be >= 1, got {num_samples}.")
        generator = np.random.default_rng(rng)
        period = self.period_of(x)
        differences = x[period:] - x[:-period]
        cycles = -(-horizon // period)
        draws = generator.choice(differences, size=(num_samples, cycles, period), replace=True)
        last = x[x.size - period :]
        paths = last[None, None, :] + np.cumsum(draws, axis=1)
        return paths.reshape(num_samples, cycles * period)[:, :horizon].astype(np.float32)

    @staticmethod
    def _context(context: np.ndarray, horizon: int) -> np.ndarray:
        x = np.asarray(context, dtype=np.float64)
        if x.ndim != 1 or x.size < 2 or not np.all(np.isfinite(x)):
            raise KinemyoError(
                f"`context` must be a finite 1-D array of >= 2 samples, got shape {x.shape}."
            )
        if isinstance(horizon, bool) or int(horizon) != horizon or horizon < 1:
            raise KinemyoError(f"`horizon` must be a positive integer, got {horizon!r}.")
        return x
