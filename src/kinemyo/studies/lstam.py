"""The LSTAM hip-moment experiment: one treadmill trial trains, every other trial tests.

Protocol (Xiong et al., Sci Rep 16, 13835, 2026, intra-subject cross-trial): for each subject,
every model is fitted on ONE treadmill trial (4 speed plateaus; ``treadmill_01_01`` by default)
and tested on all the subject's other trials: the other treadmill speeds, level ground at three
speeds and ramps up and down at several inclines. Inputs are the EMG envelopes and joint angles
of each frame, targets the hip flexion and adduction moments. Input and target scaling are fitted
on the training trial; early stopping uses the end of the training trial (never a test trial).

Models: LSTAM, its three ablations (``no_fft``, ``no_autoencoder``, ``no_attention``) and the
baselines LSTM, TCN, Transformer and a feed-forward network, all on the same frames with the same
training budget. Scores: RMSE (N·m and N·m/kg), R2 and VAF per subject, pooled over the test
frames with measured moments, overall and per condition; mean ± sd across subjects; paired
Wilcoxon signed-rank tests of LSTAM against every other model across subjects, Holm-corrected
per metric and joint (:mod:`kinemyo.evaluation.statistics`).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from kinemyo.data.camargo.reader import CamargoDataset, CamargoTrial
from kinemyo.data.windowed import Prediction, WindowedDataset, level_name
from kinemyo.errors import KinemyoError
from kinemyo.evaluation.metrics import coverage, r2, rmse, vaf
from kinemyo.experiment import fit_model
from kinemyo.experiments.executors import Execution, failure_list, run_tasks
from kinemyo.experiments.progress import TaskProgress
from kinemyo.experiments.store import TaskResult, TaskStore
from kinemyo.experiments.task import Task, seeded, task_key
from kinemyo.provenance import fingerprint
from kinemyo.settings import Seed, settings
from kinemyo.studies.hip_frames import TrialFrames, trial_frames
from kinemyo.studies.lstam_models import (
    MAX_EPOCHS,
    MAX_EVERY,
    MAX_HIDDEN,
    MAX_WINDOW,
    MODELS,
    REFERENCE,
)
from kinemyo.training.trainer import History

PAPER = {
    "hip flexion": {"rmse": (8.04, 2.27), "r2": (0.908, 0.029), "vaf": (90.7, 2.2)},
    "hip adduction": {"rmse": (5.56, 2.01), "r2": (0.922, 0.030), "vaf": (92.7, 2.6)},
}
"""LSTAM's published results (14 real subjects, intra-subject cross-trial; RMSE unit not stated,
likely N·m; VAF given as a fraction there, in % here)."""


Label = Literal[tuple(MODELS)]
"""A label of :data:`MODELS`."""


@settings
class ExperimentConfig:
    """How the experiment trains and scores.

    Attributes:
        train_trial: the treadmill trial each subject trains on (matched case-insensitively).
        every: keep every ``every``-th 200 Hz frame (2: 100 Hz model rate).
        models: labels of :data:`MODELS` to run; "lstam" is required (the reference).
        hidden, layers, sequence_length, epochs, batch_size, learning_rate, patience,
            validation_fraction, seed: the training budget every model shares.
        window: frames in LSTAM's frequency-transform window and in the FFN's input window.

    Test frames are predicted in chunks of ``sequence_length`` frames every
    ``sequence_length // 2``, so every prediction has at least half a sequence of context (the
    run's start aside) and LSTAM's window is always full.

    Raises:
        KinemyoError: a value of the wrong type or out of range, naming the field.
    """

    train_trial: str = "treadmill_01_01"
    every: Annotated[int, Field(ge=1, le=MAX_EVERY)] = 2
    models: Annotated[tuple[Label, ...], Field(strict=False)] = tuple(MODELS)
    hidden: Annotated[int, Field(ge=1, le=MAX_HIDDEN)] = 64
    layers: Annotated[int, Field(ge=1, le=64)] = 2
    sequence_length: Annotated[int, Field(ge=1, le=100_000)] = 64
    epochs: Annotated[int, Field(ge=1, le=MAX_EPOCHS)] = 60
    batch_size: Annotated[int, Field(ge=1, le=65_536)] = 16
    learning_rate: Annotated[float, Field(gt=0, le=1)] = 3e-3
    patience: Annotated[int, Field(ge=0)] = 10
    validation_fraction: Annotated[float, Field(ge=0, lt=1)] = 0.15
    seed: Seed = 0
    window: Annotated[int, Field(ge=2, le=MAX_WINDOW)] = 32

    def __post_init__(self) -> None:
        if REFERENCE not in self.models:
            raise ValueError(
                f"'models' must include '{REFERENCE}': the experiment compares against it"
            )

    def model_params(self, label: str) -> tuple[str, dict[str, Any]]:
        """(registry name, constructor parameters) of model ``label``."""
        name, options = MODELS[label]
        options = dict(options)
        if name in ("lstam", "ffn"):
            options["window"] = self.window
        params = {
            "hidden": self.hidden,
            "layers": self.layers,
            "sequence_length": self.sequence_length,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "patience": self.patience,
            "validation_fraction": self.validation_fraction,
            "prediction_stride": max(1, self.sequence_length // 2),
            "seed": self.seed,
            "options": options,
        }
        return name, params


@dataclass(eq=False)
class SubjectRun:
    """What one model did for one subject with one seed: test predictions, training cost,
    history."""

    subject: str
    model: str
    seed: int
    prediction: Prediction
    fit_seconds: float
    n_parameters: int
    history: History | None


@dataclass(eq=False)
class ExperimentResult:
    """Everything the report needs.

    Attributes:
        scores: long table: subject, model, scope ("all", "group", "condition"), condition,
            joint, metric, unit, value.
        runs: per subject, model and seed, the fit time, parameter count and history.
        traces: the first subject's test frames and every model's predictions of them (first
            seed).
        subjects: subjects run; seeds: the seeds every fit ran with (the first is the one
            traces and training curves show); skipped: subject -> why it was skipped.
        failures: label -> error of every task that failed; tasks: "total" and "skipped"
            (finished by an earlier run) task counts.
        store: the task store to move into the run folder, and the keys of this run's tasks.
    """

    scores: pd.DataFrame
    runs: list[SubjectRun]
    traces: tuple[TrialFrames, dict[str, Prediction]] | None
    subjects: list[str]
    seeds: list[int]
    skipped: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    tasks: dict[str, int] = field(default_factory=dict)
    store: TaskStore | None = None
    keys: list[str] = field(default_factory=list)


def _concatenate(frames: Sequence[TrialFrames]) -> TrialFrames:
    return TrialFrames(
        data=WindowedDataset.concatenate([f.data for f in frames]),
        valid=np.concatenate([f.valid for f in frames]),
        condition=np.concatenate([f.condition for f in frames]),
        group=np.concatenate([f.group for f in frames]),
        mass_kg=frames[0].mass_kg,
    )


def score_frames(frames: TrialFrames, prediction: Prediction) -> pd.DataFrame:
    """RMSE (N·m, N·m/kg), R2, VAF and the coverage (%) of every calibrated interval level
    ("coverage_90", ...) of ``prediction`` on the valid frames, overall, per coarse group and per
    fine condition; one row per scope, condition, joint and metric."""
    truth = frames.data.Y[:, :, 0].astype(np.float64)
    estimate = prediction.mean[:, :, 0].astype(np.float64)
    scopes = [("all", np.full(len(truth), "all", dtype=object))]
    scopes += [("group", frames.group), ("condition", frames.condition)]
    rows = []
    for scope, labels in scopes:
        for label in sorted(set(labels[frames.valid])):
            here = frames.valid & (labels == label)
            if here.sum() < 2:
                continue
            values = {
                ("rmse", "N·m"): rmse(truth[here], estimate[here]),
                ("rmse", "N·m/kg"): rmse(truth[here], estimate[here]) / frames.mass_kg,
                ("r2", ""): r2(truth[here], estimate[here]),
                ("vaf", "%"): vaf(truth[here], estimate[here]),
            }
            for level, (lower, upper) in sorted(prediction.bounds.items(), reverse=True):
                values[(f"coverage_{level_name(level)}", "%")] = coverage(
                    truth[here], lower[here, :, 0], upper[here, :, 0]
                )
            for (metric, unit), per_joint in values.items():
                for joint, value in zip(frames.data.joints, per_joint, strict=True):
                    rows.append(
                        {
                            "scope": scope,
                            "condition": label,
                            "joint": joint,
                            "metric": metric,
                            "unit": unit,
                            "value": float(value),
                            "frames": int(here.sum()),
                        }
                    )
    return pd.DataFrame(rows)


class SubjectSkippedError(KinemyoError):
    """A subject lacks the training trial or any test trial; the experiment goes on without it."""


def _split_subject(
    trials: Sequence[CamargoTrial], train_trial: str
) -> tuple[CamargoTrial, list[CamargoTrial]]:
    wanted = train_trial.lower()
    train = [t for t in trials if t.name.key == wanted]
    if not train:
        treadmill = sorted(t.name.stem for t in trials if t.name.mode == "treadmill")
        raise SubjectSkippedError(
            f"no training trial '{train_trial}' (treadmill trials found: {treadmill or 'none'})"
        )
    tests = [t for t in trials if t is not train[0]]
    if not tests:
        raise SubjectSkippedError("no other trial to test on")
    return train[0], tests


@dataclass(frozen=True)
class LstamTask:
    """One fit of the experiment: model ``label`` (registry ``name``, ``params`` with the seed)
    for ``subject`` with ``seed``."""

    subject: str
    label: str
    name: str
    params: dict[str, Any]
    seed: int


SubjectFrames = dict[str, tuple[WindowedDataset, TrialFrames]]
"""Per subject, the training frames (valid ones only) and the test frames: what tasks share."""


def run_lstam_task(spec: LstamTask, shared: SubjectFrames) -> TaskResult:
    """Fit one model on the subject's training trial, predict and score its other trials."""
    train, test = shared[spec.subject]
    model, seconds = fit_model(spec.name, spec.params, train)
    prediction = model.predict(test.data)
    scores = score_frames(test, prediction).assign(
        subject=spec.subject, model=spec.label, seed=spec.seed
    )
    return TaskResult(
        prediction=prediction,
        scores=scores,
        fit_seconds=seconds,
        n_parameters=model.n_parameters(),
        history=getattr(model, "history_", None),
        model=model,
    )


