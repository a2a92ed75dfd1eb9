"""Configurations as pydantic models: validated on construction, loaded from and saved to YAML.

Values that can be checked on their own (a negative step, a low cut-off above the high one) fail
when the config is built; values that depend on the data (a cut-off above the Nyquist frequency,
a window longer than a trial, a wavelet level deeper than the signal allows) fail in
:meth:`kinemyo.signal.pipeline.SignalPipeline.check`, before any work. Every message names the
field, e.g. ``bandpass.high``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kinemyo.data.siat_llmd import schema
from kinemyo.errors import KinemyoError
from kinemyo.fileio import atomic_file

PRESET_DIR = Path(__file__).resolve().parent / "presets"
"""Packaged presets (``configs/`` in the repository links to them)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BaselineConfig(_Strict):
    """Baseline (DC offset) correction of each channel."""

    method: Literal["mean", "median", "linear"] = "mean"


class DenoiseConfig(_Strict):
    """Wavelet-packet denoising (see :func:`kinemyo.signal.denoise.wavelet_packet_denoise`)."""

    enabled: bool = True
    wavelet: str = "db7"
    level: int = Field(8, ge=1)
    threshold: float = Field(0.08, ge=0.0)
    rule: Literal["relative", "absolute", "universal"] = "relative"
    mode: Literal["soft", "hard"] = "soft"


class NotchConfig(_Strict):
    """Power-line notch (off by default, as in the seed study's chain)."""

    enabled: bool = False
    freq: float = Field(50.0, gt=0.0, description="Hz")
    quality: float = Field(30.0, gt=0.0)


class BandpassConfig(_Strict):
    """Butterworth band-pass, Hz; zero-phase unless ``causal``."""

    low: float = Field(15.0, gt=0.0, description="Hz")
    high: float = Field(400.0, gt=0.0, description="Hz")
    order: int = Field(7, ge=1)
    causal: bool = False

    @model_validator(mode="after")
    def _low_below_high(self) -> Self:
        if self.low >= self.high:
            raise ValueError(f"low={self.low} Hz must be below high={self.high} Hz")
        return self


class WindowConfig(_Strict):
    """Overlapping windows, in samples. Windows never cross a trial or Group boundary, nor a
    Status change when ``split_on_status``."""

    length: int = Field(100, ge=2, description="samples")
    step: int = Field(50, ge=1, description="samples")
    split_on_status: bool = True


class FeatureConfig(_Strict):
    """Features per window and channel (names from :data:`kinemyo.signal.features.FEATURES`)."""

    names: tuple[str, ...] = ("iemg", "var", "wl", "zc", "cc", "mnf")
    deadband: float = Field(0.01, ge=0.0, description="dead band of zc/ssc, normalised units")
    wamp_threshold: float = Field(0.05, ge=0.0, description="normalised units")
    standardise: bool = True


class TargetConfig(_Strict):
    """What each window is labelled with: joint angles (deg) and moments."""

    quantities: tuple[Literal["angle", "moment"], ...] = ("angle", "moment")
    at: Literal["last", "mean"] = "last"
    moment_unit: Literal["N·m", "N·m/kg"] = "N·m"


class PipelineConfig(_Strict):
    """The sEMG chain from raw recordings to a WindowedDataset.

    Order (the dataset authors'): baseline -> wavelet packet -> [notch] -> Butterworth ->
    max-abs normalisation (fitted on training windows) -> windows -> features -> feature
    standardisation (fitted on training windows).
    """

    channels: tuple[str, ...] = schema.MUSCLES
    joints: tuple[str, ...] = schema.JOINTS
    baseline: BaselineConfig = BaselineConfig()
    denoise: DenoiseConfig = DenoiseConfig()
    notch: NotchConfig = NotchConfig()
    bandpass: BandpassConfig = BandpassConfig()
    normalise: Literal["maxabs", "none"] = "maxabs"
    window: WindowConfig = WindowConfig()
    features: FeatureConfig = FeatureConfig()
    targets: TargetConfig = TargetConfig()

    def filter_hash(self) -> str:
        """Hash of the stateless filtering stages (what the per-recording cache depends on)."""
        stages = {
            k: getattr(self, k).model_dump() for k in ("baseline", "denoise", "notch", "bandpass")
        }
        stages["channels"] = list(self.channels)
        return hashlib.sha256(json.dumps(stages, sort_keys=True).encode()).hexdigest()[:16]


def _error_from(exc: ValidationError, source: str) -> KinemyoError:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
        for err in exc.errors()
    )
    return KinemyoError(f"{source}: invalid configuration: {problems}.")


def load_config(source: str | Path) -> PipelineConfig:
    """A PipelineConfig from a preset name (e.g. "seed-siat") or a YAML file.

    Raises:
        KinemyoError: unknown preset, unreadable file, or invalid values, naming each field.
    """
    path = Path(source)
    if not path.suffix and (PRESET_DIR / f"{source}.yaml").is_file():
        path = PRESET_DIR / f"{source}.yaml"
    if not path.is_file():
        presets = ", ".join(sorted(p.stem for p in PRESET_DIR.glob("*.yaml")))
        raise KinemyoError(f"{source}: no such config file or preset (presets: {presets}).")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise KinemyoError(f"{path}: not valid YAML ({exc}).") from None
    try:
        return PipelineConfig.model_validate(raw)
    except ValidationError as exc:
        raise _error_from(exc, str(path)) from None


def config_from_dict(raw: dict, source: str = "config") -> PipelineConfig:
    """A PipelineConfig from a plain dict (e.g. read back from a run's JSON)."""
    try:
        return PipelineConfig.model_validate(raw)
    except ValidationError as exc:
        raise _error_from(exc, source) from None


def save_config(config: PipelineConfig, path: str | Path) -> None:
    """Write ``config`` as YAML (all values resolved), atomically."""
    with atomic_file(path) as tmp:
        tmp.write_text(yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False))
