"""The package's layers, read from its source: who may import whom (deferred imports
inside functions count too), and no import cycles.

The rules are ARCHITECTURE.md's, written out here by hand::

    core  <-  params, export  <-  review  <-  engine  <-  cli
    core, params, review  <-  report   (metrics < data < analysis < story < claims < ...)

Every module may read the root's ``__version__``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "bilateral"

ALLOWED = {  # a package (or top-level module) -> what it may import besides itself
    "core": set(),
    "params": {"core"},
    "export": {"core"},
    "review": {"core", "export"},
    "engine": {"core", "params", "export", "review"},
    "report": {"core", "params", "review"},
    "cli": {"core", "params", "export", "review", "engine"},
    "lab": {"core"},
}
REPORT_ORDER = ["parameters", "metrics", "data", "analysis", "story", "claims", "preflight",
                "record", "jupyter", "plugin"]
"""The report's own layers, lowest first: each may import those before it."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, source: str | None = None) -> set[str]:
    """The bilateral modules ``path`` imports, anywhere in it, as absolute names (the
    root ``bilateral``, for ``__version__``, left out)."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    found = set()
    text = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "bilateral"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != "bilateral":
                continue
            for a in node.names:  # ``from bilateral.x import y``: y may be a module
                sub = f"{module}.{a.name}"
                found.add(sub if (PACKAGE.parent / (sub.replace(".", "/") + ".py")).exists()
                          or (PACKAGE.parent / sub.replace(".", "/")).is_dir() else module)
    return found - {"bilateral"}


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def report_layer(module: str) -> int:
    """The module's place in REPORT_ORDER; the package's own ``__init__`` is above all."""
    parts = module.split(".")
    return REPORT_ORDER.index(parts[2].split(".")[0]) if len(parts) > 2 else len(REPORT_ORDER)


def test_the_source_tree_is_the_one_described():
    # A module outside the known areas would escape every rule below.
    assert {area(m) for m in MODULES} - {""} == set(ALLOWED)
    assert {m.split(".")[2] for m in MODULES if area(m) == "report"
            and len(m.split(".")) > 2} == set(REPORT_ORDER)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if area(m)))
def test_no_module_imports_a_higher_layer(module):
    mine = area(module)
    for target in sorted(imports(MODULES[module])):
        theirs = area(target)
        assert theirs == mine or theirs in ALLOWED[mine], \
            f"{module} imports {target}: {mine} may import only {sorted(ALLOWED[mine])}"
        if mine == theirs == "report":
            assert report_layer(target) <= report_layer(module), \
                f"{module} imports {target}, a higher layer of the report"


def test_the_engine_imports_nothing_of_the_report():
    for module in (m for m in MODULES if area(m) in ("engine", "export", "review", "params")):
        assert not [t for t in imports(MODULES[module]) if area(t) == "report"], module


def test_no_import_cycles():
    graph = {m: {t for t in imports(p) if t in MODULES and t != m} for m, p in MODULES.items()}
    graph.pop("bilateral")  # the root's lazy short names point down into the report
    # Tarjan's strongly connected components: any with two or more modules is a cycle.
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []


def test_the_checker_sees_a_deferred_upward_import():
    """The rules above are only as good as ``imports``: a deferred import inside a function
    is found, relative or absolute, a module named in ``from package import module`` as
    that module, and ``__version__`` left out."""
    source = ("def f():\n    from ..report import claims\n    import bilateral.engine.plan\n"
              "    from .. import __version__\n    from bilateral.review.diff import changes\n")
    assert imports(PACKAGE / "core" / "probe.py", source) == {
        "bilateral.report.claims", "bilateral.engine.plan", "bilateral.review.diff"}


def test_tests_mirror_the_package_and_share_helpers_only_through_support():
    """A test folder exists only for a package of src/bilateral, and no test file imports
    another test file: what tests share lives in tests/support.py (fixtures in conftest)."""
    tests = Path(__file__).resolve().parent
    packages = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*")
                if p.is_dir() and (p / "__init__.py").exists()}
    folders = {p.relative_to(tests).as_posix() for p in tests.rglob("*")
               if p.is_dir() and any(p.glob("test_*.py"))}
    assert folders - {"."} <= packages, sorted(folders - {"."} - packages)
    offenders = []
    for path in tests.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith(
                    "tests.")):
                target = (node.module or "").rsplit(".", 1)[-1]
                if node.level or target.startswith("test_") or target == "conftest":
                    offenders.append(f"{path.relative_to(tests)} imports {node.module}")
    assert not offenders, offenders
