"""Splits never leak: no shared samples in time, only chosen tasks, no subject in its own train."""

from __future__ import annotations

import numpy as np
import pytest

from kinemyo.data.windowed import WindowedDataset
from kinemyo.errors import KinemyoError
from kinemyo.evaluation import (
    PROTOCOLS,
    Split,
    cross_task,
    leave_one_subject_out,
    random_kfold,
    within_trial,
)
from kinemyo.evaluation.protocols import make_splits

FS = 1920.0
LENGTH, STEP = 100, 50  # the seed's windows, in samples
SUBJECTS = ("Sub01", "Sub02", "Sub03")
TASKS = ("WAK", "UPS", "DNS")


def _dataset(seed: int = 0) -> WindowedDataset:
    """Windows of 100 samples every 50 of one trial per subject and task, rows shuffled.

    Each trial has a different number of windows; ``time`` is a window's last sample, in s.
    """
    rng = np.random.default_rng(seed)
    subject, task, trial, time = [], [], [], []
    for s, sub in enumerate(SUBJECTS):
        for t, code in enumerate(TASKS):
            n = 8 + 3 * s + 2 * t
            ends = LENGTH - 1 + STEP * np.arange(n)
            subject += [sub] * n
            task += [code] * n
            trial += [f"{sub}_{code}"] * n
            time.append(ends / FS)
    time = np.concatenate(time)
    order = rng.permutation(len(time))
    n = len(time)
    return WindowedDataset(
        X=rng.normal(size=(n, 2, 1)),
        Y=rng.normal(size=(n, 1, 1)),
        channels=("a", "b"),
        features=("iemg",),
        joints=("knee",),
        quantities=("angle",),
        units=("deg",),
        subject=np.array(subject)[order],
        task=np.array(task)[order],
        trial=np.array(trial)[order],
        segment=np.zeros(n, dtype=int),
        time=time[order],
    )


def _shares_samples(data: WindowedDataset, split: Split) -> bool:
    """Whether any train and test window of the same trial have a sample in common.

    Windows ending at samples a and b (time * FS) overlap when |a - b| < LENGTH.
    """
    end = np.round(data.time * FS).astype(int)
    for trial in np.unique(data.trial):
        train = end[split.train][data.trial[split.train] == trial]
        test = end[split.test][data.trial[split.test] == trial]
        if (np.abs(train[:, None] - test[None, :]) < LENGTH).any():
            return True
    return False


def test_within_trial_tests_on_later_windows_without_shared_samples() -> None:
    data = _dataset()
    split = within_trial(data, test_fraction=0.2, gap_windows=1)
    for trial in np.unique(data.trial):
        train_time = data.time[split.train][data.trial[split.train] == trial]
        test_time = data.time[split.test][data.trial[split.test] == trial]
        n = np.count_nonzero(data.trial == trial)
        n_test = max(1, round(0.2 * n))
        assert len(test_time) == n_test
        assert len(train_time) == n - n_test - 1
        assert train_time.max() < test_time.min()
    assert not _shares_samples(data, split)


def test_within_trial_without_a_gap_would_share_samples() -> None:
    data = _dataset()
    split = within_trial(data, test_fraction=0.2, gap_windows=0)
    assert _shares_samples(data, split)
    assert len(split.train) + len(split.test) == len(data)


def test_within_trial_does_not_depend_on_row_order() -> None:
    a, b = _dataset(seed=1), _dataset(seed=2)
    split_a, split_b = within_trial(a), within_trial(b)
    for part in ("train", "test"):
        index_a, index_b = getattr(split_a, part), getattr(split_b, part)
        windows_a = sorted(zip(a.trial[index_a], a.time[index_a], strict=True))
        windows_b = sorted(zip(b.trial[index_b], b.time[index_b], strict=True))
        assert windows_a == windows_b


def test_within_trial_errors_name_the_problem() -> None:
    data = _dataset()
    with pytest.raises(KinemyoError, match="test_fraction"):
        within_trial(data, test_fraction=1.5)
    with pytest.raises(KinemyoError, match="gap_windows"):
        within_trial(data, gap_windows=-1)
    in_trial = data.trial == "Sub01_WAK"
    first_two = in_trial & (data.time <= np.sort(data.time[in_trial])[1])
    two_window_trial = data.subset(~in_trial | first_two)
    with pytest.raises(KinemyoError, match=r"too few windows.*Sub01_WAK \(2 windows\)"):
        within_trial(two_window_trial)
    repeated = data.subset(np.r_[0, np.flatnonzero(data.trial == data.trial[0])])
    with pytest.raises(KinemyoError, match=f"'{data.trial[0]}' has two windows at time"):
        within_trial(repeated)


def test_cross_task_trains_only_on_train_tasks() -> None:
    data = _dataset()
    split = cross_task(data, "WAK", ("UPS", "DNS"))
    assert set(data.task[split.train]) == {"WAK"}
    assert set(data.task[split.test]) == {"UPS", "DNS"}
    assert len(split.train) == np.count_nonzero(data.task == "WAK")
    assert len(split.train) + len(split.test) == len(data)
    only_ups = cross_task(data, ["WAK"], ["UPS"])
    assert "DNS" not in set(data.task[only_ups.train]) | set(data.task[only_ups.test])


