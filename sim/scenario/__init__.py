"""The scenario: frozen pydantic models in one form, TOML loading and writing, the older
single-donor form rewritten at the edge, dotted overrides, date-keyed schedules.

Nothing is imported here, so that ``sim.scenario.enums`` loads without the pydantic models;
the public names are in ``sim``."""
