"""The seed tree: every subject and every (subject, motion) trial has its own random stream.

Subject ``i`` (0-based) owns child ``i`` of ``np.random.SeedSequence(seed)``; under it, key 0 draws
the subject's profile and key ``1 + k`` the trial of the k-th motion of ``schema.MOTIONS``. A stream
depends only on (seed, subject, motion), so requesting more subjects or motions leaves every other
trial unchanged. The Camargo-layout generator keys its streams ``(i, CAMARGO_KEY, crc32(name))``
by name (the subject's extras, each trial stem), so its trials are independent in the same way.
"""

from __future__ import annotations

import zlib

import numpy as np

from kinemyo.data.siat_llmd import schema


def profile_rng(seed: int, subject_index: int) -> np.random.Generator:
    """Random stream of the profile of subject ``subject_index`` (0-based)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(subject_index, 0)))


def recording_rng(seed: int, subject_index: int, motion: str) -> np.random.Generator:
    """Random stream of the ``motion`` trial of subject ``subject_index`` (0-based)."""
    key = 1 + list(schema.MOTIONS).index(motion)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(subject_index, key)))


CAMARGO_KEY = 1000
"""Second spawn-key entry of the Camargo-layout streams, beyond the SIAT-LLMD motion keys."""


def camargo_rng(seed: int, subject_index: int, stream: str) -> np.random.Generator:
    """Random stream ``stream`` (e.g. "subject" or a trial stem) of Camargo-layout subject
    ``subject_index`` (0-based): child ``(subject_index, CAMARGO_KEY, crc32(stream))``."""
    key = (subject_index, CAMARGO_KEY, zlib.crc32(stream.encode()))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
