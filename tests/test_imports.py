"""No import cycle in tray_app. Imports inside functions count too; only those under
`if TYPE_CHECKING:` are exempt, because they never run."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tray_app"

# Each cycle as cycles() gives it: its alphabetically first module first.


def module_files() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement under `node`, at any depth, except under TYPE_CHECKING."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            yield from _imports(ast.Module(body=child.orelse, type_ignores=[]))
        else:
            yield from _imports(child)


def _imported_modules(statement: ast.Import | ast.ImportFrom, module: str,
                      is_package: bool, modules: set[str]) -> set[str]:
    """The tray_app modules whose code `statement` needs: `from X import y` needs X.y
    when that is a module, else X. Relative imports are resolved against `module`. A
    package's __init__ that runs first is not counted: every submodule import runs it."""
    if isinstance(statement, ast.Import):
        return {alias.name for alias in statement.names} & modules
    base = statement.module or ""
    if statement.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        anchor = ".".join(package[: len(package) - statement.level + 1])
        base = f"{anchor}.{base}" if base else anchor
    needed = {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
              for alias in statement.names}
    return needed & modules


def import_graph() -> dict[str, set[str]]:
    files = module_files()
    modules = set(files)
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        graph[module] = {
            name for statement in _imports(tree)
            for name in _imported_modules(statement, module, is_package, modules)
        } - {module}
    return graph


def cycles(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """Every elementary cycle, each starting at its alphabetically first module (the
    graph is small: a plain search from each start, through later modules only)."""
    found: set[tuple[str, ...]] = set()

    def walk(start: str, path: list[str]) -> None:
        for target in sorted(graph[path[-1]]):
            if target == start:
                found.add(tuple(path))
            elif target > start and target not in path:
                walk(start, [*path, target])

    for start in sorted(graph):
        walk(start, [start])
    return found


def test_the_walk_sees_lazy_and_relative_imports_and_skips_type_checking() -> None:
    source = ("from typing import TYPE_CHECKING\nfrom . import a, VALUE\n"
              "if TYPE_CHECKING:\n    import p.hidden\nelse:\n    import p.shown\n"
              "def f():\n    from .b import c\n    import p.lazy\n")
    modules = {"p", "p.a", "p.b", "p.b.c", "p.hidden", "p.shown", "p.lazy"}
    needed = set().union(*(_imported_modules(statement, "p.m", False, modules)
                           for statement in _imports(ast.parse(source))))
    assert needed == {"p", "p.a", "p.b.c", "p.shown", "p.lazy"}
    assert cycles({"a": {"b"}, "b": {"c", "a"}, "c": {"a"}}) == {("a", "b"), ("a", "b", "c")}


def test_tray_app_has_no_import_cycle() -> None:
    unexpected = cycles(import_graph())
    assert not unexpected, "import cycles in tray_app:\n" + "\n".join(
        " -> ".join([*cycle, cycle[0]]) for cycle in sorted(unexpected))
