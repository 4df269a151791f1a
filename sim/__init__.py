"""masksim: a supply-allocation simulator for donations of medical supplies."""

__version__ = "0.1.0"
