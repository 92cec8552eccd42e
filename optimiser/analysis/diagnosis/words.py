"""A diagnosis in the planner's words: the case's names for codes, each limit as a phrase, the conflict set as
one sentence, and the plain data (``Diagnosis.to_dict``) of the shortfalls, the conflict and the relaxations.
No solving here: the numbers come from :mod:`.relaxations` and :mod:`.conflict`.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from optimiser.analysis.diagnosis.model import Limit
from optimiser.analysis.diagnosis.relaxations import Shortfalls
from optimiser.case.tables import split_list
from optimiser.formatting import fte_words, pounds, year_ranges
from optimiser.model.data import ModelData

#: Order of the limits in a conflict sentence: the ones a planner sets most directly first.
SENTENCE_ORDER = {"budget": 0, "course_capacity": 1, "commissioning": 1, "placements": 2, "establishment": 3,
                  "absorption": 3, "run_out": 3, "recruitment_pools": 4, "mentoring": 5, "upskilling_source": 6,
                  "retention": 7}
#: How a relaxation of each block reads: (short change label, unit of the change).
CHANGE = {
    "placement_capacity": ("placements", "placement places"),
    "course_places": ("capacity", "places"),
    "recruitment_pool": ("pool", "recruits"),
    "funded_posts": ("posts", "FTE posts"),
    "spending_limit": ("budget", "£"),
    "target_minimum": ("target", "FTE"),
    "target_maximum": ("target maximum", "FTE"),
    "intake_rise": ("intake rise", "starts a year"),
    "intake_fall": ("intake fall", "starts a year"),
    "intake_floor": ("intake floor", "starts"),
    "absorption_growth": ("absorption", "FTE a year"),
    "local_fall": ("local fall", "FTE a year"),
    "workforce_held": ("run-out hold", "FTE"),
}


class Names:
    """The case's names for codes, and how each limit reads."""

    def __init__(self, data: ModelData):
        case = data.case
        self.years = data.years
        self.regions = dict(zip(case.table("regions")["region"], case.table("regions")["name"]))
        self.stps = dict(zip(case.table("stps")["stp"], case.table("stps")["name"]))
        self.groups = dict(zip(case.table("staff_groups")["staff_group"], case.table("staff_groups")["name"]))
        progs = case.table("programmes")
        self.programmes = dict(zip(progs["programme"], progs["name"]))
        self.sources = {k: _short(v) for k, v in zip(case.table("recruitment_sources")["source"],
                                                     case.table("recruitment_sources")["name"])}

    def group(self, code) -> str:
        return _lower(self.groups.get(code, code)) if code else "all staff groups"

    def scope(self, stp, region) -> str:
        if stp:
            return self.stps.get(stp, stp)
        if region:
            return self.regions.get(region, region)
        return "England"

    def where(self, stp, region) -> str:
        return "" if not stp and not region else f" in {self.scope(stp, region)}"

    def target(self, t: dict, maximum: bool = False) -> str:
        """A target as a planner says it: 'growth in mental health nurses in England ≥ 8,100 FTE by 2020/21'."""
        groups = split_list(t.get("staff_group"))
        fams = split_list(t.get("family"))
        if groups:
            who = _join([self.group(g) for g in groups])
        elif fams:
            who = _join([{"traditional": "traditional roles", "new_role": "new roles"}.get(f, f) for f in fams])
        else:
            who = "all staff"
        places = [self.stps.get(s, s) for s in split_list(t.get("stp"))] + \
                 [self.regions.get(r, r) for r in split_list(t.get("region"))]
        where = _join(places) if places else "England"
        op, value = ("≤", t["maximum_fte"]) if maximum else ("≥", t["minimum_fte"])
        if t["measure"] == "growth":
            return f"growth in {who} in {where} {op} {fte_words(value)} FTE by {t['year']}"
        return f"{who} in post in {where} {op} {fte_words(value)} FTE at the end of {t['year']}"

    def limit(self, lim: Limit, with_years: bool = True) -> str:
        """A limit in words, e.g. 'placement capacity in Greater Manchester 2017/18'."""
        years = f" {year_ranges(lim.years, self.years)}" if with_years and lim.years else ""
        where = self.where(lim.stp, lim.region)
        name = lim.name
        if name == "target_minimum":
            return self.target(lim.target)
        if name == "target_maximum":
            return self.target(lim.target, maximum=True)
        if name == "spending_limit":
            b = lim.budget
            lever = "" if b["lever"] == "all" else f"{b['lever']} "
            return f"the {b['budget']} {lever}budget{where} {lim.years[0]} (£{pounds(b['limit_gbp'])})"
        if name == "placement_capacity":
            return f"placement capacity{where}{years}"
        if name == "course_places":
            return f"the {_lower(self.programmes.get(lim.item, lim.item))} course capacity{where}{years}"
        if name == "recruitment_pool":
            return f"the {_lower(self.sources.get(lim.item, lim.item))} pool for {self.group(lim.staff_group)}{where}{years}"
        if name == "funded_posts":
            return f"funded posts for {self.group(lim.staff_group)}{where}{years}"
        if lim.family == "commissioning":
            course = _lower(self.programmes.get(lim.item, lim.item))
            what = {"intake_rise": "the limit on how fast the", "intake_fall": "the limit on how fast the",
                    "intake_floor": "the floor under the"}[name]
            how = {"intake_rise": " may rise", "intake_fall": " may fall", "intake_floor": ""}[name]
            return f"{what} {course} intake{where or ' in England'}{how}{years}"
        if name == "absorption_growth":
            return f"how fast services can absorb {self.group(lim.staff_group)}{where}{years}"
        if name == "local_fall":
            return f"how fast {self.group(lim.staff_group)} may fall{where}{years}"
        if name == "workforce_held":
            return f"holding {self.group(lim.staff_group)}{where} at the end-of-plan level in the run-out years{years}"
        if lim.family == "retention":
            return f"the retention limit of {lim.item} for {self.group(lim.staff_group)} (share of leavers it can keep)"
        if lim.family == "mentoring":
            return f"mentoring capacity of {self.group(lim.staff_group)} (share able to mentor)"
        if lim.family == "upskilling_source":
            return f"the cap on {_lower(self.programmes.get(lim.item, lim.item))} starts (share of the source group)"
        return f"{name.replace('_', ' ')}{where}{years}"


