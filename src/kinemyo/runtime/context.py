"""A sequence network run window by window, with the context its offline ``predict`` gives.

:meth:`~kinemyo.models.sequence.SequenceRegressor.predict` estimates each window from itself and
the ``sequence_length - 1`` windows before it in its run (from a fresh network state at the first
of them; ``prediction_stride`` 1). A stream is one run from the last restart, so
:class:`WindowContext` gives every new window that same estimate:

* networks whose output depends on at most ``sequence_length`` windows (a ``receptive_field``
  no longer than the context: TCN, FFN) run one ``step`` state from the restart: the inputs
  before the context would not change the output anyway.
* other networks whose step state has a fixed size (LSTM, the xLSTM family) keep one state per
  window of the context, started at consecutive windows, batched along the state's batch
  dimension: each new window is one ``step`` of at most ``sequence_length`` states, read from
  the oldest, which then leaves. Every state sees exactly the windows its offline context
  holds.
* networks whose state grows (the Transformer's key/value cache, LSTAM's position) run
  ``forward`` over the last ``sequence_length`` windows.

With ``carry=True`` a network whose step state has a fixed size runs ONE state from the restart
instead, carried over every window (as a controller runs a recurrent network, and as the
exported ONNX step does: :mod:`kinemyo.runtime.export`): one step per window, whatever the
context, so it is the fastest form; its estimates then use every window since the restart, not
the last ``sequence_length`` only, and differ from offline ``predict`` once the stream is longer
than that.

A model fitted with ``prediction_stride`` s > 1 predicts offline from between
``sequence_length - s`` and ``sequence_length - 1`` windows of context, depending on where its
context chunks fall; the stream always gives the full ``sequence_length - 1`` windows.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import torch
from torch.utils import _pytree as pytree

from kinemyo.models.networks.base import SequenceNetwork


def _batch_dims(network: SequenceNetwork) -> list[int | None] | None:
    """For each leaf of the network's state, the dimension of a tensor that holds the batch
    (None for an empty leaf); None when the state does not keep its size from step to step or
    holds something else."""
    one, spec = pytree.tree_flatten(network.initial_state(1))
    two, spec_two = pytree.tree_flatten(network.initial_state(2))
    stepped, spec_stepped = pytree.tree_flatten(
        network.step(torch.zeros(2, network.n_inputs), network.initial_state(2))[1]
    )
    if not (spec == spec_two == spec_stepped):
        return None
    dims = []
    for a, b, c in zip(one, two, stepped, strict=True):
        if a is None and b is None and c is None:
            dims.append(None)
            continue
        if not (isinstance(a, torch.Tensor) and isinstance(c, torch.Tensor)):
            return None
        differ = [d for d in range(a.ndim) if a.shape[d] != b.shape[d]]
        if a.ndim != b.ndim or len(differ) != 1 or c.shape != b.shape:
            return None
        dims.append(differ[0])
    return dims


class WindowContext:
    """Estimates of a sequence network for one window at a time (see the module docstring).

    Args:
        network: the fitted network, in eval mode.
        length: windows of context, the model's ``sequence_length``.
        carry: carry one state from the restart where the state has a fixed size (see the module
            docstring); else the exact offline context.
    """

    def __init__(self, network: SequenceNetwork, length: int, carry: bool = False) -> None:
        self.network = network
        self.length = length
        self.single = getattr(network, "receptive_field", length + 1) <= length
        with torch.inference_mode():
            self._dims = None if self.single else _batch_dims(network)
        self.carried = carry and not self.single and self._dims is not None
        self.single = self.single or self.carried
        self.staggered = not self.single and self._dims is not None
        self.reset()

    @property
    def path(self) -> str:
        """How windows are run: "carried step", "single step", "staggered step" or "forward"."""
        if self.carried:
            return "carried step"
        if self.single:
            return "single step"
        return "staggered step" if self.staggered else "forward"

    def reset(self) -> None:
        """Forget every window: the next one starts a new run."""
        self._states: Any = None  # staggered: flat list of batched state tensors
        self._count = 0
        self._inputs: deque[torch.Tensor] = deque(maxlen=self.length)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """The network's (n_outputs,) estimate for the next window's (n_inputs,) input."""
        with torch.inference_mode():
            if self.single:
                if self._states is None:
                    self._states = self.network.initial_state(1)
                y, self._states = self.network.step(x[None], self._states)
                return y[0]
            if not self.staggered:
                self._inputs.append(x)
                return self.network(torch.stack(tuple(self._inputs))[None])[0, -1]
            fresh, spec = pytree.tree_flatten(self.network.initial_state(1))
            if self._states is None:
                states = fresh
            else:
                states = [
                    old if d is None else torch.cat((old, new), dim=d)
                    for old, new, d in zip(self._states, fresh, self._dims, strict=True)
                ]
            self._count = min(self._count + 1, self.length)
            y, stepped = self.network.step(
                x.expand(self._count, -1), pytree.tree_unflatten(states, spec)
            )
            states = pytree.tree_leaves(stepped)
            if self._count == self.length:  # the oldest state has seen its whole context
                states = [
                    s if d is None else s.narrow(d, 1, s.shape[d] - 1)
                    for s, d in zip(states, self._dims, strict=True)
                ]
                self._count -= 1
            self._states = states
            return y[0]
