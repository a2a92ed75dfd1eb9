"""The one training loop of kinemyo's torch models.

The sequence regressors (:mod:`kinemyo.training.trainer`, RMSE), Lag-Llama fine-tuning
(:mod:`kinemyo.forecasting.finetune`, teacher-forced NLL) and the xLSTMTime forecaster
(:mod:`kinemyo.forecasting.xlstmtime`, Student-t NLL) all train here: Adam with an optional
one-cycle or cosine schedule, gradient clipping, early stopping on validation batches (carved
from the training data by the caller, never from the test split) with the best weights restored
at the end, seeded determinism, per-step and per-epoch callbacks for live progress, and the
per-step loss history. CPU by default, CUDA when present (``device="auto"``), on a deliberate
number of CPU threads (1 unless told otherwise, see :mod:`kinemyo.training.threads`).

A caller gives the loop a *loss function* over one batch, which returns the loss to minimise and
the pooled total and count of the metric it reports (squared errors and their number for RMSE,
summed NLL and windows for NLL), the training batches of each epoch, and the validation batches.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypeVar

import torch
from pydantic import Field

from kinemyo.errors import KinemyoError
from kinemyo.settings import Device, Seed, settings
from kinemyo.training.threads import torch_threads

EpochCallback = Callable[[int, int, float, float], None]
"""Called after each epoch as ``callback(epoch, epochs, train_metric, validation_metric)``
(1-based epoch; the metric is the caller's: RMSE for the sequence models, NLL for the
forecasters; validation nan without validation batches)."""

StepCallback = Callable[[int, int, int, int], None]
"""Called after each optimiser step as ``callback(epoch, epochs, step, steps_per_epoch)``
(1-based epoch and step), so that progress shows within seconds of the start."""

Batch = tuple[Any, ...]
"""What the caller's batches hold (tensors are moved to the training device by the loop)."""

LossFunction = Callable[[Batch], tuple[torch.Tensor, float, float]]
"""``loss(batch) -> (loss to minimise, metric total, metric count)``; the loop pools the totals
and counts of an epoch and reports ``summary(total / count)``."""


@settings
class TrainingConfig:
    """Settings of the training loop.

    Attributes:
        epochs: passes over the training batches (the seed study's "training steps").
        learning_rate: Adam's (peak, for one-cycle) learning rate.
        batch_size: items (chunks, windows) per optimiser step.
        schedule: "none", "onecycle" or "cosine" (over all steps).
        clip: largest gradient norm (0: no clipping).
        weight_decay: Adam's L2 penalty.
        patience: epochs without a better validation metric before stopping (0: never stop
            early).
        loss: the sequence models' loss, "mse" or "l1", over the valid (unpadded) steps.
        seed: seeds weights, shuffling and dropout.
        device: "auto" (CUDA when present), "cpu" or "cuda".
        threads: torch intra-op threads while training (None: ``$KINEMYO_THREADS``, else 1;
            see :mod:`kinemyo.training.threads`).

    Raises:
        KinemyoError: a setting of the wrong type or out of range, naming it.
    """

    epochs: Annotated[int, Field(ge=1, le=100_000)] = 60
    learning_rate: Annotated[float, Field(gt=0, le=100.0)] = 3e-3
    batch_size: Annotated[int, Field(ge=1, le=65_536)] = 32
    schedule: Literal["none", "onecycle", "cosine"] = "onecycle"
    clip: Annotated[float, Field(ge=0)] = 1.0
    weight_decay: Annotated[float, Field(ge=0)] = 0.0
    patience: Annotated[int, Field(ge=0)] = 10
    loss: Literal["mse", "l1"] = "mse"
    seed: Seed = 0
    device: Device = "auto"
    threads: Annotated[int, Field(ge=1, le=1024)] | None = None


@dataclass
class LoopHistory:
    """What happened in :func:`training_loop`, in the caller's metric (subclasses name it).

    Attributes:
        train: per epoch, the metric over the training batches of that epoch (in train mode).
        validation: per epoch, the metric over the validation batches (empty without them).
        step_loss: the loss of every optimiser step.
        best_epoch: the epoch whose weights were kept (0-based).
        seconds: wall time of training.
    """

    train: list[float] = field(default_factory=list)
    validation: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0
    seconds: float = 0.0


H = TypeVar("H", bound=LoopHistory)


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

    def finish(self, network: torch.nn.Module, history: LoopHistory, started: float) -> None:
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


