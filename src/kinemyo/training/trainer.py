"""The sequence regressors' trainer: chunks of consecutive windows through :mod:`the one loop
<kinemyo.training.loop>`.

A masked loss (MSE or L1) over the valid steps of right-padded chunks plus the network's
auxiliary loss is minimised; the reported metric is the RMSE over the valid steps (standardised
target units), on the training chunks of each epoch and on validation chunks carved from the
training data by the caller (never from the test split). Optimiser, schedule, clipping, early
stopping, seeding, device and threads are the loop's (:class:`TrainingConfig`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import torch

from kinemyo.errors import KinemyoError
from kinemyo.training.loop import (
    EarlyStopping,
    EpochCallback,
    LoopHistory,
    TrainingConfig,
    resolve_device,
    training_loop,
)

if TYPE_CHECKING:  # only for annotations: kinemyo.models imports this module
    from kinemyo.models.networks.base import SequenceNetwork

__all__ = ["EarlyStopping", "EpochCallback", "History", "TrainingConfig", "resolve_device", "train"]


class History(LoopHistory):
    """What happened during training (see :class:`~kinemyo.training.loop.LoopHistory`); the
    metric is the RMSE in standardised target units, and ``step_loss`` includes the network's
    auxiliary loss."""

    @property
    def train_rmse(self) -> list[float]:
        """Per epoch, RMSE over the training steps seen in that epoch."""
        return self.train

    @property
    def validation_rmse(self) -> list[float]:
        """Per epoch, RMSE over the validation chunks (empty without validation)."""
        return self.validation


def _batch(
    X: torch.Tensor, Y: torch.Tensor, chunks: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Inputs (B, L, D), targets (B, L, K) and the valid-step mask (B, L) of index chunks whose
    padding is -1 (mapped to the zero row appended to X and Y)."""
    valid = chunks >= 0
    index = torch.where(valid, chunks, X.shape[0] - 1)
    return X[index], Y[index], valid


def _padded(values: np.ndarray) -> np.ndarray:
    """``values`` as float32 with a zero row appended (where padding index -1 points), in one
    copy."""
    zero = np.zeros((1, *values.shape[1:]), dtype=np.float32)
    return np.concatenate([values, zero], dtype=np.float32)


def _chunk_batches(chunks: torch.Tensor, batch: int) -> list[tuple[torch.Tensor]]:
    return [(chunks[first : first + batch],) for first in range(0, chunks.shape[0], batch)]


def train(
    network: SequenceNetwork,
    X: np.ndarray,
    Y: np.ndarray,
    train_chunks: np.ndarray,
    validation_chunks: np.ndarray,
    config: TrainingConfig,
    on_epoch: EpochCallback | None = None,
) -> History:
    """Train ``network`` in place on chunks of windows; keep the weights of the best epoch.

    Args:
        network: a freshly built network (seed torch before building it for reproducible
            weights).
        X: (N, D) standardised inputs of every window; Y: (N, K) standardised targets.
        train_chunks: (M, L) window indices of training chunks, -1 as right padding.
        validation_chunks: (V, L) likewise for validation (V may be 0: no early stopping on
            validation; the training RMSE is the score).
        config: optimiser, schedule, stopping, seed, device, threads, loss, batch size.
        on_epoch: progress callback, ``on_epoch(epoch, epochs, train_rmse, validation_rmse)``.

    Returns:
        The training history (RMSE in standardised target units).
    """
    if train_chunks.size == 0:
        raise KinemyoError("No training sequences: every run is empty.")
    device = resolve_device(config.device)
    X_t = torch.as_tensor(_padded(X), device=device)
    Y_t = torch.as_tensor(_padded(Y), device=device)

    def loss(batch: tuple[torch.Tensor]) -> tuple[torch.Tensor, float, float]:
        x, y, valid = _batch(X_t, Y_t, batch[0])
        output = network(x)
        error = (output - y)[valid]
        objective = (error.abs() if config.loss == "l1" else error.square()).mean()
        if network.training:
            auxiliary = network.auxiliary_loss(valid)
            if auxiliary is not None:
                objective = objective + auxiliary
        return objective, float(error.detach().square().sum()), float(error.numel())

    train_index = torch.as_tensor(train_chunks)
    generator = torch.Generator().manual_seed(config.seed)

    def epoch_batches(epoch: int) -> list[tuple[torch.Tensor]]:
        order = torch.randperm(train_index.shape[0], generator=generator)
        return _chunk_batches(train_index[order], config.batch_size)

    return training_loop(
        network,
        loss,
        epoch_batches,
        _chunk_batches(torch.as_tensor(validation_chunks), config.batch_size),
        config,
        steps_per_epoch=math.ceil(train_index.shape[0] / config.batch_size),
        summary=math.sqrt,
        on_epoch=on_epoch,
        history=History(),
    )
