"""Results: metrics, the run's folder (writer and reader)."""
