"""The report of a ``solution.json``: headline cards, then the sections of a plan (or, without one,
why there is none)."""
from __future__ import annotations

import json

import pandas as pd

from optimiser.case import Case
from optimiser.formatting import fte, gbp, share, year_range
from optimiser.report.charts import spend_section, workforce_section
from optimiser.report.page import esc, page, table, title_of
from optimiser.report.stps import stp_section


def headline_targets(targets: list[dict]) -> list[dict]:
    """Targets on a whole family in England (no staff group, region or STP filter): Stepping Forward's
    11,000 traditional and 8,000 new-role staff in the national case."""
    return [t for t in targets if t.get("family") and not t.get("staff_group") and not t.get("region")
            and not t.get("stp")]


def solution_report(sol: dict, case: Case | None = None) -> str:
    c = sol["case"]
    description = c.get("description") or (case.config.description if case is not None else "") or c["name"]
    title = title_of(description)
    scenario = f" + scenario <b>{esc(c['scenario'])}</b>" if c.get("scenario") else " (base case)"
    subtitle = (f"Case <b>{esc(c['name'])}</b>{scenario}; {esc(year_range(c['first_year'], c['last_year']))}"
                + (f" and {c['run_out_years']} run-out years" if c.get("run_out_years") else "")
                + f"; £ at {esc(c['price_base_year'])} prices, present value at {share(c['discount_rate'])} a year. "
                f"Solver {esc(sol['solver']['name'])} {esc(sol['solver']['version'])}, engine "
                f"{esc(sol['engine']['version'])}, case sha256 {esc(c['sha256'][:12])}….")
    body = [_headline(sol)]
    if sol["status"] == "optimal":
        wf = pd.DataFrame(sol["workforce"])
        body += [workforce_section(sol, wf), spend_section(sol), stp_section(sol, wf, case), _targets_section(sol),
                 _limits_section(sol), _checks_section(sol)]
    else:
        body += [_diagnosis_section(sol), _targets_section(sol)]
    body.append(f"<p><small>{esc(description)}</small></p>")
    return page(title, subtitle, [b for b in body if b])


def _card(label: str, value: str, note: str, key: str, raw, kind: str = "") -> str:
    data = f' data-headline="{esc(key)}" data-value="{esc(json.dumps(raw))}"'
    return (f'<div class="card {kind}"{data}><div class="label">{esc(label)}</div>'
            f'<div class="value">{esc(value)}</div><div class="note">{note}</div></div>')


def _headline(sol: dict) -> str:
    costs = sol["costs"]
    cards = []
    if sol["status"] != "optimal":
        cards.append(_card("Status", sol["status"], "no plan: the limits of this case cannot all hold (diagnosis below)"
                           if "infeasible" in sol["status"] else esc(sol["solver"]["message"]), "status", sol["status"],
                           "bad"))
    else:
        split = ""
        if costs.get("run_out_gbp"):
            split = (f"plan years {gbp(costs['plan_gbp'], True)}; keeping the {esc(sol['case']['last_year'])} "
                     f"workforce in post afterwards {gbp(costs['run_out_gbp'], True)}")
        if costs.get("penalties_gbp"):
            split += ("; " if split else "") + f"penalties {gbp(costs['penalties_gbp'], True)}"
        cards.append(_card("Total cost (present value)", gbp(costs["total_gbp"]), split or "all levers, penalties "
                           "included", "total_cost_gbp", costs["total_gbp"]))
    reachable = {s["target"]: s["achievable_fte"] for s in
                 ((sol.get("diagnosis") or {}).get("elastic") or {}).get("shortfalls") or []}
    for t in headline_targets(sol["targets"]):
        achieved = t.get("achieved_fte")
        met = achieved is not None and achieved >= t["minimum_fte"] - 1e-6
        note = f"{esc(t['measure'])} by {esc(t['year'])}, {esc(t['kind'])} target"
        if achieved is None and t["target"] in reachable:
            cards.append(_card(t["description"], f"at most {fte(reachable[t['target']])} of {fte(t['minimum_fte'])} FTE",
                               note + "; the most any plan can reach within the other limits", f"target:{t['target']}",
                               reachable[t["target"]], "bad"))
            continue
        if t.get("marginal_cost_per_fte") is not None:
            note += f"; marginal cost {gbp(t['marginal_cost_per_fte'])} per FTE"
        if t.get("shortfall_fte"):
            note += f"; {fte(t['shortfall_fte'])} FTE short"
        cards.append(_card(t["description"], f"{fte(achieved)} of {fte(t['minimum_fte'])} FTE", note,
                           f"target:{t['target']}", achieved, "good" if met else "bad"))
    checks = sol.get("plan_checks") or []
    if checks:
        passed = sum(c["passed"] for c in checks)
        cards.append(_card("Plan checks passed", f"{passed} of {len(checks)}",
                           "; ".join(esc(c["check"].replace("_", " ")) for c in checks if not c["passed"])
                           or "all pass", "plan_checks_passed", passed, "good" if passed == len(checks) else "bad"))
    return '<div class="cards">' + "".join(cards) + "</div>"


