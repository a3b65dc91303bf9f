"""``graphengine serve``: the step-through page on 127.0.0.1, live, with "what if".

Standard library only (:mod:`http.server`). Routes:

* ``GET /``: the page (or, while the spec is broken, a page with the one-line error), with every
  number the spec gives (:mod:`graphengine.spec.given`) editable;
* ``GET /state``: the spec file's version (modification time and size); the page polls it and
  reloads when someone saves the file in an editor;
* ``POST /compute``: new values for given numbers → the engine recomputes → the page's data and
  diagram, which the page puts in place at the same step. The spec file is not touched;
* ``POST /save``: the same values written into the spec file, each at its own scalar (comments
  and layout kept), atomically.

A served page can change a file, so the server trusts only its own page: it binds to the loopback
address; the Host header must name it (no DNS rebinding); a POST needs the per-session random
token that is in the page and, when the browser sends an Origin, the server's own origin (another
site's page gets 403); a request body is at most :data:`MAX_BODY` bytes and at most
:data:`MAX_POSTS` requests per :data:`RATE_WINDOW` seconds are answered (429 beyond).
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ...errors import GraphEngineError

HOST = "127.0.0.1"
# Largest request body (a page's values are a few kB).
MAX_BODY = 64 * 1024
# At most MAX_POSTS requests that compute or write, per RATE_WINDOW seconds.
MAX_POSTS = 30
RATE_WINDOW = 1.0
TOKEN_HEADER = "X-Graphengine-Token"


@dataclass
class LiveSpec:
    """One spec file served live: how to build its page, and the edits not yet saved.

    ``page(text, values, token)`` builds the HTML for the spec text; ``compute(text)`` returns the
    page's data and SVG for the text (both raise :class:`GraphEngineError` on a bad spec);
    ``error(message)`` is the page shown while the file is broken.
    """

    path: Path
    page: Callable[[str, str], str]
    compute: Callable[[str], dict[str, Any]]
    error: Callable[[str], str]
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def version(self) -> str:
        try:
            st = self.path.stat()
        except OSError:
            return "missing"
        return f"{st.st_mtime_ns}-{st.st_size}"

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def html(self) -> str:
        with self.lock:
            try:
                return self.page(self.text(), self.token)
            except GraphEngineError as e:
                return self.error(str(e))
            except OSError as e:
                return self.error(f"{self.path}: cannot read the file: {e.strerror or e}")
            except Exception as e:  # a plugin's bug: the page says so in one line; the server stays up
                return self.error(f"{self.path}: {type(e).__name__}: {e}"[:2000])

    def edited(self, values: Any) -> str:
        """The spec's text with ``values`` (key → number) written in."""
        from ...spec.given import with_numbers

        if not isinstance(values, dict):
            raise GraphEngineError("`values` must be a mapping of given numbers to new values")
        numbers = {}
        for key, value in values.items():
            try:
                numbers[str(key)] = float(value)
            except (TypeError, ValueError):
                raise GraphEngineError(f"`{key}`: {value!r} is not a number") from None
        return with_numbers(self.text(), numbers, str(self.path))

    def recompute(self, values: Any) -> dict[str, Any]:
        with self.lock:
            text = self.edited(values)
            answer = self.compute(text)
            answer["changed"] = text != self.text()
            return answer

    def save(self, values: Any) -> dict[str, Any]:
        from ..._util.files import write_atomic

        with self.lock:
            text = self.edited(values)
            self.compute(text)  # a spec the engine refuses is not written
            write_atomic(self.path, text)
            return {"file": str(self.path), "version": self.version()}


class _Rate:
    """At most ``limit`` events per ``window`` seconds (a sliding window)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.times: deque[float] = deque()
        self.lock = threading.Lock()

    def allow(self) -> bool:
        now = time.monotonic()
        with self.lock:
            while self.times and now - self.times[0] > self.window:
                self.times.popleft()
            if len(self.times) >= self.limit:
                return False
            self.times.append(now)
            return True


def make_server(live: LiveSpec, port: int = 8000) -> ThreadingHTTPServer:
    """A server for ``live`` on 127.0.0.1:``port`` (0 picks a free port); call ``serve_forever``."""
    rate = _Rate(MAX_POSTS, RATE_WINDOW)

    class Handler(BaseHTTPRequestHandler):
        def _own(self) -> tuple[str, ...]:
            port = self.server.server_address[1]  # type: ignore[index]  # an (address, port) pair here
            return (f"{HOST}:{port}", f"localhost:{port}")

        def _host_ok(self) -> bool:
            return self.headers.get("Host", "").lower() in self._own()

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            # DNS rebinding: a page of another site whose name now points at 127.0.0.1 sends
            # its own Host; only our loopback address (or localhost) with our port is answered.
            if not self._host_ok():
                self._send(421, "text/plain; charset=utf-8", b"wrong Host: this server answers 127.0.0.1 only\n")
                return
            route = self.path.split("?", 1)[0]
            if route in ("/", "/index.html"):
                self._send(200, "text/html; charset=utf-8", live.html().encode("utf-8"))
            elif route == "/state":
                self._json(200, {"version": live.version()})
            else:
                self._send(404, "text/plain; charset=utf-8", b"not found\n")

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            route = self.path.split("?", 1)[0]
            if not self._host_ok():
                return self._json(403, {"error": "wrong Host header: this server answers only its loopback address"})
            origin = self.headers.get("Origin")
            if origin is not None and origin not in tuple(f"http://{h}" for h in self._own()):
                return self._json(403, {"error": "requests from another site are refused"})
            token = self.headers.get(TOKEN_HEADER, "")
            if not hmac.compare_digest(token.encode(), live.token.encode()):
                return self._json(403, {"error": "missing or wrong session token"})
            if route not in ("/compute", "/save"):
                return self._json(404, {"error": "not found"})
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                return self._json(411, {"error": "a request needs its Content-Length"})
            if length > MAX_BODY or length < 0:
                return self._json(413, {"error": f"a request is at most {MAX_BODY} bytes"})
            if not rate.allow():
                return self._json(429, {"error": "too many requests; wait a moment"})
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
                values = body.get("values", {}) if isinstance(body, dict) else None
                answer = live.recompute(values) if route == "/compute" else live.save(values)
            except (ValueError, UnicodeDecodeError):
                return self._json(400, {"error": "the request is not JSON"})
            except GraphEngineError as e:
                return self._json(400, {"error": str(e)})
            self._json(200, answer)

        def _json(self, status: int, data: Any) -> None:
            self._send(status, "application/json", json.dumps(data, allow_nan=False).encode("utf-8"))

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
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
