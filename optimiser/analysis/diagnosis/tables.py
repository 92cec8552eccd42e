"""A diagnosis on a rich console (``optimiser explain``, and ``optimiser solve`` of an infeasible case)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from optimiser.formatting import fte_words, pounds, share

if TYPE_CHECKING:
    from optimiser.analysis.diagnosis import Diagnosis


def print_diagnosis(diag: Diagnosis, console, most: int = 10) -> None:
    """The diagnosis on a rich console: elastic shortfalls, the conflict and the ranked relaxations."""
    def table(title: str, columns: list[tuple[str, str]], rows: list[list[str]]) -> Table:
        t = Table(title=title, title_justify="left", show_edge=False)
        for name, justify in columns:
            t.add_column(name, justify=justify, overflow="fold")
        for r in rows:
            t.add_row(*[escape(str(c)) for c in r])
        return t

    console.print(f"[bold]Diagnosis of {escape(diag.case_name)}[/]"
                  + (f" + scenario {escape(diag.scenario)}" if diag.scenario else "") + f": [bold]{diag.status}[/]")
    if diag.status != "infeasible":
        console.print(escape(diag.message))
        return
    el = diag.elastic
    console.print(f"[bold](a) Elastic solve.[/] {escape(el['message'])}")
    if el["shortfalls"]:
        console.print(table("Smallest shortfalls that make the case feasible (FTE)",
                            [("target", "left"), ("year", "left"), ("minimum", "right"), ("achievable", "right"),
                             ("shortfall", "right"), ("priority", "right")],
                            [[s["target"], s["year"], fte_words(s["minimum_fte"]), fte_words(s["achievable_fte"]),
                              fte_words(s["shortfall_fte"]), f"{s['priority']:g}"] for s in el["shortfalls"]]))
        if el["total_cost_gbp"] is not None:
            console.print(f"With these shortfalls the cheapest plan costs £{pounds(el['total_cost_gbp'])} "
                          "(present value).")
    c = diag.conflict
    console.print(f"[bold](b) Conflict set[/] ({c['limit_count']} limit{'s' if c['limit_count'] != 1 else ''}, "
                  f"{c['row_count']} LP row{'s' if c['row_count'] != 1 else ''}; dropping any one makes the case "
                  "feasible):")
    console.print(escape(c["sentence"]))
    relax = diag.relaxations
    ok = [r for r in relax if r["rank_by_cost"] is not None]
    console.print(f"[bold](c) Single relaxations[/]: {len(ok)} of the {len(relax)} limits tried make the case feasible "
                  "on their own.")
    columns = [("cost rank", "right"), ("change rank", "right"), ("change", "left"), ("relative", "right"),
               ("total cost £", "right"), ("what to change", "left")]

    def rows(rs):
        return [[r["rank_by_cost"], r["rank_by_change"], r["short"],
                 share(r["relative_change"], 0 if r["relative_change"] >= 0.1 else 1),
                 pounds(r["total_cost_gbp"]), r["words"]] for r in rs]

    if ok:
        best: dict[str, dict] = {}
        for r in ok:  # ok is in cost order
            best.setdefault(r["name"], r)
        if len(ok) > len(best):
            console.print(table("The cheapest fix of each kind", columns, rows(best.values())))
        shown = ok[:most]
        console.print(table(f"The {len(shown)} cheapest fixes (relative: the change over the limit)", columns,
                            rows(shown)))
        if len(ok) > most:
            console.print(f"… and {len(ok) - most} more in the JSON (diagnosis.relaxations), ranked by cost and by "
                          "relative change.")
    alone = [r for r in relax if r["change"] is None]
    if alone:
        console.print(f"{len(alone)} limit(s) of the conflict cannot restore feasibility alone (another limit then "
                      "binds): " + escape("; ".join(r["words"].replace("relaxing ", "").replace(
                          " alone does not make the case feasible", "") for r in alone[:5]))
                      + (" …" if len(alone) > 5 else ""))
