"""Contract checks over the registries, in the spirit of scikit-learn's ``check_estimator``.

Every estimator in :func:`kinemyo.models.available` and every sequence network in
:data:`kinemyo.models.networks.NETWORKS` is checked here, so a model or network registered
tomorrow is checked without touching this file (it runs with its defaults, made small by the
shared size parameters; ``TINY_OPTIONS`` only shrinks options that default to large sizes).

Estimators: fit on a small WindowedDataset, predict finite estimates of the targets' shape in the
targets' names and units, save -> load_model predicting bit-identically, refit with the same seed
predicting identically, no estimate that reads a later window or another trial, and a
KinemyoError naming the problem for inputs that do not match what the model was fitted on.

Networks: output shapes, causality, ``step`` from ``initial_state`` reproducing ``forward``
(float64 and float32), batch members independent, a gradient for every parameter, and a
KinemyoError for inputs of the wrong shape. ``NETWORK_VARIANTS`` adds option sets that take other
code paths through the same checks.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from kinemyo.data.windowed import WindowedDataset
from kinemyo.errors import KinemyoError
from kinemyo.models import Estimator, SequenceRegressor, available, create, load_model, model_class
from kinemyo.models.networks import NETWORKS, SequenceNetwork, build_network

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# The names the documentation promises (models/__init__.py, networks/__init__.py), typed out.
DOCUMENTED_MODELS = {"mean", "ridge", "gpr", "lstm", "tcn", "transformer", "slstm", "mlstm"}
DOCUMENTED_MODELS |= {"xlstm", "xlstmtime", "lstam", "ffn", "template"}
DOCUMENTED_NETWORKS = {"lstm", "tcn", "transformer", "slstm", "mlstm", "xlstm", "xlstmtime"}
DOCUMENTED_NETWORKS |= {"lstam", "ffn"}

HIDDEN, LAYERS = 8, 2
TINY_OPTIONS: dict[str, dict[str, Any]] = {
    "lstam": {
        "window": 8,
        "stft_frame": 4,
        "stft_hop": 3,
        "latent": 4,
        "ae_channels": 3,
        "attention_span": 4,
    },
    "xlstmtime": {"ma_kernel": 4},
}
"""Options of networks whose defaults are large (windows of 32 steps, a 25-step moving average)."""

NETWORK_VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("lstm", {"dropout": 0.3}),
    ("tcn", {"kernel_size": 2, "norm": "layer", "dropout": 0.2}),
    ("tcn", {"norm": "none", "kernel_size": 4}),
    ("transformer", {"heads": 1, "ff_factor": 1.5, "dropout": 0.1}),
    ("transformer", {"context": "sliding", "max_length": 4}),
    ("slstm", {"forget_gate": "exp"}),
    ("xlstm", {"pattern": "sm"}),
    ("xlstmtime", {"ma_kernel": 25}),
    ("lstam", {"layers": 1}),
    ("lstam", {"transform": "stft", "window": 9}),
    ("lstam", {"no_fft": True}),
    ("lstam", {"no_attention": True}),
    ("lstam", {"no_fft": True, "no_autoencoder": True, "window": 4, "dropout": 0.2}),
    ("lstam", {"no_attention": True, "reconstruction_weight": 0.0}),
    ("lstam", {"no_autoencoder": True, "window": 6}),
    ("lstam", {"no_fft": True, "no_autoencoder": True, "no_attention": True}),
    ("ffn", {"window": 3, "dropout": 0.2}),
]
"""Option sets (on top of ``TINY_OPTIONS``) that take other code paths; the default of every
registered network is checked whether or not it is listed here."""

MODEL_VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("gpr", {"max_exact": 20, "n_inducing": 10, "inducing": "random", "random_state": 7}),
]
"""Parameter sets of estimators that take other code paths (FITC above ``max_exact`` windows)."""


def case_id(name: str, options: dict[str, Any]) -> str:
    return name + "".join(f"-{k}={v}" for k, v in options.items())


# ---- estimators ----------------------------------------------------------------------------------

CHANNELS = ("rectus femoris", "soleus")
FEATURES = ("iemg", "rms", "wl")
JOINTS = ("right hip flexion", "right knee flexion")
QUANTITIES = ("angle", "moment")
UNITS = ("deg", "N·m")
STEP_S = 0.05


def windows(
    n: int = 24,
    seed: int = 0,
    *,
    scale: tuple[float, float] = (1.0, 1.0),
    offset: tuple[float, float] = (0.0, 0.0),
    channels: tuple[str, ...] = CHANNELS,
    features: tuple[str, ...] = FEATURES,
) -> WindowedDataset:
    """Two trials of ``n`` consecutive windows; the angles follow the current window's features,
    the moments also the previous window's. Targets per quantity are ``scale * Y + offset``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2 * n, len(channels), len(features)))
    flat = X.reshape(2 * n, -1)
    previous = np.concatenate([np.zeros((1, flat.shape[1])), flat[:-1]])
    previous[n] = 0.0  # the second trial starts afresh
    Y = np.empty((2 * n, 2, 2))
    Y[:, 0, 0] = 20 * np.tanh(flat[:, 0]) + 30
    Y[:, 1, 0] = 10 * flat[:, 1] - 40
    Y[:, 0, 1] = 50 * previous[:, 2] + 5 * flat[:, -1]
    Y[:, 1, 1] = 20 * np.sin(flat[:, -2]) + 8
    return WindowedDataset(
        X=X,
        Y=Y * np.asarray(scale) + np.asarray(offset),
        channels=channels,
        features=features,
        joints=JOINTS,
        quantities=QUANTITIES,
        units=UNITS,
        subject=np.repeat(["Sub01", "Sub02"], n),
        task=np.full(2 * n, "WAK"),
        trial=np.repeat(["Sub01_WAK", "Sub02_WAK"], n),
        segment=np.zeros(2 * n, dtype=int),
        time=np.tile(np.arange(n) * STEP_S, 2),
    )


