"""The newsletter's settings: `digest.toml`, then `DIGEST_*` variables, then flags.

Every key has a default, so an empty file works. Each key's environment
variable is ``DIGEST_`` + the dotted key in capitals with ``_`` for the dot
(``arxiv.api_url`` -> ``DIGEST_ARXIV_API_URL``). Unknown keys and wrong types
are all reported at once, each as ``digest.toml: key: problem``. A name in
``arxiv.categories`` that is not arXiv's is refused when it can never be (``cs.lg``)
and a warning (`Settings.warnings`, said once per run by the command line) when it may be
a category newer than `digest.categories` knows.

May import: errors, query, categories.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

from digest.categories import category_problem
from digest.config.keys import CategoryError, KeySpec, coerce, deepest_line, key_lines, setting, toml_problem, value_line
from digest.errors import ConfigError

CONFIG_NAME = "digest.toml"
CONFIG_ENV = "DIGEST_CONFIG"
PASSWORD_ENV = "DIGEST_SMTP_PASSWORD"


@dataclass(frozen=True)
class ArxivSettings:
    """`[arxiv]`: where and how papers are fetched."""

    categories: list[str] = setting(["cs.LG", "cs.CL"], "arXiv categories to fetch and select from, written as arXiv does (cs.LG, stat.ML, hep-th)")
    query: str = setting("", "extra arXiv API query ANDed with the categories, e.g. 'abs:transformer'")
    api_url: str = setting("https://export.arxiv.org/api/query", "arXiv API endpoint (a mirror or a test server)")
    rss_url: str = setting("https://rss.arxiv.org/rss/", "arXiv RSS endpoint; categories are appended as cs.LG+cs.CL")
    html_url: str = setting("https://arxiv.org/html/", "where arXiv's HTML renderings are (digest figures); <id>v<n> is appended")
    oai_url: str = setting("https://export.arxiv.org/oai2", "arXiv's OAI-PMH endpoint, for papers' licences (digest figures)")
    delay: float = setting(3.0, "seconds between requests (arXiv's terms ask for at least 3)")
    page_size: int = setting(2000, "entries per API request (arXiv allows up to 2000)")
    timeout: float = setting(30.0, "seconds a whole request may take, body included, before it is given up and retried")
    retries: int = setting(5, "retries per request on 429, 5xx, timeouts and broken pages")
    holidays: list[str] = setting([], "days arXiv announces nothing (YYYY-MM-DD), e.g. [\"2026-11-26\"]; see docs/new.md")

    @property
    def holiday_dates(self) -> frozenset[date]:
        """`holidays` as dates (validated when the settings were read)."""
        return frozenset(date.fromisoformat(d) for d in self.holidays)


@dataclass(frozen=True)
class EmailSettings:
    """`[email]`: the message `digest render` and `digest send` make."""

    sender: str = setting("", "From address, e.g. 'Jane Doe <jane@example.org>'", name="from")
    to: list[str] = setting([], "default recipients of `digest send`")
    list_unsubscribe: list[str] = setting([], "List-Unsubscribe targets (https:// and/or mailto:); empty = no header")
    send_hour: int = setting(8, "hour of the issue date used as the email Date header (in `timezone`)")
    x_unsent: bool = setting(False, "add X-Unsent: 1 so the .eml opens as a draft in mail clients")

    @property
    def can_send(self) -> bool:
        """The one rule for "no email without `email.from`": whether an email can be made at all
        (`digest.render.email_message.sender` says why not, and checks the address)."""
        return bool(self.sender.strip())


@dataclass(frozen=True)
class SmtpSettings:
    """`[smtp]`: the server `digest send` uses."""

    host: str = setting("", "SMTP server for `digest send`")
    port: int = setting(587, "SMTP port (587 for starttls, 465 for tls)")
    user: str = setting("", "SMTP login; the password comes only from DIGEST_SMTP_PASSWORD")
    security: str = setting("starttls", "starttls or tls; `digest send --insecure` allows clear text", choices=("starttls", "tls"))
    ca_file: str = setting("", "PEM file of the CA that signed the server's certificate (a private CA); empty = the system's")


@dataclass(frozen=True)
class PublishSettings:
    """`[publish]`: the services `digest publish` posts to."""

    buttondown_url: str = setting("https://api.buttondown.com/v1", "Buttondown API; the token comes only from DIGEST_BUTTONDOWN_TOKEN")
    listmonk_url: str = setting("", "listmonk address, e.g. https://lists.example.org; credentials only from DIGEST_LISTMONK_USER and DIGEST_LISTMONK_TOKEN")
    listmonk_lists: list[str] = setting([], "listmonk list ids a campaign goes to, e.g. [\"3\"]")
    ghost_url: str = setting("", "Ghost site address, e.g. https://blog.example.org; the Admin API key only from DIGEST_GHOST_ADMIN_KEY")


@dataclass(frozen=True)
class PathSettings:
    """`[paths]`: the newsletter's folders and files, relative to its root."""

    issues: str = setting("issues", "folder of issue sources, YYYY-MM-DD.md")
    seeds: str = setting("seeds", "folder of seed-style abstract files")
    templates: str = setting("templates", "folder whose templates override the packaged ones, file by file")
    build: str = setting("build", "where rendered output goes")
    store: str = setting(".digest/store.sqlite", "the local SQLite store")


