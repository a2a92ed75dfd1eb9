"""The baseline sequence networks (LSTM, TCN, Transformer, LSTAM, FFN) against the SequenceNetwork
contract."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import kinemyo.models.networks.feedforward
import kinemyo.models.networks.lstam
import kinemyo.models.networks.recurrent
import kinemyo.models.networks.tcn
import kinemyo.models.networks.transformer
from kinemyo.errors import KinemyoError
from kinemyo.models.networks import NETWORKS, SequenceNetwork, build_network

N_IN, N_OUT, HIDDEN, LAYERS = 5, 3, 8, 2

# Every network with its default options, and variants that exercise the other code paths.
CASES: list[tuple[str, dict[str, Any]]] = [
    ("lstm", {}),
    ("lstm", {"dropout": 0.3}),
    ("tcn", {}),
    ("tcn", {"kernel_size": 2, "norm": "layer", "dropout": 0.2}),
    ("tcn", {"norm": "none", "kernel_size": 4}),
    ("transformer", {}),
    ("transformer", {"heads": 1, "ff_factor": 1.5, "dropout": 0.1}),
    ("transformer", {"context": "sliding", "max_length": 4}),
    ("lstam", {}),
    (
        "lstam",
        {"transform": "stft", "window": 8, "stft_frame": 4, "stft_hop": 3, "attention_span": 3},
    ),
    ("lstam", {"no_fft": True, "no_autoencoder": True, "window": 4, "dropout": 0.2}),
    ("lstam", {"no_attention": True, "reconstruction_weight": 0.0}),
    ("lstam", {"no_autoencoder": True, "window": 6}),
    ("ffn", {}),
    ("ffn", {"window": 3, "dropout": 0.2}),
]
IDS = [name + "".join(f"-{k}={v}" for k, v in options.items()) for name, options in CASES]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def make(name: str, options: dict[str, Any], seed: int = 0) -> SequenceNetwork:
    """A small float64 network in eval mode (dropout off)."""
    torch.manual_seed(seed)
    return (
        build_network(name, n_inputs=N_IN, n_outputs=N_OUT, hidden=HIDDEN, layers=LAYERS, **options)
        .double()
        .eval()
    )


def inputs(batch: int, steps: int, seed: int = 1) -> torch.Tensor:
    return torch.randn(
        batch, steps, N_IN, generator=torch.Generator().manual_seed(seed), dtype=torch.float64
    )


def run_steps(net: SequenceNetwork, x: torch.Tensor) -> torch.Tensor:
    """Feed x (B, T, n_inputs) one step at a time from the initial state: (B, T, n_outputs)."""
    state = net.initial_state(x.shape[0])
    outputs = []
    for t in range(x.shape[1]):
        y, state = net.step(x[:, t], state)
        outputs.append(y)
    return torch.stack(outputs, dim=1)


def test_registered_under_their_names() -> None:
    assert NETWORKS["lstm"] is kinemyo.models.networks.recurrent.LSTMNetwork
    assert NETWORKS["tcn"] is kinemyo.models.networks.tcn.TCNNetwork
    assert NETWORKS["transformer"] is kinemyo.models.networks.transformer.TransformerNetwork
    assert NETWORKS["lstam"] is kinemyo.models.networks.lstam.LSTAM
    assert NETWORKS["ffn"] is kinemyo.models.networks.feedforward.FeedForwardNetwork


@pytest.mark.parametrize(("name", "options"), CASES, ids=IDS)
def test_forward_shape(name: str, options: dict[str, Any]) -> None:
    net = make(name, options)
    assert net(inputs(2, 7)).shape == (2, 7, N_OUT)
    assert net(inputs(1, 1)).shape == (1, 1, N_OUT)


@pytest.mark.parametrize(("name", "options"), CASES, ids=IDS)
@torch.no_grad()
def test_causal(name: str, options: dict[str, Any]) -> None:
    """Changing the inputs from step t on leaves every output before t alone, and moves t's."""
    net = make(name, options)
    x = inputs(3, 16)
    y = net(x)
    for t in (0, 1, 6, 15):
        changed = x.clone()
        changed[:, t:] += 100 * torch.randn(3, 16 - t, N_IN, dtype=torch.float64)
        y_changed = net(changed)
        torch.testing.assert_close(y_changed[:, :t], y[:, :t], rtol=0, atol=1e-12)
        assert (y_changed[:, t] - y[:, t]).abs().min() > 1e-9


@pytest.mark.parametrize(("name", "options"), CASES, ids=IDS)
@torch.no_grad()
def test_step_reproduces_forward(name: str, options: dict[str, Any]) -> None:
    net = make(name, options)
    x = inputs(3, 20)  # longer than the sliding transformer's max_length
    torch.testing.assert_close(run_steps(net, x), net(x), rtol=0, atol=1e-10)


@pytest.mark.parametrize(("name", "options"), CASES, ids=IDS)
@torch.no_grad()
def test_samples_are_independent(name: str, options: dict[str, Any]) -> None:
    net = make(name, options)
    x = inputs(4, 10)
    alone = net(x[1:2])[0]
    torch.testing.assert_close(net(x)[1], alone, rtol=0, atol=1e-12)
    others = x.clone()
    others[[0, 2, 3]] = 50 * torch.randn(3, 10, N_IN, dtype=torch.float64)
    torch.testing.assert_close(net(others)[1], alone, rtol=0, atol=1e-12)
    torch.testing.assert_close(run_steps(net, others)[1], alone, rtol=0, atol=1e-10)


