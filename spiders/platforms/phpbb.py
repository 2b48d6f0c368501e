"""phpBB 2 (subSilver and table skins) and phpBB 3 (prosilver, and Bootstrap skins like
the Raspberry Pi forums'); Forumotion's hosted boards share the phpBB 2 markup."""

from spiders.platforms.base import Platform

PHPBB = Platform(
    name="phpbb",
    post=(
        "//div[contains(concat(' ', normalize-space(@class), ' '), ' post ')]"
        "[starts-with(@id, 'p')]",
        "//tr[td/span[@class='name']]",
    ),
    text=(
        ".//div[@class='content']",
        ".//div[@class='post-entry']",
        ".//td[@class='postbody']",
        ".//span[@class='postbody']",
    ),
    author=(
        ".//dl[contains(@class, 'postprofile')]//a[contains(@class, 'username')]//text()",
        ".//*[contains(@class, 'author')]//strong//text()",
        ".//span[@class='name']//text()",
    ),
    date=(
        ".//*[contains(@class, 'author')]/time/@datetime",
        "(.//*[contains(@class, 'author')])[1]/text()[normalize-space()][last()]",
        "(.//*[@class='postdetails'][contains(., 'Posted')])[1]/text()[normalize-space()][1]",
    ),
    permalink=(
        ".//a[contains(@href, 'viewtopic.php?p=')]/@href",
        "./@id",
    ),
    title=(
        "//h2[contains(@class, 'topic-title')]//text()",
        "//a[@class='maintitle']//text()",
        "(//h2)[1]//text()",
        "//title/text()",
    ),
    next=(
        # phpBB 2's <link rel="next"> is the next topic, not the next page
        "//link[@rel='next'][not(contains(@href, 'view=next'))]/@href",
        "//a[@rel='next']/@href",
        "//li[contains(@class, 'next')]/a/@href",
        "(//span[@class='nav']//b/following-sibling::a[1][contains(@href, 'start=')])[1]/@href",
    ),
    thread_links=(
        "//a[contains(@class, 'topictitle')]/@href",
    ),
    quotes=(
        "blockquote",
        ".//table[.//td[@class='quote']]",
        ".//td[@class='quote']",
    ),
    drop=(
        ".//div[contains(@class, 'signature')]",
        ".//dl[@class='codebox']/dt",
        ".//div[contains(@class, 'notice')]",
    ),
    generator=("phpbb",),
    markers=(
        "//body[@id='phpbb']",
        "//*[contains(@class, 'postprofile')]",
        "//a[contains(@href, 'viewtopic.php')]",
    ),
)
