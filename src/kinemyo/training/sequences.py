"""Sequences of consecutive windows for sequence models, never crossing a trial, Group or split.

A *run* is a maximal set of windows of one trial and one segment (Group) whose times follow each
other at the regular window step: a window dropped between them (the gap of a split, a window
removed for any reason) ends the run. Sequence models learn from chunks of runs and predict each
window from the windows before it in its run, so what they see never crosses a boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kinemyo.data.windowed import WindowedDataset
from kinemyo.errors import KinemyoError

STEP_TOLERANCE = 1.5
"""A time step longer than this many median steps (of the trial) breaks a run."""


@dataclass(frozen=True, eq=False)
class Runs:
    """Which run each window belongs to and where.

    Attributes:
        run: (N,) run id of each window (0..R-1; -1 for a window in no run).
        position: (N,) 0-based position of each window within its run, in time order.
    """

    run: np.ndarray
    position: np.ndarray

    @classmethod
    def of(cls, data: WindowedDataset) -> Runs:
        """The runs of ``data``'s windows (any order in, ids by trial, segment and time)."""
        n = len(data)
        if n == 0:
            return cls(np.zeros(0, int), np.zeros(0, int))
        order = np.lexsort((data.time, data.segment, data.trial))
        trial, segment, time = data.trial[order], data.segment[order], data.time[order]
        steps = np.diff(time)
        same_place = (trial[1:] == trial[:-1]) & (segment[1:] == segment[:-1])
        typical = np.median(steps[same_place & (steps > 0)]) if np.any(same_place) else np.inf
        breaks = ~same_place | (steps > STEP_TOLERANCE * typical) | (steps <= 0)
        run_sorted = np.concatenate([[0], np.cumsum(breaks)])
        starts = np.flatnonzero(np.concatenate([[True], breaks]))
        position_sorted = np.arange(n) - starts[run_sorted]
        run, position = np.empty(n, int), np.empty(n, int)
        run[order], position[order] = run_sorted, position_sorted
        return cls(run, position)

    def members(self) -> list[np.ndarray]:
        """For each run, the indices of its windows in time order (windows with run id -1,
        i.e. in no run, are left out)."""
        order = np.lexsort((self.position, self.run))
        order = order[self.run[order] >= 0]
        bounds = np.flatnonzero(np.diff(self.run[order])) + 1
        return np.split(order, bounds) if order.size else []


def training_chunks(runs: Runs, length: int, stride: int) -> np.ndarray:
    """Chunks of at most ``length`` consecutive windows of each run, every ``stride`` windows.

    Returns:
        (K, length) window indices, -1 where a chunk shorter than ``length`` (the end of a short
        run) is padded on the right. Every window is in at least one chunk.
    """
    if length < 1 or stride < 1:
        raise KinemyoError(f"sequence length and stride must be >= 1; got {length}, {stride}.")
    chunks = []
    for members in runs.members():
        starts = list(range(0, max(len(members) - length, 0) + 1, stride))
        if starts[-1] + length < len(members):
            starts.append(len(members) - length)
        for start in starts:
            chunk = np.full(length, -1)
            part = members[start : start + length]
            chunk[: part.size] = part
            chunks.append(chunk)
    return np.asarray(chunks, dtype=int).reshape(-1, length)


def context_sequences(
    runs: Runs, length: int, keep: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chunks of consecutive windows from which every window's prediction is read.

    The first chunk of a run starts at its first window and gives the predictions of its first
    ``length`` windows (each with the context from the run start). Every further chunk ends
    ``keep`` windows after the previous one and gives the predictions of its last ``keep``
    windows, so each of those has at least ``length - keep`` windows of context before it (all
    in its run). ``keep=1``: every window has exactly ``min(position, length - 1)`` windows of
    context; ``keep=k`` runs about k times fewer chunks.

    Returns:
        chunks (K, length): window indices right-padded with -1; row (N,) and column (N,): the
        prediction of window i is the network's output at ``chunks[row[i], column[i]]``.
    """
    if length < 1 or not 1 <= keep <= length:
        raise KinemyoError(f"Need length >= 1 and 1 <= keep <= length; got {length}, {keep}.")
    n = runs.run.size
    row, column = np.full(n, -1), np.full(n, -1)
    chunks = []
    for members in runs.members():
        end, read_from = min(length, members.size) - 1, 0
        while True:
            start = max(0, end - length + 1)
            part = members[start : end + 1]
            chunk = np.full(length, -1)
            chunk[: part.size] = part
            row[members[read_from : end + 1]] = len(chunks)
            column[members[read_from : end + 1]] = np.arange(read_from, end + 1) - start
            chunks.append(chunk)
            if end == members.size - 1:
                break
            read_from, end = end + 1, min(end + keep, members.size - 1)
    return np.asarray(chunks, dtype=int).reshape(-1, length), row, column
