"""The models of the LSTAM experiment by label: light enough for the command line to list them."""

from __future__ import annotations

from typing import Any

MAX_EVERY = 1000
MAX_EPOCHS = 100_000
MAX_HIDDEN = 4096
MAX_WINDOW = 100_000
"""Upper bounds of the LSTAM experiment's ``every``, ``epochs``, ``hidden`` and ``window``, for
:class:`~kinemyo.studies.lstam.ExperimentConfig` and ``kinemyo experiment lstam`` alike (this
module is light enough for the command line)."""

REFERENCE = "lstam"
ABLATIONS = ("lstam no_fft", "lstam no_autoencoder", "lstam no_attention")
BASELINES = ("lstm", "tcn", "transformer", "ffn")

MODELS: dict[str, tuple[str, dict[str, Any]]] = {
    "lstam": ("lstam", {}),
    "lstam no_fft": ("lstam", {"no_fft": True}),
    "lstam no_autoencoder": ("lstam", {"no_autoencoder": True}),
    "lstam no_attention": ("lstam", {"no_attention": True}),
    "lstm": ("lstm", {}),
    "tcn": ("tcn", {}),
    "transformer": ("transformer", {}),
    "ffn": ("ffn", {}),
}
"""Model label -> (registry name, network options). Labels are what tables and figures show."""

__all__ = ["ABLATIONS", "BASELINES", "MODELS", "REFERENCE"]
