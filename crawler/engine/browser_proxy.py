"""GuardProxy: the only way out for the screen-print browser. Every connection Chromium opens
(plain HTTP requests, and CONNECT tunnels for HTTPS and WebSockets) comes here; the destination
is vetted by RequestGuard and the proxy connects to the very address it vetted. A response
larger than max_bytes, or a tunnel carrying more than TUNNEL_FACTOR times that, is cut off.

One request per plain-HTTP connection (Connection: close), so a kept-alive connection cannot
slip a second host past the check.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import socketserver
import threading
from urllib.parse import urlsplit

from crawler.engine.browser_guard import Refused, RequestGuard, Unresolvable

MAX_HEAD = 64 * 1024
TUNNEL_FACTOR = 4
_HOP_HEADERS = (b"proxy-connection", b"connection", b"keep-alive", b"proxy-authorization")


class GuardProxy:
    """A threaded HTTP proxy on 127.0.0.1 (port 0) for one capture; use as a context manager."""

    def __init__(self, guard: RequestGuard, max_bytes: int, timeout: float) -> None:
        self.guard = guard
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.refused: list[str] = []  # addresses the guard would not let through
        self.unresolved: list[str] = []
        self.too_large: str | None = None
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                # either side hanging up is the browser seeing a failed request
                with contextlib.suppress(OSError):
                    proxy._handle(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler,
                                                       bind_and_activate=False)
        self._server.daemon_threads = True
        self._server.allow_reuse_address = True
        self._server.server_bind()
        self._server.server_activate()
        self.address = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> GuardProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ---- one client connection --------------------------------------------------------------

    def _handle(self, client: socket.socket) -> None:
        client.settimeout(self.timeout)
        head, rest = _read_head(client)
        if head is None:
            return
        request_line, *headers = head.split(b"\r\n")
        try:
            method, target, version = request_line.split(b" ", 2)
        except ValueError:
            return
        if method == b"CONNECT":
            host, _, port = target.decode("latin-1").rpartition(":")
            self._tunnel(client, host, int(port or 443), rest)
        else:
            self._forward(client, method, target.decode("latin-1"), version, headers, rest)

    def _vet(self, scheme: str, host: str, port: int) -> str | None:
        try:
            return self.guard.connect_address(scheme, host, port)
        except Refused as exc:
            self.refused.append(str(exc))
            return None
        except Unresolvable as exc:
            self.unresolved.append(str(exc))
            return None

    def _tunnel(self, client: socket.socket, host: str, port: int, rest: bytes) -> None:
        address = self._vet("https", host, port)
        if address is None:
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        with socket.create_connection((address, port), timeout=self.timeout) as upstream:
            client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
            self._pipe(client, upstream, self.max_bytes * TUNNEL_FACTOR, f"https://{host}")

    def _forward(self, client: socket.socket, method: bytes, url: str, version: bytes,
                 headers: list[bytes], rest: bytes) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            self.refused.append(f"refused {url[:200]}: not an http(s) URL")
            return
        port = parts.port or 80
        address = self._vet("http", parts.hostname, port)
        if address is None:
            return  # no answer at all: the browser fails the request, it draws no page
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        kept = [h for h in headers if h.split(b":", 1)[0].strip().lower() not in _HOP_HEADERS]
        head = b"\r\n".join([method + b" " + path.encode("latin-1") + b" " + version, *kept,
                             b"Connection: close"]) + b"\r\n\r\n"
        with socket.create_connection((address, port), timeout=self.timeout) as upstream:
            upstream.sendall(head + rest)
            self._pipe(client, upstream, self.max_bytes, url)

    def _pipe(self, client: socket.socket, upstream: socket.socket, limit: int,
              url: str) -> None:
        """Both ways until either side closes; cut off past `limit` bytes downstream."""
        received = 0
        with selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ, upstream)
            selector.register(upstream, selectors.EVENT_READ, client)
            while True:
                events = selector.select(timeout=self.timeout)
                if not events:
                    return
                for key, _ in events:
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = source.recv(65536)
                    if not data:
                        return
                    if source is upstream:
                        received += len(data)
                        if received > limit:
                            self.too_large = self.too_large or url
                            return
                    key.data.sendall(data)


def _read_head(client: socket.socket) -> tuple[bytes | None, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(8192)
        if not chunk or len(data) > MAX_HEAD:
            return None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest

