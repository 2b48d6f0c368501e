"""Scrapy spiders, one module per source kind. SPIDERS maps each config `kind` (the names in
crawler.ground.vocab.SOURCE_KINDS) to its spider class, by dotted path, for the crawl engine."""

SPIDERS: dict[str, str] = {
    "feed": "spiders.feed.FeedSpider",
    "forum": "spiders.forum.ForumSpider",
    "reviews": "spiders.reviews.ReviewsSpider",
    "reddit": "spiders.reddit.RedditSpider",
    "wikipedia": "spiders.wikipedia.WikipediaSpider",
    "page": "spiders.page.PageSpider",
    "ofsted": "spiders.ofsted.OfstedSpider",
    "parent_view": "spiders.parent_view.ParentViewSpider",
}
