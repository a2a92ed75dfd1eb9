"""What a running experiment reports: how many tasks are done, running and failed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class TaskCounts:
    """Where a run stands.

    Attributes:
        total: tasks of the run; skipped: of them, finished by an earlier run and not redone.
        done: finished in this run (skipped ones excluded); failed: ended with an error.
        running: handed to a worker and not finished yet.
    """

    total: int
    skipped: int = 0
    done: int = 0
    running: int = 0
    failed: int = 0

    @property
    def to_run(self) -> int:
        """Tasks this run has to run: total less the skipped ones."""
        return self.total - self.skipped


TaskProgress = Callable[[TaskCounts, str], None]
"""Told the counts and a message (e.g. "finished DNS Sub01 ridge seed 0") after each change."""
