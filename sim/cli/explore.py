"""``masksim explore SCENARIO.toml | SWEEP_FOLDER``: the model in a browser.

Binds to 127.0.0.1 unless ``--host`` says otherwise (with a warning: the page runs the model
for whoever reaches it); the URL is the last line printed, once the server listens.
"""

from __future__ import annotations

import argparse
import socket
import sys

EXIT_OK = 0
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 5006


def free_port(host: str) -> int:
    """A port nobody listens on now (for ``--port 0``)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def cmd_explore(args: argparse.Namespace) -> int:
    try:
        import panel  # noqa: F401
    except ImportError:
        print("masksim: explore needs Panel: pip install -e '.[explore]'", file=sys.stderr)
        return 1
    from sim.explore.server import apps, serve

    host = args.host or DEFAULT_HOST
    if args.host and args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"masksim: warning: serving on {args.host}: anyone who can reach this address "
              "can run the model and write briefs to the output folder", file=sys.stderr)
    routes = apps(args.target, args.out)

    def ready(url: str) -> None:
        print(url, flush=True)

    serve(routes, host, args.port or free_port(host), ready)
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("explore", help="the model in a browser: levers, numbers, figures")
    p.add_argument("target", help="a scenario file, or a sweep folder")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port to listen on (default {DEFAULT_PORT}; 0: any free port)")
    p.add_argument("--host", help="address to bind (default 127.0.0.1, this machine only)")
    p.add_argument("--out", default="results/explore",
                   help="where briefs asked for in the page are written "
                        "(default results/explore)")
    p.set_defaults(func=cmd_explore)
