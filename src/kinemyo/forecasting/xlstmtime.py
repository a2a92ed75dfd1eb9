"""xLSTMTime as a probabilistic forecaster: a baseline for Lag-Llama on the same windows.

The causal xLSTMTime network of :mod:`kinemyo.models.networks.xlstmtime` reads the last
``context_length`` values (one input per step); from its output at the last step, a linear head
gives Student-t parameters for each of the ``horizon`` future steps at once (a direct
multi-horizon forecast, not autoregressive), mapped to valid values as Lag-Llama's head does
(:func:`~kinemyo.models.student_t.student_t_parameters`), in the z-normalised units of the
series. Trained by Student-t negative log-likelihood on random windows of the training parts in
:mod:`the one training loop <kinemyo.training.loop>`, with early stopping on validation windows
whose futures lie in the last ``validation_fraction`` of each training part. Samples are drawn
independently per step: the marginal distributions, which is all the CRPS and coverage scores
look at.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from kinemyo.errors import KinemyoError
from kinemyo.forecasting.series import training_and_validation_origins
from kinemyo.models.networks import build_network
from kinemyo.models.student_t import student_t_log_prob, student_t_parameters, student_t_sample
from kinemyo.training.loop import (
    EpochCallback,
    LoopHistory,
    StepCallback,
    TrainingConfig,
    training_loop,
)

Windows = tuple[torch.Tensor, torch.Tensor]
"""Pasts (B, context_length) and futures (B, horizon)."""


class XLSTMTimeForecaster:
    """Direct multi-horizon Student-t forecaster built on the xLSTMTime network.

    Args:
        context_length: past values read per forecast.
        horizon: future steps forecast at once.
        hidden, layers: size of the xLSTMTime network.
        epochs, windows_per_epoch, batch_size, learning_rate: training.
        patience: epochs without a lower validation NLL before stopping (0: never).
        validation_fraction: share of each training series whose futures validate.
        seed: seeds weights, window draws and forecast samples.
        device: "auto" (CUDA when present), "cpu" or "cuda".
        threads: torch intra-op threads (None: ``$KINEMYO_THREADS``, else 1).

    Attributes:
        history_: after :meth:`fit`, the training and validation NLL per epoch and the best
            epoch (whose weights are kept).
    """

    def __init__(
        self,
        context_length: int = 256,
        horizon: int = 128,
        hidden: int = 32,
        layers: int = 2,
        epochs: int = 20,
        windows_per_epoch: int = 256,
        batch_size: int = 32,
        learning_rate: float = 1e-3,
        patience: int = 5,
        validation_fraction: float = 0.2,
        seed: int = 0,
        device: str = "auto",
        threads: int | None = None,
    ) -> None:
        self.context_length, self.horizon = context_length, horizon
        self.hidden, self.layers = hidden, layers
        self.windows_per_epoch, self.validation_fraction = windows_per_epoch, validation_fraction
        self.training = TrainingConfig(
            epochs=epochs,
            learning_rate=learning_rate,
            batch_size=batch_size,
            schedule="none",
            clip=1.0,
            patience=patience,
            seed=seed,
            device=device,
            threads=threads,
        )
        self.network_: torch.nn.Module | None = None
        self.history_: LoopHistory | None = None

    def _parameters(self, past: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(B, context_length) -> df, loc, scale, each (B, horizon)."""
        raw = self.network_(past[..., None])[:, -1].view(len(past), self.horizon, 3)
        return student_t_parameters(raw[..., 0], raw[..., 1], raw[..., 2])

    def _windows(self, series: Sequence[np.ndarray], picks: Sequence[tuple[int, int]]) -> Windows:
        span = [series[s][o - self.context_length : o + self.horizon] for s, o in picks]
        windows = torch.as_tensor(np.stack(span).astype(np.float32))
        return windows[:, : self.context_length], windows[:, self.context_length :]

    def _nll(self, batch: Windows) -> tuple[torch.Tensor, float, float]:
        past, future = batch
        loss = -student_t_log_prob(future, *self._parameters(past)).mean()
        return loss, float(loss.detach()) * len(past), float(len(past))

    def fit(
        self,
        series: Sequence[np.ndarray],
        on_epoch: EpochCallback | None = None,
        on_step: StepCallback | None = None,
    ) -> XLSTMTimeForecaster:
        """Train on windows of the (z-normalised) training series; validation windows come
        from the last ``validation_fraction`` of each. ``on_epoch`` gets the train and
        validation NLL of each epoch, ``on_step`` the progress within it (see
        :mod:`kinemyo.training.loop`)."""
        values = [np.asarray(v, dtype=np.float32) for v in series]
        train, validation = training_and_validation_origins(
            [len(v) for v in values],
            self.horizon,
            validation_fraction=self.validation_fraction,
            first=self.context_length,
        )
        config = self.training
        torch.manual_seed(config.seed)
        rng = np.random.default_rng(config.seed)
        self.network_ = build_network(
            "xlstmtime",
            n_inputs=1,
            n_outputs=3 * self.horizon,
            hidden=self.hidden,
            layers=self.layers,
        )

        def epoch_batches(epoch: int) -> list[Windows]:
            picks = rng.integers(0, len(train), self.windows_per_epoch)
            return self._batches(values, [train[i] for i in picks])

        self.history_ = training_loop(
            self.network_,
            self._nll,
            epoch_batches,
            self._batches(values, validation),
            config,
            steps_per_epoch=math.ceil(self.windows_per_epoch / config.batch_size),
            on_epoch=on_epoch,
            on_step=on_step,
        )
        self.network_.cpu()
        return self

    def _batches(
        self, series: Sequence[np.ndarray], picks: Sequence[tuple[int, int]]
    ) -> list[Windows]:
        size = self.training.batch_size
        return [self._windows(series, picks[i : i + size]) for i in range(0, len(picks), size)]

    @torch.no_grad()
    def forecast(
        self, past: np.ndarray, horizon: int, num_samples: int, rng: np.random.Generator
    ) -> np.ndarray:
        """(num_samples, horizon) samples after ``past`` (its last ``context_length`` values);
        the draws are seeded from ``rng``."""
        if self.network_ is None:
            raise KinemyoError("XLSTMTimeForecaster is not fitted; call fit first.")
        if horizon != self.horizon or len(past) < self.context_length:
            raise KinemyoError(
                f"This forecaster was fitted for horizon {self.horizon} from at least "
                f"{self.context_length} past values; got horizon {horizon}, {len(past)} values."
            )
        window = torch.as_tensor(np.asarray(past[-self.context_length :], np.float32)[None])
        df, loc, scale = (p.expand(num_samples, horizon) for p in self._parameters(window))
        generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
        return student_t_sample(df, loc, scale, generator).numpy()
