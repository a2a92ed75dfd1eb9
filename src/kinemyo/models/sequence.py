"""Sequence models behind the estimator contract: LSTM, TCN, Transformer, sLSTM, mLSTM, xLSTM,
xLSTMTime, LSTAM, FFN.

Each window is predicted from itself and the ``sequence_length - 1`` windows before it in its run
(consecutive windows of one trial and Group; see :mod:`kinemyo.training.sequences`), the causal
network's output at that window being the estimate: what a controller would compute online.
``prediction_stride`` > 1 trades some of that context for speed (at least
``sequence_length - prediction_stride`` windows).
Training uses chunks of ``sequence_length`` consecutive windows (stride half of it), with a
per-step target; the last ``validation_fraction`` of every training run (after a one-window gap)
is held out for early stopping. Inputs and targets are standardised on the training windows by the
contract. The weights are saved as safetensors (``net.*``) with the loss history
(``history.*``); the network is rebuilt from the JSON parameters, never unpickled.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from kinemyo.errors import DataFormatError, KinemyoError
from kinemyo.models import networks
from kinemyo.models.adaptation import Adaptation
from kinemyo.models.base import Estimator
from kinemyo.models.registry import register
from kinemyo.training.sequences import Runs, context_sequences, training_chunks
from kinemyo.training.threads import torch_threads
from kinemyo.training.trainer import EpochCallback, History, TrainingConfig, resolve_device, train

_HISTORY = ("train_rmse", "validation_rmse", "step_loss")


def carve_validation(runs: Runs, fraction: float, gap: int = 1) -> tuple[Runs, Runs]:
    """Split every run into its first part (training) and its last ``fraction`` (validation),
    dropping ``gap`` windows between them; runs shorter than 5 windows stay whole in training.

    Returns:
        (training runs, validation runs); a window not in a part has run id -1 there.
    """
    length = np.bincount(runs.run)[runs.run]
    n_validation = np.where(length >= 5, np.maximum(1, np.round(fraction * length)), 0).astype(int)
    if fraction <= 0:
        n_validation[:] = 0
    cut = length - n_validation
    in_validation = runs.position >= cut
    in_training = runs.position < np.where(n_validation > 0, cut - gap, length)
    training = Runs(np.where(in_training, runs.run, -1), np.where(in_training, runs.position, -1))
    validation = Runs(
        np.where(in_validation, runs.run, -1), np.where(in_validation, runs.position - cut, -1)
    )
    return training, validation


class SequenceRegressor(Estimator):
    """A causal sequence network trained on runs of consecutive windows.

    Args:
        hidden: hidden size of the network.
        layers: layers / blocks.
        sequence_length: windows per training chunk and per prediction context.
        epochs, learning_rate, batch_size, schedule, clip, weight_decay, patience, seed, device,
            loss, threads: see :class:`~kinemyo.training.trainer.TrainingConfig`; ``threads``
            (torch intra-op threads, None: ``$KINEMYO_THREADS`` or 1) also holds for prediction.
        validation_fraction: share of each training run held out for early stopping.
        prediction_stride: windows predicted per context chunk (see
            :func:`~kinemyo.training.sequences.context_sequences`): 1 gives every window the
            ``sequence_length - 1`` windows before it; s > 1 gives each at least
            ``sequence_length - s``, about s times faster.
        options: extra keyword options of the network (e.g. ``{"heads": 4}``).
    """

    network: ClassVar[str]

    def __init__(
        self,
        hidden: int = 64,
        layers: int = 2,
        sequence_length: int = 32,
        epochs: int = 60,
        learning_rate: float = 3e-3,
        batch_size: int = 32,
        schedule: str = "onecycle",
        clip: float = 1.0,
        weight_decay: float = 0.0,
        patience: int = 10,
        validation_fraction: float = 0.2,
        prediction_stride: int = 1,
        loss: str = "mse",
        seed: int = 0,
        device: str = "auto",
        threads: int | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.hidden = hidden
        self.layers = layers
        self.sequence_length = sequence_length
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.schedule = schedule
        self.clip = clip
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.prediction_stride = prediction_stride
        self.loss = loss
        self.seed = seed
        self.device = device
        self.threads = threads
        self.options = dict(options or {})
        self.on_epoch: EpochCallback | None = None

    def _training_config(self) -> TrainingConfig:
        return TrainingConfig(
            epochs=self.epochs,
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            schedule=self.schedule,
            clip=self.clip,
            weight_decay=self.weight_decay,
            patience=self.patience,
            loss=self.loss,
            seed=self.seed,
            device=self.device,
            threads=self.threads,
        )

    def _build(self, n_inputs: int, n_outputs: int) -> networks.SequenceNetwork:
        torch.manual_seed(self.seed)
        return networks.build_network(
            self.network,
            n_inputs=n_inputs,
            n_outputs=n_outputs,
            hidden=self.hidden,
            layers=self.layers,
            **self.options,
        )

    def _fit(self, X: np.ndarray, Y: np.ndarray, runs: Runs) -> None:
        config = self._training_config()
        if self.sequence_length < 1:
            raise KinemyoError(f"sequence_length must be >= 1, got {self.sequence_length}.")
        if not 1 <= self.prediction_stride <= self.sequence_length:
            raise KinemyoError(
                f"prediction_stride must be in 1..sequence_length ({self.sequence_length}), "
                f"got {self.prediction_stride}."
            )
        if not 0 <= self.validation_fraction < 1:
            raise KinemyoError(
                f"validation_fraction must be in [0, 1), got {self.validation_fraction}."
            )
        training, validation = carve_validation(runs, self.validation_fraction)
        stride = max(1, self.sequence_length // 2)
        train_chunks = training_chunks(training, self.sequence_length, stride)
        validation_chunks = training_chunks(validation, self.sequence_length, self.sequence_length)
        flat = Y.reshape(len(Y), -1)
        self.network_ = self._build(X.shape[1], flat.shape[1])
        self.history_ = train(
            self.network_, X, flat, train_chunks, validation_chunks, config, self.on_epoch
        )

    def _partial_fit(
        self, X: np.ndarray, Y: np.ndarray, runs: Runs, adaptation: Adaptation
    ) -> None:
        """A few epochs of Adam at a small constant learning rate on chunks of the new windows,
        from the fitted weights, through the one training loop (no schedule, no early stopping;
        the weights of the epoch with the lowest training RMSE are kept). ``history`` stays that
        of :meth:`fit`."""
        config = dataclasses.replace(
            self._training_config(),
            epochs=adaptation.epochs,
            learning_rate=adaptation.learning_rate,
            batch_size=adaptation.batch_size,
            schedule="none",
            patience=0,
        )
        chunks = training_chunks(runs, self.sequence_length, max(1, self.sequence_length // 2))
        no_validation = np.zeros((0, self.sequence_length), dtype=int)
        train(self.network_, X, Y.reshape(len(Y), -1), chunks, no_validation, config, self.on_epoch)

    def _predict(self, X: np.ndarray, runs: Runs) -> tuple[np.ndarray, None]:
        with torch_threads(self.threads), torch.no_grad():
            return self._predict_batches(X, runs), None

    def _predict_batches(self, X: np.ndarray, runs: Runs) -> np.ndarray:
        """The network's estimate of every window, (N, J, Q), in batches of 256 contexts."""
        device = resolve_device(self.device)
        network = self.network_.to(device).eval()
        chunks, row, column = context_sequences(runs, self.sequence_length, self.prediction_stride)
        inputs = torch.as_tensor(
            np.concatenate([X, np.zeros((1, X.shape[1]))]).astype(np.float32), device=device
        )
        out = np.empty((len(X), network.n_outputs), dtype=np.float32)
        order = np.argsort(row, kind="stable")
        bounds = np.searchsorted(row[order], np.arange(0, len(chunks) + 256, 256))
        for batch, first in enumerate(range(0, len(chunks), 256)):
            chunk = torch.as_tensor(chunks[first : first + 256], device=device)
            y = network(inputs[torch.where(chunk >= 0, chunk, inputs.shape[0] - 1)]).cpu().numpy()
            windows = order[bounds[batch] : bounds[batch + 1]]
            out[windows] = y[row[windows] - first, column[windows]]
        return out.reshape(len(X), *self.y_scale_.shape)

    def n_parameters(self) -> int:
        """Trainable parameters of the network."""
        return sum(p.numel() for p in self.network_.parameters())

    @property
    def history(self) -> History:
        """The training history (losses in standardised target units)."""
        return self.history_

    def _fitted_state(self) -> dict[str, np.ndarray]:
        state = {
            f"net.{k}": v.detach().cpu().numpy() for k, v in self.network_.state_dict().items()
        }
        for name in _HISTORY:
            state[f"history.{name}"] = np.asarray(getattr(self.history_, name), dtype=np.float64)
        state["history.meta"] = np.asarray([self.history_.best_epoch, self.history_.seconds])
        return state

    def _load_fitted_state(self, arrays: dict[str, np.ndarray], source: Path) -> None:
        n_inputs = len(self.schema_.channels) * len(self.schema_.features)
        n_outputs = len(self.schema_.joints) * len(self.schema_.quantities)
        network = self._build(n_inputs, n_outputs)
        weights = {k[4:]: torch.as_tensor(v) for k, v in arrays.items() if k.startswith("net.")}
        try:
            network.load_state_dict(weights, strict=True)
        except RuntimeError as error:
            raise DataFormatError(
                f"the weights do not fit a '{self.name}' network with these parameters "
                f"({str(error).splitlines()[0]}).",
                path=source,
            ) from None
        self.network_ = network.eval()
        meta = arrays.get("history.meta", np.asarray([0, math.nan]))
        train, validation, steps = (
            arrays.get(f"history.{name}", np.zeros(0)).tolist() for name in _HISTORY
        )
        self.history_ = History(train, validation, steps, int(meta[0]), float(meta[1]))


