"""Lag-Llama (Rasul et al.), implemented from the published facts, checkpoint-compatible.

- ``LagLlamaNetwork``: the network (84 lags, robust scaler, 8 LLaMA blocks, Student-t head);
  its parameter names match the official ``lag-llama.ckpt`` (strict load).
- ``load_checkpoint`` / ``network_from_checkpoint``: safe loading (``weights_only=True`` with two
  gluonts stubs); the file must be fetched by hand from Hugging Face
  ``time-series-foundation-models/Lag-Llama``.
- Sampling: ``mode="reference"`` (official semantics, scaler recomputed each step) or
  ``mode="fast"`` (scaler frozen after the context + exact KV cache: a different model of the
  future).
"""

from kinemyo.models.lagllama.cache import KVCache, SharedPrefixKVCache
from kinemyo.models.lagllama.checkpoint import (
    OFFICIAL_SHA256,
    ChecksumWarning,
    load_checkpoint,
    network_from_checkpoint,
    write_synthetic_checkpoint,
)
from kinemyo.models.lagllama.features import LAGS, robust_scaler, time_features
from kinemyo.models.lagllama.network import LagLlamaNetwork, StudentTParams
from kinemyo.models.lagllama.sampling import sample_fast, sample_reference

__all__ = [
    "LAGS",
    "OFFICIAL_SHA256",
    "ChecksumWarning",
    "KVCache",
    "LagLlamaNetwork",
    "SharedPrefixKVCache",
    "StudentTParams",
    "load_checkpoint",
    "network_from_checkpoint",
    "robust_scaler",
    "sample_fast",
    "sample_reference",
    "time_features",
    "write_synthetic_checkpoint",
]
