"""Lag-Llama: checkpoint compatibility, safe loading, inputs, RoPE, decoding modes, training."""

from __future__ import annotations

import datetime as dt
import math
import sys
import types
import warnings
import zipfile
from collections import OrderedDict

import pytest
import torch

from kinemyo.errors import DataFormatError
from kinemyo.models.lagllama import (
    LAGS,
    ChecksumWarning,
    KVCache,
    LagLlamaNetwork,
    load_checkpoint,
    network_from_checkpoint,
    robust_scaler,
    time_features,
    write_synthetic_checkpoint,
)
from kinemyo.models.lagllama import checkpoint as ckpt_mod
from kinemyo.models.lagllama.network import RotaryEmbedding
from kinemyo.models.lagllama.sampling import future_timestamps
from kinemyo.models.student_t import student_t_sample

torch.set_num_threads(1)

SMALL_LAGS = (0, 1, 2, 3, 5, 8, 12)


def tiny(seed: int = 0, **kwargs) -> LagLlamaNetwork:
    torch.manual_seed(seed)
    options = {"lags": SMALL_LAGS, "n_layer": 2, "n_head": 2, "n_embd_per_head": 8}
    return LagLlamaNetwork(**{**options, **kwargs}).eval()


def spec_shapes() -> dict[str, tuple[int, ...]]:
    """The state_dict table of the spec, typed by hand."""
    shapes: dict[str, tuple[int, ...]] = {}
    for i in range(3):
        shapes[f"param_proj.proj.{i}.weight"] = (1, 144)
        shapes[f"param_proj.proj.{i}.bias"] = (1,)
    shapes["transformer.wte.weight"] = (144, 92)
    shapes["transformer.wte.bias"] = (144,)
    for i in range(8):
        p = f"transformer.h.{i}."
        shapes[p + "rms_1.scale"] = (144,)
        shapes[p + "rms_2.scale"] = (144,)
        shapes[p + "attn.q_proj.weight"] = (144, 144)
        shapes[p + "attn.kv_proj.weight"] = (288, 144)
        shapes[p + "attn.c_proj.weight"] = (144, 144)
        shapes[p + "mlp.c_fc1.weight"] = (512, 144)
        shapes[p + "mlp.c_fc2.weight"] = (512, 144)
        shapes[p + "mlp.c_proj.weight"] = (144, 512)
    shapes["transformer.ln_f.scale"] = (144,)
    return shapes


# ----------------------------------------------------------------------------- structure
def test_default_network_matches_checkpoint_layout():
    net = LagLlamaNetwork()
    assert sum(p.numel() for p in net.parameters()) == 2_449_299
    got = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    assert got == spec_shapes()
    assert len(got) == 73
    assert len(LAGS) == 84 and max(LAGS) == 1092 and net.n_inputs == 92


# ----------------------------------------------------------------------------- checkpoint
class Evil:
    """A class that is not allow-listed: a checkpoint naming it must be refused."""


def test_checkpoint_round_trip_strict(tmp_path):
    had_gluonts = "gluonts" in sys.modules
    source = LagLlamaNetwork()
    path = write_synthetic_checkpoint(tmp_path / "lag-llama.ckpt", source)
    assert ("gluonts" in sys.modules) == had_gluonts  # sys.modules restored after writing
    with zipfile.ZipFile(path) as zf:
        pickled = zf.read(next(n for n in zf.namelist() if n.endswith("data.pkl")))
    for name in (b"gluonts.torch.distributions.studentT", b"StudentTOutput",
                 b"gluonts.torch.modules.loss", b"NegativeLogLikelihood"):  # fmt: skip
        assert name in pickled
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net = network_from_checkpoint(path, expected_sha256=ckpt_mod.sha256_of(path))
    for key, value in source.state_dict().items():
        assert torch.equal(net.state_dict()[key], value), key
    state, hyper = load_checkpoint(path, expected_sha256=None)
    assert set(state) == set(spec_shapes())
    kwargs = hyper["model_kwargs"]
    assert isinstance(kwargs["distr_output"], ckpt_mod.StudentTOutput)
    assert kwargs["distr_output"].args_dim == {"df": 1, "loc": 1, "scale": 1}
    assert isinstance(hyper["loss"], ckpt_mod.NegativeLogLikelihood)
    assert list(kwargs["lags_seq"]) == list(LAGS)


