"""Read SIAT-LLMD: a whole tree, a subset of subjects and motions, or one file, into Recordings.

Layout (see ``shared/specs/siat_llmd.md``)::

    <root>/SubXX/Data/SubXX_<MOTION>_Data.csv       Time + 8 angles + 8 torques + 9 sEMG, 1920 Hz
    <root>/SubXX/Labels/SubXX_<MOTION>_Label.csv    Time, Status, Group
    <root>/SubjectInformation.xlsx                  Subject, age, weight (kg), height, sex, ...

EMG-only files (``Time`` + the 9 ``sEMG: ...`` columns, e.g. the published fragments) are read too.
Columns are matched by exact name, in any order.
"""

from __future__ import annotations

import re
import warnings
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pyarrow as pa
from pydantic import Field

from kinemyo import units
from kinemyo.data.csv_table import ParsedTable, check_columns, parse_table, read_header
from kinemyo.data.gaps import NanPolicy, resolve_gaps
from kinemyo.data.limits import SIAT_CSV
from kinemyo.data.plausibility import warn_implausible
from kinemyo.data.recording import Recording, RecordingMeta, SignalBlock
from kinemyo.data.siat_llmd import schema
from kinemyo.data.siat_llmd.labels import (
    LabelTable,
    check_label_table,
    junctions,
    pair_labels,
    parse_label_file,
    task_labels,
)
from kinemyo.data.siat_llmd.subjects import read_subject_info
from kinemyo.data.table_cache import TableCache, default_cache_dir, write_behind
from kinemyo.data.timebase import check_time_axis, joined_time, measured_rate
from kinemyo.errors import DataFormatError, DataWarning
from kinemyo.settings import settings

PARALLEL_TRIALS = 4
"""The most trials parsed at once by :func:`read_trials` (each holds its parsed columns: about
half the size of its CSV text)."""


@settings
class ReadOptions:
    """How to read SIAT-LLMD files.

    Attributes:
        moment_unit: "N·m" (as released) or "N·m/kg" (divided by the subject's body mass).
        nan_policy: what to do with empty/NaN cells (see :class:`~kinemyo.data.gaps.NanPolicy`).
        max_gap_s: longest gap, in s, that ``nan_policy="interpolate"`` fills.
        expected_fs: the sampling rate the Time column must show, in Hz (None: any regular rate).
        cache_dir: where parsed files are cached (see :mod:`kinemyo.data.table_cache`); None
            parses every time. Defaults to ``$KINEMYO_CACHE_DIR`` or ``~/.cache/kinemyo``.

    Raises:
        KinemyoError: a value of the wrong type or out of range, naming the field.
    """

    moment_unit: Literal[units.MOMENT_UNITS] = units.NEWTON_METRE
    nan_policy: Annotated[NanPolicy, Field(strict=False)] = NanPolicy.ERROR
    max_gap_s: Annotated[float, Field(ge=0)] = 0.01
    expected_fs: Annotated[float, Field(gt=0)] | None = schema.SAMPLING_RATE_HZ
    cache_dir: Annotated[Path, Field(strict=False)] | None = field(
        default_factory=default_cache_dir
    )

    @property
    def cache(self) -> TableCache | None:
        """The table cache these options ask for, or None."""
        return None if self.cache_dir is None else TableCache(self.cache_dir)


@dataclass(frozen=True)
class TrialFiles:
    """Where one trial lives: its Data file and, when present, its Label file."""

    subject: str
    motion: str
    data: Path
    labels: Path | None


def normalise_subject(subject: str | int) -> str:
    """'Sub07', 'sub7', '7' or 7 -> 'Sub07'."""
    text = str(subject).strip()
    match = re.fullmatch(r"(?i:sub)?(\d+)", text)
    if not match:
        raise DataFormatError(f"'{subject}' is not a subject id; use e.g. Sub01 or 1.")
    return f"Sub{int(match.group(1)):02d}"


def check_motions(motions: Iterable[str], *, path: Path | None = None) -> tuple[str, ...]:
    """Upper-case motion codes, each checked against the 16 SIAT-LLMD codes.

    Args:
        motions: codes such as "WAK" or "ups".
        path: the file whose name holds the codes, for the message.
    """
    codes = tuple(m.strip().upper() for m in motions)
    unknown = [m for m in codes if m not in schema.MOTIONS]
    if unknown:
        raise DataFormatError(
            f"unknown motion code(s) {unknown}; SIAT-LLMD motions are: "
            f"{', '.join(schema.MOTIONS)}.",
            path=path,
        )
    return codes


