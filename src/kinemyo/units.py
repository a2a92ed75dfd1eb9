"""Unit strings used across kinemyo. Every array of samples carries one of these per channel."""

SECONDS = "s"
HERTZ = "Hz"
MILLIVOLT = "mV"
DEGREE = "deg"
NEWTON_METRE = "N·m"
NEWTON_METRE_PER_KG = "N·m/kg"
KILOGRAM = "kg"

MOMENT_UNITS = (NEWTON_METRE, NEWTON_METRE_PER_KG)
