"""JSON Schema of a sweep file as it may be written (``masksim schema sweep``): the Sweep
model's, with the outcomes and series a sweep may keep listed, so an editor completes them."""

from __future__ import annotations

from sim.engine.state import DONOR_SERIES
from sim.results.metrics import RENAMED, SCALARS
from sim.scenario.schema import Schema, model_schema
from sim.sweep.spec import Sweep


def sweep_schema() -> Schema:
    out = model_schema(Sweep, "masksim sweep")
    props = out["properties"]
    # The older outcome names are still read (with a warning) for one release.
    props["outcomes"]["items"] = {"anyOf": [
        {"type": "string", "enum": [*SCALARS, *RENAMED]},
        {"type": "string", "pattern": rf"^({'|'.join(SCALARS)})\[[A-Za-z0-9_.-]+\]$",
         "description": "one good's outcome, as name[good]"}]}
    props["series"]["items"] = {"type": "string", "enum": list(DONOR_SERIES)}
    return out
