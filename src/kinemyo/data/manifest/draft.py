"""A first manifest for a folder of OpenSim or C3D files, for the user to edit.

Files are grouped into trials by stem: ``walk1_emg.mot``, ``walk1_ik.mot`` and ``walk1_id.sto``
are trial ``walk1`` (task ``walk``, trial ``1``). The role of a file comes from the end of its stem
(``emg``; ``ik``, ``kinematics``, ``coordinates``, ``angles``; ``id``, ``inverse_dynamics``,
``moments``; ``events``, ``labels``), else from its content (a .c3d holds EMG; a storage file with
``*_moment`` columns holds moments, any other angles). Files in subfolders take the first folder
as the subject. The text carries YAML comments that say what to check and edit: body masses, task
names, the EMG kind, C3D channels that are not EMG.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from kinemyo.data.c3d import is_voltage, read_c3d_contents
from kinemyo.data.manifest.schema import ENVELOPE_UNIT, STREAM_SUFFIXES
from kinemyo.data.opensim import MOMENT_SUFFIX, read_storage
from kinemyo.errors import KinemyoError

ROLE_ENDINGS = {
    "emg": ("emg",),
    "angles": ("ik", "kinematics", "coordinates", "angles", "q"),
    "moments": ("id", "inverse_dynamics", "moments", "tau"),
    "labels": ("events", "labels", "label"),
}
"""Stem endings (after ``_``, ``-`` or ``.``) that say a file's role."""

DEFAULT_SUBJECT = "S01"

ENVELOPE = {"kind": "envelope", "unit": ENVELOPE_UNIT}
RAW = {"kind": "raw", "unit": "mV"}


@dataclass
class _Trial:
    subject: str
    key: str
    files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _role_by_name(stem: str) -> tuple[str | None, str]:
    lowered = stem.lower()
    for role, endings in ROLE_ENDINGS.items():
        for ending in endings:
            match = re.fullmatch(rf"(.*?)[_\-. ]?{re.escape(ending)}", lowered)
            if match and (match.group(1) or role != "angles"):
                return role, stem[: len(match.group(1))] or stem
    return None, stem


def _role_by_content(path: Path) -> str | None:
    if path.suffix.lower() == ".c3d":
        return "emg"
    if path.suffix.lower() in (".mot", ".sto"):
        table = read_storage(path)
        return "moments" if any(c.endswith(MOMENT_SUFFIX) for c in table.columns) else "angles"
    return None


