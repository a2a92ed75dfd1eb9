"""ONNX export: onnxruntime reproduces torch's step over 1,000 windows for every registered model
that exports, the sidecar describes the graph, and the others are refused with a reason."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from kinemyo.config import load_config
from kinemyo.models.registry import available, create, model_class
from kinemyo.models.sequence import SequenceRegressor
from kinemyo.runtime.export import (
    REFUSED,
    NotExportableError,
    OnnxStepper,
    export_onnx,
    sidecar_path,
)
from kinemyo.signal.pipeline import SignalPipeline
from tests.conftest import SPEC_JOINTS, SPEC_MUSCLES, make_recording
from tests.test_sequence_models import dataset

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
pytest.importorskip("onnxruntime", reason="the runtime extra (onnx, onnxruntime) is not installed")

STEPS = 1000
TOLERANCE = 1e-5
TINY = {"hidden": 8, "layers": 2, "epochs": 1, "sequence_length": 8, "batch_size": 8}
OPTIONS = {"transformer": {"heads": 2, "max_length": 16, "context": "sliding"}}
"""A transformer whose cache fills and slides within the 1,000 steps."""


def fitted(name: str):
    """A tiny model ``name`` fitted on a tiny dataset (one epoch: the weights need not be good)."""
    params = {}
    if issubclass(model_class(name), SequenceRegressor):
        params = TINY | {"options": OPTIONS.get(name, {})}
    with torch.random.fork_rng():
        return create(name, **params).fit(dataset(trials=2, n=40))


def torch_estimates(model, features: np.ndarray) -> np.ndarray:
    """The torch reference, computed without the exported graph: the standardisation in
    float64 numpy, the network's own ``step`` from its ``initial_state``, the un-scaling in
    numpy; (T, J*Q)."""
    inputs = (features.astype(np.float64) - model.x_mean_) / model.x_scale_
    if isinstance(model, SequenceRegressor):
        network, state, out = model.network_.eval(), model.network_.initial_state(1), []
        with torch.no_grad():
            for x in inputs:
                y, state = network.step(torch.as_tensor(x[None], dtype=torch.float32), state)
                out.append(y[0].numpy())
        standardised = np.asarray(out, dtype=np.float64)
    elif model.name == "ridge":
        standardised = inputs @ model.coef_
    else:  # mean
        standardised = np.zeros((len(inputs), model.y_mean_.size))
    return standardised * model.y_scale_.reshape(-1) + model.y_mean_.reshape(-1)


@pytest.mark.parametrize("name", available())
def test_onnxruntime_reproduces_torch_over_1000_steps(name: str, tmp_path: Path) -> None:
    model = fitted(name)
    out = tmp_path / "model.onnx"
    has_step = issubclass(model_class(name), SequenceRegressor) or name in ("ridge", "mean")
    if name in REFUSED or not has_step:
        with pytest.raises(NotExportableError, match=r"cannot be exported to ONNX: .{20,}"):
            export_onnx(model, out)
        assert not out.exists() and not sidecar_path(out).exists()
        return
    export_onnx(model, out)
    features = np.random.default_rng(1).normal(size=(STEPS, 6)).astype(np.float32)
    stepper = OnnxStepper(out)
    got = np.array([stepper.step(x) for x in features])
    expected = torch_estimates(model, features)
    assert got.shape == expected.shape == (STEPS, 4)
    assert np.abs(got - expected).max() <= TOLERANCE * max(1.0, np.abs(expected).max())
    if name == "mean":
        np.testing.assert_allclose(got, np.tile(model.y_mean_.reshape(-1), (STEPS, 1)), atol=1e-6)
    else:
        assert np.ptp(got, axis=0).max() > 1e-3  # the estimates move: not a constant graph


def test_ridge_graph_with_pipeline_standardisation_equals_predict(tmp_path: Path) -> None:
    """A stateless model: the graph on the pipeline's unstandardised features must give what
    ``predict`` gives on the standardised windows, and the sidecar names everything."""
    pipeline = SignalPipeline(load_config("kinemyo-siat"))
    recordings = [make_recording(subject=f"Sub0{k}", n=3000, seed=k) for k in (1, 2)]
    data = pipeline.fit_transform(pipeline.window(recordings))
    model = create("ridge").fit(data)
    out = tmp_path / "ridge.onnx"
    sidecar = export_onnx(model, out, pipeline=pipeline, opset=14)
    standardizer = pipeline.standardizer_.state()
    raw = data.X * standardizer["std"] + standardizer["mean"]  # what the graph takes
    stepper = OnnxStepper(out)
    got = np.array([stepper.step(x.reshape(-1)) for x in raw])
    expected = model.predict(data).mean.reshape(len(data), -1)
    assert np.abs(got - expected).max() <= TOLERANCE * np.abs(expected).max()
    assert json.loads(sidecar_path(out).read_text()) == sidecar
    assert sidecar["channels"] == SPEC_MUSCLES and sidecar["opset"] == 14
    columns = sidecar["outputs"][0]["columns"]
    assert columns[1] == {"joint": SPEC_JOINTS[0], "quantity": "moment", "unit": "N·m"}
    assert len(columns) == 16 and sidecar["inputs"] == [
        {
            "name": "features",
            "shape": [1, 54],
            "dtype": "float32",
            "order": "channel-major: index = channel * n_features + feature",
            "meaning": "the window's features as the pipeline computes them, before its feature "
            "standardisation (the graph applies it)",
        }
    ]
    assert sidecar["window"] == {
        "length_samples": 100,
        "step_samples": 50,
        "length_s": 100 / 1920,
        "step_s": 50 / 1920,
    }
    assert sidecar["pipeline"]["features"]["standardise"] is True
    pipeline.fs_ = 1000.0  # as if fitted on 1000 Hz recordings: the sidecar takes the fitted rate
    other = export_onnx(model, tmp_path / "ridge1000.onnx", pipeline=pipeline)
    assert other["fs_hz"] == 1000.0 and other["window"]["length_s"] == 0.1


def test_sidecar_gives_state_names_shapes_and_initial_values(tmp_path: Path) -> None:
    model = fitted("lstm")  # 2 layers of 8: h and c, each (layers, batch, hidden)
    sidecar = export_onnx(model, tmp_path / "lstm.onnx")
    states = [(s["name"], s["shape"], s["dtype"], s["initial"]) for s in sidecar["inputs"][1:]]
    assert states == [
        ("state_in.0", [2, 1, 8], "float32", 0.0),
        ("state_in.1", [2, 1, 8], "float32", 0.0),
    ]
    assert [s["name"] for s in sidecar["outputs"][1:]] == ["state_out.0", "state_out.1"]
    assert sidecar["state"]["max_steps"] is None


def test_growing_cache_is_a_dynamic_axis_and_stabilisers_start_at_minus_inf(
    tmp_path: Path,
) -> None:
    transformer = export_onnx(fitted("transformer"), tmp_path / "t.onnx")
    caches = [s for s in transformer["inputs"][1:] if "cache" in s["shape"]]
    assert len(caches) == 4  # keys and values of 2 layers: (1, heads, cache, hidden / heads)
    assert all(s["shape"] == [1, 2, "cache", 4] and s["cache_limit"] == 16 for s in caches)
    mlstm = export_onnx(fitted("mlstm"), tmp_path / "m.onnx")
    assert "-inf" in [s["initial"] for s in mlstm["inputs"][1:]]


def test_export_command_writes_graph_and_sidecar_and_refuses_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kinemyo.cli import main

    pipeline = SignalPipeline(load_config("kinemyo-siat"))
    data = pipeline.fit_transform(pipeline.window([make_recording(n=2000)]))
    for name in ("ridge", "gpr"):
        pipeline.save(tmp_path / name / "pipeline")
        create(name).fit(data).save(tmp_path / name / "model")
    out = tmp_path / "ridge.onnx"
    assert main(["export", str(tmp_path / "ridge"), "--out", str(out)]) == 0
    assert OnnxStepper(out).sidecar["model"] == "ridge"
    assert main(["export", str(tmp_path / "ridge"), "--out", str(out)]) == 1  # no --overwrite
    assert "--overwrite" in capsys.readouterr().err
    refused = tmp_path / "gpr.onnx"
    assert main(["export", str(tmp_path / "gpr"), "--out", str(refused)]) == 1
    error = capsys.readouterr().err
    assert "'gpr' cannot be exported to ONNX" in error and "Traceback" not in error
    assert not refused.exists() and not sidecar_path(refused).exists()
