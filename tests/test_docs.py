"""The README documents every command and every DIGEST_* variable, so the docs cannot drift."""

from __future__ import annotations

import re

import click
import pytest

from conftest import REPO
from digest.cli import cli
from digest.config import KEYS

README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None
        out.append((f"{prefix}{name}", cmd))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, f"{prefix}{name} ")
    return out


COMMANDS = _commands(cli)


def test_there_are_commands_to_check() -> None:
    assert "render" in [name for name, _ in COMMANDS]


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_has_help_and_is_in_the_readme(name: str, command: click.Command) -> None:
    assert command.help or command.short_help, f"digest {name} has no help text"
    assert f"digest {name}" in README, f"README.md does not document `digest {name}`"
    if not isinstance(command, click.Group):
        text = (command.help or "") + (command.epilog or "")
        assert "digest " in text, f"`digest {name} --help` shows no example"


def _variables_in_code() -> set[str]:
    found: set[str] = set()
    for path in (REPO / "digest").rglob("*.py"):
        found |= set(re.findall(r"\bDIGEST_[A-Z][A-Z0-9_]*[A-Z0-9]\b", path.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("variable", sorted(_variables_in_code() | {k.env for k in KEYS}))
def test_every_variable_is_documented(variable: str) -> None:
    assert f"`{variable}`" in README, f"README.md does not document {variable}"


def test_every_setting_is_in_the_settings_table() -> None:
    for key in KEYS:
        assert f"| `{key.key}` |" in README, f"README.md's settings table lacks {key.key}"