def find_trials(
    root: str | Path,
    *,
    subjects: Sequence[str | int] | None = None,
    motions: Sequence[str] | None = None,
) -> list[TrialFiles]:
    """List the trials under a SIAT-LLMD root (or one subject folder), optionally a subset.

    Raises:
        DataFormatError: missing folder, no subject folders, a requested subject that is absent,
            an unknown motion code (requested or in a file name), a file in another subject's
            folder.
    """
    root = Path(root)
    if not root.exists():
        kind = "file" if root.suffix in (".csv", ".gz") else "folder"
        raise DataFormatError(f"{kind} not found.", path=root)
    if schema.SUBJECT_PATTERN.match(root.name) and (root / "Data").is_dir():
        subject_dirs = [root]
    else:
        subject_dirs = sorted(
            p for p in root.iterdir() if p.is_dir() and schema.SUBJECT_PATTERN.match(p.name)
        )
    if not subject_dirs:
        raise DataFormatError(
            "no SIAT-LLMD subject folders here; expected SubXX/Data/SubXX_<MOTION>_Data.csv.",
            path=root,
        )
    wanted_motions = None if motions is None else check_motions(motions)
    if subjects is not None:
        wanted = [normalise_subject(s) for s in subjects]
        present = {p.name for p in subject_dirs}
        absent = [s for s in wanted if s not in present]
        if absent:
            raise DataFormatError(
                f"subject(s) {absent} not found; present: {', '.join(sorted(present))}.",
                path=root,
            )
        subject_dirs = [p for p in subject_dirs if p.name in wanted]
    trials: list[TrialFiles] = []
    for subject_dir in subject_dirs:
        trials.extend(_subject_trials(subject_dir, wanted_motions))
    if not trials:
        raise DataFormatError(
            "no Data files match the selection"
            + (f" (motions {list(wanted_motions)})." if wanted_motions else "."),
            path=root,
        )
    return trials


def _subject_trials(subject_dir: Path, motions: tuple[str, ...] | None) -> list[TrialFiles]:
    data_dir = subject_dir / "Data"
    if not data_dir.is_dir():
        raise DataFormatError("missing the Data folder.", path=subject_dir)
    found: dict[str, TrialFiles] = {}
    for path in sorted(data_dir.iterdir()):
        match = schema.DATA_FILE_PATTERN.match(path.name)
        if not match:
            continue
        subject, motion = match["subject"], match["motion"]
        if subject != subject_dir.name:
            raise DataFormatError(
                f"belongs to {subject} but lies in the folder of {subject_dir.name}.", path=path
            )
        check_motions([motion], path=path)
        if motions is not None and motion not in motions:
            continue
        found[motion] = TrialFiles(subject, motion, path, _label_file(subject_dir, subject, motion))
    if motions is not None:
        for motion in motions:
            if motion not in found:
                warnings.warn(
                    f"{data_dir}: no {motion} Data file for {subject_dir.name}.",
                    DataWarning,
                    stacklevel=3,
                )
    order = list(schema.MOTIONS)
    return [found[m] for m in sorted(found, key=order.index)]


def _label_file(subject_dir: Path, subject: str, motion: str) -> Path | None:
    for suffix in ("", ".gz"):
        candidate = subject_dir / "Labels" / f"{subject}_{motion}_Label.csv{suffix}"
        if candidate.is_file():
            return candidate
    return None


