"""ONNX export of a fitted model's one-window step, with its recurrent state as explicit inputs
and outputs and the fitted scalers inside the graph.

One call of the exported graph maps one window's feature vector and the state to the estimate
and the next state, in target units::

    features (1, C*F) float32   the window's features as the pipeline computes them before its
                                 own standardisation (channel-major: c0f0, c0f1, ..., c1f0, ...)
    state_in.<path> ...          the network's state (see the sidecar for shapes and initial values)
      -> estimate (1, J*Q) float32   joint-major (j0q0, j0q1, ..., j1q0, ...), in target units
         state_out.<path> ...        the next state: feed it back as state_in at the next window

Inside the graph: the pipeline's feature standardisation (if configured), the model's input
standardisation, the network's ``step``, and the model's target un-scaling. The batch is fixed at
1 (one stream per session). A JSON sidecar (``<out>.json``, see :func:`sidecar_path`) gives the
names, shapes, dtypes and initial values of every input and output, the channel, feature, joint
and quantity names with units, the sampling rate, window and step, and the pipeline config, so a
C or C++ controller needs nothing else.

What exports: every sequence network whose ``step`` keeps a state of fixed form (tensors and
integer step counters; a key/value cache that grows up to ``max_length`` is a dynamic axis),
``ridge`` (a linear map) and ``mean`` (a constant): today every registered model but ``gpr``.
What is refused, with the reason: :data:`REFUSED` (models by name), any model without a step
form, any network whose state changes form between steps or that uses an operator torch's
exporter cannot write.

The graph is traced from the network's own ``step`` (torch's TorchScript exporter,
``dynamo=False``); LSTAM's spectrum is computed there as a real DFT (two matrix products), since
that exporter has no rfft (see :func:`kinemyo.models.networks.lstam.tapered_magnitudes`).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn
from torch.utils import _pytree as pytree

from kinemyo import __version__
from kinemyo.data.siat_llmd.schema import SAMPLING_RATE_HZ
from kinemyo.errors import KinemyoError
from kinemyo.fileio import atomic_file
from kinemyo.runtime.opsets import DEFAULT_OPSET, MAX_OPSET, MIN_OPSET

if TYPE_CHECKING:
    from kinemyo.models.base import Estimator
    from kinemyo.signal.pipeline import SignalPipeline

SIDECAR_FORMAT = "kinemyo-onnx-step"

INSTALL_HINT = "pip install 'kinemyo[runtime]'"

REFUSED: dict[str, str] = {
    "gpr": "its estimate is a kernel expansion over the stored training windows and its "
    "standard deviation a triangular solve with their Cholesky factor; no fixed step graph "
    "carries that (export ridge or a network for a controller).",
}
"""Models that cannot be exported, by registry name, with the reason."""


class NotExportableError(KinemyoError):
    """The model has no ONNX step form; the message says why."""


def sidecar_path(out: str | Path) -> Path:
    """The JSON sidecar beside the ONNX file ``out``: ``model.onnx`` -> ``model.onnx.json``."""
    out = Path(out)
    return out.with_name(out.name + ".json")


def require_onnx() -> None:
    """Raise KinemyoError naming the extra to install unless onnx and onnxruntime import."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as error:
        raise KinemyoError(
            f"ONNX export needs onnx and onnxruntime ({error.name} is not installed): "
            f"{INSTALL_HINT}."
        ) from None


# ------------------------------------------------------------------------------- state layout
@dataclass(frozen=True)
class StateLeaf:
    """One tensor of the flattened state.

    Attributes:
        name: its path in the state, e.g. ``keys.0`` (inputs are ``state_in.<name>``, outputs
            ``state_out.<name>``).
        shape: its shape; None marks a dimension that grows from 0 (a cache), up to ``limit``.
        dtype: "float32" or "int64" (an integer step counter).
        initial: the value every element starts from (0, or -inf for log-domain stabilisers).
        limit: largest length of the dynamic dimension, or None.
    """

    name: str
    shape: tuple[int | None, ...]
    dtype: str
    initial: float
    limit: int | None = None

    def describe(self, direction: str) -> dict[str, Any]:
        """A JSON-able description of this leaf as ``state_in`` or ``state_out``."""
        initial = self.initial if math.isfinite(self.initial) else str(self.initial)
        return {
            "name": f"state_{direction}.{self.name}",
            "shape": ["cache" if size is None else size for size in self.shape],
            "dtype": self.dtype,
            "initial": initial,
            **({"cache_limit": self.limit} if self.limit is not None else {}),
        }


