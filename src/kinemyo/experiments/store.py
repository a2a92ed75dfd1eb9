"""Where each task's result lives while a run is unfinished, and inside the run folder after.

A run's output folder (``--out``) is replaced atomically at the end (see :mod:`kinemyo.fileio`),
so the results of an unfinished run are kept beside it, in the hidden work folder
``.<name>.kinemyo-tasks`` (:func:`work_folder`), which a kill -9 leaves in place and the next run
of the same command finds. When the run ends its results move into the run folder as ``tasks/``;
a later run with the same ``--out`` starts from them, so a finished run reruns nothing and a run
with failed tasks reruns only those.

One folder per task key, written atomically (complete or absent):

- ``result.json``: label, fit seconds, parameter count, training history, the scores table, and
  the names, units and string columns of the prediction and the test windows;
- ``arrays.safetensors``: the prediction's arrays (``prediction.mean``, ...) and the test
  windows' (``truth.X``, ``truth.Y``, ...), float32/float64 as computed;
- ``model/``: the fitted model (:meth:`~kinemyo.models.base.Estimator.save`), when kept.

Everything is read back bit for bit (floats through JSON round-trip exactly), so a table built
from stored results equals one built from results just computed.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from safetensors.numpy import save_file

from kinemyo.data.windowed import Prediction, WindowedDataset
from kinemyo.fileio import atomic_directory, is_kinemyo_output
from kinemyo.models.base import Estimator
from kinemyo.saved import read_json, read_tensors
from kinemyo.training.trainer import History

WORK_SUFFIX = ".kinemyo-tasks"
"""Suffix of the hidden work folder beside ``--out`` (``.<name>.kinemyo-tasks``)."""
FINISHED_NAME = "tasks"
"""The task store's name inside a finished run folder."""
RESULT_FILE = "result.json"
ARRAYS_FILE = "arrays.safetensors"
MODEL_FOLDER = "model"

D = TypeVar("D", Prediction, WindowedDataset)


@dataclass(eq=False)
class TaskResult:
    """What one fit produced.

    Attributes:
        prediction: the model's estimate of the test windows (target units).
        scores: the study's score rows of this fit (metric, unit, value ...).
        fit_seconds: wall time of ``fit``, s; n_parameters: numbers the fitted model holds.
        history: the training history of a sequence model, else None.
        truth: the test windows the prediction is scored against, when the study keeps them.
        model: the fitted model (kept in the store as ``model/``; None when read back).
    """

    prediction: Prediction
    scores: pd.DataFrame
    fit_seconds: float
    n_parameters: int
    history: History | None = None
    truth: WindowedDataset | None = None
    model: Estimator | None = None


def work_folder(out: Path) -> Path:
    """The hidden folder beside ``out`` that holds the task results of an unfinished run."""
    return out.parent / f".{out.name}{WORK_SUFFIX}"


def _split(data: Prediction | WindowedDataset, prefix: str) -> tuple[dict, dict]:
    """(numeric arrays by "prefix.field[.key.i]", everything else by field) of a frozen
    dataclass; a mapping field (e.g. interval bounds: level -> (lower, upper)) keeps its keys."""
    arrays, rest = {}, {}
    for field in dataclasses.fields(data):
        value = getattr(data, field.name)
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            arrays[f"{prefix}.{field.name}"] = np.ascontiguousarray(value)
        elif isinstance(value, np.ndarray):
            rest[field.name] = {"dtype": value.dtype.str, "values": value.tolist()}
        elif isinstance(value, Mapping):
            keys = list(value)
            for k, key in enumerate(keys):
                for i, part in enumerate(value[key]):
                    arrays[f"{prefix}.{field.name}.{k}.{i}"] = np.ascontiguousarray(part)
            rest[field.name] = {"mapping": keys, "sizes": [len(value[key]) for key in keys]}
        else:
            rest[field.name] = list(value) if isinstance(value, tuple) else value
    return arrays, rest


