"""The package's layout by stage: note -> pipeline -> evidence -> rules -> result -> output.

Every import of the package (function-level ones included) is read from the source with
``ast``. A module may import its own stage and the stages before it, never a later one;
no two modules import each other through any chain; no module imports another's private
name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "notelint"

# The stages in order; a module imports only its own stage and earlier ones. "core" is the
# package's top-level modules that every stage shares (errors, version, lexicon, codes,
# budget); config (the run's settings) checks rule codes, so it comes after the rules.
STAGES = ("core", "io", "nlp", "evidence", "rules", "config", "result", "report", "interfaces")
FOLDERS = {"io", "nlp", "evidence", "rules", "result", "report", "interfaces"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts).removesuffix(".__init__")
        out[name] = path
    return out


MODULES = _modules()


def _stage(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in FOLDERS:
        return parts[1]
    if module in ("notelint.config", "notelint.__main__"):
        return "config" if module == "notelint.config" else "interfaces"
    if module == "notelint":  # the package re-exports the API on first use
        return "interfaces"
    return "core"


def _imports(module: str) -> Iterator[tuple[str, str, int]]:
    """(imported module, imported name or "", line) of every notelint import in ``module``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "notelint":
                    yield alias.name, "", node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == "notelint":
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in MODULES:
                    yield submodule, "", node.lineno
                else:
                    yield node.module, alias.name, node.lineno


GRAPH = {module: {target for target, _, _ in _imports(module) if target != module} for module in MODULES}


def test_the_reader_sees_the_stage_folders() -> None:
    assert {_stage(module) for module in MODULES} == set(STAGES)
    assert len(MODULES) > 50


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_no_later_stage(module: str) -> None:
    rank = STAGES.index(_stage(module))
    later = [f"{MODULES[module].name}:{line}: imports {target} ({_stage(target)})"
             for target, _, line in _imports(module) if STAGES.index(_stage(target)) > rank]
    assert not later, later


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_name_is_imported_from_another_module(module: str) -> None:
    private = [f"{MODULES[module].name}:{line}: {target}.{name}" for target, name, line in _imports(module)
               if name.startswith("_") and not name.startswith("__")]
    assert not private, private


def test_the_import_graph_has_no_cycle() -> None:
    """Depth-first search over every import, function-level ones included."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH.get(module, ())):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target in GRAPH and not state.get(target):
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(GRAPH):
        if not state.get(module):
            cycle = visit(module)
            assert cycle is None, " -> ".join(cycle)


def test_the_check_finds_a_cycle_and_a_late_import() -> None:
    """The checks above can fail: a made-up edge back from the pipeline to the CLI is both."""
    GRAPH["notelint.nlp.pipeline"].add("notelint.interfaces.cli")
    try:
        with pytest.raises(AssertionError, match=r"nlp\.pipeline"):
            test_the_import_graph_has_no_cycle()
    finally:
        GRAPH["notelint.nlp.pipeline"].discard("notelint.interfaces.cli")
    assert STAGES.index(_stage("notelint.interfaces.cli")) > STAGES.index(_stage("notelint.nlp.pipeline"))
