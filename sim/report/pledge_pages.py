"""The brief's section on pledges: the pledges totalled by donor and good, each pledge when
there are few (over as many pages as they take), else the ones not kept in full on time and
where the full list is; and the run's provenance, which closes the brief."""

from __future__ import annotations

from typing import Any

import matplotlib

from sim.report import paging
from sim.report.words import count, mm
from sim.results.reader import RunData

LIST_ALL = 25  # pledges listed one by one up to this many (about a page)
LIST_LATE = 40  # rows of pledges not kept in full on time, when not all are listed
EACH = ("Due", "Donor", "Good", "Region", "Amount", "On time", "Late", "Unmet", "Note")
EACH_WIDTHS = (0.1, 0.14, 0.12, 0.12, 0.07, 0.07, 0.06, 0.07, 0.25)


def _n(x: Any) -> float:
    return 0.0 if x is None else float(x)


def _row(run: RunData, p: dict[str, Any]) -> tuple[str, ...]:
    return (str(p.get("when", "")).replace("..", " to "),
            run.donor_name(str(p["donor"])) if p.get("donor") else "-",
            run.good_name(str(p["good"])) if p.get("good") else "-",
            run.region_name(str(p.get("region", ""))), mm(_n(p.get("amount"))),
            mm(_n(p.get("on_time"))), mm(_n(p.get("late"))), mm(_n(p.get("unmet"))),
            str(p.get("note", "")))


def by_donor_and_good(run: RunData, each: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """A row per donor and good: how many pledges, to how many regions, when, and how they
    were kept (units of the good)."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for p in each:
        groups.setdefault((str(p.get("donor", "")), str(p.get("good", ""))), []).append(p)
    rows = []
    for (donor, good), ps in groups.items():
        dues = sorted(d for p in ps for d in str(p.get("when", "")).split("..") if d)
        span = (f"{dues[0]} to {dues[-1]}" if dues and dues[0] != dues[-1]
                else (dues[0] if dues else "-"))
        rows.append((run.donor_name(donor) if donor else "-",
                     f"{run.good_name(good)} ({run.unit(good)})" if good else "-",
                     str(len(ps)), str(len({p.get("region") for p in ps})), span,
                     *(mm(sum(_n(p.get(k)) for p in ps))
                       for k in ("amount", "on_time", "late", "unmet", "not_due"))))
    return rows


def _provenance(run: RunData) -> list[tuple[str, str]]:
    prov = run.summary["provenance"]
    return [("masksim version", str(prov.get("version"))), ("Seed", str(prov.get("seed"))),
            ("Scenario sha256", str(prov.get("scenario_sha256"))),
            ("Engine / backend", f"{prov.get('engine')} / {prov.get('backend')}"),
            ("numpy / matplotlib", f"{prov.get('numpy')} / {matplotlib.__version__}"),
            ("Sources", "the scenario file's comments and observations; the record's sources "
                        "are listed in docs/sources.md")]


def _without_donor(block: paging.Block) -> paging.Block:
    """A table without its donor column (a run of one donor), its width given to the
    last column."""
    if not isinstance(block, paging.Table) or "Donor" not in block.header:
        return block
    k = list(block.header).index("Donor")
    widths = [w for i, w in enumerate(block.widths) if i != k]
    widths[-1] += block.widths[k]
    return paging.Table([h for i, h in enumerate(block.header) if i != k],
                        [[c for i, c in enumerate(r) if i != k] for r in block.rows], widths,
                        block.fontsize, block.keep)


def blocks(run: RunData) -> list[paging.Block]:
    """The section (nothing when the scenario has no pledges)."""
    out = _blocks(run)
    return [_without_donor(b) for b in out] if len(run.donors) == 1 else out


def _blocks(run: RunData) -> list[paging.Block]:
    each = list((run.summary.get("pledges") or {}).get("each") or [])
    if not each and not run.scenario.get("pledges"):
        return []
    out: list[paging.Block] = [paging.Section("Pledges")]
    if not each:  # a summary without the outcome of each pledge: list what was pledged
        listed = [(str(p.get("date") or f"{p.get('start')} to {p.get('end')}"),
                 run.donor_name(str(p.get("donor", ""))), run.good_name(str(p.get("good", ""))),
                 run.region_name(str(p.get("region", ""))),
                 mm(_n(p.get("amount") or p.get("amount_per_week"))), "n/a", "n/a", "n/a",
                 str(p.get("note", ""))) for p in run.scenario.get("pledges", [])]
        out.append(paging.Table(EACH, listed or [("none",) + ("",) * 8], EACH_WIDTHS, 6.5))
    else:
        out += [paging.Text(f"{count(len(each), 'pledge')}, in each good's own unit. Not "
                            "due: fixed pledges dated after the horizon's last shipment day.",
                            width=100,
                            fontsize=9, style={"color": "#222222"}),
                paging.heading("By donor and good"),
                paging.Table(("Donor", "Good (unit)", "Pledges", "Regions", "Due", "Amount",
                              "On time", "Late", "Unmet", "Not due"),
                             by_donor_and_good(run, each),
                             (0.14, 0.16, 0.08, 0.08, 0.16, 0.08, 0.07, 0.06, 0.07, 0.07),
                             fontsize=7)]
        if len(each) <= LIST_ALL:
            out += [paging.heading("Each pledge"),
                    paging.Table(EACH, [_row(run, p) for p in each], EACH_WIDTHS, 6.5)]
        else:
            short = [p for p in each if _n(p.get("late")) > 0 or _n(p.get("unmet")) > 0]
            out.append(paging.Text(
                f"The {len(each)} pledges one by one (due date, donor, good, region, amount, "
                "on time, late, unmet, note) are in the result folder's summary.json, under "
                "pledges.each.", width=100, fontsize=9))
            if not short:
                out.append(paging.Text("Every pledge due in the horizon shipped in full and "
                                       "on time.", width=100, fontsize=9))
            else:
                rows: list[tuple[str, ...]] = [_row(run, p) for p in short]
                if len(rows) > LIST_LATE:
                    rows = [*rows[:LIST_LATE - 1], (f"... and {len(rows) - LIST_LATE + 1} "
                                                    "more (summary.json)",) + ("",) * 8]
                out += [paging.heading(f"Pledges not kept in full on time ({len(short)})"),
                        paging.Table(EACH, rows, EACH_WIDTHS, 6.5)]
    return out


def provenance_blocks(run: RunData) -> list[paging.Block]:
    return [paging.Section("Provenance"),
            paging.Table(("Item", "Value"), _provenance(run), (0.25, 0.75), keep=True)]
