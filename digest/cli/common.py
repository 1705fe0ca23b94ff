"""What every command shares: the error translation point, settings loading, output."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from digest.config import Settings


@dataclass
class State:
    """What the group's options gave every command: the settings file, -v and -q."""

    config: str | None
    verbose: int
    quiet: bool

    def settings(self, *, say_no_folder: bool = True, **overrides: Any) -> Settings:
        """Load settings; ``overrides`` are dotted keys from flags (None = not given). Outside a
        newsletter folder (no digest.toml here or above) it says so, once: nothing is silent."""
        import logging

        from digest.config import load_settings

        settings = load_settings(self.config, overrides)
        if settings.source:
            _here.root = str(settings.root)
        if settings.warnings and not self._said_warnings:  # once per run, however often settings load
            self._said_warnings = True
            for warning in settings.warnings:
                logging.getLogger("digest.cli").warning("%s", warning)
        if not settings.source and say_no_folder and not self._said_no_folder:
            self._said_no_folder = True
            logging.getLogger("digest.cli").warning(
                "no digest.toml in %s or any folder above: default settings, paths from here"
                " (`digest init` makes a newsletter folder)", settings.root)  # fmt: skip
        return settings

    _said_no_folder: bool = field(default=False, repr=False)
    _said_warnings: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        _here.root = None  # a new run (tests run many in one process): no folder until settings load


class _CoreErrorShown(click.ClickException):
    """A core error on its way to the terminal: its own text, its own exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        # Core messages already start with where the problem is (FILE:LINE: ...).
        try:
            click.echo(self.message, err=True)
        except BrokenPipeError:  # stderr's reader has gone: the exit code still says what happened
            _silence_closed_streams()


def _usage_line(exc: click.UsageError) -> _CoreErrorShown:
    """A wrong argument as one line, as every other error: the command, what is wrong, where
    to look (click's own is four: usage, a hint, a blank line, the error)."""
    path = exc.ctx.command_path if exc.ctx is not None else "digest"
    message = " ".join(exc.format_message().split()).rstrip(".")
    return _CoreErrorShown(f"{path}: {message}; see `{path} --help`", exc.exit_code)


def config_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """`-c`'s check: a path that is no readable settings file (a folder, a link to nothing, a
    file it cannot read) is said in one line, as the settings' own problems are, not as a
    usage error."""
    if value is None:
        return None
    from digest.config import not_a_settings_file

    if problem := not_a_settings_file(Path(value)):
        raise _CoreErrorShown(problem, 2)
    if os.path.exists(value) and not os.access(value, os.R_OK):
        raise _CoreErrorShown(f"{value}: cannot read settings (not readable); check its permissions", 2)
    return value


class DigestGroup(click.Group):
    """Turns every `digest.errors.DigestError` into one line and its exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """In the order `digest/cli/__init__.py` adds them, the order of the week's work (click's
        own sorts them by name)."""
        return list(self.commands)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """click's `main`, then what is still buffered for stdout and stderr written out
        here, where a reader that has gone (`digest ... | head`) can still be handled:
        Python's own flush at exit would print an error and exit 120."""
        try:
            result = super().main(*args, **kwargs)
        except SystemExit:
            _flush_or_silence()
            raise
        _flush_or_silence()
        return result

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        """click's `make_context`, where `digest --help` and `--version` print (and flush)."""
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            raise _usage_line(exc) from None
        except BrokenPipeError:
            if _silence_closed_streams():
                raise click.exceptions.Exit(0) from None
            raise

    def invoke(self, ctx: click.Context) -> Any:
        from digest.errors import DigestError as CoreError

        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # the command's own arguments
            raise _usage_line(exc) from None
        except CoreError as exc:
            _traceback_if_verbose(ctx)
            raise _CoreErrorShown(named_from_here(str(exc)), int(exc.exit_code)) from None
        except OSError as exc:
            if isinstance(exc, BrokenPipeError) and _silence_closed_streams():
                raise SystemExit(0) from None  # `digest ... | head`: the reader has all it wanted
            # a file or folder the user named cannot be written or read
            _traceback_if_verbose(ctx)
            where = f"{exc.filename}: " if exc.filename else ""
            raise _CoreErrorShown(named_from_here(f"{where}{exc.strerror or exc}; {_os_advice(exc)}"), 1) from None
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            raise SystemExit(130) from None


def _os_advice(exc: OSError) -> str:
    """What to do about a file that could not be written or read: said by what failed, since
    "check the permissions" sends someone whose disk is full to the wrong place."""
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return ("the disk (or your quota) is full; files already there are kept as they were:"
                " free some space and run the command again")
    if exc.errno == errno.EFBIG:
        return "the file is larger than this system lets a command write (`ulimit -f`); raise the limit and run it again"
    if exc.errno == errno.EROFS:
        return "the file system is mounted read-only; use a writable folder"
    return "check the path and its permissions"


