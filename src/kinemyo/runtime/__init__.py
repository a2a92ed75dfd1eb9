"""Real time: the streaming estimator, stream faults, Lab Streaming Layer in and out, and ONNX
export of the step network."""
