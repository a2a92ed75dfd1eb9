"""The Camargo et al. 2021 (EPIC lab) dataset layout: treadmill, level ground, ramps, stairs."""

from kinemyo.data.camargo.envelope import EnvelopeConfig, emg_envelope
from kinemyo.data.camargo.reader import (
    CamargoDataset,
    CamargoSubject,
    CamargoTrial,
    MissingItem,
    height_in_m,
    normalise_subject,
    read_camargo,
    read_subject_table,
)

__all__ = [
    "CamargoDataset",
    "CamargoSubject",
    "CamargoTrial",
    "EnvelopeConfig",
    "MissingItem",
    "emg_envelope",
    "height_in_m",
    "normalise_subject",
    "read_camargo",
    "read_subject_table",
]
