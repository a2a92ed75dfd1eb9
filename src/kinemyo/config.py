"""Configurations as pydantic models: validated on construction, loaded from and saved to YAML.

Values that can be checked on their own (a negative step, a low cut-off above the high one) fail
when the config is built; values that depend on the data (a cut-off above the Nyquist frequency,
a window longer than a trial, a wavelet level deeper than the signal allows) fail in
:meth:`kinemyo.signal.pipeline.SignalPipeline.check`, before any work. Every message names the
field, e.g. ``bandpass.high``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kinemyo.data.limits import CONFIG_YAML, check_file
from kinemyo.data.siat_llmd import schema
from kinemyo.errors import KinemyoError
from kinemyo.fileio import atomic_file
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


class WindowConfig(_Strict):
    """Overlapping windows, in samples. Windows never cross a trial or Group boundary, nor a
    Status change when ``split_on_status``."""

    length: int = Field(100, ge=2, le=MAX_WINDOW, description="samples")
    step: int = Field(50, ge=1, le=MAX_WINDOW, description="samples")
    split_on_status: bool = True


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
    check_file(path, CONFIG_YAML)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        raise KinemyoError(f"{path}: not valid YAML ({type(exc).__name__}: {exc}).") from None
    if not isinstance(raw, dict):
        raise KinemyoError(
            f"{path}: a configuration is a mapping of settings (e.g. 'window: {{step: 50}}'), "
            f"not a {type(raw).__name__}."
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