def read_siat_llmd(
    path: str | Path,
    *,
    subjects: Sequence[str | int] | None = None,
    motions: Sequence[str] | None = None,
    options: ReadOptions | None = None,
) -> list[Recording]:
    """Read a SIAT-LLMD tree, one subject folder, or one Data / EMG-only CSV file.

    Args:
        path: the dataset root (holding SubXX folders and SubjectInformation.xlsx), a SubXX
            folder, or a single ``.csv`` / ``.csv.gz`` file.
        subjects: subject ids to keep ("Sub01" or 1); all when None. Not for a single file.
        motions: motion codes to keep (e.g. ["WAK", "UPS"]); all when None. Not for a single file.
        options: units, missing-value policy and expected rate; see :class:`ReadOptions`.

    Returns:
        One Recording per trial, ordered by subject then motion: EMG in mV (9 left-leg muscles,
        ``schema.MUSCLES``), angles in deg and moments in ``options.moment_unit`` for the 8 joints
        (``schema.JOINTS``) when the file has them, labels when a Label file exists.

    Raises:
        DataFormatError: any problem with the files, naming file, column and row.
        MissingBodyMassError: moments in N·m/kg for a subject without a known body mass.
    """
    options = options or ReadOptions()
    path = Path(path)
    if path.is_file():
        if subjects is not None or motions is not None:
            raise DataFormatError(
                "subject and motion filters apply to folders, not to a single file.", path=path
            )
        return [read_trial_file(path, options=options)]
    trials = find_trials(path, subjects=subjects, motions=motions)
    table = subject_table(trials[0].data.parents[2])
    return read_trials(trials, table, options)


def read_trials(
    trials: Sequence[TrialFiles], table: dict[str, schema.SubjectInfo], options: ReadOptions
) -> list[Recording]:
    """:func:`read_trial` of each of ``trials`` (``table`` giving the subjects' rows), in order.

    Background threads parse the files of the next trials (:func:`parse_trial`), one trial per
    thread and as many at once as pyarrow has threads (``pyarrow.cpu_count()``, at most
    :data:`PARALLEL_TRIALS`), while this one is checked; the cache's writer thread stores what
    they parsed and prunes the cache to its size limit once, at the end, and goes on after the
    read returns (:func:`~kinemyo.data.table_cache.write_behind`). Errors and warnings come as
    a serial read gives them: those of a trial after every one of the trials before it.
    """
    if not trials:
        return []
    workers = max(1, min(pa.cpu_count(), PARALLEL_TRIALS, len(trials)))
    recordings: list[Recording] = []
    with ThreadPoolExecutor(workers, thread_name_prefix="kinemyo-parse") as parsers:

        def parse(trial: TrialFiles) -> Future[ParsedTrial]:
            return parsers.submit(parse_trial, trial.data, trial.labels, options, workers == 1)

        upcoming = deque(parse(trial) for trial in trials[:workers])
        try:
            for index, trial in enumerate(trials):
                parsed = upcoming.popleft().result()
                if index + workers < len(trials):
                    upcoming.append(parse(trials[index + workers]))
                parsed.store(behind=True)
                recording = read_trial(
                    trial.data,
                    labels=trial.labels,
                    subject_info=table.get(trial.subject),
                    options=options,
                    warn_missing_labels=True,
                    parsed=parsed,
                )
                recordings.append(recording)
        finally:
            for future in upcoming:
                future.cancel()
            if options.cache is not None:
                write_behind(options.cache.prune)
    return recordings


def subject_table(dataset_root: Path) -> dict[str, schema.SubjectInfo]:
    """The rows of ``<dataset_root>/SubjectInformation.xlsx`` by subject; empty, with a
    ``DataWarning``, when the file is absent."""
    info_path = dataset_root / schema.SUBJECT_INFO_FILE
    if not info_path.is_file():
        warnings.warn(
            f"{dataset_root}: no {schema.SUBJECT_INFO_FILE}; body masses are unknown, so moments "
            "can be read in N·m but not in N·m/kg.",
            DataWarning,
            stacklevel=3,
        )
        return {}
    return read_subject_info(info_path)


def identify(path: Path) -> tuple[str, str | None]:
    """(subject, motion) from a file name: 'Sub03_WAK_Data.csv' -> ('Sub03', 'WAK').

    Files named otherwise give the first 'SubNN' in the name (or the file stem) and no motion.
    """
    match = schema.DATA_FILE_PATTERN.match(path.name)
    if match:
        return match["subject"], check_motions([match["motion"]], path=path)[0]
    found = re.search(r"Sub\d{2,}", path.name)
    return (found.group(0) if found else path.name.split(".")[0]), None


def read_trial_file(path: str | Path, *, options: ReadOptions | None = None) -> Recording:
    """Read one Data (or EMG-only) CSV file on its own.

    When the file lies in a SIAT tree (``<root>/SubXX/Data/``), its Label file and its row of
    ``<root>/SubjectInformation.xlsx`` are looked up there.
    """
    path = Path(path)
    subject, motion = identify(path)
    if not (path.parent.name == "Data" and path.parent.parent.name == subject):
        return read_trial(path, options=options)
    table = subject_table(path.parents[2])
    return read_trial(
        path,
        labels=None if motion is None else _label_file(path.parent.parent, subject, motion),
        subject_info=table.get(subject),
        options=options,
        warn_missing_labels=True,
    )


