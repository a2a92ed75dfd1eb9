"""The dataset manifest: one small YAML file that describes a lab's own trial set.

Example (paths are relative to the manifest)::

    dataset: gait-lab-2026          # a name for reports
    emg: {kind: envelope, unit: "1"}  # raw (unit V, mV or uV) or envelope (normalised: unit "1")
    angle_unit: deg                 # of CSV angle columns (.mot files say it: inDegrees)
    moment_unit: N·m                # or N·m/kg
    subjects:
      S01: {body_mass_kg: 72.5, height_m: 1.78}
    trials:
      - subject: S01
        task: walk                  # task or condition name
        trial: "1"
        emg: {file: walk1_emg.mot}                        # .mot/.sto, .c3d or .csv
        angles: {file: walk1_ik.mot, columns: [hip_flexion_r, knee_angle_r]}
        moments: {file: walk1_id.sto}                     # joint = column without "_moment"
        labels: {file: walk1_events.csv, column: phase}   # optional event/label column

Every field is checked on reading; a message names the manifest and the field
(``trials[2].emg.file``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from kinemyo import units
from kinemyo.data.limits import CONFIG_YAML
from kinemyo.errors import DataFormatError
from kinemyo.saved import read_yaml_mapping
from kinemyo.settings import settings, settings_from

ENVELOPE_UNIT = "1"
"""Unit of an EMG envelope normalised to 1 (not checked against a plausible range)."""

MANIFEST_SUFFIXES = (".yaml", ".yml")

STREAM_SUFFIXES = (".mot", ".sto", ".c3d", ".csv")
"""Files a stream may come from: OpenSim storage, C3D (EMG only) or CSV with a time column."""


@settings
class EmgSettings:
    """What the EMG is: ``raw`` (in ``unit`` V, mV or uV; C3D files give their own unit) or an
    ``envelope`` already normalised to 1 (``unit`` "1"), as OpenSim's EMG.mot usually is."""

    kind: Literal["raw", "envelope"] = "raw"
    unit: Literal["V", "mV", "uV", "1"] = "mV"

    def __post_init__(self) -> None:
        if (self.kind == "envelope") != (self.unit == ENVELOPE_UNIT):
            raise ValueError(
                f"kind={self.kind!r} needs unit {'1' if self.kind == 'envelope' else 'V, mV or uV'}"
                f" (got {self.unit!r})"
            )


@settings
class ManifestSettings:
    """The manifest's top-level settings (``subjects`` and ``trials`` are read apart)."""

    dataset: str = Field("manifest", min_length=1)
    angle_unit: Literal["deg", "rad"] = units.DEGREE
    moment_unit: Literal["N·m", "N·m/kg"] = units.NEWTON_METRE


@settings
class Subject:
    """One subject: body mass in kg (needed for moments in N·m/kg), height in m."""

    body_mass_kg: float | None = Field(None, gt=0, le=500, strict=False)
    height_m: float | None = Field(None, gt=0, le=3, strict=False)


@settings
class Stream:
    """One file of a trial.

    Attributes:
        file: the file, relative to the manifest.
        columns: the columns (C3D: analog channels) to read, in order; all when omitted (C3D:
            the voltage channels).
        time_column: the time column (s) of a CSV file.
    """

    file: str = Field(min_length=1)
    columns: tuple[str, ...] | None = Field(None, strict=False, min_length=1)
    time_column: str = Field("time", min_length=1)


@settings
class LabelStream:
    """Event or label column of a CSV file (``time_column`` in s); each sample gets the label
    of the last row at or before its time."""

    file: str = Field(min_length=1)
    column: str = Field(min_length=1)
    time_column: str = Field("time", min_length=1)


@settings
class TrialEntry:
    """One trial: subject, task (or condition), trial name; the streams come apart."""

    subject: str = Field(min_length=1)
    task: str = Field(min_length=1)
    trial: str | None = None


@dataclass(frozen=True)
class Trial:
    """A trial of the manifest, its files resolved against the manifest's folder."""

    entry: TrialEntry
    emg: Stream
    angles: Stream | None
    moments: Stream | None
    labels: LabelStream | None
    folder: Path

    def path(self, stream: Stream | LabelStream) -> Path:
        """The file of ``stream`` (relative paths are relative to the manifest)."""
        return self.folder / stream.file


