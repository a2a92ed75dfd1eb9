"""The configured sEMG chain, from Recordings to a WindowedDataset, fitted on training data only.

Two parts:

1. Stateless, per recording: baseline correction -> wavelet-packet denoising -> [notch] ->
   Butterworth band-pass, then windows that never cross a trial, Group or (optionally) Status
   boundary, and the targets of each window. :meth:`SignalPipeline.window` does this and returns
   :class:`SignalWindows`. Filtered signals are cached on disk, keyed by the hash of the filter
   configuration and of the recording's samples, so a second run skips the filtering.
2. Fitted: per-channel max-abs normalisation and per-feature standardisation. :meth:`fit` learns
   them from the windows it is given (the training windows of a protocol, nothing else);
   :meth:`transform` applies them and computes the features of any windows.

Usage::

    pipeline = SignalPipeline(load_config("seed-siat"))
    windows = pipeline.window(recordings)              # stateless
    split = within_trial(windows)                       # any protocol
    pipeline.fit(windows.subset(split.train))           # training windows only
    data = pipeline.transform(windows)                  # WindowedDataset, N x C x F
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np
import pywt
from safetensors.numpy import load_file, save_file

from kinemyo import units
from kinemyo.config import PipelineConfig, config_from_dict
from kinemyo.data.recording import Recording
from kinemyo.data.table_cache import default_cache_dir, prune_folder
from kinemyo.data.windowed import WindowedDataset
from kinemyo.errors import KinemyoError
from kinemyo.fileio import atomic_directory, atomic_file
from kinemyo.signal import denoise, features, filters, scalers, windows

_PER_WINDOW = ("source", "start", "subject", "task", "trial", "segment", "time")
_UNITS = {"angle": units.DEGREE}


@dataclass(frozen=True, eq=False)
class SignalWindows:
    """Filtered EMG windows of many recordings, their targets and provenance (not normalised).

    Attributes:
        signals: one (T_r, C) float32 filtered EMG array per recording.
        fs: sampling rate of every recording, Hz.
        length: window length, samples.
        channels: C channel names; joints: J joint names; quantities / units: the Q targets.
        Y: (N, J, Q) targets, or None when the recordings have no angles or moments.
        source: (N,) index into ``signals`` of each window; start: (N,) first sample.
        subject, task, trial, segment, time: (N,) provenance; ``time`` is the window's last
            sample, s.
    """

    signals: tuple[np.ndarray, ...]
    fs: float
    length: int
    channels: tuple[str, ...]
    joints: tuple[str, ...]
    quantities: tuple[str, ...]
    units: tuple[str, ...]
    Y: np.ndarray | None
    source: np.ndarray
    start: np.ndarray
    subject: np.ndarray
    task: np.ndarray
    trial: np.ndarray
    segment: np.ndarray
    time: np.ndarray

    def __len__(self) -> int:
        return self.start.size

    def subset(self, index: np.ndarray | slice) -> SignalWindows:
        """The windows selected by ``index``; the filtered signals are shared, not copied."""
        return dataclasses.replace(
            self,
            Y=None if self.Y is None else self.Y[index],
            **{name: getattr(self, name)[index] for name in _PER_WINDOW},
        )

    def emg(self, source: int, index: np.ndarray) -> np.ndarray:
        """(n, L, C) EMG of the windows ``index`` (positions in this set) cut from recording
        ``source``."""
        view = np.lib.stride_tricks.sliding_window_view(self.signals[source], self.length, axis=0)
        return np.swapaxes(view[self.start[index]], 1, 2)

    def by_source(self) -> list[tuple[int, np.ndarray]]:
        """(recording, positions of its windows) for every recording with windows here."""
        return [(int(s), np.flatnonzero(self.source == s)) for s in np.unique(self.source)]


class SignalPipeline:
    """The configured chain; see the module docstring.

    Args:
        config: the chain's settings (e.g. ``load_config("seed-siat")``).
        cache_dir: where filtered signals are cached; None disables the cache. Defaults to
            ``$KINEMYO_CACHE_DIR`` (see :mod:`kinemyo.data.table_cache`).
    """

    def __init__(
        self, config: PipelineConfig | None = None, cache_dir: Path | str | None = "default"
    ) -> None:
        self.config = config or PipelineConfig()
        root = default_cache_dir() if cache_dir == "default" else cache_dir
        self.cache_dir = None if root is None else Path(root) / "filtered"
        self.scaler_: scalers.MaxAbsScaler | None = None
        self.standardizer_: scalers.FeatureStandardizer | None = None

    # ----------------------------------------------------------------- checks
    def check(self, recordings: Sequence[Recording]) -> float:
        """Check that ``recordings`` suit the config before any work; returns their rate, Hz.

        Raises:
            KinemyoError: naming the config field or the recording and channels at fault.
        """
        cfg = self.config
        if not recordings:
            raise KinemyoError("No recordings to process.")
        rates = {rec.fs for rec in recordings}
        if len(rates) > 1:
            raise KinemyoError(f"Recordings have different sampling rates {sorted(rates)} Hz.")
        fs = rates.pop()
        nyquist = fs / 2
        if cfg.bandpass.high >= nyquist:
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
        if cfg.window.length > shortest.n_samples:
            raise KinemyoError(
                f"window.length={cfg.window.length} samples is longer than recording "
                f"{shortest.meta.name} ({shortest.n_samples} samples)."
            )
        if cfg.denoise.enabled:
            deepest = pywt.dwt_max_level(shortest.n_samples, pywt.Wavelet(cfg.denoise.wavelet))
            if cfg.denoise.level > deepest:
                raise KinemyoError(
                    f"denoise.level={cfg.denoise.level} is deeper than recording "
                    f"{shortest.meta.name} ({shortest.n_samples} samples) allows with "
                    f"{cfg.denoise.wavelet} (at most {deepest})."
                )
        for rec in recordings:
            self._check_recording(rec)
        return fs

    def _check_recording(self, rec: Recording) -> None:
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

    # -------------------------------------------------------- stateless part
    def filter(self, recording: Recording) -> np.ndarray:
        """(T, C) filtered EMG of ``recording`` in mV (cached on disk when a cache is set)."""
        x = recording.emg.select(self.config.channels).values
        key = self._cache_key(x, recording.fs)
        cached = self._cached(key)
        if cached is not None:
            return cached
        cfg = self.config
        y = filters.remove_baseline(x, method=cfg.baseline.method)
        if cfg.denoise.enabled:
            d = cfg.denoise
            y = denoise.wavelet_packet_denoise(
                y,
                wavelet=d.wavelet,
                level=d.level,
                threshold=d.threshold,
                rule=d.rule,
                mode=d.mode,
            )
        if cfg.notch.enabled:
            y = filters.notch(
                y,
                recording.fs,
                freq=cfg.notch.freq,
                quality=cfg.notch.quality,
                causal=cfg.bandpass.causal,
            )
        b = cfg.bandpass
        y = filters.bandpass(
            y, recording.fs, low=b.low, high=b.high, order=b.order, causal=b.causal
        )
        y = np.ascontiguousarray(y, dtype=np.float32)
        self._store(key, y)
        return y

    def _cache_key(self, x: np.ndarray, fs: float) -> str:
        digest = hashlib.sha256(np.ascontiguousarray(x).tobytes())
        digest.update(f"{fs}|{x.shape}|{self.config.filter_hash()}".encode())
        return digest.hexdigest()[:40]

    def _cached(self, key: str) -> np.ndarray | None:
        if self.cache_dir is None:
            return None
        path = self.cache_dir / f"{key}.npy"
        try:
            return np.load(path, allow_pickle=False) if path.is_file() else None
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
            return None

    def _store(self, key: str, y: np.ndarray) -> None:
        if self.cache_dir is None:
            return
        try:
            with atomic_file(self.cache_dir / f"{key}.npy") as tmp, tmp.open("wb") as handle:
                np.save(handle, y, allow_pickle=False)
            prune_folder(self.cache_dir)
        except OSError:
            return  # a read-only or full cache folder must not stop the pipeline

    def window(
        self,
        recordings: Sequence[Recording],
        progress: Callable[[int, int], None] | None = None,
    ) -> SignalWindows:
        """Filter every recording and cut its windows; targets per window (no fitting)."""
        fs = self.check(recordings)
        cfg = self.config
        signals, parts = [], []
        for r, rec in enumerate(recordings):
            signals.append(self.filter(rec))
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
            length=cfg.window.length,
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
        starts = windows.window_starts(segments, length=cfg.window.length, step=cfg.window.step)
        last = starts + cfg.window.length - 1
        n = starts.size
        return {
            "Y": self._targets(rec, starts),
            "source": np.full(n, source),
            "start": starts,
            "subject": np.full(n, rec.meta.subject, dtype=object),
            "task": np.full(n, rec.meta.task or "", dtype=object),
            "trial": np.full(n, rec.meta.name, dtype=object),
            "segment": segments[last] if n else np.zeros(0, int),
            "time": rec.time[last],
        }

    def _targets(self, rec: Recording, starts: np.ndarray) -> np.ndarray | None:
        cfg = self.config
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
                columns.append(values[starts + cfg.window.length - 1])
            else:
                cumulative = np.vstack(
                    [np.zeros((1, values.shape[1])), np.cumsum(values, axis=0, dtype=np.float64)]
                )
                total = cumulative[starts + cfg.window.length] - cumulative[starts]
                columns.append((total / cfg.window.length).astype(np.float32))
        return np.stack(columns, axis=-1)

    # ----------------------------------------------------------- fitted part
    def _features(self, data: SignalWindows, normalise: bool = True) -> np.ndarray:
        """(N, C, F) raw features of ``data``'s windows (after max-abs when fitted)."""
        cfg = self.config.features
        out = np.empty((len(data), len(data.channels), len(cfg.names)), dtype=np.float32)
        for source, index in data.by_source():
            emg = data.emg(source, index)
            if normalise and self.scaler_ is not None:
                emg = self.scaler_.transform(emg)
            out[index] = features.compute_features(
                emg,
                cfg.names,
                data.fs,
                deadband=cfg.deadband,
                wamp_threshold=cfg.wamp_threshold,
            )
        return out

    def fit(self, data: SignalWindows) -> Self:
        """Learn max-abs scales and feature statistics from ``data`` (training windows only)."""
        if len(data) == 0:
            raise KinemyoError("Cannot fit the pipeline on zero windows.")
        self.scaler_ = None
        if self.config.normalise == "maxabs":
            peaks = [np.abs(data.emg(s, i)).max(axis=(0, 1)) for s, i in data.by_source()]
            self.scaler_ = scalers.MaxAbsScaler().fit(np.stack(peaks))
        self.standardizer_ = None
        if self.config.features.standardise:
            self.standardizer_ = scalers.FeatureStandardizer().fit(self._features(data))
        return self

    def transform(self, data: SignalWindows) -> WindowedDataset:
        """Features (standardised if configured) and targets of ``data``'s windows."""
        if self.config.normalise == "maxabs" and self.scaler_ is None:
            raise KinemyoError("The pipeline is not fitted: call fit on training windows first.")
        X = self._features(data)
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
        """Write ``pipeline.json`` (config) and ``scalers.safetensors`` (fitted state)."""
        arrays = {}
        if self.scaler_ is not None:
            arrays.update({f"maxabs.{k}": v for k, v in self.scaler_.state().items()})
        if self.standardizer_ is not None:
            arrays.update({f"standardizer.{k}": v for k, v in self.standardizer_.state().items()})
        with atomic_directory(directory, overwrite=True) as tmp:
            (tmp / "pipeline.json").write_text(
                json.dumps({"config": self.config.model_dump(mode="json")}, indent=2)
            )
            save_file(arrays, str(tmp / "scalers.safetensors"))

    @classmethod
    def load(cls, directory: str | Path, cache_dir: Path | str | None = "default") -> Self:
        """A fitted pipeline from :meth:`save`'s files."""
        directory = Path(directory)
        try:
            meta = json.loads((directory / "pipeline.json").read_text())
            arrays = load_file(str(directory / "scalers.safetensors"))
        except (OSError, ValueError) as exc:
            raise KinemyoError(f"{directory}: not a saved kinemyo pipeline ({exc}).") from None
        pipeline = cls(config_from_dict(meta["config"], str(directory)), cache_dir=cache_dir)
        for prefix, kind, attribute in (
            ("maxabs.", scalers.MaxAbsScaler, "scaler_"),
            ("standardizer.", scalers.FeatureStandardizer, "standardizer_"),
        ):
            state = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
            if state:
                setattr(pipeline, attribute, kind.from_state(state))
        return pipeline
