"""Politeness across crawl workers: per-site limits that hold whichever machine sends a request.

Scrapy's own per-site concurrency and delay hold within one process only, so with a queue (see
docs/scaling.md) every request also takes a lease in Redis first: at most `per_site` requests in
flight to one site (scheme-less host:port) across all workers, and at least `delay` between the
starts of two requests to it. A lease expires by itself after `ttl` seconds, so a worker killed
mid-request never blocks a site for longer than that. A request waiting for a full site tries
again when its own crawl frees one of the site's leases, else every _POLL seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import redis.exceptions

from crawler.ground.urls import site_key

SETTING = "SCHOOLWATCH_SITE_LEASE"
MIDDLEWARE = "crawler.engine.site_lease.SiteLeaseMiddleware"
_POLL = 0.05  # seconds between tries for a full site (a lease freed by another process)
_PATIENCE = 60.0  # seconds a request waits for an unreachable Redis

# KEYS: the site's lease set, the site's next-start time. ARGV: token, limit, ttl ms, delay ms.
# Returns 0 when the lease is taken, -1 when the site is full, else milliseconds to wait.
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local delay = tonumber(ARGV[4])
if delay > 0 then
  local next_start = tonumber(redis.call('GET', KEYS[2]) or '0')
  if next_start > now then return next_start - now end
  redis.call('SET', KEYS[2], now + delay, 'PX', delay + 1000)
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 0
"""


@dataclass(frozen=True)
class LeaseSettings:
    url: str
    password_env: str
    namespace: str
    per_site: int
    delay_ms: int
    ttl_ms: int

    def as_setting(self) -> dict[str, Any]:
        return {SETTING: asdict(self), "DOWNLOADER_MIDDLEWARES": {MIDDLEWARE: 950}}


def lease_keys(namespace: str, site: str) -> list[str]:
    return [f"{namespace}:site:{site}:leases", f"{namespace}:site:{site}:next"]


class SiteLeaseMiddleware:
    """Scrapy downloader middleware: a Redis lease per request, released when it is answered."""

    def __init__(self, settings: LeaseSettings) -> None:
        self.settings = settings
        self._client: Any = None
        self._acquire: Any = None
        # Per site, set when this crawl frees one of the site's leases: its requests waiting
        # for the site try again at once, not a poll later.
        self._freed: dict[str, asyncio.Event] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> SiteLeaseMiddleware:
        # lazy: scrapy and redis load only when a crawl runs with a site lease
        from scrapy import signals
        from scrapy.exceptions import NotConfigured
        from scrapy.utils.reactor import is_asyncio_reactor_installed

        raw = crawler.settings.getdict(SETTING)
        if not raw:
            raise NotConfigured
        if not is_asyncio_reactor_installed():
            raise RuntimeError("site leases need Scrapy's asyncio reactor")
        middleware = cls(LeaseSettings(**raw))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def _redis(self) -> Any:
        if self._client is None:
            # lazy: scrapy and redis load only when a crawl runs with a site lease
            import redis.asyncio

            password = os.environ.get(self.settings.password_env) or None
            self._client = redis.asyncio.Redis.from_url(self.settings.url, password=password)
            self._acquire = self._client.register_script(ACQUIRE)
        return self._client

    async def process_request(self, request: Any) -> None:
        self._redis()
        site = site_key(request.url)
        keys = lease_keys(self.settings.namespace, site)
        token = uuid.uuid4().hex
        args = [token, self.settings.per_site, self.settings.ttl_ms, self.settings.delay_ms]
        unreachable_since: float | None = None
        while True:
            try:
                wait = int(await self._acquire(keys=keys, args=args))
            except redis.exceptions.ConnectionError:
                # Redis restarting: wait for it rather than crawl without limits.
                now = time.monotonic()
                unreachable_since = unreachable_since or now
                if now - unreachable_since > _PATIENCE:
                    raise
                await asyncio.sleep(0.25)
                continue
            if wait == 0:
                break
            if wait > 0:  # the site's delay between two starts
                await asyncio.sleep(wait / 1000)
            else:  # the site is full
                freed = self._freed.setdefault(site, asyncio.Event())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(freed.wait(), _POLL)
        request.meta["site_lease"] = (site, keys[0], token)
        return None

    async def process_response(self, request: Any, response: Any) -> Any:
        await self._release(request)
        return response

    async def process_exception(self, request: Any, exception: Exception) -> None:
        await self._release(request)
        return None

    async def _release(self, request: Any) -> None:
        lease = request.meta.pop("site_lease", None)
        if lease is not None:
            site, key, token = lease
            with contextlib.suppress(redis.exceptions.ConnectionError):  # it expires anyway
                await self._redis().zrem(key, token)
            freed = self._freed.pop(site, None)
            if freed is not None:
                freed.set()

    async def spider_closed(self) -> None:
        if self._client is not None:
            await self._client.aclose()
