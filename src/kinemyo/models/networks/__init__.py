"""Causal sequence networks (PyTorch): LSTM, TCN, Transformer, sLSTM, mLSTM, xLSTM, xLSTMTime.

Importing this package registers every network in :data:`NETWORKS`.
"""

from kinemyo.models.networks import recurrent, tcn, transformer, xlstm, xlstmtime
from kinemyo.models.networks.base import NETWORKS, SequenceNetwork, build_network, register_network

__all__ = [
    "NETWORKS",
    "SequenceNetwork",
    "build_network",
    "recurrent",
    "register_network",
    "tcn",
    "transformer",
    "xlstm",
    "xlstmtime",
]