def tiny_params(name: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Small, fast, seeded constructor parameters of registered model ``name``."""
    cls = model_class(name)
    extra = dict(extra or {})
    if not issubclass(cls, SequenceRegressor):
        return extra
    options = {**TINY_OPTIONS.get(cls.network, {}), **extra.pop("options", {})}
    params = {"hidden": HIDDEN, "layers": LAYERS, "sequence_length": 8, "epochs": 1}
    params |= {"batch_size": 8, "seed": 0, "device": "cpu", "threads": 1, "options": options}
    return params | extra


ESTIMATOR_CASES = [(name, {}) for name in available()] + MODEL_VARIANTS
ESTIMATOR_IDS = [case_id(name, params) for name, params in ESTIMATOR_CASES]


@pytest.fixture(scope="module")
def train() -> WindowedDataset:
    return windows()


@pytest.fixture(scope="module")
def test() -> WindowedDataset:
    return windows(n=17, seed=1)


@pytest.fixture(scope="module", params=ESTIMATOR_CASES, ids=ESTIMATOR_IDS)
def fitted(request: pytest.FixtureRequest, train: WindowedDataset) -> tuple[Estimator, dict]:
    """A fitted model of each registered name (and variant), with its parameters."""
    name, extra = request.param
    params = tiny_params(name, extra)
    model = create(name, **params)
    assert model.fit(train) is model
    return model, params


def renamed(data: WindowedDataset, **names: tuple[str, ...]) -> WindowedDataset:
    """``data`` with other channel or feature names (same values)."""
    return WindowedDataset(**{**data.__dict__, **names})


def test_the_registries_hold_the_documented_models_and_networks() -> None:
    assert set(available()) >= DOCUMENTED_MODELS
    assert set(NETWORKS) >= DOCUMENTED_NETWORKS
    for name, cls in NETWORKS.items():
        assert cls.name == name and issubclass(cls, SequenceNetwork)
    for name in available():
        assert model_class(name).name == name and issubclass(model_class(name), Estimator)
    # every network is reachable by name through an estimator, so every network is fitted below
    sequence_models = [model_class(n) for n in available()]
    reachable = {c.network for c in sequence_models if issubclass(c, SequenceRegressor)}
    assert reachable == set(NETWORKS)


def test_parameters_round_trip_through_the_registry(fitted) -> None:
    model, params = fitted
    assert model.get_params() == {**model.get_params(), **params}
    copy = create(model.name, **model.get_params())
    assert type(copy) is type(model) and copy.get_params() == model.get_params()
    assert json.loads(json.dumps(model.get_params())) == model.get_params()


def test_predictions_are_finite_with_the_targets_shape_names_and_units(fitted, test) -> None:
    model, _ = fitted
    prediction = model.predict(test)
    assert prediction.mean.shape == test.Y.shape == (34, 2, 2)
    assert np.isfinite(prediction.mean).all()
    assert (prediction.joints, prediction.quantities, prediction.units) == (
        JOINTS,
        QUANTITIES,
        UNITS,
    )
    if prediction.std is not None:
        assert prediction.std.shape == test.Y.shape
        assert np.isfinite(prediction.std).all() and (prediction.std > 0).all()
    assert model.n_parameters() >= 0


def test_predictions_follow_the_targets_units(fitted, test) -> None:
    """Angles shifted by 90 and moments in N·mm (x1000, shifted by -5): the estimates move alike."""
    model, params = fitted
    scale, offset = np.array([1.0, 1000.0]), np.array([90.0, -5.0])
    changed = create(model.name, **params).fit(windows(scale=tuple(scale), offset=tuple(offset)))
    before, after = model.predict(test), changed.predict(test)
    error = np.abs(after.mean - (before.mean * scale + offset)).max(axis=(0, 1))
    spread = np.abs(before.mean).max(axis=(0, 1)) * scale
    assert (error <= 1e-4 * spread).all(), error / spread
    if before.std is not None:
        np.testing.assert_allclose(after.std, before.std * scale, rtol=1e-4)


def test_save_and_load_model_predict_bit_identically(fitted, test, tmp_path: Path) -> None:
    model, _ = fitted
    folder = model.save(tmp_path / "model")
    assert sorted(p.name for p in folder.iterdir()) == [
        ".kinemyo-output.json",
        "model.json",
        "weights.safetensors",
    ]
    header = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    assert header["name"] == model.name and header["params"] == model.get_params()
    assert header["schema"]["channels"] == list(CHANNELS)
    assert header["schema"]["units"] == list(UNITS)
    assert set(load_file(str(folder / "weights.safetensors"))) >= {"x_mean", "y_scale"}

    loaded = load_model(folder)
    assert type(loaded) is type(model) and loaded.get_params() == model.get_params()
    state, loaded_state = model._fitted_state(), loaded._fitted_state()
    assert set(loaded_state) == set(state)
    for key, values in state.items():
        np.testing.assert_array_equal(loaded_state[key], values, err_msg=key)
    before, after = model.predict(test), loaded.predict(test)
    np.testing.assert_array_equal(after.mean, before.mean)
    assert (after.std is None) == (before.std is None)
    if before.std is not None:
        np.testing.assert_array_equal(after.std, before.std)
    assert loaded.n_parameters() == model.n_parameters()
    assert type(type(model).load(folder)) is type(model)
    other = next(model_class(n) for n in available() if not isinstance(model, model_class(n)))
    with pytest.raises(KinemyoError, match=f"holds a '{model.name}' model, not a {other.__name__}"):
        other.load(folder)


def test_a_refit_with_the_same_seed_predicts_identically(fitted, train, test) -> None:
    model, params = fitted
    again = create(model.name, **params).fit(train)
    np.testing.assert_array_equal(again.predict(test).mean, model.predict(test).mean)
    if isinstance(model, SequenceRegressor):
        assert again.history.step_loss == model.history.step_loss


def test_no_estimate_reads_a_later_window_or_another_trial(fitted, test) -> None:
    model, _ = fitted
    before = model.predict(test).mean
    X = test.X.copy()
    X[25] += 5.0  # window 8 of the second trial
    after = model.predict(WindowedDataset(**{**test.__dict__, "X": X})).mean
    np.testing.assert_array_equal(after[:25], before[:25])
    second = test.trial == "Sub02_WAK"
    alone = model.predict(test.subset(second)).mean
    np.testing.assert_allclose(alone, before[second], rtol=0, atol=1e-6 * np.abs(before).max())


def test_inputs_unlike_the_training_inputs_get_a_clear_error(fitted, test) -> None:
    model, _ = fitted
    cases = [
        (renamed(test, channels=("rectus femoris", "soleus lateralis")), "channels"),
        (renamed(test, channels=CHANNELS[::-1]), "channels"),
        (renamed(test, features=("iemg", "wl", "rms")), "features"),
        (windows(n=5, channels=CHANNELS[:1]), "channels"),  # (N, 1, 3): one channel short
        (windows(n=5, features=FEATURES[:2]), "features"),  # (N, 2, 2): one feature short
    ]
    for data, name in cases:
        with pytest.raises(KinemyoError, match=rf"fitted on {name} \[.*but the data has"):
            model.predict(data)
    X = test.X.copy()
    X[3, 1, 2] = np.nan
    with pytest.raises(KinemyoError, match="NaN or infinite values in 1 window"):
        model.predict(WindowedDataset(**{**test.__dict__, "X": X}))


@pytest.mark.parametrize("name", available())
def test_unfitted_or_untrainable_use_gets_a_clear_error(name: str, train, tmp_path: Path) -> None:
    model = create(name, **tiny_params(name))
    with pytest.raises(KinemyoError, match="not fitted yet"):
        model.predict(train)
    with pytest.raises(KinemyoError, match="not fitted yet"):
        model.save(tmp_path / "m")
    assert not (tmp_path / "m").exists()
    with pytest.raises(KinemyoError, match="needs targets"):
        model.fit(WindowedDataset(**{**train.__dict__, "Y": None}))
    with pytest.raises(KinemyoError, match="at least 2 training windows; got 1"):
        model.fit(train.subset(slice(0, 1)))
    X = train.X.copy()
    X[[5, 9], 0, 0] = np.nan
    with pytest.raises(KinemyoError, match="Training X has NaN or infinite values in 2 window"):
        model.fit(WindowedDataset(**{**train.__dict__, "X": X}))
    Y = train.Y.copy()
    Y[7, 1, 1] = np.inf
    with pytest.raises(KinemyoError, match="Training Y has NaN or infinite values"):
        model.fit(WindowedDataset(**{**train.__dict__, "Y": Y}))


# ---- networks ------------------------------------------------------------------------------------

N_IN, N_OUT = 5, 3
NETWORK_CASES = [(name, {}) for name in sorted(NETWORKS)] + NETWORK_VARIANTS
NETWORK_IDS = [case_id(name, options) for name, options in NETWORK_CASES]


def network(
    name: str, options: dict[str, Any], dtype: torch.dtype = torch.float64
) -> SequenceNetwork:
    """A small network in eval mode (dropout off), seeded."""
    torch.manual_seed(0)
    arguments = {"hidden": HIDDEN, "layers": LAYERS, **TINY_OPTIONS.get(name, {}), **options}
    net = build_network(name, n_inputs=N_IN, n_outputs=N_OUT, **arguments)
    return net.to(dtype).eval()


def inputs(batch: int, steps: int, seed: int = 1, dtype: torch.dtype = torch.float64):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, steps, N_IN, generator=generator, dtype=dtype)


def run_steps(net: SequenceNetwork, x: torch.Tensor) -> torch.Tensor:
    """Feed x (B, T, n_inputs) one step at a time from the initial state: (B, T, n_outputs)."""
    state = net.initial_state(x.shape[0])
    outputs = []
    for t in range(x.shape[1]):
        y, state = net.step(x[:, t], state)
        outputs.append(y)
    return torch.stack(outputs, dim=1)


networks_cases = pytest.mark.parametrize(("name", "options"), NETWORK_CASES, ids=NETWORK_IDS)


@networks_cases
@torch.no_grad()
def test_forward_gives_one_output_per_step(name: str, options: dict[str, Any]) -> None:
    net = network(name, options)
    assert net(inputs(2, 7)).shape == (2, 7, N_OUT)
    assert net(inputs(1, 1)).shape == (1, 1, N_OUT)
    assert torch.isfinite(net(inputs(2, 7))).all()


@networks_cases
@torch.no_grad()
def test_the_output_at_t_never_reads_a_later_input(name: str, options: dict[str, Any]) -> None:
    """Changing the inputs from step t on leaves every output before t alone, and moves t's."""
    net = network(name, options)
    x = inputs(3, 16)
    y = net(x)
    for t in (0, 1, 6, 15):
        changed = x.clone()
        changed[:, t:] += 100 * inputs(3, 16 - t, seed=t + 2)
        y_changed = net(changed)
        torch.testing.assert_close(y_changed[:, :t], y[:, :t], rtol=0, atol=1e-12)
        assert (y_changed[:, t] - y[:, t]).abs().min() > 1e-9


@networks_cases
@torch.no_grad()
def test_step_reproduces_forward(name: str, options: dict[str, Any]) -> None:
    net = network(name, options)
    x = inputs(3, 30)  # longer than every window, context and moving average above
    torch.testing.assert_close(run_steps(net, x), net(x), rtol=0, atol=1e-10)
    single = network(name, options, torch.float32)
    x = x.float()
    torch.testing.assert_close(run_steps(single, x), single(x), rtol=0, atol=1e-5)


@networks_cases
@torch.no_grad()
def test_batch_members_are_independent(name: str, options: dict[str, Any]) -> None:
    net = network(name, options)
    x = inputs(4, 10)
    alone = net(x[1:2])[0]
    torch.testing.assert_close(net(x)[1], alone, rtol=0, atol=1e-12)
    others = x.clone()
    others[[0, 2, 3]] = 50 * inputs(3, 10, seed=7)
    torch.testing.assert_close(net(others)[1], alone, rtol=0, atol=1e-12)
    torch.testing.assert_close(run_steps(net, others)[1], alone, rtol=0, atol=1e-10)


@networks_cases
def test_every_parameter_is_trained(name: str, options: dict[str, Any]) -> None:
    """Every parameter gets a gradient from the outputs (and the auxiliary loss, if any)."""
    net = network(name, options).train()
    assert sum(p.numel() for p in net.parameters()) > 0
    loss = net(inputs(3, 12)).square().sum()
    auxiliary = net.auxiliary_loss(torch.ones(3, 12, dtype=torch.bool))
    (loss if auxiliary is None else loss + auxiliary).backward()
    dead = [k for k, p in net.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert dead == []


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_inputs_of_the_wrong_shape_get_a_clear_error(name: str) -> None:
    net = network(name, {})
    too_many = torch.zeros(2, 7, N_IN + 1, dtype=torch.float64)
    for wrong in (inputs(2, 7)[..., :4], inputs(2, 7)[0], too_many):
        with pytest.raises(KinemyoError, match=rf"\(B, T, n_inputs\) with n_inputs = {N_IN}"):
            net(wrong)
    state = net.initial_state(2)
    with pytest.raises(KinemyoError, match=rf"\(B, n_inputs\) with n_inputs = {N_IN}.*\(2, 6\)"):
        net.step(torch.zeros(2, 6, dtype=torch.float64), state)
    with pytest.raises(KinemyoError, match=r"\(B, n_inputs\).*got shape \(2, 1, 5\)"):
        net.step(inputs(2, 1), state)


BAD_OPTION_VALUES: list[Any] = [0, -1, float("nan"), True, "text"]
"""What every network option refuses, bar the exceptions in ``ACCEPTS``."""

ACCEPTS: dict[str, list[Any]] = {
    "dropout": [0],  # a probability in [0, 1)
    "reconstruction_weight": [0],  # >= 0; 0 builds no decoder
    "no_fft": [True],  # the ablation flags
    "no_autoencoder": [True],
    "no_attention": [True],
}
"""The values of ``BAD_OPTION_VALUES`` that an option takes."""


def constructor_options(cls: type[SequenceNetwork]) -> list[str]:
    """The named parameters of a network class's constructor (``self`` aside)."""
    parameters = inspect.signature(cls.__init__).parameters
    return [name for name in parameters if name != "self"]


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_every_option_refuses_bad_values_naming_it(name: str) -> None:
    """Each constructor option of each registered network, fed 0, -1, NaN, True and text:
    a KinemyoError naming the network and the option, or (for the values in ``ACCEPTS``) a
    network that takes the value."""
    base = {"n_inputs": N_IN, "n_outputs": N_OUT, "hidden": HIDDEN, "layers": LAYERS}
    base |= TINY_OPTIONS.get(name, {})
    options = constructor_options(NETWORKS[name])
    assert {"n_inputs", "n_outputs", "hidden", "layers"} <= set(options)
    for option in options:
        for value in BAD_OPTION_VALUES:
            arguments = {**base, option: value}
            if any(value is ok or value == ok for ok in ACCEPTS.get(option, [])):
                assert getattr(build_network(name, **arguments), option) == value
                continue
            with pytest.raises(KinemyoError) as caught:
                build_network(name, **arguments)
            message = str(caught.value)
            assert f"Network '{name}'" in message and f"'{option}'" in message, (option, value)
            assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "options", "named"),
    [
        ("transformer", {"heads": 3}, ("'heads' (3)", "'hidden' (8)")),
        ("xlstm", {"heads": 3}, ("'heads' (3)", "'hidden' (8)")),
        ("mlstm", {"heads": 4, "mlstm_proj_factor": 1.25}, ("'mlstm_proj_factor'", "'heads' (4)")),
        ("slstm", {"slstm_proj_factor": 0.05}, ("'slstm_proj_factor' (0.05)", "'hidden' (8)")),
        ("xlstm", {"pattern": "msm"}, ("'pattern'", "'layers' = 2")),
        ("lstam", {"transform": "stft", "stft_frame": 9}, ("'stft_frame' (9)", "'window' (8)")),
    ],
)
def test_options_at_odds_name_every_option_involved(
    name: str, options: dict[str, Any], named: tuple[str, ...]
) -> None:
    arguments = {"hidden": HIDDEN, "layers": LAYERS, **TINY_OPTIONS.get(name, {}), **options}
    with pytest.raises(KinemyoError, match=f"Network '{name}': invalid configuration") as caught:
        build_network(name, n_inputs=N_IN, n_outputs=N_OUT, **arguments)
    assert all(part in str(caught.value) for part in named), str(caught.value)


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_sizes_beyond_their_bounds_are_refused_before_building(name: str) -> None:
    """A hidden size of 10**9 would allocate terabytes: it is refused by its bound."""
    with pytest.raises(KinemyoError, match=r"'hidden' must be <= 4096 \(got 1000000000\)"):
        build_network(name, n_inputs=N_IN, n_outputs=N_OUT, hidden=10**9)
