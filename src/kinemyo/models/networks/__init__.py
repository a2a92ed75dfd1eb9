"""Causal sequence networks (PyTorch): LSTM, TCN, Transformer, sLSTM, mLSTM, xLSTM, xLSTMTime."""

from kinemyo.models.networks.base import NETWORKS, SequenceNetwork, build_network, register_network

__all__ = ["NETWORKS", "SequenceNetwork", "build_network", "register_network"]