def _is_closed(stream: Any) -> bool:
    """Is ``stream`` a pipe (or terminal) whose reading end has gone?"""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return False  # not a file descriptor (CliRunner's capture): it cannot be closed under us
    try:
        import select

        poller = select.poll()
    except (ImportError, AttributeError):  # no poll(): assume the worst, as before
        return True
    poller.register(fd, select.POLLOUT)
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))


def _silence_closed_streams() -> bool:
    """Point stdout and stderr, whichever has lost its reader, at /dev/null (so nothing
    fails again at exit); True when one had. A BrokenPipeError with both still open came
    from elsewhere (a server that hung up) and is an error like any other."""
    closed = False
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and _is_closed(stream):
            closed = True
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, stream.fileno())
            finally:
                os.close(devnull)
    return closed


def _flush_or_silence() -> None:
    """Write out stdout and stderr; a stream whose reader has gone is silenced, quietly."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except BrokenPipeError:
            _silence_closed_streams()
            try:
                stream.flush()  # the rest of the buffer, into /dev/null
            except OSError:
                pass
        except (OSError, ValueError):
            pass  # a closed or full stream: nothing more can be said on it


def _traceback_if_verbose(ctx: click.Context) -> None:
    if ctx.obj is not None and ctx.obj.verbose:
        import traceback

        traceback.print_exc(file=sys.stderr)


def day_option_value(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """click callback: a YYYY-MM-DD option as a date."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2022-10-23") from None
    if not date(1991, 1, 1) <= day <= date(9000, 12, 31):  # arXiv's years, with room: date arithmetic stays in range
        raise click.BadParameter(f"{value!r} is outside 1991-9000; arXiv has no papers there")
    return day


def relative(path: Path) -> str:
    """``path`` relative to the working directory, as the user would type it; as given when it
    cannot be (another drive)."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


class _Here:
    root: str | None = None
    """The newsletter folder of this run's settings, once they are loaded from a digest.toml."""


_here = _Here()


def named_from_here(text: str) -> str:
    """``text`` (a warning or an error) with each path in the newsletter folder named as
    `relative` names it, as the editor would type it (``seeds/bad.csv:2``, ``../seeds/...``
    from ``issues/``). The core knows files by the absolute paths settings resolve; the user
    named them from here. Only when here is inside the newsletter folder or the folder inside
    here (from elsewhere, ``../../srv/letter/...`` reads worse than the absolute path), and
    only a path that starts a word (not the inside of a ``file://`` URL). A path ends at a
    space, a colon or a quote; its last part may be cut there (``my notes.md``), so only the
    folders before it are renamed."""
    root = (_here.root or "").rstrip(os.sep)
    if not root or root not in text:  # no folder yet, or the folder is "/" (nothing to shorten)
        return text
    try:
        cwd = os.getcwd()
        if os.path.commonpath([cwd, root]) not in (root, cwd):
            return text
    except (OSError, ValueError):  # here was deleted, or is on another drive: the path as it is
        return text
    stop = r"\s:'\"`,;)"
    pattern = r"(?<![\w/:.~-])" + re.escape(root) + rf"(?=$|[{stop}]|{re.escape(os.sep)})[^{stop}]*"

    def shown(m: re.Match[str]) -> str:
        folder, _, last = m[0].rpartition(os.sep) if m[0] != root else (root, "", "")
        named = relative(Path(folder or os.sep))
        return last if named == os.curdir and last else os.path.join(named, last) if last else named

    return re.sub(pattern, shown, text)


def pass_state(f: Any) -> Any:
    return click.pass_obj(f)


def echo(text: str = "", err: bool = False) -> None:
    """A line on stdout, or on stderr with ``err``. Diagnostics are not worth stopping for:
    when stderr's reader has gone, it is silenced and the command goes on; when stdout's
    has, the command ends (exit 0, see `DigestGroup.invoke`)."""
    try:
        click.echo(text, err=err)
    except BrokenPipeError:
        if not (err and _silence_closed_streams()):
            raise


def _open_browser(url: str) -> None:
    import logging
    import webbrowser

    try:
        opened = webbrowser.open(url)
    except Exception:  # noqa: BLE001 - a broken $BROWSER must not stop the server
        opened = False
    if not opened:
        logging.getLogger("digest.cli").warning("--open: no web browser could be started here; open %s yourself", url)


def serve_until_interrupted(server: Any, banner: str, open_browser: bool) -> None:
    """Print ``banner`` (stderr) and the server's URL (stdout), open a browser if asked, serve
    until Ctrl-C: `digest preview` and `digest triage` alike."""
    echo(banner, err=True)
    echo(server.url)
    sys.stdout.flush()
    if open_browser:  # in a thread: a browser that runs in the foreground (lynx) must find the server serving
        import threading

        threading.Thread(target=_open_browser, args=(server.url,), name="digest-open", daemon=True).start()
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    echo("stopped", err=True)
