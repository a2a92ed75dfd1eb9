"""xLSTMTime (Alharthi & Mahmood, 2024) adapted to causal per-step regression over TIME.

The reference forecaster normalises each instance (RevIN), splits the series into a trend (centred
moving average, kernel 25) and a seasonal part (series - trend), maps each part with a linear
layer, sums them, runs an xLSTM stack over the CHANNEL axis, maps with a linear head and
de-normalises. For sEMG features -> joint angles/moments every step needs an output from that
step and the ones before it, so here:

- The xLSTM stack runs over time (steps are the sequence), as every network of
  :mod:`kinemyo.models.networks`: (B, T, n_inputs) -> (B, T, n_outputs).
- Trend: the TRAILING moving average over the last ``ma_kernel`` steps (default 25),
  trend_t = mean(x_{t-K+1}, ..., x_t), the first step repeated before the start (the reference
  pads its centred average by repeating the edge steps; a centred average reads K // 2 future
  steps). Seasonal_t = x_t - trend_t. ``step`` keeps the last K - 1 inputs.
- Embedding: Linear(n_inputs -> hidden) on the trend plus one on the seasonal part, per step.
- No instance normalisation. RevIN's statistics are those of the whole input window, i.e. future
  steps, and its de-normalisation puts the forecast back in the scale of the input channels,
  which does not apply when the outputs (joint angles/moments) are other quantities than the
  inputs (sEMG features). The inputs and targets are already standardised with training-set
  statistics upstream, so a per-sequence causal (running) normalisation would only add noise from
  the few steps seen early in each sequence and make one sequence's scale change its outputs.
- Then the xLSTM stack (default xLSTM[1:1], alternating mLSTM and sLSTM blocks), its final
  LayerNorm and Linear(hidden -> n_outputs). (The reference's L1 loss, Adam and one-cycle
  schedule are training choices, not part of the network.)
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

import torch
from torch import nn
from torch.nn.functional import avg_pool1d

from kinemyo.models.networks.base import Depth, Factor, Features, Steps, Width, register_network
from kinemyo.models.networks.xlstm import ForgetGate, Ratio, XLSTMStackNetwork


class CausalDecomposition(nn.Module):
    """Per-step embedding W_t trend_t + W_s (x_t - trend_t), trend_t the trailing mean of the
    last ``kernel`` steps (the first step repeated before the start).

    Shapes: (B, T, n_inputs) -> (B, T, hidden); state: the last K - 1 inputs (B, K-1, n_inputs)
    and whether a step was taken (B, 1, 1), 0 or 1.
    """

    def __init__(self, n_inputs: int, hidden: int, kernel: int) -> None:
        super().__init__()
        self.kernel = kernel
        self.trend_proj = nn.Linear(n_inputs, hidden)
        self.seasonal_proj = nn.Linear(n_inputs, hidden)

    def _run(self, x: torch.Tensor, past: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, n) after ``past`` (None: the first step repeated) -> (B, T, hidden), history."""
        if past is None:
            past = x[:, :1].expand(-1, self.kernel - 1, -1)
        padded = torch.cat([past, x], dim=1)
        trend = avg_pool1d(padded.transpose(1, 2), self.kernel, stride=1).transpose(1, 2)
        embedded = self.trend_proj(trend) + self.seasonal_proj(x - trend)
        return embedded, padded[:, padded.shape[1] - (self.kernel - 1) :]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._run(x, None)[0]

    def initial_state(self, batch: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Zero history (B, K-1, n) and ``started`` (B, 1, 1) zeros: before the first step the
        history is not read (the first step stands in for it), so the state keeps one form
        from the start (an exported ONNX step carries it as inputs)."""
        like = self.trend_proj.weight
        history = like.new_zeros(batch, self.kernel - 1, self.trend_proj.in_features)
        return history, like.new_zeros(batch, 1, 1)

    def step(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """(B, n) and (history, started) -> (B, hidden) and the next (history, started)."""
        history, started = state
        first = x[:, None].expand(-1, self.kernel - 1, -1)
        y, history = self._run(x[:, None], torch.where(started > 0, history, first))
        return y[:, 0], (history, torch.ones_like(started))


@register_network
class XLSTMTimeNetwork(XLSTMStackNetwork):
    """Causal xLSTMTime over time: :class:`CausalDecomposition`, xLSTM stack, Linear head.

    Args:
        ma_kernel: steps of the trailing moving average (>= 1; 1 makes the trend x itself).
        ratio, pattern, heads, conv_kernel, mlstm_proj_factor, slstm_proj_factor, forget_gate:
            the xLSTM stack, see :class:`~kinemyo.models.networks.xlstm.XLSTMStackNetwork`.
    """

    name: ClassVar[str] = "xlstmtime"

    def __init__(
        self,
        n_inputs: Features,
        n_outputs: Features,
        hidden: Width = 32,
        layers: Depth = 2,
        *,
        ma_kernel: Steps = 25,
        ratio: Ratio = (1, 1),
        pattern: str | None = None,
        heads: Width | None = None,
        conv_kernel: Steps = 4,
        mlstm_proj_factor: Factor = 2.0,
        slstm_proj_factor: Factor = 4 / 3,
        forget_gate: ForgetGate = "sigmoid",
    ) -> None:
        super().__init__(
            n_inputs,
            n_outputs,
            hidden,
            layers,
            ratio=ratio,
            pattern=pattern,
            heads=heads,
            conv_kernel=conv_kernel,
            mlstm_proj_factor=mlstm_proj_factor,
            slstm_proj_factor=slstm_proj_factor,
            forget_gate=forget_gate,
            embedding=partial(CausalDecomposition, kernel=ma_kernel),
        )
