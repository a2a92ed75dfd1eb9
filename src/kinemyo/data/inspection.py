"""Summarise a SIAT-LLMD tree or file and list every problem found, without stopping at the first;
say what an OpenSim, C3D, .npz or .mat file is and what to do with it (:func:`describe_file`).

Each trial is read with missing values masked (so gaps are reported, not fatal); a trial that
cannot be read at all becomes one error, and the other trials are still summarised.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from kinemyo.data.c3d import is_voltage, read_c3d_contents
from kinemyo.data.cycles import read_cycles
from kinemyo.data.gaps import NanPolicy, nan_runs
from kinemyo.data.opensim import column_units, read_storage
from kinemyo.data.plausibility import (
    PLAUSIBLE_ABS,
    Flat,
    describe_flat,
    flat_channels,
    implausible,
    likely_emg_unit,
)
from kinemyo.data.recording import UNLABELLED, Recording, SignalBlock
from kinemyo.data.siat_llmd import schema
from kinemyo.data.siat_llmd.reader import (
    ReadOptions,
    find_trials,
    read_trial,
    read_trial_file,
    subject_table,
)
from kinemyo.data.timebase import measured_rate
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


def _inspect(read: Callable[[], T], report: DatasetReport | FileDescription) -> T | None:
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
    if recording.emg is not None:
        flat = flat_channels(recording.emg.values, recording.fs, recording.emg.names)
        if flat:
            report.problems.append(Problem("warning", f"{data_file}: {describe_flat(flat)}."))
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


# ---- one file of another kind: what it is and what to do with it ---------------------------------


@dataclass(frozen=True)
class ChannelLine:
    """One channel (column, analog channel or array) of a described file.

    Attributes:
        name: its name in the file.
        unit: its unit ("" when the file does not say).
        rate_hz: its sampling rate, Hz (nan for cycle-normalised arrays).
        minimum, maximum: its value range, in ``unit``.
        remark: what is wrong or notable ("" when nothing).
    """

    name: str
    unit: str
    rate_hz: float
    minimum: float
    maximum: float
    remark: str = ""


@dataclass
class FileDescription:
    """What ``kinemyo data inspect`` says about an OpenSim, C3D, .npz or .mat file.

    Attributes:
        kind: what the file is, e.g. "C3D motion-capture file".
        path: the file.
        facts: (label, value) lines: rate, duration, samples, points...
        channels: one line per channel.
        problems: errors (unreadable) and warnings (wrong units, flat channels...).
        advice: what to do with the file in kinemyo.
    """

    kind: str
    path: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    channels: list[ChannelLine] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    advice: str = ""

    @property
    def errors(self) -> list[Problem]:
        """The problems that made the file unreadable."""
        return [p for p in self.problems if p.severity == "error"]


MANIFEST_ADVICE = (
    "To fit, compare, predict or forecast on it, list it in a dataset manifest: "
    "`kinemyo data manifest FOLDER` writes a first one to edit."
)


def _ranges(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column (min, max) of (T, K) values, ignoring NaN (nan for an all-NaN column)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmin(values, axis=0), np.nanmax(values, axis=0)


def _flat_remarks(found: Sequence[Flat]) -> dict[str, str]:
    """Channel name -> a short remark on where it is flat."""
    return {
        f.channel: "constant over the trial"
        if f.constant
        else f"flat {f.seconds:.3g} s from row {f.start_row}"
        for f in found
    }


def describe_c3d(path: Path) -> FileDescription:
    """Every analog channel of a C3D file with its unit and rate, the points, and the channels
    in a wrong unit (with the likely one), not a voltage (force plates) or flat."""
    description = FileDescription("C3D motion-capture file", str(path))
    contents = _inspect(lambda: read_c3d_contents(path), description)
    if contents is None:
        return description
    n = contents.analogs.shape[1]
    description.facts += [
        ("analog channels", f"{len(contents.labels)} at {contents.rate:g} Hz"),
        ("duration", f"{n / contents.rate:.3f} s ({n} samples)"),
        (
            "points",
            f"{len(contents.point_labels)} at {contents.point_rate:g} Hz "
            f"({contents.n_point_frames} frames)"
            + (f": {', '.join(contents.point_labels[:8])}" if contents.point_labels else ""),
        ),
    ]
    values = contents.analogs.T
    low, high = _ranges(values)
    found_flat = flat_channels(values, contents.rate, contents.labels)
    flat = _flat_remarks(found_flat)
    for k, (name, unit) in enumerate(zip(contents.labels, contents.units, strict=True)):
        remarks = []
        if not is_voltage(unit):
            remarks.append("not a voltage: skipped as EMG (force plate?)")
        peak = max(abs(low[k]), abs(high[k]))
        likely = likely_emg_unit(peak, unit)
        if likely is not None:
            remarks.append(f"wrong unit? peaks at {peak:.4g} {unit}; likely {likely}")
            description.problems.append(
                Problem(
                    "warning",
                    f"{path}: channel '{name}' is labelled {unit} but peaks at "
                    f"{peak:.4g} {unit}; it is likely in {likely} (read it with "
                    f"fix_units={{'{name}': '{likely}'}}).",
                )
            )
        if name in flat:
            remarks.append(flat[name])
        description.channels.append(
            ChannelLine(name, unit, contents.rate, low[k], high[k], "; ".join(remarks))
        )
    if flat:
        description.problems.append(
            Problem(
                "warning",
                f"{path}: {describe_flat(found_flat)}.",
            )
        )
    description.advice = (
        "Read its EMG with kinemyo.data.c3d.read_c3d_analog(path) (the voltage channels; "
        "force plates are skipped). " + MANIFEST_ADVICE
    )
    return description


def describe_opensim(path: Path) -> FileDescription:
    """The columns of an OpenSim .mot/.sto file with their units, its rate and duration."""
    description = FileDescription("OpenSim storage file", str(path))
    table = _inspect(lambda: read_storage(path), description)
    if table is None:
        return description
    fs = measured_rate(table.time)
    description.kind = f"OpenSim storage file ('{table.name}')"
    description.facts += [
        ("columns", f"{len(table.columns)} besides time"),
        ("rate", f"{fs:.6g} Hz (median step)"),
        ("duration", f"{table.time[-1] - table.time[0]:.3f} s ({table.time.size} rows)"),
        ("inDegrees", {True: "yes", False: "no", None: "not given"}[table.in_degrees]),
    ]
    low, high = _ranges(table.values)
    flat = _flat_remarks(flat_channels(table.values, fs, table.columns))
    for k, (name, unit) in enumerate(zip(table.columns, column_units(table), strict=True)):
        description.channels.append(
            ChannelLine(name, unit, fs, low[k], high[k], flat.get(name, ""))
        )
    description.advice = (
        "IK angles (.mot), ID moments (.sto) and EMG envelopes (EMG.mot, already an envelope: "
        "use the kinemyo-envelope preset) of a trial go together in a manifest. " + MANIFEST_ADVICE
    )
    return description


def describe_cycles(path: Path) -> FileDescription:
    """The per-cycle arrays of a .npz or .mat file: cycles, points, units."""
    description = FileDescription(f"cycle-normalised arrays ({path.suffix})", str(path))
    cycles = _inspect(lambda: read_cycles(path), description)
    if cycles is None:
        return description
    description.facts += [
        ("cycles", str(cycles.n_cycles)),
        (
            "points per cycle",
            f"{cycles.n_points} (phase {cycles.phase[0]:g}..{cycles.phase[-1]:g})",
        ),
    ]
    for name, values in cycles.arrays.items():
        for found in implausible(values.reshape(-1, 1), [cycles.units[name]], [name]):
            cycle, point = divmod(found.row - 1, cycles.n_points)
            description.problems.append(
                Problem(
                    "warning",
                    f"{path}: '{name}' reads {found.value:.6g} {cycles.units[name]} at cycle "
                    f"{cycle + 1}, point {point + 1}, beyond the plausible "
                    f"{PLAUSIBLE_ABS[cycles.units[name]]:g} {cycles.units[name]}: a wrong unit "
                    "in its name?",
                )
            )
        description.channels.append(
            ChannelLine(
                name,
                cycles.units[name],
                float("nan"),
                float(values.min()),
                float(values.max()),
                "" if cycles.units[name] else "unit unknown: name it in a .units.json sidecar",
            )
        )
    description.advice = (
        "Read it with kinemyo.data.cycles.read_cycles(path); CycleSet.windowed(inputs, target) "
        "gives one window per point for any model, and kinemyo.studies.cycles.compare_on_cycles "
        "scores models against the template (mean cycle) baseline, split by cycle."
    )
    return description


DESCRIBERS: dict[str, Callable[[Path], FileDescription]] = {
    ".c3d": describe_c3d,
    ".mot": describe_opensim,
    ".sto": describe_opensim,
    ".npz": describe_cycles,
    ".mat": describe_cycles,
}
"""File suffix -> the function that describes such a file."""


def describe_file(path: str | Path) -> FileDescription | None:
    """The description of an OpenSim, C3D, .npz or .mat file; None for any other path (a SIAT
    tree or CSV file, which :func:`inspect_siat_llmd` reports on)."""
    path = Path(path)
    describe = DESCRIBERS.get(path.suffix.lower())
    return describe(path) if describe is not None and path.is_file() else None
