"""What a run needs to be reproduced: package versions and a fingerprint of its data."""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Sequence
from importlib import metadata

from kinemyo.data.recording import Recording

PACKAGES = ("kinemyo", "numpy", "scipy", "PyWavelets", "scikit-learn", "pyarrow", "pandas", "torch")


def package_versions() -> dict[str, str]:
    """Python and the versions of the packages kinemyo's results depend on."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def fingerprint(recordings: Sequence[Recording]) -> str:
    """SHA-256 over every recording's name, rate and samples (EMG, angles, moments, labels)."""
    digest = hashlib.sha256()
    for rec in recordings:
        digest.update(f"{rec.meta.name}|{rec.fs}|{rec.n_samples}".encode())
        for block in (rec.emg, rec.angles, rec.moments):
            if block is not None:
                digest.update("|".join(block.names).encode())
                digest.update(block.values.tobytes())
        if rec.labels is not None:
            digest.update(rec.labels.group.tobytes())
            digest.update("".join(rec.labels.status.tolist()).encode())
    return digest.hexdigest()
