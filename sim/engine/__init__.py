"""The engine: plan (scenario -> arrays), draws, the daily steps, the SimPy and batch engines."""
