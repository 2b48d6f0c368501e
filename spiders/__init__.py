"""Scrapy spiders, one module per source kind. SPIDERS maps each config `kind` to its spider
class by dotted path, for the crawl engine; both come from the one spider registry,
crawler.ground.vocab.SPIDER_REGISTRY."""

from crawler.ground.vocab import SPIDER_REGISTRY

SPIDERS: dict[str, str] = {kind: entry.spider for kind, entry in SPIDER_REGISTRY.items()}
