"""LSTAM (frequency transform, autoencoder, LSTM, attention), its ablations, the causal window
helper and the feed-forward window baseline (FFN).

Expected values come from numpy written here (the Hann-tapered amplitude spectrum, the causal
windows, torch's documented LSTM equations, the attention equations) applied to the network's
weights, never from the network's own sub-modules. Shapes, causality, ``step`` = ``forward`` and
the rest of the network and estimator contracts are checked in tests/test_contracts.py."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from kinemyo.errors import KinemyoError
from kinemyo.models import create
from kinemyo.models.networks import LSTAM, FeedForwardNetwork, build_network
from kinemyo.models.networks.windowing import (
    causal_windows,
    empty_window,
    push_window,
    window_valid,
)
from tests.test_sequence_models import dataset

D, K = 3, 2
SMALL: dict[str, Any] = {
    "hidden": 8,
    "layers": 1,
    "window": 8,
    "stft_frame": 4,
    "stft_hop": 3,
    "latent": 4,
    "ae_channels": 3,
    "ae_kernel": 3,
    "attention_span": 4,
}
VARIANTS: dict[str, dict[str, Any]] = {
    "fft": {},
    "stft": {"transform": "stft"},
    "no_fft": {"no_fft": True},
    "no_autoencoder": {"no_autoencoder": True},
    "no_attention": {"no_attention": True},
    "bare": {"no_fft": True, "no_autoencoder": True, "no_attention": True},
    "two_layers": {"layers": 2, "transform": "stft", "reconstruction_weight": 0.0},
}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def make(seed: int = 0, **options: Any) -> LSTAM:
    """A small float64 LSTAM in eval mode."""
    torch.manual_seed(seed)
    net = build_network("lstam", n_inputs=D, n_outputs=K, **{**SMALL, **options})
    return net.double().eval()


def inputs(batch: int, steps: int, features: int = D, seed: int = 1) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, steps, features, generator=generator, dtype=torch.float64)


def count(module: torch.nn.Module | None) -> int:
    return 0 if module is None else sum(p.numel() for p in module.parameters())


# ---- parameter counts from the layer shapes, independently of the implementation -----------------


def linear(n_in: int, n_out: int, bias: bool = True) -> int:
    return n_in * n_out + (n_out if bias else 0)


def conv(n_in: int, n_out: int, kernel: int) -> int:
    return n_in * n_out * kernel + n_out


def lstm(n_in: int, hidden: int, layers: int) -> int:
    return sum(
        4 * hidden * ((n_in if i == 0 else hidden) + hidden) + 8 * hidden for i in range(layers)
    )


def expected_parameters(
    d: int,
    k: int,
    *,
    hidden: int,
    layers: int,
    bins: int,
    latent: int,
    ae_channels: int,
    ae_kernel: int,
    autoencoder: bool = True,
    decoder: bool = True,
    attention: bool = True,
    **_: Any,
) -> dict[str, int]:
    """Parameters per stage: frequency scorer, encoder, decoder, LSTM, temporal scorer, head."""
    c = ae_channels
    return {
        "frequency_attention": linear(d, d) + linear(d, 1, False) if attention else 0,
        "encoder": conv(d, c, ae_kernel) + linear(c * bins, latent) if autoencoder else 0,
        "decoder": linear(latent, c * bins) + conv(c, d, ae_kernel)
        if autoencoder and decoder
        else 0,
        "lstm": lstm(latent if autoencoder else bins * d, hidden, layers),
        "temporal_attention": (
            linear(hidden, hidden) + linear(hidden, hidden, False) + linear(hidden, 1, False)
            if attention
            else 0
        ),
        "head": linear(2 * hidden if attention else hidden, k),
    }


def stage_counts(net: LSTAM) -> dict[str, int]:
    names = ("frequency_attention", "encoder", "decoder", "lstm", "temporal_attention", "head")
    return {name: count(getattr(net, name)) for name in names}


# ---- the window helper ---------------------------------------------------------------------------


def test_causal_windows_hold_the_last_steps_and_the_buffer_matches() -> None:
    x = inputs(2, 6)
    windows = causal_windows(x, 4)
    assert windows.shape == (2, 6, 4, D)
    for b in range(2):
        np.testing.assert_array_equal(windows[b].numpy(), numpy_windows(x[b].numpy(), 4))
    buffer = empty_window(2, 4, D, x)
    for t in range(6):
        buffer = push_window(buffer, x[:, t])
        torch.testing.assert_close(buffer, windows[:, t], rtol=0, atol=0)
    assert window_valid(torch.arange(6), 4)[:3].tolist() == [
        [False, False, False, True],
        [False, False, True, True],
        [False, True, True, True],
    ]
    assert bool(window_valid(torch.arange(6), 4)[3:].all())


# ---- the stages and their ablations --------------------------------------------------------------


def numpy_windows(x: np.ndarray, width: int) -> np.ndarray:
    """(T, D) -> (T, width, D): at each step the last ``width`` inputs, zeros before the start."""
    windows = np.zeros((len(x), width, x.shape[1]))
    for t in range(len(x)):
        for s in range(width):
            if t - width + 1 + s >= 0:
                windows[t, s] = x[t - width + 1 + s]
    return windows


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max())
    return e / e.sum()


def numpy_lstm(sequence: np.ndarray, weights: dict[str, np.ndarray], layers: int) -> np.ndarray:
    """(T, n) -> (T, H): torch.nn.LSTM's documented equations (gate rows i, f, g, o), zero start."""
    for layer in range(layers):
        w_ih, w_hh = weights[f"lstm.weight_ih_l{layer}"], weights[f"lstm.weight_hh_l{layer}"]
        bias = weights[f"lstm.bias_ih_l{layer}"] + weights[f"lstm.bias_hh_l{layer}"]
        h = c = np.zeros(w_hh.shape[1])
        outputs = []
        for x_t in sequence:
            i, f, g, o = np.split(w_ih @ x_t + w_hh @ h + bias, 4)
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
            outputs.append(h)
        sequence = np.array(outputs)
    return sequence


