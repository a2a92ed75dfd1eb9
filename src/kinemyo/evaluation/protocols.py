"""Train/test splits of windowed data (a WindowedDataset or the pipeline's SignalWindows).

Leak-free protocols, which never let a test window share a sample with a training window:

* :func:`within_trial`: chronological within every trial, earlier windows train, later ones test,
  with ``gap_windows`` windows dropped in between so that overlapping windows never straddle the
  split (windows of 100 samples taken every 50 share 50 samples with each neighbour).
* :func:`cross_task`: train on some tasks (e.g. WAK), test on others (e.g. UPS and DNS).
* :func:`leave_one_subject_out`: one split per subject, tested on that subject, trained on the rest.

And the seed study's own protocol, reproduced so that its numbers can be put beside honest ones:

* :func:`random_kfold`: random folds of windows per subject. LEAKY: every test window shares
  samples with the training windows next to it in time.

Every split names its protocol (:attr:`Split.protocol`); :data:`PROTOCOLS` gives the label that
tables print, which marks the leaky one. Windows are ordered by ``data.time`` within
``data.trial``; the order of the dataset is not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kinemyo.data.windowed import WindowedDataset
from kinemyo.errors import KinemyoError

PROTOCOLS = {
    "within-trial": "within-trial (chronological)",
    "loso": "leave-one-subject-out",
    "cross-task": "cross-task",
    "random-kfold": "random-kfold (leaky: overlapping windows)",
    "custom": "custom split",
}
"""Protocol key -> the label every table prints for it."""


@dataclass(frozen=True, eq=False)
class Split:
    """One train/test split of a dataset.

    Attributes:
        name: the protocol and its settings, e.g. "leave_one_subject_out(Sub03)".
        train: sorted indices of the training windows (non-empty).
        test: sorted indices of the test windows (non-empty, disjoint from ``train``).
        protocol: a key of :data:`PROTOCOLS`, e.g. "within-trial".
    """

    name: str
    train: np.ndarray
    test: np.ndarray
    protocol: str = "custom"

    @property
    def label(self) -> str:
        """The protocol as tables print it, e.g. "random-kfold (leaky: overlapping windows)"."""
        return PROTOCOLS[self.protocol]

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise KinemyoError(
                f"Split '{self.name}': protocol '{self.protocol}' is not one of {list(PROTOCOLS)}."
            )
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
        protocol="within-trial",
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
        protocol="cross-task",
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
            protocol="loso",
        )
        for subject in subjects
    ]


def random_kfold(data: WindowedDataset, n_splits: int = 5, seed: int = 0) -> list[Split]:
    """The seed study's GPR validation: random k-fold over overlapping windows, per subject.

    LEAKY BY DESIGN, reproduced only to show how much it flatters. Each subject's windows (in
    trial and time order) are shuffled with ``numpy.random.default_rng(seed)`` and dealt into
    ``n_splits`` folds of near-equal size; split k tests fold k of every subject and trains on the
    other folds of every subject (one model for all subjects, as in the other protocols). A test
    window's neighbours, 50 samples away with the seed's 100/50 windows, are mostly training
    windows: they share half its samples and nearly its targets. kinemyo's fitted stages still
    see only training windows' samples (see ``SignalPipeline.fit``); the overlap is the leak.

    Raises:
        KinemyoError: ``n_splits`` below 2, or a subject with fewer windows than folds.
    """
    if not isinstance(n_splits, int | np.integer) or n_splits < 2:
        raise KinemyoError(f"random_kfold: n_splits must be an integer >= 2; got {n_splits}.")
    rng = np.random.default_rng(seed)
    fold = np.empty(len(data), dtype=int)
    for subject in np.unique(data.subject):
        own = np.flatnonzero(data.subject == subject)
        if own.size < n_splits:
            raise KinemyoError(
                f"random_kfold: subject {subject} has {own.size} windows, fewer than "
                f"n_splits={n_splits}."
            )
        own = own[np.lexsort((data.time[own], data.trial[own]))]
        fold[rng.permutation(own)] = np.arange(own.size) % n_splits
    return [
        Split(
            f"random_kfold(fold {k + 1}/{n_splits}, seed={seed})",
            train=np.flatnonzero(fold != k),
            test=np.flatnonzero(fold == k),
            protocol="random-kfold",
        )
        for k in range(n_splits)
    ]


def make_splits(
    protocol: str,
    data: WindowedDataset,
    *,
    gap_windows: int = 1,
    train_tasks: str | Sequence[str] = (),
    test_tasks: str | Sequence[str] = (),
    n_splits: int = 5,
    seed: int = 0,
) -> list[Split]:
    """The splits of ``protocol`` (a key of :data:`PROTOCOLS` but "custom") over ``data``.

    Raises:
        KinemyoError: an unknown protocol, or cross-task without tasks.
    """
    if protocol == "within-trial":
        return [within_trial(data, gap_windows=gap_windows)]
    if protocol == "loso":
        return leave_one_subject_out(data)
    if protocol == "random-kfold":
        return random_kfold(data, n_splits=n_splits, seed=seed)
    if protocol == "cross-task":
        if not train_tasks or not test_tasks:
            raise KinemyoError("The cross-task protocol needs training and test tasks.")
        return [cross_task(data, train_tasks, test_tasks)]
    known = ", ".join(key for key in PROTOCOLS if key != "custom")
    raise KinemyoError(f"Unknown protocol '{protocol}'; choose among {known}.")