def conflict_sentence(limits: list[Limit], names: Names) -> str:
    """The conflict set as one sentence: '<targets> conflicts with: <the other limits>'."""
    targets = [lim for lim in limits if lim.family == "targets"]
    others = sorted((lim for lim in limits if lim.family != "targets"),
                    key=lambda lim: (SENTENCE_ORDER.get(lim.family, 9), lim.id))
    parts = _summarise(others, names)
    if targets:
        head = _join([names.limit(t) for t in targets])
        verb = "conflicts" if len(targets) == 1 else "conflict"
        if not parts:
            return (f"{_upper(head)} cannot be met by any plan: the case has no lever that can add these staff in "
                    f"time (the baseline, leavers and pipeline decide them).")
        return f"{_upper(head)} {verb} with: {'; '.join(parts)}."
    if len(parts) == 1:
        return (f"{_upper(parts[0])} cannot be met by any plan: the staff already in post (the baseline, "
                f"less leavers, plus the pipeline) break it.")
    return f"{_upper(parts[0])} conflicts with: {'; '.join(parts[1:])}."


def _summarise(limits: list[Limit], names: Names, most: int = 3) -> list[str]:
    """Limits in words, those alike beyond ``most`` to a group ('recruitment pools: ... for 8 staff groups')."""
    by: dict[tuple, list[Limit]] = {}
    for lim in limits:
        by.setdefault((lim.name, lim.item if lim.family != "retention" else "retention"), []).append(lim)
    out = []
    for (name, item), group in by.items():
        if len(group) <= most:
            out += [names.limit(lim) for lim in group]
            continue
        staff = list(dict.fromkeys(lim.staff_group for lim in group if lim.staff_group))
        scopes = list(dict.fromkeys((lim.stp, lim.region) for lim in group))
        years = list(dict.fromkeys(y for lim in group for y in lim.years))
        who = _join([names.group(g) for g in staff]) if len(staff) <= most else f"{len(staff)} staff groups"
        real = [s for s in scopes if s != (None, None)]
        if not real:
            where = ""
        elif len(real) <= most:
            where = " in " + _join([names.scope(*s) for s in real])
        else:
            kinds = {"STPs" if s[0] else "regions" for s in real}
            where = f" in {len(real)} {'areas' if len(kinds) > 1 else kinds.pop()}"
        when = f" {year_ranges(years, names.years)}" if years else ""
        if name == "recruitment_pool":
            what = f"the {_lower(names.sources.get(item, item))} pools for {who}"
        elif name == "course_places":
            what = f"{_lower(names.programmes.get(item, item))} course capacity"
        elif name == "placement_capacity":
            what = "placement capacity"
        elif name == "funded_posts":
            what = f"funded posts for {who}"
        elif name == "leavers_retained_limit":
            what = f"the retention limits for {who} ({len(group)} segments; shares of leavers they can keep)"
            where = when = ""
        elif name.startswith("mentor_capacity"):
            what = f"mentoring capacity of {who}"
        elif name == "starts_within_source_group":
            what = "caps on upskilling starts (share of the source group)"
        elif name == "spending_limit":
            what = f"{len(group)} budgets"
        else:
            what = f"{len(group)} {name.replace('_', ' ')} limits"
        out.append(f"{what}{where}{when}")
    return out


