"""The one outbound-request policy: what the product may connect to when it sends or fetches.

Crawls, re-checks, the screen-print browser and every channel delivery (Apprise included) reach
only public addresses, checked after DNS and again for every redirect, unless the operator allows
private ones explicitly (`[crawl] allow_private`, a channel's `allow_private`). Channel
deliveries also follow no redirect unless their channel says so, and have a total time cap.

Three ways in, one rule (netcheck.address_problem):
- `url_refusal(url, allow_private)`: for a caller that sees each request before it goes (the
  crawler's middleware, the browser's request interception): scheme, host and the addresses the
  host resolves to.
- `guarded(policy)`: a block inside which every TCP connection this thread opens is checked
  on the address it actually connects to (a Python audit hook on socket.connect, so no library
  can bypass it and DNS cannot change its answer between the check and the connection); an
  operator's proxy stays reachable. Closes the block's sockets when the time cap passes.
- Inside `guarded`, requests (which Apprise uses) has each request checked before it goes,
  redirects not followed unless allowed, and a request the receiver read but did not answer
  noted, so a delivery is not repeated to a receiver that already has it.
"""

from __future__ import annotations

import contextvars
import ipaddress
import math
import socket
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from crawler.ground.errors import OutboundRefused
from crawler.ground.netcheck import address_problem, resolved_problem, url_problem

FETCHED_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class OutboundPolicy:
    allow_private: bool = False
    follow_redirects: bool = False
    time_cap: float = 30.0  # seconds for everything inside one guarded block


@dataclass
class Exchange:
    """What happened inside one guarded block, for the caller's report."""

    policy: OutboundPolicy
    deadline: float
    proxies: frozenset[str]
    refusal: str | None = None  # why a connection or request was refused
    redirect: str | None = None  # a redirect that was not followed
    unanswered: bool = False  # a request went out whole and no answer came
    timed_out: bool = False
    _sockets: list[socket.socket] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def refuse(self, reason: str) -> str:
        self.refusal = self.refusal or reason
        return reason

    def expire(self) -> None:
        """The time cap has passed: every connection of the block is shut, so a receiver that
        trickles or stalls cannot hold the sender."""
        with self._lock:
            self.timed_out = True
            for sock in self._sockets:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def connecting(self, sock: socket.socket, host: str) -> None:
        if time.monotonic() >= self.deadline:
            self.timed_out = True
            raise OutboundRefused(self.refuse(f"gave up after {self.policy.time_cap:g}s"))
        if not self.policy.allow_private and host not in self.proxies:
            try:
                problem = address_problem(ipaddress.ip_address(host.split("%")[0]))
            except ValueError:
                problem = None
            if problem is not None:
                raise OutboundRefused(self.refuse(f"refused: {problem}"))
        if self.policy.time_cap != math.inf:  # kept only to be shut when the cap passes
            with self._lock:
                self._sockets.append(sock)


_current: contextvars.ContextVar[Exchange | None] = contextvars.ContextVar(
    "schoolwatch_outbound", default=None)
_process_exchange: Exchange | None = None
_install_lock = threading.Lock()
_installed = False


def url_refusal(url: str, *, allow_private: bool) -> str | None:
    """Why this URL may not be fetched under the policy (scheme, then host and its addresses
    after DNS), or None. For callers that see every request, redirects included."""
    scheme = urlsplit(url).scheme.lower() if ":" in url else ""
    if scheme not in FETCHED_SCHEMES:
        return f"a {scheme or 'schemeless'}: URL is never fetched (only http and https)"
    if allow_private:
        return None
    problem = url_problem(url)
    if problem is None:
        parts = urlsplit(url)
        problem = resolved_problem(parts.hostname or "", parts.port)
    return problem


@contextmanager
def guarded(policy: OutboundPolicy) -> Iterator[Exchange]:
    """Every connection this thread opens in the block obeys `policy` (see the module doc)."""
    _install()
    exchange = Exchange(policy, time.monotonic() + policy.time_cap, _proxy_addresses())
    token = _current.set(exchange)
    timer = threading.Timer(policy.time_cap, exchange.expire)
    timer.daemon = True
    timer.start()
    try:
        yield exchange
    finally:
        timer.cancel()
        _current.reset(token)


