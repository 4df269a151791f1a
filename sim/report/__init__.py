"""Figures, the policy brief and comparisons of runs."""
