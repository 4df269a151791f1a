"""scenarios/korea_test_kits_2020.toml replays the record (record-2020.md, section C): each
of South Korea's gifts and exports of test kits leaves on its date with its amount of its
good and lands inside the record's window, and the two engines give the same run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
from checks import check_engines_agree

from sim.engine.runner import Result, run
from sim.scenario.loading import load

PATH = Path(__file__).resolve().parents[1] / "scenarios" / "korea_test_kits_2020.toml"
END = dt.date(2020, 5, 31)


class Gift(NamedTuple):
    region: str
    good: str
    amount: float
    leaves: dt.date  # the day it leaves (the record's date, or its arrival less the transit)
    lands: tuple[dt.date, dt.date]  # the record's window for its arrival, both ends included


D = dt.date
RECORD = [
    # [C2] KBS: arrived 12 Mar; Cheong Wa Dae, 17 Mar: "earlier this week".
    Gift("uae", "sampling_kits", 51_000, D(2020, 3, 11), (D(2020, 3, 12), D(2020, 3, 17))),
    # [C1] arrived Fri ~13 Mar (Duque, 14 Mar).
    Gift("philippines", "pcr_kits", 500, D(2020, 3, 12), (D(2020, 3, 12), D(2020, 3, 14))),
    # [C1] "1,000 more" expected on 14 Mar, arrived by 20 Mar (Vergeire).
    Gift("philippines", "pcr_kits", 1_000, D(2020, 3, 18), (D(2020, 3, 15), D(2020, 3, 20))),
    # [C2] exported by 25 Mar (Korea Herald); no arrival date in the record.
    Gift("romania", "export_kits", 20_000, D(2020, 3, 24), (D(2020, 3, 24), END)),
    Gift("colombia", "export_kits", 50_000, D(2020, 3, 24), (D(2020, 3, 24), END)),
    # [C2] contract signed 13 Apr; delivery undated.
    Gift("us", "export_kits", 600_000, D(2020, 4, 15), (D(2020, 4, 13), END)),
    # [C2] arrived 18 Apr (Yonhap).
    Gift("gabon", "export_kits", 50_000, D(2020, 4, 16), (D(2020, 4, 18), D(2020, 4, 18))),
    # [C1] 700 Q-Sens kits (35,000 tests) arrived 24 Apr (DFA).
    Gift("philippines", "qsens_kits", 700, D(2020, 4, 23), (D(2020, 4, 24), D(2020, 4, 24))),
]


@pytest.fixture(scope="module")
def result() -> Result:
    return run(load(PATH))


def _channel(result: Result, good: str) -> int:
    plan = result.run.plan
    (c,) = [c for c in range(plan.n_channels)
            if plan.good_ids[int(plan.channel_good[c])] == good]
    return c


@pytest.mark.parametrize("gift", RECORD, ids=lambda g: f"{g.region}-{g.good}-{g.leaves}")
def test_each_recorded_gift_is_one_pledge_of_its_good_on_its_date(result: Result,
                                                                 gift: Gift) -> None:
    scenario, plan = result.scenario, result.run.plan
    (i,) = [i for i, p in enumerate(scenario.pledges)
            if p.region == gift.region and p.good == gift.good
            and getattr(p, "date", None) == gift.leaves]
    (p,) = np.flatnonzero(plan.pledge_source == i)
    c = int(plan.pledge_channel[p])
    assert plan.good_ids[int(plan.channel_good[c])] == gift.good
    assert plan.region_ids[int(plan.pledge_region[p])] == gift.region
    assert plan.pledge_units[c, p] == gift.amount
    assert plan.dates[int(plan.ship_days[plan.pledge_due[p]])] == gift.leaves


@pytest.mark.parametrize("good", sorted({g.good for g in RECORD}))
def test_each_good_leaves_exactly_as_recorded_and_lands_in_the_records_window(
        result: Result, good: str) -> None:
    """What Korea ships of a good, day by day and region by region, is the record's gifts of
    it and nothing else; each lands inside its window (windows of one good and region do not
    overlap, so each window holds one gift)."""
    plan, series = result.run.plan, result.run.series
    assert series is not None
    c, dates, regions = _channel(result, good), list(plan.dates), list(plan.region_ids)
    shipped, arrived = series.region["shipped"][c], series.region["arrived"][c]
    expected = np.zeros_like(shipped)
    gifts = [g for g in RECORD if g.good == good]
    for g in gifts:
        expected[dates.index(g.leaves), regions.index(g.region)] += g.amount
    np.testing.assert_array_equal(shipped, expected)
    for g in gifts:
        lo, hi = (dates.index(d) for d in g.lands)
        others = [h for h in gifts if h is not g and h.region == g.region]
        assert all(h.lands[1] < g.lands[0] or h.lands[0] > g.lands[1] for h in others)
        assert arrived[lo:hi + 1, regions.index(g.region)].sum() == g.amount, g
    # Everything lands inside the horizon, where it was sent.
    np.testing.assert_array_equal(arrived.sum(axis=0), shipped.sum(axis=0))


def test_every_pledge_is_paid_on_time_while_korea_tests_its_own_people(result: Result) -> None:
    totals = result.run.totals
    assert totals.pledge_late_units.sum() == 0
    assert totals.pledge_on_time_units.sum() == sum(g.amount for g in RECORD)
    np.testing.assert_array_equal(totals.domestic_served_units, totals.domestic_demand_units)
    c = _channel(result, "pcr_kits")
    assert totals.domestic_demand_units[c] > 0  # Korea's own testing comes out of its kits


def test_the_record_beside_the_model(result: Result) -> None:
    """Each dated figure of the record is read on its good's rows; the recorded deliveries
    and the exportable capacity are matched exactly, the derived kit stock within 5 %."""
    from sim.results.observations import compare_run

    rows = compare_run(result)
    assert {r["good"] for r in rows} == {"pcr_kits", "qsens_kits", "sampling_kits",
                                         "export_kits"}
    for r in rows:
        if "stock" in r["tags"]:
            assert abs(r["relative_error"]) < 0.05, r
        else:
            assert r["error"] == 0, r


def test_both_engines_agree_to_the_bit(result: Result) -> None:
    check_engines_agree(result)
