"""The crawl engine: Scrapy settings, pipelines, the child-process runner and its add-ons."""
