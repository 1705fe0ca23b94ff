"""What every command shares: the error translation point, settings loading, output."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from digest.config import Settings

COMMANDS: list[click.Command] = []
"""Commands in the order `digest --help` lists them."""


def command(*args: Any, **kwargs: Any) -> Any:
    """`click.command` that also registers the command with the `digest` group."""

    def wrap(f: Any) -> click.Command:
        cmd = click.command(*args, **kwargs)(f)
        COMMANDS.append(cmd)
        return cmd

    return wrap


def group(*args: Any, **kwargs: Any) -> Any:
    def wrap(f: Any) -> click.Group:
        grp = click.group(*args, cls=click.Group, **kwargs)(f)
        COMMANDS.append(grp)
        return grp

    return wrap


@dataclass
class State:
    config: str | None
    verbose: int
    quiet: bool

    def settings(self, **overrides: Any) -> Settings:
        """Load settings; ``overrides`` are dotted keys from flags (None = not given)."""
        from digest.config import load_settings

        return load_settings(self.config, overrides)


class _CoreErrorShown(click.ClickException):
    """A core error on its way to the terminal: its own text, its own exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        # Core messages already start with where the problem is (FILE:LINE: ...).
        click.echo(self.message, err=True)


class DigestGroup(click.Group):
    """Turns every `digest.errors.DigestError` into one line and its exit code."""

    ORDER = ("init", "fetch", "store", "seeds", "new", "render", "check", "send", "build", "where", "preview", "cron")
    """`digest --help` lists commands in the order of the week's work."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = [c.name for c in COMMANDS if c.name]
        return sorted(names, key=lambda n: self.ORDER.index(n) if n in self.ORDER else len(self.ORDER))

    def invoke(self, ctx: click.Context) -> Any:
        from digest.errors import DigestError as CoreError

        try:
            return super().invoke(ctx)
        except CoreError as exc:
            _traceback_if_verbose(ctx)
            raise _CoreErrorShown(str(exc), int(exc.exit_code)) from None
        except BrokenPipeError:  # `digest ... | head`: the reader has all it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
            raise SystemExit(0) from None
        except OSError as exc:  # a file or folder the user named cannot be written or read
            _traceback_if_verbose(ctx)
            where = f"{exc.filename}: " if exc.filename else ""
            raise _CoreErrorShown(f"{where}{exc.strerror or exc}; check the path and its permissions", 1) from None
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            raise SystemExit(130) from None


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


def pass_state(f: Any) -> Any:
    return click.pass_obj(f)


def echo(text: str = "", err: bool = False) -> None:
    click.echo(text, err=err)
