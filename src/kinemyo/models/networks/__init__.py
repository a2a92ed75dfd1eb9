"""Causal sequence networks (PyTorch): LSTM, TCN, Transformer, sLSTM, mLSTM, xLSTM, xLSTMTime,
LSTAM and a feed-forward window baseline (FFN).

Importing this package registers every network in :data:`NETWORKS`.
"""

from kinemyo.models.networks import (
    feedforward,
    lstam,
    recurrent,
    tcn,
    transformer,
    windowing,
    xlstm,
    xlstmtime,
)
from kinemyo.models.networks.base import NETWORKS, SequenceNetwork, build_network, register_network
from kinemyo.models.networks.feedforward import FeedForwardNetwork
from kinemyo.models.networks.lstam import LSTAM

__all__ = [
    "LSTAM",
    "NETWORKS",
    "FeedForwardNetwork",
    "SequenceNetwork",
    "build_network",
    "feedforward",
    "lstam",
    "recurrent",
    "register_network",
    "tcn",
    "transformer",
    "windowing",
    "xlstm",
    "xlstmtime",
]
