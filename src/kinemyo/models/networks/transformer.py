"""Causal Transformer encoder: projected inputs, sinusoidal positions, masked self-attention.

Layout: ``Linear(n_inputs -> hidden)``, plus the sinusoidal encoding of the absolute step index
(Vaswani et al. 2017), then ``nn.TransformerEncoder`` (pre-norm layers, GELU feed-forward, a final
LayerNorm) under a causal attention mask, then ``Linear(hidden -> n_outputs)``.

Context: in every layer, position t attends to positions ``max(0, t - max_length + 1) .. t``.
With ``context="error"`` (the default) a sequence longer than ``max_length`` steps is refused
(``forward`` raises, and so does ``step`` once ``max_length`` steps have been taken; start again
from ``initial_state``), so every position sees the whole sequence up to itself. With
``context="sliding"`` sequences of any length are accepted and every position attends to its
``max_length`` most recent positions (itself included) in each layer; stacked, the output at t
depends on the inputs at ``t - layers * (max_length - 1) .. t``. The sinusoidal encoding is
defined for every step index, but indices beyond the longest training sequence are
extrapolations the network never saw. In both modes no position ever attends to a later one.

Streaming: ``step`` keeps, per layer, a key/value cache of the last ``max_length`` positions
(B, heads, n, hidden / heads). A step projects the new position's query, key and value, appends
the key and value to the cache and attends with the single new query: per layer O(hidden**2) for
the projections and feed-forward plus O(n * hidden) for the attention, n = min(t + 1,
``max_length``); the cache holds 2 * layers * n * hidden numbers per sequence. ``forward`` over T
steps costs O(T * min(T, max_length) * hidden) per layer for the attention (the full T x T score
matrix is formed and masked).
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal, NamedTuple

import torch
from torch import nn
from torch.nn.functional import linear, scaled_dot_product_attention

from kinemyo.errors import KinemyoError
from kinemyo.models.networks.base import (
    Depth,
    Dropout,
    Factor,
    Features,
    SequenceNetwork,
    Steps,
    Width,
    register_network,
)

Context = Literal["error", "sliding"]


class TransformerState(NamedTuple):
    """What ``TransformerNetwork.step`` carries between steps.

    Attributes:
        position: index of the next step (0 before the first); an int, or a 0-d int64 tensor
            (as in an exported ONNX step, where it is a state input).
        keys: per layer, the cached keys (B, heads, n, hidden / heads), n <= max_length.
        values: per layer, the cached values, same shapes as ``keys``.
    """

    position: int | torch.Tensor
    keys: list[torch.Tensor]
    values: list[torch.Tensor]


def sinusoidal_encoding(positions: torch.Tensor, width: int) -> torch.Tensor:
    """Sinusoidal position encoding: (n,) step indices -> (n, width), float64.

    Column 2i holds ``sin(p / 10000**(2i / width))`` and column 2i + 1 the cosine of the same angle.
    """
    index = torch.arange(width, device=positions.device)
    even = index - index % 2
    frequency = torch.exp(even.to(torch.float64) * (-math.log(10000.0) / width))
    angle = positions.to(torch.float64)[:, None] * frequency[None, :]
    return torch.where(index % 2 == 0, torch.sin(angle), torch.cos(angle))


@register_network
class TransformerNetwork(SequenceNetwork):
    """Causal Transformer encoder regressor (see the module docstring for context and cost).

    Args:
        n_inputs: features per step.
        n_outputs: targets per step.
        hidden: model width (the attention and residual width).
        layers: number of encoder layers.
        heads: attention heads; must divide ``hidden``. Default 4.
        ff_factor: feed-forward width as a multiple of ``hidden`` (> 0). Default 4.
        dropout: dropout probability in the attention and feed-forward sublayers, in [0, 1).
            Default 0.
        max_length: the longest context, in steps (>= 1). Default 512.
        context: "error" (refuse sequences longer than ``max_length``, the default) or "sliding"
            (attend to the ``max_length`` most recent steps).

    Shapes: ``forward`` (B, T, n_inputs) -> (B, T, n_outputs); ``step`` (B, n_inputs) ->
    (B, n_outputs), with a :class:`TransformerState`.
    """

    name: ClassVar[str] = "transformer"

    def __init__(
        self,
        n_inputs: Features,
        n_outputs: Features,
        hidden: Width = 32,
        layers: Depth = 2,
        *,
        heads: Width = 4,
        ff_factor: Factor = 4.0,
        dropout: Dropout = 0.0,
        max_length: Steps = 512,
        context: Context = "error",
    ) -> None:
        super().__init__(n_inputs, n_outputs, hidden, layers)
        if self.hidden % heads:
            raise ValueError(f"'heads' ({heads}) must divide 'hidden' ({self.hidden})")
        self.heads, self.ff_factor, self.dropout = int(heads), float(ff_factor), float(dropout)
        self.max_length, self.context = int(max_length), context
        self.projection = nn.Linear(self.n_inputs, self.hidden)
        layer = nn.TransformerEncoderLayer(
            self.hidden,
            self.heads,
            dim_feedforward=max(1, round(self.ff_factor * self.hidden)),
            dropout=self.dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(
            layer, self.layers, norm=nn.LayerNorm(self.hidden), enable_nested_tensor=False
        )
        self.head = nn.Linear(self.hidden, self.n_outputs)

    def _too_long(self, steps: int) -> KinemyoError:
        return KinemyoError(
            f"TransformerNetwork: {steps} steps exceed max_length={self.max_length} with "
            "context='error'; raise max_length, split the sequence, or use context='sliding'."
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, n_inputs) -> (B, T, n_outputs); T <= max_length unless context is "sliding"."""
        steps = x.shape[1]
        if self.context == "error" and steps > self.max_length:
            raise self._too_long(steps)
        positions = torch.arange(steps, device=x.device)
        h = self.projection(x) + sinusoidal_encoding(positions, self.hidden).to(x.dtype)
        lag = positions[:, None] - positions[None, :]
        masked = (lag < 0) | (lag >= self.max_length)
        return self.head(self.encoder(h, mask=masked))

    def initial_state(self, batch: int) -> TransformerState:
        """Position 0 and empty key/value caches (batch, heads, 0, hidden / heads)."""
        weight = self.head.weight
        empty = weight.new_zeros(batch, self.heads, 0, self.hidden // self.heads)
        return TransformerState(0, [empty] * self.layers, [empty] * self.layers)

    def step(
        self, x: torch.Tensor, state: TransformerState
    ) -> tuple[torch.Tensor, TransformerState]:
        """(B, n_inputs) and the caches -> (B, n_outputs) and the updated caches."""
        if self.context == "error" and state.position >= self.max_length:
            raise self._too_long(state.position + 1)
        batch, width = x.shape[0], self.hidden
        position = torch.as_tensor(state.position, device=x.device).reshape(1)
        h = self.projection(x) + sinusoidal_encoding(position, width).to(x.dtype)
        keys, values = [], []
        for layer, past_keys, past_values in zip(
            self.encoder.layers, state.keys, state.values, strict=True
        ):
            attention = layer.self_attn
            qkv = linear(layer.norm1(h), attention.in_proj_weight, attention.in_proj_bias)
            q, k, v = (part.reshape(batch, self.heads, 1, -1) for part in qkv.chunk(3, dim=-1))
            k = torch.cat([past_keys, k], dim=2)[:, :, -self.max_length :]
            v = torch.cat([past_values, v], dim=2)[:, :, -self.max_length :]
            p = attention.dropout if self.training else 0.0
            attended = scaled_dot_product_attention(q, k, v, dropout_p=p).reshape(batch, width)
            h = h + layer.dropout1(attention.out_proj(attended))
            feed = layer.linear2(layer.dropout(layer.activation(layer.linear1(layer.norm2(h)))))
            h = h + layer.dropout2(feed)
            keys.append(k)
            values.append(v)
        out = self.head(self.encoder.norm(h))
        return out, TransformerState(state.position + 1, keys, values)