def _subject_frames(
    trials: Sequence[CamargoTrial], config: ExperimentConfig
) -> tuple[WindowedDataset, TrialFrames]:
    train_trial, test_trials = _split_subject(trials, config.train_trial)
    train = trial_frames(train_trial, config.every)
    test = _concatenate([trial_frames(t, config.every) for t in test_trials])
    return train.data.subset(train.valid), test


def lstam_tasks(
    config: ExperimentConfig,
    trials_by_subject: dict[str, list[CamargoTrial]],
    seeds: Sequence[int],
) -> list[Task]:
    """One task per subject, model and seed. The key holds the fingerprint of the subject's
    trials, the training trial, the frame rate, the model and its parameters (seed set)."""
    tasks = []
    for subject, trials in trials_by_subject.items():
        data = fingerprint([t.recording for t in trials])
        for label in config.models:
            name, base = config.model_params(label)
            for seed in seeds:
                params = seeded(name, base, seed)
                parts = {
                    "study": "lstam",
                    "data": data,
                    "train_trial": config.train_trial,
                    "every": config.every,
                    "model": name,
                    "label": label,
                    "params": params,
                    "seed": seed,
                }
                spec = LstamTask(subject, label, name, params, seed)
                tasks.append(Task(task_key(parts), f"{subject} {label} seed {seed}", spec))
    return tasks


