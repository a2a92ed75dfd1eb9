"""Autoregressive sampling from a ``LagLlamaNetwork``: the reference mode and a fast mode.

Both modes are batched over samples: the ``B`` series are repeated ``S`` times (row
``b * S + s`` is sample ``s`` of series ``b``), and both draw the same random numbers in the same
order, so with equal generators their first step is identical.

- ``sample_reference``: the official semantics. At each of the P steps the model runs on the
  whole grown history (full recompute, no cache), the scaler is RECOMPUTED on that history
  (the drawn values count as observed), and one value per path is drawn from the last token.
- ``sample_fast``: a DIFFERENT model of the future. The scaler is FROZEN after the context (its
  loc/scale are those of the context window for every step), which makes a key/value cache
  exact: the context is encoded once per series, and each step runs one token per path. Its
  paths equal a full recompute under frozen-scaler semantics, not the reference paths (after the
  first step, they differ in distribution whenever the drawn values would move the median or the
  inter-quartile range of the window).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor

from kinemyo.models.lagllama.cache import KVCache
from kinemyo.models.lagllama.features import default_timestamps, robust_scaler, time_features
from kinemyo.models.student_t import student_t_sample

if TYPE_CHECKING:
    from kinemyo.models.lagllama.network import LagLlamaNetwork


def future_timestamps(
    net: LagLlamaNetwork, past_values: Tensor, timestamps: Tensor | None, horizon: int
) -> Tensor:
    """(B, P) float64 timestamps of the P future values.

    Given timestamps continue with their last step (``time_step_s`` when only one is given);
    otherwise the default clock continues (value ``L + k`` at ``(L + k) * time_step_s``).
    """
    b, length = past_values.shape
    if timestamps is None:
        return default_timestamps(b, length + horizon, net.time_step_s, past_values.device)[
            :, length:
        ]
    stamps = timestamps.to(torch.float64).expand(b, length)
    step = (
        stamps[:, -1:] - stamps[:, -2:-1]
        if length >= 2
        else torch.full((b, 1), net.time_step_s, dtype=torch.float64, device=stamps.device)
    )
    ahead = torch.arange(1, horizon + 1, dtype=torch.float64, device=stamps.device)[None, :]
    return stamps[:, -1:] + step.to(torch.float64) * ahead


def _setup(
    net: LagLlamaNetwork,
    past_values: Tensor,
    horizon: int,
    past_observed: Tensor | None,
    context_length: int | None,
    timestamps: Tensor | None,
) -> tuple[Tensor, Tensor, Tensor, int]:
    """Window values/observed (B, W), token time features (B, C + P, 6), C."""
    if horizon < 1:
        raise ValueError("horizon must be >= 1")
    win = net.window(
        past_values, past_observed, context_length=context_length, timestamps=timestamps
    )
    stamps = torch.cat(
        (win.timestamps, future_timestamps(net, past_values, timestamps, horizon)), dim=1
    )
    feats = time_features(stamps[:, net.max_lag :])
    return win.values, win.observed, feats, win.values.shape[1] - net.max_lag


@torch.no_grad()
def sample_reference(
    net: LagLlamaNetwork,
    past_values: Tensor,
    horizon: int,
    num_samples: int,
    *,
    generator: torch.Generator | None = None,
    past_observed: Tensor | None = None,
    context_length: int | None = None,
    timestamps: Tensor | None = None,
) -> Tensor:
    """Reference decoding (official semantics): scaler recomputed every step, full recompute.

    Args:
        past_values: (B, L); see ``LagLlamaNetwork`` for the window convention.
        horizon: P steps. num_samples: S paths per series.

    Returns:
        (B, S, P) sample paths in data units.
    """
    values, observed, feats, n_ctx = _setup(
        net, past_values, horizon, past_observed, context_length, timestamps
    )
    b = values.shape[0]
    values = values.repeat_interleave(num_samples, dim=0)
    observed = observed.repeat_interleave(num_samples, dim=0)
    feats = feats.repeat_interleave(num_samples, dim=0)
    out = torch.empty(b * num_samples, horizon)
    for step in range(horizon):
        loc, scale = robust_scaler(values, observed, zero_iqr_guard=net.zero_iqr_guard)
        n_tok = n_ctx + step
        x = net.tokens((values - loc) / scale, loc, scale, n_tok, feats[:, :n_tok])
        h = net.hidden(x)[:, -1:]
        df, mu, sigma = (p[:, 0] for p in net.param_proj(h))
        y = loc[:, 0] + scale[:, 0] * student_t_sample(df, mu, sigma, generator)
        out[:, step] = y
        values = torch.cat((values, y[:, None]), dim=1)
        observed = torch.cat((observed, torch.ones_like(observed[:, :1])), dim=1)
    return out.view(b, num_samples, horizon)


@torch.no_grad()
def sample_fast(
    net: LagLlamaNetwork,
    past_values: Tensor,
    horizon: int,
    num_samples: int,
    *,
    generator: torch.Generator | None = None,
    past_observed: Tensor | None = None,
    context_length: int | None = None,
    timestamps: Tensor | None = None,
) -> Tensor:
    """Fast decoding: scaler FROZEN after the context + exact key/value cache.

    This is a DIFFERENT model of the future from the reference (the scaler is not recomputed on
    the drawn values); for that model the cache is exact (equal to a full recompute). The context
    is encoded once per series, then each step runs one token for all ``B * S`` paths.

    Args:
        past_values: (B, L); see ``LagLlamaNetwork`` for the window convention.
        horizon: P steps. num_samples: S paths per series.

    Returns:
        (B, S, P) sample paths in data units.
    """
    values, observed, feats, n_ctx = _setup(
        net, past_values, horizon, past_observed, context_length, timestamps
    )
    b, width = values.shape
    loc, scale = robust_scaler(values, observed, zero_iqr_guard=net.zero_iqr_guard)
    scaled = (values - loc) / scale
    x = net.tokens(scaled, loc, scale, n_ctx, feats[:, :n_ctx])
    cache = KVCache(net.n_layer, b, net.n_head, n_ctx + horizon, net.head_dim, device=values.device)
    df, mu, sigma = (p[:, -1].repeat_interleave(num_samples) for p in net.distribution(x, 0, cache))
    cache = cache.repeat_interleave(num_samples, horizon)
    n = b * num_samples
    loc = loc.repeat_interleave(num_samples, dim=0)
    scale = scale.repeat_interleave(num_samples, dim=0)
    feats = feats.repeat_interleave(num_samples, dim=0)
    history = torch.empty(n, width + horizon)
    history[:, :width] = scaled.repeat_interleave(num_samples, dim=0)
    for step in range(horizon):
        history[:, width + step] = student_t_sample(df, mu, sigma, generator)
        if step == horizon - 1:
            break
        pos = n_ctx + step
        token = net.tokens(history[:, : width + step + 1], loc, scale, 1, feats[:, pos : pos + 1])
        df, mu, sigma = (p[:, 0] for p in net.distribution(token, pos, cache))
    return (loc + scale * history[:, width:]).view(b, num_samples, horizon)
