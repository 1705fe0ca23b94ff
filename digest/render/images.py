"""Images in the editor's notes that are files beside the issue (``![](img/fig5.png)``).

Such an image is copied next to the rendered files, into a folder named for the issue
(``build/2022-10-23/img/fig5.png``), so two issues' ``fig1.png`` never collide and the
page, the preview and the archive show it. Where an output leaves the build folder it is
addressed through the ``url`` setting (``https://example.org/2022-10-23/img/fig5.png``:
`digest build` publishes build/ at ``url``); the email attaches it instead when ``url``
is unset. A path that names an image file that is not there is reported once per render
(`Images.missing`), with its line. With ``url`` unset, the formats read away from build/
(`RELATIVE_FORMATS`: Substack HTML, Markdown, plain text) can only address a local image
relative to build/, which breaks once pasted or published: `warn_unhosted` says so in one line.

Only paths relative to the issue file count, and only image files (by extension): a URL,
an absolute path, ``#anchor`` or any other file is left as written.
"""

from __future__ import annotations

import hashlib
import logging
import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

from digest.errors import DigestError

IMAGE_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".avif": "image/avif", ".svg": "image/svg+xml",
}  # fmt: skip

RELATIVE_FORMATS = {"substack": "Substack HTML", "md": "Markdown", "text": "plain text"}
"""Formats read away from build/ that address a local image through ``url``, else relative to build/
(the page shows it from build/; the email attaches it)."""

log = logging.getLogger("digest.render")


@dataclass(frozen=True)
class Asset:
    """One local image: the file, and where its copy goes in the output folder."""

    src: str
    """The address as the Markdown gives it (``img/fig5.png``)."""
    path: Path
    """The file, resolved against the issue's folder."""
    name: str
    """Its copy's path under the output folder, POSIX style: ``2022-10-23/img/fig5.png``."""

    @property
    def content_type(self) -> str:
        return IMAGE_TYPES[self.path.suffix.lower()]

    @property
    def href(self) -> str:
        """``name`` as a relative URL (spaces and the like percent-encoded)."""
        return quote(self.name)


def local_path(src: str) -> str | None:
    """The file path an image address names when it is relative and an image, else None."""
    src = src.strip()
    if not src or src.startswith(("#", "/", "\\")):
        return None
    try:
        parts = urlsplit(src)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    if posixpath.splitext(path)[1].lower() not in IMAGE_TYPES:
        return None
    return path


@dataclass
class Images:
    """The local images of one issue, collected while its notes are rendered."""

    issue_path: Path | None
    stem: str
    url: str = ""
    assets: dict[str, Asset] = field(default_factory=dict)
    missing: dict[str, Path] = field(default_factory=dict)
    """Relative image paths with no file behind them, each with where it was looked for."""

    def asset(self, src: str) -> Asset | None:
        """The local image ``src`` names, or None (a URL, or a file that is not there)."""
        if src in self.assets:
            return self.assets[src]
        if self.issue_path is None:
            return None
        rel = local_path(src)
        if rel is None:
            return None
        folder = self.issue_path.parent
        path = Path(os.path.normpath(folder / rel))
        if not path.is_file():
            self.missing.setdefault(src, path)
            return None
        inside = posixpath.normpath(rel.replace("\\", "/"))
        if inside.startswith("../") or inside == "..":
            # Outside the issue's folder: a name that cannot climb out of build/<stem>/.
            digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
            inside = f"{digest}-{path.name}"
        asset = Asset(src, path, f"{self.stem}/{inside}")
        self.assets[src] = asset
        return asset

    def page_src(self, src: str) -> str:
        """``src`` as the page in the output folder addresses it."""
        asset = self.asset(src)
        return asset.href if asset else src

    def public_src(self, src: str) -> str:
        """``src`` for an output read elsewhere (Substack, a feed, the Markdown, a mail with
        ``url`` set): absolute through ``url``, else relative to the output folder."""
        asset = self.asset(src)
        base = self.url.strip().rstrip("/")
        if asset is not None:
            return f"{base}/{asset.href}" if base else asset.href
        if base and local_path(src) is not None:
            return urljoin(base + "/", src)  # a missing file: where the site would have it
        return src

    def unhosted(self) -> list[Asset]:
        """The local images a reader elsewhere cannot load: every one while ``url`` is unset."""
        return [] if self.url.strip() else list(self.assets.values())


def warn_unhosted(images: Images | None, formats: tuple[str, ...] | list[str], where: str | Path) -> None:
    """One warning line when ``formats`` include one read away from build/ and local images
    would reach it only as addresses relative to build/ (``url`` unset)."""
    names = [RELATIVE_FORMATS[f] for f in RELATIVE_FORMATS if f in formats]
    unhosted = images.unhosted() if images is not None else []
    if not names or not unhosted:
        return
    shown = ", ".join(a.src for a in unhosted[:3]) + (", ..." if len(unhosted) > 3 else "")
    n = len(unhosted)
    kinds = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    log.warning(
        "%s: %d local image%s (%s) break%s in the %s once pasted or published: url is not set, so %s"
        " addressed relative to build/; set url in digest.toml to where build/ is served, or use https://"
        " image addresses", where, n, "" if n == 1 else "s", shown, "s" if n == 1 else "", kinds,
        "it is" if n == 1 else "they are",
    )  # fmt: skip


def copy_assets(assets: list[Asset] | tuple[Asset, ...], out_dir: Path) -> list[Path]:
    """Copy each image to ``out_dir/<name>`` unless an identical copy is there; the copies made.

    Each copy is written beside its target and renamed into place, so a reader never sees
    half an image. Size and modification time decide "identical" (the copy keeps the
    original's time), as rsync does.
    """
    import shutil

    written = []
    for asset in assets:
        target = out_dir / asset.name
        try:
            src_stat = asset.path.stat()
            dst_stat = target.stat()
            if dst_stat.st_size == src_stat.st_size and dst_stat.st_mtime_ns == src_stat.st_mtime_ns:
                continue
        except FileNotFoundError:
            pass
        temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(asset.path, temp)
            os.replace(temp, target)
        except OSError as exc:
            raise DigestError(f"{target}: cannot copy the image {asset.path} there ({exc.strerror or exc})") from None
        finally:
            temp.unlink(missing_ok=True)
        written.append(target)
    return written
