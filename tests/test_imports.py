"""The command line is assembled in one place: optimiser/cli.py imports the command modules, and none of them
imports it back (they share optimiser/console.py, which imports no command module)."""
import ast

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
