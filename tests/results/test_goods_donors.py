"""Results of runs with several goods and donors: summary.json per good and per donor (by
value, worked by hand on a small scenario), totals only where units agree, exchanges by date,
the files' columns and rows, observations on their good's and donor's rows, the printout,
and a sweep's scalars; the three-donor scenario both ways; the single-donor summary as before.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.cli.main import main
from sim.cli.printout import format_summary
from sim.engine.batch import simulate_batch
from sim.engine.draws import draw
from sim.engine.plan import build_plan, stack_plans
from sim.engine.runner import Engine, Result, run
from sim.results import metrics, writer
from sim.results.summary import summary
from sim.scenario.loading import load, validate

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DAY = dt.date(2020, 3, 2)  # a Monday: every pledge and the exchange leave on shipment days

# Two weeks; two regions (fixed lead 2 days); donor "a" holds 1,000 masks (and a kits supply
# that only its exchange fills); donor "b" holds 500 masks and 300 kits. Nobody produces or
# serves a domestic programme, and both give only what they pledged, so every number below
# follows by hand:
#   a: 600 masks to r1 on 2 Mar; the exchange sends 100 masks to r2 on 9 Mar, and 0.5 kit per
#      mask (50 kits) lands in a's stock a day later.
#   b: 200 masks to r2 and 100 kits to r1 on 2 Mar.
# Everything lands two days after it leaves, inside the horizon.
SMALL: dict[str, Any] = {
    "name": "small_goods",
    "horizon": {"start": DAY, "end": DAY + dt.timedelta(days=13)},
    "goods": [{"id": "masks", "name": "Masks", "unit": "masks"},
              {"id": "kits", "name": "Test kits", "unit": "kits"}],
    "donors": [
        {"id": "a", "name": "Donor A", "budget": {"kind": "pledges_only"},
         "shipments": {"weekday": "monday"},
         "supplies": [{"good": "masks", "initial_stock": 1000}, {"good": "kits"}]},
        {"id": "b", "budget": {"kind": "pledges_only"}, "shipments": {"weekday": "monday"},
         "supplies": [{"good": "masks", "initial_stock": 500},
                      {"good": "kits", "initial_stock": 300}]},
    ],
    "regions": [
        {"id": "r1", "population": 1000, "need": {"kind": "constant", "per_day": 100},
         "needs": {"kits": {"kind": "constant", "per_day": 10}},
         "lead_time": {"kind": "fixed", "days": 2}},
        {"id": "r2", "population": 1000, "need": {"kind": "constant", "per_day": 50},
         "lead_time": {"kind": "fixed", "days": 2}},
    ],
    "pledges": [
        {"kind": "fixed", "donor": "a", "good": "masks", "region": "r1", "amount": 600,
         "date": DAY},
        {"kind": "fixed", "donor": "b", "good": "masks", "region": "r2", "amount": 200,
         "date": DAY},
        {"kind": "fixed", "donor": "b", "good": "kits", "region": "r1", "amount": 100,
         "date": DAY},
    ],
    "exchanges": [{"donor": "a", "partner": "r2",
                   "send": {"good": "masks", "kind": "fixed", "amount": 100,
                            "date": DAY + dt.timedelta(days=7)},
                   "receive": {"good": "kits", "ratio": 0.5, "lead_time_days": 1}}],
}


def small(**changes: Any) -> Result:
    data = copy.deepcopy(SMALL)
    data.update(changes)
    return run(validate(data))


@pytest.fixture(scope="module")
def small_summary() -> dict[str, Any]:
    return summary(small())


def test_each_good_by_value(small_summary: dict[str, Any]) -> None:
    masks, kits = small_summary["goods"]["masks"], small_summary["goods"]["kits"]
    assert (masks["name"], masks["unit"], kits["name"], kits["unit"]) == (
        "Masks", "masks", "Test kits", "kits")
    # Masks: a 600 + 100 (its exchange's send) + b 200 = 900, all delivered.
    assert masks["donated_total"] == masks["delivered_total"] == 900
    assert masks["donated_by_region"] == {"r1": 600, "r2": 300}
    # r1 gets 600 on day 2 and needs 100 a day for 12 more days: all 600 used, of 1,400.
    # r2 gets 200 on day 2 (used by day 5) and 100 on day 9 (used by day 10): 300 of 700.
    assert masks["fill_rate_by_region"] == pytest.approx({"r1": 600 / 1400, "r2": 300 / 700})
    assert masks["unmet_need_by_region"] == {"r1": 800, "r2": 400}
    assert masks["unmet_need"] == 1200
    assert masks["mean_fill_rate"] == pytest.approx((600 / 1400 + 300 / 700) / 2)
    assert masks["pledges"] == {"on_time": 900, "late": 0, "unmet": 0, "pledged": 900,
                                "not_due": 0}
    assert masks["final_stock"] == 1000 - 700 + 500 - 200
    assert masks["first_delivery_day_by_region"] == {"r1": "2020-03-04", "r2": "2020-03-04"}
    # Kits: b's 100 to r1 (need 10 a day from day 2: all used, of 140); r2 needs none.
    assert kits["donated_total"] == 100 and kits["donated_by_region"] == {"r1": 100, "r2": 0}
    assert kits["fill_rate_by_region"] == pytest.approx({"r1": 100 / 140, "r2": 1.0})
    assert kits["unmet_need"] == 40
    assert kits["received"] == 50  # what a's exchange brought back
    assert kits["final_stock"] == 50 + 300 - 100
    assert kits["first_delivery_day_by_region"] == {"r1": "2020-03-04", "r2": None}


def test_each_donor_by_value(small_summary: dict[str, Any]) -> None:
    a, b = small_summary["donors"]["a"], small_summary["donors"]["b"]
    assert (a["name"], b["name"]) == ("Donor A", "b")
    assert list(a["goods"]) == ["masks", "kits"] and list(b["goods"]) == ["masks", "kits"]
    am = a["goods"]["masks"]
    assert am["donated_total"] == 700 and am["donated_by_region"] == {"r1": 600, "r2": 100}
    assert am["pledges"] == {"on_time": 700, "late": 0, "unmet": 0, "pledged": 700}
    assert am["final_stock"] == 300 and am["received"] == 0
    assert a["goods"]["kits"]["received"] == 50 and a["goods"]["kits"]["final_stock"] == 50
    assert b["goods"]["masks"]["donated_by_region"] == {"r1": 0, "r2": 200}
    assert b["goods"]["kits"]["donated_total"] == 100 and b["goods"]["kits"]["final_stock"] == 200
    assert b["exchanges"] == []
    # Per good, the donors add up to the good.
    for g, entry in small_summary["goods"].items():
        assert entry["donated_total"] == sum(d["goods"][g]["donated_total"]
                                             for d in small_summary["donors"].values())


def test_exchange_sent_and_received_by_date(small_summary: dict[str, Any]) -> None:
    (x,) = small_summary["donors"]["a"]["exchanges"]
    assert x == {"partner": "r2", "sent_good": "masks", "sent": 100, "received_good": "kits",
                 "received": 50, "by_date": [["2020-03-09", 100, 50]]}


def test_top_level_is_null_where_units_differ(small_summary: dict[str, Any]) -> None:
    s = small_summary
    assert s["coordination"] == "independent"
    for key in ("produced", "donated_total", "delivered_total", "donated_by_region",
                "unmet_need", "final_stock", "fill_rate_by_region", "gini_fill_rate",
                "mean_fill_rate", "min_fill_rate", "gini_fill_rate_population"):
        assert s[key] is None, key
    assert all(s["pledges"][k] is None for k in ("on_time", "late", "unmet", "pledged"))
    # A date is not a quantity: the first delivery of anything.
    assert s["first_delivery_day_by_region"] == {"r1": "2020-03-04", "r2": "2020-03-04"}
    assert [(p["donor"], p["good"], p["amount"]) for p in s["pledges"]["each"]] == [
        ("a", "masks", 600), ("b", "masks", 200), ("b", "kits", 100)]
    json.dumps(s, allow_nan=False)  # standard JSON


def test_top_level_sums_goods_that_share_a_unit() -> None:
    goods = [{"id": "masks", "unit": "pieces"}, {"id": "kits", "unit": "pieces"}]
    s = summary(small(goods=goods))
    # 900 masks + 100 kits; unmet 1,200 + 40; stock (300 + 300) + (50 + 200).
    assert s["donated_total"] == s["delivered_total"] == 1000
    assert s["donated_by_region"] == {"r1": 700, "r2": 300}
    assert s["unmet_need"] == 1240 and s["unmet_need_by_region"] == {"r1": 840, "r2": 400}
    assert s["final_stock"] == 850
    assert s["pledges"]["pledged"] == 1000 and s["pledges"]["on_time"] == 1000
    assert s["fill_rate_by_region"] is None and s["gini_fill_rate"] is None  # two goods


def test_one_good_two_donors_gives_every_top_level_key() -> None:
    data = copy.deepcopy(SMALL)
    data["goods"] = [{"id": "masks", "unit": "masks"}]
    for d in data["donors"]:
        d["supplies"] = [s for s in d["supplies"] if s["good"] == "masks"]
    data["pledges"] = [p for p in data["pledges"] if p["good"] == "masks"]
    data["exchanges"] = []
    for r in data["regions"]:
        r.pop("needs", None)
    s = summary(run(validate(data)))
    masks = s["goods"]["masks"]
    assert s["donated_total"] == 800 and s["fill_rate_by_region"] == masks["fill_rate_by_region"]
    for key in ("produced", "delivered_by_region", "unmet_need", "gini_fill_rate",
                "gini_fill_rate_population", "min_fill_rate", "mean_fill_rate", "final_stock",
                "first_delivery_day_by_region"):
        assert s[key] == masks[key], key


def test_files_follow_the_contract(tmp_path: Path) -> None:
    result = small()
    folder = writer.write(result, tmp_path / "out")
    daily = pq.read_table(folder / "daily.parquet")
    assert daily.column_names[:6] == ["date", "donor", "good", "capacity", "outage_loss",
                                      "shipment_day"]
    # Channel-major: (a, masks), (a, kits), (b, masks), (b, kits), 14 days each.
    assert daily.num_rows == 4 * 14
    channels = list(zip(daily["donor"].to_pylist(), daily["good"].to_pylist(), strict=True))
    assert channels[::14] == [("a", "masks"), ("a", "kits"), ("b", "masks"), ("b", "kits")]
    assert all(c == channels[14 * (i // 14)] for i, c in enumerate(channels))
    assert daily["date"].to_pylist()[:14] == daily["date"].to_pylist()[14:28]
    stock = np.array(daily["stock"].to_pylist()).reshape(4, 14)
    assert stock[:, -1].tolist() == [300, 50, 300, 200]
    shipped = np.array(daily["shipped"].to_pylist()).reshape(4, 14).sum(axis=1)
    assert shipped.tolist() == [700, 0, 200, 100]
    received = np.array(daily["received"].to_pylist()).reshape(4, 14)
    assert received[1, 8] == 50 and received.sum() == 50  # a's kits, the day after 9 Mar

    regions = pq.read_table(folder / "regions.parquet")
    assert regions.column_names[:3] == ["date", "region", "good"]
    assert regions.num_rows == 2 * 14 * 2  # good, then day, then region
    assert regions["good"].to_pylist() == ["masks"] * 28 + ["kits"] * 28
    assert regions["region"].to_pylist() == ["r1", "r2"] * 28
    shipped_r = np.array(regions["shipped"].to_pylist()).reshape(2, 14, 2)
    # Summed over donors: masks on 2 Mar: a's 600 to r1, b's 200 to r2; on 9 Mar 100 to r2.
    assert shipped_r[0, 0].tolist() == [600, 200] and shipped_r[0, 7].tolist() == [0, 100]
    assert shipped_r[1, 0].tolist() == [100, 0] and shipped_r.sum() == 1000
    consumed = np.array(regions["consumed"].to_pylist()).reshape(2, 14, 2).sum(axis=1)
    assert consumed.tolist() == [[600, 300], [100, 0]]

    with (folder / "shipments.csv").open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["ship_date", "donor", "good", "region", "amount", "pledged",
                       "policy", "lead_days", "arrival_date", "arrived_in_horizon"]
    assert [r[:5] for r in rows[1:]] == [
        ["2020-03-02", "a", "masks", "r1", "600.000"],
        ["2020-03-02", "b", "masks", "r2", "200.000"],
        ["2020-03-02", "b", "kits", "r1", "100.000"],
        ["2020-03-09", "a", "masks", "r2", "100.000"],
    ]
    assert {r[8] for r in rows[1:3]} == {"2020-03-04"}


def test_observations_read_their_good_and_donor() -> None:
    def obs(series: str, date: str, good: str = "masks", donor: str | None = None
            ) -> dict[str, Any]:
        return {"series": series, "date": dt.date.fromisoformat(date), "value": 1.0,
                "kind": "documented", "source": "test", "good": good, "donor": donor}

    observations = [
        obs("donor.stock", "2020-03-03", donor="a"),  # a's masks after its 600: 400
        obs("donor.stock", "2020-03-03", donor="Donor A"),  # by name: the same
        obs("donor.stock", "2020-03-03"),  # every donor's masks: 400 + 300
        obs("donor.stock", "2020-03-03", good="kits", donor="b"),  # 300 - 100
        obs("donor.stock", "2020-03-11", good="kits"),  # a's 50 back + b's 200
        obs("regions.r2.shipped.cumulative", "2020-03-15", donor="a"),  # 100
        obs("regions.r2.shipped.cumulative", "2020-03-15"),  # 200 + 100
        obs("regions.r1.delivered.cumulative", "2020-03-05", good="kits"),  # 100
        obs("donated.cumulative", "2020-03-15", donor="b"),  # b's masks: 200
        obs("delivered.cumulative", "2020-03-03"),  # nothing has landed yet
    ]
    s = summary(small(observations=observations))
    assert [o["model"] for o in s["observations"]] == [
        400, 400, 700, 200, 250, 100, 300, 100, 200, 0]
    assert [(o["good"], o["donor"]) for o in s["observations"]][:2] == [
        ("masks", "a"), ("masks", "Donor A")]


def test_printout_has_a_block_per_good_a_line_per_donor_and_the_exchange(
        small_summary: dict[str, Any]) -> None:
    text = format_summary(small_summary, 0.5)
    lines = text.splitlines()
    assert "coordination independent" in lines[0]
    assert "  Masks (masks)" in lines and "  Test kits (kits)" in lines
    assert "    Donor A: 700 masks, 0 kits" in lines
    assert "    Donor A -> r2: sent 100 masks, received 50 kits" in lines
    assert len(lines) < 40  # short: a block per good, no more


def test_sweep_scalars_per_scenario_with_rows() -> None:
    scenario = small().scenario
    plan = build_plan(scenario)
    batch = stack_plans([plan, plan])
    out = simulate_batch(batch, draw(batch, [1, 2]), scenario.allocation.backend,
                         keep_series=False)
    differ = metrics.scalars(out.totals, batch.pledge_units, metrics.Rows.of(batch,
                                                                             ["masks", "kits"]))
    # Units differ: the first good (masks) alone, one value per scenario.
    assert differ["donated_total"].tolist() == [900, 900]
    assert differ["unmet_need"].tolist() == [1200, 1200]
    assert differ["mean_fill_rate"] == pytest.approx([(600 / 1400 + 300 / 700) / 2] * 2)
    same = metrics.scalars(out.totals, batch.pledge_units, metrics.Rows.of(batch, ["u", "u"]))
    assert same["donated_total"].tolist() == [1000, 1000]
    assert same["unmet_need"].tolist() == [1240, 1240]
    assert same["pledged_total"].tolist() == [1000, 1000]
    # r1: (600 + 100) of (1,400 + 140); r2: 300 of 700 (it needs no kits).
    assert same["min_fill_rate"] == pytest.approx([300 / 700] * 2)
    assert metrics.Rows.of(batch).units_agree is False  # units unknown: the first good
    with pytest.raises(ValueError, match="Rows.of"):
        metrics.scalars(out.totals, batch.pledge_units)


# ---- the three-donor scenario ------------------------------------------------------------------
@pytest.fixture(scope="module", params=["independent", "pooled"])
def three(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("three") / request.param
    assert main(["run", str(SCENARIOS / "three_donors.toml"), "--set",
                 f"coordination={request.param}", "--out", str(out), "-q"]) == 0
    return request.param, out


def test_three_donors_summary_adds_up(three: tuple[str, Path]) -> None:
    coordination, out = three
    s = json.loads((out / "summary.json").read_text())
    assert s["coordination"] == coordination
    assert list(s["goods"]) == ["masks", "kits", "suits"]
    assert list(s["donors"]) == ["taiwan", "jack_ma", "korea"]
    assert s["donated_total"] is None and s["mean_fill_rate"] is None  # masks, kits, suits
    for g, entry in s["goods"].items():
        givers = [d["goods"][g] for d in s["donors"].values() if g in d["goods"]]
        assert entry["donated_total"] == pytest.approx(sum(x["donated_total"] for x in givers))
        for rid, v in entry["donated_by_region"].items():
            assert v == pytest.approx(sum(x["donated_by_region"][rid] for x in givers))
        assert entry["delivered_total"] + entry["in_transit_end"] == pytest.approx(
            entry["donated_total"])
    # Taiwan's masks for suits: 300,000 suits for all the sends, so 0.2 a mask.
    (x,) = s["donors"]["taiwan"]["exchanges"]
    assert (x["sent_good"], x["received_good"], x["partner"]) == ("masks", "suits",
                                                                  "north_america")
    assert x["received"] == pytest.approx(0.2 * x["sent"])
    assert all(r == pytest.approx(0.2 * sent) for _, sent, r in x["by_date"])
    assert sum(sent for _, sent, _ in x["by_date"]) == pytest.approx(x["sent"])
    # What came back inside the horizon is Taiwan's suits received; the last two sends' suits
    # (14 days after 17 and 24 June) land after it.
    late = sum(r for day, _, r in x["by_date"] if day >= "2020-06-17")
    assert s["donors"]["taiwan"]["goods"]["suits"]["received"] == pytest.approx(
        x["received"] - late)


def test_three_donors_files_match_the_summary(three: tuple[str, Path]) -> None:
    _, out = three
    s = json.loads((out / "summary.json").read_text())
    daily = pq.read_table(out / "daily.parquet").to_pydict()
    n_days = 122
    channels = [("taiwan", "masks"), ("taiwan", "suits"), ("jack_ma", "masks"),
                ("jack_ma", "kits"), ("jack_ma", "suits"), ("korea", "kits")]
    assert len(daily["date"]) == len(channels) * n_days
    assert list(zip(daily["donor"], daily["good"], strict=True))[::n_days] == channels
    for c, (donor, good) in enumerate(channels):
        shipped = sum(daily["shipped"][c * n_days:(c + 1) * n_days])
        assert shipped == pytest.approx(s["donors"][donor]["goods"][good]["donated_total"])
    regions = pq.read_table(out / "regions.parquet").to_pydict()
    assert len(regions["date"]) == 3 * n_days * 4
    for g, good in enumerate(s["goods"]):
        block = slice(g * n_days * 4, (g + 1) * n_days * 4)
        assert set(regions["good"][block]) == {good}
        assert sum(regions["shipped"][block]) == pytest.approx(s["goods"][good]["donated_total"])
        assert sum(regions["unmet"][block]) == pytest.approx(
            s["goods"][good]["unmet_need"])
    with (out / "shipments.csv").open() as f:
        rows = list(csv.DictReader(f))
    for donor, good in channels:
        total = sum(float(r["amount"]) for r in rows if (r["donor"], r["good"]) == (donor, good))
        assert total == pytest.approx(s["donors"][donor]["goods"][good]["donated_total"],
                                      rel=1e-9, abs=0.01)


def test_three_donors_engines_write_the_same_files(tmp_path: Path) -> None:
    a, b = tmp_path / "des", tmp_path / "batch"
    base = ["run", str(SCENARIOS / "three_donors.toml"), "-q"]
    assert main([*base, "--out", str(a)]) == 0
    assert main([*base, "--out", str(b), "--engine", "batch"]) == 0
    for name in ("daily.parquet", "regions.parquet", "shipments.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    sa, sb = (json.loads((f / "summary.json").read_text()) for f in (a, b))
    sa.pop("provenance"), sb.pop("provenance")
    assert sa == sb


# ---- a scenario of one donor giving masks ----------------------------------------------------
@pytest.mark.parametrize("name", ["minimal", "taiwan_2020"])
def test_one_good_reads_its_numbers_at_the_top_level(name: str) -> None:
    result = run(load(SCENARIOS / f"{name}.toml"), engine=Engine.BATCH)
    s = summary(result)
    assert {"goods", "donors", "coordination"} <= set(s)
    masks = dict(s["goods"]["masks"])
    assert masks.pop("name") == "Masks" and masks.pop("unit") == "masks"
    assert masks.pop("received") == 0
    top = {k: s[k] for k in masks}
    top["pledges"] = {k: v for k, v in s["pledges"].items() if k != "each"}
    assert masks == top


def test_a_goods_outcomes_in_a_batch_are_its_numbers_in_the_summary() -> None:
    """``outcome[good]`` from the batch engine is that good's figure in summary.json."""
    from sim import load, run_scenarios
    from sim.engine.runner import run
    from sim.results.summary import summary

    base = load(Path(__file__).resolve().parents[2] / "scenarios" / "donors_2020.toml")
    got = run_scenarios([base], goods=list(base.good_ids)).metrics
    goods = summary(run(base))["goods"]
    for good in base.good_ids:
        for name in ("domestic_shortfall", "donated_total", "delivered_total", "unmet_need",
                     "min_fill_rate", "gini_fill_rate", "final_stock"):
            expected = goods[good][name]
            value = float(got[f"{name}[{good}]"][0])
            assert (expected is None and np.isnan(value)) or value == expected, (good, name)
        assert float(got[f"pledges_late[{good}]"][0]) == goods[good]["pledges"]["late"]



@pytest.mark.parametrize("backend", ["vector", "compiled"])
def test_a_good_nobody_at_home_needs_is_never_short_at_home(backend: str) -> None:
    """Allocations that sum to the stock plus a rounding leave nothing to serve, not a
    negative amount: a shortfall of exactly 0 where the demand is 0."""
    from sim import load, run_scenarios

    base = load(Path(__file__).resolve().parents[2] / "scenarios" / "donors_2020.toml")
    m = run_scenarios([base], backend=backend, goods=list(base.good_ids)).metrics
    for good in base.good_ids:
        if m[f"domestic_demand[{good}]"][0] == 0:
            assert m[f"domestic_shortfall[{good}]"][0] == 0.0, good
