"""The shape of the code: no import circle, no import hidden in a function unless it keeps a
heavy package lazy (and says so), no module over 400 lines outside training code.

import-linter (`make test` runs `lint-imports`) keeps the floors; these keep what it cannot.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("schoolwatch", "crawler", "spiders", "classifiers", "digest")
MAX_LINES = 400
# Training scripts run by hand with torch installed; the product never imports them.
EXEMPT_FROM_SIZE = ("classifiers/training/",)


def python_files(*tops: str) -> list[Path]:
    return sorted(path for top in tops for path in (ROOT / top).rglob("*.py"))


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    cycles.append(sorted(group))
    return cycles


def test_the_cycle_check_finds_a_circle() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(name)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.b")
    graph.add_import(importer="a.d", imported="a.b")
    assert import_cycles(graph) == [["a.b", "a.c"]]


def test_no_import_circle_between_modules() -> None:
    # Every import counts: inside functions and under TYPE_CHECKING too, so a circle cannot
    # hide behind either.
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    assert import_cycles(graph) == []


def function_level_imports(path: Path) -> list[tuple[int, str, bool]]:
    """(line, module, whether a `# lazy:` comment explains it) for each import in a function."""
    source = path.read_text()
    lines = source.splitlines()
    found: list[tuple[int, str, bool]] = []

    def explained(lineno: int) -> bool:
        if "# lazy:" in lines[lineno - 1]:
            return True
        # The comment sits above the function's block of imports (blank lines allowed).
        for line in reversed(lines[: lineno - 1]):
            text = line.strip()
            if text.startswith("# lazy:"):
                return True
            if text.startswith(("#", "import ", "from ")) or text in ("", ")") or \
                    text.endswith(","):
                continue
            return False
        return False

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom) and in_function:
                module = child.module if isinstance(child, ast.ImportFrom) else \
                    child.names[0].name
                found.append((child.lineno, module or "", explained(child.lineno)))
            visit(child, in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))

    visit(ast.parse(source), False)
    return found


def test_imports_inside_functions_only_keep_heavy_packages_lazy() -> None:
    offenders = []
    for path in python_files(*PACKAGES):
        for line, module, explained in function_level_imports(path):
            where = f"{path.relative_to(ROOT)}:{line} ({module})"
            if module.split(".")[0] in sys.stdlib_module_names:
                offenders.append(f"{where}: the standard library is cheap; import it on top")
            elif not explained:
                offenders.append(f"{where}: say which heavy package it keeps lazy (# lazy: ...)")
    assert offenders == []


def test_the_lazy_import_check_sees_an_unexplained_one(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text(
        "def a():\n    # lazy: numpy is heavy\n    import numpy\n\n"
        "def b():\n    import json\n    from x import y\n"
    )
    assert function_level_imports(module) == [
        (3, "numpy", True), (6, "json", False), (7, "x", False),
    ]


def test_no_module_over_400_lines_outside_training_code() -> None:
    too_long = {}
    for path in python_files(*PACKAGES, "tests", "bench", "docs"):
        name = path.relative_to(ROOT).as_posix()
        if name.startswith(EXEMPT_FROM_SIZE):
            continue
        count = len(path.read_text().splitlines())
        if count > MAX_LINES:
            too_long[name] = count
    assert too_long == {}
