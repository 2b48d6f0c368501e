"""Politeness across crawl workers: per-site limits that hold whichever machine sends a request.

Scrapy's own per-site concurrency and delay hold within one process only, so with a queue (see
docs/scaling.md) every request also takes a lease in Redis first: at most `per_site` requests in
flight to one site (scheme-less host:port) across all workers, and at least `delay` between the
starts of two requests to it. A lease expires by itself after `ttl` seconds, so a worker killed
mid-request never blocks a site for longer than that. Within one crawl, requests to a site queue
for their turn (at most `per_site` of them ask Redis at once) and a lease the crawl frees goes to
the next at once; a site filled by other workers is asked again every _POLL seconds.
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
_POLL = 0.05  # seconds between tries for a site other processes fill
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
        # Per site, this crawl's turns: a request holds one from before it asks for a lease
        # until it is answered, so the crawl's other requests to the site wait here, first come
        # first served, instead of each polling Redis (ten feeds of a site made ~200 lease
        # calls a job), and take a freed lease at once.
        self._turns: dict[str, asyncio.Semaphore] = {}

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
        turns = self._turns.setdefault(site, asyncio.Semaphore(self.settings.per_site))
        try:
            # Bounded like a lease: a request never answered (none is known) cannot keep
            # the site's other requests waiting past the lease's ttl.
            await asyncio.wait_for(turns.acquire(), self.settings.ttl_ms / 1000)
            turn = True
        except TimeoutError:
            turn = False
        try:
            lease = await self._lease(site)
        except BaseException:
            if turn:
                turns.release()
            raise
        request.meta["site_lease"] = (site, *lease, turn)
        return None

    async def _lease(self, site: str) -> tuple[str, str]:
        """Takes a lease on the site in Redis: (its key, its token)."""
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
                return keys[0], token
            # The site is full (other processes hold its leases), or its delay between two
            # starts has not passed.
            await asyncio.sleep(_POLL if wait < 0 else wait / 1000)

    async def process_response(self, request: Any, response: Any) -> Any:
        await self._release(request)
        return response

    async def process_exception(self, request: Any, exception: Exception) -> None:
        await self._release(request)
        return None

    async def _release(self, request: Any) -> None:
        lease = request.meta.pop("site_lease", None)
        if lease is not None:
            site, key, token, turn = lease
            with contextlib.suppress(redis.exceptions.ConnectionError):  # it expires anyway
                await self._redis().zrem(key, token)
            if turn:
                self._turns[site].release()

    async def spider_closed(self) -> None:
        if self._client is not None:
            await self._client.aclose()