@dataclass(frozen=True, eq=False)
class ParsedTrial:
    """The files of one trial parsed (or taken from the cache), not yet checked or stored.

    Attributes:
        data: the Data file's columns.
        labels: the Label file's, if the trial has one.
    """

    data: ParsedTable
    labels: ParsedTable | None

    def store(self, prune: bool = True, *, behind: bool = False) -> None:
        """Keep what was parsed from text in the cache (see :meth:`ParsedTable.store`)."""
        for parsed in (self.data, self.labels):
            if parsed is not None:
                parsed.store(prune, behind=behind)


def parse_trial(
    path: str | Path,
    labels: Path | None = None,
    options: ReadOptions | None = None,
    threads: bool = True,
) -> ParsedTrial:
    """Parse a Data (or EMG-only) file and its Label file, if any, in that order, taking them
    from ``options.cache`` when it has them (it is not written: see :meth:`ParsedTrial.store`).
    ``threads``: as :func:`~kinemyo.data.csv_table.parse_table` takes it.

    Raises:
        DataFormatError: the first problem that stops a file from being parsed: its columns,
            size, encoding or a cell that is not a number, naming the file, column and row.
    """
    options = options or ReadOptions()
    path = Path(path)
    header = read_header(path, SIAT_CSV)
    has_kinematics = any(c.startswith(("Kinematic:", "Kinetic:")) for c in header)
    expected = schema.DATA_COLUMNS if has_kinematics else schema.EMG_ONLY_COLUMNS
    task_labelled = schema.TASK_LABEL_COLUMN in header
    check_columns(
        path, header, (*expected, schema.TASK_LABEL_COLUMN) if task_labelled else expected
    )
    types = {
        schema.TIME_COLUMN: np.float64,
        **dict.fromkeys(expected[1:], np.float32),
        **({schema.TASK_LABEL_COLUMN: str} if task_labelled else {}),
    }
    cache = options.cache
    data = parse_table(path, types, cache=cache, limits=SIAT_CSV, threads=threads)
    label_table = None if labels is None else parse_label_file(labels, cache=cache, threads=threads)
    return ParsedTrial(data, label_table)


def read_trial(
    path: str | Path,
    *,
    labels: Path | None = None,
    subject_info: schema.SubjectInfo | None = None,
    options: ReadOptions | None = None,
    warn_missing_labels: bool = False,
    parsed: ParsedTrial | None = None,
) -> Recording:
    """Read one Data (or EMG-only) CSV file with the Label file and subject row given.

    A calibration file's extra ``label`` column (the task code of each row) becomes the labels
    when no Label file is given: Status = the task code, Group = the index of its contiguous
    chunk, so windows never cross two tasks (:func:`~kinemyo.data.siat_llmd.sessions.split_tasks`
    gives one Recording per chunk).

    Real stair files are stitched gait cycles whose Time repeats where a new Group begins: such a
    row is a junction (kept, and listed in ``meta.extra[schema.JUNCTION_ROWS]``), each segment's
    rate is checked on its own, and the Recording's time moves each later segment on by one
    sample so that it increases. Data and Label rows are paired by row when their Time columns
    agree row for row, else on Time (with a warning).

    Args:
        path: the Data file; subject and motion come from its name (``SubXX_<MOTION>_Data.csv``).
        labels: its Label file, if any.
        subject_info: its subject's row of SubjectInformation.xlsx, if known (body mass, height).
        options: see :class:`ReadOptions`.
        warn_missing_labels: warn when ``labels`` is None (a trial of a tree should have them).
        parsed: ``parse_trial(path, labels, options)``, when done already (e.g. in the
            background); the cache is then not written here.
    """
    options = options or ReadOptions()
    path = Path(path)
    subject, motion = identify(path)
    if parsed is None:
        parsed = parse_trial(path, labels, options)
        parsed.store()
    time = parsed.data.table.column(schema.TIME_COLUMN).to_numpy()
    table = None if parsed.labels is None else check_label_table(parsed.labels, motion=motion)
    fs, junction_rows = _check_time(time, table, options.expected_fs, path)

    max_gap = round(options.max_gap_s * fs)
    blocks = {
        block_name: _block(parsed.data, block_columns, names, unit, options.nan_policy, max_gap)
        for block_name, (block_columns, names, unit) in _BLOCKS.items()
        if block_columns[0] in parsed.data.columns
    }

    label_block = None
    if table is not None:
        label_block = pair_labels(table, time, junction_rows, fs)
    elif schema.TASK_LABEL_COLUMN in parsed.data.columns:
        column = parsed.data.table.column(schema.TASK_LABEL_COLUMN)
        label_block = task_labels(np.asarray(column.to_pylist(), dtype=str))
    elif warn_missing_labels:
        warnings.warn(f"{path}: no Label file; the trial has no labels.", DataWarning, stacklevel=2)

    recording = Recording(
        time=joined_time(time, junction_rows, 1.0 / fs),
        fs=fs,
        meta=_meta(subject, motion, subject_info, path, junction_rows),
        labels=label_block,
        **blocks,
    )
    if options.moment_unit != units.NEWTON_METRE:
        recording = recording.with_moment_unit(options.moment_unit)
    return recording


