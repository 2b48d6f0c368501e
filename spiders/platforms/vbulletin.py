"""vBulletin 3 (table and div skins such as PPRuNe's) and vBulletin 4 (postbit list)."""

from spiders.platforms.base import Platform

VBULLETIN = Platform(
    name="vbulletin",
    post=(
        "//li[starts-with(@id, 'post_')][contains(@class, 'postcontainer')]",
        "//div[starts-with(@id, 'edit')][.//*[starts-with(@id, 'post_message_')]]",
        "//table[starts-with(@id, 'post')][.//*[starts-with(@id, 'post_message_')]]",
    ),
    text=(".//*[starts-with(@id, 'post_message_')]",),
    author=(
        ".//a[contains(@class, 'bigusername')]//text()",
        ".//*[contains(@class, 'username')]//strong//text()",
        ".//*[contains(@class, 'username')]//text()",
    ),
    date=(
        ".//span[contains(@class, 'date')]//text()",
        ".//dl[contains(@class, 'userstats')]/dd[1]//text()",
        "(.//div[contains(@class, 'thead')]/div[contains(@class, 'tcell')][1])[1]//text()",
        "(.//td[contains(@class, 'thead')])[1]//text()",
    ),
    permalink=(
        ".//a[starts-with(@id, 'postcount')]/@href",
        ".//a[contains(@class, 'postcounter')]/@href",
        ".//a[starts-with(@name, 'post')]/@name",
    ),
    title=(
        "//*[contains(@class, 'threadtitle')]//text()",
        "//h1//text()",
        "//title/text()",
    ),
    thread_links=(
        "//a[starts-with(@id, 'thread_title_')]/@href",
        "//h3[contains(@class, 'threadtitle')]/a/@href",
    ),
    quotes=(
        ".//div[contains(@class, 'bbcode_container')]",
        ".//div[div[@class='smallfont'][starts-with(normalize-space(), 'Quote')]]",
        ".//div[div/label[starts-with(normalize-space(), 'Quote')]]",
    ),  # not every blockquote: vBulletin 4 wraps the post itself in blockquote.postcontent
    drop=(".//script", ".//style", ".//*[contains(@class, 'signature')]"),
    generator=("vbulletin",),
    markers=("//*[starts-with(@id, 'post_message_')]",),
)
