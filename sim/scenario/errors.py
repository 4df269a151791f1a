"""Bad input as one line naming the file and the field (exit code 2)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.paths import join_path

_TAGS = {"constant", "schedule", "cases", "fixed", "triangular", "standing"}
_HEAD = re.compile(r"^([A-Za-z_][\w.\[\]]*): (.+)$", re.S)
# Keys and values come from the file: a newline in one must not split the one-line report.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with control characters and line breaks escaped (``\\n``, ``\\x00``)."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


class InputError(Exception):
    """Bad input: reported as one line naming the file and the field (exit code 2)."""

    def __init__(self, source: str | Path, field: str, message: str) -> None:
        self.source, self.field, self.message = str(source), field, message
        where = f"{self.source}: {field}: " if field else f"{self.source}: "
        super().__init__(one_line(where + message))


# Where pydantic names the member of a tagged union after the field (the user never wrote
# it): after these fields, after an item of these lists, after an entry of these tables.
_UNION_FIELDS = {"need", "domestic_need", "lead_time"}
_UNION_LISTS = {"pledges"}
_UNION_TABLES = {"needs", "lead_times"}


def _join(loc: Iterable[str | int]) -> str:
    out: list[str | int] = []
    dropped = False  # a tag was just dropped: what follows is a field of the member
    for part in loc:
        prev = out[-1] if out else None
        before = out[-2] if len(out) > 1 else None
        tag_here = not dropped and (
            prev in _UNION_FIELDS
            or (isinstance(prev, int) and before in _UNION_LISTS)
            or (isinstance(prev, str) and before in _UNION_TABLES))
        dropped = isinstance(part, str) and part in _TAGS and tag_here
        if not dropped:
            out.append(part)
    return join_path(out)


def _message(err: Mapping[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    kind = err["type"]
    simple = {
        "greater_than_equal": "must be >= {ge}",
        "greater_than": "must be > {gt}",
        "less_than_equal": "must be <= {le}",
        "less_than": "must be < {lt}",
        "missing": "required",
        "extra_forbidden": "unknown key",
        "finite_number": "must be a finite number",
        "too_short": "must have at least {min_length} item(s)",
    }
    if kind in simple:
        # 0.0 reads as 0 to someone who wrote "days = -1"
        shown = {k: f"{v:g}" if isinstance(v, float) else v for k, v in ctx.items()}
        return simple[kind].format(**shown)
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def first_error(source: str | Path, exc: ValidationError) -> InputError:
    err = exc.errors()[0]
    field, msg = _join(err["loc"]), _message(err)
    head = _HEAD.match(msg)
    if head:  # a model-level check names its own field: "end: must not be before start"
        sub, msg = head.groups()
        field = f"{field}.{sub}" if field and not sub.startswith("[") else field + sub
    return InputError(source, field, msg)
