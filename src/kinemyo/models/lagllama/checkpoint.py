"""Safe loading of the official Lag-Llama checkpoint (``lag-llama.ckpt``), without gluonts.

The checkpoint is a PyTorch Lightning dict whose pickle names two gluonts classes
(``StudentTOutput`` and ``NegativeLogLikelihood``, the latter gone from gluonts >= 0.15). It is
read with ``torch.load(..., weights_only=True)``: torch's restricted unpickler, which only builds
tensors, containers and the globals allow-listed with ``torch.serialization.safe_globals``. We
allow-list ``set`` and two inert stub classes registered under the exact gluonts names (as
``(stub, "gluonts....Name")`` pairs, which torch maps by that string): the unpickler creates a
stub with ``cls.__new__`` (NEWOBJ) and fills it with ``__setstate__`` (BUILD), so no gluonts code
and no arbitrary code runs. Any other global makes the load fail; the unrestricted unpickler is
never used.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import re
import sys
import types
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import torch

from kinemyo.data.limits import TORCH_CHECKPOINT, check_file
from kinemyo.errors import DataFormatError
from kinemyo.models.lagllama.features import LAGS
from kinemyo.models.lagllama.network import LagLlamaNetwork
from kinemyo.models.lagllama.settings import LagLlamaSettings
from kinemyo.settings import settings_from

#: sha256 of the official ``lag-llama.ckpt`` (29.5 MB).
OFFICIAL_SHA256 = "b5a5c4b8a0cfe9b81bdac35ed5d88b5033cd119b5206c28e9cd67c4b45fb2c96"
HF_REPO = "time-series-foundation-models/Lag-Llama"
HF_FILE = "lag-llama.ckpt"
STUDENT_T_OUTPUT = "gluonts.torch.distributions.studentT.StudentTOutput"
NEGATIVE_LOG_LIKELIHOOD = "gluonts.torch.modules.loss.NegativeLogLikelihood"


class ChecksumWarning(UserWarning):
    """The checkpoint's sha256 differs from the expected one (it is loaded anyway)."""


class _Stub:
    """An inert stand-in for a pickled gluonts object: it only keeps the pickled attributes."""

    def __setstate__(self, state: dict[str, Any] | None) -> None:
        if isinstance(state, dict):
            self.__dict__.update(state)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__dict__})"


class StudentTOutput(_Stub):
    """Stub for ``gluonts.torch.distributions.studentT.StudentTOutput``."""


class NegativeLogLikelihood(_Stub):
    """Stub for ``gluonts.torch.modules.loss.NegativeLogLikelihood``."""


