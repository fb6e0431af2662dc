"""Which source URLs a bundled record may cite: primary documents or reputable outlets (or a
web.archive.org snapshot of one), never a mirror, proxy, redirect, wiki clone, forum, blog or
aggregator (the bundle's build and a test apply it)."""

import re
from urllib.parse import urlsplit

# Hosts (or host suffixes) that republish, proxy or redirect other pages, wiki clones, forums,
# blogs and user-generated sites: what they carry cannot be traced to who said it.
BANNED_HOSTS = (
    "speed.lescigales.org",  # a web proxy
    "images.google.com.my",  # a search redirect
    "talk.dob.jp",  # a wiki mirror
    "piglix.com",
    "wiki-gateway.eudic.net",
    "covid-19.chinadaily.com.cn",  # a section mirror of other outlets
    "mybb.ru",
    "livejournal.com",
    "lemmy.world",
    "lemmy.ml",
    "wikimili.com",
    "zxc.wiki",
    "the-uncensored-wiki.com",
    "absoluteastronomy.com",
    "wrk.ru",
    "blogspot.com",
    "reddit.com",
    "github.com",
    "githubusercontent.com",
    "archive.ph",  # no provenance; web.archive.org snapshots keep the original's address
    "t.me",
    "telegram.me",
    "safeairspace.net",  # an aggregator: cite the instrument it summarises
    "wikipedia.org",  # an encyclopedia: cite what it cites
)
# Any host whose first label says it is a proxy, mirror or cache.
BANNED_PATTERN = re.compile(r"(^|\.)(proxy|mirror|cache|webcache)[0-9-]*\.")


def source_problem(url: str) -> str | None:
    """Why a URL may not be cited (None when it may)."""
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        return "has no host"
    for banned in BANNED_HOSTS:
        if host == banned or host.endswith("." + banned):
            return f"{host} is a mirror, proxy, aggregator, forum or blog, not a source"
    if BANNED_PATTERN.search(host):
        return f"{host} looks like a proxy or mirror"
    if "url?q=" in url or "/url?" in url:
        return "is a redirect: cite the page it points to"
    return None
