"""Find the trials of a Camargo tree: subject ids and folders, date, mode and sensor folders,
trial stems and their files (``.mat`` before ``.csv``), matched case-insensitively."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kinemyo.data.camargo import layout
from kinemyo.data.camargo.layout import TrialName
from kinemyo.errors import DataFormatError, KinemyoError

SUBJECT_PATTERN = re.compile(r"(?:AB)?(\d+)", re.IGNORECASE)
_SKIPPED_FOLDERS = ("osimxml",)


@dataclass(frozen=True)
class TrialFiles:
    """A trial found on disk: its subject, date folder, name and sensor files."""

    subject: str
    date: str
    name: TrialName
    files: dict[str, Path]


def normalise_subject(subject: str | int) -> str:
    """'AB06', 'ab6', '6' or 6 -> 'AB06'."""
    match = SUBJECT_PATTERN.fullmatch(str(subject).strip())
    if not match:
        raise KinemyoError(f"'{subject}' is not a Camargo subject id; use e.g. AB06.")
    return f"AB{int(match.group(1)):02d}"


def check_modes(modes: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(m.strip().lower() for m in modes)
    unknown = [m for m in chosen if m not in layout.MODES]
    if unknown or not chosen:
        raise KinemyoError(f"unknown mode(s) {unknown}; Camargo modes are {list(layout.MODES)}.")
    return chosen


def wanted_trials(trials: Sequence[str] | None, modes: tuple[str, ...]) -> dict[str, str] | None:
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


def select_subjects(
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


def table_files(folder: Path) -> dict[str, Path]:
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
        for key, path in table_files(sensor_dir).items():
            by_stem.setdefault(key, (path.stem, {}))[1][sensor] = path
    return by_stem


def scan_subject(
    subject: str, subject_dir: Path, modes: tuple[str, ...]
) -> tuple[dict[tuple[str, str], TrialFiles], list[Path]]:
    """A subject's trials by (mode, lower-case stem), and one file per unrecognised stem.

    Raises:
        DataFormatError: the same trial lies in two date folders.
    """
    found: dict[tuple[str, str], TrialFiles] = {}
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
                found[(mode, name.key)] = TrialFiles(subject, date_dir.name, name, files)
    return found, unrecognised
