"""A paper's licence: read from arXiv's OAI-PMH record (or an RSS item's dc:rights), and what it allows.

arXiv records one licence per paper (the latest version's), as a URL:

- ``http://creativecommons.org/licenses/by/4.0/`` (and ``by-sa``): reuse with credit;
- ``http://creativecommons.org/publicdomain/zero/1.0/`` (CC0): no conditions;
- ``http://creativecommons.org/licenses/by-nc-sa/4.0/``, ``by-nc-nd``: non-commercial
  reuse only; a newsletter with a sponsor (or paid subscriptions) is arguably
  commercial use;
- ``http://arxiv.org/licenses/nonexclusive-distrib/1.0/``: the author grants arXiv
  the right to distribute the paper, and grants nobody else anything: ask the
  authors. Papers without a licence element (most before 2004) are the same.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from digest.fetch.client import sanitise_xml
from digest.figures.model import (
    REUSE_ASK,
    REUSE_CREDIT,
    REUSE_FREE,
    REUSE_NONCOMMERCIAL,
    REUSE_UNKNOWN,
    Licence,
)

NONEXCLUSIVE = "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
_CC = re.compile(r"creativecommons\.org/licenses/(?P<code>[a-z\-]+)/(?P<version>\d+(?:\.\d+)?)", re.I)
_CC0 = re.compile(r"creativecommons\.org/publicdomain/zero/(?P<version>\d+(?:\.\d+)?)", re.I)
_CC_PD = re.compile(r"creativecommons\.org/(?:licenses/publicdomain|publicdomain/mark)", re.I)
_ARXIV = re.compile(r"arxiv\.org/licenses/(?P<name>[a-z0-9\-]+)(?:/(?P<version>\d+(?:\.\d+)?))?", re.I)

ASK = "ask the authors before reusing a figure (or link to it instead)"


def classify(url: str | None, *, sponsored: bool = False, source: str = "") -> Licence:
    """What the licence at ``url`` allows; ``url`` None means arXiv states no licence.

    ``sponsored``: the newsletter carries a sponsor, which makes a
    non-commercial licence's reuse doubtful.
    """
    if url is None or not url.strip():
        return Licence(None, "no licence stated", REUSE_ASK,
                       "arXiv's record states no licence, so only arXiv may distribute the paper: " + ASK,
                       source)  # fmt: skip
    url = url.strip()
    if m := _CC0.search(url):
        return Licence(url, f"CC0 {m['version']}", REUSE_FREE,
                       "public domain (CC0): reuse freely; crediting the authors is still good manners", source)  # fmt: skip
    if _CC_PD.search(url):
        return Licence(url, "public domain", REUSE_FREE,
                       "public domain: reuse freely; crediting the authors is still good manners", source)  # fmt: skip
    if m := _CC.search(url):
        parts = m["code"].lower().split("-")
        name = f"CC {m['code'].upper()} {m['version']}"
        nd, sa = "nd" in parts, "sa" in parts
        if "by" not in parts:  # not a licence arXiv offers
            return unknown(f"{url} is not a licence digest knows", url=url, source=source)
        extra = ""
        if nd:
            extra += "; no derivatives: use the figure unchanged (no cropping or annotating)"
        if sa:
            extra += f"; an edited figure must be shared under {name} too"
        if "nc" in parts:
            if sponsored:
                advice = ("non-commercial reuse only, with credit; this newsletter has a sponsor, "
                          "which arguably makes it commercial: " + ASK)  # fmt: skip
            else:
                advice = ("non-commercial reuse only, with credit; a newsletter with a sponsor or paid "
                          "subscriptions is arguably commercial: then " + ASK)  # fmt: skip
            return Licence(url, name, REUSE_NONCOMMERCIAL, advice + extra, source, nd, sa)
        return Licence(url, name, REUSE_CREDIT,
                       "reuse allowed with credit: name the authors, the paper and the licence "
                       "(the credit line does)" + extra, source, nd, sa)  # fmt: skip
    if m := _ARXIV.search(url):
        if m["name"].lower() == "nonexclusive-distrib":
            name = f"arXiv non-exclusive distribution licence {m['version'] or ''}".strip()
        elif m["name"].lower().startswith("assumed"):
            name = "arXiv's licence assumed for 1991-2003 submissions"
        else:
            name = f"arXiv licence {m['name']}"
        return Licence(url, name, REUSE_ASK,
                       "it lets arXiv distribute the paper but grants no reuse: " + ASK, source)  # fmt: skip
    return unknown(f"{url} is not a licence digest knows", url=url, source=source)


def unknown(why: str, *, url: str | None = None, source: str = "") -> Licence:
    """A licence nobody could read: ``why`` says what happened."""
    return Licence(url, "unknown", REUSE_UNKNOWN, f"licence unknown ({why}): check the paper's abstract page "
                   "before reusing a figure", source)  # fmt: skip


def with_sponsor(licence: Licence, sponsored: bool) -> Licence:
    """``licence`` judged again for a newsletter with (or without) a sponsor."""
    if licence.reuse != REUSE_NONCOMMERCIAL:
        return licence
    return replace(classify(licence.url, sponsored=sponsored), source=licence.source)


class OaiRecord:
    """What digest reads from an OAI-PMH ``GetRecord`` answer in the ``arXiv`` metadata format."""

    def __init__(self, found: bool, licence: str | None = None, surnames: list[str] | None = None,
                 title: str = "", error: str = "") -> None:  # fmt: skip
        self.found = found
        self.licence = licence
        self.surnames = surnames or []
        self.title = title
        self.error = error


class OaiUnreadable(Exception):
    """The body is not an OAI-PMH answer (truncated, or some other page)."""


def parse_oai(body: bytes) -> OaiRecord:
    """The licence, authors' surnames and title of a GetRecord answer; ``found`` False on an OAI error."""
    import lxml.etree


    try:
        parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True)
        root = lxml.etree.fromstring(sanitise_xml(body), parser=parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise OaiUnreadable(f"not XML ({exc})") from None
    if _local(root) != "OAI-PMH":
        raise OaiUnreadable(f"not an OAI-PMH answer (<{_local(root)}>)")
    error = root.find("{*}error")
    if error is not None:
        return OaiRecord(False, error=f"{error.get('code', 'error')}: {' '.join((error.text or '').split())}")
    meta = root.find(".//{*}metadata/{*}arXiv")
    if meta is None:
        raise OaiUnreadable("no arXiv metadata in the record (metadataPrefix=arXiv?)")
    lic = meta.findtext("{*}license")
    keynames = (a.findtext("{*}keyname") or "" for a in meta.iterfind("{*}authors/{*}author"))
    surnames = [" ".join(k.split()) for k in keynames if k.strip()]
    title = " ".join((meta.findtext("{*}title") or "").split())
    return OaiRecord(True, lic.strip() if lic and lic.strip() else None, surnames, title)


def _local(el: Any) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.rsplit("}", 1)[-1]
