"""Forum engines described as data: where a post, its author, date, text and links are.

Each engine is a Platform of selectors (CSS, or XPath when it starts with "/", "./" or "(").
A field lists alternatives tried in order, because one engine ships several skins. Code lives
in spiders/posts.py; a new engine or skin is a new description, and a board nobody described
is read with `platform = "generic"` and selectors from the source's options.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector

from crawler.ground import vocab
from crawler.ground.errors import UnknownPlatformError
from spiders.platforms import discourse, mumsnet, phpbb, smf, vbulletin, xenforo
from spiders.platforms.base import Platform, Selectors, select

# Detection tries them in this order: the most specific markup first.
PLATFORMS: dict[str, Platform] = {
    platform.name: platform
    for platform in (
        mumsnet.MUMSNET,
        discourse.DISCOURSE,
        xenforo.XENFORO,
        vbulletin.VBULLETIN,
        smf.SMF,
        phpbb.PHPBB,
    )
}


PLATFORM_NAMES = vocab.PLATFORM_NAMES
GENERIC_KEYS = vocab.FORUM_SELECTOR_OPTIONS


def get_platform(name: str, options: dict[str, Any] | None = None) -> Platform:
    """The named engine; `generic` is built from the source's selector options."""
    options = options or {}
    if name == "generic":
        return generic_platform(options)
    platform = PLATFORMS.get(name)
    if platform is None:
        raise UnknownPlatformError(
            f"unknown forum platform {name!r}; expected one of: {', '.join(PLATFORM_NAMES)}"
        )
    overrides = {key: _as_selectors(options[key]) for key in GENERIC_KEYS if key in options}
    return _replace(platform, overrides) if overrides else platform


def generic_platform(options: dict[str, Any]) -> Platform:
    missing = [key for key in ("post", "text") if not options.get(key)]
    if missing and not options.get("thread_links"):
        raise UnknownPlatformError(
            "platform 'generic' needs the selectors " + " and ".join(repr(k) for k in missing)
            + " in options (or at least 'thread_links' for a listing page)"
        )
    fields = {key: _as_selectors(options[key]) for key in GENERIC_KEYS if options.get(key)}
    fields.setdefault("post", ())
    fields.setdefault("text", ())
    return Platform(name="generic", **fields)


def detect(page: Selector, url: str) -> Platform | None:
    """The engine that wrote this page: host, then generator meta, then known markup."""
    host = (urlsplit(url).hostname or "").lower()
    platforms = list(PLATFORMS.values())
    for platform in platforms:
        if any(host == h or host.endswith("." + h) for h in platform.hosts):
            return platform
    generator = " ".join(page.xpath("//meta[@name='generator']/@content").getall()).lower()
    for platform in platforms:
        if generator and any(g in generator for g in platform.generator):
            return platform
    for platform in platforms:
        if any(select(page, marker) for marker in platform.markers):
            return platform
    return None


def _as_selectors(value: Any) -> Selectors:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(" || ") if part.strip())
    return tuple(str(part) for part in value)


def _replace(platform: Platform, overrides: dict[str, Selectors]) -> Platform:
    return replace(platform, **overrides)
