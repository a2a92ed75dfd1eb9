"""How many torch intra-op threads kinemyo's networks run on: chosen, not inherited.

torch starts one intra-op thread per core. kinemyo's networks are small (hidden 32-64, batches
of tens of sequences), so most of their operations are too small to share between threads, and
the recurrent ones (LSTM, sLSTM) run thousands of them per batch, each ending at a barrier that
waits for every thread. When another process takes a core, each barrier waits for a thread that
is not running: an sLSTM training step measured 13.2 s with 2 threads against 0.51 s with 1
thread on a loaded 2-core machine. So kinemyo trains and predicts on ``DEFAULT_THREADS`` = 1
thread unless told otherwise.

The setting, first found wins: ``threads=N`` given to the trainer (``TrainingConfig``) or to a
sequence model; the environment variable ``KINEMYO_THREADS=N``; 1. More threads help the large
vectorised operations (mLSTM, TCN, Transformer over long sequences) on an otherwise idle machine;
``benchmarks/bench_models.py`` prints both settings, quiet and with a busy core.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from kinemyo.errors import KinemyoError

THREADS_ENV = "KINEMYO_THREADS"
"""Environment variable with the number of intra-op threads (a positive integer)."""

DEFAULT_THREADS = 1
"""Intra-op threads when neither the caller nor ``KINEMYO_THREADS`` says otherwise."""


def resolve_threads(threads: int | None = None) -> int:
    """The number of intra-op threads to use: ``threads`` if given, else ``$KINEMYO_THREADS``,
    else :data:`DEFAULT_THREADS`.

    Raises:
        KinemyoError: a value that is not a positive integer, naming where it came from.
    """
    if threads is None:
        raw = os.environ.get(THREADS_ENV, "").strip()
        if not raw:
            return DEFAULT_THREADS
        if not raw.isdigit() or int(raw) < 1:
            raise KinemyoError(
                f"{THREADS_ENV}={raw!r} is not a positive whole number of threads; "
                f"set it to e.g. 1 (the default) or 2, or unset it."
            )
        return int(raw)
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise KinemyoError(f"threads must be a positive whole number (or None), got {threads!r}.")
    return threads


@contextmanager
def torch_threads(threads: int | None = None) -> Iterator[int]:
    """Run the block on :func:`resolve_threads` ``(threads)`` intra-op threads, then restore
    torch's previous setting. Yields the number used."""
    count = resolve_threads(threads)
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield count
    finally:
        torch.set_num_threads(previous)
