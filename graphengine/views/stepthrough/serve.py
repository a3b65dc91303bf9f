"""``graphengine serve``: the step-through page on 127.0.0.1, rebuilt when the spec file changes.

Standard library only (:mod:`http.server`). The server answers ``/`` with the page (or,
while the spec is broken, a page with the one-line error) and ``/state`` with the spec's
version (its modification time and size, polled on every request); the page polls
``/state`` and reloads itself when the version changes. It binds to the loopback
address only: a live demo needs no other machine.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ...errors import GraphEngineError

HOST = "127.0.0.1"


class PageSource:
    """The page of one spec file, rebuilt when the file's modification time or size changes."""

    def __init__(self, path: str | os.PathLike[str], build: Callable[[str], str], error: Callable[[str], str]) -> None:
        self.path = Path(path)
        self.build, self.error = build, error
        self.lock = threading.Lock()
        self.cached: tuple[str, str] | None = None  # (version, page)

    def version(self) -> str:
        try:
            st = self.path.stat()
        except OSError:
            return "missing"
        return f"{st.st_mtime_ns}-{st.st_size}"

    def page(self) -> str:
        with self.lock:
            version = self.version()
            if self.cached is None or self.cached[0] != version:
                try:
                    html = self.build(str(self.path))
                except GraphEngineError as e:
                    html = self.error(str(e))
                except OSError as e:
                    html = self.error(f"{self.path}: cannot read the file: {e.strerror or e}")
                except Exception as e:  # a plugin's bug: the page says so in one line; the server stays up
                    html = self.error(f"{self.path}: {type(e).__name__}: {e}"[:2000])
                self.cached = (version, html)
            return self.cached[1]


def make_server(source: PageSource, port: int = 8000) -> ThreadingHTTPServer:
    """A server for ``source`` on 127.0.0.1:``port`` (0 picks a free port); call ``serve_forever``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            # DNS rebinding: a page of another site whose name now points at 127.0.0.1 sends
            # its own Host; only our loopback address (or localhost) with our port is answered.
            port_now = self.server.server_address[1]
            if self.headers.get("Host", "").lower() not in {f"{h}:{port_now}" for h in ("127.0.0.1", "localhost")}:
                self._send(421, "text/plain; charset=utf-8", b"wrong Host: this server answers 127.0.0.1 only\n")
                return
            route = self.path.split("?", 1)[0]
            if route in ("/", "/index.html"):
                self._send(200, "text/html; charset=utf-8", source.page().encode("utf-8"))
            elif route == "/state":
                body = json.dumps({"version": source.version()}).encode()
                self._send(200, "application/json", body)
            else:
                self._send(404, "text/plain; charset=utf-8", b"not found\n")

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def handle(self) -> None:
            try:
                super().handle()
            except (ConnectionError, TimeoutError):  # a browser tab closed mid-answer: nothing to say
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass  # one line per poll would flood the terminal

    server = ThreadingHTTPServer((HOST, port), Handler)
    server.daemon_threads = True
    return server