def test_checkpoint_sha_mismatch_warns_but_loads(tmp_path):
    path = write_synthetic_checkpoint(tmp_path / "x.ckpt", tiny())
    with pytest.warns(ChecksumWarning, match="sha256"):
        state, _ = load_checkpoint(path)  # default: the official sha256
    assert "transformer.wte.weight" in state


def test_checkpoint_missing_file_says_where_to_get_it(tmp_path):
    with pytest.raises(DataFormatError) as info:
        load_checkpoint(tmp_path / "nope.ckpt")
    text = str(info.value)
    assert "time-series-foundation-models/Lag-Llama" in text
    assert "lag-llama.ckpt" in text and "cannot be downloaded automatically" in text


def test_checkpoint_unknown_global_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "evil.ckpt"
    torch.save({"state_dict": {"model.x": torch.zeros(1)}, "payload": Evil()}, path)
    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get("weights_only"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    with pytest.raises(
        DataFormatError, match=r"not allow-listed \(tests\.test_lagllama\.Evil\).*unrestricted"
    ):
        load_checkpoint(path, expected_sha256=None)
    assert calls == [True]


# The spec's 84 lags, typed from shared/specs/lagllama.md.
SPEC_LAGS = [
    0, 7, 8, 10, 11, 12, 13, 14, 19, 20, 21, 22, 23, 24, 26, 27, 28, 29, 30, 34, 35, 36, 46, 47, 48,
    50, 51, 52, 55, 57, 58, 59, 60, 61, 70, 71, 72, 83, 94, 95, 96, 102, 103, 104, 117, 118, 119,
    120, 121, 142, 143, 144, 154, 155, 156, 166, 167, 168, 177, 178, 179, 180, 181, 334, 335, 336,
    362, 363, 364, 502, 503, 504, 670, 671, 672, 718, 719, 720, 726, 727, 728, 1090, 1091, 1092,
]  # fmt: skip


def gluonts_stand_ins(monkeypatch: pytest.MonkeyPatch) -> tuple[type, type]:
    """Two plain classes importable under the gluonts names while the test runs (pickle looks
    a class up by module and name), as a training run with gluonts would have pickled."""
    classes = []
    for module_name, name in (
        ("gluonts.torch.distributions.studentT", "StudentTOutput"),
        ("gluonts.torch.modules.loss", "NegativeLogLikelihood"),
    ):
        parts = module_name.split(".")
        for i in range(1, len(parts) + 1):
            if ".".join(parts[:i]) not in sys.modules:
                monkeypatch.setitem(sys.modules, ".".join(parts[:i]), types.ModuleType("m"))
        cls = type(name, (), {"__module__": module_name, "__qualname__": name})
        setattr(sys.modules[module_name], name, cls)
        classes.append(cls)
    return classes[0], classes[1]


def test_a_checkpoint_written_independently_loads_strict(tmp_path, monkeypatch):
    """A Lightning checkpoint built here from the spec alone (not by write_synthetic_checkpoint):
    an OrderedDict state_dict of the spec's 73 shapes prefixed ``model.``, Adam's optimizer state,
    callback states, a set, and the gluonts objects pickled under their own names."""
    before = sys.modules.get("gluonts")
    student_t, nll = gluonts_stand_ins(monkeypatch)
    distr, loss = student_t(), nll()
    distr.beta, loss.beta = 0.0, 0.0
    generator = torch.Generator().manual_seed(5)
    weights = OrderedDict(
        (f"model.{key}", torch.randn(shape, generator=generator))
        for key, shape in spec_shapes().items()
    )
    step = {"step": torch.tensor(40.0)}
    adam = {
        "state": {
            i: {**step, "exp_avg": torch.zeros_like(w), "exp_avg_sq": w.square()}
            for i, w in enumerate(weights.values())
        },
        "param_groups": [
            {"lr": 1e-4, "betas": (0.9, 0.95), "eps": 1e-8, "weight_decay": 1e-8,
             "amsgrad": False, "maximize": False, "foreach": None, "params": list(range(73))}
        ],
    }  # fmt: skip
    checkpoint = {
        "epoch": 49,
        "global_step": 5000,
        "pytorch-lightning_version": "2.0.4",
        "state_dict": weights,
        "loops": {"fit_loop": {"state_dict": {}, "epoch_loop.state_dict": {"seen": set()}}},
        "callbacks": {
            "EarlyStopping{'monitor': 'train_loss', 'mode': 'min'}": {
                "wait_count": 3, "stopped_epoch": 0, "best_score": torch.tensor(1.25),
                "patience": 50,
            },
            "ModelCheckpoint{'monitor': 'train_loss', 'mode': 'min'}": {
                "best_model_score": torch.tensor(1.25), "best_model_path": "/x/epoch=46.ckpt",
                "best_k_models": {"/x/epoch=46.ckpt": torch.tensor(1.25)},
            },
        },
        "optimizer_states": [adam],
        "lr_schedulers": [],
        "hparams_name": "kwargs",
        "hyper_parameters": {
            "model_kwargs": {
                "input_size": 1, "context_length": 32, "max_context_length": 2048,
                "lags_seq": SPEC_LAGS, "n_layer": 8, "n_embd_per_head": 16, "n_head": 9,
                "scaling": "robust", "distr_output": distr, "num_parallel_samples": 100,
                "rope_scaling": None, "time_feat": True, "dropout": 0.0,
            },
            "context_length": 32, "prediction_length": 24, "loss": loss, "lr": 1e-4,
        },
    }  # fmt: skip
    path = tmp_path / "lag-llama.ckpt"
    torch.save(checkpoint, path)
    monkeypatch.undo()  # the stand-ins are gone again when the file is read
    assert sys.modules.get("gluonts") is before

    net = network_from_checkpoint(path, expected_sha256=None)
    assert sum(p.numel() for p in net.parameters()) == 2_449_299
    assert net.lags == tuple(SPEC_LAGS) and net.n_inputs == 92
    for key, value in net.state_dict().items():
        assert torch.equal(value, weights[f"model.{key}"]), key
    state, hyper = load_checkpoint(path, expected_sha256=None)
    assert set(state) == set(spec_shapes())
    assert isinstance(hyper["model_kwargs"]["distr_output"], ckpt_mod.StudentTOutput)
    assert isinstance(hyper["loss"], ckpt_mod.NegativeLogLikelihood) and hyper["loss"].beta == 0.0


# ----------------------------------------------------------------------------- inputs
def test_lag_features_against_hand_built():
    net = LagLlamaNetwork()
    series = torch.tensor([[3.0, -1.0, 4.0, 1.0, -5.0, 9.0, 2.0, 6.0, 5.0, 3.0]])
    feats = net.features(series)
    assert feats.shape == (1, 10, 92)
    loc, scale = robust_scaler(series, torch.ones_like(series, dtype=torch.bool))
    loc, scale = loc.item(), scale.item()
    for t in range(10):
        for j, lag in enumerate(LAGS):
            raw = series[0, t - lag].item() if t - lag >= 0 else 0.0  # left zero-padding
            assert feats[0, t, j].item() == pytest.approx((raw - loc) / scale, abs=1e-6)
    assert torch.allclose(feats[0, :, 84], torch.tensor(math.log1p(abs(loc))))
    assert torch.allclose(feats[0, :, 85], torch.tensor(math.log(scale)))
    # default clock: value i at i seconds after 1970-01-01 00:00 UTC (a Thursday)
    seconds = torch.arange(10.0) / 59 - 0.5
    assert torch.allclose(feats[0, :, 86], seconds)
    assert torch.allclose(feats[0, :, 87:], torch.tensor([-0.5, -0.5, 0.0, -0.5, -0.5]))
    # context longer than the series: padded tokens are zeros and have zero time features
    padded = net.features(series, context_length=13)
    assert torch.allclose(padded[0, 3:], feats[0])
    assert torch.allclose(padded[0, :3, :84], torch.tensor((0.0 - loc) / scale))
    assert torch.all(padded[0, :3, 86:] == 0)
    # a longer history is cropped to context + max lag, lag 1092 reaches its first value
    long = torch.randn(1, 1092 + 5)
    assert torch.equal(net.window(long, context_length=5).values, long)
    cropped = net.features(torch.cat((torch.randn(1, 7), long), dim=1), context_length=5)
    # (the default clock counts from the first given value, so only the time features differ)
    assert torch.allclose(cropped[..., :86], net.features(long, context_length=5)[..., :86])


def test_time_features_against_datetime():
    stamps = torch.tensor([0.0, 1_700_000_123.0, 951_782_400.0 + 3661.0, 1_704_067_199.0])
    feats = time_features(stamps)
    for k, ts in enumerate(stamps.tolist()):
        d = dt.datetime.fromtimestamp(ts, tz=dt.UTC)
        expected = [
            d.second / 59 - 0.5,
            d.minute / 59 - 0.5,
            d.hour / 23 - 0.5,
            d.weekday() / 6 - 0.5,
            (d.day - 1) / 30 - 0.5,
            (d.timetuple().tm_yday - 1) / 365 - 0.5,
        ]
        assert feats[k].tolist() == pytest.approx(expected, abs=1e-6)
    assert torch.all(time_features(torch.tensor([float("nan")])) == 0)


def test_future_timestamps_continue_the_clock():
    net = tiny()
    past = torch.zeros(2, 4)
    assert future_timestamps(net, past, None, 3).tolist() == [[4.0, 5.0, 6.0]] * 2
    stamps = torch.tensor([10.0, 20.0, 30.0, 40.0])
    assert future_timestamps(net, past, stamps, 2).tolist() == [[50.0, 60.0]] * 2


def test_robust_scaler_known_values_and_zero_iqr_guard():
    values = torch.tensor(
        [
            [5.0, 1.0, 3.0, 100.0, 2.0, 4.0, 7.0, 6.0],  # 100 unobserved
            [1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0],  # even count: lower median
            [9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0],  # nothing observed
            [3.0, 3.0, 3.0, 3.0, 3.0, 10.0, 0.0, 0.0],  # IQR 0
            [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0],  # constant
        ]
    )
    observed = torch.ones_like(values, dtype=torch.bool)
    observed[0, 3] = False
    observed[1, 4:] = False
    observed[2] = False
    observed[3, 6:] = False
    loc, scale = robust_scaler(values, observed)
    assert loc[:, 0].tolist() == [4.0, 2.0, 0.0, 3.0, 2.0]
    # q75 - q25 with linear interpolation: 5.5 - 2.5, 3.25 - 1.75; undefined -> 1
    assert scale[:3, 0].tolist() == pytest.approx([3.0, 1.5, 1.0])
    # guard: zero IQR -> mean absolute deviation from the median (7/6), constant -> 1
    assert scale[3:, 0].tolist() == pytest.approx([7 / 6, 1.0])
    _, raw = robust_scaler(values, observed, zero_iqr_guard=False)
    assert raw[3:, 0].tolist() == pytest.approx([1e-10, 1e-10])  # the official blow-up
    assert raw[:3, 0].tolist() == pytest.approx([3.0, 1.5, 1.0])


# ----------------------------------------------------------------------------- RoPE
def test_rope_positions_scaling_norms_and_relative_property():
    rope = RotaryEmbedding(16, factor=4.0)
    assert torch.allclose(rope.positions(0, 8), torch.arange(8.0) / 4)
    plain = RotaryEmbedding(16)
    cos4, sin4 = rope.cos_sin(0, 8)
    cos1, sin1 = plain.cos_sin(1, 1)  # scaled position 4 / 4 = unscaled position 1
    assert torch.allclose(cos4[4], cos1[0]) and torch.allclose(sin4[4], sin1[0])
    assert torch.allclose(cos1[0], torch.cat((plain.inv_freq, plain.inv_freq)).cos())
    assert torch.allclose(plain.inv_freq, 1.0 / 10000 ** (torch.arange(0, 16, 2) / 16))
    # rotate-half convention: dims i and i + 8 rotate together by angle p * inv_freq[i]
    e0 = torch.zeros(1, 16)
    e0[0, 0] = 1.0
    cos, sin = plain.cos_sin(1, 1)
    out = RotaryEmbedding.rotate(e0, cos, sin)[0]
    assert out[0].item() == pytest.approx(math.cos(1.0)) and out[8].item() == pytest.approx(
        math.sin(1.0)
    )
    torch.manual_seed(0)
    q, k = torch.randn(16), torch.randn(16)
    x = torch.randn(5, 16)
    c, s = rope.cos_sin(3, 5)
    assert torch.allclose(RotaryEmbedding.rotate(x, c, s).norm(dim=-1), x.norm(dim=-1), atol=1e-5)

    def score(module, m, n):
        cq, sq = module.cos_sin(m, 1)
        ck, sk = module.cos_sin(n, 1)
        return (
            RotaryEmbedding.rotate(q[None], cq, sq) @ RotaryEmbedding.rotate(k[None], ck, sk).T
        ).item()

    for module in (plain, rope):
        assert score(module, 7, 3) == pytest.approx(score(module, 27, 23), abs=1e-4)
        assert score(module, 7, 3) != pytest.approx(score(module, 7, 5), abs=1e-3)
    net = LagLlamaNetwork(n_layer=1, rope_scaling={"type": "linear", "factor": 12})
    assert net.rope.factor == 12.0
    assert all(block.attn.rope is net.rope for block in net.transformer["h"])


# ----------------------------------------------------------------------------- transformer
def test_transformer_is_causal():
    net = tiny()
    x = torch.randn(2, 20, net.n_inputs)
    y = x.clone()
    y[:, 12:] += torch.randn(2, 8, net.n_inputs)
    with torch.no_grad():
        a = torch.stack(net.distribution(x))
        b = torch.stack(net.distribution(y))
    assert torch.allclose(a[..., :12], b[..., :12], atol=1e-6)
    assert not torch.allclose(a[..., 12:], b[..., 12:], atol=1e-3)


def test_kv_cache_equals_full_recompute():
    net = tiny(rope_scaling=3.0)
    x = torch.randn(3, 17, net.n_inputs)
    with torch.no_grad():
        full = torch.stack(net.distribution(x))
        cache = KVCache(net.n_layer, 3, net.n_head, 17, net.head_dim)
        parts = [torch.stack(net.distribution(x[:, :10], 0, cache))]
        parts.append(torch.stack(net.distribution(x[:, 10:13], 10, cache)))  # a chunk
        for pos in range(13, 17):  # one token at a time
            parts.append(torch.stack(net.distribution(x[:, pos : pos + 1], pos, cache)))
    assert torch.allclose(torch.cat(parts, dim=-1), full, atol=1e-5)


def test_shared_prefix_cache_equals_full_recompute():
    net = tiny()
    prompt = torch.randn(2, 9, net.n_inputs)
    suffix = torch.randn(2 * 3, 5, net.n_inputs)  # 3 different continuations per series
    x = torch.cat((prompt.repeat_interleave(3, 0), suffix), dim=1)
    with torch.no_grad():
        full = torch.stack(net.distribution(x))[..., 9:]
        dense = KVCache(net.n_layer, 2, net.n_head, 9, net.head_dim)
        net.distribution(prompt, 0, dense)
        shared = dense.repeat_interleave(3, 5)
        parts = [torch.stack(net.distribution(suffix[:, :2], 9, shared))]  # a chunk
        for pos in range(11, 14):
            parts.append(torch.stack(net.distribution(suffix[:, pos - 9 : pos - 8], pos, shared)))
    assert torch.allclose(torch.cat(parts, dim=-1), full, atol=1e-5)


def frozen_scaler_full_recompute(net, past, horizon, num, generator):
    """An independent slow sampler: scaler frozen after the context, full recompute each step."""
    win = net.window(past)
    loc, scale = robust_scaler(win.values, win.observed)
    stamps = torch.cat((win.timestamps, future_timestamps(net, past, None, horizon)), dim=1)
    feats = time_features(stamps[:, net.max_lag :]).repeat_interleave(num, 0)
    hist = ((win.values - loc) / scale).repeat_interleave(num, 0)
    loc, scale = loc.repeat_interleave(num, 0), scale.repeat_interleave(num, 0)
    n_ctx = past.shape[1]
    with torch.no_grad():
        for step in range(horizon):
            n_tok = n_ctx + step
            df, mu, sigma = net.distribution(net.tokens(hist, loc, scale, n_tok, feats[:, :n_tok]))
            z = student_t_sample(df[:, -1], mu[:, -1], sigma[:, -1], generator)
            hist = torch.cat((hist, z[:, None]), dim=1)
    return (loc + scale * hist[:, -horizon:]).view(past.shape[0], num, horizon)


def test_fast_mode_equals_frozen_scaler_recompute_and_first_step_matches_reference():
    net = tiny()
    torch.manual_seed(1)
    past = torch.sin(torch.arange(30.0) / 3)[None].repeat(2, 1) + 0.1 * torch.randn(2, 30)
    past[1] *= 5
    fast = net.sample(past, 6, 8, mode="fast", generator=torch.Generator().manual_seed(3))
    assert fast.shape == (2, 8, 6)
    slow = frozen_scaler_full_recompute(net, past, 6, 8, torch.Generator().manual_seed(3))
    assert torch.allclose(fast, slow, atol=1e-4, rtol=1e-4)
    # first step: the same distribution, hence the same draws with the same generator
    ref = net.sample(past, 1, 8, mode="reference", generator=torch.Generator().manual_seed(3))
    assert torch.allclose(ref[..., 0], fast[..., 0], atol=1e-5)
    # and equal to forward()'s last token
    params = net(past)
    draws = student_t_sample(
        params.df[:, -1].repeat_interleave(8),
        params.loc[:, -1].repeat_interleave(8),
        params.scale[:, -1].repeat_interleave(8),
        torch.Generator().manual_seed(3),
    ).view(2, 8)
    assert torch.allclose(params.scaler_loc + params.scaler_scale * draws, ref[..., 0], atol=1e-5)
    with pytest.raises(ValueError, match="mode"):
        net.sample(past, 2, 2, mode="greedy")


def test_reference_mode_recomputes_the_scaler():
    """After step 1 the modes are different models: same draws, different values."""
    net = tiny()
    past = torch.tensor([[0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0]])
    ref = net.sample(past, 4, 64, mode="reference", generator=torch.Generator().manual_seed(0))
    fast = net.sample(past, 4, 64, mode="fast", generator=torch.Generator().manual_seed(0))
    assert torch.allclose(ref[..., 0], fast[..., 0], atol=1e-5)
    assert not torch.allclose(ref[..., 1:], fast[..., 1:], atol=1e-3)


# ----------------------------------------------------------------------------- training
def test_nll_matches_forward_and_masks():
    net = tiny()
    torch.manual_seed(0)
    past, future = torch.randn(2, 9), torch.randn(2, 1)
    params = net(past)
    targets = torch.cat((past[:, 1:], future), dim=1)
    dist = torch.distributions.StudentT(params.df, params.loc, params.scale)
    z = (targets - params.scaler_loc) / params.scaler_scale
    manual = -(dist.log_prob(z) - params.scaler_scale.log())
    with torch.no_grad():
        assert net.nll(past, future).item() == pytest.approx(manual.mean().item(), rel=1e-5)
        hidden = torch.tensor([[False], [True]])  # future of series 0 unobserved: not a target
        masked = net.nll(past, future, future_observed=hidden).item()
    expected = torch.cat((manual[0, :-1], manual[1])).mean().item()
    assert masked == pytest.approx(expected, rel=1e-5)


def test_fine_tuning_decreases_nll():
    net = tiny(seed=0, n_layer=1)
    net.train()
    t = torch.arange(400.0)
    series = torch.sin(2 * math.pi * t / 12) + 0.05 * torch.randn(400)
    starts = torch.arange(0, 400 - 48, 9)
    windows = torch.stack([series[s : s + 48] for s in starts.tolist()])
    past, future = windows[:, :40], windows[:, 40:]
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    with torch.no_grad():
        before = net.nll(past, future).item()
    for _ in range(40):
        opt.zero_grad()
        loss = net.nll(past, future)
        loss.backward()
        opt.step()
    with torch.no_grad():
        after = net.nll(past, future).item()
    assert after < before - 0.5, (before, after)
