"""Configurations as pydantic models: validated on construction, loaded from and saved to YAML.

Values that can be checked on their own (a negative step, a low cut-off above the high one) fail
when the config is built; values that depend on the data (a cut-off above the Nyquist frequency,
a window longer than a trial, a wavelet level deeper than the signal allows) fail in
:meth:`kinemyo.signal.pipeline.SignalPipeline.check`, before any work. Every message names the
field, e.g. ``bandpass.high``.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kinemyo.data.limits import CONFIG_YAML
from kinemyo.data.siat_llmd import schema
from kinemyo.data.timebase import RATE_TOLERANCE
from kinemyo.errors import DataWarning, KinemyoError
from kinemyo.fileio import atomic_file
from kinemyo.saved import read_yaml_mapping
from kinemyo.settings import invalid

PRESET_DIR = Path(__file__).resolve().parent / "presets"
"""Packaged presets (``configs/`` in the repository links to them)."""


MAX_WINDOW = 100_000
"""Longest window and step, samples (52 s at 1920 Hz): a bound that refuses absurd values up
front, before any arithmetic on them."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class BaselineConfig(_Strict):
    """Baseline (DC offset) removal: each channel's mean or median over the TRAINING samples is
    subtracted from every signal ("none" keeps the offset)."""

    method: Literal["mean", "median", "none"] = "mean"


class DenoiseConfig(_Strict):
    """The seed's DWT denoiser (see :mod:`kinemyo.signal.denoise`): every detail level j of a
    ``level``-deep decomposition is soft-thresholded at ``threshold`` x the signed maximum of
    level j over the TRAINING samples (the seed: over the whole trial)."""

    enabled: bool = True
    wavelet: str = "db7"
    level: int = Field(8, ge=1, le=30)
    threshold: float = Field(0.08, ge=0.0, description="fraction of each level's signed maximum")


class NotchConfig(_Strict):
    """Power-line notch (off by default: the seed configured it but never applied it)."""

    enabled: bool = False
    freq: float = Field(50.0, gt=0.0, description="Hz")
    quality: float = Field(30.0, gt=0.0)


class BandpassConfig(_Strict):
    """Butterworth band-pass, Hz: one causal pass (``causal``) or zero-phase forward-backward;
    in transfer-function form ``ba`` (the seed's) or second-order sections ``sos``. Off
    (``enabled: false``) for EMG that is already an envelope."""

    enabled: bool = True
    low: float = Field(15.0, gt=0.0, description="Hz")
    high: float = Field(400.0, gt=0.0, description="Hz")
    order: int = Field(7, ge=1, le=50)
    causal: bool = True
    form: Literal["ba", "sos"] = "ba"

    @model_validator(mode="after")
    def _low_below_high(self) -> Self:
        if self.low >= self.high:
            raise ValueError(f"low={self.low} Hz must be below high={self.high} Hz")
        return self


MAX_WINDOW_S = 60.0
"""Longest window and step, s."""

SEED_WINDOW = {"length": 100, "step": 50}
"""The seed's window, samples at 1920 Hz: what a sample form missing its length or step takes."""


class WindowConfig(_Strict):
    """Overlapping windows, in samples (``length``, ``step``) or in seconds (``length_s``,
    ``step_s``: exactly one of the two forms), resolved at the recordings' rate. Windows never
    cross a trial or Group boundary, nor a Status change when ``split_on_status``.

    ``rate_hz`` is the rate that sample counts were chosen for (the seed's 1920 Hz): at another
    rate they last another time, and :meth:`samples` warns, naming both durations. Without any
    of the four, windows are the seed's 100 samples every 50 at 1920 Hz; a sample form missing
    its length or step takes the seed's.
    """

    length: int | None = Field(None, ge=2, le=MAX_WINDOW, description="samples")
    step: int | None = Field(None, ge=1, le=MAX_WINDOW, description="samples")
    length_s: float | None = Field(None, gt=0.0, le=MAX_WINDOW_S, description="s")
    step_s: float | None = Field(None, gt=0.0, le=MAX_WINDOW_S, description="s")
    rate_hz: float | None = Field(None, gt=0.0, le=100_000.0, description="Hz")
    split_on_status: bool = True

    @model_validator(mode="before")
    @classmethod
    def _seed_default(cls, values: object) -> object:
        if not isinstance(values, dict):
            return values
        given = {k for k in ("length", "step", "length_s", "step_s") if values.get(k) is not None}
        if not given:
            return {**SEED_WINDOW, "rate_hz": 1920.0} | {
                k: v for k, v in values.items() if v is not None
            }
        if given <= set(SEED_WINDOW):
            return SEED_WINDOW | {k: v for k, v in values.items() if v is not None}
        return values

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        samples = (self.length is not None, self.step is not None)
        seconds = (self.length_s is not None, self.step_s is not None)
        if not (all(samples) and not any(seconds)) and not (all(seconds) and not any(samples)):
            raise ValueError(
                "give length and step (samples) or length_s and step_s (seconds), one form only"
            )
        if all(seconds) and self.rate_hz is not None:
            raise ValueError("rate_hz is the rate of sample counts; windows in seconds need none")
        return self

    @property
    def steps_per_window(self) -> float:
        """Window length / step, in either form (seconds: up to rounding to whole samples, which
        moves it by less than one step)."""
        if self.length_s is None:
            return self.length / self.step
        return self.length_s / self.step_s

    def samples(self, fs: float) -> tuple[int, int]:
        """(length, step) in samples at ``fs`` Hz: seconds rounded to whole samples.

        Warns (:class:`~kinemyo.errors.DataWarning`) when sample counts chosen for ``rate_hz``
        are used at another rate, naming both durations.

        Raises:
            KinemyoError: a window in seconds shorter than 2 samples, or a step shorter than 1.
        """
        if self.length_s is None:
            if self.rate_hz is not None and abs(fs / self.rate_hz - 1) > RATE_TOLERANCE:
                warnings.warn(
                    f"window.length={self.length} samples was chosen for {self.rate_hz:g} Hz, "
                    f"where it lasts {1000 * self.length / self.rate_hz:.1f} ms; the recordings "
                    f"are at {fs:g} Hz, where it lasts {1000 * self.length / fs:.1f} ms. Give "
                    "window.length_s and window.step_s to keep the duration.",
                    DataWarning,
                    stacklevel=3,
                )
            return self.length, self.step
        length, step = round(self.length_s * fs), round(self.step_s * fs)
        if length < 2 or step < 1:
            raise KinemyoError(
                f"window.length_s={self.length_s:g} s and window.step_s={self.step_s:g} s are "
                f"{length} and {step} samples at {fs:g} Hz; a window needs >= 2 samples and a "
                "step >= 1."
            )
        return length, step


