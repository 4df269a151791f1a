"""Hubs: a first come, first served queue with a daily throughput, in both engines alike."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from checks import check_mass_balance
from hub_scenario import HUB_SCENARIO

from sim.engine.runner import Engine, Result, run
from sim.scenario.errors import InputError
from sim.scenario.loading import validate

BASE = HUB_SCENARIO


def _run(data: dict[str, Any], engine: Engine = Engine.DES) -> Result:
    result = run(validate(data), engine=engine)
    check_mass_balance(result)
    return result


@pytest.mark.parametrize("engine", list(Engine))
def test_a_hub_handles_its_throughput_a_day_oldest_first(engine: Engine) -> None:
    # 300 masks land at the hub on day 0 (no transit to it); it handles 100 a day, each part
    # leaves a day later and takes 2 more days: they land on days 3, 4 and 5.
    result = _run(copy.deepcopy(BASE), engine)
    s = result.run.series
    assert s is not None
    np.testing.assert_allclose(s.region["arrived"][0, :, 0], [0, 0, 0, 100, 100, 100, 0, 0, 0, 0])
    np.testing.assert_allclose(s.hub["handled"][0, 0, :4], [100, 100, 100, 0])
    np.testing.assert_allclose(s.hub["queue"][0, 0, :4], [200, 100, 0, 0])
    np.testing.assert_allclose(s.hub["wait_days"][0, 0, :3], [0, 1, 2])
    assert result.run.totals.first_delivery_day[0, 0] == 3
    np.testing.assert_allclose(result.run.totals.hub_waited[0, 0], 100 * (0 + 1 + 2))


def test_consignments_are_handled_in_the_order_they_landed() -> None:
    # Donor b's 300 kits take 1 day to the hub, donor a's masks none: a's are first in line.
    # In kg (masks 0.5, kits 2), 100 kg a day: 150 kg of masks, then 300 x 2 = 600 kg of kits.
    data = copy.deepcopy(BASE)
    data["hubs"][0].update(throughput_unit="kg")
    data["donors"].append({**data["donors"][0], "id": "b", "lead_times": {
        "addis": {"kind": "fixed", "days": 1}},
        "supplies": [{"good": "kits", "initial_stock": 300}]})
    s = _run(data).run.series
    assert s is not None
    handled = s.hub["handled"][0, 0]  # kg
    np.testing.assert_allclose(handled[:8], [100, 100, 100, 100, 100, 100, 100, 50])
    # masks: 200 on day 0, 100 on day 1 (then 50 kg of day 1 goes to the kits)
    arrived = s.region["arrived"][:, :, 0]
    np.testing.assert_allclose(arrived[0, 3:5], [200, 100])
    np.testing.assert_allclose(arrived[1, 4:10], [25, 50, 50, 50, 50, 50])
    # Waiting weighted by what the hub handles (kg): masks 100 kg x 0 days + 50 x 1; kits,
    # landed on day 1, 50 x 0 + 100 x (1 + 2 + 3 + 4 + 5) + 50 x 6: 1,850 kg-days of 750 kg.
    totals = _run(data).run.totals
    np.testing.assert_allclose(totals.hub_handled[0, 0], 750)
    np.testing.assert_allclose(totals.hub_waited[0, 0], 1850)


def test_bad_hubs_are_input_errors() -> None:
    data = copy.deepcopy(BASE)
    data["donors"][0]["via"] = {"r": "nairobi"}
    with pytest.raises(InputError, match=r"donors\[0\]\.via: unknown hub 'nairobi'"):
        validate(data)
    data = copy.deepcopy(BASE)
    data["hubs"][0]["throughput_per_day"] = 0
    with pytest.raises(InputError, match=r"hubs\[0\]\.throughput_per_day"):
        validate(data)
    data = copy.deepcopy(BASE)
    data["hubs"][0]["lead_times"] = {"mars": 1}
    with pytest.raises(InputError, match=r"hubs\[0\]\.lead_times: unknown region 'mars'"):
        validate(data)
    data = copy.deepcopy(BASE)
    data["goods"][0].pop("mass_kg")
    data["hubs"][0]["throughput_unit"] = "kg"
    with pytest.raises(InputError, match=r"hubs\[0\]\.throughput_unit: a throughput in kg"):
        validate(data)


def test_a_hub_nobody_uses_is_allowed_with_a_warning() -> None:
    data = copy.deepcopy(BASE)
    data["donors"][0]["via"] = {}
    scenario = validate(data)
    assert scenario.hub_warnings() == ["hubs[0]: no donor routes a region through hub 'addis'"]
    assert validate(copy.deepcopy(BASE)).hub_warnings() == []


def test_a_batch_of_hub_scenarios_gives_each_what_it_gives_alone() -> None:
    """Scenarios differing in a hub's throughput (a per-scenario array) and seed, run
    together through run_scenarios, each equal the scenario run alone."""
    from sim.results.batch import run_scenarios
    from sim.scenario.overrides import with_overrides

    data = copy.deepcopy(BASE)
    data["donors"].append({**data["donors"][0], "id": "b",
                           "supplies": [{"good": "kits", "initial_stock": 300}]})
    base = validate(data)
    scenarios = with_overrides(base, [{"hubs[0].throughput_per_day": tp, "seed": seed}
                                      for tp, seed in ((50, 1), (100, 2), (400, 3))])
    together = run_scenarios(scenarios, keep_series=True).runs
    assert together is not None
    for scenario, batch in zip(scenarios, together, strict=True):
        alone = run(scenario, engine=Engine.BATCH).run
        assert alone.series is not None and batch.series is not None
        for name, values in alone.series.hub.items():
            np.testing.assert_array_equal(values, batch.series.hub[name])
        np.testing.assert_array_equal(alone.totals.hub_handled, batch.totals.hub_handled)
        np.testing.assert_array_equal(alone.series.region["arrived"],
                                      batch.series.region["arrived"])
