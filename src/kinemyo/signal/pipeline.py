"""The configured sEMG chain, from Recordings to a WindowedDataset, fitted on training data only.

1. :meth:`SignalPipeline.window` checks the recordings and cuts them into windows that never cross
   a trial, Group or (optionally) Status boundary, with the targets of each window. Nothing is
   filtered or fitted: :class:`SignalWindows` holds the raw sEMG.
2. :meth:`SignalPipeline.fit` (or :meth:`~SignalPipeline.fit_transform`) is given the TRAINING
   windows of a protocol and learns from their samples only: the baseline and the denoising
   thresholds of the filter stage (:mod:`kinemyo.signal.conditioning`), the max-abs scale of each
   channel (both per subject or pooled, see ``fit_per``) and, if configured, the feature
   statistics.
3. :meth:`SignalPipeline.transform` filters whole recordings with the fitted values and returns
   the features of the windows asked for.

A training window is filtered from its recording's *training signal* (see
:meth:`SignalWindows.training_signals`): the samples spanned by its run of consecutive training
windows, runs joined in time order. For a chronological split that is the first part of the
trial, for a subject or task split the whole recording. So no sample outside the training
signals reaches a training window's features, through a fitted value or through a filter:
changing the test part of a trial leaves them bit for bit the same. Test windows are cut from the
whole recording, filtered with the values fitted on training data.

Usage::

    pipeline = SignalPipeline(load_config("seed-siat"))
    windows = pipeline.window(recordings)                         # raw windows and targets
    split = within_trial(windows)                                 # any protocol
    train = pipeline.fit_transform(windows.subset(split.train))   # fitted on these windows only
    test = pipeline.transform(windows.subset(split.test))
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np
from safetensors.numpy import save_file

from kinemyo import units
from kinemyo.config import FeatureConfig, PipelineConfig, config_from_dict
from kinemyo.data.limits import MODEL_JSON
from kinemyo.data.plausibility import PLAUSIBLE_ABS, implausible
from kinemyo.data.recording import Recording
from kinemyo.data.windowed import WindowedDataset
from kinemyo.errors import DataFormatError, KinemyoError
from kinemyo.fileio import atomic_directory
from kinemyo.saved import read_json, read_tensors
from kinemyo.signal import denoise, features, scalers, windows
from kinemyo.signal.conditioning import ConditioningState, condition, fit_conditioning
from kinemyo.signal.per_subject import PerSubject, prefixed

RAW_NEGATIVE_SHARE = 0.01
"""Share of negative EMG samples beyond which an envelope chain refuses a recording: an envelope
is >= 0 (a filter's undershoot leaves a few small negatives); raw sEMG is about half negative."""


def _refuse_raw_looking(rec: Recording, channels: Sequence[str]) -> None:
    """KinemyoError when a channel of ``rec`` looks raw (more than :data:`RAW_NEGATIVE_SHARE`
    of its samples negative) for a chain configured for envelopes."""
    values = rec.emg.select(channels).values
    share = (values < 0).mean(axis=0) if len(values) else np.zeros(len(channels))
    raw = [
        f"'{c}' ({100 * s:.0f}% negative)"
        for c, s in zip(channels, share, strict=True)
        if s > RAW_NEGATIVE_SHARE
    ]
    if raw:
        raise KinemyoError(
            f"Recording {rec.meta.name}: the chain is for EMG envelopes (emg: envelope), but "
            f"{', '.join(raw)} look like raw sEMG: an envelope is never negative. Use a raw "
            "chain (e.g. the kinemyo-siat preset), or rectify and low-pass the EMG first."
        )


_PER_WINDOW = ("source", "start", "rank", "subject", "task", "trial", "segment", "time")
_UNITS = {"angle": units.DEGREE}


@dataclass(frozen=True, eq=False)
class TrainingSignal:
    """The training samples of one recording and where its training windows lie in them.

    Attributes:
        source: index of the recording in :attr:`SignalWindows.signals`.
        subject: the recording's subject.
        samples: (T', C) raw sEMG: the span of each run of consecutive training windows, joined
            in time order.
        index: (n,) positions of the recording's training windows in the window set.
        offsets: (n,) first sample of each of those windows in ``samples``.
    """

    source: int
    subject: str
    samples: np.ndarray
    index: np.ndarray
    offsets: np.ndarray


@dataclass(frozen=True, eq=False)
class SignalWindows:
    """Raw EMG windows of many recordings, their targets and provenance (nothing fitted).

    Attributes:
        signals: one (T_r, C) float64 raw EMG array per recording (the configured channels), mV.
        fs: sampling rate of every recording, Hz.
        length: window length, samples; step: samples between window starts.
        channels: C channel names; joints: J joint names; quantities / units: the Q targets.
        Y: (N, J, Q) targets, or None when the recordings have no angles or moments.
        source: (N,) index into ``signals`` of each window; start: (N,) first sample.
        rank: (N,) position of the window among its recording's windows, in time order.
        subject, task, trial, segment, time: (N,) provenance; ``time`` is the window's last
            sample, s.
    """

    signals: tuple[np.ndarray, ...]
    fs: float
    length: int
    step: int
    channels: tuple[str, ...]
    joints: tuple[str, ...]
    quantities: tuple[str, ...]
    units: tuple[str, ...]
    Y: np.ndarray | None
    source: np.ndarray
    start: np.ndarray
    rank: np.ndarray
    subject: np.ndarray
    task: np.ndarray
    trial: np.ndarray
    segment: np.ndarray
    time: np.ndarray

    def __len__(self) -> int:
        return self.start.size

    @property
    def gap_windows(self) -> int:
        """Windows to drop between two parts of one trial (train and test, fit and calibration)
        so that no window of one shares a sample with a window of the other: ceil(L / S) - 1."""
        return max(0, math.ceil(self.length / self.step) - 1)

    def subset(self, index: np.ndarray | slice) -> SignalWindows:
        """The windows selected by ``index``; the signals are shared, not copied."""
        return dataclasses.replace(
            self,
            Y=None if self.Y is None else self.Y[index],
            **{name: getattr(self, name)[index] for name in _PER_WINDOW},
        )

    def by_source(self) -> list[tuple[int, np.ndarray]]:
        """(recording, positions of its windows) for every recording with windows here."""
        return [(int(s), np.flatnonzero(self.source == s)) for s in np.unique(self.source)]

    def training_signals(self) -> list[TrainingSignal]:
        """The samples these windows are allowed to be computed from, per recording.

        Windows of consecutive ``rank`` form a run; a run spans the samples from its first
        window's start to its last window's end (segment tails between its windows included).
        Runs are joined in time order. Of a chronological split this is the start of the trial
        up to the end of the last training window; of a subject or task split, the recording
        up to its last window's end; of a random split over windows, the trial without the
        samples that only test windows cover.
        """
        out = []
        for source, index in self.by_source():
            index = index[np.argsort(self.start[index], kind="stable")]
            start, rank = self.start[index], self.rank[index]
            first = np.concatenate([[True], np.diff(rank) != 1])
            run = np.cumsum(first) - 1
            run_start = start[first]
            run_end = start[np.concatenate([first[1:], [True]])] + self.length
            lengths = run_end - run_start
            joined_at = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            signal = self.signals[source]
            samples = np.concatenate([signal[a:b] for a, b in zip(run_start, run_end, strict=True)])
            out.append(
                TrainingSignal(
                    source=source,
                    subject=str(self.subject[index[0]]),
                    samples=samples,
                    index=index,
                    offsets=start - run_start[run] + joined_at[run],
                )
            )
        return out


def _named(config: PipelineConfig, first: Recording) -> PipelineConfig:
    """``config`` with empty ``channels`` / ``joints`` replaced by those of ``first``: every EMG
    channel, and the joints that its angle and moment blocks (those the targets use) share."""
    update: dict[str, tuple[str, ...]] = {}
    if not config.channels and first.emg is not None:
        update["channels"] = first.emg.names
    if not config.joints:
        blocks = {"angle": first.angles, "moment": first.moments}
        used = [blocks[q] for q in config.targets.quantities if blocks[q] is not None]
        shared = [j for j in (used[0].names if used else ()) if all(j in b.names for b in used)]
        if used and not shared:
            raise KinemyoError(
                f"joints: none given, and recording {first.meta.name}'s angles and moments share "
                f"no joint name (angles {list(first.angles.names)}, moments "
                f"{list(first.moments.names)}); name the joints in the config."
            )
        update["joints"] = tuple(shared)
    return config.model_copy(update=update) if update else config


class SignalPipeline:
    """The configured chain; see the module docstring.

    Args:
        config: the chain's settings (e.g. ``load_config("seed-siat")``).
        allow_implausible: process samples beyond the physically plausible range of their unit
            (:mod:`kinemyo.data.plausibility`) instead of refusing the recording.
    """

    def __init__(
        self, config: PipelineConfig | None = None, *, allow_implausible: bool = False
    ) -> None:
        self.config = config or PipelineConfig()
        self.allow_implausible = allow_implausible
        self.window_samples_: tuple[int, int] | None = None
        self.conditioning_: PerSubject[ConditioningState] | None = None
        self.scaler_: PerSubject[scalers.MaxAbsScaler] | None = None
        self.standardizer_: scalers.FeatureStandardizer | None = None
        self.fs_: float | None = None
        self._feature_settings_cache: tuple[FeatureConfig, features.FeatureSettings] | None = None

    # ----------------------------------------------------------------- checks
    def check(self, recordings: Sequence[Recording]) -> float:
        """Check that ``recordings`` suit the config before any work; returns their rate, Hz.

        Empty ``channels`` or ``joints`` in the config become the first recording's EMG
        channels and the joints its angles and moments share; windows given in seconds are
        resolved at the rate (``window_samples_``).

        Raises:
            KinemyoError: naming the config field or the recording and channels at fault.
        """
        if not recordings:
            raise KinemyoError("No recordings to process.")
        rates = {rec.fs for rec in recordings}
        if len(rates) > 1:
            raise KinemyoError(f"Recordings have different sampling rates {sorted(rates)} Hz.")
        fs = rates.pop()
        self.config = _named(self.config, recordings[0])
        cfg = self.config
        self.window_samples_ = cfg.window.samples(fs)
        length = self.window_samples_[0]
        nyquist = fs / 2
        if cfg.bandpass.enabled and cfg.bandpass.high >= nyquist:
            raise KinemyoError(
                f"bandpass.high={cfg.bandpass.high:g} Hz is not below the Nyquist frequency "
                f"{nyquist:g} Hz of recordings sampled at {fs:g} Hz."
            )
        if cfg.notch.enabled and cfg.notch.freq >= nyquist:
            raise KinemyoError(
                f"notch.freq={cfg.notch.freq:g} Hz is not below the Nyquist frequency "
                f"{nyquist:g} Hz."
            )
        shortest = min(recordings, key=lambda rec: rec.n_samples)
        if length > shortest.n_samples:
            raise KinemyoError(
                f"window.length={length} samples is longer than recording "
                f"{shortest.meta.name} ({shortest.n_samples} samples)."
            )
        if cfg.denoise.enabled:
            denoise.check_level(
                cfg.denoise.level,
                shortest.n_samples,
                cfg.denoise.wavelet,
                f"recording {shortest.meta.name}",
            )
        for rec in recordings:
            self._check_recording(rec)
        return fs

    def _check_recording(self, rec: Recording) -> None:
        """Refuse a recording the chain cannot use (missing channels or joints, gaps, values
        no body produces). Every check of a single recording's content belongs here, before
        any window is cut."""
        cfg = self.config
        if rec.emg is None:
            raise KinemyoError(f"Recording {rec.meta.name} has no EMG.")
        missing = [c for c in cfg.channels if c not in rec.emg.names]
        if missing:
            raise KinemyoError(
                f"Recording {rec.meta.name} lacks the EMG channel(s) the config needs: "
                f"{missing}; it has {list(rec.emg.names)}."
            )
        if rec.emg.valid is not None and not rec.emg.select(cfg.channels).valid.all():
            raise KinemyoError(
                f"Recording {rec.meta.name} has missing EMG samples; read it with "
                "nan_policy='interpolate' (short gaps) or 'error'."
            )
        for quantity, block in (("angle", rec.angles), ("moment", rec.moments)):
            if quantity not in cfg.targets.quantities or block is None:
                continue
            absent = [j for j in cfg.joints if j not in block.names]
            if absent:
                raise KinemyoError(
                    f"Recording {rec.meta.name} lacks the joint {quantity}(s) {absent}."
                )
        if cfg.emg == "envelope":
            _refuse_raw_looking(rec, cfg.channels)
        if not self.allow_implausible:
            self._refuse_implausible(rec)

    def _refuse_implausible(self, rec: Recording) -> None:
        cfg = self.config
        used = [("EMG", rec.emg.select(cfg.channels))]
        for quantity, block in (("angle", rec.angles), ("moment", rec.moments)):
            if quantity in cfg.targets.quantities and block is not None:
                used.append((f"joint {quantity}", block.select(cfg.joints)))
        found = []
        for kind, block in used:
            unit_of = dict(zip(block.names, block.units, strict=True))
            found += [
                f"{kind} '{f.channel}' row {f.row}: {f.value:.6g} {unit_of[f.channel]} "
                f"(plausible |x| <= {PLAUSIBLE_ABS[unit_of[f.channel]]:g})"
                for f in implausible(block.values, block.units, block.names)
            ]
        if found:
            raise KinemyoError(
                f"Recording {rec.meta.name} ({rec.meta.source or 'not from a file'}) has values "
                f"no body produces: {'; '.join(found)}. A corrupt cell or a wrong unit? Fix the "
                "file, or pass --allow-implausible (allow_implausible=True) to process it anyway."
            )

    # ---------------------------------------------------------------- windows
    def window(
        self,
        recordings: Sequence[Recording],
        progress: Callable[[int, int], None] | None = None,
    ) -> SignalWindows:
        """Check every recording and cut its windows; targets per window (nothing fitted)."""
        fs = self.check(recordings)
        cfg = self.config
        signals, parts = [], []
        for r, rec in enumerate(recordings):
            signals.append(np.asarray(rec.emg.select(cfg.channels).values, dtype=np.float64))
            parts.append(self._windows_of(rec, r))
            if progress is not None:
                progress(r + 1, len(recordings))
        has_targets = [p["Y"] is not None for p in parts]
        if any(has_targets) and not all(has_targets):
            lacking = [
                rec.meta.name for rec, ok in zip(recordings, has_targets, strict=True) if not ok
            ]
            raise KinemyoError(
                f"Recordings {lacking} have no joint angles or moments; the "
                "others do. Process EMG-only recordings separately."
            )
        return SignalWindows(
            signals=tuple(signals),
            fs=fs,
            length=self.window_samples_[0],
            step=self.window_samples_[1],
            channels=cfg.channels,
            joints=cfg.joints,
            quantities=cfg.targets.quantities,
            units=tuple(_UNITS.get(q, cfg.targets.moment_unit) for q in cfg.targets.quantities),
            Y=np.concatenate([p["Y"] for p in parts]) if all(has_targets) else None,
            **{name: np.concatenate([p[name] for p in parts]) for name in _PER_WINDOW},
        )

    def _windows_of(self, rec: Recording, source: int) -> dict[str, np.ndarray | None]:
        cfg = self.config
        boundaries = []
        if rec.labels is not None:
            boundaries.append(rec.labels.group)
            if cfg.window.split_on_status:
                boundaries.append(rec.labels.status)
        segments = windows.segment_ids(rec.n_samples, *boundaries)
        length, step = self.window_samples_
        starts = windows.window_starts(segments, length=length, step=step)
        last = starts + length - 1
        n = starts.size
        return {
            "Y": self._targets(rec, starts),
            "source": np.full(n, source),
            "start": starts,
            "rank": np.arange(n),
            "subject": np.full(n, rec.meta.subject, dtype=object),
            "task": np.full(n, rec.meta.task or "", dtype=object),
            "trial": np.full(n, rec.meta.name, dtype=object),
            "segment": segments[last] if n else np.zeros(0, int),
            "time": rec.time[last],
        }

    def _targets(self, rec: Recording, starts: np.ndarray) -> np.ndarray | None:
        cfg = self.config
        length = self.window_samples_[0]
        if rec.angles is None and rec.moments is None:
            return None
        rec = rec.with_moment_unit(cfg.targets.moment_unit)
        blocks = {"angle": rec.angles, "moment": rec.moments}
        columns = []
        for quantity in cfg.targets.quantities:
            block = blocks[quantity]
            if block is None:
                raise KinemyoError(f"Recording {rec.meta.name} has no joint {quantity}s.")
            values = block.select(cfg.joints).values
            if cfg.targets.at == "last":
                columns.append(values[starts + length - 1])
            else:
                cumulative = np.vstack(
                    [np.zeros((1, values.shape[1])), np.cumsum(values, axis=0, dtype=np.float64)]
                )
                total = cumulative[starts + length] - cumulative[starts]
                columns.append((total / length).astype(np.float32))
        return np.stack(columns, axis=-1)

    # ------------------------------------------------------------ fitted part
    def fit(self, data: SignalWindows) -> Self:
        """Learn every fitted value from ``data`` (training windows only; see the module)."""
        self._fit(data)
        return self

    def fit_transform(self, data: SignalWindows) -> WindowedDataset:
        """:meth:`fit` on ``data`` and its features, each window computed from its recording's
        training signal (unlike ``transform``, which filters whole recordings)."""
        return self._dataset(data, self._fit(data))

    def transform(self, data: SignalWindows) -> WindowedDataset:
        """Features (standardised if configured) and targets of ``data``'s windows, cut from
        whole recordings filtered with the fitted values."""
        if self.conditioning_ is None:
            raise KinemyoError("The pipeline is not fitted: call fit on training windows first.")
        X = np.empty((len(data), len(data.channels), len(self.config.features.names)), np.float32)
        for source, index in data.by_source():
            subject = str(data.subject[index[0]])
            filtered = self._condition(data.signals[source], subject, data.fs)
            cut = windows.sliding_windows(filtered, data.start[index], data.length)
            X[index] = self._features(cut, subject, data.fs)
        return self._dataset(data, X)

    def _fit(self, data: SignalWindows) -> np.ndarray:
        """Fit on ``data`` and return its (N, C, F) features before standardisation."""
        if len(data) == 0:
            raise KinemyoError("Cannot fit the pipeline on zero windows.")
        cfg = self.config
        self.fs_ = data.fs
        per_subject = cfg.fit_per == "subject"
        training = data.training_signals()
        samples = defaultdict(list)
        for part in training:
            samples[part.subject].append(part.samples)
        self.conditioning_ = PerSubject.fit(
            samples, lambda signals: fit_conditioning(signals, cfg), per_subject
        )
        self.scaler_ = None
        cut = [
            windows.sliding_windows(
                self._condition(part.samples, part.subject, data.fs), part.offsets, data.length
            )
            for part in training
        ]
        if cfg.normalise == "maxabs":
            peaks = defaultdict(list)
            for part, emg in zip(training, cut, strict=True):
                peaks[part.subject].append(np.abs(emg).max(axis=(0, 1))[None])
            self.scaler_ = PerSubject.fit(
                peaks, lambda arrays: scalers.MaxAbsScaler().fit(arrays), per_subject
            )
        X = np.empty((len(data), len(data.channels), len(cfg.features.names)), np.float32)
        for part, emg in zip(training, cut, strict=True):
            X[part.index] = self._features(emg, part.subject, data.fs)
        self.standardizer_ = (
            scalers.FeatureStandardizer().fit(X) if cfg.features.standardise else None
        )
        return X

    def _condition(self, x: np.ndarray, subject: str, fs: float) -> np.ndarray:
        return condition(x, self.conditioning_[subject], self.config, fs)

    def window_features(self, filtered: np.ndarray, subject: str | None, fs: float) -> np.ndarray:
        """The (n, C, F) float32 features of filtered (n, L, C) windows of ``subject`` (None:
        the values fitted on all subjects pooled), as :meth:`transform` gives them (max-abs
        scaled and standardised when configured); what a streaming estimator computes on each
        completed window."""
        X = self._features(filtered, subject, fs)
        if self.standardizer_ is not None:
            X = self.standardizer_.transform(X)
        return X.astype(np.float32, copy=False)

    def _features(self, emg: np.ndarray, subject: str | None, fs: float) -> np.ndarray:
        """(n, C, F) features of filtered (n, L, C) windows of ``subject`` (max-abs scaled when
        configured)."""
        if self.scaler_ is not None:
            emg = self.scaler_[subject].transform(emg)
        return features.compute_features(
            emg, self.config.features.names, self._feature_settings(fs)
        )

    def _feature_settings(self, fs: float) -> features.FeatureSettings:
        """The config's feature thresholds at ``fs``, built once per features block and rate
        (not per recording or streamed window)."""
        cfg = self.config.features
        cached = self._feature_settings_cache
        if cached is None or cached[0] is not cfg or cached[1].fs != fs:
            settings = features.FeatureSettings(
                fs=fs,
                zc_offset=cfg.zc_offset,
                zc_deadband=cfg.zc_deadband,
                ssc_threshold=cfg.ssc_threshold,
                wamp_threshold=cfg.wamp_threshold,
            )
            cached = self._feature_settings_cache = (cfg, settings)
        return cached[1]

    def _dataset(self, data: SignalWindows, X: np.ndarray) -> WindowedDataset:
        if self.standardizer_ is not None:
            X = self.standardizer_.transform(X)
        return WindowedDataset(
            X=X,
            Y=data.Y,
            channels=data.channels,
            features=self.config.features.names,
            joints=data.joints,
            quantities=data.quantities,
            units=data.units,
            subject=data.subject.astype(str),
            task=data.task.astype(str),
            trial=data.trial.astype(str),
            segment=data.segment,
            time=data.time,
        )

    # ----------------------------------------------------------- persistence
    def save(self, directory: str | Path) -> None:
        """Write ``pipeline.json`` (config, fitted subjects) and ``scalers.safetensors`` (every
        fitted array)."""
        if self.conditioning_ is None:
            raise KinemyoError("The pipeline is not fitted: there is nothing to save.")
        subjects = sorted(self.conditioning_.subjects)
        fitted = {"conditioning": self.conditioning_, "maxabs": self.scaler_}
        arrays = {
            f"{name}.{k}": v
            for name, values in fitted.items()
            if values is not None
            for k, v in values.state(subjects).items()
        }
        if self.standardizer_ is not None:
            arrays.update({f"standardizer.{k}": v for k, v in self.standardizer_.state().items()})
        meta = {
            "config": self.config.model_dump(mode="json"),
            "subjects": subjects,
            "fs": self.fs_,
        }
        with atomic_directory(directory) as tmp:
            (tmp / "pipeline.json").write_text(json.dumps(meta, indent=2))
            save_file(arrays, str(tmp / "scalers.safetensors"))

    @classmethod
    def load(cls, directory: str | Path) -> Self:
        """A fitted pipeline from :meth:`save`'s files.

        Raises:
            DataFormatError: a file is missing, damaged, or was not written by this version of
                kinemyo (naming the file).
        """
        folder = Path(directory)
        meta_file, arrays_file = folder / "pipeline.json", folder / "scalers.safetensors"
        for path in (meta_file, arrays_file):
            if not path.is_file():
                raise DataFormatError("missing; this is not a saved kinemyo pipeline.", path=path)
        refit = "Fit the pipeline and save it again (kinemyo fit does both)."
        meta = read_json(meta_file, MODEL_JSON)
        arrays = read_tensors(arrays_file)
        subjects = meta.get("subjects")
        if not (
            isinstance(meta.get("config"), dict)
            and isinstance(subjects, list)
            and all(isinstance(subject, str) for subject in subjects)
        ):
            raise DataFormatError("needs a config and a list of subjects.", path=meta_file)
        pipeline = cls(config_from_dict(meta["config"], str(meta_file)))
        fs = meta.get("fs")  # absent from pipelines saved before streaming came
        if fs is not None and not (isinstance(fs, int | float) and math.isfinite(fs) and fs > 0):
            raise DataFormatError(f"fs={fs!r} is not a sampling rate in Hz.", path=meta_file)
        pipeline.fs_ = None if fs is None else float(fs)
        cfg = pipeline.config
        try:
            pipeline.conditioning_ = PerSubject.from_state(
                prefixed(arrays, "conditioning"), subjects, ConditioningState.from_state
            )
            if cfg.normalise == "maxabs":
                pipeline.scaler_ = PerSubject.from_state(
                    prefixed(arrays, "maxabs"), subjects, scalers.MaxAbsScaler.from_state
                )
            if cfg.features.standardise:
                pipeline.standardizer_ = scalers.FeatureStandardizer.from_state(
                    prefixed(arrays, "standardizer")
                )
            pipeline._check_fitted_shapes()
        except KinemyoError as error:
            raise DataFormatError(
                f"fitted values do not fit the config ({error}).", path=arrays_file, hint=refit
            ) from None
        return pipeline

    def _check_fitted_shapes(self) -> None:
        """Refuse fitted arrays whose shapes disagree with the config's channels, wavelet level
        and features."""
        cfg = self.config
        channels, levels = len(cfg.channels), cfg.denoise.level if cfg.denoise.enabled else 0
        fitted = [self.conditioning_.pooled, *self.conditioning_.subjects.values()]
        if any(
            s.offset.shape != (channels,) or s.thresholds.shape != (levels, channels)
            for s in fitted
        ):
            raise KinemyoError(
                f"conditioning arrays are not ({channels},) and ({levels}, {channels})"
            )
        if self.scaler_ is not None:
            scales = [self.scaler_.pooled, *self.scaler_.subjects.values()]
            if any(scale.state()["scale"].shape != (channels,) for scale in scales):
                raise KinemyoError(f"max-abs scales are not ({channels},)")
        shape = (channels, len(cfg.features.names))
        if self.standardizer_ is not None and self.standardizer_.state()["mean"].shape != shape:
            raise KinemyoError(f"feature statistics are not {shape}")
