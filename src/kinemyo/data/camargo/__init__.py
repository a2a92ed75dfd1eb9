"""The Camargo et al. 2021 (EPIC lab) dataset layout: treadmill, level ground, ramps, stairs."""

from kinemyo.data.camargo.dataset import CamargoDataset
from kinemyo.data.camargo.discovery import normalise_subject
from kinemyo.data.camargo.envelope import EnvelopeConfig, emg_envelope
from kinemyo.data.camargo.plan import MissingItem
from kinemyo.data.camargo.reader import read_camargo
from kinemyo.data.camargo.subjects import CamargoSubject, height_in_m, read_subject_table
from kinemyo.data.camargo.trial import CamargoTrial

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