def _check_time(
    time: np.ndarray, table: LabelTable | None, expected_fs: float | None, path: Path
) -> tuple[float, np.ndarray]:
    """The rate in Hz of a Data file's (T,) Time, and its Group junctions (0-based rows).

    Time may repeat or go back only at a junction: where the Label file begins a new Group at the
    same Time. Each segment between junctions is checked on its own (regular, at the rate).
    """
    junction_rows = np.zeros(0, dtype=np.int64)
    if table is not None:
        nominal_fs = expected_fs or measured_rate(time)
        junction_rows = junctions(time, table, half_step=0.5 / nominal_fs)
    fs = check_time_axis(time, path=path, expected_fs=expected_fs, segment_starts=junction_rows)
    return expected_fs or fs, junction_rows


_BLOCKS = {
    "angles": (schema.ANGLE_COLUMNS, schema.JOINTS, units.DEGREE),
    "moments": (schema.TORQUE_COLUMNS, schema.JOINTS, units.NEWTON_METRE),
    "emg": (schema.EMG_COLUMNS, schema.MUSCLES, units.MILLIVOLT),
}
"""Recording block -> (Data columns, channel names, unit)."""


def _block(
    data: ParsedTable,
    block_columns: Sequence[str],
    names: Sequence[str],
    unit: str,
    policy: NanPolicy,
    max_gap: int,
) -> SignalBlock:
    """The SignalBlock of ``block_columns`` of the Data file: each value copied once, into
    float32.

    Raises a ``DataFormatError`` at an infinite value (or one beyond float32), and warns about
    values beyond the plausible range of ``unit`` (:mod:`kinemyo.data.plausibility`)."""
    path = data.path
    values = data.stacked(block_columns, np.float32)
    infinite = np.isinf(values)
    if infinite.any():
        row, k = np.argwhere(infinite)[0]
        raise DataFormatError(
            f"value {values[row, k]} is infinite or beyond float32's range (|x| > 3.4e38).",
            path=path,
            column=block_columns[k],
            row=int(row) + 1,
            hint="Every sample must be a finite number; leave a cell empty for a missing one.",
        )
    values, valid = resolve_gaps(
        values, block_columns, policy=policy, max_gap_samples=max_gap, path=path
    )
    warn_implausible(path, values, (unit,) * len(block_columns), block_columns)
    return SignalBlock(values=values, names=tuple(names), units=(unit,) * len(names), valid=valid)


def _meta(
    subject: str,
    motion: str | None,
    info: schema.SubjectInfo | None,
    path: Path,
    junction_rows: np.ndarray,
) -> RecordingMeta:
    extra: dict[str, object] = {schema.JUNCTION_ROWS: tuple(int(row) + 1 for row in junction_rows)}
    if info is not None:
        extra |= {"age": info.age, "sex": info.sex, **info.segments_cm}
    return RecordingMeta(
        dataset=schema.DATASET_NAME,
        subject=subject,
        task=motion,
        body_mass_kg=None if info is None else info.weight_kg,
        height_m=None if info is None or info.height_cm is None else info.height_cm / 100.0,
        source=str(path),
        extra=extra,
    )