def _leaf_name(path: tuple[Any, ...]) -> str:
    parts = [re.sub(r"[^A-Za-z0-9_]", "", pytree.keystr((key,))) for key in path]
    return ".".join(parts) or "state"


def _as_tensor_leaves(state: Any) -> tuple[list[Any], pytree.TreeSpec]:
    """The state's leaves (python ints as int64 0-d tensors; None stays None) and its spec."""
    leaves, spec = pytree.tree_flatten(state)
    leaves = [
        torch.tensor(leaf, dtype=torch.int64)
        if isinstance(leaf, int) and not isinstance(leaf, bool)
        else leaf
        for leaf in leaves
    ]
    return leaves, spec


def _initial_fill(name: str, leaf: torch.Tensor) -> float:
    values = leaf.detach().flatten()
    if values.numel() == 0:
        return 0.0
    first = float(values[0])
    same = torch.isneginf(values).all() if first == -math.inf else (values == first).all()
    if not bool(same):
        raise NotExportableError(f"the initial value of state '{name}' is not one constant.")
    return first


def state_layout(network: nn.Module, steps: int = 3) -> tuple[list[StateLeaf], pytree.TreeSpec]:
    """The flattened state of ``network`` (batch 1) and its tree spec, from its initial state and
    the states after ``steps`` steps of random input.

    Raises:
        NotExportableError: the state changes form (structure or number of dimensions) between
            steps, or a leaf's initial value is not one constant.
    """
    generator = torch.Generator().manual_seed(0)
    state = network.initial_state(1)
    initial, spec = _as_tensor_leaves(state)
    names = [_leaf_name(path) for path, _ in pytree.tree_flatten_with_path(state)[0]]
    shapes = [[tuple(leaf.shape)] if leaf is not None else [None] for leaf in initial]
    with torch.no_grad():
        for _ in range(steps):
            _, state = network.step(torch.randn(1, network.n_inputs, generator=generator), state)
            leaves, next_spec = _as_tensor_leaves(state)
            if next_spec != spec or [x is None for x in leaves] != [x is None for x in initial]:
                raise NotExportableError("its state changes form between steps.")
            for seen, leaf in zip(shapes, leaves, strict=True):
                seen.append(None if leaf is None else tuple(leaf.shape))
    layout = []
    for name, leaf, seen in zip(names, initial, shapes, strict=True):
        if leaf is None:
            continue
        if len({len(shape) for shape in seen}) != 1:
            raise NotExportableError(f"state '{name}' changes its number of dimensions.")
        shape = tuple(
            sizes[0] if len(set(sizes)) == 1 else None for sizes in zip(*seen, strict=True)
        )
        if sum(size is None for size in shape) > 1:
            raise NotExportableError(f"state '{name}' grows along more than one dimension.")
        dtype = "int64" if leaf.dtype == torch.int64 else "float32"
        layout.append(
            StateLeaf(name, shape, dtype, _initial_fill(name, leaf), _cache_limit(network, shape))
        )
    return layout, spec


def _cache_limit(network: nn.Module, shape: tuple[int | None, ...]) -> int | None:
    if None not in shape:
        return None
    return int(getattr(network, "max_length", 0)) or None


