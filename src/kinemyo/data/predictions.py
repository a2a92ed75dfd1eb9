"""Predictions out: a CSV table of every window, or one OpenSim storage file (.sto) per trial.

Both carry what the model gives: the estimate of each joint and quantity, its sigma for
probabilistic models and the bounds of every calibrated interval level.

CSV columns: ``subject, task, trial, time`` then, per joint and quantity, ``<joint> <quantity>
(<unit>)``, ``<joint> <quantity> sigma (<unit>)``, ``<joint> <quantity> lo90 (<unit>)``,
``<joint> <quantity> hi90 (<unit>)`` ...

.sto columns use OpenSim's coordinate names where the joint is one of OpenSim's
(``knee_angle_l`` for "left knee flexion", ``hip_flexion_r_moment`` for its moment, as the ID tool
writes them), so the file opens beside OpenSim's IK and ID results; bounds are
``<column>_lo90`` / ``<column>_hi90``, sigma ``<column>_sigma``. Time is each window's last sample
in its trial, s; ``inDegrees`` is yes when the angles are in degrees (no for moments alone, as
the ID tool writes it). Units and signs are those of the data the model was fitted on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from kinemyo.data.opensim import StorageTable
from kinemyo.data.windowed import Prediction, WindowedDataset, level_name
from kinemyo.errors import KinemyoError

OPENSIM_COORDINATES = {
    "hip flexion": "hip_flexion",
    "hip adduction": "hip_adduction",
    "hip rotation": "hip_rotation",
    "knee flexion": "knee_angle",
    "ankle flexion": "ankle_angle",
    "ankle dorsiflexion": "ankle_angle",
}
"""kinemyo joint names (without side) -> OpenSim coordinate names (gait2392, Rajagopal)."""

_SIDES = {"left": "l", "right": "r"}


def opensim_column(joint: str, quantity: str) -> str:
    """The storage column of ``joint``'s ``quantity``: e.g. ("left knee flexion", "angle") ->
    "knee_angle_l", ("right hip flexion", "moment") -> "hip_flexion_r_moment"; another joint is
    written in snake case ("left toe" -> "left_toe")."""
    side, _, rest = joint.partition(" ")
    if side in _SIDES and rest in OPENSIM_COORDINATES:
        base = f"{OPENSIM_COORDINATES[rest]}_{_SIDES[side]}"
    else:
        base = OPENSIM_COORDINATES.get(joint) or re.sub(r"\W+", "_", joint.strip()).strip("_")
    return base if quantity == "angle" else f"{base}_{quantity}"


def _columns(prediction: Prediction, name: str) -> dict[str, np.ndarray]:
    """Column name -> (N,) values of every estimate, sigma and bound; ``name(joint, quantity,
    suffix, unit)`` words the column."""
    columns = {}
    for j, joint in enumerate(prediction.joints):
        for q, (quantity, unit) in enumerate(
            zip(prediction.quantities, prediction.units, strict=True)
        ):
            columns[name(joint, quantity, "", unit)] = prediction.mean[:, j, q]
            if prediction.std is not None:
                columns[name(joint, quantity, "sigma", unit)] = prediction.std[:, j, q]
            for level, (lower, upper) in sorted(prediction.bounds.items(), reverse=True):
                columns[name(joint, quantity, f"lo{level_name(level)}", unit)] = lower[:, j, q]
                columns[name(joint, quantity, f"hi{level_name(level)}", unit)] = upper[:, j, q]
    return columns


def prediction_table(data: WindowedDataset, prediction: Prediction) -> pd.DataFrame:
    """One row per window: subject, task, trial, time (s), then every estimate, sigma and bound
    with its unit (see the module docstring)."""
    table = pd.DataFrame({k: getattr(data, k) for k in ("subject", "task", "trial", "time")})
    columns = _columns(
        prediction,
        lambda joint, quantity, suffix, unit: " ".join(
            part for part in (joint, quantity, suffix, f"({unit})") if part
        ),
    )
    return pd.concat([table, pd.DataFrame(columns)], axis=1)


def trial_windows(trial: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
    """(trial, the indices of its windows in file order) for each trial of the (N,) ``trial``
    names, in the order the trials first appear; one sort for all trials."""
    names, first, inverse = np.unique(trial, return_index=True, return_inverse=True)
    by_trial = np.argsort(inverse, kind="stable")
    groups = np.split(by_trial, np.cumsum(np.bincount(inverse, minlength=names.size))[:-1])
    for k in np.argsort(first):
        yield str(names[k]), groups[k]


def trial_storage(
    data: WindowedDataset,
    prediction: Prediction,
    trial: str,
    index: np.ndarray,
    column: Callable[[str, str], str] = opensim_column,
    name: str = "",
) -> StorageTable:
    """The predictions of the windows of ``trial`` as an OpenSim storage table, in time order.

    Args:
        data: the predicted windows; prediction: the model's estimates of them.
        trial: which trial to write (its name, for the table's name and the messages).
        index: the positions of its windows in ``data`` (from :func:`trial_windows`).
        column: the storage column of a (joint, quantity); bounds and sigma get a suffix.
        name: the table's name line (default: "kinemyo predictions <trial>").

    Raises:
        KinemyoError: the trial has no windows, or two windows at the same time (a stitched
            file's Groups), which a storage file cannot hold.
    """
    index = np.asarray(index)
    if index.size == 0:
        raise KinemyoError(f"No windows of trial '{trial}' to write.")
    index = index[np.argsort(data.time[index], kind="stable")]
    time = data.time[index].astype(np.float64)
    if np.any(np.diff(time) <= 0):
        raise KinemyoError(
            f"Trial '{trial}' has several windows at the same time (segments stitched on one "
            "time axis); an OpenSim storage file needs increasing time. Use --format csv."
        )
    columns = _columns(
        prediction.subset(index),
        lambda joint, quantity, suffix, unit: "_".join(
            part for part in (column(joint, quantity), suffix) if part
        ),
    )
    units = dict(zip(prediction.quantities, prediction.units, strict=True))
    return StorageTable(
        name=name or f"kinemyo predictions {trial}",
        columns=tuple(columns),
        time=time,
        values=np.column_stack(list(columns.values())).astype(np.float64),
        in_degrees=units.get("angle") == "deg",
    )
