"""Feed-forward baseline: an MLP on the flattened causal window of the last ``window`` steps.

Layout: at every step t the inputs of steps t - window + 1 .. t (zeros before the sequence start,
see :mod:`~kinemyo.models.networks.windowing`) are flattened to ``window * n_inputs`` numbers and
mapped by ``layers`` hidden layers ``Linear -> GELU -> Dropout`` of width ``hidden`` and a final
``Linear(hidden -> n_outputs)``. The output at t depends on the inputs t - window + 1 .. t only
(no recurrence): the memoryless reference for the recurrent and attention networks.

Streaming: ``step`` keeps the window buffer (B, window, n_inputs), appends the new input, and
applies the same MLP: O(window * n_inputs * hidden) per step, the outputs of ``forward``.
"""

from __future__ import annotations

import itertools
from typing import ClassVar

import torch
from torch import nn

from kinemyo.models.networks.base import (
    Depth,
    Dropout,
    Features,
    SequenceNetwork,
    Steps,
    Width,
    register_network,
)
from kinemyo.models.networks.windowing import (
    causal_windows,
    empty_window,
    push_window,
)


@register_network
class FeedForwardNetwork(SequenceNetwork):
    """MLP over the flattened causal input window (see the module docstring).

    Args:
        n_inputs: features per step.
        n_outputs: targets per step.
        hidden: width of every hidden layer.
        layers: number of hidden layers.
        window: steps in the input window (integer >= 1). Default 32.
        dropout: dropout probability after every hidden layer, in [0, 1). Default 0.

    Shapes: ``forward`` (B, T, n_inputs) -> (B, T, n_outputs); ``step`` (B, n_inputs) ->
    (B, n_outputs), with the state the window buffer (B, window, n_inputs).
    """

    name: ClassVar[str] = "ffn"

    def __init__(
        self,
        n_inputs: Features,
        n_outputs: Features,
        hidden: Width = 64,
        layers: Depth = 2,
        *,
        window: Steps = 32,
        dropout: Dropout = 0.0,
    ) -> None:
        super().__init__(n_inputs, n_outputs, hidden, layers)
        self.window, self.dropout = int(window), float(dropout)
        widths = [self.window * self.n_inputs] + [self.hidden] * self.layers
        hidden_layers = [
            module
            for width_in, width_out in itertools.pairwise(widths)
            for module in (nn.Linear(width_in, width_out), nn.GELU(), nn.Dropout(self.dropout))
        ]
        self.mlp = nn.Sequential(*hidden_layers, nn.Linear(self.hidden, self.n_outputs))

    @property
    def receptive_field(self) -> int:
        """R: the output at step t depends on the inputs at steps t - R + 1 .. t only."""
        return self.window

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, n_inputs) -> (B, T, n_outputs)."""
        return self.mlp(causal_windows(x, self.window).flatten(2))

    def initial_state(self, batch: int) -> torch.Tensor:
        """The zero window (batch, window, n_inputs) that ``forward`` pads with."""
        return empty_window(batch, self.window, self.n_inputs, self.mlp[0].weight)

    def step(self, x: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, n_inputs) and the window buffer -> (B, n_outputs) and the next buffer."""
        window = push_window(state, x)
        return self.mlp(window.flatten(1)), window
