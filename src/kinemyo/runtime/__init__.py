"""Real time: the streaming estimator, stream faults and Lab Streaming Layer in and out."""