# --------------------------------------------------------------------------- step graphs
class StepGraph(nn.Module):
    """features (1, D) and the flat state -> estimate (1, J*Q) and the next flat state, with the
    input standardisations and the target un-scaling around ``core``.

    Args:
        core: maps standardised inputs (1, D) and the state (a tree as ``spec`` says; None
            without state) to standardised targets (1, J*Q) and the next state.
        spec: tree spec of the state (None: stateless).
        has_leaf: per flattened leaf of the spec, whether it is a tensor (else None, kept as is).
        input_scalings: (mean, scale) pairs, each (D,), applied in order: x = (x - mean) / scale.
        y_mean, y_scale: (J*Q,) target un-scaling: y = y * scale + mean.
    """

    def __init__(
        self,
        core: nn.Module,
        spec: pytree.TreeSpec | None,
        has_leaf: Sequence[bool],
        input_scalings: Sequence[tuple[np.ndarray, np.ndarray]],
        y_mean: np.ndarray,
        y_scale: np.ndarray,
    ) -> None:
        super().__init__()
        self.core, self.spec, self.has_leaf = core, spec, list(has_leaf)
        for k, (mean, scale) in enumerate(input_scalings):
            self.register_buffer(f"in_mean_{k}", _f32(mean))
            self.register_buffer(f"in_scale_{k}", _f32(scale))
        self.n_scalings = len(input_scalings)
        self.register_buffer("y_mean", _f32(y_mean))
        self.register_buffer("y_scale", _f32(y_scale))

    def forward(self, features: torch.Tensor, *state: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x = features
        for k in range(self.n_scalings):
            x = (x - getattr(self, f"in_mean_{k}")) / getattr(self, f"in_scale_{k}")
        tree = None
        if self.spec is not None:
            given = iter(state)
            leaves = [next(given) if present else None for present in self.has_leaf]
            tree = pytree.tree_unflatten(leaves, self.spec)
        y, tree = self.core(x, tree)
        next_leaves = [] if self.spec is None else pytree.tree_flatten(tree)[0]
        out = [leaf for leaf in next_leaves if leaf is not None]
        return (y * self.y_scale + self.y_mean, *out)


def _f32(values: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(values, dtype=np.float64).reshape(-1), dtype=torch.float32)


class _NetworkStep(nn.Module):
    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, x: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        return self.network.step(x, state)


class _LinearStep(nn.Module):
    """Ridge: y = x @ coef (both standardised)."""

    def __init__(self, coef: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("coef", torch.as_tensor(np.asarray(coef), dtype=torch.float32))

    def forward(self, x: torch.Tensor, state: None) -> tuple[torch.Tensor, None]:
        return x @ self.coef, state


class _ConstantStep(nn.Module):
    """Mean: y = 0 in standardised units (the target means after un-scaling)."""

    def __init__(self, n_outputs: int) -> None:
        super().__init__()
        self.n_outputs = n_outputs

    def forward(self, x: torch.Tensor, state: None) -> tuple[torch.Tensor, None]:
        # 0 * x keeps the features input in the graph (the exporter drops unused inputs).
        return x[:, :1] * 0.0 + torch.zeros(1, self.n_outputs), state


@dataclass
class StepExport:
    """A model's step graph in torch, ready to trace, and its state layout.

    Attributes:
        graph: the :class:`StepGraph`.
        state: the tensor leaves of the state, in input/output order (empty: stateless).
    """

    graph: StepGraph
    state: list[StateLeaf]


def step_export(model: Estimator, pipeline: SignalPipeline | None = None) -> StepExport:
    """The step graph of fitted ``model`` (with ``pipeline``'s feature standardisation in front,
    if it has one).

    Raises:
        NotExportableError: the model has no step form (:data:`REFUSED`, or a network whose state
            changes form), with the reason.
    """
    from kinemyo.models.baselines import MeanPredictor, RidgeRegression
    from kinemyo.models.sequence import SequenceRegressor

    model._check_fitted()
    if model.name in REFUSED:
        raise NotExportableError(
            f"Model '{model.name}' cannot be exported to ONNX: {REFUSED[model.name]}"
        )
    n_outputs = int(np.prod(model.y_scale_.shape))
    spec, has_leaf, layout = None, [], []
    if isinstance(model, SequenceRegressor):
        network = model.network_.cpu().eval()
        try:
            layout, spec = state_layout(network)
        except NotExportableError as error:
            raise NotExportableError(
                f"Model '{model.name}' cannot be exported to ONNX: {error}"
            ) from None
        has_leaf = [leaf is not None for leaf in _as_tensor_leaves(network.initial_state(1))[0]]
        core: nn.Module = _NetworkStep(network)
    elif isinstance(model, RidgeRegression):
        core = _LinearStep(model.coef_)
    elif isinstance(model, MeanPredictor):
        core = _ConstantStep(n_outputs)
    else:
        raise NotExportableError(
            f"Model '{model.name}' cannot be exported to ONNX: it has no one-window step form "
            "(only the sequence networks, ridge and mean have one)."
        )
    scalings = []
    if pipeline is not None and pipeline.standardizer_ is not None:
        state = pipeline.standardizer_.state()
        scalings.append((state["mean"], state["std"]))
    scalings.append((model.x_mean_, model.x_scale_))
    graph = StepGraph(core, spec, has_leaf, scalings, model.y_mean_, model.y_scale_).eval()
    return StepExport(graph, layout)


# ------------------------------------------------------------------------------- the export
def export_onnx(
    model: Estimator,
    out: str | Path,
    *,
    pipeline: SignalPipeline | None = None,
    opset: int = DEFAULT_OPSET,
    fs: float | None = None,
) -> dict[str, Any]:
    """Write ``model``'s step graph to ONNX file ``out`` and its sidecar to
    :func:`sidecar_path` ``(out)`` (each atomically).

    Args:
        model: a fitted estimator.
        out: the ONNX file to write.
        pipeline: the fitted pipeline of the run (its feature standardisation goes into the graph,
            its config into the sidecar); None: the graph's input is what the model takes.
        opset: ONNX opset, in :mod:`kinemyo.runtime.opsets`' range.
        fs: sampling rate of the raw signals, Hz (None: the rate the pipeline was fitted at,
            else SIAT-LLMD's 1920 Hz).

    Returns:
        The sidecar, as written.

    Raises:
        NotExportableError: the model cannot be exported (the reason is in the message).
        KinemyoError: onnx/onnxruntime are missing, or the opset is out of range.
    """
    require_onnx()
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise KinemyoError(f"opset must be in {MIN_OPSET}..{MAX_OPSET}, got {opset}.")
    export = step_export(model, pipeline)
    schema = model.schema_
    n_inputs = len(schema.channels) * len(schema.features)
    example = (
        torch.zeros(1, n_inputs),
        *(torch.as_tensor(_example_state(leaf)) for leaf in export.state),
    )
    inputs = ["features", *(f"state_in.{leaf.name}" for leaf in export.state)]
    outputs = ["estimate", *(f"state_out.{leaf.name}" for leaf in export.state)]
    dynamic = {}
    for leaf in export.state:
        if None in leaf.shape:
            axis = {leaf.shape.index(None): "cache"}
            dynamic[f"state_in.{leaf.name}"] = axis
            dynamic[f"state_out.{leaf.name}"] = axis
    out = Path(out)
    with atomic_file(out) as tmp, warnings.catch_warnings(), _native_stdout_silenced():
        warnings.simplefilter("ignore")  # tracer warnings on step counters and shape checks
        try:
            torch.onnx.export(
                export.graph,
                example,
                str(tmp),
                input_names=inputs,
                output_names=outputs,
                dynamic_axes=dynamic or None,
                opset_version=opset,
                dynamo=False,
            )
        except torch.onnx.errors.UnsupportedOperatorError as error:
            raise NotExportableError(
                f"Model '{model.name}' cannot be exported to ONNX: torch's exporter has no ONNX "
                f"form of an operator its step uses ({str(error).splitlines()[0]})."
            ) from None
    sidecar = _sidecar(model, pipeline, export, opset, fs, out)
    with atomic_file(sidecar_path(out)) as tmp:
        tmp.write_text(json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return sidecar


@contextlib.contextmanager
def _native_stdout_silenced() -> Iterator[None]:
    """Send the process's standard output (file descriptor 1) to the null device meanwhile:
    torch 2.13's TorchScript exporter always logs its whole IR graph there when an operator
    has no ONNX form (its logging switch is tested as a function, which is always true)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with Path(os.devnull).open("wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _example_state(leaf: StateLeaf) -> np.ndarray:
    """A state to trace with: zeros, with a dynamic dimension of length 2 (not 0 or 1, which
    the tracer could take for a constant or a broadcast)."""
    shape = tuple(2 if size is None else size for size in leaf.shape)
    return np.zeros(shape, dtype=leaf.dtype)


def _sidecar(
    model: Estimator,
    pipeline: SignalPipeline | None,
    export: StepExport,
    opset: int,
    fs: float | None,
    out: Path,
) -> dict[str, Any]:
    schema = model.schema_
    if fs is None:
        fs = pipeline.fs_ if pipeline is not None and pipeline.fs_ is not None else SAMPLING_RATE_HZ
    fs = float(fs)
    config = None if pipeline is None else pipeline.config
    window = None
    if config is not None:
        length, step = config.window.samples(fs)  # a window in seconds, resolved at the rate
        window = {
            "length_samples": length,
            "step_samples": step,
            "length_s": length / fs,
            "step_s": step / fs,
        }
    return {
        "format": SIDECAR_FORMAT,
        "format_version": 1,
        "kinemyo_version": __version__,
        "onnx_file": out.name,
        "opset": opset,
        "model": model.name,
        "params": model.get_params(),
        "batch": 1,
        "inputs": [
            {
                "name": "features",
                "shape": [1, len(schema.channels) * len(schema.features)],
                "dtype": "float32",
                "order": "channel-major: index = channel * n_features + feature",
                "meaning": _input_meaning(pipeline),
            },
            *(leaf.describe("in") for leaf in export.state),
        ],
        "outputs": [
            {
                "name": "estimate",
                "shape": [1, len(schema.joints) * len(schema.quantities)],
                "dtype": "float32",
                "order": "joint-major: index = joint * n_quantities + quantity",
                "columns": [
                    {"joint": joint, "quantity": quantity, "unit": unit}
                    for joint in schema.joints
                    for quantity, unit in zip(schema.quantities, schema.units, strict=True)
                ],
            },
            *(leaf.describe("out") for leaf in export.state),
        ],
        "state": {
            "initialise": "before the first window (and after any fault or reset) set every "
            "state_in to its 'initial' value, with dynamic 'cache' dimensions of length 0; "
            "after each call feed every state_out back as the state_in of the same name.",
            "max_steps": _max_steps(model),
        },
        "channels": list(schema.channels),
        "features": list(schema.features),
        "joints": list(schema.joints),
        "quantities": list(schema.quantities),
        "units": list(schema.units),
        "fs_hz": fs,
        "window": window,
        "pipeline": None if config is None else config.model_dump(mode="json"),
    }


def _input_meaning(pipeline: SignalPipeline | None) -> str:
    if pipeline is None:
        return "the window's features as in the WindowedDataset the model was fitted on"
    if pipeline.standardizer_ is not None:
        return (
            "the window's features as the pipeline computes them, before its feature "
            "standardisation (the graph applies it)"
        )
    return "the window's features as the pipeline computes them (its config standardises none)"


def _max_steps(model: Estimator) -> int | None:
    """Windows after which the state must be reset (a transformer refusing contexts longer than
    ``max_length``), or None."""
    network = getattr(model, "network_", None)
    if getattr(network, "context", None) == "error":
        return int(network.max_length)
    return None


# ------------------------------------------------------------------- running an export
class OnnxStepper:
    """Runs an exported step graph in onnxruntime, one window at a time, keeping the state.

    Args:
        path: the ONNX file (its sidecar must lie beside it).
        threads: onnxruntime intra-op threads.
    """

    def __init__(self, path: str | Path, threads: int = 1) -> None:
        require_onnx()
        import onnxruntime

        from kinemyo.saved import read_json

        self.sidecar = read_json(sidecar_path(path))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        self._state_in = [entry for entry in self.sidecar["inputs"] if entry["name"] != "features"]
        self.reset()

    def reset(self) -> None:
        """Set the state to its initial value."""
        self.state = {
            entry["name"]: np.full(
                [0 if size == "cache" else size for size in entry["shape"]],
                float(entry["initial"]),
                dtype=entry["dtype"],
            )
            for entry in self._state_in
        }

    def step(self, features: np.ndarray) -> np.ndarray:
        """The estimate (J*Q,) of one window's features (C*F,); advances the state."""
        feed = {"features": np.asarray(features, dtype=np.float32).reshape(1, -1), **self.state}
        estimate, *state = self.session.run(None, feed)
        self.state = {
            entry["name"]: value for entry, value in zip(self._state_in, state, strict=True)
        }
        return estimate[0]
