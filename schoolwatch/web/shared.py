"""What every web handler shares: the `Web` context (config, store behind one lock,
templates, sessions), the login decorator, CSRF-checked forms and safe redirects. The handler
modules and the app factory both import this; it imports none of them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import wraps
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from crawler.ground.config import Config
from crawler.ground.inbox_status import LABELS
from crawler.ground.vocab import LONDON, now
from crawler.store import Store, WebSession
from crawler.store.users import User
from digest.coverage import coverage
from digest.safety import safe_url
from schoolwatch.web.auth import (
    LoginLimiter,
    csrf_ok,
    new_csrf_token,
    session_key,
    session_secret,
)
from schoolwatch.web.words import FILTERS as WORDS

T = TypeVar("T")
CHOICES_TTL = 60.0
SESSION_COOKIE = "schoolwatch_session"
CSRF_COOKIE = "schoolwatch_csrf"
WEB_DIR = Path(str(resources.files("schoolwatch.web")))


class Web:
    """What every handler needs: config, store (behind one lock), templates, login limiter."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.lock = threading.Lock()
        self._choices: dict[tuple[str, ...] | None, tuple[float, dict[str, list[str]]]] = {}
        self.secret = session_secret(config.web.secret_file)
        # Per email typed, and (more loosely, since a school's NAT shares one) per address.
        self.limiter = LoginLimiter(store, config.web.login_attempts)
        self._coverage: dict[tuple[str, ...] | None, tuple[float, str | None]] = {}
        self.env = Environment(
            loader=FileSystemLoader(WEB_DIR / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
        )
        self.env.globals.update(safe_url=safe_url, status_labels=LABELS,
                                school_names={s.id: s.name for s in config.school})
        self.env.filters["when"] = _when
        self.env.filters.update(WORDS)

    async def db(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        def locked() -> T:
            with self.lock:
                return function(*args, **kwargs)

        return await run_in_threadpool(locked)

    async def choices(self, schools: list[str] | None) -> dict[str, list[str]]:
        """The filters' sources and categories, read at most once a minute per scope."""
        key = tuple(schools) if schools is not None else None
        cached = self._choices.get(key)
        if cached is None or time.monotonic() - cached[0] > CHOICES_TTL:
            cached = (time.monotonic(), await self.db(self.store.inbox_choices, schools))
            self._choices[key] = cached
        return cached[1]

    async def coverage_warning(self, schools: list[str] | None) -> str | None:
        """The banner when sources are failing or stale, read at most once a minute per scope
        (a crawl's outcome changes it, a page view does not)."""
        key = tuple(schools) if schools is not None else None
        cached = self._coverage.get(key)
        if cached is None or time.monotonic() - cached[0] > CHOICES_TTL:
            found = await self.db(coverage, self.config, self.store, schools)
            cached = (time.monotonic(), found.warning)
            self._coverage[key] = cached
        return cached[1]

    def render(
        self, request: Request, name: str, context: dict[str, Any], status_code: int = 200
    ) -> HTMLResponse:
        token = csrf_token(request)
        context = {
            "request": request,
            "user": request.scope.get("user"),
            "csrf_token": token,
            **context,
        }
        response = HTMLResponse(self.env.get_template(name).render(context),
                                status_code=status_code)
        if "user" not in request.scope and request.cookies.get(CSRF_COOKIE) != token:
            self.set_cookie(response, CSRF_COOKIE, token)
        return response

    def set_cookie(self, response: Response, name: str, value: str) -> None:
        response.set_cookie(name, value, max_age=self.config.web.session_hours * 3600,
                            httponly=True, samesite="lax", secure=self.config.web.secure_cookies)

    def error(self, request: Request, status: int, message: str) -> HTMLResponse:
        return self.render(request, "error.html", {"status": status, "message": message}, status)


def _when(value: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(LONDON).strftime(fmt)


def csrf_token(request: Request) -> str:
    """The forms' token: the session's once logged in; before that (the login form) a random
    one in a cookie of its own, which the posted form must repeat."""
    if "csrf" in request.scope:
        return str(request.scope["csrf"])
    token = request.cookies.get(CSRF_COOKIE) or ""
    if len(token) < 32:
        token = new_csrf_token()
    request.scope["csrf"] = token
    return token


async def current_session(request: Request) -> WebSession | None:
    """The live session the cookie names (one read of the store), or None."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id or len(session_id) > 100:
        return None
    web = web_of(request)
    return await web.db(web.store.session, session_key(session_id), now())


def web_of(request: Request) -> Web:
    return request.app.state.web  # type: ignore[no-any-return]


def scope_of(user: User) -> list[str] | None:
    """The schools a user may see; None for an admin (all)."""
    return None if user.is_admin else list(user.schools)


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no //) is followed after login."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/mentions"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and "\\" not in target else "/mentions"


Handler = Callable[[Request], Awaitable[Response]]


def login_required(handler: Handler) -> Handler:
    """Loads the session's user; without one, a page redirects to /login (never shows data)."""

    @wraps(handler)
    async def wrapped(request: Request) -> Response:
        web = web_of(request)
        session = await current_session(request)
        if session is None:
            if request.method != "GET":
                response: Response = web.error(request, 401,
                                               "Your session has ended: log in again.")
            else:
                target = request.url.path + (f"?{request.url.query}" if request.url.query
                                             else "")
                response = RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            if SESSION_COOKIE in request.cookies:
                response.delete_cookie(SESSION_COOKIE)
            return response
        request.scope["user"] = session.user
        request.scope["csrf"] = session.csrf
        return await handler(request)

    return wrapped


async def checked_form(request: Request) -> dict[str, Any] | None:
    """The posted form when its CSRF token matches the session's, else None."""
    form = await request.form()
    expected = request.scope.get("csrf") or request.cookies.get(CSRF_COOKIE)
    if not csrf_ok(expected, str(form.get("csrf_token") or "")):
        return None
    return {key: form.getlist(key) if key == "ids" else form.get(key) for key in form}