def run_experiment(
    dataset: CamargoDataset,
    config: ExperimentConfig,
    *,
    seeds: Sequence[int] | None = None,
    execution: Execution | None = None,
    store: TaskStore | None = None,
    progress: TaskProgress | None = None,
) -> ExperimentResult:
    """Run the cross-trial protocol for every subject of ``dataset`` with its training trial.

    Every (subject, model, seed) fit is one task (see :mod:`kinemyo.experiments`). A subject
    without the training trial or without test trials is skipped and listed.

    Args:
        dataset: the Camargo trials.
        config: the experiment's settings.
        seeds: every fit is repeated with each (default: ``config.seed``).
        execution: where tasks run (default: one after another in this process).
        store: where task results are kept and found again (default: a temporary folder).
        progress: told the task counts after each change.

    Raises:
        KinemyoError: no subject could be run, or every task failed.
    """
    by_subject: dict[str, list[CamargoTrial]] = {}
    for trial in dataset.trials:
        by_subject.setdefault(trial.recording.meta.subject, []).append(trial)
    frames, skipped = {}, {}
    for subject, trials in sorted(by_subject.items()):
        try:
            frames[subject] = _subject_frames(trials, config)
        except SubjectSkippedError as reason:
            skipped[subject] = str(reason)
    if not frames:
        raise KinemyoError(
            "No subject could be run: "
            + "; ".join(f"{s}: {why}" for s, why in skipped.items())
            + "."
        )
    seeds = list(seeds or (config.seed,))
    tasks = lstam_tasks(config, {s: by_subject[s] for s in frames}, seeds)
    with contextlib.ExitStack() as stack:
        used = store or TaskStore(Path(stack.enter_context(tempfile.TemporaryDirectory())))
        outcome = run_tasks(tasks, run_lstam_task, frames, used, execution, progress)
    if not outcome.results:
        raise KinemyoError(f"Every task failed: {failure_list(outcome.failures)}")
    runs, scores = [], []
    for task in tasks:
        if task.key not in outcome.results:
            continue
        result, spec = outcome.results[task.key], task.spec
        runs.append(
            SubjectRun(
                spec.subject,
                spec.label,
                spec.seed,
                result.prediction,
                result.fit_seconds,
                result.n_parameters,
                result.history,
            )
        )
        scores.append(result.scores)
    done = [subject for subject in frames if any(run.subject == subject for run in runs)]
    first = [run for run in runs if run.subject == done[0] and run.seed == seeds[0]]
    traces = (frames[done[0]][1], {run.model: run.prediction for run in first})
    return ExperimentResult(
        pd.concat(scores, ignore_index=True),
        runs,
        traces,
        done,
        seeds,
        skipped,
        failures=outcome.failures,
        tasks={"total": len(tasks), "skipped": outcome.skipped},
        store=store,
        keys=[task.key for task in tasks],
    )


def describe(
    config: ExperimentConfig,
    dataset: CamargoDataset,
    command: str,
    seeds: Sequence[int] | None = None,
) -> dict:
    """The run's record for run.json: command, config, models with parameters, the seeds every
    fit ran with (default: ``config.seed``), data."""
    return {
        "command": command,
        "config": {k: v for k, v in config.__dict__.items() if k != "models"},
        "models": {label: config.model_params(label) for label in config.models},
        "seeds": list(seeds or (config.seed,)),
        "data": str(dataset.root),
        "trials": len(dataset.trials),
        "missing": [str(item) for item in dataset.missing],
    }