def test_cross_task_rejects_unknown_and_shared_tasks() -> None:
    data = _dataset()
    with pytest.raises(KinemyoError, match=r"STDUP.*DNS"):
        cross_task(data, "WAK", "STDUP")
    with pytest.raises(KinemyoError, match="both"):
        cross_task(data, ("WAK", "UPS"), "UPS")


def test_leave_one_subject_out_tests_each_subject_once() -> None:
    data = _dataset()
    splits = leave_one_subject_out(data)
    assert len(splits) == len(SUBJECTS)
    tested = []
    for split in splits:
        (subject,) = set(data.subject[split.test])
        tested.append(subject)
        assert subject not in set(data.subject[split.train])
        assert len(split.test) == np.count_nonzero(data.subject == subject)
        assert len(split.train) + len(split.test) == len(data)
        assert subject in split.name
    assert sorted(tested) == list(SUBJECTS)


def test_leave_one_subject_out_needs_two_subjects() -> None:
    data = _dataset()
    with pytest.raises(KinemyoError, match=r"leave_one_subject_out.*2 subjects"):
        leave_one_subject_out(data.subset(data.subject == "Sub02"))


def test_split_validates_and_selects() -> None:
    with pytest.raises(KinemyoError, match="'mine' has no test"):
        Split("mine", np.array([0, 1]), np.array([], dtype=int))
    with pytest.raises(KinemyoError, match="'mine' has 1 window"):
        Split("mine", np.array([0, 1]), np.array([1, 2]))
    data = _dataset()
    split = Split("mine", np.array([3, 1]), np.array([0]))
    train, test = split.select(data)
    assert np.array_equal(train.time, data.time[[1, 3]])
    assert np.array_equal(test.time, data.time[[0]])
    with pytest.raises(KinemyoError, match="refers to window"):
        Split("mine", np.array([len(data)]), np.array([0])).select(data)


def test_random_kfold_deals_each_subjects_windows_into_folds() -> None:
    data = _dataset()
    splits = random_kfold(data, n_splits=5, seed=0)
    assert len(splits) == 5
    tested = np.concatenate([split.test for split in splits])
    assert np.array_equal(np.sort(tested), np.arange(len(data)))  # every window tested once
    for k, split in enumerate(splits):
        assert len(split.train) + len(split.test) == len(data)
        assert split.name == f"random_kfold(fold {k + 1}/5, seed=0)"
        for subject in SUBJECTS:
            n = np.count_nonzero(data.subject == subject)
            in_test = np.count_nonzero(data.subject[split.test] == subject)
            assert in_test in (n // 5, n // 5 + 1)  # each subject's fifth, per fold
    # leaky by design: test windows sit among training windows and share samples with them
    assert _shares_samples(data, splits[0])
    assert splits[0].label == "random-kfold (leaky: overlapping windows)"


def test_random_kfold_is_seeded_and_independent_of_row_order() -> None:
    a, b = _dataset(seed=1), _dataset(seed=2)
    for split_a, split_b in zip(random_kfold(a, seed=4), random_kfold(b, seed=4), strict=True):
        test_a = sorted(zip(a.trial[split_a.test], a.time[split_a.test], strict=True))
        test_b = sorted(zip(b.trial[split_b.test], b.time[split_b.test], strict=True))
        assert test_a == test_b
    other = random_kfold(a, seed=5)[0]
    assert not np.array_equal(other.test, random_kfold(a, seed=4)[0].test)
    with pytest.raises(KinemyoError, match="n_splits must be an integer >= 2"):
        random_kfold(a, n_splits=1)
    with pytest.raises(KinemyoError, match=r"subject Sub01 has 3 windows, fewer than n_splits=5"):
        random_kfold(a.subset(np.flatnonzero(a.subject == "Sub01")[:3]), n_splits=5)


def test_every_protocol_labels_its_splits_and_only_random_kfold_is_called_leaky() -> None:
    data = _dataset()
    protocols = {
        "within-trial": {},
        "loso": {},
        "cross-task": {"train_tasks": "WAK", "test_tasks": ["DNS"]},
        "random-kfold": {},
    }
    for protocol, options in protocols.items():
        for split in make_splits(protocol, data, **options):
            assert split.protocol == protocol
            assert split.label == PROTOCOLS[protocol]
            assert ("leaky" in split.label) == (protocol == "random-kfold")
    assert make_splits("within-trial", data, gap_windows=0)[0].name.endswith("gap_windows=0)")
    with pytest.raises(KinemyoError, match="Unknown protocol 'kfold'; choose among within-trial"):
        make_splits("kfold", data)
    with pytest.raises(KinemyoError, match="cross-task protocol needs"):
        make_splits("cross-task", data)
    with pytest.raises(KinemyoError, match="protocol 'nested'"):
        Split("mine", np.array([0]), np.array([1]), protocol="nested")
    assert Split("mine", np.array([0]), np.array([1])).label == "custom split"
