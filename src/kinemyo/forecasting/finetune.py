"""Fine-tune Lag-Llama on joint series (from the official checkpoint or from scratch).

Teacher-forced negative log-likelihood (the network's ``nll``: context plus future[:-1] as
tokens, Student-t likelihood of the last C-1 context values and the P future values), Adam,
gradient clipping, early stopping on validation windows whose futures lie in the last
``validation_fraction`` of each training series (never the test part, which the caller keeps
aside), the best weights restored. Defaults follow the seed study's recipe: context 512, up to 50
epochs. Fine-tuned networks are saved as safetensors + JSON and loaded without pickle.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated

import numpy as np
import torch
from pydantic import Field
from safetensors.torch import save_file

from kinemyo.errors import DataFormatError, KinemyoError
from kinemyo.fileio import Destination, atomic_directory
from kinemyo.models.lagllama import LAGS, LagLlamaNetwork
from kinemyo.models.lagllama.checkpoint import load_weights
from kinemyo.models.lagllama.settings import MAX_CONTEXT, LagLlamaSettings
from kinemyo.saved import read_json, read_tensors
from kinemyo.settings import Device, Seed, settings, settings_from
from kinemyo.training.trainer import EarlyStopping, resolve_device

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
        seed: seeds the window draws and the weights of a network built from scratch.
        device: "auto" (CUDA when present), "cpu" or "cuda".

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
    seed: Seed = 0
    device: Device = "auto"


@dataclass
class FinetuneHistory:
    """Mean NLL per observed value, per epoch, on training and validation windows."""

    train_nll: list[float] = field(default_factory=list)
    validation_nll: list[float] = field(default_factory=list)
    best_epoch: int = 0
    seconds: float = 0.0


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
    series: Sequence[np.ndarray],
    picks: Sequence[tuple[int, int]],
    config: FinetuneConfig,
    device: torch.device,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    pasts, masks, futures = [], [], []
    for s, origin in picks:
        past, observed = past_window(series[s], origin, config.context_length)
        pasts.append(past)
        masks.append(observed)
        futures.append(series[s][origin : origin + config.horizon])
    return (
        torch.as_tensor(np.stack(pasts), device=device),
        torch.as_tensor(np.stack(futures), device=device),
        torch.as_tensor(np.stack(masks), device=device),
    )


def _mean_nll(network: LagLlamaNetwork, series, picks, config, device) -> float:
    total = 0.0
    for first in range(0, len(picks), config.batch_size):
        past, future, observed = _batch(
            series, picks[first : first + config.batch_size], config, device
        )
        total += float(
            network.nll(past, future, past_observed=observed, context_length=config.context_length)
        ) * len(picks[first : first + config.batch_size])
    return total / max(len(picks), 1)


def finetune(
    network: LagLlamaNetwork,
    series: Sequence[np.ndarray],
    config: FinetuneConfig,
    on_epoch: Callable[[int, int, float, float], None] | None = None,
) -> FinetuneHistory:
    """Fine-tune ``network`` in place on the (training parts of) ``series``.

    Args:
        network: from ``network_from_checkpoint`` or a fresh ``LagLlamaNetwork``.
        series: 1-D float arrays (e.g. z-normalised joint series), training data only.
        config: see :class:`FinetuneConfig`.
        on_epoch: called as ``on_epoch(epoch, epochs, train_nll, validation_nll)``.
    """
    started = time.perf_counter()
    device = resolve_device(config.device)
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    network.to(device).train()
    horizon = config.horizon
    cuts = [int(len(v) * (1 - config.validation_fraction)) for v in series]
    train_origins = [(s, o) for s, cut in enumerate(cuts) for o in range(1, cut - horizon + 1)]
    validation = [
        (s, o)
        for s, cut in enumerate(cuts)
        for o in range(cut, len(series[s]) - horizon + 1, horizon)
    ]
    if not train_origins or not validation:
        raise KinemyoError(
            f"The series are too short for horizon {horizon} with a "
            f"{config.validation_fraction:.0%} validation part; use longer series or a shorter "
            "horizon."
        )
    values = [np.asarray(v, dtype=np.float32) for v in series]
    optimiser = torch.optim.Adam(network.parameters(), lr=config.learning_rate)
    history = FinetuneHistory()
    stopping = EarlyStopping(config.patience)
    for epoch in range(config.epochs):
        network.train()
        picks = [
            train_origins[i] for i in rng.integers(0, len(train_origins), config.windows_per_epoch)
        ]
        losses = []
        for first in range(0, len(picks), config.batch_size):
            past, future, observed = _batch(
                values, picks[first : first + config.batch_size], config, device
            )
            loss = network.nll(
                past, future, past_observed=observed, context_length=config.context_length
            )
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
            optimiser.step()
            losses.append(float(loss.detach()))
        network.eval()
        with torch.no_grad():
            score = _mean_nll(network, values, validation, config, device)
        history.train_nll.append(float(np.mean(losses)))
        history.validation_nll.append(score)
        if on_epoch is not None:
            on_epoch(epoch + 1, config.epochs, history.train_nll[-1], score)
        if stopping.update(epoch, score, network):
            break
    stopping.finish(network, history, started)
    return history


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
    """The history as JSON-able data."""
    return asdict(history)
