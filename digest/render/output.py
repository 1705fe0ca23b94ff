"""From an issue file to files on disk: parse, render every format, then write each atomically."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from digest.config import Settings
from digest.errors import DigestError, UsageError
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

    named = out_dir is not None
    target = out_dir if named else settings.path("build")
    if not to_stdout:
        _check_folder(target, "--out" if named else "paths.build")
    stem = Path(file).stem
    chosen = formats or (("md",) if to_stdout else default_formats(settings, _shown(output_path(target, stem, "email"))))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise UsageError(f"--format: unknown format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
    issue = load_issue(file)
    view = issue_view(issue, settings)
    rendered = {fmt: render_view(view, settings, fmt) for fmt in chosen}
    warn_unhosted(view.images, chosen, issue.path)  # local images that break once pasted or published
    if to_stdout:
        return RenderResult(stdout=rendered[chosen[0]])
    # The notes' local images, beside the outputs that show them (build/<stem>/...).
    assets = list(view.images.assets.values()) if view.images is not None else []
    paths = {fmt: output_path(target, issue.stem, fmt) for fmt in rendered}
    _check_free(list(paths.values()), target / issue.stem if assets else None)
    result = RenderResult()
    for fmt, text in rendered.items():
        write_atomic(paths[fmt], text)
        result.written.append(_shown(paths[fmt]))
    result.written += [_shown(path) for path in copy_assets(assets, target)]
    return result


def _check_folder(target: Path, where: str) -> None:
    """Stop before any work when the output folder, or a folder it would be made in, is a file."""
    fix = "give a folder (made if missing), or - for stdout" if where == "--out" else "set paths.build in digest.toml to a folder"
    for folder in (target, *target.parents):
        if folder.exists():
            if not folder.is_dir():
                what = _shown(target) if folder == target else f"{_shown(target)}: {_shown(folder)}"
                raise UsageError(f"{where}: {what} is a file, not a folder; {fix}")
            return


def _check_free(paths: list[Path], assets_dir: Path | None) -> None:
    """Nothing is written when one output's place is taken by a folder (or the images' folder by a file)."""
    for path in paths:
        if path.is_dir():
            raise DigestError(f"{_shown(path)}: a folder is where this output goes; move it away or render with --out elsewhere")
    if assets_dir is not None and assets_dir.exists() and not assets_dir.is_dir():
        raise DigestError(f"{_shown(assets_dir)}: a file is where the issue's images go; move it away or render with --out elsewhere")


def _shown(path: Path) -> Path:
    return Path(os.path.relpath(path)) if _inside_cwd(path) else path


def _inside_cwd(path: Path) -> bool:
    try:
        path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return False
    return True
