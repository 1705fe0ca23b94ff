"""The archive's front page, `build/index.html`: issues newest first, then every paper covered.

`digest.archive` decides when it is rendered again (only when what it shows
changed); this module makes the template's variables and renders it. The
index is the public site's: it links the formats readers use (`PUBLIC_FORMATS`),
not the editor's email and Substack files, and lists each paper by its title.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from digest.archive.manifest import FEED_NAME
from digest.render import FORMATS, paper_anchor, render_named

if TYPE_CHECKING:
    from digest.archive.manifest import IssueRecord
    from digest.config import Settings




class _Row(dict):  # type: ignore[type-arg]
    """A template row: ``row.key`` and ``row["key"]`` both work, and Jinja finds attributes
    without first failing on a dict (measurable over hundreds of issues)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


INDEX_FIELDS = ("stem", "date", "title", "headline", "papers", "ids", "outputs")
"""What an issue row of the index template holds (with ``href`` and ``links``)."""
PUBLIC_FORMATS = ("html", "md", "text")
"""The formats the index links: for readers. The email (``.eml``) and the Substack paste
(``.substack.html``) are still built, for the editor, but not linked."""


def index_context(settings: Settings, records: list[IssueRecord]) -> dict[str, Any]:
    """The `index.html` template's variables: ``issues`` newest first, ``papers`` by id."""

    issues = []
    papers: dict[str, list[_Row]] = {}
    names: dict[str, str] = {}
    public = [FORMATS[fmt] for fmt in PUBLIC_FORMATS if fmt in FORMATS]
    page = FORMATS["html"].filename
    for r in sorted(records, key=lambda r: (r.date, r.stem), reverse=True):
        outputs = set(r.outputs)
        links = [_Row(format=f.name, href=f.filename(r.stem)) for f in public if f.filename(r.stem) in outputs]
        issues.append(_Row({k: getattr(r, k) for k in INDEX_FIELDS}, href=page(r.stem), links=links))
        for pid, _line, title, annotated in r.covered:
            if annotated:
                href = f"{page(r.stem)}#{paper_anchor(pid)}"
                papers.setdefault(pid, []).append(_Row(stem=r.stem, date=r.date, title=title, href=href))
                if title:
                    names[pid] = title  # newest first: the latest issue's title wins
    # Issues came newest first; a paper lists its issues oldest first (one issue per date).
    covered = [
        _Row(id=pid, title=names.get(pid, ""), url=f"https://arxiv.org/abs/{pid}", issues=papers[pid][::-1])
        for pid in sorted(papers)
    ]
    return {"newsletter": settings, "issues": issues, "papers": covered, "feed": FEED_NAME}


def render_index(settings: Settings, context: dict[str, Any]) -> str:
    """The archive's front page (`index_context`): issues newest first, then every paper and
    where it was covered."""

    return render_named("index.html", settings, {**context, "papers_html": _papers_html(context["papers"])})


def _papers_html(covered: list[_Row]) -> Any:
    """The "Papers covered" list as ready HTML: each paper's title linked to where the newsletter
    covered it first, its arXiv id linked to arXiv, and the date of every issue that covered it.
    Thousands of rows are 5x faster here than in a template loop (`papers` is still given to
    templates that want their own markup)."""


    page = FORMATS["html"].filename
    issue_part: dict[str, tuple[str, str]] = {}  # stem -> escaped (page, date): once per issue, not per paper
    rows = []
    for paper in covered:
        pid = escape(paper["id"])
        anchor = "#" + escape(paper_anchor(paper["id"]))  # the section's id in the issue page
        links = []
        for c in paper["issues"]:
            href, day = issue_part.get(c["stem"]) or issue_part.setdefault(c["stem"], (escape(page(c["stem"])), escape(c["date"])))
            links.append(f'<a href="{href}{anchor}">{day}</a>')
        first = issue_part[paper["issues"][0]["stem"]][0]
        title = escape(paper["title"] or f"arXiv:{paper['id']}")
        rows.append(
            f'<li id="paper-{pid.replace("/", "-")}"><a href="{first}{anchor}">{title}</a>'
            f' <span class="paper-meta"><a href="https://arxiv.org/abs/{pid}">arXiv:{pid}</a> · {", ".join(links)}</span></li>'
        )
    return Markup("\n".join(rows))  # noqa: S704 - every value above is escaped
