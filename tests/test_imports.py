"""The command line is assembled in one place: optimiser/cli.py imports the command modules, and none of them
imports it back (they share optimiser/console.py, which imports no command module)."""
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
