"""The ``masksim`` command's entry point (also ``python -m sim``): ``sim.cli.main.main``, with
a Ctrl-C pressed while the command's modules load or its arguments are read ending in one
line, as it does once the command runs (``sim.cli.main`` handles those)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    try:
        from sim.cli import main as cli

        return cli.main(argv)
    except KeyboardInterrupt:
        print("masksim: interrupted", file=sys.stderr)
        return 130
