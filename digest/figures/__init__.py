"""A paper's figures from arXiv's HTML rendering, its licence, and lines to paste into an issue.

- `paper_figures(settings, id)`: the figures (number, caption as Unicode,
  absolute image URLs, panels as ``2a``/``2b``) of one version of a paper, and
  its licence; fetched politely through `digest.fetch.client.ArxivClient`
  and cached in the store (``figures:<id>v<n>``, ``licence:<id>``).
- `listing`, `markdown`: what `digest figures` prints.
- `notes(figure, page)`: what to know before using a figure (drawn in the page:
  screenshot it there; SVG: email needs a PNG); `is_svg(url)`.
- `figure_lines(figures, paper)`, `figures_comment(result)`: the figures as
  one HTML comment, for a draft's paper section (`digest new --figures`,
  triage); `has_figure_comment` finds one in a section.
- `cached_figures(store, paper)`: a paper's figures and licence from the
  store's cache alone, or None (no request: for a keypress in triage).
- `licence_findings(issue, store)`: for `digest check`, arXiv figures in an
  issue whose licence does not allow reuse without asking.

Nothing here runs during `digest render`; `licence_findings` reads only the store.
Details: docs/figures.md.

May import: errors, clock, ids, paper, files, tex, schedule, config, query, lock, store, issue, fetch.
"""

from __future__ import annotations

from digest.figures.fetch import FiguresUnavailable, NoHtml, cached_figures, html_url, oai_url, paper_figures
from digest.figures.licence import classify
from digest.figures.lines import (
    credit_line,
    credit_names,
    figure_lines,
    figures_comment,
    has_figure_comment,
    is_svg,
    json_data,
    listing,
    markdown,
    notes,
    select,
    surname,
)
from digest.figures.model import Figure, Licence, PaperFigures
from digest.figures.reuse import arxiv_figure_id, licence_findings

__all__ = [
    "Figure",
    "FiguresUnavailable",
    "Licence",
    "NoHtml",
    "PaperFigures",
    "arxiv_figure_id",
    "cached_figures",
    "classify",
    "credit_line",
    "credit_names",
    "figure_lines",
    "figures_comment",
    "has_figure_comment",
    "html_url",
    "is_svg",
    "notes",
    "json_data",
    "licence_findings",
    "listing",
    "markdown",
    "oai_url",
    "paper_figures",
    "select",
    "surname",
]