def conflict_dict(conflict: dict, names: Names) -> dict:
    limits = conflict["limits"]
    return {
        "sentence": conflict_sentence(limits, names),
        "irreducible": True,
        "narrowed_to_years": conflict["narrowed"],
        "limit_count": len(limits),
        "row_count": int(sum(lim.rows.size for lim in limits)),
        "limits": [limit_dict(lim, names) for lim in limits],
    }


def limit_dict(lim: Limit, names: Names) -> dict:
    values = lim.case_values[np.isfinite(lim.case_values)]
    same = values.size == lim.rows.size and values.size and np.allclose(values, values[0])
    return {
        "family": lim.family, "name": lim.name, "item": lim.item, "staff_group": lim.staff_group,
        "stp": lim.stp, "region": lim.region, "years": list(lim.years), "rows": int(lim.rows.size),
        "stps": lim.stps or None, "sense": "≥" if lim.sign[0] > 0 else "≤",
        "limit": float(values[0]) if same else None, "words": names.limit(lim),
    }


def relaxation_dict(lim: Limit, change: float | None, cost: float | None, names: Names) -> dict:
    label, unit = CHANGE.get(lim.name, (lim.family, ""))
    values = lim.case_values
    before = float(values[0]) if values.size and np.allclose(values, values[0]) else None
    lowering = lim.name == "target_minimum"
    after = None if before is None or change is None else before + (-change if lowering else change)
    scale = float(np.abs(values).max()) if values.size else 1.0
    relative = None if change is None else change / max(scale, 1.0)
    years = year_ranges(lim.years, names.years)
    per_year = lim.rows.size > 1 and lim.name not in ("spending_limit",)
    if change is None:
        words = f"relaxing {names.limit(lim)} alone does not make the case feasible"
        short = f"{label}: not enough alone"
    else:
        amount = f"£{pounds(change)}" if unit == "£" else f"{fte_words(change)}"
        sign = "−" if lowering else "+"
        short = f"{label} {sign}{amount}" + (" a year" if per_year else "")
        if lim.name == "target_minimum":
            words = f"lower {names.target(lim.target)} by {fte_words(change)} FTE (to {fte_words(after)})"
        elif lim.name == "target_maximum":
            words = f"raise the maximum of {names.target(lim.target, maximum=True)} by {fte_words(change)} FTE"
        elif lim.name == "spending_limit":
            words = f"raise {names.limit(lim)} by £{pounds(change)}" + (f" to £{pounds(after)}" if after else "")
        else:
            each = f" in each of {years}" if per_year else (f" in {years}" if years else "")
            to = f" (to {fte_words(after)})" if after is not None and not per_year else ""
            words = f"add {fte_words(change)} {unit} to {names.limit(lim, with_years=False)}{each}{to}"
    return {
        "family": lim.family, "name": lim.name, "item": lim.item, "staff_group": lim.staff_group, "stp": lim.stp,
        "region": lim.region, "years": list(lim.years), "change": change, "unit": unit, "per_year": per_year,
        "limit_before": before, "limit_after": after, "relative_change": relative, "total_cost_gbp": cost,
        "rank_by_cost": None, "rank_by_change": None, "short": short, "words": words,
    }


