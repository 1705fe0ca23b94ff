"""The newsletter's settings: `digest.toml`, then `DIGEST_*` variables, then flags.

Every key has a default, so an empty file works. Each key's environment
variable is ``DIGEST_`` + the dotted key in capitals with ``_`` for the dot
(``arxiv.api_url`` -> ``DIGEST_ARXIV_API_URL``). Unknown keys and wrong types
are all reported at once, each as ``digest.toml: key: problem``.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

from digest.errors import ConfigError
from digest.query import query_problem

CONFIG_NAME = "digest.toml"
CONFIG_ENV = "DIGEST_CONFIG"
PASSWORD_ENV = "DIGEST_SMTP_PASSWORD"


def _key(default: Any, help: str, *, choices: tuple[str, ...] = (), name: str = "") -> Any:
    meta = {"help": help, "choices": choices, "name": name}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class ArxivSettings:
    categories: list[str] = _key(["cs.LG", "cs.CL"], "arXiv categories to fetch and select from")
    query: str = _key("", "extra arXiv API query ANDed with the categories, e.g. 'abs:transformer'")
    api_url: str = _key("https://export.arxiv.org/api/query", "arXiv API endpoint (a mirror or a test server)")
    rss_url: str = _key("https://rss.arxiv.org/rss/", "arXiv RSS endpoint; categories are appended as cs.LG+cs.CL")
    html_url: str = _key("https://arxiv.org/html/", "where arXiv's HTML renderings are (digest figures); <id>v<n> is appended")
    oai_url: str = _key("https://export.arxiv.org/oai2", "arXiv's OAI-PMH endpoint, for papers' licences (digest figures)")
    delay: float = _key(3.0, "seconds between requests (arXiv's terms ask for at least 3)")
    page_size: int = _key(2000, "entries per API request (arXiv allows up to 2000)")
    timeout: float = _key(30.0, "seconds a whole request may take, body included, before it is given up and retried")
    retries: int = _key(5, "retries per request on 429, 5xx, timeouts and broken pages")
    holidays: list[str] = _key([], "days arXiv announces nothing (YYYY-MM-DD), e.g. [\"2026-11-26\"]; see docs/new.md")

    @property
    def holiday_dates(self) -> frozenset[date]:
        """`holidays` as dates (validated when the settings were read)."""
        return frozenset(date.fromisoformat(d) for d in self.holidays)


@dataclass(frozen=True)
class EmailSettings:
    sender: str = _key("", "From address, e.g. 'Jane Doe <jane@example.org>'", name="from")
    to: list[str] = _key([], "default recipients of `digest send`")
    list_unsubscribe: list[str] = _key([], "List-Unsubscribe targets (https:// and/or mailto:); empty = no header")
    send_hour: int = _key(8, "hour of the issue date used as the email Date header (in `timezone`)")
    x_unsent: bool = _key(False, "add X-Unsent: 1 so the .eml opens as a draft in mail clients")

    @property
    def can_send(self) -> bool:
        """The one rule for "no email without `email.from`": whether an email can be made at all
        (`digest.render.email_message.sender` says why not, and checks the address)."""
        return bool(self.sender.strip())


@dataclass(frozen=True)
class SmtpSettings:
    host: str = _key("", "SMTP server for `digest send`")
    port: int = _key(587, "SMTP port (587 for starttls, 465 for tls)")
    user: str = _key("", "SMTP login; the password comes only from DIGEST_SMTP_PASSWORD")
    security: str = _key("starttls", "starttls or tls; `digest send --insecure` allows clear text", choices=("starttls", "tls"))
    ca_file: str = _key("", "PEM file of the CA that signed the server's certificate (a private CA); empty = the system's")


@dataclass(frozen=True)
class PublishSettings:
    buttondown_url: str = _key("https://api.buttondown.com/v1", "Buttondown API; the token comes only from DIGEST_BUTTONDOWN_TOKEN")
    listmonk_url: str = _key("", "listmonk address, e.g. https://lists.example.org; credentials only from DIGEST_LISTMONK_USER and DIGEST_LISTMONK_TOKEN")
    listmonk_lists: list[str] = _key([], "listmonk list ids a campaign goes to, e.g. [\"3\"]")
    ghost_url: str = _key("", "Ghost site address, e.g. https://blog.example.org; the Admin API key only from DIGEST_GHOST_ADMIN_KEY")


@dataclass(frozen=True)
class PathSettings:
    issues: str = _key("issues", "folder of issue sources, YYYY-MM-DD.md")
    seeds: str = _key("seeds", "folder of seed-style abstract files")
    templates: str = _key("templates", "folder whose templates override the packaged ones, file by file")
    build: str = _key("build", "where rendered output goes")
    store: str = _key(".digest/store.sqlite", "the local SQLite store")


@dataclass(frozen=True)
class Settings:
    name: str = _key("arXiv roundup", "the newsletter's name")
    author: str = _key("", "the editor's name, shown in the footer")
    url: str = _key("", "the newsletter's public address, for absolute links")
    title_format: str = _key("{date} arXiv roundup: {headline}", "issue title; {date}, {headline} and {name} are filled in")
    sponsor: str = _key("", "sponsor line for new issues (an issue's own `sponsor:` wins)")
    timezone: str = _key("UTC", "time zone of issue dates, e.g. Europe/Berlin")
    window_days: int = _key(7, "days a new issue looks back when there is no earlier issue")
    max_candidates: int = _key(60, "most candidates `digest new` drafts")
    max_window_days: int = _key(28, "after a gap, the most days of announcements `digest new` drafts (--window for more)")
    unannotated: str = _key(
        "skip", "papers without notes: skip (left out, with a warning) or abstract", choices=("skip", "abstract")
    )
    feed_entries: int = _key(50, "issues feed.xml holds, newest first (0 = every issue)")
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

    def origin(self, key: str) -> str:
        """Where the dotted ``key`` was set, for a message that needs it later: ``digest.toml
        (line 12)``, ``DIGEST_ARXIV_QUERY``, ``--window``, or ``the default``."""
        return self.origins.get(key, "the default")

    def path(self, name: str) -> Path:
        """A `paths.*` setting resolved against the newsletter folder."""
        return (self.root / getattr(self.paths, name)).resolve()

    def problem(self, key: str, message: str) -> ConfigError:
        """A bad or missing setting as one line, named where it came from: its ``DIGEST_*``
        variable when that is set, else the settings file (``digest.toml`` when none was read)."""
        env = "DIGEST_" + key.replace(".", "_").upper()
        where = env if env in os.environ else (Path(self.source).name if self.source else "digest.toml")
        return ConfigError([f"{where}: {key}: {message}"])

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


@dataclass(frozen=True)
class KeySpec:
    key: str  # dotted, as written in digest.toml
    section: str
    attr: str
    type: type
    default: Any
    help: str
    choices: tuple[str, ...]

    @property
    def env(self) -> str:
        return "DIGEST_" + self.key.replace(".", "_").upper()


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
    """`DIGEST_CONFIG`, else the nearest digest.toml from ``start`` upwards."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _shown(value: Any) -> str:
    """``repr(value)`` for a message: one line, at most about 60 characters."""
    try:
        text = repr(value)
    except RecursionError:
        return "a value nested too deeply"
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(t: Any) -> str:
    return {str: "a string", int: "a whole number", float: "a number", bool: "true or false"}.get(t, "a list of strings")


