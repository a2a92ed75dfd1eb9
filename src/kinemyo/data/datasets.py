"""The registry of dataset kinds: one reader protocol, so that a new layout is one module and
reaches every command (``data inspect``, ``preprocess``, ``fit``, ``evaluate``, ``predict``,
``compare``, ``forecast``, ``experiment lstam``) without edits to the CLI.

A kind says whether a path is of its layout (``detect``, cheap: names and suffixes only) and
reads it into :class:`Recording` s (``read``). Kinds that hold what ``experiment lstam`` needs
(ambulation modes, treadmill belt speeds) also give ``read_trials``. Registered kinds:

==============  ============================================================================
siat-llmd       a SIAT-LLMD root (SubXX folders), one SubXX folder or one Data CSV file
camargo         a Camargo et al. 2021 root (ABxx/<date>/<mode>/<sensor>/<trial> tables)
manifest        a dataset manifest (.yaml): a lab's OpenSim, C3D or CSV trials
==============  ============================================================================

Usage::

    recordings = read_dataset(path, subjects=["S01"], tasks=["walk"])
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from kinemyo.errors import DataFormatError, KinemyoError

if TYPE_CHECKING:
    from kinemyo.data.camargo import CamargoDataset
    from kinemyo.data.recording import Recording

Progress = Callable[[int, int], None]


class Reader(Protocol):
    """Reads a dataset of one kind: subjects and tasks (None: all) to keep."""

    def __call__(
        self, path: Path, *, subjects: Sequence[str] | None, tasks: Sequence[str] | None
    ) -> list[Recording]: ...


class TrialsReader(Protocol):
    """Reads the trials ``experiment lstam`` runs on (Camargo-style: modes, belt speeds)."""

    def __call__(
        self, path: Path, *, subjects: Sequence[str] | None, progress: Progress | None
    ) -> CamargoDataset: ...


@dataclass(frozen=True)
class DatasetKind:
    """One layout of recordings on disk.

    Attributes:
        name: the kind's name, as messages show it.
        description: what a path of this kind is, in words.
        detect: whether a path is of this kind (cheap: looks at names, not contents).
        read: the reader (see :class:`Reader`).
        read_trials: the reader of ``experiment lstam``'s trials, when the kind has them.
    """

    name: str
    description: str
    detect: Callable[[Path], bool]
    read: Reader
    read_trials: TrialsReader | None = None


_KINDS: dict[str, DatasetKind] = {}


def register(kind: DatasetKind) -> DatasetKind:
    """Add ``kind`` to the registry (a later kind of the same name replaces it)."""
    _KINDS[kind.name] = kind
    return kind


def kinds() -> tuple[DatasetKind, ...]:
    """Every registered kind, in registration order."""
    return tuple(_KINDS.values())


def detect_kind(path: str | Path) -> DatasetKind:
    """The kind of ``path``.

    Raises:
        DataFormatError: no kind recognises it; the message lists the kinds.
        KinemyoError: several kinds recognise it.
    """
    path = Path(path)
    matched = [kind for kind in _KINDS.values() if kind.detect(path)]
    if len(matched) == 1:
        return matched[0]
    listed = "; ".join(f"{k.name}: {k.description}" for k in _KINDS.values())
    if matched:
        raise KinemyoError(
            f"{path} looks like several kinds of dataset ({', '.join(k.name for k in matched)});"
            f" give a path that is only one. Kinds: {listed}."
        )
    raise DataFormatError(
        f"not a dataset kinemyo knows. Kinds: {listed}.",
        path=path,
        hint="For your own OpenSim, C3D or CSV trials, write a manifest: kinemyo data manifest "
        "FOLDER --out manifest.yaml.",
    )


def read_dataset(
    path: str | Path,
    *,
    subjects: Sequence[str] | None = None,
    tasks: Sequence[str] | None = None,
) -> list[Recording]:
    """The recordings at ``path``, of whatever registered kind it is.

    Args:
        path: a dataset root, folder or file (see the kinds above).
        subjects: subject ids to keep; all when None.
        tasks: task, motion or mode names to keep; all when None.

    Raises:
        KinemyoError: no kind recognises ``path``, or its reader's errors.
    """
    path = Path(path)
    return detect_kind(path).read(path, subjects=subjects, tasks=tasks)


def read_experiment_trials(
    path: str | Path, *, subjects: Sequence[str] | None = None, progress: Progress | None = None
) -> CamargoDataset:
    """The trials ``experiment lstam`` runs on.

    Raises:
        KinemyoError: ``path`` is of a kind without such trials (naming the kinds that have them).
    """
    path = Path(path)
    kind = detect_kind(path)
    if kind.read_trials is None:
        able = ", ".join(k.name for k in _KINDS.values() if k.read_trials is not None)
        raise KinemyoError(
            f"{path} is a {kind.name} dataset; experiment lstam needs trials with ambulation "
            f"modes and treadmill belt speeds, which only these kinds have: {able}."
        )
    return kind.read_trials(path, subjects=subjects, progress=progress)


# ------------------------------------------------------------------ the registered kinds


def _is_siat(path: Path) -> bool:
    from kinemyo.data.siat_llmd.schema import SUBJECT_PATTERN

    if path.is_file():
        return path.name.lower().endswith((".csv", ".csv.gz"))
    if SUBJECT_PATTERN.match(path.name):
        return (path / "Data").is_dir()
    return path.is_dir() and any(
        p.is_dir() and SUBJECT_PATTERN.match(p.name) for p in path.iterdir()
    )


def _read_siat(
    path: Path, *, subjects: Sequence[str] | None, tasks: Sequence[str] | None
) -> list[Recording]:
    from kinemyo.data.siat_llmd import read_siat_llmd

    return read_siat_llmd(path, subjects=subjects, motions=tasks)


def _is_camargo(path: Path) -> bool:
    return path.is_dir() and any(
        p.is_dir() and re.fullmatch(r"AB\d+", p.name, re.IGNORECASE) for p in path.iterdir()
    )


def _camargo_trials(
    path: Path, *, subjects: Sequence[str] | None, progress: Progress | None
) -> CamargoDataset:
    from kinemyo.data.camargo import read_camargo

    return read_camargo(path, subjects=subjects, nan_moments="keep", progress=progress)


def _read_camargo(
    path: Path, *, subjects: Sequence[str] | None, tasks: Sequence[str] | None
) -> list[Recording]:
    from kinemyo.data.camargo import read_camargo
    from kinemyo.data.camargo.reader import DEFAULT_MODES

    dataset = read_camargo(path, subjects=subjects, modes=tasks or DEFAULT_MODES)
    return [trial.recording for trial in dataset.trials]


def _is_manifest(path: Path) -> bool:
    from kinemyo.data.manifest.schema import MANIFEST_SUFFIXES

    return path.is_file() and path.suffix.lower() in MANIFEST_SUFFIXES


def _read_manifest(
    path: Path, *, subjects: Sequence[str] | None, tasks: Sequence[str] | None
) -> list[Recording]:
    from kinemyo.data.manifest import read_manifest

    return read_manifest(path, subjects=subjects, tasks=tasks)


register(
    DatasetKind(
        "siat-llmd",
        "a SIAT-LLMD root (SubXX folders), a SubXX folder or one Data CSV file",
        _is_siat,
        _read_siat,
    )
)
register(
    DatasetKind(
        "camargo",
        "a Camargo et al. 2021 root (ABxx/<date>/<mode>/<sensor>/<trial>.mat|csv)",
        _is_camargo,
        _read_camargo,
        _camargo_trials,
    )
)
register(
    DatasetKind(
        "manifest",
        "a dataset manifest (.yaml) of OpenSim, C3D or CSV trials (kinemyo data manifest)",
        _is_manifest,
        _read_manifest,
    )
)
