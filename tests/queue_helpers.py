"""A real redis-server, worker processes and a fixture site that counts concurrent requests."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import redis

from schoolwatch.demo.server import FixtureServer, send

ROOT = Path(__file__).resolve().parents[1]
NO_REDIS = "redis-server is not installed (`make test` installs Debian's redis-server package)"


def wait_for(condition: Callable[[], object], timeout: float, what: str, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


class RedisServer:
    """redis-server on a unix socket (`--port 0`: no TCP), no persistence, stopped by PID."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = folder / "redis.sock"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        assert binary is not None, NO_REDIS
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [binary, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder),
             "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(unix_socket_path=str(self.socket))
        try:
            wait_for(lambda: self._ping(client), 10, "redis-server to start")
        finally:
            client.close()
        return self

    def _ping(self, client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGTERM)
            self.process.wait(10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self) -> redis.Redis:
        return redis.Redis(unix_socket_path=str(self.socket))


class CountingSite:
    """A fixture site of many feed sources that answers each request after `latency` seconds
    and records the most requests it had in flight at once."""

    def __init__(self, sources: int, latency: float = 0.1, prefix: str = "s") -> None:
        self.latency = latency
        self.prefix = prefix
        self.in_flight = 0
        self.most_in_flight = 0
        self.requests = 0
        self._lock = threading.Lock()
        self.server = FixtureServer()
        self.base_url = self.server.base_url
        routes = {"/robots.txt": self._counted(lambda h: send(h, 200, b"User-agent: *\n",
                                                              "text/plain"))}
        for index in range(sources):
            routes[f"/feeds/{index}.xml"] = self._counted(self._feed(index))
        self.server.routes.update(routes)

    def __enter__(self) -> CountingSite:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.close()

    def _feed(self, index: int) -> Callable[[BaseHTTPRequestHandler], None]:
        base = self.base_url
        body = (
            "<rss version='2.0'><channel><title>Feed</title>"
            f"<item><title>Hollins Green Primary School news {self.prefix}{index}</title>"
            f"<link>{base}/posts/{self.prefix}{index}</link>"
            f"<description>Parents at Hollins Green Primary School talk about item {index}."
            "</description></item>"
            f"<item><title>Bake sale {index}</title><link>{base}/other/{index}</link>"
            "<description>Nothing about any school here.</description></item>"
            "</channel></rss>"
        ).encode()
        return lambda handler: send(handler, 200, body, "application/rss+xml")

    def _counted(self, route: Callable[[BaseHTTPRequestHandler], None]
                 ) -> Callable[[BaseHTTPRequestHandler], None]:
        def counted(handler: BaseHTTPRequestHandler) -> None:
            with self._lock:
                self.requests += 1
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                time.sleep(self.latency)
                route(handler)
            finally:
                with self._lock:
                    self.in_flight -= 1

        return counted

    def sources_toml(self, count: int, start: int = 0, name: str = "feed") -> str:
        return "".join(
            f'[[source]]\nname = "{name}-{i}"\nkind = "feed"\n'
            f'url = "{self.base_url}/feeds/{i}.xml"\n'
            for i in range(start, start + count)
        )


class WorkerProcess:
    """`schoolwatch worker` in its own session, so kill -9 takes its crawl children with it."""

    def __init__(self, config_path: Path, log_path: Path, threads: int = 1) -> None:
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "schoolwatch.cli", "worker", "--config", str(config_path),
             "--threads", str(threads)],
            stdout=self._log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            cwd=ROOT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """Like a machine lost mid-job: the worker and its crawl children, no clean-up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
