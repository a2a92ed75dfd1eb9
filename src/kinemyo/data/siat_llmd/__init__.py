"""The SIAT-LLMD dataset layout: schema, reader, writer and subject table."""

from kinemyo.data.siat_llmd.labels import LabelTable, pair_labels, read_label_table
from kinemyo.data.siat_llmd.reader import (
    ReadOptions,
    find_trials,
    read_siat_llmd,
    read_trial,
    read_trial_file,
)
from kinemyo.data.siat_llmd.schema import SubjectInfo
from kinemyo.data.siat_llmd.subjects import read_subject_info, write_subject_info
from kinemyo.data.siat_llmd.writer import write_labels, write_siat_llmd, write_trial

__all__ = [
    "LabelTable",
    "ReadOptions",
    "SubjectInfo",
    "find_trials",
    "pair_labels",
    "read_label_table",
    "read_siat_llmd",
    "read_subject_info",
    "read_trial",
    "read_trial_file",
    "write_labels",
    "write_siat_llmd",
    "write_subject_info",
    "write_trial",
]