def _coerce(spec: KeySpec, value: Any, from_env: bool) -> Any:
    """``value`` as the key's type, or raise ValueError with the problem."""
    t = spec.type
    if spec.key == "arxiv.holidays":
        value = _holidays(value, from_env)
    if from_env:
        if t is bool:
            low = value.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(f"expected true or false, got {_shown(value)}")
        if t is int or t is float:
            try:
                value = t(value)
            except ValueError:
                raise ValueError(f"expected {_type_name(t)}, got {_shown(value)}") from None
        elif t is not str:  # list[str]: comma separated
            value = [v.strip() for v in value.split(",") if v.strip()]
    if t is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if t is not list:
        if not isinstance(value, t) or (t is int and isinstance(value, bool)):
            raise ValueError(f"expected {_type_name(t)}, got {_shown(value)}")
    else:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"expected a list of strings, got {_shown(value)}")
    if spec.choices and value not in spec.choices:
        raise ValueError(f"expected one of {', '.join(spec.choices)}, got {_shown(value)}")
    if t is float and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {_shown(value)}")
    if t in (int, float) and value < 0:
        raise ValueError(f"must not be negative, got {_shown(value)}")
    if spec.key == "arxiv.timeout" and value == 0:
        raise ValueError("must be more than 0 seconds")
    if spec.key == "smtp.port" and not 0 < value <= 65535:
        raise ValueError(f"expected a port from 1 to 65535, got {_shown(value)}")
    if spec.key in ("window_days", "max_window_days") and value > 3660:
        raise ValueError(f"expected at most 3660 days, got {_shown(value)}")
    if spec.key in ("url", "arxiv.api_url", "arxiv.rss_url", "arxiv.html_url", "arxiv.oai_url", "publish.buttondown_url", "publish.listmonk_url",
                    "publish.ghost_url") and value:
        from urllib.parse import urlsplit

        try:
            urlsplit(value).hostname
        except ValueError as exc:
            raise ValueError(f"not a usable address ({exc}), got {_shown(value)}") from None
    if spec.key == "timezone" and value != "UTC":
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {_shown(value)}; use a name such as Europe/Berlin or UTC") from None
    if spec.key == "email.send_hour" and value > 23:
        raise ValueError(f"expected an hour from 0 to 23, got {_shown(value)}")
    if spec.key == "arxiv.query" and value.strip():

        if problem := query_problem(value):
            raise ValueError(problem)
    return value


