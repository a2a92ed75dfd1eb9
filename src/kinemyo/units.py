"""Unit strings used across kinemyo. Every array of samples carries one of these per channel."""

from kinemyo.errors import KinemyoError

SECONDS = "s"
HERTZ = "Hz"
VOLT = "V"
MILLIVOLT = "mV"
DEGREE = "deg"
RADIAN = "rad"
NEWTON_METRE = "N·m"
NEWTON_METRE_PER_KG = "N·m/kg"
KILOGRAM = "kg"

MOMENT_UNITS = (NEWTON_METRE, NEWTON_METRE_PER_KG)


def parse_moment_unit(text: str) -> str:
    """``N·m`` or ``N·m/kg`` from what a user types: 'Nm', 'N.m', 'N*m', 'N m', '/kg' likewise."""
    compact = text.strip().replace(" ", "")
    for spelling in ("N.m", "N*m", "Nm"):
        compact = compact.replace(spelling, NEWTON_METRE)
    if compact not in MOMENT_UNITS:
        raise KinemyoError(f"Unknown moment unit '{text}'; use Nm (N·m) or Nm/kg (N·m/kg).")
    return compact
