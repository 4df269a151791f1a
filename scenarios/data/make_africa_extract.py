"""Rebuild the Africa extract and the generated blocks of scenarios/jack_ma_africa_2020.toml.

    python scenarios/data/make_africa_extract.py [--owid PATH] [--check]

Reads the OWID COVID-19 table (default: ../shared/data/owid-covid-2020h1.csv beside the
repository; CC BY 4.0, Our World in Data) and writes:

* ``africa_2020h1.csv`` beside this script: the 54 African UN member states (OWID's
  ``continent == "Africa"`` less Western Sahara, which is not one), only the columns the
  scenario uses (``iso_code, location, date, new_cases, population``) and the
  dates it reads (from 13 days before the horizon starts, for the 14 days of active cases,
  to the table's end), rows as in OWID (by country, then date; dates M/D/YYYY);
* the blocks between ``# >>> generated: NAME`` and ``# <<< generated: NAME`` in the
  scenario: the per-country pledges of rounds 1 and 2, the hub's onward days and the
  regions. Everything else in the scenario is written by hand.

``--check`` writes nothing and exits 1 if either file differs from what it would write.
Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
OWID = REPO.parent / "shared" / "data" / "owid-covid-2020h1.csv"
EXTRACT = HERE / "africa_2020h1.csv"
SCENARIO = REPO / "scenarios" / "jack_ma_africa_2020.toml"
TABLE_FROM_SCENARIO = "data/africa_2020h1.csv"

COLUMNS = ("iso_code", "location", "date", "new_cases", "population")
NOT_UN_MEMBERS = {"ESH"}  # Western Sahara: in OWID's Africa, not a UN member state
FIRST_DAY = dt.date(2020, 3, 3)  # the horizon starts 16 Mar; a case counts for 14 days

# The order the hub serves countries in (its queue is first come, first served, and within a
# landing day by region order): the record's first recipients in the order it names them
# [record B2: 23 Mar Djibouti, Eritrea, Egypt, Sudan; 24 Mar South Africa, Burundi, Rwanda,
# Togo, Zambia, Zimbabwe, Kenya, Nigeria, South Sudan; 26 Mar Uganda], then the rest by
# name. ASSUMPTION: the order beyond these 14 is not recorded.
RECORDED_ORDER = ("DJI", "ERI", "EGY", "SDN", "ZAF", "BDI", "RWA", "TGO", "ZMB", "ZWE",
                  "KEN", "NGA", "SSD", "UGA")

# Onward days from Addis (ASSUMPTION, 1-3): the next day to Ethiopia itself and its
# neighbours of the Horn, the Nile and East Africa (the record's first four were served the
# day after the landing); 3 days to the island states (fewer freighter rotations); 2 days
# to the rest of the mainland.
NEAR = {"ETH", "DJI", "ERI", "SOM", "SDN", "SSD", "EGY", "KEN", "UGA", "RWA", "BDI", "TZA"}
ISLANDS = {"CPV", "COM", "MDG", "MUS", "STP", "SYC"}

# Needs (ASSUMPTION, see the scenario): masks from cases, test kits per head.
MASKS_PER_CASE = 20  # masks a day for each case reported in the last 14 days
KITS_PER_MILLION = 10  # test kits a day per million people

# Per-country pledges, split evenly over the 54 in whole units (ASSUMPTION where the record
# gives a total only): (round, departure from Guangzhou, good, total, source).
N_COUNTRIES = 54
PLEDGES = (
    (1, "2020-03-21", "masks", 5_400_000, "[B1] per country"),
    (1, "2020-03-21", "test_kits", 1_080_000, "[B1] per country"),
    (1, "2020-03-21", "suits", 40_000, "[B2] protective clothing sets on the flight"),
    (1, "2020-03-21", "face_shields", 60_000, "[B2] on the flight"),
    (2, "2020-04-06", "ventilators", 500, "[B2]"),
    (2, "2020-04-06", "suits", 100_000, "[B2] '200K suits & face shields': ASSUMPTION half"),
    (2, "2020-04-06", "face_shields", 100_000, "[B2] the other half of those 200K"),
    (2, "2020-04-06", "thermometers", 2_000, "[B2]"),
    (2, "2020-04-06", "swabs", 1_000_000, "[B2] swabs and extraction kits"),
    (2, "2020-04-06", "gloves", 500_000, "[B2] pairs"),
)


def read_africa(owid: Path) -> list[dict[str, str]]:
    """The extract's rows: African UN member states, FIRST_DAY on, COLUMNS only."""
    out = []
    with open(owid, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["continent"] != "Africa" or row["iso_code"] in NOT_UN_MEMBERS:
                continue
            m, d, y = (int(x) for x in row["date"].split("/"))
            if dt.date(y, m, d) >= FIRST_DAY:
                out.append({c: row[c] for c in COLUMNS})
    return out


def countries(rows: list[dict[str, str]]) -> list[tuple[str, str, int]]:
    """(iso code, name, population) in the hub's order."""
    seen: dict[str, tuple[str, int]] = {}
    for row in rows:
        seen.setdefault(row["iso_code"], (row["location"], int(float(row["population"]))))
    if len(seen) != N_COUNTRIES:
        raise SystemExit(f"expected {N_COUNTRIES} countries, found {len(seen)}")
    rest = sorted((c for c in seen if c not in RECORDED_ORDER), key=lambda c: seen[c][0])
    return [(c, *seen[c]) for c in (*RECORDED_ORDER, *rest)]


def number(x: float) -> str:
    return f"{int(x):_}" if float(x).is_integer() else repr(float(x))


def onward(code: str) -> int:
    return 1 if code in NEAR else 3 if code in ISLANDS else 2


def split(total: int) -> list[int]:
    """``total`` in whole units over the countries in hub order: the first ``total % 54``
    get one more (whole ventilators; and the sums are exact, so no crumb is left over)."""
    base, extra = divmod(total, N_COUNTRIES)
    return [base + (i < extra) for i in range(N_COUNTRIES)]


def pledges_block(cs: list[tuple[str, str, int]]) -> list[str]:
    lines = []
    for rnd, date, good, total, source in PLEDGES:
        amounts = split(total)
        each = (f"{amounts[0]:,} each" if amounts[0] == amounts[-1] else
                f"{amounts[0]:,} to the first {total % N_COUNTRIES}, {amounts[-1]:,} to the rest")
        lines.append(f"  # Round {rnd}, {good}: {each}, {total:,} in all. {source}")
        lines += [f'  {{ kind = "fixed", donor = "jack_ma", good = "{good}", region = '
                  f'"{code.lower()}", amount = {number(amount)}, date = {date} }},'
                  for (code, _, _), amount in zip(cs, amounts, strict=True)]
    return lines


def onward_block(cs: list[tuple[str, str, int]]) -> list[str]:
    return [f"{code.lower()} = {onward(code)}  # {name}" for code, name, _ in cs]


def regions_block(cs: list[tuple[str, str, int]]) -> list[str]:
    lines = []
    for code, name, pop in cs:
        kits = pop * KITS_PER_MILLION / 1e6
        lines += [
            "[[regions]]",
            f'id = "{code.lower()}"',
            f'name = "{name}"',
            f"population = {number(pop)}",
            f'need = {{ kind = "cases", table = "{TABLE_FROM_SCENARIO}", iso_codes = ["{code}"],'
            f" per_case = {MASKS_PER_CASE} }}",
            f'needs = {{ test_kits = {{ kind = "constant", per_day = {round(kits, 2)} }} }}',
            "",
        ]
    return lines[:-1]


def csv_text(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def fill(text: str, name: str, lines: list[str]) -> str:
    """``text`` with the block NAME's lines replaced (the markers kept)."""
    pattern = re.compile(rf"(# >>> generated: {name}[^\n]*\n)(.*?)(^[ \t]*# <<< generated: {name})",
                         re.S | re.M)
    if not pattern.search(text):
        raise SystemExit(f"{SCENARIO.name}: no '# >>> generated: {name}' ... "
                         f"'# <<< generated: {name}' block")
    body = "".join(line + "\n" for line in lines)
    return pattern.sub(lambda m: m[1] + body + m[3], text, count=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--owid", type=Path, default=OWID, help="the full OWID table")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a file is not as this script makes it")
    args = parser.parse_args()
    rows = read_africa(args.owid)
    cs = countries(rows)
    scenario = SCENARIO.read_text(encoding="utf-8")
    for name, lines in (("pledges", pledges_block(cs)), ("onward", onward_block(cs)),
                        ("regions", regions_block(cs))):
        scenario = fill(scenario, name, lines)
    wanted = {EXTRACT: csv_text(rows), SCENARIO: scenario}
    stale = [p for p, t in wanted.items()
             if not p.exists() or p.read_text(encoding="utf-8") != t]
    if args.check:
        for p in stale:
            print(f"{p.relative_to(REPO)}: not as {Path(__file__).name} makes it", file=sys.stderr)
        return 1 if stale else 0
    for p in stale:
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(wanted[p], encoding="utf-8", newline="\n")
        tmp.replace(p)
        print(f"wrote {p.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
