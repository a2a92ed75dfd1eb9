"""The contract of every sequence network: causal over time, step-by-step for streaming.

A :class:`SequenceNetwork` maps a batch of feature sequences (B, T, n_inputs) to per-step outputs
(B, T, n_outputs). It is causal: the output at step t depends on inputs at steps <= t only, so
right-padding a sequence never changes its valid outputs. ``step`` runs the same network one time
step at a time (what a controller does in real time) and must give the same outputs as
``forward`` over the whole sequence. The base class checks the input of every subclass's
``forward`` and ``step`` before it runs: a tensor of another shape gets a KinemyoError naming the
network and the shapes, not torch's message about matrix sizes.

Networks are registered by name in :data:`NETWORKS`; the estimators in
:mod:`kinemyo.models.sequence` build them from ``(n_inputs, n_outputs, hidden, layers, **options)``
with :func:`build_network`, which checks the options first, in the idiom of
:mod:`kinemyo.settings`: each constructor parameter is annotated with its type and bounds (the
aliases below, e.g. ``dropout: Dropout``), and what involves several options (``heads`` dividing
``hidden``) is checked in the constructor, which raises ``ValueError`` naming the options.
"""

from __future__ import annotations

import abc
import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, ClassVar

import torch
from pydantic import Field
from torch import nn

from kinemyo.errors import KinemyoError
from kinemyo.settings import check_values

State = Any
"""Whatever a network carries from one step to the next (tensors, tuples of tensors, lists)."""

Features = Annotated[int, Field(ge=1, le=1_000_000)]
"""Features or targets per step."""

Width = Annotated[int, Field(ge=1, le=4096)]
"""A hidden size, a number of channels or heads."""

Depth = Annotated[int, Field(ge=1, le=64)]
"""Stacked layers or blocks."""

Steps = Annotated[int, Field(ge=1, le=100_000)]
"""A length in time steps: a window, a kernel, a span."""

Factor = Annotated[float, Field(gt=0, le=64)]
"""A width relative to ``hidden``."""

Dropout = Annotated[float, Field(ge=0, lt=1)]
"""A dropout probability."""


class SequenceNetwork(nn.Module, abc.ABC):
    """Causal sequence-to-sequence regressor.

    Args:
        n_inputs: features per step (e.g. 9 channels x 6 features = 54).
        n_outputs: targets per step (e.g. 8 joints x 2 quantities = 16).
        hidden: hidden size.
        layers: number of stacked layers / blocks.
    """

    name: ClassVar[str]

    def __init__(
        self, n_inputs: Features, n_outputs: Features, hidden: Width = 32, layers: Depth = 2
    ) -> None:
        super().__init__()
        self.n_inputs, self.n_outputs = int(n_inputs), int(n_outputs)
        self.hidden, self.layers = int(hidden), int(layers)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Wrap the ``forward`` and ``step`` a subclass defines with the input check."""
        super().__init_subclass__(**kwargs)
        for method, dims in (("forward", 3), ("step", 2)):
            function = vars(cls).get(method)
            if function is not None and not getattr(function, "__isabstractmethod__", False):
                setattr(cls, method, _checked_input(function, dims))

    def check_input(self, x: torch.Tensor, dims: int) -> None:
        """Raise KinemyoError unless ``x`` is a tensor of ``dims`` dimensions whose last one
        holds the ``n_inputs`` features: (B, T, n_inputs) for ``forward`` (dims 3),
        (B, n_inputs) for ``step`` (dims 2)."""
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else None
        if shape is None or len(shape) != dims or shape[-1] != self.n_inputs:
            expected = "(B, T, n_inputs)" if dims == 3 else "(B, n_inputs)"
            got = f"shape {shape}" if shape is not None else f"a {type(x).__name__}"
            raise KinemyoError(
                f"{type(self).__name__} ('{self.name}') takes a tensor {expected} with "
                f"n_inputs = {self.n_inputs} features; got {got}."
            )

    @abc.abstractmethod
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, n_inputs) -> (B, T, n_outputs), causal over T."""

    @abc.abstractmethod
    def initial_state(self, batch: int) -> State:
        """The state before the first step, for a batch of ``batch`` sequences."""

    @abc.abstractmethod
    def step(self, x: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """One time step: (B, n_inputs) and the state -> (B, n_outputs) and the next state.

        Feeding a sequence step by step from ``initial_state`` gives ``forward``'s outputs.
        """

    def auxiliary_loss(self, valid: torch.Tensor) -> torch.Tensor | None:
        """An extra training loss of the last ``forward`` (e.g. an autoencoder's reconstruction
        error), averaged over the valid (B, T) steps (``valid`` a bool mask); the trainer adds it
        to the target loss. None (the default): no extra loss.
        """
        return None


def _checked_input(function: Callable[..., Any], dims: int) -> Callable[..., Any]:
    """``function`` (a network's forward or step) preceded by :meth:`SequenceNetwork.check_input`
    on its first argument."""

    @functools.wraps(function)
    def checked(self: SequenceNetwork, x: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        self.check_input(x, dims)
        return function(self, x, *args, **kwargs)

    return checked


NETWORKS: dict[str, type[SequenceNetwork]] = {}
"""Network classes by name ("lstm", "tcn", "transformer", "slstm", "mlstm", "xlstm", ...)."""


def register_network(cls: type[SequenceNetwork]) -> type[SequenceNetwork]:
    """Class decorator: make ``cls`` available in :data:`NETWORKS` under ``cls.name``."""
    if cls.name in NETWORKS:
        raise KinemyoError(f"A network named '{cls.name}' is already registered.")
    NETWORKS[cls.name] = cls
    return cls


def build_network(name: str, **options: Any) -> SequenceNetwork:
    """An untrained network by name, its options checked against the constructor's annotations
    (:func:`kinemyo.settings.check_values`) and then together (the constructor's ``ValueError``).

    Raises:
        KinemyoError: an unknown name or option (listing the known ones), or an option of the
            wrong type, out of its bounds or at odds with another, naming the network and options.
    """
    if name not in NETWORKS:
        raise KinemyoError(f"Unknown network '{name}'; known: {', '.join(sorted(NETWORKS))}.")
    cls = NETWORKS[name]
    accepted = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise KinemyoError(
            f"Network '{name}' has no option(s) {unknown}; its options are: {', '.join(accepted)}."
        )
    owner = f"Network '{name}'"
    check_values(cls.__init__, options, owner)
    try:
        return cls(**options)
    except ValueError as error:
        raise KinemyoError(f"{owner}: invalid configuration: {error}.") from None
