"""The ONNX opsets :mod:`kinemyo.runtime.export` writes (no heavy imports: the CLI's ``--opset``
bounds come from here)."""

DEFAULT_OPSET = 17
MIN_OPSET = 14
MAX_OPSET = 20
"""torch's TorchScript exporter writes every operator of kinemyo's exportable steps at these."""
