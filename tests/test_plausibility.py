"""implausible(): the first sample beyond the plausible range of each channel's unit."""

from __future__ import annotations

import numpy as np
import pytest

from kinemyo.data.plausibility import Implausible, implausible, warn_implausible
from kinemyo.errors import DataWarning

NAMES = ("emg", "angle", "moment", "per_kg", "force", "volts")
UNITS = ("mV", "deg", "N·m", "N·m/kg", "N", "V")


def test_limits_per_unit_from_the_table() -> None:
    # the documented limits: 100 mV, 360 deg, 1000 N·m, 20 N·m/kg, 0.1 V; N is not checked
    inside = np.array([[100.0, -360.0, 1000.0, -20.0, 1e9, 0.1]])
    beyond = np.array([[100.5, -361.0, 1000.5, -20.5, 1e9, 0.11]])
    values = np.vstack([inside, inside, beyond])
    assert implausible(values, UNITS, NAMES) == [
        Implausible("emg", 3, 100.5),
        Implausible("angle", 3, -361.0),
        Implausible("moment", 3, 1000.5),
        Implausible("per_kg", 3, -20.5),
        Implausible("volts", 3, 0.11),
    ]


def test_first_row_is_one_based_nan_is_missing_and_inf_is_implausible() -> None:
    values = np.array([[np.nan, 1.0], [5.0, np.inf], [3e38, -np.inf]], dtype=np.float32)
    assert implausible(values, ("N·m", "deg"), ("a", "b")) == [
        Implausible("a", 3, pytest.approx(3e38, rel=1e-6)),
        Implausible("b", 2, np.inf),
    ]


def test_unknown_units_and_plausible_values_give_nothing() -> None:
    values = np.full((4, 2), 1e6)
    assert implausible(values, ("", "m"), ("a", "b")) == []
    assert implausible(np.zeros((0, 1)), ("mV",), ("a",)) == []


def test_warning_names_file_column_row_and_limit() -> None:
    values = np.array([[1.0, 2.0], [1.0, 3e38]])
    with pytest.warns(DataWarning) as caught:
        found = warn_implausible("trial.csv", values, ("mV", "N·m"), ("emg", "torque"))
    assert found == [Implausible("torque", 2, 3e38)]
    (warning,) = caught
    assert str(warning.message) == (
        "trial.csv: values beyond the plausible range of their unit (a corrupt cell or a wrong "
        "unit?): column 'torque' row 2: 3e+38 N·m (plausible |x| <= 1000)."
    )
