"""LSTAM: frequency transform -> autoencoder -> LSTM -> attention, causal over time.

After Xiong et al. (Sci Rep 16, 13835, 2026), who predict hip moments from sEMG envelopes and
joint angles with these four stages. The stage layouts below (taper, attention scoring, layer
shapes) are this implementation's choices. Per time step t, for a batch of B sequences of
D = ``n_inputs`` features:

1. Window: the causal window of the last W = ``window`` input vectors, (B, T, W, D), zeros before
   the sequence start (:mod:`~kinemyo.models.networks.windowing`).
2. Frequency transform (:meth:`LSTAM.frequency_transform`): ``transform="fft"`` takes, per
   channel, the one-sided amplitude spectrum of the periodic-Hann-tapered window (|rfft| scaled
   to the input's units: bin 0 is the tapered window mean, a sinusoid of amplitude A gives A on
   its bin; :func:`tapered_magnitudes`), (B, T, F, D) with F = W // 2 + 1; ``transform="stft"``
   the amplitude spectra of Hann-tapered frames of ``stft_frame`` steps every ``stft_hop``
   steps (the last frame ends at step t), frames x bins flattened into
   F = n_frames * (stft_frame // 2 + 1). The periodic taper weighs the oldest step of a frame 0
   and the newest one > 0, so the output at t always depends on the input at t.
3. Frequency attention: a score per bin from its D-vector (``Linear(D -> D)``, tanh,
   ``Linear(D -> 1)``), softmax over the F bins, and the spectrum multiplied by
   ``F * weight`` (uniform weights leave it unchanged). Weights of the last call:
   :attr:`LSTAM.last_frequency_weights` (B, T, F).
4. Autoencoder: the encoder is ``Conv1d(D -> ae_channels, ae_kernel)`` over the frequency axis
   ("same" padding), GELU, flatten, ``Linear(ae_channels * F -> latent)``, tanh: a code
   (B, T, latent) that feeds the LSTM. The decoder, ``Linear(latent -> ae_channels * F)``, GELU,
   ``Conv1d(ae_channels -> D, ae_kernel)``, reconstructs the un-attended spectrum; the squared
   error per step (B, T) of every training forward is turned by :meth:`LSTAM.auxiliary_loss` into
   ``reconstruction_weight`` x its mean over the valid steps.
5. LSTM over T (``nn.LSTM``, ``layers`` x ``hidden``, dropout on its input and between layers).
6. Temporal attention: additive attention of the current output h_t over the last
   S = ``attention_span`` LSTM outputs h_{t-S+1} .. h_t (slots before the sequence start masked),
   ``score = v . tanh(W_q h_t + W_k h_s)``; the head is ``Linear([c_t, h_t] -> n_outputs)`` on
   the context c_t and h_t. Weights of the last call: :attr:`LSTAM.last_temporal_weights`
   (B, T, S).

Auxiliary loss, not pretraining: the autoencoder is trained jointly, its reconstruction error
added to the regression loss by the trainer (:meth:`SequenceNetwork.auxiliary_loss`), instead of
being pretrained separately. Every model then runs through one training loop with one budget of
epochs and early stopping; the reconstruction term keeps the code informative about the whole
input spectrum while the regression loss shapes it towards the targets; and
``reconstruction_weight=0`` leaves a plain learned bottleneck (no decoder is built).

Ablations: ``no_fft`` removes stage 2 (the raw window, F = W time samples, goes on instead);
``no_autoencoder`` removes stage 4 (the attended spectrum, flattened to F * D, feeds the LSTM;
no encoder, no decoder, no auxiliary loss); ``no_attention`` removes both attentions (no
frequency weighting, head ``Linear(h_t)``).

Time: one step is one frame of whatever input rate the caller chose (in the sequence
estimators, one feature window). Windows, frames and spans count steps, so the FFT bins are
modulation frequencies of the feature sequences: bin k is k / (W * step period), e.g. bins
3.125 Hz apart for W = 32 at 100 steps per second. Every stage only looks back, so the network is
causal; ``step`` keeps the input window, the LSTM (h, c) and the last S LSTM outputs, and
reproduces ``forward``. Cost per step: O(D * W log W) for the transform, O(F * D * hidden) for the
frequency scores, O(F * ae_channels * (D * ae_kernel + latent)) for the encoder (twice that in
training, with the decoder), O(hidden * (latent + hidden)) per LSTM layer and O(S * hidden**2)
for the temporal attention.
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar, Literal, NamedTuple

import torch
from pydantic import Field
from torch import nn
from torch.nn.functional import gelu

from kinemyo.models.networks.base import (
    Depth,
    Dropout,
    Features,
    SequenceNetwork,
    Steps,
    Width,
    register_network,
)
from kinemyo.models.networks.windowing import (
    causal_windows,
    empty_window,
    push_window,
    window_valid,
)

Transform = Literal["fft", "stft"]


class LSTAMState(NamedTuple):
    """What ``LSTAM.step`` carries between steps.

    Attributes:
        position: index of the next step (0 before the first); an int, or a 0-d int64 tensor
            (as in an exported ONNX step, where it is a state input).
        window: the last ``window`` inputs (B, window, n_inputs), zeros before the start.
        lstm: the LSTM's (h, c), each (layers, B, hidden).
        outputs: the last ``attention_span`` LSTM outputs (B, attention_span, hidden); None
            without attention.
    """

    position: int | torch.Tensor
    window: torch.Tensor
    lstm: tuple[torch.Tensor, torch.Tensor]
    outputs: torch.Tensor | None


def tapered_magnitudes(frames: torch.Tensor) -> torch.Tensor:
    """(..., N, D) frames, time along -2 -> (..., N // 2 + 1, D): the one-sided amplitude
    spectrum of the periodic-Hann-tapered frames, per channel, in the input's units.

    |rfft| is divided by the taper's sum and doubled for the bins that stand for two (all but DC
    and, for even N, Nyquist): bin 0 is the tapered mean of the frame and a sinusoid of amplitude
    A on bin k gives A there. Without this scaling the DC bin is N/2 times the input's scale,
    which saturated the autoencoder's tanh code (see the module docstring).
    """
    n = frames.shape[-2]
    taper = torch.hann_window(n, dtype=frames.dtype, device=frames.device)
    scale = torch.full((n // 2 + 1, 1), 2.0, dtype=frames.dtype, device=frames.device)
    scale[0] = 1.0
    if n % 2 == 0:
        scale[-1] = 1.0
    tapered = frames * taper[:, None]
    if torch.jit.is_tracing():  # an ONNX export: torch's exporter has no rfft; the same DFT
        bins = torch.arange(n // 2 + 1, dtype=torch.float64)[:, None]
        angle = (bins * torch.arange(n, dtype=torch.float64)[None, :] % n) * (2 * math.pi / n)
        real = torch.cos(angle).to(frames.dtype) @ tapered
        imaginary = torch.sin(angle).to(frames.dtype) @ tapered
        return torch.sqrt(real.square() + imaginary.square()) * (scale / taper.sum())
    return torch.fft.rfft(tapered, dim=-2).abs() * (scale / taper.sum())


class _FrequencyAttention(nn.Module):
    """Softmax weights over the frequency bins from each bin's channel vector."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.score = nn.Sequential(
            nn.Linear(channels, channels), nn.Tanh(), nn.Linear(channels, 1, bias=False)
        )

    def forward(self, spectrum: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, F, D) -> the reweighted spectrum (B, T, F, D) and the weights (B, T, F)."""
        weights = torch.softmax(self.score(spectrum)[..., 0], dim=-1)
        return spectrum * (weights * spectrum.shape[-2])[..., None], weights


class _TemporalAttention(nn.Module):
    """Additive attention of the current LSTM output over the recent ones."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden, bias=False)
        self.score = nn.Linear(hidden, 1, bias=False)

    def forward(
        self, h: torch.Tensor, memory: torch.Tensor, keys: torch.Tensor, valid: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """h (B, T, H), memory (B, T, S, H) and its keys ``self.key(memory)`` (computed once per
        step by the caller), valid (T, S) -> context (B, T, H), weights (B, T, S)."""
        scores = self.score(torch.tanh(self.query(h)[:, :, None] + keys))[..., 0]
        weights = torch.softmax(scores.masked_fill(~valid, -math.inf), dim=-1)
        return (weights[..., None] * memory).sum(dim=2), weights


class _SpectrumEncoder(nn.Module):
    """Conv1d over frequency, GELU, Linear to the code, tanh: (B, T, F, D) -> (B, T, latent)."""

    def __init__(self, channels: int, bins: int, ae_channels: int, kernel: int, latent: int):
        super().__init__()
        self.conv = nn.Conv1d(channels, ae_channels, kernel, padding="same")
        self.linear = nn.Linear(ae_channels * bins, latent)

    def forward(self, spectrum: torch.Tensor) -> torch.Tensor:
        h = gelu(self.conv(spectrum.flatten(0, 1).transpose(1, 2)))
        return torch.tanh(self.linear(h.flatten(1))).unflatten(0, spectrum.shape[:2])


class _SpectrumDecoder(nn.Module):
    """Linear from the code, GELU, Conv1d back to the channels: (B, T, latent) -> (B, T, F, D)."""

    def __init__(self, channels: int, bins: int, ae_channels: int, kernel: int, latent: int):
        super().__init__()
        self.linear = nn.Linear(latent, ae_channels * bins)
        self.conv = nn.Conv1d(ae_channels, channels, kernel, padding="same")
        self.shape = (ae_channels, bins)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        h = gelu(self.linear(code.flatten(0, 1))).unflatten(1, self.shape)
        return self.conv(h).transpose(1, 2).unflatten(0, code.shape[:2])


@register_network
class LSTAM(SequenceNetwork):
    """Frequency transform, autoencoder, LSTM and attention (see the module docstring).

    Args:
        n_inputs: features per step (D).
        n_outputs: targets per step.
        hidden: LSTM hidden size, also the width of the temporal attention's scorer.
        layers: stacked LSTM layers.
        window: steps in the input window W (integer >= 2). Default 32.
        transform: "fft" (one spectrum of the window) or "stft" (frames). Default "fft".
        stft_frame: steps per STFT frame (2 .. window; "stft" only). Default 16.
        stft_hop: steps between STFT frames (>= 1). Default 8.
        latent: size of the autoencoder's code. Default 32.
        ae_channels: channels of the autoencoder's convolutions. Default 16.
        ae_kernel: taps of the autoencoder's convolutions over frequency. Default 3.
        attention_span: LSTM outputs S the temporal attention looks back over. Default 16.
        reconstruction_weight: weight of the reconstruction loss (>= 0; 0 builds no decoder).
            Default 0.1.
        dropout: dropout on the LSTM input and between LSTM layers, in [0, 1). Default 0.
        no_fft, no_autoencoder, no_attention: ablations removing those stages.

    Shapes: ``forward`` (B, T, n_inputs) -> (B, T, n_outputs); ``step`` (B, n_inputs) ->
    (B, n_outputs), with a :class:`LSTAMState`.
    """

    name: ClassVar[str] = "lstam"

    def __init__(
        self,
        n_inputs: Features,
        n_outputs: Features,
        hidden: Width = 64,
        layers: Depth = 1,
        *,
        window: Annotated[Steps, Field(ge=2)] = 32,
        transform: Transform = "fft",
        stft_frame: Annotated[Steps, Field(ge=2)] = 16,
        stft_hop: Steps = 8,
        latent: Width = 32,
        ae_channels: Width = 16,
        ae_kernel: Steps = 3,
        attention_span: Steps = 16,
        reconstruction_weight: Annotated[float, Field(ge=0)] = 0.1,
        dropout: Dropout = 0.0,
        no_fft: bool = False,
        no_autoencoder: bool = False,
        no_attention: bool = False,
    ) -> None:
        super().__init__(n_inputs, n_outputs, hidden, layers)
        if transform == "stft" and not no_fft and stft_frame > window:
            raise ValueError(f"'stft_frame' ({stft_frame}) must be <= 'window' ({window})")
        self.window, self.transform = int(window), transform
        self.stft_frame, self.stft_hop, self.no_fft = int(stft_frame), int(stft_hop), no_fft
        self.latent, self.ae_channels = int(latent), int(ae_channels)
        self.ae_kernel, self.attention_span = int(ae_kernel), int(attention_span)
        self.reconstruction_weight, self.dropout = float(reconstruction_weight), float(dropout)
        self.no_autoencoder, self.no_attention = no_autoencoder, no_attention
        self._build_modules()
        self.last_frequency_weights: torch.Tensor | None = None
        self.last_temporal_weights: torch.Tensor | None = None
        self._reconstruction_error: torch.Tensor | None = None

    @property
    def bins(self) -> int:
        """F: rows of the frequency stage's output (time samples with ``no_fft``)."""
        if self.no_fft:
            return self.window
        if self.transform == "fft":
            return self.window // 2 + 1
        frames = 1 + (self.window - self.stft_frame) // self.stft_hop
        return frames * (self.stft_frame // 2 + 1)

    def _build_modules(self) -> None:
        d, bins, hidden = self.n_inputs, self.bins, self.hidden
        shapes = (d, bins, self.ae_channels, self.ae_kernel, self.latent)
        attention = not self.no_attention
        self.frequency_attention = _FrequencyAttention(d) if attention else None
        self.encoder = None if self.no_autoencoder else _SpectrumEncoder(*shapes)
        self.feature_dropout = nn.Dropout(self.dropout)
        self.lstm = nn.LSTM(
            bins * d if self.no_autoencoder else self.latent,
            hidden,
            num_layers=self.layers,
            batch_first=True,
            dropout=self.dropout if self.layers > 1 else 0.0,
        )
        self.temporal_attention = _TemporalAttention(hidden) if attention else None
        self.head = nn.Linear(2 * hidden if attention else hidden, self.n_outputs)
        # built last, so that the other initial weights do not depend on reconstruction_weight
        decode = not self.no_autoencoder and self.reconstruction_weight > 0
        self.decoder = _SpectrumDecoder(*shapes) if decode else None

    def frequency_transform(self, windows: torch.Tensor) -> torch.Tensor:
        """Stage 2: (B, T, W, D) windows -> (B, T, F, D) magnitudes (the windows with
        ``no_fft``)."""
        if self.no_fft:
            return windows
        if self.transform == "fft":
            return tapered_magnitudes(windows)
        start = (self.window - self.stft_frame) % self.stft_hop  # the last frame ends at t
        frames = windows[:, :, start:].unfold(2, self.stft_frame, self.stft_hop).transpose(-1, -2)
        return tapered_magnitudes(frames).flatten(2, 3)

    def _encode(self, windows: torch.Tensor) -> torch.Tensor:
        """Stages 2-4: (B, T, W, D) windows -> the LSTM's inputs (B, T, latent or F * D)."""
        spectrum = self.frequency_transform(windows)
        attended = spectrum
        if self.frequency_attention is not None:
            attended, weights = self.frequency_attention(spectrum)
            self.last_frequency_weights = weights.detach()
        if self.encoder is None:
            return attended.flatten(2)
        code = self.encoder(attended)
        if self.decoder is not None and self.training:
            error = (self.decoder(code) - spectrum).square().mean(dim=(2, 3))
            self._reconstruction_error = error
        return code

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The LSTM's input sequence: (B, T, n_inputs) -> (B, T, latent), or (B, T, F * n_inputs)
        with ``no_autoencoder`` (before the input dropout)."""
        return self._encode(causal_windows(x, self.window))

    def _attend(
        self, h: torch.Tensor, memory: torch.Tensor, keys: torch.Tensor, valid: torch.Tensor
    ) -> torch.Tensor:
        """Stage 6: h (B, T, H), memory and keys (B, T, S, H), valid (T, S) -> (B, T, n_outputs)."""
        context, weights = self.temporal_attention(h, memory, keys, valid)
        self.last_temporal_weights = weights.detach()
        return self.head(torch.cat([context, h], dim=-1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, n_inputs) -> (B, T, n_outputs); in training mode also records the
        reconstruction error for :meth:`auxiliary_loss`."""
        self._reconstruction_error = None
        h = self.lstm(self.feature_dropout(self.features(x)))[0]
        if self.temporal_attention is None:
            return self.head(h)
        span = self.attention_span
        valid = window_valid(torch.arange(x.shape[1], device=x.device), span)
        keys = causal_windows(self.temporal_attention.key(h), span)
        return self._attend(h, causal_windows(h, span), keys, valid)

    def auxiliary_loss(self, valid: torch.Tensor) -> torch.Tensor | None:
        """``reconstruction_weight`` x the mean reconstruction error of the last training forward
        over its valid (B, T) steps; None without a decoder or outside training."""
        if not self.training or self._reconstruction_error is None:
            return None
        return self.reconstruction_weight * self._reconstruction_error[valid].mean()

    def initial_state(self, batch: int) -> LSTAMState:
        """Zero window, LSTM states and output buffer (what ``forward`` starts from)."""
        like = self.head.weight
        zeros = like.new_zeros(self.layers, batch, self.hidden)
        outputs = None
        if self.temporal_attention is not None:
            outputs = empty_window(batch, self.attention_span, self.hidden, like)
        window = empty_window(batch, self.window, self.n_inputs, like)
        return LSTAMState(0, window, (zeros, zeros.clone()), outputs)

    def step(self, x: torch.Tensor, state: LSTAMState) -> tuple[torch.Tensor, LSTAMState]:
        """(B, n_inputs) and the state -> (B, n_outputs) and the next state."""
        window = push_window(state.window, x)
        features = self.feature_dropout(self._encode(window[:, None]))
        h, lstm = self.lstm(features, state.lstm)
        if self.temporal_attention is None:
            return self.head(h[:, 0]), LSTAMState(state.position + 1, window, lstm, None)
        outputs = push_window(state.outputs, h[:, 0])
        position = torch.as_tensor(state.position, device=x.device).reshape(1)
        valid = window_valid(position, self.attention_span)
        keys = self.temporal_attention.key(outputs)
        y = self._attend(h, outputs[:, None], keys[:, None], valid)[:, 0]
        return y, LSTAMState(state.position + 1, window, lstm, outputs)
