"""The Apprise URL for each channel type, from the webhook URL its service hands out.

A [[channel]]'s `url_env` names an environment variable holding either the URL the service gives
(a Power Automate workflow URL, a Slack incoming webhook, a Google Chat space webhook, any http(s)
URL taking JSON) or an Apprise URL for that service directly (workflows://, slack://, gchat://,
json:// or jsons://). Every channel but email is delivered by Apprise; these functions only say
which Apprise URL that is. The service URLs are parsed by Apprise's own plugins (they know the
Microsoft clouds' hosts and Slack's webhook forms); only the generic webhook is converted here.

The URLs are secrets: no error raised here contains one, or any part of one.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from crawler.ground.errors import ChannelURLError

# The Apprise URL schemes each channel type accepts (`apprise` takes any).
SCHEMES: dict[str, tuple[str, ...]] = {
    "teams": ("workflow", "workflows"),
    "slack": ("slack",),
    "google_chat": ("gchat",),
    "webhook": ("json", "jsons"),
}
SERVICES = {
    "teams": "a Power Automate (Teams workflow) URL",
    "slack": "a Slack incoming webhook URL",
    "google_chat": "a Google Chat space webhook URL",
    "webhook": "an http(s) URL",
    "apprise": "an Apprise URL",
}


@contextmanager
def quiet_apprise() -> Iterator[ModuleType]:
    """Apprise, for use inside the block. Apprise loads its plugins on first use, and one
    imports the deprecated standard imghdr on Python 3.11 (a DeprecationWarning that pytest
    turns into an error): every call into Apprise happens inside this block."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        # lazy: apprise loads only when a channel is sent to
        import apprise

        yield apprise


def teams_url(url: str) -> str:
    """https://...logic.azure.com/workflows/ID/triggers/manual/paths/invoke?...&sig=S (or the
    .../powerautomate/automations/direct/... form) -> workflows://HOST/ID/S/?..."""
    return _native(url, "teams")


def slack_url(url: str) -> str:
    """https://hooks.slack.com/services/T/B/X (or a workflow trigger) -> slack://T/B/X/..."""
    return _native(url, "slack")


def google_chat_url(url: str) -> str:
    """https://chat.googleapis.com/v1/spaces/S/messages?key=K&token=T -> gchat://S/K/T/..."""
    return _native(url, "google_chat")


def webhook_url(url: str) -> str:
    """http(s)://[user:pass@]host[:port]/path?a=b -> json(s)://[user:pass@]host[:port]/path?-a=b
    (Apprise's JSON plugin passes `-name=value` on as the query string `name=value`)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ChannelURLError("it is not an http(s) URL")
    scheme = "jsons" if parts.scheme == "https" else "json"
    query = [(f"-{name}", value) for name, value in parse_qsl(parts.query, keep_blank_values=True)]
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~-._")
    return f"{scheme}://{parts.netloc}{path}" + (f"?{urlencode(query)}" if query else "")


CONVERTERS: dict[str, Callable[[str], str]] = {
    "teams": teams_url, "slack": slack_url, "google_chat": google_chat_url,
    "webhook": webhook_url,
}


def apprise_url(channel_type: str, url: str) -> str:
    """The Apprise URL to deliver a channel of this type to, from the URL the user gave."""
    url = url.strip()
    scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    if not scheme:
        raise ChannelURLError(f"it is not a URL (expected {SERVICES[channel_type]})")
    if channel_type == "apprise" or scheme not in ("http", "https"):
        if channel_type != "apprise" and scheme not in SCHEMES[channel_type]:
            raise ChannelURLError(
                f"a {scheme}:// URL is not for this channel (expected {SERVICES[channel_type]} "
                f"or an Apprise {' / '.join(s + '://' for s in SCHEMES[channel_type])} URL)"
            )
        return url
    return CONVERTERS[channel_type](url)


def _native(url: str, channel_type: str) -> str:
    with quiet_apprise() as apprise:
        plugin = apprise.Apprise.instantiate(url, asset=server_asset(apprise))
        if plugin is None or str(plugin.url()).split("://")[0] not in SCHEMES[channel_type]:
            raise ChannelURLError(f"it is not {SERVICES[channel_type]}")
        return str(plugin.url(privacy=False))


def server_asset(apprise: ModuleType) -> Any:
    """Apprise settings for a server process: no persistent cache files, no worker threads."""
    return apprise.AppriseAsset(storage_mode="memory", async_mode=False)
