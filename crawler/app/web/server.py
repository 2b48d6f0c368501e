"""Serving the inbox with uvicorn on a socket bound here (port 0 picks a free port)."""

from __future__ import annotations

import socket
from collections.abc import Callable

import uvicorn

from crawler.app.web.app import create_app
from crawler.config import Config


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(
    config: Config,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    announce: Callable[[str], None] = print,
    proxy_headers: bool = False,
) -> None:
    """Runs until interrupted. Behind a TLS proxy, pass proxy_headers to trust its
    X-Forwarded-For / -Proto (from 127.0.0.1 only)."""
    app = create_app(config)
    sock = bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    announce(f"http://{shown}:{bound_port}")
    server = uvicorn.Server(uvicorn.Config(
        app, log_level="info", access_log=True, proxy_headers=proxy_headers,
        forwarded_allow_ips="127.0.0.1", server_header=False,
    ))
    server.run(sockets=[sock])
