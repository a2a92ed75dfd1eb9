"""Summarise a SIAT-LLMD tree or file and list every problem found, without stopping at the first.

Each trial is read with missing values masked (so gaps are reported, not fatal); a trial that
cannot be read at all becomes one error, and the other trials are still summarised.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from kinemyo.data.gaps import NanPolicy, nan_runs
from kinemyo.data.recording import UNLABELLED, Recording, SignalBlock
from kinemyo.data.siat_llmd import schema
from kinemyo.data.siat_llmd.reader import (
    ReadOptions,
    find_trials,
    read_trial,
    read_trial_file,
    subject_table,
)
from kinemyo.errors import KinemyoError

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data. ``severity`` is "error" (unreadable) or "warning"."""

    severity: str
    message: str


@dataclass(frozen=True)
class TrialSummary:
    """One readable trial: its size, rate and labels.

    Attributes:
        status_counts: rows per Status ("(empty)" for unlabelled rows).
        n_groups: distinct Group indices.
        n_segments: runs of rows with equal (Status, Group): the stretches windows stay inside.
        junction_rows: 1-based Data rows where a new Group begins with a repeated Time.
    """

    subject: str
    motion: str | None
    path: str
    n_samples: int
    duration_s: float
    measured_fs_hz: float
    status_counts: dict[str, int]
    n_groups: int
    n_segments: int
    junction_rows: tuple[int, ...]
    body_mass_kg: float | None


@dataclass
class ColumnRange:
    """Value range of one column over every trial read: unit, min, max, mean, missing count."""

    block: str
    name: str
    unit: str
    minimum: float = np.inf
    maximum: float = -np.inf
    total: float = 0.0
    count: int = 0
    missing: int = 0

    @property
    def mean(self) -> float:
        """Mean over the valid samples (nan when none)."""
        return self.total / self.count if self.count else float("nan")

    def add(self, values: np.ndarray, valid: np.ndarray | None) -> None:
        """Fold in (T,) values, of which those with ``valid`` False are missing."""
        kept = values if valid is None else values[valid]
        self.missing += values.size - kept.size
        if kept.size:
            self.minimum = min(self.minimum, float(kept.min()))
            self.maximum = max(self.maximum, float(kept.max()))
            self.total += float(kept.sum(dtype=np.float64))
            self.count += kept.size


@dataclass
class DatasetReport:
    """What ``kinemyo data inspect`` shows."""

    path: str
    trials: list[TrialSummary] = field(default_factory=list)
    columns: dict[tuple[str, str], ColumnRange] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def subjects(self) -> list[str]:
        """Subjects with at least one readable trial, sorted."""
        return sorted({t.subject for t in self.trials})

    @property
    def motions(self) -> list[str]:
        """Motions with at least one readable trial, in the dataset's order."""
        order = list(schema.MOTIONS)
        found = {t.motion for t in self.trials if t.motion}
        return sorted(found, key=order.index)

    @property
    def errors(self) -> list[Problem]:
        """The problems that made a trial unreadable."""
        return [p for p in self.problems if p.severity == "error"]


def inspect_siat_llmd(
    path: str | Path,
    *,
    options: ReadOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DatasetReport:
    """Read every trial under ``path`` (tree, subject folder or one file) and report on it.

    Args:
        path: as for :func:`~kinemyo.data.siat_llmd.read_siat_llmd`.
        options: read options (default: missing values masked, so that every gap is reported
            without making its trial unreadable).
        progress: called as ``progress(done, total)`` after each trial.

    Raises:
        DataFormatError: only when ``path`` itself is missing or holds no SIAT-LLMD files.
    """
    path = Path(path)
    options = options or ReadOptions(nan_policy=NanPolicy.MASK)
    report = DatasetReport(path=str(path))
    if path.is_file():
        _inspect_trial(path, lambda: read_trial_file(path, options=options), report)
        return report
    trials = find_trials(path)
    table = _subject_table(trials[0].data.parents[2], {t.subject for t in trials}, report)
    for done, trial in enumerate(trials, start=1):
        _inspect_trial(
            trial.data,
            lambda trial=trial: read_trial(
                trial.data,
                labels=trial.labels,
                subject_info=table.get(trial.subject),
                options=options,
                warn_missing_labels=True,
            ),
            report,
        )
        if progress is not None:
            progress(done, len(trials))
    return report


def _subject_table(
    root: Path, subjects: set[str], report: DatasetReport
) -> dict[str, schema.SubjectInfo]:
    """The subject table of ``root``, noting in ``report`` what is missing from it."""
    table: dict[str, schema.SubjectInfo] = {}
    _inspect(lambda: table.update(subject_table(root)), report)
    if not table:
        return table
    for subject in sorted(subjects):
        info = table.get(subject)
        if info is None or info.weight_kg is None:
            report.problems.append(
                Problem(
                    "warning",
                    f"{root / schema.SUBJECT_INFO_FILE}: no weight for {subject}; its moments "
                    "are available in N·m but not in N·m/kg.",
                )
            )
    return table


def _inspect(read: Callable[[], T], report: DatasetReport) -> T | None:
    """Run ``read``, noting its warnings and its error (then returning None) in ``report``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = read()
        except KinemyoError as exc:  # bad data, or a unit the trial cannot be given
            report.problems.append(Problem("error", str(exc)))
            result = None
    report.problems.extend(Problem("warning", str(w.message)) for w in caught)
    return result


def _inspect_trial(data_file: Path, read: Callable[[], Recording], report: DatasetReport) -> None:
    """Read one trial through :func:`_inspect` and summarise it."""
    recording = _inspect(read, report)
    if recording is None:
        return
    report.trials.append(_summarise(recording, data_file))
    for block_name in ("emg", "angles", "moments"):
        block = getattr(recording, block_name)
        if block is not None:
            _add_ranges(report, block_name, block, data_file)


def _summarise(recording: Recording, data_file: Path) -> TrialSummary:
    labels = recording.labels
    counts: dict[str, int] = {}
    n_groups = n_segments = 0
    if labels is not None:
        counts = dict(sorted(Counter(labels.status.tolist()).items()))
        n_groups = int(np.unique(labels.group[labels.group >= 0]).size)
        counts = {("(empty)" if k == UNLABELLED else k): v for k, v in counts.items()}
        status, group = labels.status, labels.group
        changes = (status[1:] != status[:-1]) | (group[1:] != group[:-1])
        n_segments = int(changes.sum()) + 1 if recording.n_samples else 0
    return TrialSummary(
        subject=recording.meta.subject,
        motion=recording.meta.task,
        path=str(data_file),
        n_samples=recording.n_samples,
        duration_s=recording.duration_s,
        measured_fs_hz=recording.measured_fs,
        status_counts=counts,
        n_groups=n_groups,
        n_segments=n_segments,
        junction_rows=tuple(recording.meta.extra.get(schema.JUNCTION_ROWS, ())),
        body_mass_kg=recording.meta.body_mass_kg,
    )


def _add_ranges(report: DatasetReport, block_name: str, block: SignalBlock, path: Path) -> None:
    for k, name in enumerate(block.names):
        valid = None if block.valid is None else block.valid[:, k]
        key = (block_name, name)
        if key not in report.columns:
            report.columns[key] = ColumnRange(block_name, name, block.units[k])
        report.columns[key].add(block.values[:, k], valid)
        if valid is not None and not valid.all():
            runs = nan_runs(np.where(valid, 0.0, np.nan))
            start, length = runs[0]
            report.problems.append(
                Problem(
                    "warning",
                    f"{path}, column '{schema.column_name(block_name, name)}': "
                    f"{int((~valid).sum())} missing value(s) in "
                    f"{len(runs)} gap(s), the first at row {start + 1} ({length} row(s)).",
                )
            )
