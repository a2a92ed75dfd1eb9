"""Fine-tune Lag-Llama on joint series (from the official checkpoint or from scratch).

Teacher-forced negative log-likelihood (the network's ``nll``: context plus future[:-1] as
tokens, Student-t likelihood of the last C-1 context values and the P future values), trained
by :mod:`the one training loop <kinemyo.training.loop>`: Adam, gradient clipping, early stopping
on validation windows whose futures lie in the last ``validation_fraction`` of each training
series (never the test part, which the caller keeps aside), the best weights restored, one
intra-op thread unless told otherwise. Defaults follow the seed study's recipe: context 512, up
to 50 epochs. Fine-tuned networks are saved as safetensors + JSON and loaded without pickle.

Cost on CPU: one optimiser step of 16 windows (8 layers, context 256, horizon 128) takes about
3-4 s on one thread of a busy 2-core machine, and 11-17 s on two threads there; an epoch of the
default 256 windows is 16 steps plus the validation windows (see README.md for measured runs).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import numpy as np
import torch
from pydantic import Field
from safetensors.torch import save_file

from kinemyo.errors import DataFormatError, KinemyoError
from kinemyo.fileio import Destination, atomic_directory
from kinemyo.forecasting.series import training_and_validation_origins
from kinemyo.models.lagllama import LAGS, LagLlamaNetwork
from kinemyo.models.lagllama.checkpoint import load_weights
from kinemyo.models.lagllama.settings import MAX_CONTEXT, LagLlamaSettings
from kinemyo.saved import read_json, read_tensors
from kinemyo.settings import Device, Seed, settings, settings_from
from kinemyo.training.loop import (
    EpochCallback,
    LoopHistory,
    StepCallback,
    TrainingConfig,
    training_loop,
)

HISTORY = max(LAGS)
"""Past values the lag features reach beyond the context (1092)."""


@settings
class FinetuneConfig:
    """Settings of :func:`finetune`.

    Attributes:
        context_length: tokens of context C (the seed: 512).
        horizon: future steps P per training window.
        epochs: at most this many epochs (the seed: 50).
        windows_per_epoch: random training windows drawn per epoch.
        batch_size: windows per optimiser step.
        learning_rate: Adam's rate (the official fine-tuning scripts use 1e-5 to 5e-4).
        patience: epochs without a lower validation NLL before stopping (0: never).
        validation_fraction: share of each training series whose futures validate.
        validation_windows: about this many validation windows at most (non-overlapping
            futures, an equal share spread evenly over each series' validation part), scored
            after every epoch.
        seed: seeds the window draws and the weights of a network built from scratch.
        device: "auto" (CUDA when present), "cpu" or "cuda".
        threads: torch intra-op threads (None: ``$KINEMYO_THREADS``, else 1; see
            :mod:`kinemyo.training.threads`).

    Raises:
        KinemyoError: a setting of the wrong type or out of range, naming it.
    """

    context_length: Annotated[int, Field(ge=1, le=MAX_CONTEXT)] = 512
    horizon: Annotated[int, Field(ge=1, le=MAX_CONTEXT)] = 128
    epochs: Annotated[int, Field(ge=1, le=100_000)] = 50
    windows_per_epoch: Annotated[int, Field(ge=1, le=10_000_000)] = 256
    batch_size: Annotated[int, Field(ge=1, le=65_536)] = 16
    learning_rate: Annotated[float, Field(ge=1e-12, lt=1.0)] = 1e-4
    patience: Annotated[int, Field(ge=0)] = 10
    validation_fraction: Annotated[float, Field(gt=0, lt=1)] = 0.2
    validation_windows: Annotated[int, Field(ge=1, le=10_000_000)] = 64
    seed: Seed = 0
    device: Device = "auto"
    threads: Annotated[int, Field(ge=1, le=1024)] | None = None


class FinetuneHistory(LoopHistory):
    """What happened during fine-tuning (see :class:`~kinemyo.training.loop.LoopHistory`);
    the metric is the mean NLL per observed value of the z-normalised series."""

    @property
    def train_nll(self) -> list[float]:
        """Per epoch, the mean NLL of the training windows of that epoch."""
        return self.train

    @property
    def validation_nll(self) -> list[float]:
        """Per epoch, the mean NLL of the validation windows."""
        return self.validation


def past_window(values: np.ndarray, origin: int, context: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``HISTORY + context`` values before ``origin`` (left-padded with zeros) and their
    observed mask."""
    length = HISTORY + context
    past = np.zeros(length, dtype=np.float32)
    observed = np.zeros(length, dtype=np.float32)
    first = max(0, origin - length)
    part = values[first:origin]
    past[length - part.size :] = part
    observed[length - part.size :] = 1.0
    return past, observed


def _batch(
    series: Sequence[np.ndarray], picks: Sequence[tuple[int, int]], config: FinetuneConfig
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pasts (B, HISTORY + C), futures (B, P) and the pasts' observed masks of ``picks``
    ((series, origin) pairs)."""
    pasts, masks, futures = [], [], []
    for s, origin in picks:
        past, observed = past_window(series[s], origin, config.context_length)
        pasts.append(past)
        masks.append(observed)
        futures.append(series[s][origin : origin + config.horizon])
    return (
        torch.as_tensor(np.stack(pasts)),
        torch.as_tensor(np.stack(futures)),
        torch.as_tensor(np.stack(masks)),
    )


def _batches(
    series: Sequence[np.ndarray], picks: Sequence[tuple[int, int]], config: FinetuneConfig
) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    size = config.batch_size
    return [_batch(series, picks[i : i + size], config) for i in range(0, len(picks), size)]


def finetune(
    network: LagLlamaNetwork,
    series: Sequence[np.ndarray],
    config: FinetuneConfig,
    on_epoch: EpochCallback | None = None,
    on_step: StepCallback | None = None,
) -> FinetuneHistory:
    """Fine-tune ``network`` in place on the (training parts of) ``series``.

    Args:
        network: from ``network_from_checkpoint`` or a fresh ``LagLlamaNetwork``.
        series: 1-D float arrays (e.g. z-normalised joint series), training data only.
        config: see :class:`FinetuneConfig`.
        on_epoch: called as ``on_epoch(epoch, epochs, train_nll, validation_nll)``.
        on_step: called after every optimiser step, see
            :data:`~kinemyo.training.loop.StepCallback`.

    Returns:
        The mean NLL per observed value (of the z-normalised series) per epoch.

    Raises:
        KinemyoError: no series, or series too short for one training and one validation
            window.
    """
    values = [np.asarray(v, dtype=np.float32) for v in series]
    if not values:
        raise KinemyoError("No series to fine-tune on: give at least one joint series.")
    train_origins, validation = training_and_validation_origins(
        [len(v) for v in values],
        config.horizon,
        validation_fraction=config.validation_fraction,
        max_validation=max(1, config.validation_windows // len(values)),
    )
    rng = np.random.default_rng(config.seed)

    def epoch_batches(epoch: int) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        picks = rng.integers(0, len(train_origins), config.windows_per_epoch)
        return _batches(values, [train_origins[i] for i in picks], config)

    def nll(batch: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, float, float]:
        past, future, observed = batch
        loss = network.nll(
            past, future, past_observed=observed, context_length=config.context_length
        )
        return loss, float(loss.detach()) * len(past), float(len(past))

    return training_loop(
        network,
        nll,
        epoch_batches,
        _batches(values, validation, config),
        TrainingConfig(
            epochs=config.epochs,
            learning_rate=config.learning_rate,
            batch_size=config.batch_size,
            schedule="none",
            clip=1.0,
            patience=config.patience,
            seed=config.seed,
            device=config.device,
            threads=config.threads,
        ),
        steps_per_epoch=math.ceil(config.windows_per_epoch / config.batch_size),
        on_epoch=on_epoch,
        on_step=on_step,
        history=FinetuneHistory(),
    )


def save_network(network: LagLlamaNetwork, directory: str | Path | Destination, meta: dict) -> None:
    """Write ``lagllama.json`` (constructor settings + ``meta``) and ``weights.safetensors``."""
    with atomic_directory(directory) as tmp:
        save_file(
            {k: v.detach().cpu().contiguous() for k, v in network.state_dict().items()},
            str(tmp / "weights.safetensors"),
        )
        (tmp / "lagllama.json").write_text(
            json.dumps({"settings": network.settings(), **meta}, indent=2, default=str)
        )


def load_network(directory: str | Path) -> tuple[LagLlamaNetwork, dict]:
    """A network saved by :func:`save_network`, and its metadata.

    Raises:
        DataFormatError: naming the file (and key): a file is missing or damaged, the settings
            are invalid, or the weights do not fit them.
    """
    directory = Path(directory)
    meta_file, weights_file = directory / "lagllama.json", directory / "weights.safetensors"
    for path in (meta_file, weights_file):
        if not path.is_file():
            raise DataFormatError("missing: not a saved kinemyo Lag-Llama.", path=path)
    meta = read_json(meta_file)
    config = settings_from(
        LagLlamaSettings, meta.pop("settings", None), path=meta_file, key="settings"
    )
    network = LagLlamaNetwork(**asdict(config))
    return load_weights(network, read_tensors(weights_file, "pt"), weights_file), meta


def history_dict(history: FinetuneHistory) -> dict:
    """The history as JSON-able data: NLL per epoch, best epoch (0-based), seconds."""
    return {
        "train_nll": history.train_nll,
        "validation_nll": history.validation_nll,
        "best_epoch": history.best_epoch,
        "seconds": history.seconds,
    }
