"""Models from windowed sEMG features to joint targets, all behind one contract and one registry.

Importing this package registers the built-in models: "mean", "ridge" and "gpr".
"""

from kinemyo.models.base import Estimator, Schema, load_model
from kinemyo.models.baselines import MeanPredictor, RidgeRegression
from kinemyo.models.gpr import GaussianProcess
from kinemyo.models.registry import available, create, model_class, register

__all__ = [
    "Estimator",
    "GaussianProcess",
    "MeanPredictor",
    "RidgeRegression",
    "Schema",
    "available",
    "create",
    "load_model",
    "model_class",
    "register",
]
