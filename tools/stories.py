"""Write docs/stories.md: the 2020 stories the shipped scenarios tell, every number from a run.

    python tools/stories.py            # rewrite docs/stories.md
    python tools/stories.py --check    # exit 1 when docs/stories.md is not what a run gives

The words are here; the numbers come from running the scenarios (the SimPy engine, each
scenario's own seed), so the page cannot go stale without ``--check`` (a test) saying so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import numpy as np

import sim
from sim.report.words import words

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
OUT = ROOT / "docs" / "stories.md"


def _date(day: dt.date | str) -> str:
    d = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return f"{d.day} {d:%b}"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def _run(name: str, *overrides: str) -> sim.RunData:
    return sim.RunData.of(sim.run(sim.load(SCENARIOS / f"{name}.toml", list(overrides))))


def taiwan() -> dict[str, Any]:
    data = _run("taiwan_2020")
    s = data.summary
    donated = np.cumsum(data.daily["shipped"])
    june = int(np.searchsorted(data.dates, np.datetime64("2020-06-30")))
    return {"tw_produced": words(s["produced"]), "tw_domestic": words(s["domestic_demand"]),
            "tw_short": words(s["domestic_shortfall"]),
            "tw_donated": words(float(donated[min(june, len(donated) - 1)])),
            "tw_regions": sum(1 for v in s["donated_by_region"].values() if v and v > 0),
            "tw_final": words(s["final_stock"])}


def africa() -> dict[str, Any]:
    data = _run("jack_ma_africa_2020")
    s = data.summary
    first = {r: d for r, d in s["first_delivery_day_by_region"].items()
             if d and r != "au_cdc"}
    countries = [r for r in data.region_ids if r != "au_cdc"]
    dates = sorted(first.values())
    by_27 = sum(1 for d in first.values() if d <= "2020-03-27")
    last = max(first, key=lambda r: first[r])
    slowest = sorted(first, key=lambda r: first[r])[-3:]
    hub = data.hub_summary("addis")
    return {"af_first": _date(dates[0]), "af_by_27": by_27, "af_n": len(countries),
            "af_all": _date(first[last]) if len(first) == len(countries) else "never",
            "af_slowest": ", ".join(data.region_name(r) for r in slowest),
            "af_queue": words(hub["max_queue"]), "af_queue_date": _date(hub["max_queue_date"]),
            "af_wait": f"{hub['mean_wait_days']:.1f}",
            "af_goods": len(data.goods),
            "af_unmet": words(s["pledges"]["unmet"] or 0.0)}


def korea() -> dict[str, Any]:
    data = _run("korea_test_kits_2020")
    sh = data.shipments
    landed = [_date(str(d)) for d in sorted({d for d, p in zip(
        sh["arrival_date"].tolist(), sh["pledged"].tolist(), strict=True) if p > 0})]
    export = data.good_summary("export_kits")
    daily = data.daily_of(data.donors[0], "export_kits")
    may = int(np.searchsorted(data.dates, np.datetime64("2020-05-31"))) + 1
    made = float(daily["production"][:may].sum())
    return {"kr_landed": ", ".join(landed), "kr_named": words(export["donated_total"]),
            "kr_made": words(made), "kr_share": f"{100 * export['donated_total'] / made:.0f}"}


def coordination() -> dict[str, Any]:
    ind, pool = _run("donors_2020"), _run("donors_2020", "coordination=pooled")
    out: dict[str, Any] = {}
    for key, data in (("ind", ind), ("pool", pool)):
        for good, label in (("masks", "masks"), ("test_kits", "kits")):
            g = data.good_summary(good)
            fills = g["fill_rate_by_region"]
            worst = min(fills, key=lambda r: fills[r] if fills[r] is not None else 1.0)
            out[f"{key}_{label}_worst"] = f"{_pct(fills[worst])} ({data.region_name(worst)})"
            out[f"{key}_{label}_gini"] = f"{g['gini_fill_rate']:.3f}"
            out[f"{key}_{label}_delivered"] = words(g["delivered_total"])
            out[f"{key}_{label}_unmet"] = words(g["unmet_need"])
        out[f"{key}_europe"] = words(data.good_summary("masks")["donated_by_region"]["europe"])
    return out


TEMPLATE = """# The 2020 stories

