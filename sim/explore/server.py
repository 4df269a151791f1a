"""Serve the page: a scenario file (its levers) or a sweep folder (its trade-offs, and any
experiment opened as a run), on a local Bokeh server through Panel.

The server serves the pages and the framework's own assets, nothing else: no folder of the
user's is mounted, and what a page writes (a brief) goes to the output folder alone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import panel as pn

from sim.explore.levers import Source
from sim.explore.page import CSS, ScenarioApp
from sim.scenario.errors import InputError
from sim.scenario.loading import load


def apps(target: str | Path, out: str | Path) -> dict[str, Callable[[], Any]]:
    """The routes of the server for a scenario file or a sweep folder (InputError: neither,
    or a bad one). Builds the baseline run(s) now, so the first page opens at once."""
    path = Path(target)
    if path.is_dir():
        from sim.explore.sweep_page import SweepApp

        sweep = SweepApp(path, Path(out))
        return {"/": sweep.session, "/run": sweep.run_session}
    if not path.is_file():
        raise InputError(path, "", "no such scenario file or sweep folder")
    app = ScenarioApp(load(path), Source(path), Path(out))
    return {"/": app.session}


def serve(routes: dict[str, Callable[[], Any]], host: str, port: int,
          ready: Callable[[str], None]) -> None:
    """Serve until interrupted; ``ready(url)`` once the server listens."""
    pn.config.raw_css = [*pn.config.raw_css, CSS]
    server = pn.serve(routes, address=host, port=port, show=False, start=False,
                      title="masksim explore", threaded=False,
                      websocket_origin=[f"{host}:{port}", f"localhost:{port}"],
                      check_unused_sessions=5000, unused_session_lifetime=60000)
    server.start()
    url = f"http://{host}:{port}/"
    server.io_loop.add_callback(ready, url)
    server.io_loop.start()
