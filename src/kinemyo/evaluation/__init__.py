"""Evaluation: accuracy metrics and tables of them, and leakage-free train/test protocols."""

from kinemyo.evaluation.metrics import (
    METRICS,
    average_over,
    mae,
    nrmse,
    pearson_r,
    r2,
    rmse,
    score,
    summarise,
    vaf,
)
from kinemyo.evaluation.protocols import Split, cross_task, leave_one_subject_out, within_trial

__all__ = [
    "METRICS",
    "Split",
    "average_over",
    "cross_task",
    "leave_one_subject_out",
    "mae",
    "nrmse",
    "pearson_r",
    "r2",
    "rmse",
    "score",
    "summarise",
    "vaf",
    "within_trial",
]
