"""Serving the inbox with uvicorn on a socket bound here (port 0 picks a free port)."""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Callable

import uvicorn

from crawler.ground.config import Config
from crawler.ground.errors import SchoolwatchError
from schoolwatch.logs import guard_handlers
from schoolwatch.web.app import create_app

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class QueryStringScrubber(logging.Filter):
    """Drops the query string from access-log lines: inbox searches and filters can carry a
    pupil's name, and the log is kept longer and read more widely than the store."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def _log_the_app() -> None:
    """The inbox's own log lines (logins, failed logins, lockouts) beside uvicorn's, on stderr."""
    app_log = logging.getLogger("schoolwatch")
    app_log.setLevel(logging.INFO)
    if not app_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        app_log.addHandler(handler)
    guard_handlers(app_log)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or a SchoolwatchError saying in words why there cannot be one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise SchoolwatchError(f"cannot listen on {host}:{port}: {_why(exc, host, port)}") from None
    sock.set_inheritable(True)
    return sock


def _why(exc: OSError, host: str, port: int) -> str:
    if isinstance(exc, socket.gaierror):
        return f"{host!r} is not an address or a host name this machine can resolve"
    if exc.errno == errno.EADDRINUSE:
        return ("the port is already in use (is another schoolwatch serve running? choose "
                "another with --port)")
    if exc.errno == errno.EADDRNOTAVAIL:
        return (f"{host} is not an address of this machine (use 127.0.0.1 behind a proxy, or "
                "0.0.0.0 for every address)")
    if exc.errno == errno.EACCES:
        return f"port {port} needs more privileges: choose a port above 1023 with --port"
    return exc.strerror or str(exc)


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
    uvicorn_config = uvicorn.Config(
        app, log_level="info", access_log=True, proxy_headers=proxy_headers,
        forwarded_allow_ips="127.0.0.1", server_header=False,
    )
    # after uvicorn.Config, which (re)configures its loggers
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QueryStringScrubber) for f in access_log.filters):
        access_log.addFilter(QueryStringScrubber())
    _log_the_app()
    guard_handlers(access_log, logging.getLogger("uvicorn.error"))
    uvicorn.Server(uvicorn_config).run(sockets=[sock])
