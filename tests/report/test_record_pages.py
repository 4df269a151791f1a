"""The record beside the model, explained: the outflow that would meet the stock statements
is what the model gives when it is made (checked by running the model again with it), the
record's own conflicts are said, and every [ref] the briefs quote resolves."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from runs import SCENARIOS

from sim.engine.runner import run
from sim.report import assumptions, brief, outflow, paging, record_pages, sources
from sim.results.reader import RunData
from sim.scenario.loading import load, validate

START = dt.date(2020, 3, 2)
DOCS = SCENARIOS.parent / "docs" / "sources.md"


def _scenario(set_aside: list[dict[str, Any]] | None = None,
              observations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One donor giving by pledge only, so that an outflow from its stock changes nothing
    else while the stock lasts."""
    domestic: dict[str, Any] = {"uptake": 0.8, "groups": [{
        "name": "residents", "population": 1e6,
        "rations": [{"date": START, "masks": 3, "per_days": 7}]}]}
    if set_aside:
        domestic["set_aside"] = {"points": set_aside}
    return {
        "name": "outflow", "seed": 3, "horizon": {"start": START,
                                                  "end": START + dt.timedelta(days=59)},
        "goods": [{"id": "masks"}],
        "donors": [{"id": "d", "budget": {"kind": "pledges_only"}, "reserve": {"days": 7},
                    "supplies": [{"good": "masks", "initial_stock": 2e6, "domestic": domestic,
                                  "capacity": {"points": [{"date": START, "value": 1e6}]}}]}],
        "regions": [{"id": "r", "need": {"kind": "constant", "per_day": 3e5},
                     "lead_time": {"kind": "fixed", "days": 2}}],
        "pledges": [{"kind": "fixed", "region": "r", "amount": 1e6,
                     "date": START + dt.timedelta(days=9)}],
        "observations": observations or [],
    }


def _stock(data: dict[str, Any]) -> np.ndarray:
    return RunData.of(run(validate(data))).daily["stock"]


def test_the_outflow_fitted_to_the_stock_statements_meets_them_when_run() -> None:
    plain = _stock(_scenario())
    day = 40
    model = float(plain[day])
    statement = {"date": START + dt.timedelta(days=day), "series": "donor.stock",
                 "range": [model - 12e6, model - 10e6], "kind": "documented",
                 "source": "a ministry [A4]", "note": "CONFLICT in the record with a paper"}
    data = RunData.of(run(validate(_scenario(observations=[statement]))))
    (found,) = outflow.outflows(data)
    assert [s.date for s in found.met] == [str(statement["date"])]
    assert found.rate > 0 and found.share_of_production is not None
    # The model run again with that outflow (as a set-aside from its start day: served
    # before anything else, so it leaves the stock) lands inside the statement.
    start = START + dt.timedelta(days=found.start)
    points = [{"date": START, "value": 0.0}] if found.start else []
    again = _stock(_scenario(set_aside=[*points, {"date": start, "value": found.rate}]))
    lo, hi = statement["range"]
    assert lo <= again[day] <= hi
    assert again[day] == pytest.approx(model - found.rate * (day - found.start + 1), rel=1e-9)
    # In words, as an assumption, with the record's own conflict beside it.
    text = record_pages.outflow_text(data, found)
    assert "ASSUMPTION, not in the scenario" in text and "held out" in text
    blocks = record_pages.blocks(data)
    said = " ".join(b.text for b in blocks if isinstance(b, paging.Text))
    assert "The record disagrees with itself here" in said and "CONFLICT" in said
    assert "Stock at the end of the day (units)" in [b.text for b in blocks
                                                     if isinstance(b, paging.Text)]


def test_a_donor_that_gives_its_surplus_is_told_no_outflow_moves_its_stock() -> None:
    data = _scenario()
    data["donors"][0]["budget"] = {"kind": "all_surplus"}
    data["observations"] = [{"date": START + dt.timedelta(days=30), "series": "donor.stock",
                             "value": 1.0, "kind": "documented", "source": "x"}]
    (found,) = outflow.outflows(RunData.of(run(validate(data))))
    assert found.gives_surplus
    assert "no outflow would move it" in record_pages.outflow_text(
        RunData.of(run(validate(data))), found)


def test_a_stock_within_ten_percent_of_every_statement_needs_no_outflow_said() -> None:
    day = 40
    model = float(_stock(_scenario())[day])
    near = {"date": START + dt.timedelta(days=day), "series": "donor.stock",
            "range": [model * 1.05, model * 1.2], "kind": "documented", "source": "x"}
    data = RunData.of(run(validate(_scenario(observations=[near]))))
    (found,) = outflow.outflows(data)
    assert record_pages.outflow_text(data, found) == ""
    far = {**near, "range": [model * 1.5, model * 1.6]}
    data = RunData.of(run(validate(_scenario(observations=[far]))))
    (found,) = outflow.outflows(data)
    assert "more than 10 % outside the record's range in 1 of 1" in record_pages.outflow_text(
        data, found)


def test_assumptions_say_availability_and_leave_out_fields_at_their_default() -> None:
    data = _scenario()
    data["donors"][0]["supplies"][0]["availability"] = 0.9
    resolved = RunData.of(run(validate(data)))
    donor = resolved.scenario["donors"][0]
    said = assumptions.supply_words(resolved, donor["supplies"][0], donor)
    assert "availability 90 % (made on an average day: capacity x 0.9)" in said
    assert "outages" not in said and "requisition" not in said
    assert not assumptions.default_field("availability", 0.9)
    assert assumptions.default_field("availability", 1.0)
    assert assumptions.default_field("outages", {"daily_probability": 0.0, "severity": 0.5,
                                                 "mean_duration_days": 1.0})


def test_docs_sources_is_written_from_the_list() -> None:
    assert DOCS.read_text(encoding="utf-8") == sources.markdown()


def test_references_are_read_from_brackets() -> None:
    assert sources.cited(["x [A6] y", "[record C2]", "[B1, B2]", "[B1-B3] [A2/CECC]",
                          "[C3, DERIVED] [DERIVED] [NOT FOUND] [A4b]"]) == [
        "A2", "A4b", "A6", "B1", "B2", "B3", "C2", "C3"]
    assert sources.cited(["[C] and [not a ref]"]) == ["C"]


@pytest.mark.parametrize("name", sorted(p.stem for p in SCENARIOS.glob("*.toml")))
def test_every_reference_a_scenario_cites_resolves(name: str) -> None:
    text = (SCENARIOS / f"{name}.toml").read_text(encoding="utf-8")
    unknown = [r for r in sources.cited([text]) if r not in sources.BY_REF]
    assert not unknown, unknown
    data = RunData.of(run(load(SCENARIOS / f"{name}.toml")))
    quoted = sources.cited(brief.quoted(data))
    rows = brief.sources_blocks(data, brief.quoted(data))
    table = [b for b in rows if isinstance(b, paging.Table)]
    assert [r[0] for t in table for r in t.rows] == [f"[{r}]" for r in quoted]
