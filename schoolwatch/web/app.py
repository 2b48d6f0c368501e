"""The web inbox: a Starlette app over the DuckDB store.

Concurrency with `schoolwatch run`: DuckDB lets one process write, and no other process read
while it does. The web process holds no connection between requests: a request opens the file
once, at its first read, and closes it when it ends (a write in between is its own short
transaction), waiting a few seconds when the other side holds the lock. Inside the web process
requests take turns with the store (StoreGate), since DuckDB refuses a read-only and a
read-write connection to one file at once.
"""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crawler.ground.config import Config
from crawler.ground.errors import StoreLockedError
from crawler.store import Store
from schoolwatch.web import evidence, inbox, mention, pages, session
from schoolwatch.web.shared import WEB_DIR, Web, web_of

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]
class SecurityHeaders:
    """Adds the CSP and friends to every response that has not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                if static:  # the same for everyone: a browser may keep it for an hour
                    names.add(b"cache-control")
                    message.setdefault("headers", [])
                    message["headers"] = [*message["headers"],
                                          (b"cache-control", b"private, max-age=3600")]
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in names]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, with_headers)


class StoreGate:
    """One request at a time reads the store, through one connection opened at its first read
    (its session, then the page) and closed when it ends: one open of the DuckDB file per
    request, not one per read. Pages only wait for each other's store work and rendering,
    which the GIL serialises anyway; static files pass straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.lock = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        async with self.lock:
            with scope["app"].state.web.store.one_reader():
                await self.app(scope, receive, send)


async def store_locked(request: Request, exc: Exception) -> Response:
    return web_of(request).error(
        request, 503, "A crawl is writing to the store just now; try again in a moment."
    )


async def not_found(request: Request, exc: Exception) -> Response:
    return web_of(request).error(request, 404, "Not found.")


def create_app(config: Config, store: Store | None = None) -> Starlette:
    web = Web(config, store or Store(config.store.path))
    routes = [
        Route("/", pages.home),
        Route("/login", session.login_form, methods=["GET"]),
        Route("/login", session.login, methods=["POST"]),
        Route("/logout", session.logout, methods=["POST"]),
        Route("/logout/everywhere", session.logout_everywhere, methods=["POST"]),
        Route("/mentions", inbox.inbox_page),
        Route("/mentions.csv", inbox.export_csv),
        Route("/mentions/bulk", inbox.bulk, methods=["POST"]),
        Route("/mentions/{id:int}", mention.mention_page),
        Route("/mentions/{id:int}/raw", mention.raw_text),
        Route("/mentions/{id:int}/raw.bin", mention.raw_download),
        Route("/mentions/{id:int}/screenprint", evidence.take, methods=["POST"]),
        Route("/mentions/{id:int}/{action:str}", mention.act, methods=["POST"]),
        Route("/screenprints/{id:int}.{kind:str}", evidence.print_file),
        Route("/cases/{id:int}/pack.zip", evidence.pack),
        Route("/cases", pages.cases_page),
        Route("/cases/{id:int}", pages.case_update, methods=["POST"]),
        Route("/sources", pages.sources_page),
        Route("/chart", inbox.chart_page),
        Mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(StoreGate),
        ],
        exception_handlers={StoreLockedError: store_locked, 404: not_found},
    )
    app.state.web = web
    return app