def numpy_weights(net: torch.nn.Module) -> dict[str, np.ndarray]:
    return {key: value.detach().numpy() for key, value in net.state_dict().items()}


def numpy_hann(n: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)  # periodic


def amplitude_spectrum(frames: np.ndarray, n: int) -> np.ndarray:
    """One-sided amplitude spectrum along axis -2: |rfft| / sum(taper), x2 except DC/Nyquist."""
    taper = numpy_hann(n)
    spectrum = np.abs(np.fft.rfft(frames * taper[:, None], axis=-2)) / taper.sum()
    doubled = np.ones(n // 2 + 1)
    doubled[1 : (n + 1) // 2] = 2.0
    return spectrum * doubled[:, None]


def test_fft_stage_is_the_amplitude_spectrum_of_the_tapered_window() -> None:
    net = make()
    windows = inputs(2, 5 * 8).reshape(2, 5, 8, D)
    expected = amplitude_spectrum(windows.numpy(), 8)
    got = net.frequency_transform(windows)
    assert got.shape == (2, 5, 5, D) and net.bins == 5
    np.testing.assert_allclose(got.numpy(), expected, rtol=0, atol=1e-12)


def test_stft_stage_is_the_amplitude_of_tapered_frames_ending_at_the_window_end() -> None:
    net = make(transform="stft", window=9, stft_frame=4, stft_hop=3)  # frames 2-5 and 5-8
    windows = inputs(2, 4 * 9).reshape(2, 4, 9, D).numpy()
    frames = [windows[:, :, start : start + 4] for start in (2, 5)]
    expected = np.concatenate([amplitude_spectrum(f, 4) for f in frames], axis=2)
    got = net.frequency_transform(torch.as_tensor(windows))
    assert got.shape == (2, 4, 2 * 3, D) and net.bins == 6
    np.testing.assert_allclose(got.numpy(), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("phase", [0.0, 0.7, 2.0])
def test_a_pure_tone_peaks_at_its_bin_whatever_its_phase(phase: float) -> None:
    """Tone of amplitude 1 (and 2) at bin 5 of a 32-step window: the Hann-tapered amplitude
    spectrum is the tone's amplitude at bin 5 and half of it beside it."""
    net = make(window=32)
    n = np.arange(32)
    tone = np.sin(2 * np.pi * 5 * n / 32 + phase)
    windows = torch.as_tensor(np.stack([tone, 2 * tone], axis=-1))[None, None]  # (1,1,32,2)
    spectrum = net.frequency_transform(windows)[0, 0].numpy()  # (17, 2)
    assert spectrum.argmax(axis=0).tolist() == [5, 5]
    np.testing.assert_allclose(spectrum[5], [1.0, 2.0], atol=1e-9)
    np.testing.assert_allclose(spectrum[[4, 6]], [[0.5, 1.0], [0.5, 1.0]], atol=1e-9)
    others = np.delete(spectrum, [4, 5, 6], axis=0)
    assert np.abs(others).max() < 1e-9


def test_default_parameter_count_matches_the_layer_shapes() -> None:
    net = build_network("lstam", n_inputs=16, n_outputs=2)
    expected = expected_parameters(
        16, 2, hidden=64, layers=1, bins=17, latent=32, ae_channels=16, ae_kernel=3
    )
    assert stage_counts(net) == expected
    assert count(net) == sum(expected.values()) == 53234


@pytest.mark.parametrize("variant", VARIANTS)
def test_ablations_remove_exactly_their_modules(variant: str) -> None:
    options = VARIANTS[variant]
    net = make(**options)
    shape = {**SMALL, **options}
    bins = {"fft": 5, "stft": 2 * 3, "time": 8}[
        "time" if shape.get("no_fft") else shape.get("transform", "fft")
    ]
    assert net.bins == bins
    expected = expected_parameters(
        D,
        K,
        bins=bins,
        autoencoder=not shape.get("no_autoencoder"),
        decoder=shape.get("reconstruction_weight", 0.1) > 0,
        attention=not shape.get("no_attention"),
        **shape,
    )
    assert stage_counts(net) == expected
    assert count(net) == sum(expected.values())
    for stage in ("frequency_attention", "encoder", "decoder", "temporal_attention"):
        assert (getattr(net, stage) is None) == (expected[stage] == 0)


def test_no_fft_passes_the_raw_window_on() -> None:
    net = make(no_fft=True)
    windows = inputs(2, 3 * 8).reshape(2, 3, 8, D)
    torch.testing.assert_close(net.frequency_transform(windows), windows, rtol=0, atol=0)
    assert net.encoder.linear.in_features == SMALL["ae_channels"] * 8


def test_the_autoencoder_adds_a_weighted_masked_reconstruction_loss() -> None:
    """With its linear layer zeroed, the decoder reconstructs every bin as its convolution's bias
    c_d, so the loss is 0.5 x the mean over valid steps of mean_fd (c_d - S_tfd)^2, with S the
    numpy amplitude spectrum of the causal window (the spectrum before frequency attention)."""
    net = make(reconstruction_weight=0.5).train()
    x = inputs(2, 10)
    valid = torch.ones(2, 10, dtype=torch.bool)
    valid[1, 6:] = False
    net(x)
    loss = net.auxiliary_loss(valid)
    assert loss is not None and loss.item() > 0 and loss.requires_grad
    loss.backward()
    assert net.decoder.conv.weight.grad.abs().sum() > 0
    assert net.encoder.conv.weight.grad.abs().sum() > 0

    with torch.no_grad():
        net.decoder.linear.weight.zero_()
        net.decoder.linear.bias.zero_()
        net(x)
    bias = net.decoder.conv.bias.detach().numpy()
    error = np.zeros((2, 10))
    for b in range(2):
        spectrum = amplitude_spectrum(numpy_windows(x[b].numpy(), 8), 8)  # (T, 5 bins, D)
        error[b] = ((bias - spectrum) ** 2).mean(axis=(1, 2))
    expected = 0.5 * error[valid.numpy()].mean()
    assert net.auxiliary_loss(valid).item() == pytest.approx(expected, rel=1e-12)
    net.eval()
    net(x)
    assert net.auxiliary_loss(valid) is None  # no auxiliary loss outside training


@pytest.mark.parametrize("options", [{"no_autoencoder": True}, {"reconstruction_weight": 0.0}])
def test_no_auxiliary_loss_without_a_decoder(options: dict[str, Any]) -> None:
    net = make(**options).train()
    net(inputs(2, 6))
    assert net.decoder is None
    assert net.auxiliary_loss(torch.ones(2, 6, dtype=torch.bool)) is None
    if options.get("no_autoencoder"):
        assert net.encoder is None
        assert net.features(inputs(2, 6)).shape == (2, 6, 5 * D)  # the flattened spectrum


@torch.no_grad()
def test_bare_lstam_is_an_lstm_over_the_raw_window_and_a_linear_head() -> None:
    """All three ablations: y_t = W h_t + b, h the LSTM over the flattened causal window."""
    net = make(no_fft=True, no_autoencoder=True, no_attention=True, layers=2)
    x = inputs(2, 12)
    y = net(x).numpy()
    weights = numpy_weights(net)
    for b in range(2):
        features = numpy_windows(x[b].numpy(), SMALL["window"]).reshape(12, -1)  # step-major
        h = numpy_lstm(features, weights, layers=2)
        expected = h @ weights["head.weight"].T + weights["head.bias"]
        np.testing.assert_allclose(y[b], expected, rtol=0, atol=1e-12)
    assert net.last_frequency_weights is None and net.last_temporal_weights is None


@torch.no_grad()
def test_both_attentions_follow_their_equations() -> None:
    """Raw window (no_fft, no_autoencoder) with both attentions, from the module docstring: bin
    scores v . tanh(A x_f + a), softmax over the W bins, each bin scaled by W x its weight; LSTM;
    slot scores u . tanh(W_q h_t + b_q + W_k h_s) over the last S outputs (none before the
    start), softmax, context c_t = sum of w_s h_s; y_t = head([c_t, h_t])."""
    net = make(no_fft=True, no_autoencoder=True)
    width, span, steps = SMALL["window"], SMALL["attention_span"], 12
    x = inputs(2, steps)
    y = net(x).numpy()
    weights = numpy_weights(net)
    a, a_bias = (
        weights["frequency_attention.score.0.weight"],
        weights["frequency_attention.score.0.bias"],
    )
    v = weights["frequency_attention.score.2.weight"][0]
    w_q, b_q = weights["temporal_attention.query.weight"], weights["temporal_attention.query.bias"]
    w_k, u = weights["temporal_attention.key.weight"], weights["temporal_attention.score.weight"][0]
    for b in range(2):
        windows = numpy_windows(x[b].numpy(), width)
        bin_weights = np.array([softmax(np.tanh(w @ a.T + a_bias) @ v) for w in windows])
        np.testing.assert_allclose(net.last_frequency_weights[b].numpy(), bin_weights, atol=1e-12)
        attended = windows * width * bin_weights[:, :, None]
        h = numpy_lstm(attended.reshape(steps, -1), weights, layers=1)
        for t in range(steps):
            slots = range(max(0, t - span + 1), t + 1)
            scores = np.array([u @ np.tanh(w_q @ h[t] + b_q + w_k @ h[s]) for s in slots])
            slot_weights = softmax(scores)
            context = sum(w * h[s] for w, s in zip(slot_weights, slots, strict=True))
            expected = (
                weights["head.weight"] @ np.concatenate([context, h[t]]) + weights["head.bias"]
            )
            np.testing.assert_allclose(y[b, t], expected, rtol=0, atol=1e-12)
            got = net.last_temporal_weights[b, t].numpy()
            np.testing.assert_allclose(got[span - len(slot_weights) :], slot_weights, atol=1e-12)


@torch.no_grad()
def test_attention_weights_are_kept_and_masked_before_the_start() -> None:
    net = make()
    net(inputs(2, 12))
    frequency, temporal = net.last_frequency_weights, net.last_temporal_weights
    assert frequency.shape == (2, 12, 5) and temporal.shape == (2, 12, 4)
    torch.testing.assert_close(frequency.sum(-1), torch.ones(2, 12, dtype=torch.float64))
    torch.testing.assert_close(temporal.sum(-1), torch.ones(2, 12, dtype=torch.float64))
    assert temporal[:, 0].tolist() == [[0.0, 0.0, 0.0, 1.0]] * 2
    assert bool((temporal[:, 1, :2] == 0).all()) and bool((temporal[:, 1, 2:] > 0).all())


def test_frequency_attention_with_uniform_weights_leaves_the_spectrum_unchanged() -> None:
    net = make()
    torch.nn.init.zeros_(net.frequency_attention.score[2].weight)  # every score 0
    spectrum = net.frequency_transform(causal_windows(inputs(2, 6), 8))
    attended, weights = net.frequency_attention(spectrum)
    torch.testing.assert_close(attended, spectrum)
    torch.testing.assert_close(weights, torch.full_like(weights, 1 / 5))


@pytest.mark.parametrize(
    ("options", "option"),
    [
        ({"window": 1}, "window"),
        ({"transform": "wavelet"}, "transform"),
        ({"transform": "stft", "stft_frame": 9}, "stft_frame"),
        ({"stft_frame": 1}, "stft_frame"),
        ({"stft_hop": 0}, "stft_hop"),
        ({"latent": 0}, "latent"),
        ({"ae_channels": 2.5}, "ae_channels"),
        ({"ae_kernel": True}, "ae_kernel"),
        ({"attention_span": 0}, "attention_span"),
        ({"reconstruction_weight": -0.1}, "reconstruction_weight"),
        ({"reconstruction_weight": float("inf")}, "reconstruction_weight"),
        ({"dropout": 1.0}, "dropout"),
        ({"no_fft": 1}, "no_fft"),
        ({"no_autoencoder": "yes"}, "no_autoencoder"),
        ({"no_attention": None}, "no_attention"),
    ],
)
def test_invalid_options_name_the_option(options: dict[str, Any], option: str) -> None:
    with pytest.raises(KinemyoError, match=rf"\b{option}\b"):
        build_network("lstam", n_inputs=D, n_outputs=K, **{**SMALL, **options})


# ---- learning ------------------------------------------------------------------------------------


def test_overfits_a_tiny_batch() -> None:
    """Targets a smooth nonlinear function of the mean of the last 4 inputs: MSE down by 90%."""
    torch.manual_seed(0)
    net = build_network(
        "lstam", n_inputs=5, n_outputs=2, **{**SMALL, "hidden": 16, "latent": 8}
    ).train()
    x = torch.randn(4, 40, 5)
    recent = causal_windows(x, 4).mean(dim=2)
    y = torch.tanh(2 * recent @ torch.randn(5, 2))
    y = (y - y.mean()) / y.std()
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-2)
    valid = torch.ones(4, 40, dtype=torch.bool)
    losses = []
    for _ in range(300):
        optimiser.zero_grad()
        mse = torch.nn.functional.mse_loss(net(x), y)
        (mse + net.auxiliary_loss(valid)).backward()
        optimiser.step()
        losses.append(mse.item())
    assert losses[-1] < 0.1 * losses[0]


def test_the_trainer_adds_the_auxiliary_loss(monkeypatch: pytest.MonkeyPatch) -> None:
    params: dict[str, Any] = {
        "hidden": 8,
        "layers": 1,
        "sequence_length": 8,
        "epochs": 2,
        "learning_rate": 1e-2,
        "patience": 0,
        "seed": 3,
        "device": "cpu",
    }
    options = {key: SMALL[key] for key in ("window", "latent", "ae_channels", "attention_span")}
    plain = create("lstam", **params, options={**options, "reconstruction_weight": 0.0})
    plain.fit(dataset(trials=2, n=40))
    recorded: list[torch.Tensor | None] = []
    original = LSTAM.auxiliary_loss

    def recording(self: LSTAM, valid: torch.Tensor) -> torch.Tensor | None:
        recorded.append(original(self, valid))
        return recorded[-1]

    monkeypatch.setattr(LSTAM, "auxiliary_loss", recording)
    model = create("lstam", **params, options={**options, "reconstruction_weight": 0.5})
    model.fit(dataset(trials=2, n=40))
    steps = len(model.history.step_loss)
    assert len(recorded) == steps and all(loss is not None for loss in recorded)
    # same initial weights and first batch: the first step's loss differs by the auxiliary loss
    assert model.history.step_loss[0] == pytest.approx(
        plain.history.step_loss[0] + recorded[0].item(), rel=1e-5
    )
    assert recorded[0].item() > 0
    assert model.n_parameters() == count(model.network_)
    assert model.network_.decoder is not None and plain.network_.decoder is None


# ---- the feed-forward baseline -------------------------------------------------------------------


def test_ffn_parameters_are_the_mlps() -> None:
    net = build_network("ffn", n_inputs=5, n_outputs=2, hidden=16, layers=3, window=4)
    assert isinstance(net, FeedForwardNetwork)
    assert count(net) == linear(4 * 5, 16) + 2 * linear(16, 16) + linear(16, 2)


@torch.no_grad()
def test_ffn_sees_exactly_its_window() -> None:
    torch.manual_seed(0)
    net = build_network("ffn", n_inputs=D, n_outputs=K, hidden=8, layers=2, window=4).double()
    x = inputs(2, 10)
    assert net(x).shape == (2, 10, K)
    outside, inside = x.clone(), x.clone()
    outside[:, 3] += 10.0  # 4 steps before step 7: outside its window
    inside[:, 4] += 10.0
    torch.testing.assert_close(net(outside)[:, 7:], net(x)[:, 7:], rtol=0, atol=0)
    torch.testing.assert_close(net(outside)[:, :3], net(x)[:, :3], rtol=0, atol=0)
    assert (net(inside)[:, 7] - net(x)[:, 7]).abs().min() > 1e-9
