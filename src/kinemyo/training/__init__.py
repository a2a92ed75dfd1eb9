"""Training of torch models: sequences of windows and one training loop."""
