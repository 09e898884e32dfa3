"""`python -m viz.playground serve SITE_DIR`: the built site over http, e.g. to a classroom's network.

Python's own http.server with the two types a browser insists on named explicitly (JavaScript modules,
.mjs, and WebAssembly, .wasm), whatever the machine's MIME table says.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json"}


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files from the site folder, quietly, with the types above."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        return None


def server(site: str | Path, host: str = "127.0.0.1", port: int = 0) -> http.server.ThreadingHTTPServer:
    """An http server of `site` (port 0: any free port; see .server_address), not yet serving."""
    handler = functools.partial(Handler, directory=str(site))
    return http.server.ThreadingHTTPServer((host, port), handler)


def serve_in_thread(site: str | Path, host: str = "127.0.0.1") -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve `site` from a daemon thread; returns the server (call .shutdown() when done) and its URL."""
    httpd = server(site, host)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://{host}:{httpd.server_address[1]}/"
