"""Every settings object checks its values the same way (pydantic, through kinemyo.settings) and a
bad value is refused up front with a KinemyoError naming the field, what it must be and what it
got; settings read from a file (a Lag-Llama checkpoint, a saved model, a config YAML) also name
the file and the key."""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path
from typing import Any

import pytest
import torch

from kinemyo.config import load_config
from kinemyo.data.siat_llmd import ReadOptions
from kinemyo.data.synthetic import CohortConfig
from kinemyo.data.synthetic.camargo_config import CamargoCohortConfig
from kinemyo.errors import DataFormatError, KinemyoError
from kinemyo.forecasting.finetune import FinetuneConfig
from kinemyo.models import RidgeRegression, load_model
from kinemyo.models.lagllama import LagLlamaNetwork, network_from_checkpoint
from kinemyo.models.registry import available, create, model_class
from kinemyo.studies.forecast import ForecastSettings
from kinemyo.studies.lstam import ExperimentConfig
from tests.test_models import _smooth

SETTINGS_CASES = [
    (CohortConfig, {"seconds": 1e7}, "'seconds' must be <= 3600 (got 10000000.0)."),
    (CohortConfig, {"seconds": math.inf}, "'seconds' must be a finite number (got inf)"),
    (CohortConfig, {"seconds": 3000.0}, "'seconds' x 'fs' = 5,760,000 samples per trial is"),
    (CohortConfig, {"subjects": True}, "'subjects' must be a valid integer (got True)"),
    (CohortConfig, {"subjects": "3"}, "'subjects' must be a valid integer (got '3')"),
    (CohortConfig, {"hum_mv": -0.1}, "'hum_mv' must be >= 0 (got -0.1)"),
    (CohortConfig, {"motions": ()}, "'motions' must have at least 1 item(s) (got ())"),
    (CohortConfig, {"colour": "red"}, "'colour' is not a known setting"),
    (CamargoCohortConfig, {"ramps": (7,)}, "'ramps[0]' must be 1, 2, 3, 4, 5 or 6 (got 7)"),
    (
        CamargoCohortConfig,
        {"plateau_seconds": 601.0},
        "'plateau_seconds' must be <= 600 (got 601.0)",
    ),
    (ForecastSettings, {"mode": "slow"}, "'mode' must be 'fast' or 'reference' (got 'slow')"),
    (ForecastSettings, {"test_fraction": 1.0}, "'test_fraction' must be < 1 (got 1.0)"),
    (ForecastSettings, {"context_length": 10**400}, "'context_length' must be <= 65536"),
    (FinetuneConfig, {"learning_rate": -1.0}, "'learning_rate' must be >= 1e-12 (got -1.0)"),
    (FinetuneConfig, {"device": "tpu"}, "'device' must be 'auto', 'cpu' or 'cuda' (got 'tpu')"),
    (FinetuneConfig, {"seed": 2**40}, "'seed' must be <= 4294967295 (got 1099511627776)"),
    (ExperimentConfig, {"models": ("lstm",)}, "'models' must include 'lstam'"),
    (ExperimentConfig, {"models": ("lstam", "gru")}, "'models[1]' must be 'lstam', "),
    (ExperimentConfig, {"every": 0}, "'every' must be >= 1 (got 0)"),
    (ReadOptions, {"moment_unit": "Nm"}, "'moment_unit' must be 'N·m' or 'N·m/kg' (got 'Nm')"),
    (ReadOptions, {"max_gap_s": math.nan}, "'max_gap_s' must be a finite number (got nan)"),
    (ReadOptions, {"nan_policy": "drop"}, "'nan_policy' must be 'error', 'interpolate' or 'mask'"),
]


@pytest.mark.parametrize(("cls", "values", "expected"), SETTINGS_CASES)
def test_a_bad_setting_is_refused_naming_the_field(cls, values: dict, expected: str) -> None:
    with pytest.raises(KinemyoError) as caught:
        cls(**values)
    message = str(caught.value)
    assert message.startswith(f"{cls.__name__}: invalid configuration: ")
    assert expected in message