def elastic_dict(found: Shortfalls, names: Names) -> dict:
    """(a) in words: the least shortfalls, each target's, and the cheapest plan's cost."""
    if not found.hard:
        return {"status": "infeasible", "message": "The case has no hard target to fall short: the conflict is "
                "between other limits.", "weighted_shortfall_fte": None, "total_cost_gbp": None, "shortfalls": []}
    if found.weighted is None:
        return {"status": "infeasible",
                "message": "Even with every hard target allowed to fall short the case is infeasible: limits other "
                           "than targets conflict (see the conflict set).",
                "weighted_shortfall_fte": None, "total_cost_gbp": None, "shortfalls": []}
    shortfalls = []
    for lim, s in found.short:
        t = lim.target
        shortfalls.append({
            "target": t["target"], "description": t["description"], "year": t["year"], "measure": t["measure"],
            "family": t["family"], "staff_group": t["staff_group"], "region": t["region"], "stp": t["stp"],
            "priority": float(t["priority"]), "minimum_fte": float(t["minimum_fte"]),
            "achievable_fte": float(t["minimum_fte"]) - s, "shortfall_fte": s,
            "words": f"{names.target(t)}: at most {fte_words(float(t['minimum_fte']) - s)} FTE, "
                     f"{fte_words(s)} FTE short",
        })
    total = sum(s["shortfall_fte"] for s in shortfalls)
    return {"status": "optimal",
            "message": (f"Every other limit can be kept if {len(shortfalls)} hard target(s) fall short by "
                        f"{fte_words(total)} FTE in all (priority-weighted {fte_words(found.weighted)})."
                        if shortfalls else "No target needs to fall short."),
            "weighted_shortfall_fte": found.weighted, "total_cost_gbp": found.cost, "shortfalls": shortfalls}


def headline(conflict: dict, relaxations: list[dict]) -> str:
    """The diagnosis in two sentences: the conflict, and the cheapest single fix."""
    ok = [r for r in relaxations if r["change"] is not None]
    best = min(ok, key=lambda r: r["rank_by_cost"]) if ok else None
    text = "The case is infeasible. " + conflict.get("sentence", "")
    if best is not None:
        text += f" Cheapest single fix: {best['words']} (total cost £{pounds(best['total_cost_gbp'])})."
    return text


def _short(name: str) -> str:
    """A source's name without its parenthesis: 'Experienced domestic hires'."""
    return str(name).split(" (")[0]


def _lower(name: str) -> str:
    name = str(name)
    return name[:1].lower() + name[1:] if len(name) > 1 and not name[1].isupper() else name


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def rounded(v):
    if isinstance(v, dict):
        return {k: rounded(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [rounded(x) for x in v]
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return None if not math.isfinite(v) else round(v, 6) + 0.0
    if isinstance(v, np.integer):
        return int(v)
    if v is not None and not isinstance(v, (str, bool, int)) and pd.isna(v):
        return None
    return v
