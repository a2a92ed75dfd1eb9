"""The one training loop: metric pooling, validation, early stopping, seeding, callbacks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from kinemyo.errors import KinemyoError
from kinemyo.training.loop import TrainingConfig, training_loop

torch.set_num_threads(1)


def _line_data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 1)).astype(np.float32)
    y = (2 * x + 1 + rng.normal(0, 0.1, (n, 1))).astype(np.float32)
    return torch.as_tensor(x), torch.as_tensor(y)


def _run(config: TrainingConfig, steps_seen: list | None = None, epochs_seen: list | None = None):
    torch.manual_seed(0)
    network = torch.nn.Linear(1, 1)
    x, y = _line_data(64, 0)
    vx, vy = _line_data(32, 1)

    def loss(batch):
        inputs, targets = batch
        error = network(inputs) - targets
        return error.square().mean(), float(error.detach().square().sum()), float(error.numel())

    def batches(epoch):
        order = torch.randperm(64, generator=torch.Generator().manual_seed(epoch))
        return [(x[order[i : i + 16]], y[order[i : i + 16]]) for i in range(0, 64, 16)]

    history = training_loop(
        network,
        loss,
        batches,
        [(vx[:20], vy[:20]), (vx[20:], vy[20:])],
        config,
        steps_per_epoch=4,
        summary=math.sqrt,
        on_epoch=None if epochs_seen is None else lambda *a: epochs_seen.append(a),
        on_step=None if steps_seen is None else lambda *a: steps_seen.append(a),
    )
    return network, history, (vx, vy)


def test_loop_learns_keeps_the_best_weights_and_reports_pooled_rmse():
    config = TrainingConfig(epochs=30, learning_rate=0.05, schedule="none", patience=0)
    steps, epochs = [], []
    network, history, (vx, vy) = _run(config, steps, epochs)
    assert len(history.train) == len(history.validation) == 30
    assert len(history.step_loss) == 120
    # the kept weights are those of the best validation epoch: their RMSE over all 32
    # validation points, computed here by hand, is that epoch's score
    with torch.no_grad():
        rmse = float((network(vx) - vy).square().mean().sqrt())
    assert history.best_epoch == int(np.argmin(history.validation))
    assert rmse == pytest.approx(history.validation[history.best_epoch], rel=1e-5)
    assert rmse < 0.15  # the noise is 0.1; the untrained line is far off
    assert history.validation[0] > 2 * rmse
    assert not network.training
    # callbacks: every step (1-based) and every epoch, with the metrics of the history
    assert steps[:5] == [(1, 30, 1, 4), (1, 30, 2, 4), (1, 30, 3, 4), (1, 30, 4, 4), (2, 30, 1, 4)]
    assert len(steps) == 120
    assert [e[:2] for e in epochs[:2]] == [(1, 30), (2, 30)]
    assert [e[2] for e in epochs] == history.train
    assert [e[3] for e in epochs] == history.validation


def test_loop_stops_after_patience_and_repeats_with_the_seed():
    # a learning rate far too large: the validation RMSE rises after the first epochs
    config = TrainingConfig(epochs=40, learning_rate=3.0, schedule="none", clip=0, patience=3)
    _, history, _ = _run(config)
    assert len(history.validation) == history.best_epoch + 1 + 3
    _, again, _ = _run(config)
    assert again.step_loss == history.step_loss


def test_loop_refuses_an_empty_epoch():
    with pytest.raises(KinemyoError, match="no batch"):
        training_loop(
            torch.nn.Linear(1, 1), None, lambda e: [], [], TrainingConfig(), steps_per_epoch=0
        )
