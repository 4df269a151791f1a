"""The model beside the record, as pages of the brief: one table row per observation."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from sim.report.pages import blank, table, text
from sim.report.style import mm
from sim.results.reader import RunData

RECORD_ROWS = 16  # rows of the model-vs-record table a page holds (sources wrap to 3 lines)


def record_contents(n: int, first: int = 9) -> str:
    pages = -(-n // RECORD_ROWS)
    return "." if not pages else (f", {first}{f'-{first - 1 + pages}' if pages > 1 else ''} "
                                  "model vs record.")


def _record(o: dict[str, Any]) -> str:
    if o.get("range") is not None:
        return f"{mm(o['range'][0])} to {mm(o['range'][1])}"
    return mm(o["value"])


def _error(o: dict[str, Any]) -> str:
    if o["error"] is None:
        return "n/a"
    if o["error"] == 0:
        return "0 (inside)" if o.get("range") is not None else "0"
    r = o["relative_error"]
    rel = "" if r is None else f" ({100 * r:+.{1 if abs(r) < 0.01 else 0}f} %)"
    return f"{'+' if o['error'] > 0 else '-'}{mm(abs(o['error']))}{rel}"


def record_pages(run: RunData) -> list[Figure]:
    """The model beside the record: one table row per observation (none: no pages)."""
    obs = run.summary.get("observations") or []
    rows: list[tuple[str, ...]] = [
        (o["date"], o["series"], _record(o), o["kind"],
         "n/a" if o["model"] is None else mm(o["model"]), _error(o),
         o["source"] + (f" ({o['note']})" if o.get("note") else "")) for o in obs]
    header: tuple[str, ...] = ("Date", "Series", "Record", "Kind", "Model", "Error", "Source")
    widths: tuple[float, ...] = (0.1, 0.17, 0.11, 0.1, 0.07, 0.14, 0.31)
    if run.several:  # which good each figure counts, in that good's unit
        rows = [(r[0], r[1], _good_of(run, o), *r[2:]) for r, o in zip(rows, obs, strict=True)]
        header = (*header[:2], "Good; donor", *header[2:])
        widths = (0.1, 0.2, 0.12, 0.1, 0.11, 0.07, 0.1, 0.2)
    chunks = [rows[i:i + RECORD_ROWS] for i in range(0, len(rows), RECORD_ROWS)]
    close = sum(1 for o in obs if o["relative_error"] is not None
                and abs(o["relative_error"]) <= 0.1)
    pages = []
    for k, chunk in enumerate(chunks):
        more = f" ({k + 1} of {len(chunks)})" if len(chunks) > 1 else ""
        fig, ax = blank(f"Model vs record{more}")
        y = 1.0
        if k == 0:
            unit = (" Record, model and error are in the unit of the observation's good (see "
                    "the key numbers)." if run.several else "")
            y = text(ax, y, f"Each dated figure from the record beside the replay's value "
                      f"on that day. Error = model - record: for a range, 0 inside it, else "
                      f"the distance to the nearest end; in brackets, relative to the record. "
                      f"{close} of {len(obs)} are inside their range or within 10 %. Kind: "
                      f"documented (on record), estimate (forecast or target), pledged "
                      f"(announced, delivery not confirmed). Stock is at the end of the day; "
                      f"cumulative series count from the start of the horizon.{unit}",
                      width=100, fontsize=9, color="#222222")
        table(ax, y, header, chunk, widths, fontsize=6.5)
        pages.append(fig)
    return pages


def _good_of(run: RunData, o: dict[str, Any]) -> str:
    """The good an observation counts (in its unit), and its donor when it names one."""
    good = str(o.get("good") or run.goods[0])  # its id: the good's name can be a sentence
    return good + (f"; {run.donor_name(str(o['donor']))}" if o.get("donor") else "")


