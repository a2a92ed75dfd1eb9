"""sLSTM, mLSTM, xLSTM and xLSTMTime: the equations, the stabiliser, streaming with strong gates.

Causality, ``step`` = ``forward`` and the other contracts of every registered network are checked
in tests/test_contracts.py."""

from __future__ import annotations

import math

import pytest
import torch

from kinemyo.errors import KinemyoError
from kinemyo.models.networks.base import build_network
from kinemyo.models.networks.xlstm import (
    HeadNorm,
    MLSTMLayer,
    SLSTMLayer,
    mlstm_chunkwise,
    mlstm_recurrent,
)
from tests.test_contracts import run_steps

pytestmark = pytest.mark.usefixtures("one_torch_thread")


NAMES = ("slstm", "mlstm", "xlstm", "xlstmtime")
SMALL = {"hidden": 8, "layers": 2, "heads": 2}


def small_network(name: str, n_inputs: int = 5, n_outputs: int = 3, **options) -> torch.nn.Module:
    """A float64 network with tiny sizes (xlstmtime with a short moving average)."""
    torch.manual_seed(0)
    if name == "xlstmtime":
        options.setdefault("ma_kernel", 4)
    return build_network(name, n_inputs=n_inputs, n_outputs=n_outputs, **SMALL, **options).double()


