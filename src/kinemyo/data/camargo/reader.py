"""Read the Camargo et al. 2021 (EPIC lab) dataset into one :class:`Recording` per trial.

What is read (see ``shared/specs/camargo.md``)::

    <root>/SubjectInfo.(mat|csv)                              Subject, Age, Gender, Height, Weight
    <root>/ABxx/<date>/<mode>/<sensor>/<trial>.(mat|csv)      one table per sensor and trial

Per trial the sensors ``emg`` (1 kHz), ``ik`` and ``id`` (200 Hz) and ``conditions`` are needed;
the paths of the other sensors' files (gcRight, markers, ...) are kept in ``CamargoTrial.files``
but not read. Date folders (``10_09_18``, ``01_27_2019``...) are discovered, never assumed.
Folder names and trial stems are matched case-insensitively. A ``.mat`` file (a MATLAB table,
read with mat-io, imported only when a ``.mat`` is read) is preferred to a ``.csv`` of the same
stem (what MATLAB's ``writetable`` gives: the same columns; a CSV conditions file holds only the
``speed`` or ``labels`` table). A missing trial or sensor file is listed in
``CamargoDataset.missing``, not raised; a malformed file raises a :class:`DataFormatError`
naming file, column and row.

Alignment: every table's ``Header`` is the time in s on a clock shared by the sensors of a trial,
so streams are aligned on it, never on row numbers. The output clock is the ``id`` Header. The
EMG envelope is made at the EMG rate (:mod:`.envelope`: remove mean, rectify, Butterworth
low-pass, 6 Hz order 2, CAUSAL by default as a real-time controller would compute it) and
linearly interpolated onto the id times; so are the requested ik coordinates and, for treadmill
trials, the belt speed (``conditions.speed``). Frames of id outside the time span of EMG, ik (and
belt speed), or inside a gap of one of them (a step over 1.5 times its median step), are dropped.

Units: EMG envelope in V (the spec says the EMG files are in volts, marked VERIFY: the files
themselves carry no unit), angles in deg (knee flexion negative, as OpenSim writes it), moments
in N·m as released or N·m/kg (N·m / SubjectInfo Weight), belt speed in m/s.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from kinemyo import units
from kinemyo.data.camargo import layout
from kinemyo.data.camargo.envelope import EnvelopeConfig, emg_envelope
from kinemyo.data.camargo.layout import TrialName
from kinemyo.data.camargo.matlab import matio
from kinemyo.data.csv_table import read_header, read_table
from kinemyo.data.limits import CAMARGO_CSV, MATLAB, check_file
from kinemyo.data.plausibility import warn_implausible
from kinemyo.data.recording import UNLABELLED, Labels, Recording, RecordingMeta, SignalBlock
from kinemyo.data.table_cache import TableCache, default_cache_dir
from kinemyo.data.timebase import measured_rate
from kinemyo.errors import DataFormatError, DataWarning, KinemyoError, MissingBodyMassError

DATASET_NAME = "Camargo"
VOLT = units.VOLT
"""Unit of the Camargo EMG and of its envelope (volts per the spec; VERIFY)."""

REQUIRED_SENSORS = ("emg", "ik", "id", "conditions")
"""Sensors a trial needs to be read."""

TREADMILL_STATUS = "walk"
"""Status of every treadmill frame (the treadmill conditions hold a speed, not labels)."""

MAX_STEP_RATIO = 1.5
"""A Header step longer than this times the stream's median step is a gap: no frame inside it."""

DEFAULT_ANGLES = (
    "hip_flexion_r",
    "hip_adduction_r",
    "hip_rotation_r",
    "knee_angle_r",
    "ankle_angle_r",
)
DEFAULT_MOMENTS = ("hip_flexion_r_moment", "hip_adduction_r_moment")
DEFAULT_MODES = ("treadmill", "levelground", "ramp")

NanMoments = Literal["drop", "keep"]
Progress = Callable[[int, int], None]

_SUBJECT_PATTERN = re.compile(r"(?:AB)?(\d+)", re.IGNORECASE)
_SKIPPED_FOLDERS = ("osimxml",)


@dataclass(frozen=True)
class CamargoSubject:
    """One row of SubjectInfo; fields are None when SubjectInfo lacks the subject or the value.

    Attributes:
        subject: id, e.g. "AB06".
        age: years.
        gender: as written, e.g. "M".
        mass_kg: the Weight column, kg.
        height_m: the Height column in m (see :func:`height_in_m`).
    """

    subject: str
    age: float | None = None
    gender: str | None = None
    mass_kg: float | None = None
    height_m: float | None = None


