"""Is an address public? A source's URL must reach the public internet, not this machine, its
cloud metadata service or the school's private network (server-side request forgery).

Checked twice: in the config (schemes, host names and literal addresses, in every spelling:
integer, hex, octal, IPv4-mapped) and at fetch time on the addresses the host name resolves to,
for every request including redirects. `[crawl] allow_private = true` turns both off (for your
own intranet, the demo and the tests).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as an IP literal means, in any spelling the resolver accepts
    ("2130706433", "0x7f.1", "0177.0.0.1", "[::ffff:127.0.0.1]"); None for a name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and set(host.lower()) <= set("0123456789abcdefx.") and host[0].isdigit():
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def address_problem(address: IPAddress) -> str | None:
    """Why this address is not on the public internet, or None when it is."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return address_problem(embedded)
    if address.is_loopback:
        return f"{address} is a loopback address (this machine)"
    if address.is_link_local:
        return f"{address} is a link-local address (cloud metadata lives there)"
    if address.is_unspecified:
        return f"{address} is the unspecified address (this machine)"
    if address.is_multicast:
        return f"{address} is a multicast address"
    if address.is_private or not address.is_global:
        return f"{address} is a private or reserved address"
    return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def url_problem(url: str) -> str | None:
    """Why this URL is not a public http(s) address as written (no DNS), or None."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError as exc:
        return f"{url!r} is not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"{url!r} is not an http(s) URL"
    if not host:
        return f"{url!r} has no host"
    host = host.lower().rstrip(".")
    if host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES):
        return f"{url!r} names a local host ({host})"
    address = literal_address(host)
    if address is not None:
        problem = address_problem(address)
        if problem:
            return f"{url!r} is not public: {problem}"
    return None


def resolved_problem(host: str, port: int | None = None) -> str | None:
    """Resolves the host and says why any address it resolves to is not public, or None.
    A name that does not resolve is left to the fetch (which reports a DNS error)."""
    try:
        answers = socket.getaddrinfo(host, port or 80, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    for *_, sockaddr in answers:
        try:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        except ValueError:
            continue
        problem = address_problem(address)
        if problem:
            return f"{host} resolves to {problem}"
    return None
