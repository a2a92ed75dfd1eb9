"""Named parameter sets for models: the seed study's settings and kinemyo's defaults.

- ``seed-xlstm``: the seed study's sequence-model settings: hidden size 32, 2 layers, learning
  rate 0.01, 20 training steps (read as 20 epochs), constant learning rate, no early stopping.
- ``default``: kinemyo's stronger defaults: the constructor defaults (hidden 64, 2 layers,
  chunks of 32 windows, up to 60 epochs with a one-cycle schedule peaking at 3e-3, gradient
  clipping at 1, early stopping after 10 epochs without a better validation RMSE), plus the
  per-network options below.

Point models (mean, ridge, gpr) take no preset values.
"""

from __future__ import annotations

from typing import Any

from kinemyo.errors import KinemyoError
from kinemyo.models.registry import model_class
from kinemyo.models.sequence import SequenceRegressor

_SEED_XLSTM = {
    "hidden": 32,
    "layers": 2,
    "learning_rate": 0.01,
    "epochs": 20,
    "schedule": "none",
    "patience": 0,
}

_DEFAULT_OPTIONS: dict[str, dict[str, Any]] = {
    "transformer": {"options": {"heads": 4}},
    "tcn": {"options": {"kernel_size": 3}},
}

PRESETS = ("default", "seed-xlstm")


def preset_params(model: str, preset: str = "default") -> dict[str, Any]:
    """Constructor parameters of ``model`` under ``preset``."""
    if preset not in PRESETS:
        raise KinemyoError(f"Unknown preset '{preset}'; presets: {', '.join(PRESETS)}.")
    if not issubclass(model_class(model), SequenceRegressor):
        return {}
    if preset == "seed-xlstm":
        return dict(_SEED_XLSTM)
    return dict(_DEFAULT_OPTIONS.get(model, {}))