#: What ``torch.serialization.safe_globals`` receives.
SAFE_GLOBALS: list[Any] = [
    set,
    (StudentTOutput, STUDENT_T_OUTPUT),
    (NegativeLogLikelihood, NEGATIVE_LOG_LIKELIHOOD),
]


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_checkpoint(
    path: str | Path, expected_sha256: str | None = OFFICIAL_SHA256
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read a Lag-Llama Lightning checkpoint safely.

    Args:
        path: the ``.ckpt`` file.
        expected_sha256: warn (``ChecksumWarning``) when the file's sha256 differs; ``None`` skips
            the check. A mismatch never prevents loading.

    Returns:
        ``(state_dict, hyper_parameters)``: the state_dict with the ``model.`` prefix stripped
        (CPU tensors), and the checkpoint's ``hyper_parameters`` (gluonts objects as stubs).

    Raises:
        DataFormatError: the file is missing, is not a Lightning checkpoint, or its pickle needs a
            global other than the allow-listed ones (it is then not loaded at all).
    """
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(
            "the Lag-Llama checkpoint does not exist.",
            path=path,
            hint=(
                f"Download '{HF_FILE}' from the Hugging Face repo '{HF_REPO}' "
                f"(https://huggingface.co/{HF_REPO}) on a machine with internet access and copy "
                "it here; it cannot be downloaded automatically from this workplace."
            ),
        )
    check_file(path, TORCH_CHECKPOINT)
    if expected_sha256 is not None:
        actual = sha256_of(path)
        if actual != expected_sha256.lower():
            warnings.warn(
                ChecksumWarning(
                    f"{path}: sha256 {actual} differs from the expected {expected_sha256}; "
                    "loading it anyway (it is not the official lag-llama.ckpt, or it was altered)."
                ),
                stacklevel=2,
            )
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"Unsupported global: GLOBAL (\S+)", str(exc))
        raise DataFormatError(
            "refused to unpickle the checkpoint: it needs a global that is not allow-listed "
            f"({found.group(1) if found else 'unknown'}).",
            path=path,
            hint="Only tensors, containers, set and the two gluonts stubs are allowed "
            "(weights_only=True); the file is never opened with the unrestricted unpickler.",
        ) from exc
    except Exception as exc:  # torch raises many types for a damaged or foreign file
        raise DataFormatError(
            f"cannot read the checkpoint ({type(exc).__name__}: {exc}).",
            path=path,
            hint="Is it a torch .ckpt file?",
        ) from None
    if not isinstance(ckpt, dict) or not isinstance(ckpt.get("state_dict"), dict):
        raise DataFormatError("not a Lightning checkpoint (no 'state_dict').", path=path)
    state = {
        key.removeprefix("model."): value
        for key, value in ckpt["state_dict"].items()
        if isinstance(key, str) and isinstance(value, torch.Tensor)
    }
    hyper = ckpt.get("hyper_parameters") or {}
    if not isinstance(hyper, dict):
        raise DataFormatError("'hyper_parameters' is not a dict.", path=path)
    return state, hyper


MODEL_KWARGS = "hyper_parameters.model_kwargs"
"""Where a Lightning checkpoint of Lag-Llama keeps the network's settings."""


def network_kwargs(model_kwargs: object, path: str | Path) -> dict[str, Any]:
    """``LagLlamaNetwork`` arguments from the checkpoint's ``hyper_parameters["model_kwargs"]``
    (``lags_seq`` becomes ``lags``), checked by
    :class:`~kinemyo.models.lagllama.settings.LagLlamaSettings`.

    Raises:
        DataFormatError: naming ``path`` and the key: ``model_kwargs`` is not a mapping, a value
            is of the wrong type or out of range, or a setting this implementation does not
            support (input_size != 1, a scaling other than "robust", a distribution other than
            Student-t, dropout != 0).
    """
    if not isinstance(model_kwargs, Mapping):
        raise DataFormatError(
            f"'{MODEL_KWARGS}' must be a mapping of settings, not a {type(model_kwargs).__name__}.",
            path=path,
        )
    fixed = {"input_size": 1, "scaling": "robust"}
    for key, supported in fixed.items():
        value = model_kwargs.get(key, supported)
        if not (isinstance(value, type(supported)) and value == supported):
            raise DataFormatError(
                f"'{MODEL_KWARGS}.{key}' is {value!r}; only {supported!r} is supported.",
                path=path,
            )
    distr = model_kwargs.get("distr_output")
    if distr is not None and type(distr).__name__ != "StudentTOutput":
        raise DataFormatError(
            f"'{MODEL_KWARGS}.distr_output' is {type(distr).__name__}; only the Student-t "
            "output is supported.",
            path=path,
        )
    names = ("context_length", "max_context_length", "n_layer", "n_head", "n_embd_per_head",
             "rope_scaling", "time_feat", "dropout", "num_parallel_samples")  # fmt: skip
    kwargs = {name: model_kwargs[name] for name in names if name in model_kwargs}
    kwargs["lags"] = model_kwargs.get("lags_seq", LAGS)
    config = settings_from(LagLlamaSettings, kwargs, path=path, key=MODEL_KWARGS)
    return {name: getattr(config, name) for name in kwargs}


def load_weights(
    network: LagLlamaNetwork, state: Mapping[str, torch.Tensor], path: str | Path
) -> LagLlamaNetwork:
    """``network`` with the weights ``state`` loaded (strict: same names and shapes), in eval
    mode.

    Raises:
        DataFormatError: naming ``path``: a weight is missing, unexpected, of the wrong shape,
            or not finite.
    """
    for name, tensor in state.items():
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise DataFormatError(
                f"weight '{name}' has non-finite values; the file is damaged.", path=path
            )
    try:
        network.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[1:2] or [str(exc)]
        raise DataFormatError(
            f"the weights do not match the network ({first[0].strip()}).", path=path
        ) from None
    return network.eval()


def network_from_checkpoint(
    path: str | Path, expected_sha256: str | None = OFFICIAL_SHA256, **overrides: Any
) -> LagLlamaNetwork:
    """Build a ``LagLlamaNetwork`` from ``model_kwargs`` and load the weights with strict=True.

    ``overrides`` replace constructor arguments (e.g. ``rope_scaling=12.0`` for longer
    contexts, ``zero_iqr_guard=False``). The network is returned in eval mode.
    """
    state, hyper = load_checkpoint(path, expected_sha256)
    kwargs = network_kwargs(hyper.get("model_kwargs", {}), path)
    return load_weights(LagLlamaNetwork(**{**kwargs, **overrides}), state, path)


# --------------------------------------------------------------------------- writing (tests)
@contextlib.contextmanager
def _gluonts_names() -> Iterator[tuple[type, type]]:
    """Temporarily make two plain classes importable under the gluonts names, for pickling.

    Installs empty module objects for ``gluonts`` and its sub-packages in ``sys.modules`` and
    restores ``sys.modules`` afterwards.
    """
    classes = []
    created: dict[str, types.ModuleType] = {}
    for full in (STUDENT_T_OUTPUT, NEGATIVE_LOG_LIKELIHOOD):
        module_name, name = full.rsplit(".", 1)
        cls = type(name, (), {"__module__": module_name, "__qualname__": name})
        parts = module_name.split(".")
        for i in range(1, len(parts) + 1):
            sub = ".".join(parts[:i])
            if sub not in created:
                created[sub] = types.ModuleType(sub)
        setattr(created[module_name], name, cls)
        classes.append(cls)
    saved = {name: sys.modules[name] for name in created if name in sys.modules}
    sys.modules.update(created)
    try:
        yield classes[0], classes[1]
    finally:
        for name in created:
            if name in saved:
                sys.modules[name] = saved[name]
            else:
                sys.modules.pop(name, None)


def write_synthetic_checkpoint(
    path: str | Path, network: LagLlamaNetwork | None = None, *, seed: int = 0
) -> Path:
    """Write a Lightning-style checkpoint shaped like the official one (for tests).

    The weights are ``network``'s (default: a default-size network with random weights drawn
    with ``seed``), prefixed ``model.``; ``hyper_parameters["model_kwargs"]`` mirrors the
    official settings; the pickle names ``gluonts...StudentTOutput`` and
    ``gluonts...NegativeLogLikelihood`` (plain classes pickled under those names) and holds a
    ``set``, like the official file. Written with plain ``torch.save``.
    """
    if network is None:
        torch.manual_seed(seed)
        network = LagLlamaNetwork()
    path = Path(path)
    with _gluonts_names() as (student_t, nll):
        distr = student_t()
        distr.__dict__.update({"args_dim": {"df": 1, "loc": 1, "scale": 1}, "beta": 0.0})
        loss = nll()
        loss.__dict__.update({"beta": 0.0})
        model_kwargs = {
            "input_size": 1,
            "context_length": network.context_length,
            "max_context_length": network.max_context_length,
            "lags_seq": list(network.lags),
            "n_layer": network.n_layer,
            "n_embd_per_head": network.head_dim,
            "n_head": network.n_head,
            "scaling": "robust",
            "distr_output": distr,
            "num_parallel_samples": network.num_parallel_samples,
            "rope_scaling": None,
            "time_feat": network.use_time_feat,
            "dropout": 0.0,
        }
        ckpt = {
            "epoch": 0,
            "global_step": 0,
            "pytorch-lightning_version": "2.0.4",
            "state_dict": {
                f"model.{k}": v.detach().clone() for k, v in network.state_dict().items()
            },
            "loops": {"fit_loop": {"state_dict": {}, "skipped": set()}},
            "callbacks": {},
            "optimizer_states": [],
            "lr_schedulers": [],
            "hparams_name": "kwargs",
            "hyper_parameters": {
                "model_kwargs": model_kwargs,
                "context_length": network.context_length,
                "prediction_length": 1,
                "loss": loss,
                "lr": 1e-4,
            },
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(ckpt, path)
    return path
