"""The starter scenario ``masksim init NAME`` writes: valid as written, commented for a
newcomer, with optional sections (a second good, a second donor, a hub) to grow from.

Every number in it is a placeholder to replace; the comments say what each field means and
where the full list is (``docs/scenario-reference.md``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sections:
    """What the starter includes beyond one donor of masks and two regions."""

    goods: bool = False  # a second good (test kits), each region needing both
    donors: bool = False  # a second donor, a foundation that buys rather than makes
    hub: bool = False  # every donor reaches the regions through a hub


def _header(name: str, file: str, s: Sections) -> str:
    extra = [w for w, on in (("two goods", s.goods), ("two donors", s.donors),
                             ("a hub", s.hub)) if on]
    shape = ", ".join(extra) if extra else "one donor of masks"
    coordination = ('\n# independent: each donor spreads its own offer; pooled: offers of a '
                    'good are spread once\ncoordination = "independent"\n' if s.donors else "")
    return f'''# A starter scenario written by `masksim init` ({shape}), valid and
# runnable as it stands. Replace the placeholder numbers with your story's: every field is
# listed in docs/scenario-reference.md, and docs/writing-a-scenario.md walks through it.
#   masksim validate {file}     # check it
#   masksim run {file}          # run it: the results go to results/{name}-<hash>/
# An editor that checks TOML against a JSON Schema (Taplo, Even Better TOML) can check it as
# you type: see `masksim schema` in docs/scenario-reference.md.
#
# name: letters, digits, _ - . (it names the result folder); title: the brief's headline;
# seed: the same scenario and seed give the same results; dates: YYYY-MM-DD, unquoted.
name = "{name}"
title = "A starter scenario"
seed = 1
horizon = {{ start = 2020-03-02, end = 2020-05-31 }}
{coordination}'''


_GOODS = '''
# ---- Goods: each quantity below is in units of its good. Without [[goods]], a scenario
# gives masks.
[[goods]]
id = "masks"
unit = "masks"

[[goods]]
id = "kits"
name = "PCR test kits"
unit = "kits"
'''


def _route(s: Sections) -> str:
    if not s.hub:
        return ""
    return ('via = "hub"                                           # every region through '
            'the hub\nlead_times = { hub = { kind = "fixed", days = 2 } }   # days from the '
            'donor to the hub\n')


def _donor(s: Sections) -> str:
    kits = '''
[[donors.supplies]]            # a second good: bought, not made
good = "kits"
procurement = [{ date = 2020-03-16, amount = 200_000 }]   # delivered into stock that day
''' if s.goods else ""
    return f'''
# ---- The donor: its supplies (one per good), what it keeps back, what it offers, when
# it ships.
[[donors]]
id = "donor"
name = "The donor"
{_route(s)}# what it offers on a shipment day: share_of_surplus, all_surplus, fixed_per_week or
# pledges_only
budget = {{ kind = "share_of_surplus", share = 0.5 }}
shipments = {{ weekday = "monday", cadence_days = 7 }}   # a shipment day every 7 days

[[donors.supplies]]
good = "masks"
initial_stock = 10_000_000                               # masks on the first day
# made a day, from each date on (add points as output grows)
capacity = {{ points = [{{ date = 2020-03-02, value = 2_000_000 }}] }}
domestic_need = {{ kind = "constant", per_day = 1_000_000 }}   # its own people first
reserve = {{ days = 7 }}                                  # days of domestic need kept back
{kits}'''


def _second_donor(s: Sections) -> str:
    if not s.donors:
        return ""
    good = "kits" if s.goods else "masks"
    amount = "100_000" if s.goods else "3_000_000"
    return f'''
# ---- A second donor: a foundation that buys what it gives (procurement), keeps nothing
# back and gives it all.
[[donors]]
id = "foundation"
name = "A foundation"
{_route(s)}budget = {{ kind = "all_surplus" }}
shipments = {{ weekday = "thursday", cadence_days = 14 }}

[[donors.supplies]]
good = "{good}"
procurement = [{{ date = 2020-03-19, amount = {amount} }}]
'''


_HUB = '''
# ---- The hub: consignments wait in its queue (first come, first served), at most
# throughput_per_day a day, then leave for each region after its onward days.
[[hubs]]
id = "hub"
name = "The hub"
throughput_per_day = 1_500_000                # units of any good a day
handling_days = 1
lead_times = { north = 1, south = 2 }         # onward days, one for every region it serves
'''


def _regions(s: Sections) -> str:
    out = ['''
# ---- The recipients: what each needs a day, of each good (needs.<good id>).''']
    for rid, name, people, masks, kits, lead in (
            ("north", "North", "5_000_000", "300_000", "1_500", 3),
            ("south", "South", "10_000_000", "500_000", "2_500", 5)):
        lead_time = ("" if s.hub else f'lead_time = {{ kind = "fixed", days = {lead} }}'
                     '   # days in transit from the donor\n')
        kit_need = f'kits = {{ kind = "constant", per_day = {kits} }}\n' if s.goods else ""
        out.append(f'''[[regions]]
id = "{rid}"
name = "{name}"
population = {people}
{lead_time}[regions.needs]
masks = {{ kind = "constant", per_day = {masks} }}
{kit_need}''')
    return "\n".join(out)


_TAIL = '''
# ---- Pledges: served before the rule spreads the rest. fixed: an amount on a date;
# standing: amount_per_week from start to end.
[[pledges]]
kind = "fixed"
donor = "donor"
good = "masks"
region = "north"
amount = 1_000_000
date = 2020-04-09

# ---- How the offer left after pledges is spread: proportional, maxmin (worst-covered
# first), priority (by tier) or weighted; shares by population, need, cases or weights.
[allocation]
rule = "maxmin"
shares = "need"
'''


def starter(name: str, sections: Sections = Sections(), file: str | None = None) -> str:
    """The text of a starter scenario called ``name`` (to be written to ``file``, default
    ``<name>.toml``)."""
    s = sections
    return (_header(name, file or f"{name}.toml", s) + (_GOODS if s.goods else "")
            + _donor(s) + _second_donor(s) + (_HUB if s.hub else "") + _regions(s) + _TAIL)