def _flow(value: object) -> str:
    """``value`` as one line of YAML (a scalar without the document end marker)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True)
    return text.removesuffix("...\n").strip()


def _task_and_number(key: str) -> tuple[str, str | None]:
    match = re.fullmatch(r"(.*?)[_\-. ]*(\d+)", key)
    if match and match.group(1):
        return match.group(1), match.group(2)
    return key, None


def _looks_like_envelope(paths: Iterable[Path]) -> bool:
    """True when every OpenSim EMG file holds values in [0, 1] (an envelope normalised to 1)."""
    found = False
    for path in paths:
        if path.suffix.lower() not in (".mot", ".sto"):
            return False
        values = read_storage(path).values
        finite = values[np.isfinite(values)]
        if finite.size == 0 or finite.min() < 0 or finite.max() > 1:
            return False
        found = True
    return found


def _emg_lines(path: Path, relative: str) -> list[str]:
    if path.suffix.lower() != ".c3d":
        return [f"    emg: {_flow({'file': relative})}"]
    contents = read_c3d_contents(path)
    channels = list(zip(contents.labels, contents.units, strict=True))
    voltage = [name for name, unit in channels if is_voltage(unit)]
    listed = ", ".join(f"{name} ({unit or 'no unit'})" for name, unit in channels)
    lines = [f"    # analog channels: {listed}"]
    if len(voltage) < len(channels):
        lines.append("    # channels not in V/mV/uV (force plates, ...) are left out: EMG only")
    lines.append(f"    emg: {_flow({'file': relative, 'columns': voltage or None})}")
    return lines


def _group(folder: Path) -> tuple[list[_Trial], list[Path]]:
    trials: dict[tuple[str, str], _Trial] = {}
    unplaced = []
    files = sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in STREAM_SUFFIXES
    )
    for path in files:
        parts = path.relative_to(folder).parts
        subject = parts[0] if len(parts) > 1 else DEFAULT_SUBJECT
        role, key = _role_by_name(path.stem)
        role = role or _role_by_content(path)
        trial = trials.setdefault((subject, key), _Trial(subject, key))
        if role is None or role in trial.files:
            unplaced.append(path)
            continue
        trial.files[role] = path
    kept = [t for t in trials.values() if "emg" in t.files]
    for trial in trials.values():
        if "emg" not in trial.files:
            unplaced.extend(trial.files.values())
    return kept, sorted(unplaced)


def draft_manifest(folder: str | Path, out: str | Path) -> tuple[str, int]:
    """The YAML text of a first manifest for the OpenSim / C3D / CSV files under ``folder``,
    with file paths relative to ``out`` (where it will be written), and its number of trials.

    Raises:
        KinemyoError: no trial with an EMG file under ``folder``.
        DataFormatError: a file that cannot be read to find its role or channels.
    """
    folder, base = Path(folder), Path(out).resolve().parent
    trials, unplaced = _group(folder)
    if not trials:
        raise KinemyoError(
            f"{folder}: no trial with an EMG file (*.c3d, or *_emg.mot/.sto/.csv) found; name "
            "the files <trial>_emg.mot, <trial>_ik.mot, <trial>_id.sto, or write the manifest "
            "by hand (see the README)."
        )
    envelope = _looks_like_envelope(t.files["emg"] for t in trials)
    subjects = sorted({t.subject for t in trials})

    def rel(path: Path) -> str:
        return Path(os.path.relpath(path.resolve(), base)).as_posix()

    lines = [
        "# kinemyo dataset manifest: a first draft written by `kinemyo data manifest`.",
        "# Check every line marked EDIT; paths are relative to this file. Format: see the README.",
        "dataset: my-lab            # EDIT: a name for reports",
        "# EDIT: what the EMG already is: raw (unit V, mV or uV; C3D channels with a unit keep it)",
        '# or an envelope normalised to 1 (unit "1"), as OpenSim\'s EMG.mot usually is.',
        f"emg: {_flow(ENVELOPE if envelope else RAW)}",
        "angle_unit: deg            # of CSV angle columns; .mot files say it (inDegrees)",
        "moment_unit: N·m           # or N·m/kg",
        "subjects:                  # EDIT: body mass in kg (needed for moments in N·m/kg)",
        *(f"  {_flow(s)}: {{body_mass_kg: null}}" for s in subjects),
        "trials:",
    ]
    for trial in trials:
        task, number = _task_and_number(trial.key)
        lines.append(f"  - subject: {_flow(trial.subject)}")
        lines.append(f"    task: {_flow(task)}            # EDIT: task or condition name")
        lines.append(f"    trial: {_flow(number or trial.key)}")
        lines += _emg_lines(trial.files["emg"], rel(trial.files["emg"]))
        for role in ("angles", "moments"):
            if role in trial.files:
                lines.append(f"    {role}: {_flow({'file': rel(trial.files[role])})}")
        if "labels" in trial.files:
            lines.append(
                f"    labels: {_flow({'file': rel(trial.files['labels']), 'column': 'label'})}"
                "   # EDIT: the label column"
            )
    if unplaced:
        lines.append("# Files not placed in a trial (no EMG file of the same stem, or a second")
        lines.append("# file of one role); add them by hand if they belong:")
        lines += [f"#   {rel(p)}" for p in unplaced]
    return "\n".join(lines) + "\n", len(trials)
