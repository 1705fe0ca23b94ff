"""The house: which part of digest may import which, checked from the code's own imports.

The table is `LAYERS` below; each unit's docstring ends with ``May import: ...`` naming the
units it uses, every one from a lower layer; docs/architecture.md shows the same table. A unit
is a top-level module (`digest/config.py`) or a package (`digest/render/`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "digest"

LAYERS: list[tuple[str, ...]] = [
    ("errors", "clock", "ids", "paper", "files", "tex", "schedule", "loopback", "categories"),
    ("query", "lock"),
    ("config",),
    ("store", "issue"),
    ("fetch",),
    ("seeds", "figures"),
    ("draft", "render"),
    ("archive", "check", "preview", "deliver", "publish", "triage", "scaffold"),
    ("cli",),
]
"""Lowest first. A unit may import only units of lower layers (and itself): so no two units of
one layer know each other, and no import points up or closes a circle."""

LAYER = {unit: n for n, units in enumerate(LAYERS) for unit in units}
MAX_LINES = 420
"""Modules stay under ~400 lines; this is the hard stop."""


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _unit(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] != "__main__" else None


def _target(current: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The digest modules an import statement loads."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "digest"]
    assert node.level == 0, f"{current}: relative import; digest uses absolute imports"
    base = node.module or ""
    if base.split(".")[0] != "digest":
        return []
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]


def _imports(module: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(runtime imports at module level, imports inside functions) of digest modules."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    checking = {
        id(stmt)
        for node in tree.body
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for stmt in ast.walk(node)
    }
    top, inner = [], []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in checking:
            for target in _target(module, node):
                (top if node.col_offset == 0 else inner).append((node.lineno, target))
        elif (named := _imported_by_name(node)) is not None:
            inner.append((node.lineno, named))  # `import_module("digest.x")`: an import all the same
    return top, inner


def _imported_by_name(node: ast.AST) -> str | None:
    """The digest module an ``import_module(...)`` / ``__import__(...)`` call names, if it does."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if name not in ("import_module", "__import__"):
        return None
    arg = node.args[0]
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        arg = arg.values[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.startswith("digest"):
        return arg.value.rstrip(".{") or "digest"
    return None


def _docstring(unit: str) -> str:
    path = PACKAGE / unit / "__init__.py"
    if not path.exists():
        path = PACKAGE / f"{unit}.py"
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


def _declared(text: str) -> set[str] | None:
    found = re.search(r"May import:\s*(.+?)\.(?:\s|$)", text, re.S)
    if not found:
        return None
    if found.group(1).startswith("nothing"):
        return set()
    return {w.strip().strip("`") for w in re.split(r",|\band\b", found.group(1)) if w.strip()}


def test_every_unit_is_in_the_table() -> None:
    units = {_unit(m) for m in MODULES} - {None}
    assert units == set(LAYER), f"add {sorted(units - set(LAYER))} to LAYERS; drop {sorted(set(LAYER) - units)}"


@pytest.mark.parametrize("unit", sorted(LAYER))
def test_each_unit_says_what_it_may_import_and_the_table_allows_it(unit: str) -> None:
    declared = _declared(_docstring(unit))
    assert declared is not None, f"digest/{unit}: its docstring has no 'May import: ...' line"
    if unit == "cli":
        assert declared == {"everything"}
        return
    higher = {d for d in declared if d not in LAYER or LAYER[d] >= LAYER[unit]}
    assert not higher, f"digest/{unit} declares {sorted(higher)}: not a lower layer in LAYERS"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _unit(m) not in (None, "cli")))
def test_imports_point_only_down_and_only_where_declared(module: str) -> None:
    unit = _unit(module)
    assert unit is not None
    declared = _declared(_docstring(unit)) or set()
    top, inner = _imports(module)
    assert not inner, (
        f"{MODULES[module].relative_to(ROOT)}:{inner[0][0]}: imports {inner[0][1]} inside a function; "
        "digest's own modules are imported at the top of the file"
    )
    for line, target in top:
        other = _unit(target)
        if other is None or other == unit:
            continue
        assert other in declared, (
            f"{MODULES[module].relative_to(ROOT)}:{line}: imports {target}, but digest/{unit} may import "
            f"only {sorted(declared)}"
        )


def test_no_import_circle_between_modules() -> None:
    graph = {m: {t for _, t in _imports(m)[0] if t in MODULES and t != m} for m in MODULES}
    done: set[str] = set()

    def visit(m: str, path: list[str]) -> None:
        if m in path:
            cycle = path[path.index(m):] + [m]
            pytest.fail("import circle: " + " -> ".join(cycle))
        if m in done:
            return
        for t in sorted(graph[m]):
            if t.startswith(m + "."):
                continue  # a package's __init__ may import its own modules
            visit(t, [*path, m])
        done.add(m)

    for m in sorted(graph):
        visit(m, [])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small_and_none_is_a_utils(module: str) -> None:
    path = MODULES[module]
    assert path.name not in ("utils.py", "util.py", "helpers.py", "misc.py"), f"{path}: name it for what it holds"
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)}: {lines} lines; split it (modules stay under ~400)"


def test_architecture_doc_opens_with_the_same_table() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    head = doc[: doc.index("\n## ", doc.index("## The package map") + 1)] if "## The package map" in doc else ""
    assert head, "docs/architecture.md opens with '## The package map'"
    rows = dict(re.findall(r"^\| `([a-z_]+)/?` \| \d \| [^|]*\| ([^|]*) \|$", head, re.M))
    assert set(rows) == set(LAYER), f"docs/architecture.md's table lists {sorted(rows)}"
    for unit, allowed in rows.items():
        assert _declared(f"May import: {allowed.strip()}.") == _declared(_docstring(unit)), (
            f"docs/architecture.md and digest/{unit}'s docstring disagree on what it may import"
        )
