"""Read the Camargo et al. 2021 (EPIC lab) dataset into one :class:`Recording` per trial.

What is read (see ``shared/specs/camargo.md``)::

    <root>/SubjectInfo.(mat|csv)                              Subject, Age, Gender, Height, Weight
    <root>/ABxx/<date>/<mode>/<sensor>/<trial>.(mat|csv)      one table per sensor and trial

Per trial the sensors ``emg`` (1 kHz), ``ik`` and ``id`` (200 Hz) and ``conditions`` are needed;
the paths of the other sensors' files (gcRight, markers, ...) are kept in ``CamargoTrial.files``
but not read. Date folders (``10_09_18``, ``01_27_2019``...) are discovered, never assumed.
Folder names and trial stems are matched case-insensitively. A ``.mat`` file (a MATLAB table,
read with mat-io, imported only when a ``.mat`` is read) is preferred to a ``.csv`` of the same
stem (what MATLAB's ``writetable`` gives: the same columns; a CSV conditions file holds only the
``speed`` or ``labels`` table). A missing trial or sensor file is listed in
``CamargoDataset.missing``, not raised; a malformed file raises a :class:`DataFormatError`
naming file, column and row.

Alignment (:mod:`.alignment`): every table's ``Header`` is the time in s on a clock shared by the
sensors of a trial, so streams are aligned on it, never on row numbers. The output clock is the
``id`` Header. The EMG envelope is made at the EMG rate (:mod:`.envelope`: remove mean, rectify,
Butterworth low-pass, 6 Hz order 2, CAUSAL by default as a real-time controller would compute it)
and linearly interpolated onto the id times; so are the requested ik coordinates and, for treadmill
trials, the belt speed (``conditions.speed``). Frames of id outside the time span of EMG, ik (and
belt speed), or inside a gap of one of them (a step over 1.5 times its median step), are dropped.

Units: EMG envelope in V (the spec says the EMG files are in volts, marked VERIFY: the files
themselves carry no unit), angles in deg (knee flexion negative, as OpenSim writes it), moments
in N·m as released or N·m/kg (N·m / SubjectInfo Weight), belt speed in m/s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from kinemyo import units
from kinemyo.data.camargo.dataset import CamargoDataset
from kinemyo.data.camargo.discovery import (
    TrialFiles,
    check_modes,
    scan_subject,
    select_subjects,
    wanted_trials,
)
from kinemyo.data.camargo.envelope import EnvelopeConfig
from kinemyo.data.camargo.plan import MissingItem, plan_trials, raise_nothing_readable
from kinemyo.data.camargo.subjects import CamargoSubject, check_masses, read_subject_table
from kinemyo.data.camargo.tables import open_cache
from kinemyo.data.camargo.trial import CamargoTrial, NanMoments, TrialRequest, read_trial
from kinemyo.errors import DataFormatError, KinemyoError

DEFAULT_ANGLES = (
    "hip_flexion_r",
    "hip_adduction_r",
    "hip_rotation_r",
    "knee_angle_r",
    "ankle_angle_r",
)
DEFAULT_MOMENTS = ("hip_flexion_r_moment", "hip_adduction_r_moment")
DEFAULT_MODES = ("treadmill", "levelground", "ramp")

Progress = Callable[[int, int], None]


def read_camargo(
    root: str | Path,
    *,
    subjects: Sequence[str] | None = None,
    modes: Sequence[str] = DEFAULT_MODES,
    trials: Sequence[str] | None = None,
    moments: Sequence[str] = DEFAULT_MOMENTS,
    angles: Sequence[str] = DEFAULT_ANGLES,
    moment_unit: str = units.NEWTON_METRE,
    envelope: EnvelopeConfig | None = None,
    nan_moments: NanMoments = "drop",
    progress: Progress | None = None,
) -> CamargoDataset:
    """Read a Camargo tree (or a subset) into one :class:`CamargoTrial` per trial.

    Args:
        root: the folder holding SubjectInfo and the ABxx folders.
        subjects: subject ids ("AB06", "ab6" or "6"); all subject folders when None.
        modes: ambulation modes to read (``layout.MODES``).
        trials: trial stems to read (case-insensitive); all when None.
        moments: id columns to read, exact names (N·m in the files).
        angles: ik columns to read, exact names (deg).
        moment_unit: "N·m" or "N·m/kg" (also typed as "Nm", "Nm/kg").
        envelope: how the EMG envelope is made; ``EnvelopeConfig()`` (causal 6 Hz) when None.
        nan_moments: "drop" removes frames where any requested moment is NaN (no force plate);
            "keep" keeps them with value 0 and ``valid`` False in the moments block.
        progress: called as ``progress(done, total)`` after each trial.

    Returns:
        The trials read, what was missing and the subject table. ``labels.group`` numbers the
        contiguous runs of kept frames of a trial: a new group starts after every dropped frame
        (NaN moment with "drop", or a frame not covered by EMG/ik), so with "keep" a trial is
        one group unless a stream has a gap.

    Raises:
        KinemyoError: nothing readable (says what was searched), an unknown mode or trial name.
        DataFormatError: a malformed file (missing column, Header not increasing...).
        MissingBodyMassError: N·m/kg asked for a subject that SubjectInfo gives no Weight for.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataFormatError("folder not found.", path=root)
    chosen_modes = check_modes(modes)
    wanted = wanted_trials(trials, chosen_modes)
    if nan_moments not in ("drop", "keep"):
        raise KinemyoError(f"nan_moments='{nan_moments}'; use 'drop' or 'keep'.")
    request = TrialRequest(
        angles=tuple(angles),
        moments=tuple(moments),
        moment_unit=units.parse_moment_unit(moment_unit),
        envelope=envelope or EnvelopeConfig(),
        nan_moments=nan_moments,
    )
    cache = open_cache()
    table = read_subject_table(root, cache=cache)
    folders, absent = select_subjects(root, subjects)
    found: dict[str, dict[tuple[str, str], TrialFiles]] = {}
    unrecognised: list[Path] = []
    for subject, folder in folders.items():
        found[subject], skipped = scan_subject(subject, folder, chosen_modes)
        unrecognised.extend(skipped)
    plan, missing, expected = plan_trials(found, absent, wanted)
    if not plan:
        raise_nothing_readable(root, subjects, chosen_modes, trials, missing)
    subject_rows = {s: table.get(s, CamargoSubject(s)) for s in folders}
    check_masses(plan, subject_rows, request.moment_unit, root)
    read: list[CamargoTrial] = []
    for done, files in enumerate(plan, start=1):
        outcome = read_trial(files, subject_rows[files.subject], request, cache)
        if isinstance(outcome, MissingItem):
            missing.append(outcome)
        else:
            read.append(outcome)
        if progress is not None:
            progress(done, len(plan))
    if not read:
        raise_nothing_readable(root, subjects, chosen_modes, trials, missing)
    return CamargoDataset(
        root=root,
        subjects=subject_rows,
        trials=read,
        missing=missing,
        expected=expected,
        unrecognised=unrecognised,
    )