def randn(*shape: int, scale: float = 1.0, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return scale * torch.randn(*shape, generator=generator, dtype=torch.float64)


# --- mLSTM: chunkwise, parallel and recurrent forms ---------------------------------------------


def mlstm_inputs(batch, heads, steps, d, gate_scale=1.0, forget_shift=0.0):
    """q, k, v (B, H, T, d) and gate pre-activations a_i, a_f (B, H, T), float64."""
    q, k, v = (randn(batch, heads, steps, d, seed=s) for s in range(3))
    a_i = randn(batch, heads, steps, scale=gate_scale, seed=3)
    a_f = randn(batch, heads, steps, scale=gate_scale, seed=4) + forget_shift
    return q, k, v, a_i, a_f


def zero_memory(batch, heads, d, dtype=torch.float64):
    return (
        torch.zeros(batch, heads, d, d, dtype=dtype),
        torch.zeros(batch, heads, d, dtype=dtype),
        torch.full((batch, heads), -math.inf, dtype=dtype),
    )


@pytest.mark.parametrize("chunk", [None, 1, 4, 5, 64])  # 5 does not divide 17; 64 > 17
@pytest.mark.parametrize("gate_scale", [1.0, 30.0])
def test_mlstm_chunkwise_matches_recurrent(gate_scale, chunk):
    batch, heads, steps, d = 2, 3, 17, 4
    q, k, v, a_i, a_f = mlstm_inputs(batch, heads, steps, d, gate_scale)
    a_i[0, 0, 5], a_f[1, 2, 7] = -60.0, 60.0  # a vanishing input, a forget gate of exactly 1
    chunked = mlstm_chunkwise(q, k, v, a_i, a_f, chunk=chunk)
    recurrent, _ = mlstm_recurrent(q, k, v, a_i, a_f, zero_memory(batch, heads, d))
    assert chunked.shape == (batch, heads, steps, d)
    torch.testing.assert_close(chunked, recurrent, rtol=0, atol=1e-10)


def test_mlstm_chunkwise_matches_recurrent_and_parallel_over_1926_steps():
    """The seed's sequence length: chunks of 16 (the default), the whole sequence as one chunk
    (the parallel form) and the step-by-step recurrence agree, with forget gates near 1 (long
    memories, as initialised) and strong input gates."""
    q, k, v, a_i, a_f = mlstm_inputs(1, 2, 1926, 4, gate_scale=3.0, forget_shift=4.0)
    chunked = mlstm_chunkwise(q, k, v, a_i, a_f)
    parallel = mlstm_chunkwise(q, k, v, a_i, a_f, chunk=None)
    recurrent, _ = mlstm_recurrent(q, k, v, a_i, a_f, zero_memory(1, 2, 4))
    torch.testing.assert_close(chunked, recurrent, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(parallel, recurrent, rtol=1e-10, atol=1e-10)


def test_mlstm_chunkwise_gradients_match_parallel():
    inputs = [t.requires_grad_() for t in mlstm_inputs(2, 2, 23, 3, gate_scale=5.0)]
    weights = randn(2, 2, 23, 3, seed=9)
    gradients = []
    for chunk in (None, 4):
        (mlstm_chunkwise(*inputs, chunk=chunk) * weights).sum().backward()
        gradients.append([t.grad.clone() for t in inputs])
        for t in inputs:
            t.grad = None
    for chunked, parallel in zip(*gradients, strict=True):
        torch.testing.assert_close(chunked, parallel, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize(
    ("steps", "chunk"), [(100, None), (300, None), (1926, 32)]
)  # float32 forget sums; float64 ones (one chunk > 256 steps); float32 sums in chunks
def test_mlstm_chunkwise_in_float32_stays_close_to_float64(steps, chunk):
    inputs = mlstm_inputs(2, 2, steps, 4, gate_scale=3.0, forget_shift=2.0)
    exact = mlstm_chunkwise(*inputs, chunk=chunk)
    single = mlstm_chunkwise(*(t.float() for t in inputs), chunk=chunk)
    assert single.dtype == torch.float32
    torch.testing.assert_close(single.double(), exact, rtol=1e-4, atol=1e-5)


def test_mlstm_matches_unstabilised_definition():
    """h_t = C_t q_t / max(|n_t . q_t|, 1) with C, n summed directly from the definition."""
    batch, heads, steps, d = 1, 2, 9, 3
    q, k, v = (randn(batch, heads, steps, d, seed=s) for s in range(3))
    a_i, a_f = randn(batch, heads, steps, seed=3), randn(batch, heads, steps, seed=4)
    memory = torch.zeros(batch, heads, d, d, dtype=torch.float64)
    normaliser = torch.zeros(batch, heads, d, dtype=torch.float64)
    expected = []
    for t in range(steps):
        f, i = torch.sigmoid(a_f[..., t, None]), torch.exp(a_i[..., t, None])
        memory = f[..., None] * memory + i[..., None] * v[..., t, :, None] * k[..., t, None, :]
        normaliser = f * normaliser + i * k[..., t, :]
        q_t = q[..., t, :]
        scale = (normaliser * q_t).sum(-1, keepdim=True).abs().clamp(min=1.0)
        expected.append((memory @ q_t[..., None])[..., 0] / scale)
    torch.testing.assert_close(
        mlstm_chunkwise(q, k, v, a_i, a_f, chunk=4), torch.stack(expected, -2), rtol=1e-5, atol=1e-6
    )


def test_mlstm_layer_projections_and_initial_gates():
    """q = W_q x, k = W_k x / sqrt(d), v = W_v x_v, one gate pair per head from [q, k, v];
    initially gate weights 0 and forget biases linspace(3, 6)."""
    torch.manual_seed(0)
    layer = MLSTMLayer(8, 2).double()
    weight, bias = layer.gate_proj.weight, layer.gate_proj.bias
    assert torch.equal(weight, torch.zeros_like(weight))
    torch.testing.assert_close(bias[2:], torch.tensor([3.0, 6.0], dtype=torch.float64))
    with torch.no_grad():
        weight.normal_()
    x, x_v = randn(1, 7, 8, seed=1), randn(1, 7, 8, seed=2)
    q, k, v = x @ layer.q_proj.weight.T, x @ layer.k_proj.weight.T, x_v @ layer.v_proj.weight.T
    gates = torch.cat([q, k, v], -1) @ weight.T + bias
    heads = [slice(0, 4), slice(4, 8)]
    expected = torch.cat(
        [
            mlstm_chunkwise(
                q[:, None, :, h],
                k[:, None, :, h] / 2.0,
                v[:, None, :, h],
                gates[:, None, :, j],
                gates[:, None, :, 2 + j],
            )[:, 0]
            for j, h in enumerate(heads)
        ],
        dim=-1,
    )
    torch.testing.assert_close(layer(x, x_v), expected, rtol=0, atol=1e-12)


def test_mlstm_layer_forms_agree_with_strong_gates():
    torch.manual_seed(0)
    layer = MLSTMLayer(8, 2).double()
    with torch.no_grad():
        layer.gate_proj.weight.normal_(0.0, 5.0)  # gate pre-activations of tens
    x, x_v = randn(2, 37, 8, seed=1), randn(2, 37, 8, seed=2)  # 3 chunks, the last partial
    recurrent, _ = layer.recurrent(x, x_v, layer.initial_state(2))
    torch.testing.assert_close(layer(x, x_v), recurrent, rtol=0, atol=1e-10)


def test_mlstm_network_forward_matches_step_with_strong_gates():
    net = small_network("mlstm")
    with torch.no_grad():
        for block in net.stack.blocks:
            block.cell.gate_proj.weight.normal_(0.0, 5.0)
            block.cell.gate_proj.bias.normal_(0.0, 10.0)
    x = randn(2, 40, 5, scale=3.0)  # chunks of 16, 16 and 8 steps
    torch.testing.assert_close(net(x), run_steps(net, x), rtol=0, atol=1e-10)


# --- sLSTM: the stabiliser -----------------------------------------------------------------------


def plain_slstm(layer: SLSTMLayer, x: torch.Tensor, x_gates: torch.Tensor) -> torch.Tensor:
    """The unstabilised sLSTM from the equations, per head, with a sigmoid forget gate."""
    batch, steps, dim = x.shape
    heads, d = layer.heads, layer.head_dim
    pre_z, pre_o = layer.zo_proj(x).chunk(2, dim=-1)
    pre_i, pre_f = layer.if_proj(x_gates).chunk(2, dim=-1)
    c = n = h = torch.zeros(batch, dim, dtype=x.dtype)
    outputs = []
    for t in range(steps):
        # R h_{t-1} for gates (z, o, i, f): head j of h times R[g, j]
        rec = torch.einsum("bhi,ghij->gbhj", h.view(batch, heads, d), layer.recurrent)
        rec = rec.reshape(4, batch, dim)
        z = torch.tanh(pre_z[:, t] + rec[0])
        o = torch.sigmoid(pre_o[:, t] + rec[1])
        i = torch.exp(pre_i[:, t] + rec[2])
        f = torch.sigmoid(pre_f[:, t] + rec[3])
        c = f * c + i * z
        n = f * n + i
        h = o * c / n
        outputs.append(h)
    return torch.stack(outputs, dim=1)


def stabilised_slstm(layer: SLSTMLayer, x: torch.Tensor, x_gates: torch.Tensor) -> torch.Tensor:
    return layer(x, x_gates, layer.initial_state(x.shape[0]))[0]


def test_slstm_stabilised_matches_plain_values_and_gradients():
    torch.manual_seed(0)
    layer = SLSTMLayer(6, 3).double()
    x, x_gates = randn(2, 12, 6, seed=1), randn(2, 12, 6, scale=2.0, seed=2)
    weights = randn(2, 12, 6, seed=3)
    outputs, gradients = [], []
    for run in (stabilised_slstm, plain_slstm):
        layer.zero_grad()
        out = run(layer, x, x_gates)
        (out * weights).sum().backward()
        outputs.append(out)
        gradients.append([p.grad.clone() for p in layer.parameters()])
    torch.testing.assert_close(outputs[0], outputs[1], rtol=0, atol=1e-12)
    for stable, plain in zip(*gradients, strict=True):
        torch.testing.assert_close(stable, plain, rtol=1e-10, atol=1e-12)


def test_slstm_stabilised_stays_finite_where_plain_overflows():
    torch.manual_seed(0)
    layer = SLSTMLayer(6, 3)
    with torch.no_grad():
        layer.if_proj.bias[:6] += 100.0  # exp(a_i) > 1e43: beyond float32
    x, x_gates = randn(2, 10, 6, seed=1).float(), randn(2, 10, 6, seed=2).float()
    assert not torch.isfinite(plain_slstm(layer, x, x_gates)).all()
    stabilised = stabilised_slstm(layer, x, x_gates)
    assert torch.isfinite(stabilised).all()
    reference = plain_slstm(layer.double(), x.double(), x_gates.double())  # fits in float64
    torch.testing.assert_close(stabilised.double(), reference, rtol=1e-4, atol=1e-5)


def test_slstm_exponential_forget_gate_starts_like_sigmoid():
    """log f = a_f with bias logsigmoid(linspace(3, 6)) equals logsigmoid(a_f) with bias
    linspace(3, 6) while the forget gate ignores its inputs."""
    layers = {}
    for gate in ("sigmoid", "exp"):
        torch.manual_seed(0)
        layers[gate] = layer = SLSTMLayer(6, 3, forget_gate=gate).double()
        with torch.no_grad():
            layer.if_proj.weight[6:] = 0.0
            layer.recurrent[3] = 0.0
    x, x_gates = randn(2, 8, 6, seed=1), randn(2, 8, 6, seed=2)
    torch.testing.assert_close(
        stabilised_slstm(layers["exp"], x, x_gates), stabilised_slstm(layers["sigmoid"], x, x_gates)
    )
    assert not torch.equal(layers["exp"].if_proj.bias, layers["sigmoid"].if_proj.bias)


# --- networks ------------------------------------------------------------------------------------


def test_xlstmtime_trend_is_trailing_mean():
    """ma_kernel=3: the embedding is W_t mean(x_{t-2..t}) + W_s (x_t - mean), x_0 repeated."""
    net = small_network("xlstmtime", ma_kernel=3)
    x = randn(1, 6, 5)
    padded = torch.cat([x[:, :1], x[:, :1], x], dim=1)
    trend = (padded[:, :-2] + padded[:, 1:-1] + padded[:, 2:]) / 3
    embedding = net.embedding
    expected = embedding.trend_proj(trend) + embedding.seasonal_proj(x - trend)
    torch.testing.assert_close(embedding(x), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("ratio", "pattern", "expected"),
    [
        ((1, 1), None, "msms"),
        ("3:1", None, "mmms"),
        ((0, 1), None, "ssss"),
        ((1, 1), "ssmm", "ssmm"),
    ],
)
def test_xlstm_block_pattern(ratio, pattern, expected):
    net = build_network(
        "xlstm", n_inputs=4, n_outputs=2, hidden=8, layers=4, ratio=ratio, pattern=pattern
    )
    kinds = "".join(type(block).__name__[0].lower() for block in net.stack.blocks)
    assert kinds == expected


@pytest.mark.parametrize("name", NAMES)
def test_overfits_tiny_batch(name):
    torch.manual_seed(1)
    net = build_network(name, n_inputs=4, n_outputs=2, hidden=16, layers=2, heads=2)
    x = torch.randn(4, 16, 4)
    target = torch.stack([torch.sin(x.cumsum(1)[..., 0]), torch.tanh(x[..., 1] * x[..., 2])], -1)
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-2)
    losses = []
    for _ in range(100):
        optimiser.zero_grad()
        loss = torch.nn.functional.mse_loss(net(x), target)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]


@pytest.mark.parametrize(
    ("name", "options", "option"),
    [
        ("slstm", {"heads": 3}, "heads"),
        ("mlstm", {"heads": 0}, "heads"),
        ("xlstm", {"conv_kernel": 0}, "conv_kernel"),
        ("slstm", {"forget_gate": "relu"}, "forget_gate"),
        ("slstm", {"slstm_proj_factor": 0.0}, "slstm_proj_factor"),
        ("mlstm", {"mlstm_proj_factor": 1.3}, "mlstm_proj_factor"),  # 1.3 x 8 = 10, not / 4
        ("xlstm", {"ratio": (0, 0)}, "ratio"),
        ("xlstm", {"ratio": "1-1"}, "ratio"),
        ("xlstm", {"ratio": 2}, "ratio"),
        ("xlstm", {"slstm_proj_factor": float("nan")}, "slstm_proj_factor"),
        ("xlstm", {"pattern": "msm"}, "pattern"),
        ("xlstm", {"pattern": "mx"}, "pattern"),
        ("xlstmtime", {"ma_kernel": 0}, "ma_kernel"),
    ],
)
def test_invalid_options_name_the_option(name, options, option):
    with pytest.raises(KinemyoError, match=f"'{option}'"):
        build_network(name, n_inputs=4, n_outputs=2, hidden=8, layers=2, **options)


def test_default_heads_divide_hidden():
    assert build_network("xlstm", n_inputs=4, n_outputs=2, hidden=32).heads == 4
    assert build_network("xlstm", n_inputs=4, n_outputs=2, hidden=30).heads == 3


def test_head_norm_is_group_norm_with_one_group_per_head():
    torch.manual_seed(0)
    norm = HeadNorm(6, 3).double()
    with torch.no_grad():
        norm.weight.normal_()
        norm.bias.normal_()
    x = randn(2, 5, 6, scale=3.0)
    expected = torch.nn.functional.group_norm(x.reshape(10, 6), 3, norm.weight, norm.bias)
    torch.testing.assert_close(norm(x), expected.reshape(2, 5, 6), rtol=0, atol=1e-12)
