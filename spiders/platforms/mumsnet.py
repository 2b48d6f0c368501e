"""Mumsnet Talk: threads of posts with nicknames and "Tue 17-Nov-20 09:12:45" dates.

No saved Mumsnet page was available to check this against (see docs/sources.md); the
description follows Talk's thread layout and any part of it can be overridden per source with
the generic selector options.
"""

from spiders.platforms.base import Platform

MUMSNET = Platform(
    name="mumsnet",
    post=("//div[contains(concat(' ', normalize-space(@class), ' '), ' talk-post ')]",),
    text=(".//div[contains(@class, 'talk-post-message')]",),
    author=(".//*[contains(@class, 'nickname')]//text()",),
    date=(".//*[contains(@class, 'post-date')]/@datetime",
          ".//*[contains(@class, 'post-date')]//text()"),
    permalink=(".//a[contains(@class, 'post-link')]/@href", "./@id"),
    title=("//h1[contains(@class, 'thread-title')]//text()", "//h1//text()", "//title/text()"),
    next=("//a[@rel='next']/@href", "//link[@rel='next']/@href"),
    thread_links=("//a[contains(@class, 'thread-title')]/@href",),
    quotes=("blockquote", ".//*[contains(@class, 'quote')]"),
    drop=(".//*[contains(@class, 'post-actions')]",),
    generator=("mumsnet",),
    markers=("//meta[@property='og:site_name'][@content='Mumsnet']",),
    hosts=("mumsnet.com",),
)