@dataclass(frozen=True)
class Manifest:
    """A whole manifest: settings, subjects by id, trials in file order."""

    path: Path
    settings: ManifestSettings
    emg: EmgSettings
    subjects: Mapping[str, Subject]
    trials: tuple[Trial, ...]


_STREAMS = {"emg": Stream, "angles": Stream, "moments": Stream, "labels": LabelStream}


def _mapping(value: Any, path: Path, key: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DataFormatError(f"'{key}' must be a mapping, not {type(value).__name__}.", path=path)
    return dict(value)


def _trial(raw: Any, index: int, path: Path, subjects: Mapping[str, Subject]) -> Trial:
    key = f"trials[{index}]"
    fields = _mapping(raw, path, key)
    streams = {name: fields.pop(name, None) for name in _STREAMS}
    entry = settings_from(TrialEntry, fields, path=path, key=key)
    if entry.subject not in subjects:
        raise DataFormatError(
            f"'{key}.subject' is {entry.subject!r}, which is not under 'subjects' "
            f"({', '.join(subjects) or 'none'}).",
            path=path,
        )
    if streams["emg"] is None:
        raise DataFormatError(f"'{key}.emg' is required (the trial's EMG file).", path=path)
    read = {
        name: None if value is None else settings_from(kind, value, path=path, key=f"{key}.{name}")
        for (name, kind), value in zip(_STREAMS.items(), streams.values(), strict=True)
    }
    trial = Trial(entry=entry, folder=path.parent, **read)
    for name in _STREAMS:
        stream = getattr(trial, name)
        if stream is None:
            continue
        file = trial.path(stream)
        if file.suffix.lower() not in STREAM_SUFFIXES or (
            name != "emg" and file.suffix.lower() == ".c3d"
        ):
            raise DataFormatError(
                f"'{key}.{name}.file' is {stream.file!r}: use an OpenSim .mot/.sto"
                + (", a .c3d" if name == "emg" else "")
                + " or a .csv file.",
                path=path,
            )
        if not file.is_file():
            raise DataFormatError(
                f"'{key}.{name}.file': no such file {file} (paths are relative to the manifest).",
                path=path,
            )
    return trial


def load_manifest(path: str | Path) -> Manifest:
    """Read and check a manifest file.

    Raises:
        DataFormatError: a file beyond the limits of a YAML configuration, not YAML, or a field
            that is missing, unknown or out of range (naming the manifest and the field), a trial
            of an unknown subject, a stream file that is absent or of an unknown kind.
    """
    path = Path(path)
    fields = read_yaml_mapping(path, CONFIG_YAML, "'the manifest' must be a mapping")
    subjects_raw = _mapping(fields.pop("subjects", None), path, "subjects")
    trials_raw = fields.pop("trials", None)
    emg = settings_from(EmgSettings, fields.pop("emg", None) or {}, path=path, key="emg")
    top = settings_from(ManifestSettings, fields, path=path, key="the manifest")
    subjects = {
        str(name): settings_from(Subject, value or {}, path=path, key=f"subjects.{name}")
        for name, value in subjects_raw.items()
    }
    if not isinstance(trials_raw, list) or not trials_raw:
        raise DataFormatError("'trials' must be a list of at least one trial.", path=path)
    trials = tuple(_trial(raw, i, path, subjects) for i, raw in enumerate(trials_raw))
    names = [t.entry for t in trials]
    seen: set[tuple[str, str, str | None]] = set()
    for i, entry in enumerate(names):
        ident = (entry.subject, entry.task, entry.trial)
        if ident in seen:
            raise DataFormatError(
                f"'trials[{i}]' repeats subject {entry.subject!r}, task {entry.task!r}, trial "
                f"{entry.trial!r}; give each trial its own 'trial' name.",
                path=path,
            )
        seen.add(ident)
    return Manifest(path=path, settings=top, emg=emg, subjects=subjects, trials=trials)
