"""Every module of the package imports on its own, first, whatever the order."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# One interpreter for all: each module is imported with every ``sim`` module forgotten
# first, as a fresh process would (third-party imports stay loaded: they are not at issue).
_SCRIPT = """
import importlib, sys
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "sim" or m.startswith("sim.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
print("\\n".join(failed))
"""


def test_every_module_imports_first() -> None:
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / "sim").rglob("*.py") if p.name != "__main__.py")
    # Two interpreters, each with every other module: the two cores CI has.
    procs = [subprocess.Popen([sys.executable, "-c", _SCRIPT, *modules[k::2]], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k in range(2)]
    for proc in procs:
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        assert out.strip() == ""