def guard_process(*, also_reachable: tuple[str, ...] = ()) -> None:
    """From now on every TCP connection this process opens, in any thread, reaches public
    addresses only (and the hosts of `also_reachable`, e.g. its Redis, and the environment's
    proxies). For a crawl child: the fetch guard checks each request's host after DNS, and this
    checks the address Twisted then connects to, so a name whose answer changes in between
    (DNS rebinding) reaches nothing. Never undone: call it only in a process of its own."""
    global _process_exchange
    _install()
    allowed = set(_proxy_addresses())
    for url in also_reachable:
        allowed |= _addresses(urlsplit(url).hostname)
    _process_exchange = Exchange(OutboundPolicy(time_cap=math.inf), math.inf,
                                 frozenset(allowed))


def scrub_url(text: str, *urls: str) -> str:
    """The text with every part of these URLs that could be a secret replaced by ***: the whole
    URL, its host (a token can be a subdomain), user, password, path segments and query values
    of 6+ characters that are not a plain lowercase word ("workflows" stays readable)."""
    parts: set[str] = set()
    for url in urls:
        try:
            split = urlsplit(url)
            host = split.hostname or ""
            pieces = [url, split.netloc, host, *host.split("."), *split.path.split("/"),
                      split.password or "", split.username or ""]
        except ValueError:
            pieces = [url]
            split = urlsplit("")
        pieces += [value for pair in split.query.split("&") for value in pair.split("=")[1:]]
        for piece in pieces:
            for form in (piece, unquote(piece)):
                if len(form) >= 6 and (not form.isalpha() or form != form.lower()
                                       or form == host):
                    parts.add(form)
    for part in sorted(parts, key=len, reverse=True):
        text = text.replace(part, "***")
    return text


# ---- the hooks -------------------------------------------------------------------------------


def _install() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        sys.addaudithook(_on_audit)
        _instrument_requests()
        _installed = True


def _on_audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "socket.connect":
        return
    exchange = _current.get() or _process_exchange
    if exchange is None:
        return
    sock, address = args
    if getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6):
        exchange.connecting(sock, str(address[0]))


def _proxy_addresses() -> frozenset[str]:
    """The addresses of the proxies the environment names: the operator's own machines."""
    found: set[str] = set()
    for proxy in urllib.request.getproxies().values():
        try:
            found |= _addresses(urlsplit(proxy if "://" in proxy else f"http://{proxy}").hostname)
        except ValueError:
            continue
    return frozenset(found)


def _addresses(host: str | None) -> set[str]:
    if not host:
        return set()
    try:
        return {str(a[4][0]) for a in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return set()


def _instrument_requests() -> None:
    """Wraps requests.Session.send once (as tracing libraries do): outside a guarded block it
    is untouched; inside, each request, redirects included, is checked before it goes. Imported
    here, not at the top: only channel deliveries use requests, and a crawl never loads it."""
    try:
        # lazy: requests loads only when a delivery is sent
        import requests
    except ImportError:  # nothing in this process sends through requests
        return
    original = requests.Session.send

    def send(session: Any, request: Any, **kwargs: Any) -> Any:
        exchange = _current.get()
        if exchange is None:
            return original(session, request, **kwargs)
        problem = url_refusal(str(request.url), allow_private=exchange.policy.allow_private)
        if problem is not None:
            raise requests.exceptions.InvalidURL(exchange.refuse(f"refused: {problem}"))
        if not exchange.policy.follow_redirects:
            kwargs["allow_redirects"] = False
        try:
            response = original(session, request, **kwargs)
        except requests.exceptions.ReadTimeout:
            exchange.unanswered = True
            raise
        except requests.exceptions.ConnectionError as exc:
            if _closed_after_reading(exc):
                exchange.unanswered = True
            raise
        if response.is_redirect and not exchange.policy.follow_redirects:
            exchange.redirect = (f"answered {response.status_code} with a redirect, which is "
                                 "not followed (set follow_redirects = true on the channel to "
                                 "allow it)")
        return response

    requests.Session.send = send  # type: ignore[method-assign]


def _closed_after_reading(exc: BaseException) -> bool:
    """The receiver took the request and closed without a word (http.client's
    RemoteDisconnected), as opposed to refusing or resetting the connection."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if type(seen).__name__ == "RemoteDisconnected" or "RemoteDisconnected" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__ or (seen.args[0] if seen.args and
                                                      isinstance(seen.args[0], BaseException)
                                                      else None)
    return False
