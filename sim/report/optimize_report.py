"""``masksim optimize`` in pictures and words: the trade-off front (how much, at what risk)
and a PDF page "How much could we give, at what risk", in the house style."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure, FigureBase

import sim
from sim.report import figures
from sim.report.pages import A4, cap, table, text
from sim.report.style import canvas, style
from sim.report.sweep_data import outcome_label
from sim.report.words import mm
from sim.results.files import atomic_path
from sim.results.metrics import split_outcome
from sim.sweep.measures import Measure, Sense
from sim.sweep.optimize import Candidate, Optimize, Outcome

PDF_METADATA = {"CreationDate": None, "ModDate": None, "Creator": f"masksim {sim.__version__}",
                "Producer": "masksim optimize (matplotlib)"}


def axis_label(measure: Measure) -> tuple[str, float]:
    """An axis label with its unit, and the factor from stored units to plotted ones."""
    if measure.is_chance:
        return f"{measure} (%)", 100.0
    label, factor = outcome_label(measure.outcome)
    return f"{measure.stat} of {label[0].lower()}{label[1:]}", factor


def value_words(measure: Measure, x: float) -> str:
    """A measure's value as the page says it: 4.5 %, 438 M masks, 0.31."""
    if not math.isfinite(x):
        return "undefined"
    if measure.is_chance:
        return f"{100 * x:.1f} %"
    _, factor = outcome_label(measure.outcome)
    if factor == 1e-6 and split_outcome(measure.outcome)[1] is not None:
        return mm(x)  # a good's: 535 k suits, not 0.5 M
    if factor == 1e-6:
        return f"{x / 1e6:,.1f} M"
    if factor == 100.0:
        return f"{100 * x:.1f} %"
    return f"{x:.3g}"


def _axes_measures(spec: Optimize) -> tuple[Measure, Measure]:
    """y: the first objective; x: the first constraint's measure, else the second
    objective's."""
    y = spec.objectives[0].measure
    if spec.constraints:
        return spec.constraints[0].measure, y
    if len(spec.objectives) > 1:
        return spec.objectives[1].measure, y
    return y, y


def front_figure(spec: Optimize, outcome: Outcome, fig: FigureBase | None = None
                 ) -> FigureBase:
    """Every candidate (feasible or not), the trade-off front, the chosen policy in-sample
    and on fresh futures, and the constraint's bound."""
    foot = (f"Source: masksim {sim.__version__}, optimize {spec.name} (seed {spec.seed}): "
            f"{len(outcome.candidates)} policies, each on the same {spec.futures:,} futures; "
            f"the chosen one checked on {spec.check_futures:,} fresh futures.")
    fig, body = canvas(fig, "How much could we give, at what risk", foot)
    draw_front(body.subplots(), spec, outcome)
    return fig


def draw_front(ax: Axes, spec: Optimize, outcome: Outcome, small: bool = False) -> None:
    """The policies tried, the front, the chosen policy in-sample and on fresh futures, the
    bound, on ``ax`` (``small``: for the page, with smaller marks and labels)."""
    xm, ym = _axes_measures(spec)
    xl, xf = axis_label(xm)
    yl, yf = axis_label(ym)
    k = 0.7 if small else 1.0
    cands = outcome.candidates
    x = np.array([c.measures[str(xm)] for c in cands]) * xf
    y = np.array([c.measures[str(ym)] for c in cands]) * yf
    ok = np.array([_meets(spec, c) for c in cands], dtype=bool)
    s0, s1, s2 = style(0), style(1), style(2)
    ax.scatter(x[~ok], y[~ok], s=12 * k, marker="x", color="#999999",
               label="policies tried: constraint broken")
    ax.scatter(x[ok], y[ok], s=14 * k, marker="o", facecolor="none", edgecolor=s0.color,
               label="policies tried: constraints met")
    front = sorted(outcome.front, key=lambda i: (x[i], y[i]))
    ax.plot(x[front], y[front], color=s0.color, linestyle=s0.linestyle, linewidth=1.2 * k,
            label="trade-off front (none does better on both)")
    chosen = outcome.chosen
    cx, cy = chosen.measures[str(xm)] * xf, chosen.measures[str(ym)] * yf
    fresh = {c.measure: c.out_of_sample for c in outcome.checks}
    fx, fy = fresh[str(xm)] * xf, fresh[str(ym)] * yf
    ax.scatter([cx], [cy], s=70 * k, marker="*", color=s1.color, zorder=5,
               label="chosen policy, in-sample")
    ax.scatter([fx], [fy], s=55 * k, marker="D", facecolor="none", edgecolor=s2.color,
               linewidth=1.5 * k, zorder=5, label="chosen policy, fresh futures")
    ax.annotate("", (fx, fy), (cx, cy), arrowprops={"arrowstyle": "->", "color": s2.color})
    if spec.constraints and xm == spec.constraints[0].measure:
        bound = spec.constraints[0].bound * xf
        ax.axvline(bound, color="#444444", linestyle=":", linewidth=1.0)
        ax.annotate(f"bound {spec.constraints[0]}", (bound, 1.0),
                    xycoords=("data", "axes fraction"), xytext=(3, -3),
                    textcoords="offset points", va="top", fontsize=7 * k)
    ax.set_xlabel(xl, fontsize=8 if small else None)
    ax.set_ylabel(yl, fontsize=8 if small else None)
    if small:
        ax.tick_params(labelsize=7)
    ax.legend(loc="lower right", fontsize=6.5 if small else 7, frameon=False)


