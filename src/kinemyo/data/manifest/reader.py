"""Read the trials of a manifest into :class:`Recording` s on the EMG clock.

Per trial: the EMG stream (its time axis must be regular: its rate is the recording's), angles and
moments aligned onto it (:mod:`.alignment`), labels from the event/label column (the label of the
last row at or before each sample, "" before the first), metadata from the manifest. What the
alignment cut is told in one :class:`~kinemyo.errors.DataWarning` per trial.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kinemyo.data.camargo.alignment import label_at
from kinemyo.data.manifest.alignment import align
from kinemyo.data.manifest.schema import Manifest, Trial, load_manifest
from kinemyo.data.manifest.streams import (
    Timed,
    read_angles,
    read_emg,
    read_label_column,
    read_moments,
)
from kinemyo.data.recording import UNLABELLED, Labels, Recording, RecordingMeta, SignalBlock
from kinemyo.data.timebase import check_time_axis
from kinemyo.errors import DataFormatError, DataWarning, KinemyoError

RATE_DECIMALS = 2
"""The EMG rate measured from its time column is rounded to 0.01 Hz, so that trials recorded at
one rate share it exactly (the pipeline needs one rate)."""


def _block(values: np.ndarray, stream: Timed) -> SignalBlock:
    return SignalBlock(values=values, names=stream.names, units=(stream.unit,) * len(stream.names))


def _labels(trial: Trial, time: np.ndarray, group: np.ndarray) -> Labels:
    status = np.full(time.size, UNLABELLED, dtype=object)
    if trial.labels is not None:
        at, words = read_label_column(
            trial.path(trial.labels), trial.labels.time_column, trial.labels.column
        )
        status = label_at(time, at, words)
    return Labels(status=np.asarray(status, dtype=str), group=group)


def read_trial(manifest: Manifest, trial: Trial) -> Recording:
    """One trial of ``manifest`` as a Recording on its EMG clock (see the module docstring).

    Raises:
        DataFormatError: a stream file that cannot be read (naming file, column and row), an
            irregular EMG time axis, or no EMG sample left after the alignment.
    """
    emg_path = trial.path(trial.emg)
    emg = read_emg(emg_path, trial.emg, manifest.emg)
    fs = round(check_time_axis(emg.time, path=emg_path, expected_fs=None), RATE_DECIMALS)
    angles = (
        None
        if trial.angles is None
        else read_angles(trial.path(trial.angles), trial.angles, manifest.settings)
    )
    moments = (
        None
        if trial.moments is None
        else read_moments(trial.path(trial.moments), trial.moments, manifest.settings)
    )
    aligned = align(emg, angles, moments)
    entry = trial.entry
    subject = manifest.subjects[entry.subject]
    meta = RecordingMeta(
        dataset=manifest.settings.dataset,
        subject=entry.subject,
        task=entry.task,
        trial=entry.trial,
        body_mass_kg=subject.body_mass_kg,
        height_m=subject.height_m,
        source=str(emg_path),
        extra={"emg": manifest.emg.kind, "manifest": str(manifest.path)},
    )
    if aligned.cuts:
        warnings.warn(
            f"{manifest.path}: trial {meta.name}: cut "
            + "; ".join(str(cut) for cut in aligned.cuts)
            + f"; {int(aligned.kept.sum())} of {emg.time.size} EMG samples kept.",
            DataWarning,
            stacklevel=2,
        )
    if not aligned.kept.any():
        raise DataFormatError(
            f"trial {meta.name}: no EMG sample ({emg.time[0]:.3f}-{emg.time[-1]:.3f} s) is left "
            "once aligned with its angles and moments; do the files share a clock?",
            path=emg_path,
        )
    time = emg.time[aligned.kept]
    return Recording(
        time=time,
        fs=fs,
        meta=meta,
        emg=_block(emg.values[aligned.kept], emg),
        angles=None if angles is None else _block(aligned.angles, angles),
        moments=None if moments is None else _block(aligned.moments, moments),
        labels=_labels(trial, time, aligned.group),
    )


def _selected(values: Sequence[str] | None, found: set[str], what: str, path: Path) -> None:
    absent = sorted(set(values or ()) - found)
    if absent:
        raise KinemyoError(
            f"{path}: no trial of {what} {absent}; the manifest has {what} {sorted(found)}."
        )


def read_manifest(
    path: str | Path,
    *,
    subjects: Sequence[str] | None = None,
    tasks: Sequence[str] | None = None,
) -> list[Recording]:
    """The trials of the manifest at ``path`` (those of ``subjects`` and ``tasks`` when given)
    as Recordings, in manifest order.

    Raises:
        DataFormatError: see :func:`~kinemyo.data.manifest.schema.load_manifest` and
            :func:`read_trial`.
        KinemyoError: a subject or task asked for that no trial has.
    """
    manifest = load_manifest(path)
    entries = [t.entry for t in manifest.trials]
    _selected(subjects, {e.subject for e in entries}, "subject(s)", manifest.path)
    _selected(tasks, {e.task for e in entries}, "task(s)", manifest.path)
    return [
        read_trial(manifest, trial)
        for trial in manifest.trials
        if (subjects is None or trial.entry.subject in subjects)
        and (tasks is None or trial.entry.task in tasks)
    ]
