"""The one Rich console the CLI prints to, and a progress bar for long work."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

if TYPE_CHECKING:
    from kinemyo.experiments.progress import TaskCounts

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


@contextlib.contextmanager
def task_display(description: str) -> Iterator[Callable[[TaskCounts, str], None]]:
    """A ``progress(counts, message)`` callback for the experiment runner: a bar of the tasks
    this run has to run, with how many are running and failed and the ETA; tasks skipped
    because an earlier run finished them, and each failed task with its error, are printed."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("running {task.fields[running]}, failed {task.fields[failed]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None, running=0, failed=0)
        seen = {"first": True, "failed": 0}

        def update(counts: TaskCounts, message: str) -> None:
            if seen["first"] and counts.skipped:
                bar.console.print(
                    f"{counts.skipped} of {counts.total} tasks already done, skipped", markup=False
                )
            if counts.failed > seen["failed"]:
                errors.print(message, markup=False, soft_wrap=True)
            seen["first"], seen["failed"] = False, counts.failed
            bar.update(
                task,
                description=f"{description}: {message}"[:80],
                completed=counts.done + counts.failed,
                total=counts.to_run,
                running=counts.running,
                failed=counts.failed,
            )

        yield update


def exit_on_failures(failures: Mapping[str, str]) -> None:
    """List the failed tasks of a run (label: error) and end with exit status 1; nothing when
    every task finished.

    Raises:
        typer.Exit: with code 1, when a task failed.
    """
    if not failures:
        return
    errors.print(
        f"{len(failures)} task(s) failed (the report lists them; rerun the same command to redo "
        "only these):",
        markup=False,
    )
    for label, error in failures.items():
        errors.print(f"- {label}: {error}", markup=False, soft_wrap=True)
    raise typer.Exit(code=1)
