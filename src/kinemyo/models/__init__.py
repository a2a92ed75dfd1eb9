"""Models from windowed sEMG features to joint targets, all behind one contract and one registry.

Importing this package registers the built-in models: "mean", "template", "ridge", "gpr" and the
sequence models "lstm", "tcn", "transformer", "slstm", "mlstm", "xlstm", "xlstmtime".
"""

from kinemyo.models.base import Estimator, Schema, load_model
from kinemyo.models.baselines import MeanPredictor, RidgeRegression, TemplatePredictor
from kinemyo.models.gpr import GaussianProcess
from kinemyo.models.registry import available, create, model_class, register
from kinemyo.models.sequence import SequenceRegressor

__all__ = [
    "Estimator",
    "GaussianProcess",
    "MeanPredictor",
    "RidgeRegression",
    "Schema",
    "SequenceRegressor",
    "TemplatePredictor",
    "available",
    "create",
    "load_model",
    "model_class",
    "register",
]
