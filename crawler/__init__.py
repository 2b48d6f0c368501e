"""The ground floor, the store and the engine: `crawler.ground` (settings, words, items, text,
matching), `crawler.store` (DuckDB, all the SQL), `crawler.engine` (Scrapy runner, pipelines)."""

__version__ = "0.1.0"
