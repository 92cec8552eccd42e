"""The re-plan case: the original case from the year after ``--through``, started from what happened.

It is an ordinary case folder (written beside the re-plan's outputs, so a planner can read, validate and
solve it again), derived from the original's files by these rules:

- **baseline** (``baseline_workforce``): the observed staff in post at the end of ``--through``;
- **pipeline**: the original cohorts still in training after ``--through``, plus every start in the years up to
  it whose course ends after it (the observed intakes where the actuals give them, else the plan's starts);
- **targets**: those of later years stand. A growth target counts growth over the original baseline, so it
  becomes a level target: its minimum (and maximum) plus the original baseline of the staff it counts;
- **commissioning**: each intake's ``baseline_intake`` is its starts in ``--through``; a floor keeps its
  starts, ``floor_share`` rescaled to the new baseline intake;
- **budgets** that end by ``--through`` go; the others start at the re-plan's first year, less the outlay of
  the years up to ``--through`` and the outlay still to come of courses started by then (their starts are the
  pipeline now, which carries no cost in the re-plan);
- rows of limit tables (and exits) named for years up to ``--through`` go;
- everything else (``case.yaml`` but ``first_year``, name and description; the other tables) is copied.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from optimiser.case import Case
from optimiser.case.files import load_yaml
from optimiser.case.rows import ORIGIN, read_csv
from optimiser.case.tables import NATIONAL, TABLES
from optimiser.case.years import parse_year, year_label
from optimiser.model.data import model_data

#: Files of the original case folder not copied: its scenarios, uncertainty ranges and sources describe the
#: original (the re-plan folder gets its own SOURCES.md), and scripts that derived its tables.
NOT_COPIED = (".*", "__pycache__", "scenarios", "uncertainty.yaml", "SOURCES.md", "*.py")

#: Limit or parameter tables whose rows may name a year (targets and budgets have their own rules).
DATED_TABLES = [name for name, spec in TABLES.items() if "year" in spec.row.model_fields and name != "targets"]


@dataclass
class Derived:
    """What the re-plan case was derived from, for the report.

    Attributes:
        starts: training starts of the years up to ``--through`` (programme, stp, staff_group, year,
            starts): observed where the actuals give intakes, else planned.
        outlay_before_gbp: per budget, the cash outlay the years up to ``--through`` took from it (£).
        notes: what a planner should know about the derivation, in words.
    """

    starts: pd.DataFrame
    outlay_before_gbp: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def replan_name(case: Case, through: str) -> str:
    return f"{case.name}_replan_{through.replace('/', '_')}"


def derive_replan_case(case: Case, plan: dict, actuals: pd.DataFrame, through: str, folder: Path) -> Derived:
    """Write the re-plan case of ``case`` after ``through`` into ``folder`` (replaced whole, never half-written).

    Args:
        case: the original case, loaded (no scenario).
        plan: the original plan's solution JSON (``allocations``).
        actuals: :func:`optimiser.replan.actuals.read_actuals`'s table.
        through: the last year of actuals.
        folder: where the case folder goes.
    """
    data = model_data(case)
    k = case.years.index(through)
    done = case.years[: k + 1]
    alloc = pd.DataFrame(plan.get("allocations") or [], columns=["lever", "item", "stp", "staff_group", "year",
                                                                 "quantity", "cost_gbp"])
    starts = observed_starts(case, alloc, actuals, done)
    derived = Derived(starts=starts)
    tables: dict[str, pd.DataFrame] = {}

    obs = actuals[actuals["year"] == through]
    tables["baseline_workforce"] = (obs[["stp", "staff_group", "fte_in_post"]].sort_values(["stp", "staff_group"])
                                    .assign(fte_in_post=lambda d: d["fte_in_post"].map(_num)))
    tables["pipeline"] = _pipeline(case, starts, through)
    tables["targets"] = _targets(case, data, through, derived)
    if "commissioning" in case.tables:
        tables["commissioning"] = _commissioning(case, data, starts, through, derived)
    if "budgets" in case.tables:
        tables["budgets"] = _budgets(case, data, alloc, actuals, starts, done, derived)
    for name in DATED_TABLES:
        if name in case.tables:
            raw = _raw(case, name)
            tables[name] = raw[~raw["year"].isin(done)]

    settings = load_yaml((case.folder / "case.yaml").read_text(encoding="utf-8-sig"))
    settings.update(name=replan_name(case, through), first_year=year_label(parse_year(through) + 1),
                    description=f"Re-plan of {case.name} from the staff in post at the end of {through} "
                                f"(optimiser replan); the original: {settings.get('description', '')}".strip())
    _write_folder(case, folder, settings, tables)
    return derived


def observed_starts(case: Case, alloc: pd.DataFrame, actuals: pd.DataFrame, done: list[str]) -> pd.DataFrame:
    """Starts of each programme, STP and year up to ``--through``: the plan's, or the observed intakes of a group
    split across the programmes into it in the plan's proportions for that STP and year (else the plan's national
    proportions that year, else equally)."""
    progs = case.table("programmes")[["programme", "staff_group"]]
    stps = case.table("stps")["stp"]
    grid = (progs.merge(pd.DataFrame({"stp": stps}), how="cross").merge(pd.DataFrame({"year": done}), how="cross"))
    planned = (alloc[alloc["lever"] == "training"].rename(columns={"item": "programme"})
               .groupby(["programme", "stp", "year"], as_index=False)["quantity"].sum())
    grid = grid.merge(planned, on=["programme", "stp", "year"], how="left").fillna({"quantity": 0.0})
    grid = grid.merge(actuals[["stp", "staff_group", "year", "intakes"]], on=["stp", "staff_group", "year"], how="left")
    local = grid.groupby(["staff_group", "stp", "year"])["quantity"].transform("sum")
    national = grid.groupby(["programme", "year"])["quantity"].transform("sum")
    national_group = grid.assign(n=national).groupby(["staff_group", "stp", "year"])["n"].transform("sum")
    count = grid.groupby(["staff_group", "stp", "year"])["programme"].transform("size")
    share = np.where(local > 0, grid["quantity"] / local.where(local > 0, 1),
                     np.where(national_group > 0, national / national_group.where(national_group > 0, 1), 1.0 / count))
    observed = grid["intakes"].notna()
    grid["starts"] = np.where(observed, grid["intakes"].fillna(0) * share, grid["quantity"])
    grid["observed"] = observed
    return grid[["programme", "staff_group", "stp", "year", "starts", "observed"]]


def _raw(case: Case, name: str) -> pd.DataFrame:
    """A table as the planner wrote it (cells as text), without origin columns."""
    file = getattr(case.config.tables, name)
    df, _ = read_csv(case.folder, file, TABLES[name], name in case.config.tables.model_fields_set)
    if df is None:
        return pd.DataFrame(columns=list(TABLES[name].row.model_fields))
    return df.drop(columns=ORIGIN)


def _num(v: float) -> str:
    """A number as written in a case table: shortest exact text, whole numbers without '.0'."""
    v = float(v) + 0.0
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def _pipeline(case: Case, starts: pd.DataFrame, through: str) -> pd.DataFrame:
    end = parse_year(through)
    duration = dict(zip(case.table("programmes")["programme"], case.table("programmes")["duration_years"]))
    s = starts[starts["starts"] > 0].copy()
    q = s["year"].map(parse_year) + s["programme"].map(duration) - 1
    s = s[q > end].assign(qualification_year=[year_label(y) for y in q[q > end]], students=lambda d: d["starts"])
    old = case.table("pipeline")
    old = old[old["qualification_year"].map(parse_year) > end] if len(old) else old
    columns = ["stp", "programme", "qualification_year", "students"]
    both = pd.concat([part[columns] for part in (old, s) if len(part)] or [pd.DataFrame(columns=columns)],
                     ignore_index=True)
    both = both.groupby(["stp", "programme", "qualification_year"], as_index=False)["students"].sum()
    return both.assign(students=both["students"].map(_num))


def _targets(case: Case, data, through: str, derived: Derived) -> pd.DataFrame:
    raw = _raw(case, "targets")
    typed = case.table("targets").set_index("target")
    later = raw["year"].map(parse_year) > parse_year(through)
    dropped = int((~later).sum())
    if dropped:
        derived.notes.append(f"{dropped} target(s) of years up to {through} are history and not re-planned")
    raw = raw[later].copy()
    first = case.years[0]
    for i in raw.index[raw["measure"] == "growth"]:
        t = typed.loc[raw.at[i, "target"]]
        g, s = data.target_cells(t)
        base = float(data.baseline[g, s].sum())
        raw.at[i, "measure"] = "level"
        raw.at[i, "minimum_fte"] = _num(t["minimum_fte"] + base)
        if pd.notna(t["maximum_fte"]):
            raw.at[i, "maximum_fte"] = _num(t["maximum_fte"] + base)
        raw.at[i, "description"] = (f"{t['description']} [re-plan: growth of {t['minimum_fte']:,.6g} FTE over the "
                                    f"{base:,.6g} FTE in post before {first}, as a level]")
    return raw


def _commissioning(case: Case, data, starts: pd.DataFrame, through: str, derived: Derived) -> pd.DataFrame:
    raw = _raw(case, "commissioning")
    typed = case.table("commissioning").set_index(["scope", "programme"])  # resolved: sorted by its keys
    last = starts[starts["year"] == through].pivot_table(index="programme", columns="stp", values="starts",
                                                         aggfunc="sum").reindex(columns=data.stps, fill_value=0.0)
    raw = raw.copy()
    for i in range(len(raw)):
        scope, programme = raw["scope"].iat[i].strip() or NATIONAL, raw["programme"].iat[i].strip()
        row = typed.loc[(scope, programme)]
        intake = float(last.loc[programme].to_numpy()[data.members(scope)].sum()) if programme in last.index else 0.0
        raw.iat[i, raw.columns.get_loc("baseline_intake")] = _num(intake)
        floor = row["floor_share"]
        if floor is None or pd.isna(floor) or floor == 0:
            continue
        least = floor * row["baseline_intake"]
        if intake > 0:
            raw.iat[i, raw.columns.get_loc("floor_share")] = _num(least / intake)
        elif least > 0:
            raw.iat[i, raw.columns.get_loc("floor_share")] = ""
            derived.notes.append(f"commissioning {programme} ({scope}): no starts in {through}, so its floor of "
                                 f"{least:,.6g} starts a year cannot be written as a share of it and is dropped")
    return raw


def _budgets(case: Case, data, alloc: pd.DataFrame, actuals: pd.DataFrame, starts: pd.DataFrame, done: list[str],
             derived: Derived) -> pd.DataFrame:
    """Budgets less what the years up to ``--through`` took from them (their own outlay and courses' outlay to come)."""
    raw = _raw(case, "budgets").reset_index(drop=True)
    typed = case.table("budgets").reset_index(drop=True)
    years = data.years
    k = len(done) - 1
    spend = _outlay_before(case, data, alloc, actuals, starts, done)  # (lever, stp, model year) -> £
    keep = []
    for i, b in typed.iterrows():
        t0 = years.index(b["from_year"]) if b["from_year"] else 0
        t1 = years.index(b["to_year"]) if b["to_year"] else data.T_plan - 1
        if t1 <= k:
            derived.notes.append(f"budget {b['budget']} ends by {done[-1]} and is not re-planned")
            continue
        levers = ["training", "recruitment", "retention", "exit"] if b["lever"] == "all" else [b["lever"]]
        inside = spend[spend["lever"].isin(levers) & spend["stp"].isin(data.stps[data.members(b["scope"])])
                       & spend["t"].between(t0, t1)]
        used = float(inside["outlay_gbp"].sum())
        derived.outlay_before_gbp[b["budget"]] = used
        left = b["limit_gbp"] - used
        if left < 0:
            derived.notes.append(f"budget {b['budget']}: the years up to {done[-1]} took £{used:,.0f}, more than its "
                                 f"£{b['limit_gbp']:,.0f}; the re-plan has £0 of it left")
        raw.at[i, "limit_gbp"] = _num(max(left, 0.0))
        if t0 <= k:
            raw.at[i, "from_year"] = ""
        keep.append(i)
    return raw.loc[keep]


def _outlay_before(case: Case, data, alloc: pd.DataFrame, actuals: pd.DataFrame, starts: pd.DataFrame,
                   done: list[str]) -> pd.DataFrame:
    """Cash outlay (£, undiscounted) by lever, STP and model year ``t`` of the decisions of the years up to
    ``--through``: the starts (each place's cost spread over its course years, as budgets count it), and the
    plan's recruitment, retention and exits, recruitment at the observed recruits where the actuals give them
    (at the plan's cost per recruit there, else the cheapest open source's)."""
    progs = case.table("programmes").set_index("programme")
    parts = []
    s = starts[starts["starts"] > 0]
    for r in s.itertuples(index=False):
        d = int(progs.at[r.programme, "duration_years"])
        u = data.years.index(r.year)
        ts = [t for t in range(u, u + d) if t < data.T]
        parts += [("training", r.stp, t, r.starts * progs.at[r.programme, "cost_per_place_gbp"] / d) for t in ts]
    before = alloc[alloc["year"].isin(done)]
    lever_cost = before[before["lever"] != "training"]
    rec = lever_cost[lever_cost["lever"] == "recruitment"]
    observed = actuals[actuals["recruits"].notna()][["stp", "staff_group", "year", "recruits"]]
    if len(observed):
        planned = rec.groupby(["stp", "staff_group", "year"], as_index=False)[["quantity", "cost_gbp"]].sum()
        costs = case.table("recruitment_costs")
        cheapest = costs.groupby(["area", "staff_group"], as_index=False)["cost_per_recruit_gbp"].min() \
            .rename(columns={"area": "stp"})
        o = observed.merge(planned, on=["stp", "staff_group", "year"], how="left") \
            .merge(cheapest, on=["stp", "staff_group"], how="left")
        unit = np.where(o["quantity"].fillna(0) > 0, o["cost_gbp"] / o["quantity"].where(o["quantity"] > 0, 1),
                        o["cost_per_recruit_gbp"].fillna(0.0))
        parts += [("recruitment", r.stp, data.years.index(r.year), r.recruits * u)
                  for r, u in zip(o.itertuples(index=False), unit)]
        key = observed.set_index(["stp", "staff_group", "year"]).index
        rec_kept = ~pd.MultiIndex.from_frame(lever_cost[["stp", "staff_group", "year"]]).isin(key) | \
            (lever_cost["lever"] != "recruitment").to_numpy()
        lever_cost = lever_cost[rec_kept]
    parts += [(r.lever, r.stp, data.years.index(r.year), r.cost_gbp) for r in lever_cost.itertuples(index=False)]
    return pd.DataFrame(parts, columns=["lever", "stp", "t", "outlay_gbp"])


def _write_folder(case: Case, folder: Path, settings: dict, tables: dict[str, pd.DataFrame]) -> None:
    """Copy the case with the derived tables into ``folder`` via a temporary folder, then swap it in."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(case.folder, tmp, ignore=shutil.ignore_patterns(*NOT_COPIED))
    (tmp / "SOURCES.md").write_text(
        f"# {settings['name']}\n\nDerived by `optimiser replan` from the case `{case.name}` (sha256 "
        f"{case.content_hash}) and observed actuals; the rules are in `optimiser/replan/derive.py`. The sources of "
        f"every other number are the original case's SOURCES.md.\n", encoding="utf-8")
    (tmp / "case.yaml").write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for name, df in tables.items():
        columns = list(df.columns) if len(df.columns) else list(TABLES[name].row.model_fields)
        df.to_csv(tmp / getattr(case.config.tables, name), index=False, columns=columns, lineterminator="\n")
    old = folder.with_name(f".{folder.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    tmp.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
