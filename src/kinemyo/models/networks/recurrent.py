"""LSTM baseline: stacked ``nn.LSTM`` over time and a per-step linear head."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from kinemyo.models.networks.base import (
    Depth,
    Dropout,
    Features,
    SequenceNetwork,
    Width,
    register_network,
)

LSTMState = tuple[torch.Tensor, torch.Tensor]
"""(h, c), each (layers, B, hidden): the hidden and cell states of every layer."""


@register_network
class LSTMNetwork(SequenceNetwork):
    """Stacked LSTM (``nn.LSTM``, batch first) followed by ``Linear(hidden -> n_outputs)``.

    An LSTM is causal by construction; ``step`` runs the same ``nn.LSTM`` on one time step and
    carries its (h, c) state, so it reproduces ``forward`` exactly.

    Args:
        n_inputs: features per step.
        n_outputs: targets per step.
        hidden: hidden size of every LSTM layer.
        layers: number of stacked LSTM layers.
        dropout: dropout probability on the outputs of every LSTM layer but the last (in
            ``[0, 1)``; ignored with one layer, as in ``nn.LSTM``). Default 0.

    Shapes: ``forward`` (B, T, n_inputs) -> (B, T, n_outputs); ``step`` (B, n_inputs) ->
    (B, n_outputs), with the state (h, c), each (layers, B, hidden).
    """

    name: ClassVar[str] = "lstm"

    def __init__(
        self,
        n_inputs: Features,
        n_outputs: Features,
        hidden: Width = 32,
        layers: Depth = 2,
        *,
        dropout: Dropout = 0.0,
    ) -> None:
        super().__init__(n_inputs, n_outputs, hidden, layers)
        self.dropout = float(dropout)
        self.lstm = nn.LSTM(
            self.n_inputs,
            self.hidden,
            num_layers=self.layers,
            batch_first=True,
            dropout=self.dropout if self.layers > 1 else 0.0,
        )
        self.head = nn.Linear(self.hidden, self.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, n_inputs) -> (B, T, n_outputs), from zero initial states."""
        return self.head(self.lstm(x)[0])

    def initial_state(self, batch: int) -> LSTMState:
        """Zero (h, c), each (layers, batch, hidden), in the dtype and device of the weights."""
        weight = self.head.weight
        zeros = torch.zeros(
            self.layers, batch, self.hidden, dtype=weight.dtype, device=weight.device
        )
        return zeros, zeros.clone()

    def step(self, x: torch.Tensor, state: LSTMState) -> tuple[torch.Tensor, LSTMState]:
        """(B, n_inputs) and (h, c) -> (B, n_outputs) and the next (h, c)."""
        out, state = self.lstm(x[:, None, :], state)
        return self.head(out[:, 0, :]), state
