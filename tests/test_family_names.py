"""One name per constraint family: the module of constraints/ that builds its rows, the module of
optimiser/verify that checks them, the line of ``optimiser verify``'s report and the docs all use it."""
import importlib
import re

import constraints
from conftest import ROOT
from optimiser.verify import FAMILIES

#: Families of constraints/ with no independent check in optimiser/verify, and why (none today).
NOT_CHECKED: dict[str, str] = {}
#: Checks of optimiser/verify with no constraint family, and why.
VERIFY_ONLY = {
    "costs": "the objective and the cost figures the file reports, not a row of the LP",
    "bounds": "the columns' bounds (optimiser/model/build.py), not rows",
    "baseline": "the baseline year is the stock flow's opening, a constant of the case",
}
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
MODEL = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")


def constraint_modules() -> list[str]:
    return sorted(p.stem for p in (ROOT / "constraints").glob("*.py") if not p.stem.startswith("_"))


def test_each_constraint_module_is_its_family():
    assert len(constraint_modules()) >= 15
    for name in constraint_modules():
        assert importlib.import_module(f"constraints.{name}").FAMILY == name


def test_each_constraint_family_has_a_verify_module_of_its_name():
    for name in constraint_modules():
        if name in NOT_CHECKED:
            assert not (ROOT / "optimiser" / "verify" / f"{name}.py").exists(), f"{name} is checked: drop its reason"
            continue
        module = importlib.import_module(f"optimiser.verify.{name}")
        assert module.FAMILY == name and callable(module.check), name
        assert name in FAMILIES, f"{name} is not a line of the verify report"


def test_each_verify_family_is_a_constraint_family_or_says_why_not():
    for name in FAMILIES:
        assert importlib.import_module(f"optimiser.verify.{name}").FAMILY == name
        assert (name in constraint_modules()) != (name in VERIFY_ONLY), name


def test_verify_reports_the_families_in_the_order_constraints_builds_them():
    built = [m.FAMILY for m in constraints.FAMILIES] + ["balance"]  # stage 2 last
    assert [f for f in FAMILIES if f not in VERIFY_ONLY] == built


def test_the_docs_name_each_family_where_it_is_built_checked_and_documented():
    for name in constraint_modules():
        row = re.search(rf"^\| `{name}` \|(.*)$", ARCHITECTURE, re.M)
        assert row, f"docs/architecture.md has no row for {name}"
        assert f"`constraints/{name}.py`" in row.group(1) and f"`optimiser/verify/{name}.py`" in row.group(1), name
        assert re.search(rf"^\d+\. `{name}` — ", MODEL, re.M), f"docs/model.md does not define {name}"
    for name in VERIFY_ONLY:
        assert f"`{name}` (`optimiser/verify/{name}.py`" in ARCHITECTURE, name
