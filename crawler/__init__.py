"""schoolwatch crawler engine: config, Scrapy settings, items, pipelines, store, runner and CLI."""

__version__ = "0.1.0"
