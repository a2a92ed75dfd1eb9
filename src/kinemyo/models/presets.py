"""Named parameter sets for models: the seed study's settings and kinemyo's defaults.

- ``seed-xlstm``: the seed study's notebooks. Every sequence model: hidden size 32, batches of 64
  sequences, Adam at a constant learning rate of 0.01, 20 epochs, no early stopping (gradient
  clipping stays at the constructor's 1). The xLSTM
  family as the notebooks built it, 2 heads each: ``slstm`` one sLSTM block, ``mlstm`` one
  mLSTM block, ``xlstm`` three blocks mLSTM-sLSTM-mLSTM (``pattern="msm"``); other sequence
  models 2 layers. The notebooks' sequences were :data:`SEED_SEQUENCE_LENGTH` (1926)
  consecutive windows; the preset keeps kinemyo's chunks of 32 windows (sequences of 1926 pad
  every shorter run to 1926 steps), and ``sequence_length`` takes the seed's value:
  ``--param sequence_length=1926`` (with e.g. ``--param prediction_stride=1926``, which predicts
  whole chunks at once instead of one context per window).
- ``default``: kinemyo's stronger defaults: the constructor defaults (hidden 64, 2 layers,
  chunks of 32 windows, up to 60 epochs with a one-cycle schedule peaking at 3e-3, gradient
  clipping at 1, early stopping after 10 epochs without a better validation RMSE), plus the
  per-network options below.

Point models (mean, ridge, gpr) take no preset values.
"""

from __future__ import annotations

import copy
from typing import Any

from kinemyo.errors import KinemyoError
from kinemyo.models.registry import model_class
from kinemyo.models.sequence import SequenceRegressor

SEED_SEQUENCE_LENGTH = 1926
"""Windows per training sequence in the seed study's notebooks."""

_SEED_XLSTM = {
    "hidden": 32,
    "layers": 2,
    "batch_size": 64,
    "learning_rate": 0.01,
    "epochs": 20,
    "schedule": "none",
    "patience": 0,
}

_SEED_BLOCKS: dict[str, dict[str, Any]] = {
    "slstm": {"layers": 1, "options": {"heads": 2}},
    "mlstm": {"layers": 1, "options": {"heads": 2}},
    "xlstm": {"layers": 3, "options": {"heads": 2, "pattern": "msm"}},
}

_DEFAULT_OPTIONS: dict[str, dict[str, Any]] = {
    "transformer": {"options": {"heads": 4}},
    "tcn": {"options": {"kernel_size": 3}},
}

PRESETS = ("default", "seed-xlstm")


def preset_params(model: str, preset: str = "default") -> dict[str, Any]:
    """Constructor parameters of ``model`` under ``preset`` (a fresh dict to change freely)."""
    if preset not in PRESETS:
        raise KinemyoError(f"Unknown preset '{preset}'; presets: {', '.join(PRESETS)}.")
    if not issubclass(model_class(model), SequenceRegressor):
        return {}
    if preset == "seed-xlstm":
        return _SEED_XLSTM | copy.deepcopy(_SEED_BLOCKS.get(model, {}))
    return copy.deepcopy(_DEFAULT_OPTIONS.get(model, {}))