class FeatureConfig(_Strict):
    """Features per window and channel (names from :data:`kinemyo.signal.features.FEATURES`) and
    their thresholds, in the units of the max-abs-normalised signal (defaults: the seed's)."""

    names: tuple[str, ...] = ("iemg", "var", "wl", "zc", "ssc", "wamp")
    zc_offset: float = Field(3e-6, description="zc counts crossings of the window mean + this")
    zc_deadband: float = Field(0.0, ge=0.0, description="smallest step counted by zc")
    ssc_threshold: float = Field(1e-7, ge=0.0)
    wamp_threshold: float = Field(1e-4, ge=0.0)
    standardise: bool = False


class TargetConfig(_Strict):
    """What each window is labelled with: joint angles (deg) and moments, averaged over the
    window (``mean``, the seed's) or at its last sample (``last``, what a controller knows)."""

    quantities: tuple[Literal["angle", "moment"], ...] = ("angle", "moment")
    at: Literal["last", "mean"] = "mean"
    moment_unit: Literal["N·m", "N·m/kg"] = "N·m"


class PipelineConfig(_Strict):
    """The sEMG chain from raw recordings to a WindowedDataset; the defaults are the seed's
    (the ``seed-siat`` preset).

    Order: baseline -> DWT denoising -> [notch] -> Butterworth band-pass -> windows -> max-abs
    normalisation -> features -> [standardisation]. Everything fitted (baseline, denoising
    thresholds, max-abs scales, feature statistics) is fitted on training data only; ``fit_per``
    says whether the first three are fitted per subject (a subject without training data gets
    the values fitted on all of it) or on all training data pooled.

    Empty ``channels`` (``joints``) mean every EMG channel (every joint with angles and moments)
    of the recordings, resolved when the pipeline first sees them and saved with it.
    """

    channels: tuple[str, ...] = schema.MUSCLES
    joints: tuple[str, ...] = schema.JOINTS
    emg: Literal["raw", "envelope"] = Field(
        "raw",
        description="raw sEMG, or an envelope already (rectified, low-passed, e.g. normalised "
        "to 1: OpenSim's EMG.mot); an envelope chain has no band-pass, notch or denoising and "
        "refuses recordings that look raw",
    )
    baseline: BaselineConfig = BaselineConfig()
    denoise: DenoiseConfig = DenoiseConfig()
    notch: NotchConfig = NotchConfig()
    bandpass: BandpassConfig = BandpassConfig()
    normalise: Literal["maxabs", "none"] = "maxabs"
    fit_per: Literal["subject", "all"] = "subject"
    window: WindowConfig = WindowConfig()
    features: FeatureConfig = FeatureConfig()
    targets: TargetConfig = TargetConfig()

    @model_validator(mode="after")
    def _envelope_is_not_filtered(self) -> Self:
        if self.emg == "envelope":
            on = [
                name
                for name, enabled in (
                    ("bandpass", self.bandpass.enabled),
                    ("notch", self.notch.enabled),
                    ("denoise", self.denoise.enabled),
                )
                if enabled
            ]
            if on:
                raise ValueError(
                    f"emg=envelope takes no {', '.join(on)}: an envelope is already smoothed "
                    f"(set {', '.join(f'{n}.enabled: false' for n in on)})"
                )
        return self


def load_config(source: str | Path) -> PipelineConfig:
    """A PipelineConfig from a preset name (e.g. "seed-siat") or a YAML file.

    Raises:
        KinemyoError: unknown preset; a file beyond :data:`~kinemyo.data.limits.CONFIG_YAML`,
            not UTF-8, not YAML, nested too deeply or not a mapping of settings; invalid values,
            naming each field.
    """
    path = Path(source)
    if not path.suffix and (PRESET_DIR / f"{source}.yaml").is_file():
        path = PRESET_DIR / f"{source}.yaml"
    if not path.is_file():
        presets = ", ".join(sorted(p.stem for p in PRESET_DIR.glob("*.yaml")))
        raise KinemyoError(f"{source}: no such config file or preset (presets: {presets}).")
    raw = read_yaml_mapping(
        path, CONFIG_YAML, "a configuration is a mapping of settings (e.g. 'window: {step: 50}')"
    )
    return config_from_dict(raw, str(path))


def config_from_dict(raw: dict, source: str = "config") -> PipelineConfig:
    """A PipelineConfig from a plain dict (e.g. read back from a run's JSON)."""
    try:
        return PipelineConfig.model_validate(raw)
    except ValidationError as exc:
        raise invalid(exc, source) from None


def save_config(config: PipelineConfig, path: str | Path) -> None:
    """Write ``config`` as YAML (all values resolved), atomically."""
    with atomic_file(path) as tmp:
        tmp.write_text(yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False))