def _holidays(value: Any, from_env: bool) -> Any:
    """TOML dates or ISO strings as ISO strings; anything else is refused by name."""
    items = value.split(",") if from_env and isinstance(value, str) else value
    if not isinstance(items, list):
        return value  # the list check below names the problem
    out = []
    for item in items:
        if isinstance(item, date) and not isinstance(item, datetime):
            out.append(item.isoformat())
            continue
        try:
            out.append(date.fromisoformat(str(item).strip()).isoformat())
        except ValueError:
            raise ValueError(f"expected dates as YYYY-MM-DD, got {_shown(item)}") from None
    return ",".join(out) if from_env else out


_SECTION_LINE = re.compile(r"[ \t]*\[([^\]\[]+)\][ \t]*(?:#.*)?$")
_KEY_LINE = re.compile(r"[ \t]*([A-Za-z0-9_\-]+(?:[ \t]*\.[ \t]*[A-Za-z0-9_\-]+)*)[ \t]*=")


def _key_lines(text: str) -> dict[str, int]:
    """Where each dotted key is written in a TOML file, for error messages (``[section]``
    then ``key =``, or ``section.key =``). Lines are TOML's: split at ``\\n`` only."""
    lines: dict[str, int] = {}
    section = ""
    for n, line in enumerate(text.split("\n"), 1):
        if m := _SECTION_LINE.match(line):
            section = ".".join(part.strip() for part in m[1].split("."))
            lines.setdefault(section, n)
        elif m := _KEY_LINE.match(line):
            key = ".".join(part.strip() for part in m[1].split("."))
            lines.setdefault(f"{section}.{key}" if section else key, n)
    return lines


def _deepest_line(text: str, limit: int = 64) -> int | None:
    """The line where arrays or inline tables first nest more than ``limit`` deep (strings
    and comments skipped), for the file that made the TOML reader run out of stack."""
    depth, line, i, n = 0, 1, 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j) and (len(quote) == 3 or text[j] != "\n"):
                j += 2 if c == '"' and text[j] == "\\" else 1
            line += text.count("\n", i, j)
            i = j + len(quote)
            continue
        elif c in "[{":
            depth += 1
            if depth > limit:
                return line
        elif c in "]}":
            depth -= 1
        i += 1
    return None


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and not prefix and k in SECTIONS:
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def load_settings(path: Path | str | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Read settings: defaults < ``path`` (or the one found) < DIGEST_* < ``overrides``.

    ``overrides`` maps dotted keys to values; None values are dropped, so
    click options can default to None.
    """
    config = Path(path) if path else find_config()
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    problems: list[str] = []
    root = Path.cwd()
    if config is not None:
        name = config.name
        try:
            text = config.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ConfigError([f"{config}: cannot read settings ({exc.strerror})"]) from None
        except UnicodeDecodeError:
            raise ConfigError([f"{config}: not UTF-8 text; save the settings file as UTF-8"]) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([f"{config}: {exc} -- fix the TOML syntax"]) from None
        except RecursionError:  # tomllib reads nested arrays and tables recursively
            line = _deepest_line(text)
            at = f" (at line {line})" if line else ""
            raise ConfigError([f"{config}: arrays or tables nested too deeply{at} -- fix the TOML syntax"]) from None
        root = config.resolve().parent
        where = _key_lines(text)
        for key, value in _flatten(data).items():
            line = where.get(key) or where.get(key.split(".")[0])  # `arxiv = {query = ...}`: the table's line
            at = f" (line {line})" if line else ""
            origins[key] = f"{name} (line {line})" if line else name
            spec = _BY_KEY.get(key)
            if key == "smtp.password":
                problems.append(f"{name}: {key}: passwords are read only from {PASSWORD_ENV}, remove it{at}")
            elif spec is None:
                what = "section" if isinstance(value, dict) else "key"
                problems.append(f"{name}: {key}: unknown {what}; see the settings reference in README.md{at}")
            else:
                try:
                    values[key] = _coerce(spec, value, from_env=False)
                except ValueError as exc:
                    problems.append(f"{name}: {key}: {exc}{at}")
    for spec in KEYS:
        if spec.env in os.environ:
            try:
                values[spec.key] = _coerce(spec, os.environ[spec.env], from_env=True)
                origins[spec.key] = spec.env
            except ValueError as exc:
                problems.append(f"{spec.env}: {exc}")
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        spec = _BY_KEY[key]
        flag = f"--{key.split('.')[-1].replace('_', '-')}"
        try:
            values[key] = _coerce(spec, value, from_env=isinstance(value, str) and spec.type is not str)
            origins[key] = flag
        except ValueError as exc:
            problems.append(f"{flag}: {exc}")
    if problems:
        raise ConfigError(problems)
    return _build(values, root, str(config or ""), origins)


def _build(values: dict[str, Any], root: Path, source: str, origins: dict[str, str] | None = None) -> Settings:
    top: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {s: {} for s in SECTIONS}
    for key, value in values.items():
        spec = _BY_KEY[key]
        (sections[spec.section] if spec.section else top)[spec.attr] = value
    built = {s: cls(**sections[s]) for s, cls in SECTIONS.items()}
    return Settings(**top, **built, root=root, source=source, origins=origins or {})

