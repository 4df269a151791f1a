"""Numbers, dates and shares as a reader says them: the brief, the findings and the figures'
labels all write them the same way. Reads nothing, draws nothing."""

from __future__ import annotations

import datetime as dt
import re


def mm(x: float) -> str:
    """An amount in short form: 847 M, 27.1 M, 100 k, 999 (never "1e+03 k" or "-0")."""
    for div, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if abs(x) >= div * 0.9995:  # 999,999 rounds to "1 M", not "1e+03 k"
            return f"{x / div:.3g}{suffix}"
    return f"{round(x) or 0:.0f}"


def words(x: float) -> str:
    """An amount as a reader says it: 2.08 billion, 27.1 million, 100,000."""
    if abs(x) >= 0.9995e9:
        return f"{x / 1e9:.3g} billion"
    if abs(x) >= 0.9995e6:
        return f"{x / 1e6:.3g} million"
    return f"{round(x) or 0:,.0f}"


def date_words(text: str) -> str:
    """An ISO date as "22 March 2020"."""
    d = dt.date.fromisoformat(str(text)[:10])
    return f"{d.day} {d:%B %Y}"


def day_month(text: str) -> str:
    """An ISO date as "22 March" (the year is the horizon's)."""
    d = dt.date.fromisoformat(str(text)[:10])
    return f"{d.day} {d:%B}"


def pct(x: float | None) -> str:
    """A share (0-1) as a percentage; None (undefined) as "n/a"."""
    return "n/a" if x is None else f"{100 * x:.1f} %"


def signed_pct(x: float) -> str:
    """A relative difference with enough digits never to read "-0 %"."""
    v = 100 * x
    for digits in (0, 1, 2):
        text = f"{v:+.{digits}f}"
        if float(text) != 0 or v == 0:
            return f"{text} %"
    return f"{v:+.2g} %"


def index(x: float | None, digits: int = 2) -> str:
    """A Gini; None (undefined: nothing delivered) as "n/a"."""
    return "n/a" if x is None else f"{x:.{digits}f}"


def count(n: int, what: str) -> str:
    """"1 donor", "3 donors"."""
    return f"{n} {what}{'' if n == 1 else 's'}"


def listed(names: list[str], limit: int = 5) -> str:
    """"A, B and C"; beyond ``limit`` names, "A, B, C and 4 more"."""
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def lower_first(name: str) -> str:
    """A name inside a sentence: "Surgical masks" -> "surgical masks", "PCR kits" stays."""
    if len(name) > 1 and name[:2].isupper():
        return name
    return name[:1].lower() + name[1:]


def amount_of(x: float, unit: str, name: str) -> str:
    """An amount of a good in words, its unit said once: "6.77 million medical masks" (unit
    masks), "700 Q-Sens test kits" (unit "kits of 50 tests"), "20,000 pairs of gloves"."""
    inner = lower_first(name)
    if _head(unit) in {_stem(w) for w in re.findall(r"[a-z0-9]+", inner.lower())}:
        return f"{words(x)} {inner}"
    return f"{words(x)} {unit} of {inner}"


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _head(unit: str) -> str:
    """The noun a unit counts: "kits of 50 tests" -> "kit", "sampling kits" -> "kit"."""
    core = unit.lower().split("(")[0].split(" of ")[0].split()
    return _stem(core[-1]) if core else ""
