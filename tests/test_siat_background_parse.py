"""A tree is read with the next trials' files parsed in background threads (one, or several at
once with one trial each): what a user sees (recordings, the first error with its file, column
and row, the warnings before it, the cache entries) is what reading the trials one after the
other with ``read_trial`` gives."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from kinemyo.data.recording import Recording
from kinemyo.data.siat_llmd import ReadOptions, read_siat_llmd, read_trial
from kinemyo.data.siat_llmd.reader import find_trials, parse_trial, subject_table
from kinemyo.data.table_cache import wait_for_writes
from kinemyo.errors import DataFormatError
from tests.foreign_writer import (
    ForeignTrial,
    edit_cell,
    write_foreign_subject_table,
    write_foreign_trial,
)

MOTIONS = ("WAK", "UPS", "DNS")
"""Read in this order (the order of the SIAT-LLMD motion codes)."""

ANGLE = "Kinematic: left knee flexion angle"


@pytest.fixture(autouse=True, params=[1, 2, 3], ids=lambda n: f"{n}-parse-threads")
def parse_threads(request: pytest.FixtureRequest):
    """pyarrow's thread count, which sets how many trials are parsed at once."""
    before = pa.cpu_count()
    pa.set_cpu_count(request.param)
    yield request.param
    pa.set_cpu_count(before)


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, ForeignTrial]:
    """Three clean trials of Sub01, by motion, and the subject table."""
    trials = {
        motion: write_foreign_trial(
            tmp_path / "root",
            motion=motion,
            n=300,
            seed=k,
            crlf=False,
            label_shortfall=0,
            mixed_decimals=False,
        )
        for k, motion in enumerate(MOTIONS)
    }
    write_foreign_subject_table(tmp_path / "root", {"Sub01": 61.5})
    return trials


def serial_read(root: Path, options: ReadOptions) -> list[Recording]:
    """The trials read one after the other, each parsed when it is read."""
    table = subject_table(root)
    return [
        read_trial(
            trial.data,
            labels=trial.labels,
            subject_info=table.get(trial.subject),
            options=options,
            warn_missing_labels=True,
        )
        for trial in find_trials(root)
    ]


def outcome(read: Callable[[], object]) -> tuple[str | None, list[str]]:
    """(the DataFormatError's message or None, every warning's message, in order)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            read()
        except DataFormatError as error:
            return str(error), [str(w.message) for w in caught]
    return None, [str(w.message) for w in caught]


def both_reads(root: Path) -> tuple[tuple[str | None, list[str]], tuple[str | None, list[str]]]:
    options = ReadOptions(cache_dir=None)
    return (
        outcome(lambda: read_siat_llmd(root, options=options)),
        outcome(lambda: serial_read(root, options)),
    )


def test_trials_are_read_in_order_as_a_serial_read_reads_them(
    tree: dict[str, ForeignTrial], tmp_path: Path
) -> None:
    options = ReadOptions(cache_dir=None)
    background = read_siat_llmd(tmp_path / "root", options=options)
    serial = serial_read(tmp_path / "root", options)
    assert [r.meta.task for r in background] == list(MOTIONS)
    for ours, theirs, written in zip(background, serial, tree.values(), strict=True):
        assert ours.meta == theirs.meta
        np.testing.assert_array_equal(ours.time, theirs.time)
        np.testing.assert_array_equal(ours.emg.values, theirs.emg.values)
        np.testing.assert_array_equal(ours.labels.status, theirs.labels.status)
        np.testing.assert_allclose(ours.angles.values, written.values[:, 1:9], atol=1e-5)


def test_a_parse_error_in_the_background_comes_after_the_warnings_of_the_trials_before(
    tree: dict[str, ForeignTrial], tmp_path: Path
) -> None:
    edit_cell(tree["UPS"].path, 40, ANGLE, "500")  # beyond 360 deg: a warning
    edit_cell(tree["DNS"].path, 7, ANGLE, "abc")  # the last trial does not parse
    (error, warned), serial = both_reads(tmp_path / "root")
    assert (error, warned) == serial
    assert error is not None and str(tree["DNS"].path) in error
    assert "'abc' is not a number" in error and "row 7" in error and ANGLE in error
    assert any(str(tree["UPS"].path) in w and "row 40: 500" in w for w in warned)


def test_a_check_of_one_trial_fails_before_the_next_trials_parse_error(
    tree: dict[str, ForeignTrial], tmp_path: Path
) -> None:
    edit_cell(tree["WAK"].path, 5, "Time", "0")  # Time goes back in the first trial
    lines = tree["UPS"].label_path.read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0]  # the second trial's Label row 3 loses a cell
    tree["UPS"].label_path.write_text("\n".join(lines) + "\n")
    (error, warned), serial = both_reads(tmp_path / "root")
    assert (error, warned) == serial
    assert error is not None and str(tree["WAK"].path) in error and "row 5" in error

    edit_cell(tree["WAK"].path, 5, "Time", f"{tree['WAK'].values[4, 0]:.6f}")  # repaired
    (error, warned), serial = both_reads(tmp_path / "root")
    assert (error, warned) == serial
    assert error is not None and str(tree["UPS"].label_path) in error
    assert "expected 3 values, found 2" in error and "row 3" in error


def test_every_file_parsed_in_the_background_is_cached(
    tree: dict[str, ForeignTrial], tmp_path: Path
) -> None:
    options = ReadOptions(cache_dir=tmp_path / "cache")
    read_siat_llmd(tmp_path / "root", options=options)
    wait_for_writes()  # the cache is written behind the read
    assert len(list((tmp_path / "cache").glob("*.arrow"))) == 2 * len(MOTIONS)
    for trial in tree.values():
        parsed = parse_trial(trial.path, trial.label_path, options)
        assert parsed.data.from_cache and parsed.labels is not None and parsed.labels.from_cache


def test_a_tree_read_leaves_the_cache_within_its_limit_keeping_the_newest(
    tree: dict[str, ForeignTrial], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_siat_llmd(tmp_path / "root", options=ReadOptions(cache_dir=tmp_path / "sizes"))
    wait_for_writes()
    needed = sum(entry.stat().st_size for entry in (tmp_path / "sizes").glob("*.arrow"))
    limit = 0.6 * needed
    monkeypatch.setenv("KINEMYO_CACHE_MAX_GB", str(limit / 1e9))
    options = ReadOptions(cache_dir=tmp_path / "cache")
    read_siat_llmd(tmp_path / "root", options=options)
    wait_for_writes()
    kept = list((tmp_path / "cache").glob("*.arrow"))
    assert 0 < len(kept) < 2 * len(MOTIONS)
    assert sum(entry.stat().st_size for entry in kept) <= limit
    last = tree[MOTIONS[-1]]
    parsed = parse_trial(last.path, last.label_path, options)
    assert parsed.data.from_cache and parsed.labels is not None and parsed.labels.from_cache
