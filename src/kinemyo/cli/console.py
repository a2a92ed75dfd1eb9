"""The one Rich console the CLI prints to, and a progress bar for long work."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


def comma_list(text: str | None) -> list[str] | None:
    """The items of a comma-separated option ("Sub01, Sub02" -> ["Sub01", "Sub02"]), blanks
    dropped; None when the option was not given."""
    return None if text is None else [item.strip() for item in text.split(",") if item.strip()]


@contextlib.contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawing a bar on the console while the block runs."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


class TrainingDisplay:
    """A live line: what is being done, the epoch bar and the metric of the model in training."""

    def __init__(self, bar: Progress, task: TaskID) -> None:
        self._bar, self._task = bar, task

    def say(self, message: str) -> None:
        """Show ``message`` as the current activity."""
        self._bar.update(
            self._task,
            description=message,
            completed=0,
            total=None,
            train=float("nan"),
            valid=float("nan"),
        )

    def epoch(self, epoch: int, epochs: int, train: float, valid: float) -> None:
        """An ``on_epoch`` callback for the training loop."""
        self._bar.update(self._task, completed=epoch, total=epochs, train=train, valid=valid)

    def step(self, epoch: int, epochs: int, step: int, steps: int) -> None:
        """An ``on_step`` callback for the training loop: the bar advances within an epoch."""
        self._bar.update(self._task, completed=epoch - 1 + step / steps, total=epochs)


@contextlib.contextmanager
def training_display(description: str, metric: str = "RMSE") -> Iterator[TrainingDisplay]:
    """A :class:`TrainingDisplay` shown while the block runs; ``metric`` names what the
    training loop reports (the sequence models' "RMSE", the forecasters' "NLL")."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(
            f"train {metric} {{task.fields[train]:.3f}}  validation {metric} "
            "{task.fields[valid]:.3f}"
        ),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        yield TrainingDisplay(
            bar, bar.add_task(description, total=None, train=float("nan"), valid=float("nan"))
        )
