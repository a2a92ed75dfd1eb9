"""Segments and windows: no window crosses a Group change, windows restart at segment starts."""

from __future__ import annotations

import numpy as np
import pytest

from kinemyo.errors import KinemyoError
from kinemyo.signal import check_window_fits, segment_ids, sliding_windows, window_starts


def test_segment_ids_change_wherever_any_label_changes():
    group = np.array([0, 0, 1, 1, 1, 2, 2, 1])
    status = np.array(["1", "2", "2", "2", "3", "3", "3", "3"])
    np.testing.assert_array_equal(
        segment_ids(8, group, status), [0, 1, 2, 2, 3, 4, 4, 5]
    )  # a returning group (1 at the end) is a new segment
    np.testing.assert_array_equal(segment_ids(4), [0, 0, 0, 0])
    with pytest.raises(KinemyoError, match=r"boundaries\[1\]"):
        segment_ids(8, group, status[:5])


def test_window_starts_by_hand():
    # segments of 250, 99, 100 and 330 samples; windows of 100 every 50
    segments = np.repeat([7, 3, 7, 1], [250, 99, 100, 330])
    expected = [0, 50, 100, 150, 349, 449, 499, 549, 599, 649]
    np.testing.assert_array_equal(window_starts(segments, length=100, step=50), expected)
    # step larger than length: gaps between windows
    np.testing.assert_array_equal(
        window_starts(segments, length=100, step=120), [0, 120, 349, 449, 569]
    )


def random_groups(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(30, 400, size=40)
    return np.repeat(np.arange(sizes.size), sizes)


@pytest.mark.parametrize(("length", "step"), [(100, 50), (64, 64), (37, 5), (1, 1)])
def test_windows_never_cross_a_group_and_restart_at_each_group(length, step):
    group = random_groups(length)
    starts = window_starts(segment_ids(group.size, group), length=length, step=step)
    w = sliding_windows(group[:, None], starts, length)[:, :, 0]
    assert w.shape == (starts.size, length)
    # every window lies within one group
    assert np.all(w.min(axis=1) == w.max(axis=1))
    # in each group: windows at its first sample, then every `step`, while they fit
    for g in np.unique(group):
        where = np.flatnonzero(group == g)
        first, size = where[0], where.size
        mine = starts[group[starts] == g]
        expected = first + step * np.arange(max(0, (size - length) // step + 1))
        np.testing.assert_array_equal(mine, expected)


def test_sliding_windows_are_the_samples_at_each_start():
    x = np.arange(600, dtype=np.float32).reshape(200, 3)
    starts = np.array([0, 17, 150])
    w = sliding_windows(x, starts, 50)
    assert w.shape == (3, 50, 3)
    assert w.dtype == np.float32
    for i, s in enumerate(starts):
        np.testing.assert_array_equal(w[i], x[s : s + 50])
    assert w.transpose(0, 2, 1).flags.c_contiguous  # channel-major, as the features want it
    w[0, 0, 0] = -1.0  # a copy: the signal is untouched
    assert x[0, 0] == 0.0


def test_length_longer_than_every_segment_gives_no_windows_and_fits_check_names_length():
    segments = np.repeat([0, 1], [80, 90])
    assert window_starts(segments, length=100, step=50).size == 0
    check_window_fits(170, 100)
    with pytest.raises(KinemyoError, match=r"length=200 samples is longer than the trial \(170"):
        check_window_fits(170, 200)
    with pytest.raises(KinemyoError, match="length=200"):
        sliding_windows(np.zeros((170, 2)), np.array([], dtype=int), 200)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"step": -5}, "step=-5"),
        ({"step": 0}, "step=0"),
        ({"length": 0}, "length=0"),
        ({"step": 2.5}, "step=2.5"),
    ],
)
def test_bad_window_settings_name_the_parameter(kwargs, word):
    with pytest.raises(KinemyoError, match=word):
        window_starts(np.zeros(500, dtype=int), **kwargs)


def test_starts_outside_the_signal_are_rejected():
    with pytest.raises(KinemyoError, match="starts"):
        sliding_windows(np.zeros((100, 2)), np.array([0, 60]), 50)
    with pytest.raises(KinemyoError, match="starts"):
        sliding_windows(np.zeros((100, 2)), np.array([-1]), 50)