def test_settings_keep_their_constructors_and_take_lists_for_tuples() -> None:
    config = CohortConfig(subjects=2, motions=["DNS", "WAK"], seconds=6)
    assert config.motions == ("DNS", "WAK") and config.seconds == 6.0
    assert ReadOptions(nan_policy="mask", cache_dir="/tmp/x").cache_dir == Path("/tmp/x")
    with pytest.raises(AttributeError, match="cannot assign to field 'subjects'"):
        config.subjects = 3


def _numeric_params(name: str) -> dict[str, type]:
    """The parameters of model ``name`` annotated int or float (possibly with bounds)."""
    out = {}
    for param, p in inspect.signature(model_class(name).__init__).parameters.items():
        text = str(p.annotation)
        for kind in (int, float):
            if text.startswith((kind.__name__, f"Annotated[{kind.__name__}")):
                out[param] = kind
    return out


@pytest.mark.parametrize("name", available())
def test_every_model_refuses_a_non_number_and_a_non_finite_number_by_name(name: str) -> None:
    params = _numeric_params(name)
    for param, kind in params.items():
        with pytest.raises(KinemyoError, match=rf"^Model '{name}': .*'{param}' must be a valid"):
            create(name, **{param: "abc"})
        if kind is float:
            with pytest.raises(KinemyoError, match=rf"'{param}' must be a finite number"):
                create(name, **{param: math.inf})
    if name != "mean":
        assert params, f"{name} declares no numeric parameter"


def test_model_bounds_are_checked_when_created_and_when_fitted() -> None:
    with pytest.raises(KinemyoError, match=r"'alpha' must be > 0 \(got 0\)"):
        create("ridge", alpha=0)
    with pytest.raises(KinemyoError, match=r"'max_exact' must be >= 2 \(got 1\)"):
        create("gpr", max_exact=1)
    with pytest.raises(KinemyoError, match=r"'approximation' must be 'auto', 'exact' or 'fitc'"):
        create("gpr", approximation="sparse")
    direct = RidgeRegression(alpha=-1.0)  # the constructor only stores; fit checks
    with pytest.raises(KinemyoError, match=r"'alpha' must be > 0 \(got -1.0\)"):
        direct.fit(_smooth(20, seed=0))