def _on(batch: Batch, device: torch.device) -> Batch:
    return tuple(x.to(device) if isinstance(x, torch.Tensor) else x for x in batch)


def _scheduler(
    optimiser: torch.optim.Optimizer, config: TrainingConfig, total_steps: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    if config.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(
            optimiser, max_lr=config.learning_rate, total_steps=total_steps
        )
    if config.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=total_steps)
    return None


@torch.no_grad()
def evaluate(
    network: torch.nn.Module,
    loss: LossFunction,
    batches: Iterable[Batch],
    device: torch.device,
    summary: Callable[[float], float] = float,
) -> float:
    """``summary(total / count)`` of the metric of ``loss`` over ``batches``, in eval mode."""
    network.eval()
    total, count = 0.0, 0.0
    for batch in batches:
        _, batch_total, batch_count = loss(_on(batch, device))
        total, count = total + batch_total, count + batch_count
    return summary(total / max(count, 1))


def training_loop(
    network: torch.nn.Module,
    loss: LossFunction,
    train_batches: Callable[[int], Iterable[Batch]],
    validation_batches: Sequence[Batch],
    config: TrainingConfig,
    *,
    steps_per_epoch: int,
    summary: Callable[[float], float] = float,
    on_epoch: EpochCallback | None = None,
    on_step: StepCallback | None = None,
    history: H | None = None,
) -> H | LoopHistory:
    """Train ``network`` in place; keep the weights of the epoch with the best score.

    The score of an epoch is its validation metric, or its training metric when there are no
    validation batches.

    Args:
        network: a freshly built (or pretrained) network; it is moved to the device.
        loss: see :data:`LossFunction`; it is called in train mode (with gradients) on training
            batches and in eval mode without gradients on validation batches.
        train_batches: ``train_batches(epoch)`` (0-based) gives the batches of that epoch, each
            a :data:`Batch`, ``steps_per_epoch`` of them (the caller draws or shuffles them,
            seeded).
        validation_batches: fixed batches scored after every epoch (may be empty).
        config: optimiser, schedule, clipping, stopping, seed, device, threads (``batch_size``
            and ``loss`` are the caller's business).
        steps_per_epoch: optimiser steps per epoch (the schedule spans ``epochs`` times this).
        summary: maps the pooled mean ``total / count`` to the reported metric (``math.sqrt``
            for an RMSE from squared errors; the identity for an NLL).
        on_epoch, on_step: progress callbacks, see :data:`EpochCallback`, :data:`StepCallback`.
        history: an empty :class:`LoopHistory` (or subclass) to fill; None: a new one.

    Returns:
        ``history``, filled.
    """
    if steps_per_epoch < 1:
        raise KinemyoError("Nothing to train on: an epoch has no batch.")
    with torch_threads(config.threads):
        started = time.perf_counter()
        device = resolve_device(config.device)
        torch.manual_seed(config.seed)  # dropout; the caller seeds before building the network
        network.to(device)
        optimiser = torch.optim.Adam(
            network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
        )
        scheduler = _scheduler(optimiser, config, steps_per_epoch * config.epochs)
        history = LoopHistory() if history is None else history
        stopping = EarlyStopping(config.patience)
        for epoch in range(config.epochs):
            network.train()
            total, count = 0.0, 0.0
            for step, batch in enumerate(train_batches(epoch), 1):
                objective, batch_total, batch_count = loss(_on(batch, device))
                optimiser.zero_grad(set_to_none=True)
                objective.backward()
                if config.clip > 0:
                    torch.nn.utils.clip_grad_norm_(network.parameters(), config.clip)
                optimiser.step()
                if scheduler is not None:
                    scheduler.step()
                history.step_loss.append(float(objective.detach()))
                total, count = total + batch_total, count + batch_count
                if on_step is not None:
                    on_step(epoch + 1, config.epochs, step, steps_per_epoch)
            history.train.append(summary(total / max(count, 1)))
            score = history.train[-1]
            if validation_batches:
                score = evaluate(network, loss, validation_batches, device, summary)
                history.validation.append(score)
            if on_epoch is not None:
                validation = history.validation[-1] if history.validation else math.nan
                on_epoch(epoch + 1, config.epochs, history.train[-1], validation)
            if stopping.update(epoch, score, network):
                break
        stopping.finish(network, history, started)
    return history