@dataclass(frozen=True)
class Settings:
    """Every setting, each section as its own frozen object. (Each settings class has a
    docstring: without one, `dataclass` computes a signature for it at every start.)"""

    name: str = setting("arXiv roundup", "the newsletter's name")
    author: str = setting("", "the editor's name, shown in the footer")
    url: str = setting("", "the newsletter's public address, for absolute links")
    title_format: str = setting("{date} arXiv roundup: {headline}", "issue title; {date}, {headline} and {name} are filled in")
    sponsor: str = setting("", "sponsor line for new issues (an issue's own `sponsor:` wins)")
    timezone: str = setting("UTC", "time zone of issue dates, e.g. Europe/Berlin")
    window_days: int = setting(7, "days a new issue looks back when there is no earlier issue")
    max_candidates: int = setting(60, "most candidates `digest new` drafts")
    max_window_days: int = setting(28, "after a gap, the most days of announcements `digest new` drafts (--window for more)")
    unannotated: str = setting(
        "skip", "papers without notes: skip (left out, with a warning) or abstract", choices=("skip", "abstract")
    )
    feed_entries: int = setting(50, "issues feed.xml holds, newest first (0 = every issue)")
    arxiv: ArxivSettings = field(default_factory=ArxivSettings)
    email: EmailSettings = field(default_factory=EmailSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    paths: PathSettings = field(default_factory=PathSettings)
    publish: PublishSettings = field(default_factory=PublishSettings)
    root: Path = field(default_factory=Path.cwd, metadata={"internal": True})
    """The newsletter folder: where digest.toml is, or the working directory."""
    source: str = field(default="", metadata={"internal": True})
    """The settings file that was read, or '' when there was none."""
    origins: dict[str, str] = field(default_factory=dict, metadata={"internal": True}, compare=False, repr=False)
    """Where each key that is not a default came from, as `origin` words it."""
    warnings: tuple[str, ...] = field(default=(), metadata={"internal": True}, compare=False, repr=False)
    """What works but looks wrong (a category digest does not know), each a line to say once per run."""

    def origin(self, key: str) -> str:
        """Where the dotted ``key`` was set, for a message that needs it later: ``digest.toml
        (line 12)``, ``DIGEST_ARXIV_QUERY``, ``--window``, or ``the default``."""
        return self.origins.get(key, "the default")

    def path(self, name: str) -> Path:
        """A `paths.*` setting resolved against the newsletter folder."""
        return (self.root / getattr(self.paths, name)).resolve()

    @property
    def file_name(self) -> str:
        """The settings file as messages name it: its name, ``digest.toml`` when none was read."""
        return Path(self.source).name if self.source else "digest.toml"

    def problem(self, key: str, message: str) -> ConfigError:
        """A bad or missing setting as one line, named where it came from: its ``DIGEST_*``
        variable when that is set, else the settings file (``digest.toml`` when none was read)
        and the line that set it."""
        env = "DIGEST_" + key.replace(".", "_").upper()
        where = env if env in os.environ else self.file_name
        line = re.fullmatch(r".* \(line (\d+)\)", self.origins.get(key, "")) if where != env else None
        at = f" (line {line[1]})" if line else ""  # as the settings' own checks say it
        return ConfigError([f"{where}: {key}: {message}{at}"])

    def unsubscribe_targets(self) -> list[str]:
        """`email.list_unsubscribe`, each one https:// or mailto: address (the email's header
        and the plain text's footer both use it)."""
        out = []
        for value in self.email.list_unsubscribe:
            value = value.strip()
            if not re.fullmatch(r"(https://|mailto:)[^\s<>,\"]+", value):
                raise self.problem("email.list_unsubscribe", f"{value!r} must be one https:// or mailto: address without spaces")
            out.append(value)
        return out


SECTIONS = {"arxiv": ArxivSettings, "email": EmailSettings, "smtp": SmtpSettings, "paths": PathSettings,
            "publish": PublishSettings}


def _specs() -> list[KeySpec]:
    out = []
    for section, cls in [("", Settings), *SECTIONS.items()]:
        for f in fields(cls):
            if f.name in SECTIONS or f.metadata.get("internal"):
                continue
            name = f.metadata.get("name") or f.name
            default = f.default_factory() if callable(f.default_factory) else f.default  # type: ignore[misc]
            out.append(
                KeySpec(
                    key=f"{section}.{name}" if section else name,
                    section=section,
                    attr=f.name,
                    type=type(default),  # every default is of its key's type (cheaper than get_type_hints)
                    default=default,
                    help=f.metadata["help"],
                    choices=f.metadata["choices"],
                )
            )
    return out


KEYS: list[KeySpec] = _specs()
"""Every setting, in documentation order."""
_BY_KEY = {k.key: k for k in KEYS}


def find_config(start: Path | None = None) -> Path | None:
    """`DIGEST_CONFIG`, else the nearest digest.toml from ``start`` upwards. A `digest.toml`
    that is there but is no file (a folder, a link to nothing) is an error, never skipped:
    skipping it would read a parent folder's settings, or none, without a word."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if problem := not_a_settings_file(candidate):
            raise ConfigError([f"{problem}; move it aside, or give the settings file with -c FILE"])
    return None


def not_a_settings_file(path: Path) -> str | None:
    """What makes ``path`` unreadable as a settings file although something is there (a
    folder, a link to nothing, a link loop, a device), as one line; None for a file, a link
    to one, or nothing at all (reading it names that)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if not path.is_symlink():
            return None
        if exc.errno == errno.ELOOP:
            return f"{path}: is a link that leads back to itself (a loop), not a settings file"
        try:
            target = f" ({os.readlink(path)} does not exist)"
        except OSError:
            target = ""
        return f"{path}: is a link to nothing{target}, not a settings file"
    if stat.S_ISDIR(mode):
        return f"{path}: is a folder, not a settings file"
    if not stat.S_ISREG(mode):
        return f"{path}: is not a regular file, not a settings file"
    return None


_TOML_TYPES = ((bool, "true or false"), (int, "an integer"), (float, "a number"), (str, "a string"), (list, "an array"))


def _toml_type(value: Any) -> str:
    return next((name for t, name in _TOML_TYPES if isinstance(value, t)), "a date or time")


def load_settings(path: Path | str | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Read settings: defaults < ``path`` (or the one found) < DIGEST_* < ``overrides``.

    ``overrides`` maps dotted keys to values; None values are dropped, so
    click options can default to None.
    """
    config = Path(path) if path else find_config()
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    problems: list[str] = []
    warnings: list[str] = []  # settings that work but look wrong: said once the settings are sound
    categories_at: tuple[str, str, int | None] = (CONFIG_NAME, "", None)  # where the file sets them
    root = Path.cwd()
    if config is not None:
        name = config.name
        if problem := not_a_settings_file(config):
            raise ConfigError([problem])
        try:
            text = config.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ConfigError([f"{config}: cannot read settings ({exc.strerror})"]) from None
        except UnicodeDecodeError:
            raise ConfigError([f"{config}: not UTF-8 text; save the settings file as UTF-8"]) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([toml_problem(name, text, str(exc), _BY_KEY)]) from None
        except RecursionError:  # tomllib reads nested arrays and tables recursively
            line = deepest_line(text)
            at = f" (line {line})" if line else ""
            raise ConfigError([f"{name}: arrays or tables nested too deeply; nest them less{at}"]) from None
        root = config.resolve().parent
        where = key_lines(text)
        for key, value in _flatten(data).items():
            line = where.get(key) or where.get(key.split(".")[0])  # `arxiv = {query = ...}`: the table's line
            at = f" (line {line})" if line else ""
            origins[key] = f"{name} (line {line})" if line else name
            spec = _BY_KEY.get(key)
            if key == "smtp.password":
                problems.append(f"{name}: {key}: passwords are read only from {PASSWORD_ENV}, remove it{at}")
            elif spec is None and key in SECTIONS:  # `arxiv = 3`: the section, not a table
                problems.append(f"{name}: {key}: must be a table ([{key}]), not {_toml_type(value)}{at}")
            elif spec is None:
                what = "section" if isinstance(value, dict) else "key"
                problems.append(f"{name}: {key}: unknown {what}; see the settings reference in README.md{at}")
            else:
                try:
                    values[key] = coerce(spec, value, from_env=False)
                except CategoryError as exc:
                    problems += [f"{name}: {key}: {m}" + (f" (line {value_line(text, line, c)})" if line else "")
                                 for c, m in exc.bad]  # fmt: skip
                except ValueError as exc:
                    problems.append(f"{name}: {key}: {exc}{at}")
                if key == "arxiv.categories":
                    categories_at = (name, text, line)
    for spec in KEYS:
        if spec.env in os.environ:
            try:
                values[spec.key] = coerce(spec, os.environ[spec.env], from_env=True)
                origins[spec.key] = spec.env
            except CategoryError as exc:
                problems += [f"{spec.env}: {m}" for _, m in exc.bad]
            except ValueError as exc:
                problems.append(f"{spec.env}: {exc}")
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        spec = _BY_KEY[key]
        flag = f"--{key.split('.')[-1].replace('_', '-')}"
        try:
            values[key] = coerce(spec, value, from_env=isinstance(value, str) and spec.type is not str)
            origins[key] = flag
        except ValueError as exc:
            problems.append(f"{flag}: {exc}")
    if problems:
        raise ConfigError(problems)
    key = "arxiv.categories"  # names that may be newer than digest's list (the others were refused above)
    for c in values.get(key, ()):
        if (p := category_problem(c)) is not None:
            if origins.get(key, "").startswith("DIGEST_"):
                warnings.append(f"{origins[key]}: {p.message}")
            else:
                file, text, line = categories_at
                warnings.append(f"{file}: {key}: {p.message}" + (f" (line {value_line(text, line, c)})" if line else ""))
    return _build(values, root, str(config or ""), origins, tuple(warnings))


def _build(values: dict[str, Any], root: Path, source: str, origins: dict[str, str] | None = None,
           warnings: tuple[str, ...] = ()) -> Settings:  # fmt: skip
    top: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {s: {} for s in SECTIONS}
    for key, value in values.items():
        spec = _BY_KEY[key]
        (sections[spec.section] if spec.section else top)[spec.attr] = value
    built = {s: cls(**sections[s]) for s, cls in SECTIONS.items()}
    return Settings(**top, **built, root=root, source=source, origins=origins or {}, warnings=warnings)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and not prefix and k in SECTIONS:
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out
