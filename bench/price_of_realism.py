"""The price of realism on the national case: the least cost with and without issue 11's families.

    python bench/price_of_realism.py [--out bench/results/price_of_realism.md]

Solves stage 1 (the least cost; stage 2 keeps it) of ``cases/england_2017`` four ways, adding one
family at a time, and prints a Markdown table for the README: the least cost, what the step added, the
marginal cost of the two headline targets, and the binding rows of the family added with their
costliest shadow price. Takes a few minutes (the last step has six run-out years).
"""
from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from optimiser import load_case, solve

ROOT = Path(__file__).resolve().parents[1]
NATIONAL = ROOT / "cases" / "england_2017"
OLD_ENVELOPE_GBP = 1_300_000_000  # the plan's new money alone (before issue 11)
HEADLINES = ("traditional_growth_2020_21", "new_role_growth_2020_21")


def _without(case, *tables):
    return replace(case, tables={k: v for k, v in case.tables.items() if k not in tables})


def steps():
    """(label, family added, case) from the case before issue 11 to the case as shipped."""
    quick = load_case(NATIONAL, run_out_years=0)
    old = _without(quick, "commissioning", "absorption").with_changes(
        [{"table": "budgets", "column": "limit_gbp", "set": OLD_ENVELOPE_GBP}])
    return [("before issue 11 (£1.3bn envelope)", None, old),
            ("+ absorption and local continuity (§12), envelope £3.09bn", "absorption", _without(quick, "commissioning")),
            ("+ commissioning continuity (§11)", "commissioning", quick),
            ("+ six run-out years (§13): the case as shipped", "run_out", load_case(NATIONAL))]


def table() -> str:
    lines = ["| step | least cost (£m, PV) | added (£m) | marginal £/FTE traditional | new role "
             "| binding rows of the family added | costliest (£ per unit) |", "|---|---:|---:|---:|---:|---:|---:|"]
    before = None
    for label, family, case in steps():
        sol = solve(case, balance=False)
        assert sol.status == "optimal", (label, sol.status)
        marginal = sol.targets.set_index("target")["marginal_cost_per_fte"]
        rows = sol.constraints[(sol.constraints["family"] == family) & sol.constraints["binding"]] if family else None
        binding = "" if rows is None else f"{len(rows):,}"
        dearest = "" if rows is None or rows.empty else f"{rows['shadow_price'].abs().max():,.0f}"
        added = "" if before is None else f"{(sol.objective - before) / 1e6:,.1f}"
        lines.append(f"| {label} | {sol.objective / 1e6:,.1f} | {added} | {marginal[HEADLINES[0]]:,.0f} "
                     f"| {marginal[HEADLINES[1]]:,.0f} | {binding} | {dearest} |")
        before = sol.objective
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    text = table()
    print(text, end="")
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
