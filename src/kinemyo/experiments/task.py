"""Tasks: one independent fit each, named by a key that hashes everything its result depends on.

A task's key is the SHA-256 of a canonical JSON text of its parts (data fingerprint, pipeline
configuration, model name and parameters, protocol and split, seed) and of
:data:`TASK_FORMAT`, the layout of a stored result. Change any part and the key changes, so a
stored result is reused only for the very fit that produced it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from kinemyo.errors import KinemyoError

TASK_FORMAT = "kinemyo-task/1"
"""The layout of a stored task result; part of every key, bumped when the layout changes."""

SEED_PARAMS = ("seed", "random_state")
"""Constructor parameters through which a model takes its random seed."""


@dataclass(frozen=True)
class Task:
    """One fit to run.

    Attributes:
        key: :func:`task_key` of the parts that decide the result (64 hex digits).
        label: what a person reads in progress lines and failure lists, e.g.
            "DNS within-trial ridge seed 0".
        spec: what the study's work function needs besides the shared data (small, picklable).
    """

    key: str
    label: str
    spec: Any


def _canonical(value: Any) -> Any:
    """``value`` in a form whose JSON text is the same for equal values in any process."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, np.ndarray):
        return {"dtype": value.dtype.str, "shape": list(value.shape), "sha256": array_hash(value)}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and value != value:
        return "NaN"
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise KinemyoError(f"Cannot key a task on a value of type {type(value).__name__}: {value!r}.")


def array_hash(values: np.ndarray) -> str:
    """SHA-256 of an array's dtype, shape and bytes."""
    contiguous = np.ascontiguousarray(values)
    digest = hashlib.sha256(f"{contiguous.dtype.str}{contiguous.shape}".encode())
    digest.update(contiguous.tobytes())
    return digest.hexdigest()


def task_key(parts: Mapping[str, Any]) -> str:
    """The stable key of a task made of ``parts`` (JSON-like values and numpy arrays).

    Equal parts give equal keys in any process and on any machine; the order of mapping keys
    does not matter; any change of a value, or of :data:`TASK_FORMAT`, gives a new key.

    Raises:
        KinemyoError: a part holds a value that has no canonical form (e.g. an object).
    """
    text = json.dumps(
        {"format": TASK_FORMAT, "parts": _canonical(parts)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        allow_nan=False,
    )
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def seed_param(name: str) -> str | None:
    """The seed parameter ("seed" or "random_state") of registry model ``name``; None for a
    model without randomness (ridge, mean), which one seed stands for."""
    from kinemyo.models.registry import model_class

    accepted = model_class(name).param_names()
    return next((param for param in SEED_PARAMS if param in accepted), None)


def seeded(name: str, params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """``params`` of registry model ``name`` with its seed parameter set to ``seed``;
    unchanged for a model without randomness (see :func:`seed_param`)."""
    param = seed_param(name)
    return dict(params) if param is None else {**params, param: seed}
