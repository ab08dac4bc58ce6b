"""Training: configuration, the trainer, run control, events, metrics, devices."""