# ---------------------------------------------------------------------------- config YAML
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("window: {step: 5}\n".encode("utf-16"), "is UTF-16 text"),
        (b"\x00\x01binary", "holds NUL bytes at byte 0"),
        (b"[" * 5000 + b"]" * 5000, "not valid YAML (RecursionError"),
        (b"- 1\n- 2\n", "a configuration is a mapping of settings"),
        (b"window: {step: 1" + b"0" * 400 + b"}\n", "'window.step' must be <= 100000 (got 1000"),
        (b"bandpass: {high: 1.0e+400}\n", "'bandpass.high' must be a finite number (got inf)"),
        (b"foo: 1\n", "invalid configuration: 'foo' is not a known setting"),
        (b"bandpass: {low: 500, high: 400}\n", "'bandpass': low=500.0 Hz must be below high"),
    ],
)
def test_config_files_are_refused_naming_the_file(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(content)
    with pytest.raises(KinemyoError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


# ---------------------------------------------------------------------------- Lag-Llama
def _checkpoint(path: Path, **model_kwargs: Any) -> Path:
    """A checkpoint of a small network written with plain torch.save, its model_kwargs
    changed."""
    torch.manual_seed(0)
    net = LagLlamaNetwork(lags=(0, 1, 2), n_layer=1, n_head=2, n_embd_per_head=4)
    kwargs = {"lags_seq": [0, 1, 2], "n_layer": 1, "n_head": 2, "n_embd_per_head": 4}
    kwargs.update(model_kwargs)
    state = {f"model.{k}": v for k, v in net.state_dict().items()}
    torch.save({"state_dict": state, "hyper_parameters": {"model_kwargs": kwargs}}, path)
    return path


@pytest.mark.parametrize(
    ("model_kwargs", "expected"),
    [
        ({"n_head": 0}, "invalid 'hyper_parameters.model_kwargs': 'n_head' must be >= 1 (got 0)"),
        ({"n_layer": 10**6}, "'n_layer' must be <= 64 (got 1000000)"),
        ({"n_head": 64, "n_embd_per_head": 1024}, "is beyond 16,777,216"),
        ({"n_embd_per_head": 5}, "'n_embd_per_head' must be a multiple of 2 (got 5)"),
        ({"lags_seq": []}, "'lags' must have at least 1 item(s) (got [])"),
        ({"rope_scaling": {"type": "yarn", "factor": 2}}, "'rope_scaling"),
        ({"scaling": "mean"}, "'hyper_parameters.model_kwargs.scaling' is 'mean'"),
    ],
)
def test_checkpoint_settings_are_refused_naming_file_and_key(
    tmp_path: Path, model_kwargs: dict, expected: str
) -> None:
    path = _checkpoint(tmp_path / "x.ckpt", **model_kwargs)
    with pytest.raises(DataFormatError) as caught:
        network_from_checkpoint(path, expected_sha256=None)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_checkpoint_model_kwargs_as_a_list_and_a_text_file(tmp_path: Path) -> None:
    path = tmp_path / "list.ckpt"
    torch.save({"state_dict": {}, "hyper_parameters": {"model_kwargs": [1, 2]}}, path)
    with pytest.raises(DataFormatError, match=r"'hyper_parameters.model_kwargs' must be a mapping"):
        network_from_checkpoint(path, expected_sha256=None)
    text = tmp_path / "text.ckpt"
    text.write_text("not a checkpoint\n")
    with pytest.raises(DataFormatError, match="does not start like a PyTorch checkpoint"):
        network_from_checkpoint(text, expected_sha256=None)


def test_checkpoint_weights_of_the_wrong_shape_are_named(tmp_path: Path) -> None:
    path = _checkpoint(tmp_path / "x.ckpt", n_head=1, n_embd_per_head=8)  # E = 8 both ways
    network_from_checkpoint(path, expected_sha256=None)  # same sizes: loads
    path = _checkpoint(tmp_path / "y.ckpt", n_embd_per_head=6)  # E = 12, weights have 8
    with pytest.raises(DataFormatError, match=r"the weights do not match the network \(size"):
        network_from_checkpoint(path, expected_sha256=None)


# ---------------------------------------------------------------------------- saved models
@pytest.fixture
def saved(tmp_path: Path) -> Path:
    return RidgeRegression().fit(_smooth(20, seed=0)).save(tmp_path / "ridge")


def _rewrite(folder: Path, **changes: Any) -> Path:
    path = folder / "model.json"
    header = json.loads(path.read_text())
    for key, value in changes.items():
        if value is None:
            del header["schema"][key]
        else:
            header[key] = value
    path.write_text(json.dumps(header))
    return path


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"params": [1.0]}, "invalid 'model file': 'params' must be a valid dictionary"),
        ({"format_version": "1"}, "'format_version' must be a valid integer (got '1')"),
        ({"units": None}, "invalid 'schema': 'units' is required"),
        ({"params": {"alpha": "x"}}, "invalid 'params' (Model 'ridge': invalid configuration"),
    ],
)
def test_damaged_model_files_are_refused_naming_the_file(
    saved: Path, changes: dict, expected: str
) -> None:
    path = _rewrite(saved, **changes)
    with pytest.raises(DataFormatError) as caught:
        load_model(saved)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_random_bytes_as_weights_are_refused_naming_the_file(saved: Path) -> None:
    weights = saved / "weights.safetensors"
    weights.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DataFormatError, match=rf"^{weights}: does not start like a safetensors"):
        load_model(saved)


def test_weights_of_the_wrong_shape_are_refused_at_load(saved: Path) -> None:
    from safetensors.numpy import load_file, save_file

    weights = saved / "weights.safetensors"
    arrays = load_file(str(weights))
    arrays["coef"] = arrays["coef"][:-1]
    save_file(arrays, str(weights))
    with pytest.raises(DataFormatError, match=r"the arrays of model 'ridge' do not fit together"):
        load_model(saved)
