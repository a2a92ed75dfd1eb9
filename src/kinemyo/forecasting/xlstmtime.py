"""xLSTMTime as a probabilistic forecaster: a baseline for Lag-Llama on the same windows.

The causal xLSTMTime network of :mod:`kinemyo.models.networks.xlstmtime` reads the last
``context_length`` values (one input per step); from its output at the last step, a linear head
gives Student-t parameters for each of the ``horizon`` future steps at once (a direct
multi-horizon forecast, not autoregressive): df = 2 + softplus, loc, scale = softplus + 1e-3, in
the z-normalised units of the series. Trained by Student-t negative log-likelihood on random
windows of the training parts. Samples are drawn independently per step: the marginal
distributions, which is all the CRPS and coverage scores look at.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch.nn.functional import softplus

from kinemyo.errors import KinemyoError
from kinemyo.models.networks import build_network


class XLSTMTimeForecaster:
    """Direct multi-horizon Student-t forecaster built on the xLSTMTime network.

    Args:
        context_length: past values read per forecast.
        horizon: future steps forecast at once.
        hidden, layers: size of the xLSTMTime network.
        epochs, windows_per_epoch, batch_size, learning_rate: training.
        seed: seeds weights and window draws.
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
        seed: int = 0,
    ) -> None:
        self.context_length, self.horizon = context_length, horizon
        self.hidden, self.layers = hidden, layers
        self.epochs, self.windows_per_epoch = epochs, windows_per_epoch
        self.batch_size, self.learning_rate, self.seed = batch_size, learning_rate, seed
        self.network_: torch.nn.Module | None = None

    def _parameters(self, past: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        raw = self.network_(past[..., None])[:, -1].view(len(past), self.horizon, 3)
        return 2 + softplus(raw[..., 0]), raw[..., 1], softplus(raw[..., 2]) + 1e-3

    def fit(self, series: Sequence[np.ndarray]) -> XLSTMTimeForecaster:
        """Train on windows of the (z-normalised) training series."""
        span = self.context_length + self.horizon
        origins = [
            (s, o)
            for s, values in enumerate(series)
            for o in range(self.context_length, len(values) - self.horizon + 1)
        ]
        if not origins:
            raise KinemyoError(f"The series are shorter than context + horizon = {span} steps.")
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        self.network_ = build_network(
            "xlstmtime",
            n_inputs=1,
            n_outputs=3 * self.horizon,
            hidden=self.hidden,
            layers=self.layers,
        )
        optimiser = torch.optim.Adam(self.network_.parameters(), lr=self.learning_rate)
        self.network_.train()
        for _ in range(self.epochs):
            picks = rng.integers(0, len(origins), self.windows_per_epoch)
            for first in range(0, picks.size, self.batch_size):
                chosen = [origins[i] for i in picks[first : first + self.batch_size]]
                windows = np.stack(
                    [series[s][o - self.context_length : o + self.horizon] for s, o in chosen]
                ).astype(np.float32)
                past = torch.as_tensor(windows[:, : self.context_length])
                future = torch.as_tensor(windows[:, self.context_length :])
                df, loc, scale = self._parameters(past)
                loss = -torch.distributions.StudentT(df, loc, scale).log_prob(future).mean()
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.network_.parameters(), 1.0)
                optimiser.step()
        self.network_.eval()
        return self

    @torch.no_grad()
    def forecast(
        self, past: np.ndarray, horizon: int, num_samples: int, rng: np.random.Generator
    ) -> np.ndarray:
        """(num_samples, horizon) samples after ``past`` (its last ``context_length`` values)."""
        if self.network_ is None:
            raise KinemyoError("XLSTMTimeForecaster is not fitted; call fit first.")
        if horizon != self.horizon or len(past) < self.context_length:
            raise KinemyoError(
                f"This forecaster was fitted for horizon {self.horizon} from at least "
                f"{self.context_length} past values; got horizon {horizon}, {len(past)} values."
            )
        window = torch.as_tensor(np.asarray(past[-self.context_length :], np.float32)[None])
        df, loc, scale = (p[0].numpy() for p in self._parameters(window))
        draws = rng.standard_t(df, size=(num_samples, horizon))
        return (loc + scale * draws).astype(np.float32)