def _targets_section(sol: dict) -> str:
    t = pd.DataFrame(sol["targets"])
    if t.empty:
        return "<h2>Targets</h2><p>The case has no targets.</p>"
    t = t.sort_values(["kind", "year", "target"], kind="stable")
    cols = {"description": "target", "kind": "kind", "year": "year", "measure": "measure", "minimum_fte": "minimum FTE",
            "achieved_fte": "achieved FTE", "shortfall_fte": "short FTE",
            "marginal_cost_per_fte": "marginal cost £ per FTE"}
    return ("<h2>Targets and their marginal cost</h2><p>The marginal cost is the change in total cost (£, present "
            "value) if the target asked for one more FTE: the shadow price of its minimum. Zero where the target "
            "does not bind.</p><div class=\"scroll\">"
            + table(t[list(cols)].rename(columns=cols), {"minimum FTE": "fte", "achieved FTE": "fte", "short FTE": "fte",
                                                         "marginal cost £ per FTE": "gbp"}, sortable=True)
            + "</div>")


def _limits_section(sol: dict) -> str:
    if sol.get("constraints") is None:
        return ("<h2>Costliest binding limits</h2><p>This solution was written with <code>--no-constraints</code>, so "
                "the shadow prices of its limits are not in the file.</p>")
    if not sol["constraints"]:
        return ""
    from optimiser.console import costliest_limits

    top = costliest_limits(pd.DataFrame(sol["constraints"]))
    if top.empty:
        return "<h2>Costliest binding limits</h2><p>No limit other than the targets binds at a price.</p>"
    return ("<h2>Costliest binding limits</h2><p>" + esc(COSTLIEST_RANKING) + "</p>"
            + table(top.rename(columns={"constraint": "limit", "shadow_price_gbp_per_unit": "£ per extra unit",
                                        "effect_gbp": "total effect £"}),
                    {"£ per extra unit": "gbp", "total effect £": "gbp"}))


COSTLIEST_RANKING = ("Ranked by total effect: the shadow price (the £ change in total cost per extra unit of the limit, "
                     "negative where more of the limit saves money) times the size of the limit, so a budget (in £) "
                     "and a pool (in FTE) compare on one scale, £. Rows alike but for the STP are counted once.")


def _checks_section(sol: dict) -> str:
    checks = sol.get("plan_checks") or []
    if not checks:
        return ""
    items = []
    for c in checks:
        mark = '<span class="pass">pass</span>' if c["passed"] else '<span class="fail">FAIL</span>'
        worst = "".join(f"<li>{esc(w)}</li>" for w in c["worst"])
        items.append(f"<li>{mark} {esc(c['description'])} <small>({esc(c['threshold'])}; {c['offenders']} "
                     f"offender(s))</small>" + (f"<ul>{worst}</ul>" if worst else "") + "</li>")
    return "<h2>Plan checks</h2><ul>" + "".join(items) + "</ul>"


def _diagnosis_section(sol: dict) -> str:
    d = sol.get("diagnosis")
    if not d:
        return (f"<h2>No plan</h2><p>The solve ended {esc(sol['status'])}: {esc(sol['solver']['message'])}. The file has "
                "no diagnosis (run <code>optimiser explain CASE</code>).</p>")
    parts = [f"<h2>Why there is no plan</h2><p>{esc(d['message'])}</p>"]
    el = d.get("elastic")
    if el:
        parts.append(f"<h3>(a) What gives</h3><p>{esc(el['message'])}</p>")
        if el.get("shortfalls"):
            parts.append("<ul>" + "".join(f"<li>{esc(s['words'])}</li>" for s in el["shortfalls"]) + "</ul>")
        if el.get("total_cost_gbp") is not None:
            parts.append(f"<p>With these shortfalls the cheapest plan costs {gbp(el['total_cost_gbp'])}.</p>")
    c = d.get("conflict")
    if c:
        parts.append(f"<h3>(b) The limits in conflict</h3><p>{c['limit_count']} limits cannot all hold; drop any "
                     "one and a plan exists:</p><ul>" + "".join(f"<li>{esc(lim['words'])}</li>" for lim in c["limits"])
                     + "</ul>")
    rel = [r for r in d.get("relaxations") or [] if r.get("rank_by_cost") is not None]
    if rel:
        df = pd.DataFrame(rel).sort_values("rank_by_cost")[["short", "words", "relative_change", "total_cost_gbp"]]
        parts.append("<h3>(c) What to ask for: single changes that make the case feasible</h3>"
                     + table(df.head(15).rename(columns={"short": "change", "words": "in words",
                                                         "relative_change": "relative change",
                                                         "total_cost_gbp": "total cost £"}),
                             {"relative change": "share", "total cost £": "gbp"}))
    return "".join(parts)
