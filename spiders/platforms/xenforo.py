"""XenForo 2 (article.message--post) and XenForo 1 (li.message)."""

from spiders.platforms.base import Platform

XENFORO = Platform(
    name="xenforo",
    post=(
        "//article[contains(@class, 'message--post')]",
        "//li[contains(@class, 'message')][starts-with(@id, 'post-')]",
    ),
    text=(
        ".//div[contains(@class, 'bbWrapper')]",
        ".//blockquote[contains(@class, 'messageText')]",
    ),
    author=(
        "./@data-author",
        ".//*[contains(@class, 'message-name')]//text()",
    ),
    date=(
        ".//*[contains(@class, 'message-attribution')]//time/@datetime",
        ".//time/@datetime",
        ".//abbr[contains(@class, 'DateTime')]/@data-time",
        ".//span[contains(@class, 'DateTime')]/@title",
    ),
    permalink=(
        ".//*[contains(@class, 'message-attribution')]//a[contains(@href, 'post-')]/@href",
        ".//span[contains(@class, 'u-anchorTarget')]/@id",
        "./@id",
    ),
    title=(
        "//h1[contains(@class, 'p-title-value')]//text()",
        "//div[contains(@class, 'titleBar')]/h1//text()",
        "//title/text()",
    ),
    next=(
        "//a[contains(@class, 'pageNav-jump--next')]/@href",
        "//link[@rel='next']/@href",
        "//a[@rel='next']/@href",
    ),
    thread_links=(
        "//div[contains(@class, 'structItem-title')]/a[contains(@href, '/threads/')]/@href",
        "//h3[@class='title']/a[contains(@href, 'threads/')]/@href",
    ),
    quotes=(
        ".//blockquote[contains(@class, 'bbCodeBlock--quote')]",
        ".//div[contains(@class, 'bbCodeQuote')]",
        "blockquote",
    ),
    drop=(".//div[contains(@class, 'js-selectToQuoteEnd')]", ".//script"),
    generator=("xenforo",),
    markers=("//html[@id='XF']", "//html[@id='XenForo']",
             "//article[contains(@class, 'message--post')]"),
)
