"""From an issue file to files on disk: parse, render every format, then write each atomically."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from digest.config import Settings
from digest.errors import UsageError
from digest.files import write_atomic
from digest.issue import load_issue
from digest.render import FORMATS, default_formats, issue_view, render_view
from digest.render.images import copy_assets, warn_unhosted


@dataclass
class RenderResult:
    """The files `render_to` wrote, or the one format's text for stdout."""

    written: list[Path] = field(default_factory=list)
    stdout: str = ""


def output_path(out_dir: Path, stem: str, fmt: str) -> Path:
    """Where format ``fmt`` of the issue ``stem``.md goes: named by `Format.filename`."""
    return out_dir / FORMATS[fmt].filename(stem)


def render_to(
    file: Path,
    settings: Settings,
    formats: tuple[str, ...] | None = None,
    out_dir: Path | None = None,
    to_stdout: bool = False,
) -> RenderResult:
    """Render ``file``; write ``<out_dir>/<stem>.<ext>`` per format, or return one format's text."""

    chosen = formats or (("md",) if to_stdout else default_formats(settings))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise UsageError(f"--format: unknown format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
    issue = load_issue(file)
    view = issue_view(issue, settings)
    rendered = {fmt: render_view(view, settings, fmt) for fmt in chosen}
    warn_unhosted(view.images, chosen, issue.path)  # local images that break once pasted or published
    if to_stdout:
        return RenderResult(stdout=rendered[chosen[0]])
    target = out_dir if out_dir is not None else settings.path("build")
    if target.exists() and not target.is_dir():
        raise UsageError(f"--out: {target} is a file, not a folder")
    result = RenderResult()
    for fmt, text in rendered.items():
        path = output_path(target, issue.stem, fmt)
        write_atomic(path, text)
        result.written.append(_shown(path))
    # The notes' local images, beside the outputs that show them (build/<stem>/...).
    assets = list(view.images.assets.values()) if view.images is not None else []
    result.written += [_shown(path) for path in copy_assets(assets, target)]
    return result


def _shown(path: Path) -> Path:
    return Path(os.path.relpath(path)) if _inside_cwd(path) else path


def _inside_cwd(path: Path) -> bool:
    try:
        path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return False
    return True
