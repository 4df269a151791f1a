"""A real browser for the explore page: `masksim explore` in a child process, headless Chromium
from Debian's package driven by Playwright (never a browser Playwright downloads).

Used by tests/explore and benchmarks/bench_explore.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("MASKSIM_CHROMIUM", "/usr/bin/chromium")
# Headless, and kept off the network: the machine's network is closed, and these stop
# Chromium's own calls home (updates, sync, field trials).
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
READY_SECONDS = 60.0  # a generous bound for CI; the benchmark measures the real time


def missing() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "no playwright (pip install -e '.[test]')"
    return None


def masksim() -> list[str]:
    exe = shutil.which("masksim", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "sim"]


@contextmanager
def server(target: str | Path, out: str | Path, *extra: str) -> Iterator[tuple[str, float]]:
    """`masksim explore TARGET` on a free port: yields (URL, seconds until it printed it)."""
    started = time.perf_counter()
    proc = subprocess.Popen([*masksim(), "explore", str(target), "--port", "0", "--out",
                             str(out), *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        url = ""
        assert proc.stdout is not None
        while time.perf_counter() - started < READY_SECONDS:
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("http://"):
                url = line.strip()
                break
        if not url:
            proc.kill()
            said = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"masksim explore did not start: {said}")
        yield url, time.perf_counter() - started
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# ---- reading and moving the page -------------------------------------------------------

STATUS = "[data-run]"
# Resolves once the page answers a change after answer ``before`` (a run, or a refusal), checked on
# every animation frame: the status sits in Panel's shadow roots, so it is searched deep.
WAIT_RUN = """([before, timeout]) => new Promise((resolve, reject) => {
  const find = (root) => {
    const hit = root.querySelector('[data-run]');
    if (hit) return hit;
    for (const e of root.querySelectorAll('*')) {
      if (e.shadowRoot) { const h = find(e.shadowRoot); if (h) return h; }
    }
    return null;
  };
  const t0 = performance.now();
  const tick = () => {
    const el = find(document);
    if (el && Number(el.dataset.answer) > before) {
      requestAnimationFrame(() => resolve(el.dataset.state));  // and the frame drawn
    } else if (performance.now() - t0 > timeout) {
      reject(new Error('no new run within ' + timeout + ' ms'));
    } else {
      requestAnimationFrame(tick);
    }
  };
  tick();
})"""


def run_count(page: Any) -> int:
    return int(page.locator(STATUS).first.get_attribute("data-run"))


def answers(page: Any) -> int:
    return int(page.locator(STATUS).first.get_attribute("data-answer"))


def state(page: Any) -> str:
    return str(page.locator(STATUS).first.get_attribute("data-state"))


def number(page: Any, key: str) -> float | None:
    raw = page.locator(f"[data-key='{key}']").first.get_attribute("data-value")
    return None if raw in (None, "") else float(raw)


def numbers(page: Any) -> dict[str, float | None]:
    cells = page.locator("[data-key]")
    out = {}
    for i in range(cells.count()):
        cell = cells.nth(i)
        raw = cell.get_attribute("data-value")
        out[str(cell.get_attribute("data-key"))] = None if raw in (None, "") else float(raw)
    return out


def open_page(page: Any, url: str, timeout_ms: float = 60_000) -> None:
    page.goto(url)
    page.wait_for_selector(STATUS, timeout=timeout_ms)


def set_lever(page: Any, css: str, value: str, timeout_ms: float = 30_000) -> float:
    """Type ``value`` into the lever (``.lever-reserve-days``), press Enter and wait until
    the page shows the new run (or refuses the value); returns the seconds from Enter to the
    new numbers drawn, figures with them (they come in one message)."""
    before = answers(page)
    box = page.locator(f"{css} input").first
    box.fill(value)
    started = time.perf_counter()
    box.press("Enter")
    page.evaluate(WAIT_RUN, [before, timeout_ms])
    return time.perf_counter() - started


def choose(page: Any, css: str, value: str, timeout_ms: float = 30_000) -> float:
    """Pick ``value`` in a select lever and wait for the new run, as :func:`set_lever`."""
    before = answers(page)
    started = time.perf_counter()
    page.locator(f"{css} select").first.select_option(value)
    page.evaluate(WAIT_RUN, [before, timeout_ms])
    return time.perf_counter() - started
