"""kinemyo: estimate and forecast lower-limb joint angles and moments from sEMG and joint angles.

The names below are imported on first use, so that ``import kinemyo`` (and the command line's
``--help``) does not pay for numpy, pandas or torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "Labels": "kinemyo.data.recording",
    "Recording": "kinemyo.data.recording",
    "RecordingMeta": "kinemyo.data.recording",
    "SignalBlock": "kinemyo.data.recording",
    "DataFormatError": "kinemyo.errors",
    "KinemyoError": "kinemyo.errors",
}

__all__ = [
    "DataFormatError",
    "KinemyoError",
    "Labels",
    "Recording",
    "RecordingMeta",
    "SignalBlock",
    "__version__",
]

if TYPE_CHECKING:
    from kinemyo.data.recording import Labels, Recording, RecordingMeta, SignalBlock
    from kinemyo.errors import DataFormatError, KinemyoError


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kinemyo' has no attribute '{name}'")
