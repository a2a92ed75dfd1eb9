"""The mat-io package (MATLAB tables as pandas DataFrames), imported on first use."""

from __future__ import annotations

import warnings
from types import ModuleType

from kinemyo.errors import KinemyoError


def matio() -> ModuleType:
    """The ``matio`` module; a KinemyoError saying how to install it or convert the files.

    mat-io sets a pandas option that pandas 3 deprecates; that warning is silenced here only.
    """
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*future.infer_string")
            import matio as module
    except ImportError:
        raise KinemyoError(
            "MATLAB tables need the mat-io package (pip install mat-io); or convert them to CSV "
            "with MATLAB's writetable, in the same folders."
        ) from None
    return module
