"""The crawl engine: the child process that runs Scrapy (runner), the item pipelines and the
Scrapy settings. Spiders are named to it by dotted path; it never imports them."""
