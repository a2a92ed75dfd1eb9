"""SIAT-style recordings that hold several tasks: one Recording per task chunk.

- A calibration file has a ``label`` column (the task code of each row): the reader makes it the
  labels (Status = task, Group = chunk) and :func:`split_tasks` cuts the recording at every
  change of task.
- A session file has no labels; a truth table beside it names its chunks:
  ``task,start_sample,end_sample[,start_s,end_s]`` with 0-based samples, ``end_sample``
  excluded (as ``siat_llmd_semg_Sub10_truth.csv``). :func:`read_siat_session` cuts the recording
  there.

Each chunk is a Recording with ``meta.task`` = its task code and ``meta.trial`` = its 1-based
chunk number, so protocols that split by task or trial see each chunk as its own trial.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from kinemyo.data.csv_table import check_columns, read_header, read_table
from kinemyo.data.limits import CSV_TABLE, SIAT_CSV
from kinemyo.data.recording import Recording
from kinemyo.data.siat_llmd import schema
from kinemyo.data.siat_llmd.reader import ReadOptions, read_trial_file
from kinemyo.errors import DataFormatError

TRUTH_COLUMNS = ("task", "start_sample", "end_sample")
"""The columns a truth table must have (``start_s`` and ``end_s`` may follow; not used)."""


def _chunk(recording: Recording, rows: slice, task: str, number: int) -> Recording:
    part = recording.rows(rows)
    meta = dataclasses.replace(recording.meta, task=task, trial=str(number))
    return dataclasses.replace(part, meta=meta)


def split_tasks(recording: Recording) -> list[Recording]:
    """One Recording per contiguous chunk of one Status (task code), in time order.

    Raises:
        DataFormatError: the recording has no labels.
    """
    if recording.labels is None:
        raise DataFormatError(
            "has no task labels to split by (no 'label' column).", path=recording.meta.source
        )
    status = recording.labels.status
    starts = np.flatnonzero(np.r_[True, status[1:] != status[:-1]])
    ends = np.r_[starts[1:], status.size]
    return [
        _chunk(recording, slice(int(a), int(b)), str(status[a]), k + 1)
        for k, (a, b) in enumerate(zip(starts, ends, strict=True))
    ]


def read_truth_table(path: str | Path) -> list[tuple[str, int, int]]:
    """(task, start_sample, end_sample) of every row of a truth table.

    Raises:
        DataFormatError: a missing column, a start not below its end, or a negative start.
    """
    path = Path(path)
    header = read_header(path, CSV_TABLE)
    check_columns(path, [c for c in header if c in TRUTH_COLUMNS], TRUTH_COLUMNS)
    columns = read_table(path, {"task": str, "start_sample": np.float64, "end_sample": np.float64})
    rows = []
    for k, (task, start, end) in enumerate(
        zip(columns["task"], columns["start_sample"], columns["end_sample"], strict=True)
    ):
        if not (0 <= start < end) or start != int(start) or end != int(end):
            raise DataFormatError(
                f"row {k + 2}: start_sample {start:g} and end_sample {end:g} must be whole "
                "numbers with 0 <= start < end.",
                path=path,
            )
        rows.append((str(task), int(start), int(end)))
    return rows


def read_siat_session(
    path: str | Path, truth: str | Path | None = None, *, options: ReadOptions | None = None
) -> list[Recording]:
    """Read a SIAT-style file as one Recording per task chunk.

    Args:
        path: the Data (or EMG-only) CSV, optionally with a ``label`` column.
        truth: a truth table naming the file's chunks (see the module text); when None, the
            chunks of the ``label`` column, or the whole file as one Recording if it has none.
        options: read options of the SIAT reader.

    Returns:
        The chunks in the truth table's (or the file's) order.

    Raises:
        DataFormatError: as the SIAT reader, or a truth-table chunk beyond the file's samples.
    """
    recording = read_trial_file(path, options=options)
    if truth is None:
        labelled = schema.TASK_LABEL_COLUMN in read_header(path, SIAT_CSV)
        return split_tasks(recording) if labelled else [recording]
    chunks = read_truth_table(truth)
    beyond = [(task, end) for task, _, end in chunks if end > recording.n_samples]
    if beyond:
        raise DataFormatError(
            f"the truth table's chunk(s) {beyond} end beyond the file's {recording.n_samples} "
            "samples.",
            path=Path(truth),
        )
    return [
        _chunk(recording, slice(start, end), task, k + 1)
        for k, (task, start, end) in enumerate(chunks)
    ]
