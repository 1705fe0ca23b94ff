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


def _readme_invocations() -> list[tuple[str, list[str]]]:
    """Every `digest ...` command line in the README's code blocks: (command path, options used)."""
    out = []
    in_code = False
    for line in README.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        if not in_code:
            continue
        for m in re.finditer(r"(?:^|[;&|(]\s*|\$ )(?:\S+/)?digest((?:\s+-[qv])*)\s+([a-z]+)(?:\s+([a-z]+)(?=\s|$))?([^#|;&)]*)", line):
            words, options = [m[2]], re.findall(r"(?:^|\s)(--?[a-zA-Z][\w-]*)", m[4] or "")
            if m[3]:
                words.append(m[3])
            out.append((" ".join(words), options))
    return out


INVOCATIONS = _readme_invocations()


def test_the_readme_has_command_examples() -> None:
    assert len(INVOCATIONS) > 20


@pytest.mark.parametrize(("words", "options"), INVOCATIONS, ids=[" ".join([w, *o]) for w, o in INVOCATIONS])
def test_every_example_in_the_readme_uses_real_options(words: str, options: list[str]) -> None:
    """A README example with a renamed or removed option fails here, not in a user's terminal."""
    ctx = click.Context(cli)
    command: click.Command | None = cli
    for word in words.split():
        if not isinstance(command, click.Group):
            break
        sub = command.get_command(ctx, word)
        if sub is None:
            break  # e.g. `digest render FILE`: the second word is an argument
        command = sub
    assert command is not None and command is not cli, f"README runs `digest {words}`, which is no command"
    accepted = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)} | {"-h", "--help"}
    for option in options:
        assert option in accepted, f"README example `digest {words} ... {option}`: no such option"
