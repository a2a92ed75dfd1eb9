"""Settings of online adaptation (:meth:`kinemyo.models.base.Estimator.partial_fit`): how a fitted
model takes in newly labelled windows, e.g. from a calibration walk of a new user.

Every model keeps its fitted input and target scaling (fitted on the original training data):
the new windows are standardised with it, so estimates stay in the same units and the exported
scalers stay valid.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kinemyo.settings import settings


@settings
class Adaptation:
    """How :meth:`~kinemyo.models.base.Estimator.partial_fit` adapts a fitted model.

    Attributes:
        epochs: sequence models: passes of Adam over the new windows' chunks.
        learning_rate: sequence models: Adam's constant learning rate (small: the fitted weights
            are the starting point, not noise).
        batch_size: sequence models: chunks per optimiser step.
        forgetting: ridge: factor (0, 1] on the sufficient statistics of the windows seen so far
            before the new ones are added (1: the exact fit on old and new windows together;
            below 1 the old windows count less, as in recursive least squares with forgetting).

    Raises:
        KinemyoError: a setting of the wrong type or out of range, naming it.
    """

    epochs: Annotated[int, Field(ge=1, le=10_000)] = 5
    learning_rate: Annotated[float, Field(gt=0, le=1.0)] = 3e-4
    batch_size: Annotated[int, Field(ge=1, le=65_536)] = 8
    forgetting: Annotated[float, Field(gt=0, le=1.0)] = 1.0