def _register(name: str, network: str, doc: str) -> type[SequenceRegressor]:
    cls = type(
        f"{network.upper()}Regressor",
        (SequenceRegressor,),
        {"name": name, "network": network, "__doc__": doc, "__module__": __name__},
    )
    return register(cls)


LSTMRegressor = _register("lstm", "lstm", "LSTM (torch.nn.LSTM) over window sequences.")
TCNRegressor = _register("tcn", "tcn", "Temporal convolutional network (causal, dilated).")
TransformerRegressor = _register(
    "transformer", "transformer", "Transformer encoder with a causal mask."
)
SLSTMRegressor = _register("slstm", "slstm", "Stack of sLSTM blocks (scalar memory).")
MLSTMRegressor = _register("mlstm", "mlstm", "Stack of mLSTM blocks (matrix memory).")
XLSTMRegressor = _register("xlstm", "xlstm", "xLSTM: mixed mLSTM and sLSTM blocks.")
XLSTMTimeRegressor = _register(
    "xlstmtime", "xlstmtime", "xLSTMTime run over time (causal decomposition, xLSTM stack)."
)
LSTAMRegressor = _register(
    "lstam", "lstam", "LSTAM: windowed FFT, frequency attention, autoencoder, LSTM, attention."
)
FFNRegressor = _register("ffn", "ffn", "Feed-forward MLP on the flattened causal input window.")
