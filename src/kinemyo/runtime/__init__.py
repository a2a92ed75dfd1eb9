"""Real-time use of fitted models: streaming, ONNX export, Lab Streaming Layer."""
