"""The command line is assembled in one place: optimiser/cli.py imports the command modules, and none of them
imports it back (they share optimiser/console.py, which imports no command module); no module imports, however
indirectly, one that imports it; optimiser verify imports nothing of the LP builder."""
import ast
import subprocess
import sys

from conftest import ROOT

COMMAND_MODULES = {"optimiser.cli", "optimiser.analysis.commands", "optimiser.replan.command", "optimiser.report",
                   "optimiser.analysis.local_plan"}


def imports(path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


def test_no_module_imports_the_cli_back():
    importers = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "optimiser").rglob("*.py")
                       if "optimiser.cli" in imports(p) and p.name not in ("cli.py", "entry.py"))
    assert importers == []


def test_console_imports_no_command_module():
    assert imports(ROOT / "optimiser" / "console.py") & COMMAND_MODULES == set()


#: What optimiser verify must not use: it checks a plan without the code that built it.
LP_BUILDER = ("optimiser.model", "constraints", "optimiser.solvers", "optimiser.solution")


def test_verify_imports_nothing_of_the_lp_builder():
    files = sorted((ROOT / "optimiser" / "verify").glob("*.py"))
    assert len(files) > 15
    found = {str(p.relative_to(ROOT)): sorted(m for m in imports(p) if m.split(".")[0] == "constraints"
                                              or m.startswith(LP_BUILDER))
             for p in files}
    assert {k: v for k, v in found.items() if v} == {}


def test_verify_loads_nothing_of_the_lp_builder_indirectly():
    """Not even through the modules it imports (the solution schema check included)."""
    code = ("import sys, pkgutil, importlib, optimiser.verify as v, optimiser.export.solution\n"
            "for m in pkgutil.iter_modules(v.__path__): importlib.import_module('optimiser.verify.' + m.name)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'constraints' or m.startswith(%r)))" % (LP_BUILDER,))
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def import_graph() -> dict[str, set[str]]:
    """Each module of ``optimiser`` and ``constraints`` → the modules of both it imports, at the top or inside a
    function (imports only for type checkers left out)."""
    files = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
             for pkg in ("optimiser", "constraints") for p in (ROOT / pkg).rglob("*.py")}

    def ours(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    def imported(node) -> set[str]:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return set()
        found = set()
        if isinstance(node, ast.Import):
            found = {ours(a.name) for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found = {ours(f"{node.module}.{a.name}") for a in node.names}
        for child in ast.iter_child_nodes(node):
            found |= imported(child)
        return found

    return {name: imported(ast.parse(p.read_text(encoding="utf-8"))) - {None, name} for name, p in files.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Import circles: for each module on one, the path back to itself."""
    found = []
    for start in sorted(graph):
        seen, path = set(), []

        def walk(module):
            for nxt in sorted(graph.get(module, ())):
                if nxt == start:
                    found.append([start, *path, start])
                elif nxt not in seen:
                    seen.add(nxt)
                    path.append(nxt)
                    walk(nxt)
                    path.pop()
        walk(start)
    return found


def test_no_import_circle_among_the_modules():
    """Not at the top, and not hidden in a function either: a lower module never imports a higher one back."""
    assert circles(import_graph()) == []


def test_the_circle_check_finds_one():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})[0] == ["a", "b", "c", "a"]
    graph = import_graph()
    assert "constraints" in graph["optimiser.model.build"]
    graph["constraints.stock_flow"].add("optimiser.model.build")  # what constraints/ imported before
    assert ["constraints", "constraints.stock_flow", "optimiser.model.build", "constraints"] in circles(graph)
