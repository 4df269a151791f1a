"""Write docs/scenario-reference.md from the models (``sim.report.reference``).

    python tools/make_reference.py          # write it
    python tools/make_reference.py --check  # exit 1 if the page is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.report.reference import PAGE, reference
from sim.results.files import write_atomic

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    page, text = ROOT / PAGE, reference()
    if "--check" in argv:
        fresh = page.exists() and page.read_text(encoding="utf-8") == text
        print(f"{page}: {'up to date' if fresh else 'stale: run python tools/make_reference.py'}")
        return 0 if fresh else 1
    write_atomic(page, text)
    print(page)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
