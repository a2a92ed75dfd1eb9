"""Causal sliding windows over time, for whole sequences and one step at a time.

``causal_windows`` gives, for every step t of a (B, T, D) sequence, the window of the last
``width`` vectors t - width + 1 .. t, zeros standing in for the steps before the sequence start.
In streaming, a window buffer (B, width, D) starts as zeros (``empty_window``) and ``push_window``
appends the newest vector and drops the oldest: after step t it equals window t of
``causal_windows``. ``window_valid`` says which positions of a window lie inside the sequence
(for masking attention over the zero padding). Shared by the windowed networks (LSTAM, FFN).
"""

from __future__ import annotations

import torch
from torch.nn.functional import pad


def causal_windows(x: torch.Tensor, width: int) -> torch.Tensor:
    """(B, T, D) -> (B, T, width, D): window t holds steps t - width + 1 .. t, oldest first,
    zeros before the sequence start. A view of the left-padded input (no copy)."""
    padded = pad(x, (0, 0, width - 1, 0))
    return padded.unfold(1, width, 1).transpose(2, 3)


def empty_window(batch: int, width: int, features: int, like: torch.Tensor) -> torch.Tensor:
    """The buffer before the first step: zeros (batch, width, features), in the dtype and on the
    device of ``like``."""
    return like.new_zeros(batch, width, features)


def push_window(window: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """(B, width, D) and the newest vector (B, D) -> the next window (B, width, D)."""
    return torch.cat([window[:, 1:], x[:, None]], dim=1)


def window_valid(positions: torch.Tensor, width: int) -> torch.Tensor:
    """Step indices (n,) -> (n, width) bool: which slots of their windows hold a real step.

    Slot s of the window ending at step t holds step t - width + 1 + s, real when >= 0.
    """
    slots = torch.arange(width, device=positions.device)
    return positions[:, None] - (width - 1) + slots[None, :] >= 0