The shipped scenarios replay what the public record (`../shared/record-2020.md`, sources in
[sources.md](sources.md)) says donors did in spring 2020. Every number on this page comes
from a run of the scenario (`python tools/stories.py` writes this page; a test checks it is
current), with the scenario's own seed and the SimPy engine.

## Taiwan: masks for its own people first, then by pledge

`scenarios/taiwan_2020.toml`. Output rose from about 1.9 M masks a day in late January to
about 20 M in late May; name-based rationing served the island first, and donations came out
of what was left. The replay makes {tw_produced} masks, its domestic programme takes
{tw_domestic} (shortfall: {tw_short}), and it has donated {tw_donated} by 30 June to
{tw_regions} regions, from the gifts the record documents. The record says "over 51 M" to
more than 80 countries: the gap is the later rounds, whose sizes it does not give, and the
replay leaves it open rather than fill it. It ends with {tw_final} in stock.
[taiwan-2020.md](taiwan-2020.md) sets every statement of the record beside the replay, the
fitted and the held-out apart.

```bash
masksim run scenarios/taiwan_2020.toml --out /tmp/story-taiwan
```

## The Jack Ma Foundation in Africa, through Addis Ababa

`scenarios/jack_ma_africa_2020.toml`. The Jack Ma and Alibaba Foundations bought test kits,
masks, suits and face shields, later ventilators, swabs, thermometers and gloves
({af_goods} goods, each in its own unit), flew them to Addis Ababa, and Ethiopian Airlines
took them on to the {af_n} countries. In the replay the first countries are reached on
{af_first}, {af_by_27} by 27 Mar (the record: 39 "in 5 days"; the hub's throughput is an
assumption chosen for it, so the match is no evidence), and all {af_n} by {af_all}; the last
reached were {af_slowest}. The queue at Addis peaks at {af_queue} items on {af_queue_date};
what it handled waited {af_wait} days there on average. Pledged goods never shipped:
{af_unmet}.

```bash
masksim run scenarios/jack_ma_africa_2020.toml --out /tmp/story-africa
```

## South Korea's test kits

`scenarios/korea_test_kits_2020.toml`. One donor that makes kits, tests its own people
first and gives nothing but what the record names: kits to the Philippines, sampling kits to
the UAE, and the exports to Romania, Colombia, Gabon and the US, each a fixed pledge on its
date, in four goods of four units that are never added. The gifts land on {kr_landed}. The
named exports ({kr_named} kits) are {kr_share} % of the {kr_made} kits the scenario's
exportable output comes to by 31 May; the rest stays in stock.

```bash
masksim run scenarios/korea_test_kits_2020.toml --out /tmp/story-korea
```

## Three donors, independent or pooled

`scenarios/donors_2020.toml`. Taiwan's, the Jack Ma Foundation's and South Korea's masks,
test kits and suits to six shared regions (Africa through Addis), with Taiwan's
masks-for-suits exchange with the US. Pledges leave the same way in both runs; what
coordination can move is the part spread by the rule. Pooled, the donors' offers of a good
are spread once over the regions' joint gaps:

| | independent | pooled |
|---|---|---|
| worst-served region, masks | {ind_masks_worst} | {pool_masks_worst} |
| worst-served region, kits | {ind_kits_worst} | {pool_kits_worst} |
| Gini of fill rates, masks | {ind_masks_gini} | {pool_masks_gini} |
| Gini of fill rates, kits | {ind_kits_gini} | {pool_kits_gini} |
| masks delivered in the horizon | {ind_masks_delivered} | {pool_masks_delivered} |
| kits delivered in the horizon | {ind_kits_delivered} | {pool_kits_delivered} |
| unmet need, masks | {ind_masks_unmet} | {pool_masks_unmet} |
| unmet need, kits | {ind_kits_unmet} | {pool_kits_unmet} |
| masks donated to Europe | {ind_europe} | {pool_europe} |

Giving independently, each donor sees only its own shipments in flight, so Europe is sent
more than its gap by two donors at once; pooled, the same gifts go further down the list of
gaps.

```bash
masksim run scenarios/donors_2020.toml --out /tmp/story-ind
masksim run scenarios/donors_2020.toml --set coordination=pooled --out /tmp/story-pool
masksim compare /tmp/story-ind /tmp/story-pool --out /tmp/story-compare
```
"""


def page() -> str:
    values: dict[str, Any] = {}
    for part in (taiwan, africa, korea, coordination):
        values.update(part())
    return TEMPLATE.format(**values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    text = page()
    if args.check:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run python tools/stories.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
