"""The scenario: frozen pydantic models, TOML loading and writing, dotted overrides, schedules."""

# The models module first: it re-exports Scenario from ``scenario``, which builds on
# ``donors``, which builds on ``models``; importing ``donors`` or ``scenario`` first would
# otherwise meet a half-initialised ``models``.
from sim.scenario import models as _models  # noqa: E402, F401
