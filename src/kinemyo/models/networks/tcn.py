"""Temporal convolutional network: causal dilated residual convolutions over time.

Layout (Bai, Kolter & Koltun 2018, "An empirical evaluation of generic convolutional and recurrent
networks for sequence modeling"): a per-step input projection ``Linear(n_inputs -> hidden)`` (a
1x1 convolution), ``layers`` residual blocks, and a per-step ``Linear(hidden -> n_outputs)`` head.
Block ``l`` (0-based) holds two causal convolutions of kernel ``k`` and dilation ``2**l``, each
followed by an optional normalisation, GELU and dropout, and adds its input back:
``x + drop(gelu(norm(conv2(drop(gelu(norm(conv1(x))))))))``.

Receptive field: each convolution sees ``(k - 1) * d + 1`` steps, so the output at step t depends
on the inputs at steps ``t - R + 1 .. t`` with ``R = 1 + 2 * (k - 1) * (2**layers - 1)`` (13 for
k = 3 and 2 layers); see :attr:`TCNNetwork.receptive_field`.

Streaming: before the first step every convolution is fed zeros on the left (as ``forward`` pads),
and ``step`` keeps, for each convolution, a buffer of its last ``(k - 1) * d`` inputs. A step
concatenates that buffer with the new input, applies the convolution to this one window (one
output) and drops the oldest column: memory and copying are O(R * hidden), the arithmetic is
O(layers * k * hidden**2) per step, and the outputs are those of ``forward``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

import torch
from pydantic import Field
from torch import nn
from torch.nn.functional import pad
from torch.nn.utils.parametrizations import weight_norm

from kinemyo.models.networks.base import (
    Depth,
    Dropout,
    Features,
    SequenceNetwork,
    Steps,
    Width,
    register_network,
)

Norm = Literal["weight", "layer", "none"]

BlockBuffers = tuple[torch.Tensor, torch.Tensor]
"""The input buffers of a block's two convolutions, each (B, hidden, (k - 1) * dilation)."""


class _ChannelLayerNorm(nn.LayerNorm):
    """LayerNorm over the channels of (B, C, T), separately at every step (hence causal)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.transpose(1, 2)).transpose(1, 2)


class _CausalConv(nn.Module):
    """Dilated Conv1d over time on (B, C, T), left zero-padded: same length and causal.

    Args:
        channels: input and output channels.
        kernel_size: taps of the convolution.
        dilation: spacing of the taps, in steps.
        norm: "weight" (weight normalisation of the kernel), "layer" (LayerNorm over channels
            after the convolution) or "none".
    """

    def __init__(self, channels: int, kernel_size: int, dilation: int, norm: Norm) -> None:
        super().__init__()
        conv = nn.Conv1d(channels, channels, kernel_size, dilation=dilation)
        self.conv = weight_norm(conv) if norm == "weight" else conv
        self.norm = _ChannelLayerNorm(channels) if norm == "layer" else nn.Identity()
        self.history = (kernel_size - 1) * dilation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T) -> (B, C, T)."""
        return self.norm(self.conv(pad(x, (self.history, 0))))

    def initial_buffer(self, batch: int, like: torch.Tensor) -> torch.Tensor:
        """The zeros ``forward`` pads with: (batch, C, history), dtype and device of ``like``."""
        return like.new_zeros(batch, self.conv.in_channels, self.history)

    def step(self, x: torch.Tensor, buffer: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, C) and the last ``history`` inputs (B, C, history) -> (B, C) and the next buffer."""
        window = torch.cat([buffer, x[:, :, None]], dim=2)
        return self.norm(self.conv(window))[:, :, 0], window[:, :, 1:]


class _TemporalBlock(nn.Module):
    """Two causal dilated convolutions with GELU and dropout, and a residual connection."""

    def __init__(
        self, channels: int, kernel_size: int, dilation: int, norm: Norm, dropout: float
    ) -> None:
        super().__init__()
        self.conv1 = _CausalConv(channels, kernel_size, dilation, norm)
        self.conv2 = _CausalConv(channels, kernel_size, dilation, norm)
        self.activation = nn.GELU()
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T) -> (B, C, T)."""
        h = self.dropout(self.activation(self.conv1(x)))
        return x + self.dropout(self.activation(self.conv2(h)))

    def initial_buffers(self, batch: int, like: torch.Tensor) -> BlockBuffers:
        return self.conv1.initial_buffer(batch, like), self.conv2.initial_buffer(batch, like)

    def step(self, x: torch.Tensor, buffers: BlockBuffers) -> tuple[torch.Tensor, BlockBuffers]:
        """(B, C) and the two convolutions' buffers -> (B, C) and the next buffers."""
        h, first = self.conv1.step(x, buffers[0])
        h = self.dropout(self.activation(h))
        h, second = self.conv2.step(h, buffers[1])
        return x + self.dropout(self.activation(h)), (first, second)


@register_network
class TCNNetwork(SequenceNetwork):
    """Causal temporal convolutional network (see the module docstring for the layout).

    Args:
        n_inputs: features per step.
        n_outputs: targets per step.
        hidden: channels of the projection and of every convolution.
        layers: number of residual blocks; block l has dilation 2**l.
        kernel_size: taps of every convolution (integer >= 2). Default 3.
        norm: "weight" (weight normalisation, the default), "layer" (LayerNorm over channels at
            every step) or "none".
        dropout: dropout probability after every convolution, in [0, 1). Default 0.

    Shapes: ``forward`` (B, T, n_inputs) -> (B, T, n_outputs); ``step`` (B, n_inputs) ->
    (B, n_outputs), with the state a list with, per block, the two convolutions' input buffers
    (B, hidden, (kernel_size - 1) * 2**l).
    """

    name: ClassVar[str] = "tcn"

    def __init__(
        self,
        n_inputs: Features,
        n_outputs: Features,
        hidden: Width = 32,
        layers: Depth = 2,
        *,
        kernel_size: Annotated[Steps, Field(ge=2)] = 3,
        norm: Norm = "weight",
        dropout: Dropout = 0.0,
    ) -> None:
        super().__init__(n_inputs, n_outputs, hidden, layers)
        self.kernel_size, self.norm = int(kernel_size), norm
        self.dropout = float(dropout)
        self.projection = nn.Linear(self.n_inputs, self.hidden)
        self.blocks = nn.ModuleList(
            _TemporalBlock(self.hidden, self.kernel_size, 2**level, norm, self.dropout)
            for level in range(self.layers)
        )
        self.head = nn.Linear(self.hidden, self.n_outputs)

    @property
    def receptive_field(self) -> int:
        """R: the output at step t depends on the inputs at steps t - R + 1 .. t only."""
        return 1 + 2 * (self.kernel_size - 1) * (2**self.layers - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, n_inputs) -> (B, T, n_outputs)."""
        h = self.projection(x).transpose(1, 2)
        for block in self.blocks:
            h = block(h)
        return self.head(h.transpose(1, 2))

    def initial_state(self, batch: int) -> list[BlockBuffers]:
        """Zero input buffers for every convolution (the left padding of ``forward``)."""
        like = self.head.weight
        return [block.initial_buffers(batch, like) for block in self.blocks]

    def step(
        self, x: torch.Tensor, state: list[BlockBuffers]
    ) -> tuple[torch.Tensor, list[BlockBuffers]]:
        """(B, n_inputs) and the buffers -> (B, n_outputs) and the next buffers."""
        h = self.projection(x)
        next_state = []
        for block, buffers in zip(self.blocks, state, strict=True):
            h, buffers = block.step(h, buffers)
            next_state.append(buffers)
        return self.head(h), next_state
