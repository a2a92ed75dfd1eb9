"""Train/test splits of a WindowedDataset that never leak across time, tasks or subjects.

* :func:`within_trial`: chronological within every trial, earlier windows train, later ones test,
  with ``gap_windows`` windows dropped in between so that overlapping windows never straddle the
  split (windows of 100 samples taken every 50 share 50 samples with each neighbour).
* :func:`cross_task`: train on some tasks (e.g. WAK), test on others (e.g. UPS and DNS).
* :func:`leave_one_subject_out`: one split per subject, tested on that subject, trained on the rest.

Windows are ordered by ``data.time`` within ``data.trial``; the order of the dataset is not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kinemyo.data.windowed import WindowedDataset
from kinemyo.errors import KinemyoError


@dataclass(frozen=True, eq=False)
class Split:
    """One train/test split of a dataset.

    Attributes:
        name: the protocol and its settings, e.g. "leave_one_subject_out(Sub03)".
        train: sorted indices of the training windows (non-empty).
        test: sorted indices of the test windows (non-empty, disjoint from ``train``).
    """

    name: str
    train: np.ndarray
    test: np.ndarray

    def __post_init__(self) -> None:
        for part in ("train", "test"):
            index = np.asarray(getattr(self, part))
            if index.size == 0:
                raise KinemyoError(f"Split '{self.name}' has no {part} windows.")
            if index.ndim != 1 or not np.issubdtype(index.dtype, np.integer) or index.min() < 0:
                raise KinemyoError(
                    f"Split '{self.name}': {part} must be a 1-D array of window indices >= 0."
                )
            unique = np.unique(index)
            if unique.size != index.size:
                raise KinemyoError(f"Split '{self.name}' lists some {part} windows twice.")
            object.__setattr__(self, part, unique)
        shared = np.intersect1d(self.train, self.test)
        if shared.size:
            raise KinemyoError(
                f"Split '{self.name}' has {shared.size} window(s) in both train and test "
                f"(first: {shared[0]})."
            )

    def select(self, data: WindowedDataset) -> tuple[WindowedDataset, WindowedDataset]:
        """The training and the test windows of ``data``."""
        largest = max(self.train[-1], self.test[-1])
        if largest >= len(data):
            raise KinemyoError(
                f"Split '{self.name}' refers to window {largest}; the dataset has {len(data)}."
            )
        return data.subset(self.train), data.subset(self.test)


def within_trial(data: WindowedDataset, test_fraction: float = 0.2, gap_windows: int = 1) -> Split:
    """Chronological split of every trial: its first windows train, its last windows test.

    Of a trial's n windows (ordered by time), the last ``max(1, round(test_fraction * n))`` test,
    the ``gap_windows`` before them are dropped, and the rest train. With windows of L samples
    taken every S, ``gap_windows >= ceil(L / S) - 1`` keeps train and test free of shared samples
    (1 for the seed's 100/50 windows).

    Raises:
        KinemyoError: a parameter is out of range, a trial has two windows at the same time, or a
            trial is too short to give at least one training window (named in the message).
    """
    if not 0 < test_fraction < 1:
        raise KinemyoError(f"within_trial: test_fraction must be in (0, 1); got {test_fraction}.")
    if not isinstance(gap_windows, int | np.integer) or gap_windows < 0:
        raise KinemyoError(f"within_trial: gap_windows must be an integer >= 0; got {gap_windows}.")
    trials, trial_index = np.unique(data.trial, return_inverse=True)
    order = np.lexsort((data.time, trial_index))
    sorted_trial, sorted_time = trial_index[order], data.time[order]
    unordered = (sorted_trial[1:] == sorted_trial[:-1]) & ~(np.diff(sorted_time) > 0)
    if unordered.any():
        first = np.argmax(unordered) + 1
        raise KinemyoError(
            f"within_trial: trial '{trials[sorted_trial[first]]}' has two windows at time "
            f"{sorted_time[first]} s (or a NaN time); window times must be unique per trial."
        )
    counts = np.bincount(trial_index, minlength=len(trials))
    rank = np.arange(len(order)) - (np.cumsum(counts) - counts)[sorted_trial]
    n_test = np.maximum(1, np.round(test_fraction * counts)).astype(int)
    n_train = counts - n_test - gap_windows
    if (n_train < 1).any():
        short = [f"{trials[i]} ({counts[i]} windows)" for i in np.flatnonzero(n_train < 1)]
        raise KinemyoError(
            f"within_trial: too few windows for test_fraction={test_fraction} and "
            f"gap_windows={gap_windows} in trial(s) {', '.join(short)}."
        )
    return Split(
        f"within_trial(test_fraction={test_fraction}, gap_windows={gap_windows})",
        train=order[rank < n_train[sorted_trial]],
        test=order[rank >= (counts - n_test)[sorted_trial]],
    )


def _tasks(tasks: str | Sequence[str]) -> tuple[str, ...]:
    return (tasks,) if isinstance(tasks, str) else tuple(tasks)


def cross_task(
    data: WindowedDataset, train_tasks: str | Sequence[str], test_tasks: str | Sequence[str]
) -> Split:
    """Train on the windows of ``train_tasks``, test on those of ``test_tasks`` (e.g. "WAK" and
    ("UPS", "DNS")); windows of other tasks are in neither.

    Raises:
        KinemyoError: a task is not in the dataset (the message lists those that are), or a task
            is in both lists.
    """
    train_tasks, test_tasks = _tasks(train_tasks), _tasks(test_tasks)
    present = set(np.unique(data.task).tolist())
    unknown = [task for task in train_tasks + test_tasks if task not in present]
    if unknown:
        raise KinemyoError(
            f"cross_task: no windows of task(s) {unknown}; the dataset has {sorted(present)}."
        )
    both = sorted(set(train_tasks) & set(test_tasks))
    if both:
        raise KinemyoError(f"cross_task: task(s) {both} are in both train_tasks and test_tasks.")
    return Split(
        f"cross_task({'+'.join(train_tasks)} -> {'+'.join(test_tasks)})",
        train=np.flatnonzero(np.isin(data.task, train_tasks)),
        test=np.flatnonzero(np.isin(data.task, test_tasks)),
    )


def leave_one_subject_out(data: WindowedDataset) -> list[Split]:
    """One split per subject (sorted by id): that subject's windows test, all others train.

    Raises:
        KinemyoError: the dataset has fewer than two subjects.
    """
    subjects = np.unique(data.subject)
    if len(subjects) < 2:
        raise KinemyoError(
            f"leave_one_subject_out needs at least 2 subjects; the dataset has {subjects.tolist()}."
        )
    return [
        Split(
            f"leave_one_subject_out({subject})",
            train=np.flatnonzero(data.subject != subject),
            test=np.flatnonzero(data.subject == subject),
        )
        for subject in subjects
    ]
