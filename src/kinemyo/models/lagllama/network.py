"""The Lag-Llama network: lag tokens -> 8 pre-norm LLaMA blocks -> Student-t parameters.

Parameter names and shapes match the official checkpoint (after stripping ``model.``), so its
state_dict loads with ``strict=True``. Shapes: ``B`` series, ``L`` given values, ``T`` tokens,
``E = n_head * n_embd_per_head`` (144), ``H`` heads, ``D`` head dim (16).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn
from torch.nn.functional import pad, scaled_dot_product_attention, silu

from kinemyo.models.lagllama.cache import KVCache, SharedPrefixKVCache
from kinemyo.models.lagllama.features import (
    LAGS,
    N_TIME_FEATURES,
    default_timestamps,
    lag_features,
    robust_scaler,
    time_features,
)
from kinemyo.models.lagllama.settings import LagLlamaSettings
from kinemyo.models.student_t import student_t_log_prob, student_t_parameters

Cache = KVCache | SharedPrefixKVCache


class StudentTParams(NamedTuple):
    """Per-token Student-t parameters in the scaled space, plus the scaler.

    ``df``, ``loc``, ``scale``: (B, T). ``scaler_loc``, ``scaler_scale``: (B, 1). The predictive
    distribution in data units is ``scaler_loc + scaler_scale * StudentT(df, loc, scale)``.
    """

    df: Tensor
    loc: Tensor
    scale: Tensor
    scaler_loc: Tensor
    scaler_scale: Tensor


class Window(NamedTuple):
    """A left-padded/cropped history: ``values``, ``observed`` (bool), ``timestamps`` (float64,
    NaN where padded), each (B, max_lag + T)."""

    values: Tensor
    observed: Tensor
    timestamps: Tensor


class RMSNorm(nn.Module):
    """``x * rsqrt(mean(x^2) + eps) * scale`` with the mean of squares in float32."""

    def __init__(self, size: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.scale = nn.Parameter(torch.ones(size))

    def forward(self, x: Tensor) -> Tensor:
        ms = x.float().pow(2).mean(dim=-1, keepdim=True)
        return (x.float() * torch.rsqrt(ms + self.eps)).to(x.dtype) * self.scale


class RotaryEmbedding(nn.Module):
    """Rotary position embedding, rotate-half convention, with optional linear scaling.

    ``inv_freq = 1 / base^(arange(0, D, 2) / D)``; the angle of position ``p`` is
    ``(p / factor) * inv_freq``, repeated as ``cat(freqs, freqs)`` over the head dim.
    The buffer is not persistent (not in the state_dict).
    """

    def __init__(self, head_dim: int, base: float = 10000.0, factor: float = 1.0) -> None:
        super().__init__()
        self.factor = float(factor)
        inv_freq = 1.0 / base ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def positions(self, start: int, length: int) -> Tensor:
        """(length,) float32 scaled positions ``(start .. start+length-1) / factor``."""
        return torch.arange(start, start + length, dtype=torch.float32) / self.factor

    def cos_sin(self, start: int, length: int) -> tuple[Tensor, Tensor]:
        """cos and sin, each (length, D)."""
        freqs = torch.outer(self.positions(start, length), self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos(), emb.sin()

    @staticmethod
    def rotate(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
        """Rotate x (..., T, D) by the angles in cos/sin (T, D)."""
        half = x.shape[-1] // 2
        rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
        return x * cos.to(x.dtype) + rotated * sin.to(x.dtype)


class CausalSelfAttention(nn.Module):
    """Causal attention with RoPE: q_proj, kv_proj (keys, then values), c_proj; no bias."""

    def __init__(self, n_embd: int, n_head: int, rope: RotaryEmbedding) -> None:
        super().__init__()
        self.n_head = n_head
        self.head_dim = n_embd // n_head
        self.q_proj = nn.Linear(n_embd, n_embd, bias=False)
        self.kv_proj = nn.Linear(n_embd, 2 * n_embd, bias=False)
        self.c_proj = nn.Linear(n_embd, n_embd, bias=False)
        self.rope = rope

    def forward(
        self, x: Tensor, start: int = 0, cache: Cache | None = None, layer: int = 0
    ) -> Tensor:
        """x (N, T, E) at positions ``start .. start+T-1`` -> (N, T, E).

        With a ``cache`` holding positions ``0 .. start-1`` (keys after RoPE) for this ``layer``,
        the new keys/values are stored in it and attention covers all ``start + T`` positions.
        Without a cache, ``start`` must be 0.
        """
        n, t, e = x.shape
        q = self.q_proj(x).view(n, t, self.n_head, self.head_dim).transpose(1, 2)
        k, v = self.kv_proj(x).split(e, dim=-1)
        k = k.view(n, t, self.n_head, self.head_dim).transpose(1, 2)
        v = v.view(n, t, self.n_head, self.head_dim).transpose(1, 2)
        cos, sin = self.rope.cos_sin(start, t)
        q = self.rope.rotate(q, cos, sin)
        k = self.rope.rotate(k, cos, sin)
        if cache is not None:
            y = cache.attend(layer, q, k, v, start)
        elif start != 0:
            raise ValueError("start > 0 needs a key/value cache")
        else:
            scale = 1.0 / math.sqrt(self.head_dim)
            y = scaled_dot_product_attention(q, k, v, is_causal=True, scale=scale)
        return self.c_proj(y.transpose(1, 2).reshape(n, t, e))


class SwiGLU(nn.Module):
    """``c_proj(silu(c_fc1(x)) * c_fc2(x))``, no bias."""

    def __init__(self, n_embd: int, hidden: int = 512) -> None:
        super().__init__()
        self.c_fc1 = nn.Linear(n_embd, hidden, bias=False)
        self.c_fc2 = nn.Linear(n_embd, hidden, bias=False)
        self.c_proj = nn.Linear(hidden, n_embd, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.c_proj(silu(self.c_fc1(x)) * self.c_fc2(x))


class Block(nn.Module):
    """Pre-norm block: ``x + attn(rms_1(x))`` then ``x + mlp(rms_2(x))``."""

    def __init__(self, n_embd: int, n_head: int, rope: RotaryEmbedding) -> None:
        super().__init__()
        self.rms_1 = RMSNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, rope)
        self.rms_2 = RMSNorm(n_embd)
        self.mlp = SwiGLU(n_embd)

    def forward(
        self, x: Tensor, start: int = 0, cache: Cache | None = None, layer: int = 0
    ) -> Tensor:
        x = x + self.attn(self.rms_1(x), start, cache, layer)
        return x + self.mlp(self.rms_2(x))


class StudentTHead(nn.Module):
    """Three Linear(E -> 1) heads in the order df, loc, scale (``param_proj.proj.{0,1,2}``)."""

    def __init__(self, n_embd: int) -> None:
        super().__init__()
        self.proj = nn.ModuleList([nn.Linear(n_embd, 1) for _ in range(3)])

    def forward(self, h: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """h (N, T, E) -> df, loc, scale, each (N, T) (see :func:`student_t_parameters`)."""
        return student_t_parameters(*(p(h).squeeze(-1) for p in self.proj))


class LagLlamaNetwork(nn.Module):
    """Lag-Llama, compatible with the official checkpoint (``strict=True`` after stripping
    ``model.``).

    Token ``t`` holds the value ``x[t]`` and predicts ``x[t+1]``. Its 92 inputs: the 84 scaled
    lagged values ``x[t - lag]``, ``log1p(|scaler_loc|)``, ``log(scaler_scale)`` and 6 time
    features. The robust scaler runs over the whole window of ``T + max(lags)`` values.

    Window convention (``features``, ``forward``, ``nll``, ``sample``): with
    ``context_length=None`` every given value becomes a token (T = L); with ``context_length=C``
    the tokens are the last C values and the window is the last ``C + max(lags)`` values. Missing
    history is left-padded with 0, marked unobserved: the zeros enter the lag features, only the
    scaler ignores them, and padded tokens get 0 time features.

    Time features: from ``timestamps`` (POSIX seconds, UTC, one per value) when given; otherwise
    a regular clock, value ``i`` of ``past_values`` at ``i * time_step_s`` seconds (default 1 s)
    counted from 1970-01-01 00:00:00 UTC.

    Args:
        context_length, max_context_length, num_parallel_samples: the checkpoint's settings,
            kept as attributes (``num_parallel_samples`` is the default ``num_samples``).
        lags: lag offsets (84 in the checkpoint).
        n_layer, n_head, n_embd_per_head: transformer size (8, 9, 16 in the checkpoint).
        rope_scaling: linear RoPE factor: ``None`` (1), a number, or ``{"type": "linear",
            "factor": f}``. Scaled positions are ``positions / factor``.
        time_feat: whether the 6 time features are inputs (92 inputs, else 86).
        dropout: accepted for compatibility; only 0 is supported.
        zero_iqr_guard: see ``features.robust_scaler`` (True deviates from the official scaler
            only for series whose inter-quartile range is 0).
        time_step_s: the default clock's step in seconds.

    Raises:
        KinemyoError: a setting of the wrong type or out of range, naming it (see
            :class:`~kinemyo.models.lagllama.settings.LagLlamaSettings`).
    """

    def __init__(
        self,
        *,
        context_length: int = 32,
        max_context_length: int = 2048,
        lags: Sequence[int] = LAGS,
        n_layer: int = 8,
        n_head: int = 9,
        n_embd_per_head: int = 16,
        rope_scaling: Mapping[str, Any] | float | None = None,
        time_feat: bool = True,
        dropout: float = 0.0,
        num_parallel_samples: int = 100,
        zero_iqr_guard: bool = True,
        time_step_s: float = 1.0,
    ) -> None:
        super().__init__()
        config = LagLlamaSettings(
            context_length=context_length,
            max_context_length=max_context_length,
            lags=lags,
            n_layer=n_layer,
            n_head=n_head,
            n_embd_per_head=n_embd_per_head,
            rope_scaling=rope_scaling,
            time_feat=time_feat,
            dropout=dropout,
            num_parallel_samples=num_parallel_samples,
            zero_iqr_guard=zero_iqr_guard,
            time_step_s=time_step_s,
        )
        self._settings = {**asdict(config), "lags": list(config.lags)}
        self.lags = config.lags
        self.max_lag = max(self.lags)
        self.context_length = context_length
        self.max_context_length = max_context_length
        self.num_parallel_samples = num_parallel_samples
        self.use_time_feat = time_feat
        self.zero_iqr_guard = zero_iqr_guard
        self.time_step_s = time_step_s
        self.n_layer, self.n_head, self.head_dim = n_layer, n_head, n_embd_per_head
        n_embd = n_head * n_embd_per_head
        self.n_inputs = len(self.lags) + 2 + (N_TIME_FEATURES if time_feat else 0)
        self.rope = RotaryEmbedding(n_embd_per_head, factor=config.rope_factor)
        self.transformer = nn.ModuleDict(
            {
                "wte": nn.Linear(self.n_inputs, n_embd),
                "h": nn.ModuleList([Block(n_embd, n_head, self.rope) for _ in range(n_layer)]),
                "ln_f": RMSNorm(n_embd),
            }
        )
        self.param_proj = StudentTHead(n_embd)

    # ------------------------------------------------------------------ inputs
    def window(
        self,
        past_values: Tensor,
        past_observed: Tensor | None = None,
        *,
        context_length: int | None = None,
        timestamps: Tensor | None = None,
    ) -> Window:
        """Crop/left-pad the history to ``T + max_lag`` values (see the class docstring).

        Args:
            past_values: (B, L). past_observed: (B, L) mask, default all observed.
            timestamps: (B, L) or (L,) seconds, default the regular clock.

        Returns:
            ``Window`` of (B, max_lag + T) tensors.
        """
        if past_values.dim() != 2:
            raise ValueError(f"past_values must be (B, L), got {tuple(past_values.shape)}")
        b, length = past_values.shape
        values = past_values.float()
        observed = (
            torch.ones_like(values, dtype=torch.bool)
            if past_observed is None
            else past_observed.bool().expand(b, length)
        )
        if timestamps is None:
            stamps = default_timestamps(b, length, self.time_step_s, past_values.device)
        else:
            stamps = timestamps.to(torch.float64).expand(b, length)
        n_tokens = length if context_length is None else context_length
        width = n_tokens + self.max_lag
        if length >= width:
            return Window(values[:, -width:], observed[:, -width:], stamps[:, -width:])
        n_pad = width - length
        return Window(
            pad(values, (n_pad, 0)),
            pad(observed, (n_pad, 0), value=False),
            pad(stamps, (n_pad, 0), value=float("nan")),
        )

    def tokens(
        self, scaled: Tensor, loc: Tensor, scale: Tensor, n_tokens: int, time_feat: Tensor | None
    ) -> Tensor:
        """Token inputs (B, T, n_inputs) from a scaled history (B, >= T + max_lag).

        ``time_feat``: (B, T, 6) for the tokens (ignored when ``time_feat=False``).
        """
        lagged = lag_features(scaled, self.lags, n_tokens)
        static = torch.cat((loc.abs().log1p(), scale.log()), dim=-1)  # (B, 2)
        parts = [lagged, static[:, None, :].expand(-1, n_tokens, -1)]
        if self.use_time_feat:
            if time_feat is None:
                raise ValueError("time features are required when time_feat=True")
            parts.append(time_feat.to(lagged.dtype))
        return torch.cat(parts, dim=-1)

    def settings(self) -> dict[str, Any]:
        """The constructor arguments (JSON-able): ``LagLlamaNetwork(**settings())`` rebuilds it."""
        return dict(self._settings)

    def features(
        self,
        past_values: Tensor,
        past_observed: Tensor | None = None,
        past_time_feat: Tensor | None = None,
        *,
        context_length: int | None = None,
        timestamps: Tensor | None = None,
    ) -> Tensor:
        """The (B, T, 92) token inputs (84 lags, 2 scaler features, 6 time features).

        ``past_time_feat`` (B, T, 6), when given, is used as is for the tokens' time features.
        """
        return self._prepare(
            past_values, past_observed, past_time_feat, context_length, timestamps
        )[0]

    def _prepare(
        self,
        past_values: Tensor,
        past_observed: Tensor | None,
        past_time_feat: Tensor | None,
        context_length: int | None,
        timestamps: Tensor | None,
    ) -> tuple[Tensor, Tensor, Tensor, Window]:
        win = self.window(
            past_values, past_observed, context_length=context_length, timestamps=timestamps
        )
        n_tokens = win.values.shape[1] - self.max_lag
        loc, scale = robust_scaler(win.values, win.observed, zero_iqr_guard=self.zero_iqr_guard)
        if past_time_feat is None:
            past_time_feat = time_features(win.timestamps[:, self.max_lag :])
        x = self.tokens((win.values - loc) / scale, loc, scale, n_tokens, past_time_feat)
        return x, loc, scale, win

    # --------------------------------------------------------------- transformer
    def hidden(self, x: Tensor, start: int = 0, cache: Cache | None = None) -> Tensor:
        """Token inputs (N, T, n_inputs) at positions ``start ..`` -> final states (N, T, E)."""
        h = self.transformer["wte"](x)
        for i, block in enumerate(self.transformer["h"]):
            h = block(h, start, cache, i)
        if cache is not None:
            cache.length = start + x.shape[1]
        return self.transformer["ln_f"](h)

    def distribution(
        self, x: Tensor, start: int = 0, cache: Cache | None = None
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Token inputs (N, T, n_inputs) -> Student-t (df, loc, scale), each (N, T), scaled."""
        return self.param_proj(self.hidden(x, start, cache))

    def forward(
        self,
        past_values: Tensor,
        past_observed: Tensor | None = None,
        past_time_feat: Tensor | None = None,
        *,
        context_length: int | None = None,
        timestamps: Tensor | None = None,
    ) -> StudentTParams:
        """past_values (B, L) -> ``StudentTParams``: token ``t``'s distribution of ``x[t+1]``."""
        x, loc, scale, _ = self._prepare(
            past_values, past_observed, past_time_feat, context_length, timestamps
        )
        df, mu, sigma = self.distribution(x)
        return StudentTParams(df, mu, sigma, loc, scale)

    # ------------------------------------------------------------------ training
    def nll(
        self,
        past_values: Tensor,
        future_values: Tensor,
        past_observed: Tensor | None = None,
        future_observed: Tensor | None = None,
        *,
        context_length: int | None = None,
        timestamps: Tensor | None = None,
    ) -> Tensor:
        """Teacher-forced mean negative log-likelihood (data units), a scalar.

        Tokens: the C context values then ``future[:-1]`` (C + P - 1 tokens); targets: the last
        C - 1 context values then the P future values. The scaler comes from the context window
        only. The NLL is summed over observed targets and divided by their count.

        Args:
            past_values: (B, L). future_values: (B, P). Masks: same shapes, default observed.
            timestamps: (B, L + P) or (L + P,) seconds for past then future values.
        """
        b, length = past_values.shape
        horizon = future_values.shape[1]
        past_stamps = None if timestamps is None else timestamps[..., :length]
        win = self.window(
            past_values, past_observed, context_length=context_length, timestamps=past_stamps
        )
        width = win.values.shape[1]
        n_ctx = width - self.max_lag
        future = future_values.float()
        fut_obs = (
            torch.ones_like(future, dtype=torch.bool)
            if future_observed is None
            else future_observed.bool().expand(b, horizon)
        )
        if timestamps is None:
            fut_stamps = default_timestamps(
                b, length + horizon, self.time_step_s, past_values.device
            )[:, length:]
        else:
            fut_stamps = timestamps.to(torch.float64).expand(b, length + horizon)[:, length:]
        loc, scale = robust_scaler(win.values, win.observed, zero_iqr_guard=self.zero_iqr_guard)
        history = torch.cat((win.values, future[:, :-1]), dim=1)
        stamps = torch.cat((win.timestamps, fut_stamps[:, :-1]), dim=1)
        n_tokens = n_ctx + horizon - 1
        x = self.tokens(
            (history - loc) / scale, loc, scale, n_tokens, time_features(stamps[:, self.max_lag :])
        )
        df, mu, sigma = self.distribution(x)
        targets = torch.cat((win.values[:, width - n_ctx + 1 :], future), dim=1)
        mask = torch.cat((win.observed[:, width - n_ctx + 1 :], fut_obs), dim=1)
        log_p = student_t_log_prob((targets - loc) / scale, df, mu, sigma) - scale.log()
        log_p = torch.where(mask, log_p, torch.zeros_like(log_p))
        return -log_p.sum() / mask.sum().clamp_min(1)

    # ------------------------------------------------------------------ sampling
    def sample(
        self,
        past_values: Tensor,
        horizon: int,
        num_samples: int | None = None,
        mode: str = "reference",
        generator: torch.Generator | None = None,
        *,
        past_observed: Tensor | None = None,
        context_length: int | None = None,
        timestamps: Tensor | None = None,
    ) -> Tensor:
        """Autoregressive sample paths (B, num_samples, horizon) in data units.

        ``mode="reference"``: the official semantics, scaler recomputed on the grown history at
        every step and a full recompute (slow). ``mode="fast"``: scaler FROZEN after the context
        plus an exact key/value cache -- a DIFFERENT model of the future (see
        ``sampling.sample_fast``). ``timestamps`` (B, L) or (L,) cover the past values; future
        ones continue with the last step (the default clock otherwise).
        """
        from kinemyo.models.lagllama.sampling import sample_fast, sample_reference

        num = self.num_parallel_samples if num_samples is None else num_samples
        fn = {"reference": sample_reference, "fast": sample_fast}.get(mode)
        if fn is None:
            raise ValueError(f"mode must be 'reference' or 'fast', not {mode!r}")
        return fn(
            self,
            past_values,
            horizon,
            num,
            generator=generator,
            past_observed=past_observed,
            context_length=context_length,
            timestamps=timestamps,
        )