def _meets(spec: Optimize, c: Candidate) -> bool:
    return all(float(k.violation(np.array(c.measures[str(k.measure)]))) == 0
               for k in spec.constraints)


def answer_sentence(spec: Optimize, outcome: Outcome) -> str:
    """The answer in one or two sentences."""
    obj = spec.objectives[0]
    chosen = outcome.chosen
    fresh = {c.measure: c for c in outcome.checks}
    val = value_words(obj.measure, chosen.measures[str(obj.measure)])
    levers = ", ".join(f"{k} = {_lever(v)}" for k, v in chosen.levers.items())
    if not spec.constraints:
        return f"Best found: {obj.measure} = {val}, with {levers}."
    risks = "; ".join(
        f"{k.measure} = {value_words(k.measure, chosen.measures[str(k.measure)])} in-sample, "
        f"{value_words(k.measure, fresh[str(k.measure)].out_of_sample)} on fresh futures"
        for k in spec.constraints)
    if not outcome.feasible:
        return (f"No policy tried meets {', '.join(str(c) for c in spec.constraints)}. The "
                f"least risky found ({levers}) has {risks}; {obj.measure} = {val}.")
    held = all(outcome.met_out_of_sample.values())
    check = ("The constraint holds on the fresh futures too." if held else
             "On the fresh futures the constraint is broken: the in-sample futures flattered "
             "this policy; take a stricter bound or more futures.")
    best = "most" if obj.sense is Sense.MAXIMIZE else "least"
    return (f"The {best} found within {', '.join(str(c) for c in spec.constraints)}: "
            f"{obj.measure} = {val}, with {levers} ({risks}). {check}")


def _lever(v: object) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def page(spec: Optimize, outcome: Outcome) -> Figure:
    """The PDF page: the question, the answer, in- and out-of-sample side by side, the
    front as a figure and a table."""
    fig = Figure(figsize=A4)
    ax = fig.add_axes((0.08, 0.05, 0.84, 0.88))
    ax.set_axis_off()
    ax.text(0.0, 1.04, "How much could we give, at what risk", transform=ax.transAxes,
            fontsize=15, fontweight="bold", va="bottom")
    question = (f"{spec.description or spec.name}. Objective: "
                f"{'; '.join(str(o) for o in spec.objectives)}"
                + (f"; subject to {'; '.join(str(c) for c in spec.constraints)}"
                   if spec.constraints else "")
                + f". Levers: {', '.join(p.label for p in spec.levers)}. Uncertain: "
                + (", ".join(p.label for p in spec.uncertainties) or "outages and transit only")
                + f". Each of {len(outcome.candidates)} policies ran on the same "
                  f"{spec.futures:,} futures ({outcome.method}); the chosen one again on "
                  f"{spec.check_futures:,} fresh futures.")
    y = text(ax, 1.0, question, width=100, fontsize=9)
    y = text(ax, y, answer_sentence(spec, outcome), width=82, fontsize=10.5,
             fontweight="bold")
    rows = [(c.measure, value_words(_measure(spec, c.measure), c.in_sample),
             value_words(_measure(spec, c.measure), c.out_of_sample),
             "" if math.isnan(c.low) else
             f"{value_words(_measure(spec, c.measure), c.low)} - "
             f"{value_words(_measure(spec, c.measure), c.high)}") for c in outcome.checks]
    y = table(ax, y, ("Measure", f"In-sample ({spec.futures:,} futures)",
                      f"Fresh futures ({spec.check_futures:,})", "95 % interval (fresh)"),
              rows, (0.34, 0.22, 0.22, 0.22), fontsize=8)
    # The chart below the table, the front's table below the chart, as many rows as fit.
    top = 0.05 + 0.88 * y - 0.03  # figure fraction
    chart = fig.add_axes((0.12, top - 0.24, 0.78, 0.22))
    draw_front(chart, spec, outcome, small=True)
    xm, ym = _axes_measures(spec)
    front = sorted(outcome.front, key=lambda i: outcome.candidates[i].measures[str(xm)])
    head = (*[p.label for p in spec.levers], str(ym), *([str(xm)] if xm != ym else []))
    body = [(*[_lever(outcome.candidates[i].levers[p.label]) for p in spec.levers],
             value_words(ym, outcome.candidates[i].measures[str(ym)]),
             *([value_words(xm, outcome.candidates[i].measures[str(xm)])] if xm != ym
               else [])) for i in front]
    width = 1.0 / len(head)
    table_top = (top - 0.24 - 0.06 - 0.05) / 0.88  # axes fraction, under the x label
    row = 7 * 1.5 / 72 / (0.88 * A4[1]) * 1.6
    fit = max(3, int((table_top - 0.06) / row))
    text(ax, table_top + 0.025, "The trade-off front (in-sample):", fontsize=8.5)
    table(ax, table_top, head, cap(body, fit, "policies on the front"), [width] * len(head),
          fontsize=7)
    return fig


def _measure(spec: Optimize, name: str) -> Measure:
    return next(m for m in spec.measures if str(m) == name)


def write_pdf(spec: Optimize, outcome: Outcome, out: Path) -> Path:
    """The page as a one-page PDF, written atomically and byte-reproducibly."""
    with atomic_path(out) as tmp, figures.house_style(), PdfPages(
            tmp, metadata=PDF_METADATA) as pdf:
        pdf.savefig(page(spec, outcome))
    return out
