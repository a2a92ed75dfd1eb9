"""The baseline sequence networks (LSTM, TCN, Transformer, FFN): learning, option checks and
behaviours of their own. Shapes, causality, ``step`` = ``forward`` and the other contracts of every
registered network are checked in tests/test_contracts.py."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from kinemyo.errors import KinemyoError
from kinemyo.models.networks import build_network
from tests.test_contracts import HIDDEN, LAYERS, N_IN, N_OUT, inputs, network, run_steps

pytestmark = pytest.mark.usefixtures("one_torch_thread")


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
    net = network("transformer", {"max_length": 6})
    assert net(inputs(2, 6)).shape == (2, 6, N_OUT)
    with pytest.raises(KinemyoError, match="max_length"):
        net(inputs(2, 7))
    run_steps(net, inputs(2, 6))
    with pytest.raises(KinemyoError, match="max_length"):
        run_steps(net, inputs(2, 7))


@torch.no_grad()
def test_sliding_transformer_forgets_beyond_its_context() -> None:
    """Sliding context 4, 2 layers: the output at t reads inputs t - 6 .. t (2 x 3 steps back)."""
    net = network("transformer", {"context": "sliding", "max_length": 4})
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
