"""The scenario: frozen pydantic models, TOML loading and writing, dotted overrides, schedules."""