@dataclass(frozen=True)
class MissingItem:
    """Something expected that was not read.

    Attributes:
        subject: subject id.
        mode: ambulation mode, None for a whole subject.
        trial: trial stem, None for a whole subject.
        sensor: the missing sensor, None for a whole trial or subject.
        reason: why, as a phrase.
    """

    subject: str
    mode: str | None
    trial: str | None
    sensor: str | None
    reason: str

    def __str__(self) -> str:
        where = "/".join(p for p in (self.subject, self.mode, self.sensor, self.trial) if p)
        return f"{where}: {self.reason}"


@dataclass(frozen=True, eq=False)
class CamargoTrial:
    """One trial on the id clock.

    Attributes:
        recording: EMG envelope (T, C) in V, the requested ik coordinates (T, J) in deg and id
            moments (T, M) in N·m or N·m/kg; ``time`` = the kept id Header times, s; ``fs`` =
            200 Hz nominal. ``labels.status``: the activity label in force at each frame
            (``"walk"`` on the treadmill); ``labels.group``: index of the contiguous run of kept
            frames. ``meta.incline_deg`` is the ramp's incline magnitude (a ramp trial holds both
            ascent and descent; the labels tell which); ``meta.speed_m_s`` the median belt speed.
        name: what the trial stem says (stem as on disk, mode, number, ...).
        date: the date folder the trial lies in, as named on disk.
        belt_speed_m_s: (T,) belt speed in m/s at each frame (treadmill), else None.
        files: sensor -> the file of this trial, for every sensor folder that has one.
    """

    recording: Recording
    name: TrialName
    date: str
    belt_speed_m_s: np.ndarray | None
    files: Mapping[str, Path]


@dataclass(frozen=True, eq=False)
class CamargoDataset:
    """What :func:`read_camargo` found.

    Attributes:
        root: the dataset root.
        subjects: selected subjects (with a folder) by id, with their SubjectInfo row.
        trials: the trials read, sorted by subject, mode (in ``layout.MODES`` order) and stem.
        missing: expected subjects, conditions and sensor files that were not read, and why.
        expected: (subject, mode) -> the expected conditions (``TrialName.condition``, e.g.
            ``ramp_3``): the union over subjects of the conditions of the trials found in the
            selected modes (and of the requested ``trials``).
        unrecognised: one file per stem that is not a trial name of its mode folder (skipped).
    """

    root: Path
    subjects: Mapping[str, CamargoSubject]
    trials: list[CamargoTrial]
    missing: list[MissingItem]
    expected: Mapping[tuple[str, str], tuple[str, ...]]
    unrecognised: list[Path]

    def summary(self) -> pd.DataFrame:
        """One row per subject and mode: conditions ``expected``, ``found`` (with a trial read)
        and ``missing``, and the number of ``trials`` read."""
        conditions: dict[tuple[str, str], set[str]] = {}
        trials: dict[tuple[str, str], int] = {}
        for trial in self.trials:
            key = (trial.recording.meta.subject, trial.name.mode)
            conditions.setdefault(key, set()).add(trial.name.condition)
            trials[key] = trials.get(key, 0) + 1
        rows = []
        for (subject, mode), expected in sorted(self.expected.items(), key=_subject_mode_order):
            found = len(conditions.get((subject, mode), set()) & set(expected))
            rows.append(
                {
                    "subject": subject,
                    "mode": mode,
                    "expected": len(expected),
                    "found": found,
                    "missing": len(expected) - found,
                    "trials": trials.get((subject, mode), 0),
                }
            )
        return pd.DataFrame(
            rows, columns=["subject", "mode", "expected", "found", "missing", "trials"]
        )


@dataclass(frozen=True)
class _TrialFiles:
    """A trial found on disk: its subject, date folder, name and sensor files."""

    subject: str
    date: str
    name: TrialName
    files: dict[str, Path]


@dataclass(frozen=True)
class _Request:
    """What to read from every trial."""

    angles: tuple[str, ...]
    moments: tuple[str, ...]
    moment_unit: str
    envelope: EnvelopeConfig
    nan_moments: NanMoments


@dataclass(frozen=True)
class _Conditions:
    """A conditions file: belt speed (treadmill) or activity labels (other modes) over time."""

    time: np.ndarray
    speed: np.ndarray | None
    labels: np.ndarray | None
    ramp_incline_deg: float | None


