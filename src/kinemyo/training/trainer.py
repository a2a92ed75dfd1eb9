"""One training loop for every torch sequence network.

Adam with an optional one-cycle or cosine schedule, gradient clipping, a masked loss over the
valid steps of right-padded chunks, early stopping on validation chunks (carved from the training
data by the caller, never from the test split), the best weights restored at the end, seeded
determinism, a per-epoch callback for live progress, and the per-step loss history. CPU by
default, CUDA when present (``device="auto"``), on a deliberate number of CPU threads (1 unless
told otherwise, see :mod:`kinemyo.training.threads`).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np
import torch

from kinemyo.errors import KinemyoError
from kinemyo.training.threads import torch_threads

if TYPE_CHECKING:  # only for annotations: kinemyo.models imports this module
    from kinemyo.models.networks.base import SequenceNetwork

EpochCallback = Callable[[int, int, float, float], None]
"""Called after each epoch as ``callback(epoch, epochs, train_rmse, validation_rmse)``."""


@dataclass(frozen=True)
class TrainingConfig:
    """Settings of :func:`train`.

    Attributes:
        epochs: passes over the training chunks (the seed study's "training steps").
        learning_rate: Adam's (peak, for one-cycle) learning rate.
        batch_size: chunks per optimiser step.
        schedule: "none", "onecycle" or "cosine" (over all steps).
        clip: largest gradient norm (0: no clipping).
        weight_decay: Adam's L2 penalty.
        patience: epochs without a better validation RMSE before stopping (0: never stop early).
        loss: "mse" or "l1", over the valid (unpadded) steps.
        seed: seeds weights, shuffling and dropout.
        device: "auto" (CUDA when present), "cpu" or "cuda".
        threads: torch intra-op threads while training (None: ``$KINEMYO_THREADS``, else 1;
            see :mod:`kinemyo.training.threads`).
    """

    epochs: int = 60
    learning_rate: float = 3e-3
    batch_size: int = 32
    schedule: Literal["none", "onecycle", "cosine"] = "onecycle"
    clip: float = 1.0
    weight_decay: float = 0.0
    patience: int = 10
    loss: Literal["mse", "l1"] = "mse"
    seed: int = 0
    device: str = "auto"
    threads: int | None = None

    def __post_init__(self) -> None:
        checks = {
            "epochs": self.epochs >= 1,
            "learning_rate": self.learning_rate > 0,
            "batch_size": self.batch_size >= 1,
            "clip": self.clip >= 0,
            "weight_decay": self.weight_decay >= 0,
            "patience": self.patience >= 0,
            "schedule": self.schedule in ("none", "onecycle", "cosine"),
            "loss": self.loss in ("mse", "l1"),
            "device": self.device in ("auto", "cpu", "cuda"),
            "threads": self.threads is None or (type(self.threads) is int and self.threads >= 1),
        }
        wrong = [name for name, ok in checks.items() if not ok]
        if wrong:
            raise KinemyoError(
                "Invalid training setting(s): "
                + ", ".join(f"{name}={getattr(self, name)!r}" for name in wrong)
                + "."
            )


@dataclass
class History:
    """What happened during training, in standardised target units.

    Attributes:
        train_rmse: per epoch, RMSE over the training steps seen in that epoch.
        validation_rmse: per epoch, RMSE over the validation chunks (empty without validation).
        step_loss: the loss of every optimiser step (the network's auxiliary loss included).
        best_epoch: the epoch whose weights were kept (0-based).
        seconds: wall time of training.
    """

    train_rmse: list[float] = field(default_factory=list)
    validation_rmse: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0
    seconds: float = 0.0


class TrainingRecord(Protocol):
    """What :meth:`EarlyStopping.finish` writes into: a history with these two fields."""

    best_epoch: int
    seconds: float


class EarlyStopping:
    """Keeps the weights of the epoch with the lowest score and says when to stop.

    Args:
        patience: epochs without a lower score before stopping (0: never stop early).
    """

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best_score, self.best_epoch, self._stale = math.inf, 0, 0
        self._state: dict | None = None

    def update(self, epoch: int, score: float, network: torch.nn.Module) -> bool:
        """Record ``score`` of ``epoch``; True when training should stop."""
        if score < self.best_score:
            self.best_score, self.best_epoch, self._stale = score, epoch, 0
            self._state = copy.deepcopy(network.state_dict())
            return False
        self._stale += 1
        return bool(self.patience) and self._stale >= self.patience

    def finish(self, network: torch.nn.Module, history: TrainingRecord, started: float) -> None:
        """End training: load the best weights seen into ``network`` (kept as they are before
        any update), put it in eval mode, and record the best epoch and the seconds since
        ``started`` (a ``time.perf_counter()`` value) in ``history``."""
        if self._state is not None:
            network.load_state_dict(self._state)
        network.eval()
        history.best_epoch = self.best_epoch
        history.seconds = time.perf_counter() - started


def resolve_device(device: str) -> torch.device:
    """ "auto" -> CUDA when available, else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise KinemyoError("device='cuda' was asked for, but no CUDA device is available.")
    return torch.device(device)


def _batch(
    X: torch.Tensor, Y: torch.Tensor, chunks: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Inputs (B, L, D), targets (B, L, K) and the valid-step mask (B, L) of index chunks whose
    padding is -1 (mapped to the zero row appended to X and Y)."""
    valid = chunks >= 0
    index = torch.where(valid, chunks, X.shape[0] - 1)
    return X[index], Y[index], valid


def _masked_loss(
    output: torch.Tensor, target: torch.Tensor, valid: torch.Tensor, kind: str
) -> torch.Tensor:
    error = output - target
    per_step = error.abs() if kind == "l1" else error.square()
    return per_step[valid].mean()


@torch.no_grad()
def evaluate_rmse(
    network: SequenceNetwork, X: torch.Tensor, Y: torch.Tensor, chunks: torch.Tensor, batch: int
) -> float:
    """RMSE over the valid steps of ``chunks`` (standardised units)."""
    network.eval()
    total, count = 0.0, 0
    for first in range(0, chunks.shape[0], batch):
        x, y, valid = _batch(X, Y, chunks[first : first + batch])
        error = (network(x) - y)[valid]
        total += float(error.square().sum())
        count += error.numel()
    return math.sqrt(total / max(count, 1))


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
        validation_chunks: (V, L) likewise for validation (V may be 0: no early stopping).
        config: optimiser, schedule, stopping, seed, device.
        on_epoch: progress callback, see :data:`EpochCallback`.

    Returns:
        The training history.
    """
    if train_chunks.size == 0:
        raise KinemyoError("No training sequences: every run is empty.")
    with torch_threads(config.threads):
        return _train(network, X, Y, train_chunks, validation_chunks, config, on_epoch)


def _train(
    network: SequenceNetwork,
    X: np.ndarray,
    Y: np.ndarray,
    train_chunks: np.ndarray,
    validation_chunks: np.ndarray,
    config: TrainingConfig,
    on_epoch: EpochCallback | None,
) -> History:
    """:func:`train` on the current torch threads."""
    started = time.perf_counter()
    device = resolve_device(config.device)
    generator = torch.Generator().manual_seed(config.seed)
    torch.manual_seed(config.seed)  # dropout; the caller seeds before building the network
    network.to(device)
    pad = np.zeros((1, *X.shape[1:]), dtype=np.float32)
    X_t = torch.as_tensor(np.concatenate([X.astype(np.float32), pad]), device=device)
    Y_t = torch.as_tensor(
        np.concatenate([Y.astype(np.float32), np.zeros((1, Y.shape[1]), np.float32)]),
        device=device,
    )
    train_index = torch.as_tensor(train_chunks, device=device)
    validation_index = torch.as_tensor(validation_chunks, device=device)

    optimiser = torch.optim.Adam(
        network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    steps_per_epoch = math.ceil(train_index.shape[0] / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    scheduler = None
    if config.schedule == "onecycle":
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimiser, max_lr=config.learning_rate, total_steps=total_steps
        )
    elif config.schedule == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=total_steps)

    history = History()
    stopping = EarlyStopping(config.patience)
    for epoch in range(config.epochs):
        network.train()
        order = torch.randperm(train_index.shape[0], generator=generator).to(device)
        squared, count = 0.0, 0
        for first in range(0, order.numel(), config.batch_size):
            x, y, valid = _batch(X_t, Y_t, train_index[order[first : first + config.batch_size]])
            output = network(x)
            loss = _masked_loss(output, y, valid, config.loss)
            auxiliary = network.auxiliary_loss(valid)
            if auxiliary is not None:
                loss = loss + auxiliary
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            if config.clip > 0:
                torch.nn.utils.clip_grad_norm_(network.parameters(), config.clip)
            optimiser.step()
            if scheduler is not None:
                scheduler.step()
            history.step_loss.append(float(loss.detach()))
            with torch.no_grad():
                squared += float((output - y)[valid].square().sum())
                count += int(valid.sum()) * y.shape[-1]
        history.train_rmse.append(math.sqrt(squared / max(count, 1)))
        if validation_index.numel():
            score = evaluate_rmse(network, X_t, Y_t, validation_index, config.batch_size)
            history.validation_rmse.append(score)
        else:
            score = history.train_rmse[-1]
        if on_epoch is not None:
            on_epoch(
                epoch + 1,
                config.epochs,
                history.train_rmse[-1],
                history.validation_rmse[-1] if history.validation_rmse else math.nan,
            )
        if stopping.update(epoch, score, network):
            break
    stopping.finish(network, history, started)
    return history