def _join(cls: type[D], arrays: dict[str, np.ndarray], rest: dict, prefix: str) -> D:
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        key = f"{prefix}.{field.name}"
        stored = rest.get(field.name)
        if key in arrays:
            values[field.name] = arrays[key]
        elif isinstance(stored, dict) and "mapping" in stored:
            values[field.name] = {
                item: tuple(arrays[f"{key}.{k}.{i}"] for i in range(size))
                for k, (item, size) in enumerate(
                    zip(stored["mapping"], stored["sizes"], strict=True)
                )
            }
        elif isinstance(stored, dict):
            dtype = object if stored["dtype"].endswith("O") else stored["dtype"]
            values[field.name] = np.array(stored["values"], dtype=dtype)
        elif field.name in rest:
            values[field.name] = tuple(stored) if isinstance(stored, list) else stored
    return cls(**values)


def _table(frame: pd.DataFrame) -> dict:
    return {
        "columns": list(frame.columns),
        "data": {column: frame[column].tolist() for column in frame.columns},
    }


def _frame(table: dict) -> pd.DataFrame:
    return pd.DataFrame({column: table["data"][column] for column in table["columns"]})


class TaskStore:
    """The task results of one run, one folder per task key under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def for_output(cls, out: Path) -> TaskStore:
        """The store of the run writing ``out``: the work folder beside it (made when the first
        result is written); seeded, when that is absent, from the ``tasks/`` of a finished run
        kinemyo wrote at ``out``."""
        work = work_folder(out)
        finished = out / FINISHED_NAME
        if not work.exists() and is_kinemyo_output(out) and finished.is_dir():
            staging = work.with_name(work.name + ".copying")
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(finished, staging)
            staging.rename(work)
        return cls(work)

    def has(self, key: str) -> bool:
        """True when the task ``key`` finished and its result is complete."""
        return is_kinemyo_output(self.root / key)

    def write(self, key: str, label: str, result: TaskResult) -> None:
        """Store ``result`` of task ``key`` (atomically: complete or absent)."""
        prediction_arrays, prediction_rest = _split(result.prediction, "prediction")
        arrays = dict(prediction_arrays)
        record: dict[str, Any] = {
            "label": label,
            "fit_seconds": result.fit_seconds,
            "n_parameters": result.n_parameters,
            "history": None if result.history is None else dataclasses.asdict(result.history),
            "scores": _table(result.scores),
            "prediction": prediction_rest,
            "truth": None,
        }
        if result.truth is not None:
            truth_arrays, record["truth"] = _split(result.truth, "truth")
            arrays.update(truth_arrays)
        with atomic_directory(self.root / key) as tmp:
            (tmp / RESULT_FILE).write_text(json.dumps(record), encoding="utf-8")
            save_file(arrays, str(tmp / ARRAYS_FILE))
            if result.model is not None:
                result.model.save(tmp / MODEL_FOLDER)

    def read(self, key: str) -> TaskResult:
        """The stored result of task ``key`` (its model stays on disk, in :meth:`model_folder`)."""
        folder = self.root / key
        record = read_json(folder / RESULT_FILE)
        arrays = read_tensors(folder / ARRAYS_FILE)
        history = record["history"]
        return TaskResult(
            prediction=_join(Prediction, arrays, record["prediction"], "prediction"),
            scores=_frame(record["scores"]),
            fit_seconds=record["fit_seconds"],
            n_parameters=record["n_parameters"],
            history=None if history is None else History(**history),
            truth=None
            if record["truth"] is None
            else _join(WindowedDataset, arrays, record["truth"], "truth"),
        )

    def model_folder(self, key: str) -> Path:
        """Where the fitted model of task ``key`` is saved."""
        return self.root / key / MODEL_FOLDER

    def move_into(self, folder: Path, keys: Iterable[str]) -> None:
        """Move the store into ``folder`` / ``tasks``, keeping only the results of ``keys`` (the
        tasks of the run that ends; results of other configurations are dropped)."""
        wanted = set(keys)
        self.root.mkdir(parents=True, exist_ok=True)
        for entry in self.root.iterdir():
            if entry.name not in wanted:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        self.root.rename(folder / FINISHED_NAME)
        self.root = folder / FINISHED_NAME
