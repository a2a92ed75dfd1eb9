"""A dataset manifest: one YAML file that describes a lab's own OpenSim, C3D or CSV trial set."""

from kinemyo.data.manifest.reader import read_manifest, read_trial
from kinemyo.data.manifest.schema import Manifest, load_manifest

__all__ = ["Manifest", "load_manifest", "read_manifest", "read_trial"]
