"""Scrapy spiders, one module per source kind. SOURCE_KINDS maps a config `kind` to its spider."""

SOURCE_KINDS: dict[str, str] = {
    "feed": "spiders.feed.FeedSpider",
    "forum": "spiders.forum.ForumSpider",
    "reviews": "spiders.reviews.ReviewsSpider",
    "reddit": "spiders.reddit.RedditSpider",
    "wikipedia": "spiders.wikipedia.WikipediaSpider",
    "page": "spiders.page.PageSpider",
    "ofsted": "spiders.ofsted.OfstedSpider",
    "parent_view": "spiders.parent_view.ParentViewSpider",
}
