"""Write Recordings in the SIAT-LLMD layout, headers byte for byte as the release has them.

Values are written with ``schema.DECIMALS`` (6) decimals, so reading the files back gives the
recordings up to that precision. Every file is written to a temporary name and then renamed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from kinemyo import units
from kinemyo.data.recording import NO_GROUP, Recording, SignalBlock
from kinemyo.data.siat_llmd import schema
from kinemyo.data.siat_llmd.subjects import write_subject_info
from kinemyo.errors import KinemyoError
from kinemyo.fileio import atomic_file

_WRITE_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="none")


def _float_array(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    rounded = np.round(values.astype(np.float64), schema.DECIMALS)
    mask = ~np.isfinite(rounded) if valid is None else ~valid | ~np.isfinite(rounded)
    return pa.array(rounded, mask=mask)


def _write_csv(path: Path, header: Sequence[str], columns: Sequence[pa.Array]) -> None:
    table = pa.table(list(columns), names=[f"c{i}" for i in range(len(columns))])
    with atomic_file(path) as tmp, tmp.open("wb") as handle:
        handle.write((",".join(header) + "\n").encode())
        pacsv.write_csv(table, handle, _WRITE_OPTIONS)


def _block_columns(block: SignalBlock | None, names: Sequence[str], what: str, rec: str) -> list:
    if block is None:
        raise KinemyoError(f"Recording {rec} has no {what}; SIAT-LLMD Data files need them.")
    missing = [n for n in names if n not in block.names]
    if missing:
        raise KinemyoError(
            f"Recording {rec}: the SIAT-LLMD layout needs {what} channels {missing}; "
            f"the recording has {list(block.names)}."
        )
    selected = block.select(names)
    valid = selected.valid
    return [
        _float_array(selected.values[:, k], None if valid is None else valid[:, k])
        for k in range(len(names))
    ]


def write_trial(path: str | Path, recording: Recording) -> None:
    """Write one recording as a SIAT-LLMD Data CSV.

    With angles and moments: the 26 columns of ``schema.DATA_COLUMNS`` (moments converted to N·m).
    Without both: the EMG-only layout ``schema.EMG_ONLY_COLUMNS``.
    """
    name = recording.meta.name
    emg = _block_columns(recording.emg, schema.MUSCLES, "EMG", name)
    columns = [_float_array(recording.time)]
    if recording.angles is None and recording.moments is None:
        _write_csv(Path(path), schema.EMG_ONLY_COLUMNS, [*columns, *emg])
        return
    moments = recording.with_moment_unit(units.NEWTON_METRE).moments
    columns += _block_columns(recording.angles, schema.JOINTS, "joint angle", name)
    columns += _block_columns(moments, schema.JOINTS, "joint moment", name)
    _write_csv(Path(path), schema.DATA_COLUMNS, [*columns, *emg])


def write_labels(path: str | Path, recording: Recording) -> None:
    """Write the recording's labels as a SIAT-LLMD Label CSV (Time, Status, Group)."""
    labels = recording.labels
    if labels is None:
        raise KinemyoError(f"Recording {recording.meta.name} has no labels to write.")
    status = pa.array(labels.status.tolist(), type=pa.string())
    group = pa.array(labels.group, mask=labels.group == NO_GROUP)
    _write_csv(Path(path), schema.LABEL_COLUMNS, [_float_array(recording.time), status, group])


def write_siat_llmd(
    root: str | Path,
    recordings: Iterable[Recording],
    subjects: Iterable[schema.SubjectInfo] | None = None,
) -> list[Path]:
    """Write recordings (and the subject table) as a SIAT-LLMD tree under ``root``.

    Each recording needs ``meta.subject`` ("SubXX") and ``meta.task`` (a SIAT motion code); its
    labels, when present, go to the Labels folder.

    Returns:
        The Data files written.
    """
    root = Path(root)
    written = []
    for recording in recordings:
        subject, motion = recording.meta.subject, recording.meta.task
        if not schema.SUBJECT_PATTERN.match(subject) or motion not in schema.MOTIONS:
            raise KinemyoError(
                f"Recording {recording.meta.name}: the SIAT-LLMD layout needs a subject like "
                f"'Sub01' and one of the motion codes {', '.join(schema.MOTIONS)}."
            )
        data_file = root / schema.data_path(subject, motion)
        write_trial(data_file, recording)
        if recording.labels is not None:
            write_labels(root / schema.label_path(subject, motion), recording)
        written.append(data_file)
    if subjects is not None:
        write_subject_info(root / schema.SUBJECT_INFO_FILE, subjects)
    return written
