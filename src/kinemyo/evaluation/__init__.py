"""Evaluation: accuracy metrics and tables of them, and train/test protocols (leak-free, plus the
seed's leaky random k-fold, labelled as such)."""

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
from kinemyo.evaluation.protocols import (
    PROTOCOLS,
    Split,
    cross_task,
    leave_one_subject_out,
    random_kfold,
    within_trial,
)

__all__ = [
    "METRICS",
    "PROTOCOLS",
    "Split",
    "average_over",
    "cross_task",
    "leave_one_subject_out",
    "mae",
    "nrmse",
    "pearson_r",
    "r2",
    "random_kfold",
    "rmse",
    "score",
    "summarise",
    "vaf",
    "within_trial",
]
