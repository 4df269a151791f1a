"""Bad input as one line naming the file and the field (exit code 2)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

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


_UNIONS = {"need", "lead_time", "pledges"}  # fields whose value is a tagged union


def _join(loc: Iterable[str | int]) -> str:
    out = ""
    previous: str | int = ""
    before: str | int = ""
    for part in loc:
        # pydantic names the union member after a union field; the user never wrote it
        # (but "schedule" is also a field of a schedule need, and that one stays).
        tag_here = previous in _UNIONS or (isinstance(previous, int) and before in _UNIONS)
        before, previous = previous, part
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _TAGS and tag_here:
            continue
        else:
            out += ("." if out else "") + part
    return out


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
