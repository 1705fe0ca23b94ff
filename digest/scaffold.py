"""A newsletter folder: `digest init` makes one, `digest cron` schedules its weekly work.

`init` writes ``digest.toml`` with every setting commented out, showing its
default and help (generated from `digest.config.KEYS`, so it never drifts),
plus ``issues/``, ``seeds/`` and a ``.gitignore`` for the store and the
build. It creates nothing if any of those already exists.

May import: errors, clock, ids, paper, files, tex, schedule, config, query, lock.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digest.config import CONFIG_NAME, KEYS
from digest.errors import DigestError, UsageError
from digest.files import write_atomic

GITIGNORE = """\
# digest: the local store, logs and rendered output are rebuilt from issues/ and arXiv
.digest/
build/
"""

SEEDS_README = """\
Seed abstracts: reading lists that shape the ranking of `digest new`.

Put files of abstracts here (any name): arXiv abstracts followed by their
`arXiv:ID`, one `Abstract:` line per paper, JSONL or CSV with `arxiv_id` and
`abstract` columns. `digest seeds` shows what it reads. This README is skipped.
"""

DAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
DAY_NAMES = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")


@dataclass
class InitReport:
    root: Path
    created: list[Path] = field(default_factory=list)


def toml_value(value: Any) -> str:
    """``value`` as a TOML literal (strings, numbers, booleans, lists of strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def settings_template(name: str | None = None) -> str:
    """A digest.toml with every key commented out: ``# help`` then ``# key = default``."""

    out = [
        "# Settings of this newsletter. Every key has a default (shown commented out);",
        "# uncomment a line to change it. DIGEST_<KEY> environment variables override this file,",
        "# e.g. DIGEST_ARXIV_DELAY for arxiv.delay. The SMTP password comes only from the environment.",
    ]
    section = ""
    for spec in KEYS:
        if spec.section != section:
            section = spec.section
            out += ["", f"[{section}]"]
        elif out[-1].startswith("# e.g."):
            out.append("")  # after the header, before the first top-level key
        key = spec.key.rsplit(".", 1)[-1]
        choices = f" ({' or '.join(spec.choices)})" if spec.choices and spec.choices[-1] not in spec.help else ""
        out.append(f"# {spec.help}{choices}")
        if spec.key == "name" and name:
            out.append(f"{key} = {toml_value(name)}")
        else:
            out.append(f"# {key} = {toml_value(spec.default)}")
    return "\n".join(out) + "\n"


def init(root: Path, name: str | None = None) -> InitReport:
    """Scaffold a newsletter in ``root`` (created if missing); refuses to overwrite anything."""

    root = Path(root)
    if root.exists() and not root.is_dir():
        raise DigestError(f"{root}: exists and is not a folder; choose another place for the newsletter")
    files = {root / CONFIG_NAME: settings_template(name), root / ".gitignore": GITIGNORE,
             root / "seeds" / "README.md": SEEDS_README}  # fmt: skip
    folders = [root / "issues", root / "seeds"]
    taken = [p for p in [*files, *folders] if p.exists() or p.is_symlink()]
    if taken:
        listed = ", ".join(str(p) for p in taken)
        raise DigestError(f"{root}: not creating a newsletter here, it would overwrite {listed}; use an empty folder")
    report = InitReport(root.resolve())
    for folder in folders:
        folder.mkdir(parents=True)
        report.created.append(folder)
    for path, text in files.items():
        write_atomic(path, text)
        report.created.append(path)
    return report


def cron_word(text: str) -> str:
    """``text`` as one sh word in a crontab line. Cron turns each ``%`` into a line break (the
    rest goes to stdin) and reads ``\\%`` as ``%``: so a ``%`` is written ``'\\%'``, outside the
    single quotes (inside them the backslash would reach sh)."""
    if "%" not in text:
        return shlex.quote(text)
    return "'" + text.replace("'", "'\"'\"'").replace("%", "'\\%'") + "'"


def digest_command() -> list[str]:
    """The absolute command that runs this digest: the installed script, else python -m digest."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == "digest" and argv0.exists():
        return [str(argv0.resolve())]
    beside = Path(sys.executable).parent / "digest"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside.absolute())]
    found = shutil.which("digest")
    if found:
        return [str(Path(found).absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "digest"]


def cron_lines(root: Path, *, weekday: str = "sun", hour: int = 7, config: Path | None = None) -> list[str]:
    """Ready-to-paste crontab lines: a daily fetch and the weekly draft, absolute paths throughout."""
    word = weekday.strip().lower()
    days = [n for n, full in enumerate(DAY_NAMES) if len(word) >= 3 and full.startswith(word)]  # fri, tues, friday
    if len(days) != 1:
        raise UsageError(f"--weekday: {weekday!r} is not a day; use one of {', '.join(DAYS)} (or the full name)")
    if not 0 <= hour <= 23:
        raise UsageError(f"--hour: {hour} is not an hour of the day (0-23)")
    day = days[0]
    root = Path(root).resolve()
    words = [*digest_command(), *(["--config", str(config.resolve())] if config else [])]
    for text in (str(root), *words):
        if "\n" in text or "\r" in text:  # a crontab entry is one line
            raise UsageError(f"{text!r}: cron cannot run a command whose path holds a line break; "
                             "move the newsletter (or digest) to a folder without one")  # fmt: skip
    cmd = " ".join(cron_word(w) for w in words)
    where = cron_word(str(root))
    fetch_hour = (hour - 1) % 24
    return [
        f"# digest: {root}",
        "# daily: new arXiv entries into the store; the report goes to .digest/fetch.log, errors to cron's mail",
        f"30 {fetch_hour} * * * cd {where} && mkdir -p .digest && {cmd} -q fetch >> .digest/fetch.log",
        "# weekly: draft (or extend) issues/<today>.md; silent unless something needs attention",
        f"0 {hour} * * {day} cd {where} && {cmd} -q new",
    ]
