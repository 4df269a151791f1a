"""Sweeps: designs, experiments on the batch engine, executors, the resumable store, sensitivity."""
