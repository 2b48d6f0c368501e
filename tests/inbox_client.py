"""The inbox served in this process (uvicorn on a port-0 socket, as `serve` does) and a
urllib "browser" for it: fast enough to walk many logins. Two servers over one store stand for
two `serve` processes, since they share nothing but the store."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar

import uvicorn

from crawler.ground.config import Config
from schoolwatch.web.app import create_app
from schoolwatch.web.server import bind
from schoolwatch.web.shared import SESSION_COOKIE
from tests.web_helpers import PASSWORD

LEAD = "lead@school.example"


@contextmanager
def inbox_server(config: Config) -> Iterator[str]:
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class Browser:
    """A cookie jar and the forms' CSRF token, like one browser."""

    def __init__(self, url: str, cookie: str | None = None) -> None:
        self.url = url
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        if cookie is not None:
            self.opener.addheaders = [("Cookie", f"{SESSION_COOKIE}={cookie}")]

    def get(self, path: str) -> tuple[int, str, str]:
        try:
            with self.opener.open(self.url + path) as response:
                return response.status, response.url, response.read().decode()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.url, exc.read().decode()

    def post(self, path: str, fields: dict[str, str], token_from: str = "/mentions") -> int:
        html = self.get(token_from)[2]
        token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        data = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
        try:
            with self.opener.open(self.url + path, data=data) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code

    def log_in(self, email: str = LEAD, password: str = PASSWORD) -> int:
        return self.post("/login", {"email": email, "password": password}, token_from="/login")

    def session_cookie(self) -> str:
        return next(c.value for c in self.jar if c.name == SESSION_COOKIE and c.value)
