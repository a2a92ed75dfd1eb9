"""Lag-Llama inputs: the 84 lags, the robust scaler, the 6 "seconds" time features.

Every function here works on batches: ``B`` series, each a row of a 2-D tensor.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

#: The 84 lag offsets, in steps, of the official checkpoint (the same for every frequency).
LAGS: tuple[int, ...] = (
    0, 7, 8, 10, 11, 12, 13, 14, 19, 20, 21, 22, 23, 24, 26, 27, 28, 29, 30, 34, 35, 36, 46, 47,
    48, 50, 51, 52, 55, 57, 58, 59, 60, 61, 70, 71, 72, 83, 94, 95, 96, 102, 103, 104, 117, 118,
    119, 120, 121, 142, 143, 144, 154, 155, 156, 166, 167, 168, 177, 178, 179, 180, 181, 334, 335,
    336, 362, 363, 364, 502, 503, 504, 670, 671, 672, 718, 719, 720, 726, 727, 728, 1090, 1091,
    1092,
)  # fmt: skip

#: Number of time features per token (the "seconds" set).
N_TIME_FEATURES = 6

#: Smallest scale the scaler returns (as the official scaler).
MIN_SCALE = 1e-10


def robust_scaler(
    values: Tensor, observed: Tensor, *, zero_iqr_guard: bool = True
) -> tuple[Tensor, Tensor]:
    """Location and scale of each series from its observed values.

    ``loc`` is the lower median (``torch.nanmedian``) and ``scale`` the inter-quartile range
    ``q75 - q25`` (linear interpolation), both over the observed values only. With nothing
    observed, ``loc`` is 0 and ``scale`` 1; ``scale`` is at least ``MIN_SCALE`` (1e-10).

    Zero-IQR guard (a deviation from the official scaler, on by default): when more than half of
    the observed values are equal (a flat plateau) the IQR is 0 and the official scaler divides by
    1e-10, blowing every other value up to ~1e10. With ``zero_iqr_guard`` the scale then falls back
    to the mean absolute deviation from ``loc`` over the observed values, and to 1 when that is 0
    too (a constant series). Series with a positive IQR are unaffected. Pass
    ``zero_iqr_guard=False`` to reproduce the official scaler exactly.

    Args:
        values: (B, L) values; unobserved entries may hold anything (even NaN).
        observed: (B, L) bool (or 0/1) mask of observed entries.
        zero_iqr_guard: apply the guard described above.

    Returns:
        ``(loc, scale)``, each (B, 1), same dtype as ``values``.
    """
    obs = observed.bool()
    masked = torch.where(obs, values, torch.full_like(values, float("nan")))
    loc = torch.nanmedian(masked, dim=-1, keepdim=True).values
    quartiles = torch.nanquantile(
        masked, torch.tensor([0.25, 0.75], dtype=values.dtype), dim=-1, keepdim=True
    )
    iqr = quartiles[1] - quartiles[0]
    loc = torch.nan_to_num(loc, nan=0.0)
    scale = torch.nan_to_num(iqr, nan=1.0)
    if zero_iqr_guard:
        count = obs.sum(dim=-1, keepdim=True)
        deviation = torch.where(obs, (values - loc).abs(), torch.zeros_like(values))
        mad = deviation.sum(dim=-1, keepdim=True) / count.clamp_min(1)
        fallback = torch.where(mad > MIN_SCALE, mad, torch.ones_like(mad))
        scale = torch.where(scale > MIN_SCALE, scale, fallback)
    return loc, scale.clamp_min(MIN_SCALE)


def lag_features(scaled: Tensor, lags: tuple[int, ...] | list[int], n_tokens: int) -> Tensor:
    """Lagged values of the last ``n_tokens`` positions.

    Args:
        scaled: (B, W) scaled history with ``W >= n_tokens + max(lags)``; the tokens are its last
            ``n_tokens`` positions.
        lags: the lag offsets (steps); lag 0 is the token's own value.
        n_tokens: T, the number of tokens.

    Returns:
        (B, T, len(lags)): ``out[b, t, j] = scaled[b, W - T + t - lags[j]]``.
    """
    width = scaled.shape[-1]
    start = width - n_tokens
    if start < max(lags):
        raise ValueError(f"history of {width} values too short for {n_tokens} tokens")
    positions = torch.arange(start, width, device=scaled.device)[:, None]
    index = positions - torch.as_tensor(lags, device=scaled.device)[None, :]
    return scaled[:, index]


def time_features(timestamps: Tensor) -> Tensor:
    """The 6 "seconds" time features of POSIX timestamps (seconds since 1970-01-01 UTC).

    Second of minute, minute of hour, hour of day, day of week (Monday 0), day of month and day of
    year, each ``v / (n - 1) - 0.5`` with n = 60, 60, 24, 7, 31, 366 and v = second, minute, hour,
    weekday, day - 1, day of year - 1. NaN timestamps (padding) give 0 features.

    Args:
        timestamps: (...,) float seconds.

    Returns:
        (..., 6) float32 tensor on the same device.
    """
    ts = timestamps.detach().to("cpu", torch.float64).numpy()
    valid = np.isfinite(ts)
    seconds = np.floor(np.where(valid, ts, 0.0)).astype(np.int64)
    days = np.floor_divide(seconds, 86400)
    of_day = seconds - days * 86400
    date = days.astype("datetime64[D]")
    day_of_month = (date - date.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
    day_of_year = (date - date.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    raw = np.stack(
        [
            of_day % 60,
            (of_day // 60) % 60,
            of_day // 3600,
            (days + 3) % 7,  # 1970-01-01 was a Thursday (weekday 3)
            day_of_month,
            day_of_year,
        ],
        axis=-1,
    ).astype(np.float64)
    feats = raw / np.array([59.0, 59.0, 23.0, 6.0, 30.0, 365.0]) - 0.5
    feats = np.where(valid[..., None], feats, 0.0)
    return torch.from_numpy(feats.astype(np.float32)).to(timestamps.device)


def default_timestamps(
    batch: int, length: int, step_s: float = 1.0, device: torch.device | str | None = None
) -> Tensor:
    """The default clock when no timestamps are given: value ``i`` is at ``i * step_s`` seconds.

    Returns:
        (B, L) float64 seconds, starting at 0 (1970-01-01 00:00:00 UTC) for the first given value,
        on ``device``.
    """
    clock = torch.arange(length, dtype=torch.float64, device=device) * step_s
    return clock.expand(batch, length).clone()
