"""Simple Machines Forum 2.0 (default and Core themes)."""

from spiders.platforms.base import Platform

SMF = Platform(
    name="smf",
    post=(
        "//div[contains(@class, 'post_wrapper')]",
        "//div[contains(@class, 'windowbg')][.//div[starts-with(@id, 'msg_')]"
        "[contains(@class, 'inner')]]",
    ),
    text=(".//div[starts-with(@id, 'msg_')][contains(@class, 'inner')]",),
    author=(
        ".//div[contains(@class, 'poster')]/h4//a//text()",
        ".//div[contains(@class, 'poster')]/h4//text()",
    ),
    date=(
        ".//div[contains(@class, 'keyinfo')]/div[contains(@class, 'smalltext')]//text()",
        ".//a[contains(@class, 'smalltext')]//text()",
    ),
    permalink=(".//h5[starts-with(@id, 'subject_')]/a/@href", ".//a[starts-with(@id, 'msg')]/@id"),
    title=("(//h5[starts-with(@id, 'subject_')])[1]//text()", "//title/text()"),
    next=(
        "//link[@rel='next']/@href",
        "(//strong/following-sibling::a[contains(@class, 'navPages')])[1]/@href",
    ),
    thread_links=(
        "//span[starts-with(@id, 'msg_')]/a/@href",
        "//td[contains(@class, 'subject')]//a[contains(@href, 'topic')]/@href",
    ),
    quotes=(
        ".//div[contains(@class, 'quoteheader')]",
        ".//div[contains(@class, 'topslice_quote')]",
        ".//div[contains(@class, 'botslice_quote')]",
        "blockquote",
    ),
    drop=(".//div[contains(@class, 'signature')]", ".//div[contains(@class, 'modified')]"),
    generator=("smf", "simple machines"),
    markers=("//div[starts-with(@id, 'msg_')][contains(@class, 'inner')]",
             "//script[contains(., 'smf_scripturl')]"),
)