@pytest.mark.parametrize("name", ["lstm", "tcn", "transformer", "ffn"])
def test_overfits_a_tiny_batch(name: str) -> None:
    """Targets that depend causally on x_t and x_{t-1}: Adam cuts the MSE by 90%."""
    torch.manual_seed(0)
    net = build_network(name, n_inputs=N_IN, n_outputs=N_OUT, hidden=16, layers=LAYERS)
    x = torch.randn(4, 24, N_IN)
    previous = torch.cat([torch.zeros(4, 1, N_IN), x[:, :-1]], dim=1)
    y = torch.tanh(x @ torch.randn(N_IN, N_OUT) + previous @ torch.randn(N_IN, N_OUT))
    y = (y - y.mean()) / y.std()
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-2)
    losses = []
    for _ in range(300):
        optimiser.zero_grad()
        loss = torch.nn.functional.mse_loss(net(x), y)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]
    assert losses[-1] < 0.1  # explains over 90% of the targets' variance


@pytest.mark.parametrize(
    ("name", "options", "option"),
    [
        ("lstm", {"hidden": 0}, "hidden"),
        ("lstm", {"dropout": 1.0}, "dropout"),
        ("lstm", {"dropout": -0.1}, "dropout"),
        ("lstm", {"dropout": "high"}, "dropout"),
        ("tcn", {"kernel_size": 1}, "kernel_size"),
        ("tcn", {"kernel_size": 2.5}, "kernel_size"),
        ("tcn", {"norm": "batch"}, "norm"),
        ("tcn", {"dropout": 1.5}, "dropout"),
        ("tcn", {"layers": 0}, "layers"),
        ("transformer", {"heads": 3}, "heads"),
        ("transformer", {"heads": 0}, "heads"),
        ("transformer", {"ff_factor": 0}, "ff_factor"),
        ("transformer", {"dropout": 1}, "dropout"),
        ("transformer", {"max_length": 0}, "max_length"),
        ("transformer", {"max_length": True}, "max_length"),
        ("transformer", {"context": "wrap"}, "context"),
        ("ffn", {"window": 0}, "window"),
        ("ffn", {"window": 2.0}, "window"),
        ("ffn", {"dropout": 1.0}, "dropout"),
    ],
)
def test_invalid_options_name_the_option(name: str, options: dict[str, Any], option: str) -> None:
    arguments = {"n_inputs": N_IN, "n_outputs": N_OUT, "hidden": 32, **options}
    with pytest.raises(KinemyoError, match=rf"\b{option}\b"):
        build_network(name, **arguments)


@torch.no_grad()
def test_transformer_refuses_sequences_longer_than_max_length() -> None:
    net = make("transformer", {"max_length": 6})
    assert net(inputs(2, 6)).shape == (2, 6, N_OUT)
    with pytest.raises(KinemyoError, match="max_length"):
        net(inputs(2, 7))
    run_steps(net, inputs(2, 6))
    with pytest.raises(KinemyoError, match="max_length"):
        run_steps(net, inputs(2, 7))


@torch.no_grad()
def test_sliding_transformer_forgets_beyond_its_context() -> None:
    """Sliding context 4, 2 layers: the output at t reads inputs t - 6 .. t (2 x 3 steps back)."""
    net = make("transformer", {"context": "sliding", "max_length": 4})
    x = inputs(2, 12)
    changed = x.clone()
    changed[:, :4] += 10.0
    y, y_changed = net(x), net(changed)
    torch.testing.assert_close(y_changed[:, 10:], y[:, 10:], rtol=0, atol=1e-12)
    assert (y_changed[:, 9] - y[:, 9]).abs().min() > 1e-9


@pytest.mark.parametrize(
    ("kernel_size", "layers", "expected", "norm"),
    [(3, 2, 13, "weight"), (2, 3, 15, "layer"), (4, 1, 7, "none")],
)
@torch.no_grad()
def test_tcn_receptive_field(kernel_size: int, layers: int, expected: int, norm: str) -> None:
    """R = 1 + 2 (k - 1)(2**layers - 1): input t - R + 1 reaches output t, input t - R does not."""
    torch.manual_seed(0)
    net = (
        build_network(
            "tcn",
            n_inputs=N_IN,
            n_outputs=N_OUT,
            hidden=HIDDEN,
            layers=layers,
            kernel_size=kernel_size,
            norm=norm,
        )
        .double()
        .eval()
    )
    field = net.receptive_field
    assert field == expected
    x = inputs(2, field + 6)
    t = field + 5
    y = net(x)[:, t]
    outside, inside = x.clone(), x.clone()
    outside[:, t - field] += 10.0
    inside[:, t - field + 1] += 10.0
    torch.testing.assert_close(net(outside)[:, t], y, rtol=0, atol=1e-12)
    assert (net(inside)[:, t] - y).abs().min() > 1e-9
