"""Tasks of the window studies (``compare``, the seed study): one (split, model, seed) fit each.

A study lists its experiments (:class:`SplitExperiment`: the windows of some recordings, their
splits, the pipeline configuration and the models), :func:`split_tasks` makes one task per
split, model and seed, :func:`run_split_task` runs one (in any process), and :func:`model_runs`
turns the stored results back into :class:`~kinemyo.experiment.ModelRun` objects and score rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kinemyo.config import PipelineConfig
from kinemyo.evaluation.protocols import Split
from kinemyo.experiment import ModelRun, PreparedSplit, fit_on_split, run_model, score_runs
from kinemyo.experiments.executors import RunOutcome
from kinemyo.experiments.store import TaskResult
from kinemyo.experiments.task import Task, array_hash, seed_param, seeded, task_key
from kinemyo.signal.pipeline import SignalWindows


@dataclass(frozen=True, eq=False)
class SplitExperiment:
    """Windows of some recordings, cut and scored one way.

    Attributes:
        fingerprint: :func:`kinemyo.provenance.fingerprint` of the recordings the windows come
            from.
        windows: their windows; splits: the train/test splits of the windows.
        config: the pipeline configuration (fitted per split on its training windows).
        models: model name -> parameters (the seed is set per task).
        tags: extra columns of every score row and part of every key, e.g. {"chain": "seed-siat"}.
    """

    fingerprint: str
    windows: SignalWindows
    splits: Sequence[Split]
    config: PipelineConfig
    models: Mapping[str, Mapping[str, Any]]
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SplitTask:
    """What a worker needs to run one task besides the shared windows and splits.

    Attributes:
        experiment, split: indices into the study's experiments and that experiment's splits.
        model, params: registry name and parameters (seed included); seed: the task's seed.
        config: the pipeline configuration; tags: the experiment's tags.
        transform: key of the split's fitted pipeline output (workers keep the last one).
    """

    experiment: int
    split: int
    model: str
    params: dict[str, Any]
    seed: int
    config: PipelineConfig
    tags: dict[str, str]
    transform: str


SharedWindows = Sequence[tuple[SignalWindows, Sequence[Split]]]
"""What every task reads: the windows and splits of each experiment, sent once per worker."""


def shared_windows(experiments: Sequence[SplitExperiment]) -> SharedWindows:
    """The data the tasks of ``experiments`` share."""
    return [(e.windows, list(e.splits)) for e in experiments]


def split_tasks(
    study: str, experiments: Sequence[SplitExperiment], seeds: Sequence[int]
) -> list[Task]:
    """One task per experiment, split, model and seed, in that order.

    The key holds the study's name, the recordings' fingerprint, the pipeline configuration, the
    split (protocol, name and the indices of its training and test windows), the model, its
    parameters with the seed set, the seed and the tags.
    """
    tasks = []
    for e, experiment in enumerate(experiments):
        config = experiment.config.model_dump(mode="json")
        for s, split in enumerate(experiment.splits):
            where = {
                "data": experiment.fingerprint,
                "config": config,
                "split": {
                    "protocol": split.protocol,
                    "name": split.name,
                    "train": array_hash(split.train),
                    "test": array_hash(split.test),
                },
            }
            transform = task_key(where)
            task_code = str(experiment.windows.task[split.test[0]])
            for name, base in experiment.models.items():
                # a model without randomness gives the same fit for every seed: fit it once
                for seed in seeds if seed_param(name) is not None else seeds[:1]:
                    params = seeded(name, base, seed)
                    key = task_key(
                        {
                            **where,
                            "study": study,
                            "model": name,
                            "params": params,
                            "seed": seed,
                            "tags": dict(experiment.tags),
                        }
                    )
                    label = " ".join(
                        [task_code, *experiment.tags.values(), split.name, name, f"seed {seed}"]
                    )
                    spec = SplitTask(
                        e,
                        s,
                        name,
                        params,
                        seed,
                        experiment.config,
                        dict(experiment.tags),
                        transform,
                    )
                    tasks.append(Task(key, label, spec))
    return tasks


_LAST_TRANSFORM: dict[str, PreparedSplit] = {}
"""The last split's pipeline output in this process: tasks of one split share it."""


def run_split_task(spec: SplitTask, shared: SharedWindows) -> TaskResult:
    """Fit the pipeline on the split's training windows (or reuse this process's last fit of
    it), fit and score the model; its result with the test windows and the fitted model."""
    windows, splits = shared[spec.experiment]
    split = splits[spec.split]
    if spec.transform not in _LAST_TRANSFORM:
        _LAST_TRANSFORM.clear()
        _LAST_TRANSFORM[spec.transform] = fit_on_split(windows, split, spec.config)
    run, model = run_model(spec.model, spec.params, split, _LAST_TRANSFORM[spec.transform])
    scores = score_runs([run]).assign(seed=spec.seed, **spec.tags)
    return TaskResult(
        prediction=run.prediction,
        scores=scores,
        fit_seconds=run.fit_seconds,
        n_parameters=run.n_parameters,
        history=run.history,
        truth=run.truth,
        model=model,
    )


def model_runs(
    experiments: Sequence[SplitExperiment], tasks: Sequence[Task], outcome: RunOutcome
) -> tuple[list[tuple[SplitTask, ModelRun]], pd.DataFrame]:
    """The finished tasks' runs (with their specs, in the tasks' order) and score rows (with
    "seed" and tag columns)."""
    runs, scores = [], []
    for task in tasks:
        result = outcome.results.get(task.key)
        if result is None:
            continue
        spec: SplitTask = task.spec
        split = experiments[spec.experiment].splits[spec.split]
        run = ModelRun(
            model=spec.model,
            split=split.name,
            protocol=split.label,
            truth=result.truth,
            prediction=result.prediction,
            fit_seconds=result.fit_seconds,
            n_parameters=result.n_parameters,
            history=result.history,
        )
        runs.append((spec, run))
        scores.append(result.scores)
    return runs, pd.concat(scores, ignore_index=True) if scores else pd.DataFrame()
