"""The settings of a :class:`~kinemyo.models.lagllama.network.LagLlamaNetwork`, checked before any
weight is allocated: they come from files (the checkpoint's ``model_kwargs``, a fine-tuned run's
``lagllama.json``) as well as from code, and a damaged value (``n_head: 0``, ``n_layer: 10**6``)
must be refused by name, not crash or exhaust memory while the network is built."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from kinemyo.models.lagllama.features import LAGS
from kinemyo.settings import settings

MAX_CONTEXT = 65_536
"""Longest context (and RoPE range) accepted, in steps (the checkpoint: 32 and 1024)."""
MAX_LAG = 100_000
"""Farthest lag accepted, in steps (the checkpoint's: 1092)."""
MAX_WIDTH = 2**24
"""Largest ``n_layer x (n_head x n_embd_per_head)^2``, about a twelfth of the weights: 16.8 M,
about 800 MB of float32 weights (the checkpoint's: 165 888, 2.4 M weights)."""


class LinearRope(TypedDict):
    """``rope_scaling`` as the checkpoint's config writes it: positions are divided by
    ``factor``."""

    type: NotRequired[Literal["linear"]]
    factor: Annotated[float, Field(gt=0)]


@settings
class LagLlamaSettings:
    """What :class:`~kinemyo.models.lagllama.network.LagLlamaNetwork` takes (see there); sizes
    in steps or units.

    Raises:
        KinemyoError: a value of the wrong type or out of range, naming it.
    """

    context_length: Annotated[int, Field(ge=1, le=MAX_CONTEXT)] = 32
    max_context_length: Annotated[int, Field(ge=1, le=MAX_CONTEXT)] = 2048
    lags: Annotated[
        tuple[Annotated[int, Field(ge=0, le=MAX_LAG)], ...],
        Field(strict=False, min_length=1, max_length=1024),
    ] = LAGS
    n_layer: Annotated[int, Field(ge=1, le=64)] = 8
    n_head: Annotated[int, Field(ge=1, le=64)] = 9
    n_embd_per_head: Annotated[int, Field(ge=2, le=1024, multiple_of=2)] = 16
    rope_scaling: Annotated[float, Field(gt=0)] | LinearRope | None = None
    time_feat: bool = True
    dropout: Annotated[float, Field(ge=0, le=0)] = 0.0
    num_parallel_samples: Annotated[int, Field(ge=1, le=100_000)] = 100
    zero_iqr_guard: bool = True
    time_step_s: Annotated[float, Field(gt=0)] = 1.0

    def __post_init__(self) -> None:
        width = self.n_layer * (self.n_head * self.n_embd_per_head) ** 2
        if width > MAX_WIDTH:
            raise ValueError(
                f"n_layer x (n_head x n_embd_per_head)^2 = {width:,} is beyond {MAX_WIDTH:,}, "
                "far larger than any Lag-Llama (the checkpoint's: 165,888)"
            )

    @property
    def rope_factor(self) -> float:
        """The linear RoPE factor (1 without scaling)."""
        if self.rope_scaling is None:
            return 1.0
        if isinstance(self.rope_scaling, dict):
            return float(self.rope_scaling["factor"])
        return float(self.rope_scaling)
