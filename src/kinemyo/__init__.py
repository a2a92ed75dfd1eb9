"""kinemyo: estimate and forecast lower-limb joint angles and moments from sEMG and joint angles."""

from kinemyo.data.recording import Labels, Recording, RecordingMeta, SignalBlock
from kinemyo.errors import DataFormatError, KinemyoError

__version__ = "0.1.0"

__all__ = [
    "DataFormatError",
    "KinemyoError",
    "Labels",
    "Recording",
    "RecordingMeta",
    "SignalBlock",
    "__version__",
]