def read_camargo(
    root: str | Path,
    *,
    subjects: Sequence[str] | None = None,
    modes: Sequence[str] = DEFAULT_MODES,
    trials: Sequence[str] | None = None,
    moments: Sequence[str] = DEFAULT_MOMENTS,
    angles: Sequence[str] = DEFAULT_ANGLES,
    moment_unit: str = units.NEWTON_METRE,
    envelope: EnvelopeConfig | None = None,
    nan_moments: NanMoments = "drop",
    progress: Progress | None = None,
) -> CamargoDataset:
    """Read a Camargo tree (or a subset) into one :class:`CamargoTrial` per trial.

    Args:
        root: the folder holding SubjectInfo and the ABxx folders.
        subjects: subject ids ("AB06", "ab6" or "6"); all subject folders when None.
        modes: ambulation modes to read (``layout.MODES``).
        trials: trial stems to read (case-insensitive); all when None.
        moments: id columns to read, exact names (N·m in the files).
        angles: ik columns to read, exact names (deg).
        moment_unit: "N·m" or "N·m/kg" (also typed as "Nm", "Nm/kg").
        envelope: how the EMG envelope is made; ``EnvelopeConfig()`` (causal 6 Hz) when None.
        nan_moments: "drop" removes frames where any requested moment is NaN (no force plate);
            "keep" keeps them with value 0 and ``valid`` False in the moments block.
        progress: called as ``progress(done, total)`` after each trial.

    Returns:
        The trials read, what was missing and the subject table. ``labels.group`` numbers the
        contiguous runs of kept frames of a trial: a new group starts after every dropped frame
        (NaN moment with "drop", or a frame not covered by EMG/ik), so with "keep" a trial is
        one group unless a stream has a gap.

    Raises:
        KinemyoError: nothing readable (says what was searched), an unknown mode or trial name.
        DataFormatError: a malformed file (missing column, Header not increasing...).
        MissingBodyMassError: N·m/kg asked for a subject that SubjectInfo gives no Weight for.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataFormatError("folder not found.", path=root)
    chosen_modes = _check_modes(modes)
    wanted = _wanted_trials(trials, chosen_modes)
    if nan_moments not in ("drop", "keep"):
        raise KinemyoError(f"nan_moments='{nan_moments}'; use 'drop' or 'keep'.")
    request = _Request(
        angles=tuple(angles),
        moments=tuple(moments),
        moment_unit=units.parse_moment_unit(moment_unit),
        envelope=envelope or EnvelopeConfig(),
        nan_moments=nan_moments,
    )
    cache = _cache()
    table = read_subject_table(root, cache=cache)
    folders, absent = _select_subjects(root, subjects)
    found: dict[str, dict[tuple[str, str], _TrialFiles]] = {}
    unrecognised: list[Path] = []
    for subject, folder in folders.items():
        found[subject], skipped = _scan_subject(subject, folder, chosen_modes)
        unrecognised.extend(skipped)
    plan, missing, expected = _plan(found, absent, wanted)
    if not plan:
        _raise_nothing_readable(root, subjects, chosen_modes, trials, missing)
    subject_rows = {s: table.get(s, CamargoSubject(s)) for s in folders}
    _check_masses(plan, subject_rows, request.moment_unit, root)
    read: list[CamargoTrial] = []
    for done, files in enumerate(plan, start=1):
        outcome = _read_trial(files, subject_rows[files.subject], request, cache)
        if isinstance(outcome, MissingItem):
            missing.append(outcome)
        else:
            read.append(outcome)
        if progress is not None:
            progress(done, len(plan))
    if not read:
        _raise_nothing_readable(root, subjects, chosen_modes, trials, missing)
    return CamargoDataset(
        root=root,
        subjects=subject_rows,
        trials=read,
        missing=missing,
        expected=expected,
        unrecognised=unrecognised,
    )


# --- selection and discovery -------------------------------------------------------------------


def normalise_subject(subject: str | int) -> str:
    """'AB06', 'ab6', '6' or 6 -> 'AB06'."""
    match = _SUBJECT_PATTERN.fullmatch(str(subject).strip())
    if not match:
        raise KinemyoError(f"'{subject}' is not a Camargo subject id; use e.g. AB06.")
    return f"AB{int(match.group(1)):02d}"


def _check_modes(modes: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(m.strip().lower() for m in modes)
    unknown = [m for m in chosen if m not in layout.MODES]
    if unknown or not chosen:
        raise KinemyoError(f"unknown mode(s) {unknown}; Camargo modes are {list(layout.MODES)}.")
    return chosen


def _wanted_trials(trials: Sequence[str] | None, modes: tuple[str, ...]) -> dict[str, str] | None:
    """Requested trials as lower-case stem -> mode; None when all are wanted."""
    if trials is None:
        return None
    wanted = {}
    for stem in trials:
        mode = next((m for m in layout.MODES if layout.parse_trial_stem(stem, m)), None)
        if mode is None:
            raise KinemyoError(
                f"'{stem}' is not a Camargo trial name (e.g. treadmill_01_01, "
                "levelground_ccw_normal_01_01, ramp_1_r_01_01)."
            )
        if mode not in modes:
            raise KinemyoError(
                f"trial '{stem}' is a {mode} trial but modes={list(modes)}; add '{mode}'."
            )
        wanted[stem.lower()] = mode
    return wanted


def _select_subjects(
    root: Path, subjects: Sequence[str] | None
) -> tuple[dict[str, Path], list[str]]:
    """Subject folders by id (those asked for, or all), and the asked ids without a folder."""
    folders = {}
    for path in sorted(root.iterdir()):
        if path.is_dir() and re.fullmatch(r"AB\d+", path.name, re.IGNORECASE):
            folders[normalise_subject(path.name)] = path
    if subjects is None:
        return folders, []
    asked = sorted({normalise_subject(s) for s in subjects})
    return {s: folders[s] for s in asked if s in folders}, [s for s in asked if s not in folders]


def _named_dirs(parent: Path, names: Sequence[str]) -> dict[str, Path]:
    """Sub-folders of ``parent`` named one of ``names`` in any case: canonical name -> folder."""
    canonical = {name.lower(): name for name in names}
    return {
        canonical[path.name.lower()]: path
        for path in sorted(parent.iterdir())
        if path.is_dir() and path.name.lower() in canonical
    }


def _date_dirs(subject_dir: Path) -> list[Path]:
    """The folders of a subject that hold mode folders (whatever the date format)."""
    return [
        path
        for path in sorted(subject_dir.iterdir())
        if path.is_dir()
        and path.name.lower() not in _SKIPPED_FOLDERS
        and _named_dirs(path, layout.MODES)
    ]


def _table_files(folder: Path) -> dict[str, Path]:
    """The table file of each stem in ``folder`` (lower-case stem -> file), .mat before .csv."""
    rank = {suffix: i for i, suffix in enumerate(layout.TABLE_SUFFIXES)}
    chosen: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if suffix not in rank or not path.is_file():
            continue
        key = path.stem.lower()
        if key not in chosen or rank[suffix] < rank[chosen[key].suffix.lower()]:
            chosen[key] = path
    return chosen


def _mode_files(mode_dir: Path) -> dict[str, tuple[str, dict[str, Path]]]:
    """Files of a mode folder by lower-case stem: (the stem as on disk, sensor -> file)."""
    by_stem: dict[str, tuple[str, dict[str, Path]]] = {}
    for sensor, sensor_dir in _named_dirs(mode_dir, layout.SENSORS).items():
        for key, path in _table_files(sensor_dir).items():
            by_stem.setdefault(key, (path.stem, {}))[1][sensor] = path
    return by_stem


def _scan_subject(
    subject: str, subject_dir: Path, modes: tuple[str, ...]
) -> tuple[dict[tuple[str, str], _TrialFiles], list[Path]]:
    """A subject's trials by (mode, lower-case stem), and one file per unrecognised stem.

    Raises:
        DataFormatError: the same trial lies in two date folders.
    """
    found: dict[tuple[str, str], _TrialFiles] = {}
    unrecognised = []
    for date_dir in _date_dirs(subject_dir):
        for mode, mode_dir in _named_dirs(date_dir, modes).items():
            for stem, files in _mode_files(mode_dir).values():
                name = layout.parse_trial_stem(stem, mode)
                if name is None:
                    unrecognised.append(next(iter(files.values())))
                    continue
                if (mode, name.key) in found:
                    other = found[(mode, name.key)].date
                    raise DataFormatError(
                        f"trial {stem} of {subject} lies in two date folders, {other} and "
                        f"{date_dir.name}; keep one.",
                        path=subject_dir,
                    )
                found[(mode, name.key)] = _TrialFiles(subject, date_dir.name, name, files)
    return found, unrecognised


def _plan(
    found: Mapping[str, Mapping[tuple[str, str], _TrialFiles]],
    absent: Sequence[str],
    wanted: Mapping[str, str] | None,
) -> tuple[list[_TrialFiles], list[MissingItem], dict[tuple[str, str], tuple[str, ...]]]:
    """The readable trials in order, the missing items, and the expected conditions per
    subject and mode.

    Subjects are expected to record the same conditions (``TrialName.condition``: treadmill
    trial number, level-ground speed, ramp or stair number), not the same stems: walking
    direction, leading leg and repetition numbers differ between subjects. Expected = the union
    over subjects of the conditions of the trials found (restricted to ``wanted``, plus those of
    ``wanted``).
    """
    chosen = {
        subject: {
            key: files
            for key, files in sorted(trials.items(), key=_mode_order)
            if wanted is None or key[1] in wanted
        }
        for subject, trials in found.items()
    }
    expected_keys = {
        (mode, files.name.condition)
        for trials in chosen.values()
        for (mode, _), files in trials.items()
    }
    if wanted is not None:
        expected_keys |= {
            (mode, name.condition)
            for stem, mode in wanted.items()
            if (name := layout.parse_trial_stem(stem, mode)) is not None
        }
    ordered = sorted(expected_keys, key=_mode_order)
    plan: list[_TrialFiles] = []
    missing = [MissingItem(s, None, None, None, "no subject folder under the root") for s in absent]
    expected: dict[tuple[str, str], tuple[str, ...]] = {}
    for subject in sorted([*found, *absent]):
        for mode, condition in ordered:
            expected[(subject, mode)] = (*expected.get((subject, mode), ()), condition)
        if subject in absent:
            continue
        trials = chosen[subject]
        has = {(mode, files.name.condition) for (mode, _), files in trials.items()}
        missing.extend(
            MissingItem(subject, mode, condition, None, "no trial of this condition")
            for mode, condition in ordered
            if (mode, condition) not in has
        )
        for files in trials.values():
            lacking = [s for s in REQUIRED_SENSORS if s not in files.files]
            missing.extend(
                MissingItem(subject, files.name.mode, files.name.stem, s, f"no {s} file")
                for s in lacking
            )
            if not lacking:
                plan.append(files)
    return plan, missing, expected


def _mode_order(item: tuple[tuple[str, str], object] | tuple[str, str]) -> tuple[int, str]:
    """Sort key of (mode, name) pairs, or of dict items keyed by them: modes in layout order."""
    mode, name = item[0] if isinstance(item[0], tuple) else item
    return layout.MODES.index(mode), name


def _subject_mode_order(item: tuple[tuple[str, str], Any]) -> tuple[str, int]:
    (subject, mode), _ = item
    return subject, layout.MODES.index(mode)


def _raise_nothing_readable(
    root: Path,
    subjects: Sequence[str] | None,
    modes: Sequence[str],
    trials: Sequence[str] | None,
    missing: Sequence[MissingItem],
) -> None:
    listed = "; ".join(map(str, missing[:5])) + (" ..." if len(missing) > 5 else "")
    raise KinemyoError(
        f"No readable Camargo trial under {root} (subjects: {list(subjects or ['all'])}, "
        f"modes: {list(modes)}, trials: {list(trials or ['all'])}). Looked for "
        "<root>/ABxx/<date>/<mode>/<sensor>/<trial>.mat or .csv with the sensors "
        f"{', '.join(REQUIRED_SENSORS)}." + (f" Missing: {listed}." if missing else "")
    )


# --- subject table -----------------------------------------------------------------------------


def height_in_m(value: float) -> float | None:
    """Body height in m from SubjectInfo's Height, whose unit the release does not state.

    Rule, by magnitude: over 300 is mm, over 3 is cm, otherwise m; None when missing or not
    positive.
    """
    if not (np.isfinite(value) and value > 0):
        return None
    if value > 300:
        return float(value) / 1000.0
    if value > 3:
        return float(value) / 100.0
    return float(value)


def _positive(value: float) -> float | None:
    return float(value) if np.isfinite(value) and value > 0 else None


def read_subject_table(
    root: str | Path, *, cache: TableCache | None = None
) -> dict[str, CamargoSubject]:
    """The rows of ``<root>/SubjectInfo.(mat|csv)`` by subject id; empty, with a
    ``DataWarning``, when the file is absent."""
    root = Path(root)
    path = _table_files(root).get(layout.SUBJECT_INFO.lower())
    if path is None:
        warnings.warn(
            f"{root}: no {layout.SUBJECT_INFO}.mat or .csv; body masses and heights are unknown, "
            "so moments can be read in N·m but not in N·m/kg.",
            DataWarning,
            stacklevel=2,
        )
        return {}
    kinds = {"Subject": str, "Age": np.float64, "Gender": str, "Height": np.float64}
    columns, _ = _read_variables(path, "data", {**kinds, "Weight": np.float64}, cache)
    table = {}
    for row, subject in enumerate(columns["Subject"], start=1):
        if not _SUBJECT_PATTERN.fullmatch(str(subject).strip()):
            raise DataFormatError(
                f"'{subject}' is not a subject id.", path=path, column="Subject", row=row
            )
        gender = str(columns["Gender"][row - 1]).strip()
        record = CamargoSubject(
            subject=normalise_subject(subject),
            age=_positive(columns["Age"][row - 1]),
            gender=gender if gender and gender.lower() != "nan" else None,
            mass_kg=_positive(columns["Weight"][row - 1]),
            height_m=height_in_m(columns["Height"][row - 1]),
        )
        table[record.subject] = record
    return table


def _check_masses(
    plan: Sequence[_TrialFiles], subjects: Mapping[str, CamargoSubject], unit: str, root: Path
) -> None:
    if unit != units.NEWTON_METRE_PER_KG:
        return
    lacking = sorted({t.subject for t in plan if subjects[t.subject].mass_kg is None})
    if lacking:
        raise MissingBodyMassError(
            f"Moments in N·m/kg need the body mass (SubjectInfo Weight) of {', '.join(lacking)}, "
            f"which {root / layout.SUBJECT_INFO}.mat/.csv does not give. Add it there, leave "
            "those subjects out (subjects=...), or read moments in N·m."
        )


# --- tables ------------------------------------------------------------------------------------


def _cache() -> TableCache | None:
    directory = default_cache_dir()
    return None if directory is None else TableCache(directory)


def _load_mat(path: Path) -> Mapping[str, Any]:
    """The variables of a MAT file (MATLAB tables as DataFrames), read with mat-io."""
    check_file(path, MATLAB)
    try:
        return matio().load_from_mat(str(path))
    except Exception as exc:
        raise DataFormatError(f"cannot be read as a MATLAB file ({exc}).", path=path) from None


def _resolve(
    available: Sequence[str], columns: Mapping[str, type] | None, path: Path
) -> dict[str, type]:
    """The columns to read with their types (all, as float64, when ``columns`` is None)."""
    if columns is None:
        return dict.fromkeys(available, np.float64)
    absent = [name for name in columns if name not in available]
    if absent:
        raise DataFormatError(
            f"no column '{absent[0]}'; the table has: {', '.join(available)}.",
            path=path,
            column=absent[0],
        )
    return dict(columns)


def _frame_columns(
    frame: pd.DataFrame, columns: Mapping[str, type] | None, path: Path
) -> dict[str, np.ndarray]:
    kinds = _resolve([str(c) for c in frame.columns], columns, path)
    out = {}
    for name, kind in kinds.items():
        if kind is str:
            out[name] = frame[name].astype(str).to_numpy()
            continue
        try:
            out[name] = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            raise DataFormatError("is not numeric.", path=path, column=name) from None
    return out


def _read_variables(
    path: Path, table: str, columns: Mapping[str, type] | None, cache: TableCache | None
) -> tuple[dict[str, np.ndarray], Mapping[str, Any]]:
    """The ``columns`` (name -> np.float64 or str; all as float64 when None) of the table
    variable ``table``, and every variable of a MAT file (none for a CSV, which is the table)."""
    if path.suffix.lower() != ".mat":
        kinds = _resolve(read_header(path, CAMARGO_CSV), columns, path)
        return read_table(path, kinds, cache=cache, limits=CAMARGO_CSV), {}
    variables = _load_mat(path)
    frame = variables.get(table)
    if not isinstance(frame, pd.DataFrame):
        raise DataFormatError(
            f"no MATLAB table named '{table}'; the file holds: {', '.join(variables)}.", path=path
        )
    return _frame_columns(frame, columns, path), variables


def _check_header(time: np.ndarray, path: Path) -> None:
    """Header must be finite and strictly increasing, with at least two rows."""
    if time.size < 2:
        raise DataFormatError(f"needs at least two rows, found {time.size}.", path=path)
    not_finite = ~np.isfinite(time)
    if not_finite.any():
        raise DataFormatError(
            "Header is missing or not finite.",
            path=path,
            column=layout.HEADER,
            row=int(np.argmax(not_finite)) + 1,
        )
    backwards = np.diff(time) <= 0
    if backwards.any():
        i = int(np.argmax(backwards))
        raise DataFormatError(
            f"Header does not increase: {time[i + 1]:.6f} s follows {time[i]:.6f} s.",
            path=path,
            column=layout.HEADER,
            row=i + 2,
            hint="Streams are aligned on Header; rows must be in time order without repeats.",
        )


def _read_timed(
    path: Path,
    columns: Mapping[str, type] | None,
    cache: TableCache | None,
    table: str = "data",
) -> tuple[np.ndarray, dict[str, np.ndarray], Mapping[str, Any]]:
    """(Header times in s, the other ``columns`` by name in file order, MAT variables)."""
    wanted = None if columns is None else {layout.HEADER: np.float64, **columns}
    data, variables = _read_variables(path, table, wanted, cache)
    if layout.HEADER not in data:
        raise DataFormatError(
            f"no '{layout.HEADER}' column (time, s); the table has: {', '.join(data)}.",
            path=path,
            column=layout.HEADER,
        )
    time = data.pop(layout.HEADER)
    _check_header(time, path)
    return time, data, variables


def _require_finite(data: Mapping[str, np.ndarray], path: Path) -> None:
    for name, values in data.items():
        bad = ~np.isfinite(values)
        if bad.any():
            raise DataFormatError(
                "value is missing or not finite.",
                path=path,
                column=name,
                row=int(np.argmax(bad)) + 1,
            )


def _scalar(value: Any) -> float | None:
    """The magnitude of a MAT scalar such as rampIncline; None when absent, empty or NaN."""
    if value is None:
        return None
    flat = np.asarray(value, dtype=np.float64).ravel()
    return float(abs(flat[0])) if flat.size and np.isfinite(flat[0]) else None


def _read_conditions(path: Path, mode: str, cache: TableCache | None) -> _Conditions:
    treadmill = mode == "treadmill"
    table, column = ("speed", layout.SPEED_COLUMN) if treadmill else ("labels", layout.LABEL_COLUMN)
    time, data, variables = _read_timed(
        path, {column: np.float64 if treadmill else str}, cache, table=table
    )
    if treadmill:
        _require_finite(data, path)
    return _Conditions(
        time=time,
        speed=data[column] if treadmill else None,
        labels=None if treadmill else np.char.strip(data[column].astype(str)),
        ramp_incline_deg=_scalar(variables.get("rampIncline")),
    )


# --- one trial ---------------------------------------------------------------------------------


def _covered(target: np.ndarray, source: np.ndarray) -> np.ndarray:
    """True where a time of ``target`` lies within ``source``'s span and not inside a gap (a
    step over ``MAX_STEP_RATIO`` times the median step of ``source``)."""
    steps = np.diff(source)
    after = np.clip(np.searchsorted(source, target, side="right"), 1, source.size - 1)
    inside = (target >= source[0]) & (target <= source[-1])
    return inside & (steps[after - 1] <= MAX_STEP_RATIO * np.median(steps))


def _stack(columns: Sequence[np.ndarray], length: int) -> np.ndarray:
    """(length, K) array of K (length,) columns."""
    return np.column_stack(columns) if columns else np.empty((length, 0))


def _interpolate(
    times: np.ndarray, source: np.ndarray, columns: Sequence[np.ndarray]
) -> np.ndarray:
    """(T, K) values of ``columns`` (each sampled at ``source``) at ``times``, linearly."""
    return _stack([np.interp(times, source, column) for column in columns], times.size)


def _run_groups(kept: np.ndarray) -> np.ndarray:
    """For a (T,) boolean mask, the index of the contiguous run of True that each True belongs to
    (one entry per True: [T, T, F, T] -> [0, 0, 1])."""
    index = np.flatnonzero(kept)
    starts = np.diff(index, prepend=-2) > 1
    return np.cumsum(starts) - 1


def _status(times: np.ndarray, conditions: _Conditions) -> np.ndarray:
    """The activity label in force at each time (the last label row at or before it)."""
    if conditions.labels is None:
        return np.full(times.size, TREADMILL_STATUS)
    row = np.searchsorted(conditions.time, times, side="right") - 1
    return np.where(row >= 0, conditions.labels[np.maximum(row, 0)], UNLABELLED)


def _moment_block(values: np.ndarray, names: tuple[str, ...], keep: bool) -> SignalBlock:
    """Moments in N·m; with ``keep``, NaN becomes 0 with ``valid`` False."""
    finite = np.isfinite(values)
    return SignalBlock(
        values=np.where(finite, values, 0.0),
        names=names,
        units=(units.NEWTON_METRE,) * len(names),
        valid=finite if keep else None,
    )


def _incline(name: TrialName, conditions: _Conditions) -> float | None:
    if name.mode != "ramp":
        return None
    if conditions.ramp_incline_deg is not None:
        return conditions.ramp_incline_deg
    return layout.RAMP_INCLINES_DEG.get(name.number)


def _coverage(id_time: np.ndarray, streams: Mapping[str, np.ndarray], path: Path) -> np.ndarray:
    """(T,) True where an id time is covered by every stream (sensor -> Header times).

    Raises:
        DataFormatError: no id time is covered (the streams do not share a clock).
    """
    covered = np.logical_and.reduce([_covered(id_time, t) for t in streams.values()])
    if not covered.any():
        spans = ", ".join(f"{s} {t[0]:.3f}-{t[-1]:.3f} s" for s, t in streams.items())
        raise DataFormatError(
            f"no id frame ({id_time[0]:.3f}-{id_time[-1]:.3f} s) lies within the Header spans "
            f"of {spans}; the streams do not share a clock.",
            path=path,
        )
    return covered


def _column_unit(sensor: str, name: str) -> str:
    """The unit of column ``name`` of an emg, ik or id table (spec: EMG in V, ik in deg with
    pelvis translations in m, id in N·m with the forces of those translations in N)."""
    if sensor == "emg":
        return VOLT
    if name in layout.TRANSLATIONS or name.endswith("_force"):
        return "m" if sensor == "ik" else "N"
    return units.DEGREE if sensor == "ik" else units.NEWTON_METRE


def _flag_implausible(path: Path, sensor: str, data: Mapping[str, np.ndarray]) -> None:
    """A DataWarning naming the column and row of values beyond the plausible range."""
    if data:
        names = list(data)
        values = np.column_stack([data[name] for name in names])
        warn_implausible(path, values, [_column_unit(sensor, name) for name in names], names)


def _envelope(
    time: np.ndarray, emg: Mapping[str, np.ndarray], config: EnvelopeConfig, path: Path
) -> np.ndarray:
    """The (T, C) envelope of the EMG columns at the rate their Header shows.

    Raises:
        DataFormatError: the filters do not fit that rate (e.g. a cut-off above its Nyquist
            frequency, when Header is not in seconds), naming the file and the rate.
    """
    fs = measured_rate(time)
    try:
        return emg_envelope(np.column_stack(list(emg.values())), fs, config)
    except KinemyoError as error:
        raise DataFormatError(
            f"the EMG envelope cannot be made at the {fs:g} Hz that Header shows: {error}",
            path=path,
            column=layout.HEADER,
            hint="Header must be the time in s (the Camargo EMG is at 1000 Hz); or change the "
            "envelope settings.",
        ) from None


def _meta(
    files: _TrialFiles, subject: CamargoSubject, belt: np.ndarray | None, incline: float | None
) -> RecordingMeta:
    return RecordingMeta(
        dataset=DATASET_NAME,
        subject=files.subject,
        task=files.name.mode,
        trial=files.name.stem,
        body_mass_kg=subject.mass_kg,
        height_m=subject.height_m,
        speed_m_s=None if belt is None else float(np.median(belt)),
        incline_deg=incline,
        source=str(files.files["id"]),
        extra={"date": files.date, "age": subject.age, "gender": subject.gender},
    )


def _read_trial(
    files: _TrialFiles, subject: CamargoSubject, request: _Request, cache: TableCache | None
) -> CamargoTrial | MissingItem:
    """Read and align one trial; a MissingItem when no frame has all its moments ("drop")."""
    paths = files.files
    emg_time, emg, _ = _read_timed(paths["emg"], None, cache)
    _require_finite(emg, paths["emg"])
    if not emg:
        raise DataFormatError("no EMG column besides Header.", path=paths["emg"])
    ik_time, ik, _ = _read_timed(paths["ik"], dict.fromkeys(request.angles, np.float64), cache)
    _require_finite(ik, paths["ik"])
    id_time, id_data, _ = _read_timed(
        paths["id"], dict.fromkeys(request.moments, np.float64), cache
    )
    for sensor, data in (("emg", emg), ("ik", ik), ("id", id_data)):
        _flag_implausible(paths[sensor], sensor, data)
    conditions = _read_conditions(paths["conditions"], files.name.mode, cache)

    streams = {"emg": emg_time, "ik": ik_time}
    if conditions.speed is not None:
        streams["conditions"] = conditions.time
    covered = _coverage(id_time, streams, paths["id"])
    moments = _stack(list(id_data.values()), id_time.size)
    keep = request.nan_moments == "keep"
    kept = covered if keep else covered & np.isfinite(moments).all(axis=1)
    if not kept.any():
        return MissingItem(
            files.subject,
            files.name.mode,
            files.name.stem,
            "id",
            "every frame within the EMG and ik spans has a NaN moment",
        )
    time = id_time[kept]
    envelope = _envelope(emg_time, emg, request.envelope, paths["emg"])
    belt = None
    if conditions.speed is not None:
        belt = np.interp(time, conditions.time, conditions.speed)
    recording = Recording(
        time=time,
        fs=layout.KINEMATICS_FS,
        meta=_meta(files, subject, belt, _incline(files.name, conditions)),
        emg=SignalBlock(
            _interpolate(time, emg_time, list(envelope.T)), tuple(emg), (VOLT,) * len(emg)
        ),
        angles=SignalBlock(
            _interpolate(time, ik_time, list(ik.values())),
            request.angles,
            (units.DEGREE,) * len(request.angles),
        ),
        moments=_moment_block(moments[kept], request.moments, keep),
        labels=Labels(status=_status(time, conditions), group=_run_groups(kept)),
    )
    return CamargoTrial(
        recording=recording.with_moment_unit(request.moment_unit),
        name=files.name,
        date=files.date,
        belt_speed_m_s=belt,
        files=dict(paths),
    )
