"""scenarios/jack_ma_africa_2020.toml reproduces the record's shape (../shared/record-2020.md
section B): the first flight lands in Addis on 22 Mar, about 39 countries are reached by
27 Mar and all 54 within round 1, round 2 reaches every country by 22 Apr, round 3 lands
in Addis on 27 Apr, and every pledged total is delivered. The figures below are the
record's, not numbers read off a run. The hub's throughput was chosen to give the 39: these
tests keep the scenario doing what its comments say, they are not evidence for the model."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from checks import check_engines_agree

from sim.engine.runner import Result, run
from sim.scenario.loading import load

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "jack_ma_africa_2020.toml"
EXTRACT = ROOT / "scenarios" / "data" / "africa_2020h1.csv"
SCRIPT = ROOT / "scenarios" / "data" / "make_africa_extract.py"
OWID = ROOT.parent / "shared" / "data" / "owid-covid-2020h1.csv"
AU = "au_cdc"  # round 3's recipient, the African Union and Africa CDC: not a country

# [B2] the first flight: 5.4 M masks, 1.08 M test kits, 40,000 clothing sets, 60,000 shields.
ROUND_1 = {"masks": 5_400_000, "test_kits": 1_080_000, "suits": 40_000,
           "face_shields": 60_000}
# [B2] round 2 (suits and face shields: "200K suits & face shields", half each by ASSUMPTION).
ROUND_2 = {"ventilators": 500, "suits": 100_000, "face_shields": 100_000,
           "thermometers": 2_000, "swabs": 1_000_000, "gloves": 500_000}
# [B2] round 3 to the AU and Africa CDC (4.6 M masks, 500,000 swabs and test kits, ...).
ROUND_3 = {"masks": 4_600_000, "swabs": 500_000, "ventilators": 300, "suits": 200_000,
           "face_shields": 200_000, "thermometers": 2_000, "gloves": 500_000}
# [B1, B2] 6 M masks were pledged to the countries: 5.4 M on the first flight, 0.6 M after.
MASKS_TO_COUNTRIES = 6_000_000


@pytest.fixture(scope="module")
def result() -> Result:
    return run(load(SCENARIO))


def day(result: Result, date: dt.date) -> int:
    return list(result.run.plan.dates).index(date)


def countries(result: Result) -> np.ndarray:
    """Column indices of the 54 countries (every region but the AU's)."""
    ids = list(result.run.plan.region_ids)
    return np.array([i for i, r in enumerate(ids) if r != AU])


def arrived_by_good(result: Result) -> dict[str, np.ndarray]:
    """(T, R) units of each good landed in each region each day (one donor: a channel per
    good)."""
    plan = result.run.plan
    series = result.run.series
    assert series is not None
    out: dict[str, np.ndarray] = {}
    for c, g in enumerate(plan.channel_good):
        good = plan.good_ids[int(g)]
        out[good] = out.get(good, 0) + series.region["arrived"][c]
    return out


def first_reached(result: Result) -> np.ndarray:
    """(R,) the day each region first received anything (a large number: never)."""
    first = result.run.totals.first_delivery_day
    return np.where(first < 0, np.iinfo(np.int64).max, first).min(axis=0)


def test_the_regions_are_the_54_member_states_from_the_extract(result: Result) -> None:
    with open(EXTRACT, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    population = {r["iso_code"].lower(): float(r["population"]) for r in rows}
    assert len(population) == 54 and "esh" not in population  # Western Sahara: not a UN member
    scenario = result.scenario
    assert sorted(r.id for r in scenario.regions if r.id != AU) == sorted(population)
    for r in scenario.regions:
        if r.id != AU:
            assert r.population == population[r.id]
    assert len(result.run.plan.region_ids) == 55


@pytest.mark.skipif(not OWID.exists(), reason=f"the full OWID table is not at {OWID}")
def test_the_extract_and_generated_blocks_are_what_the_script_makes() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--owid", str(OWID), "--check"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_round_1_lands_in_addis_on_22_march(result: Result) -> None:
    series = result.run.series
    assert series is not None
    hub = list(result.run.plan.hub_ids).index("addis")
    landed = series.hub["arrived"][0, hub]
    first = int(np.flatnonzero(landed)[0])
    assert result.run.plan.dates[first] == dt.date(2020, 3, 22)
    assert landed[first] == sum(ROUND_1.values())  # "more than 6 million items"


def test_about_39_countries_reached_by_27_march_and_all_54_in_round_1(result: Result) -> None:
    reached = first_reached(result)
    ids = np.array(result.run.plan.region_ids)
    cols = countries(result)
    # Onward distribution starts on 23 Mar with Djibouti, Eritrea, Egypt and Sudan [B2].
    start = day(result, dt.date(2020, 3, 23))
    assert reached[cols].min() == start
    assert {"dji", "eri", "egy", "sdn"} <= set(ids[reached == start])
    # "39 African countries in 5 days" [B2], ~27 Mar: about 39 (the throughput was chosen
    # for it, so only a band is asserted: within 3).
    by_27 = int((reached[cols] <= day(result, dt.date(2020, 3, 27))).sum())
    assert abs(by_27 - 39) <= 3
    # All 54, with every round-1 good in full, before round 2 leaves (6 Apr).
    before_round_2 = day(result, dt.date(2020, 4, 6))
    assert (reached[cols] < before_round_2).all()
    arrived = arrived_by_good(result)
    for good, total in ROUND_1.items():
        by_country = arrived[good][:before_round_2][:, cols].sum(axis=0)
        assert by_country.sum() == total, good
        assert by_country.min() >= total // 54, good


def test_round_2_reaches_every_country_by_22_april(result: Result) -> None:
    arrived = arrived_by_good(result)
    cols = countries(result)
    by_22 = day(result, dt.date(2020, 4, 22)) + 1
    for good in ("ventilators", "thermometers", "swabs", "gloves"):  # round 2's own goods
        by_country = arrived[good][:by_22][:, cols].sum(axis=0)
        assert by_country.sum() == ROUND_2[good], good
        assert by_country.min() >= ROUND_2[good] // 54, good


def test_round_3_lands_in_addis_on_27_april_for_the_au(result: Result) -> None:
    series = result.run.series
    assert series is not None
    landed = series.hub["arrived"][0, 0]
    assert landed[day(result, dt.date(2020, 4, 27))] == sum(ROUND_3.values())
    au = list(result.run.plan.region_ids).index(AU)
    arrived = arrived_by_good(result)
    for good, total in ROUND_3.items():
        assert arrived[good][:, au].sum() == total, good


def test_every_pledged_total_is_delivered_on_time(result: Result) -> None:
    totals, plan = result.run.totals, result.run.plan
    delivered = dict.fromkeys(plan.good_ids, 0.0)
    for c, g in enumerate(plan.channel_good):
        delivered[plan.good_ids[int(g)]] += float(totals.delivered_units[c].sum())
    expected = {g: ROUND_1.get(g, 0) + ROUND_2.get(g, 0) + ROUND_3.get(g, 0)
                for g in plan.good_ids}
    expected["masks"] = MASKS_TO_COUNTRIES + ROUND_3["masks"]
    assert delivered == pytest.approx(expected, rel=1e-12)
    assert totals.pledge_late_units.sum() == 0
    assert totals.pledge_on_time_units.sum() == pytest.approx(plan.pledge_units.sum(),
                                                              rel=1e-12)
    masks = arrived_by_good(result)["masks"]
    assert masks[:, countries(result)].sum() == pytest.approx(MASKS_TO_COUNTRIES, rel=1e-12)


def test_the_engines_agree_to_the_bit(result: Result) -> None:
    check_engines_agree(result)
