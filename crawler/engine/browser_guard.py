"""The browser's request guard: the crawler's public-address rule (crawler.ground.netcheck)
applied to every connection headless Chromium makes for a screen print, and the launch flags
that keep it from making any the guard does not see (background services, prefetch, WebRTC's
UDP, permission prompts).

Chromium is pointed at GuardProxy (crawler.engine.browser_proxy), loopback included: a route
handler is not enough, since Chromium follows a redirect inside its network stack without
asking the route again (a 302 to 169.254.169.254 went straight through in our test).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import urlsplit

from crawler.ground.errors import Refused, Unresolvable
from crawler.ground.netcheck import address_problem, url_problem

# Chromium's own traffic (updates, safe browsing, sync, prefetch, pings) and WebRTC's UDP would
# leave without passing the route; JavaScript stays on, but nothing may prompt or download.
CHROMIUM_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-sync",
    "--disable-extensions",
    "--disable-breakpad",
    "--dns-prefetch-disable",
    "--no-pings",
    "--no-first-run",
    "--mute-audio",
    "--deny-permission-prompts",
    "--disable-features=MediaRouter,Translate,OptimizationHints,AutofillServerCommunication",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--force-webrtc-ip-handling-policy",
    "--password-store=basic",
)


def chromium_flags() -> list[str]:
    # Chromium refuses its sandbox to root; as any other user the sandbox stays on.
    return [*CHROMIUM_FLAGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]


class RequestGuard:
    """Where the browser may connect: http(s) only; public addresses only unless allow_private;
    `trusted` (host, port) pairs are let through as well (a school's own intranet page). The
    address it vets is the one connected to, so a name cannot resolve to a public address for
    the check and a private one for the fetch."""

    def __init__(self, allow_private: bool = False,
                 trusted: frozenset[tuple[str, int | None]] = frozenset()) -> None:
        self.allow_private = allow_private
        self.trusted = trusted

    def problem(self, url: str) -> str | None:
        """Why this URL may not be fetched, as written (no DNS), or None."""
        try:
            parts = urlsplit(url)
            host, port = (parts.hostname or "").lower(), parts.port
        except ValueError:
            return f"{url!r} is not a valid URL"
        if parts.scheme.lower() not in ("http", "https"):
            return f"{url!r} is not an http(s) URL"
        if self.allow_private or (host, port) in self.trusted:
            return None
        return url_problem(url)

    def connect_address(self, scheme: str, host: str, port: int) -> str:
        """The address to connect to for host:port, or Refused saying why not."""
        host = host.strip("[]").lower()
        shown = f"{scheme}://{host}" + (f":{port}" if port not in (80, 443) else "")
        problem = self.problem(shown + "/")
        if problem:
            raise Refused(f"refused {shown}: {problem}")
        try:
            answers = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError) as exc:
            raise Unresolvable(f"cannot resolve {host}: {exc}") from None
        addresses = [str(sockaddr[0]).split("%")[0] for *_, sockaddr in answers]
        exempt = self.allow_private or (host, port) in self.trusted
        for address in addresses:
            found = address_problem(ipaddress.ip_address(address))
            if found and not exempt:
                raise Refused(f"refused {shown}: {host} resolves to {found}")
        if not addresses:
            raise Unresolvable(f"cannot resolve {host}")
        return addresses[0]
