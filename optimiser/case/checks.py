"""Checks across rows and tables: duplicates, references, years and consistency."""
from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.case.config import CaseConfig
from optimiser.case.problems import MAX_PER_FILE, Problem
from optimiser.case.tables import NATIONAL, TABLES, split_list
from optimiser.case.years import parse_year


#: Every column the checks below read (a key of one table may be a plain column of another). A scenario
#: change to any other column, a key excepted (keys cannot be changed), needs only the checks of its own
#: cells: ``Case.with_changes`` skips the checks across rows and tables then. tests/test_case_scenarios.py
#: keeps this list complete.
CROSS_CHECKED = frozenset({
    "area", "cost_per_avoided_leaver_gbp", "duration_years", "family", "from_year", "integer", "kind", "maximum_fte",
    "mentor_group", "min_cohort", "minimum_fte", "penalty_gbp_per_fte", "programme", "qualification_year", "region",
    "scope", "segment", "share_of_leavers", "source", "source_group", "staff_group", "stp", "students_per_mentor",
    "to_year", "year",
})


def _at(row, expected: str, column: str | None = None, value=None) -> Problem:
    return Problem(str(row["_file"]), expected, row=int(row["_row"]), column=column, value=value)


def check_case(config: CaseConfig, tables: dict[str, pd.DataFrame], incomplete: frozenset[str] = frozenset(),
               settings: str = "case.yaml") -> list[Problem]:
    """Every problem that needs more than one row to see (``settings``: where the settings were read).

    ``incomplete`` names tables some of whose rows failed their own checks (and were left out):
    references to their codes are not checked, so a bad cell is not also reported as unknown codes.
    """
    problems: list[Problem] = []
    first, last = parse_year(config.first_year), parse_year(config.last_year)
    if first > last:
        problems.append(Problem(settings, f"last_year must not be before first_year ({config.first_year})",
                                column="last_year", value=config.last_year))
    years = set(config.years)

    for name, df in tables.items():
        dup = df.duplicated(list(TABLES[name].keys), keep="first")
        if not dup.any():
            continue
        for _, row in df[dup].head(MAX_PER_FILE).iterrows():
            key = ", ".join(f"{k}={row[k]}" for k in TABLES[name].keys if row[k] is not None)
            problems.append(_at(row, f"duplicate key ({key}); each key may appear once", TABLES[name].keys[0]))

    empty = {name for name in ("regions", "stps", "staff_groups")
             if name in tables and tables[name].empty and name not in incomplete}
    for name in sorted(empty):
        problems.append(Problem(getattr(config.tables, name), "has no rows; expected at least one row"))

    def codes(name: str) -> set | None:  # None: some rows were left out, so the codes are not all known
        return None if name in incomplete | empty else set(tables[name][TABLES[name].keys[0]])

    regions, stps, groups = codes("regions"), codes("stps"), codes("staff_groups")
    programmes, sources = codes("programmes"), codes("recruitment_sources")
    areas = None if regions is None or stps is None else regions | stps | {NATIONAL}
    for code in sorted(set(tables["regions"]["region"]) & set(tables["stps"]["stp"])):
        problems.append(Problem(config.tables.stps, "STP and region codes must differ", column="stp", value=code))

    def refs(name: str, column: str, known: set | None, what: str, optional: bool = False) -> None:
        df = tables.get(name)
        if df is None or known is None:
            return
        bad = ~df[column].isin(known) & (df[column].notna() | (not optional))
        if not bad.any():
            return
        for _, row in df[bad].head(MAX_PER_FILE).iterrows():  # CaseError lists at most these per file
            problems.append(_at(row, f"unknown {what}; expected one of {_few(known)}", column, row[column]))
        if bad.sum() > MAX_PER_FILE:
            problems.append(Problem(str(df["_file"].iat[0]), f"and {int(bad.sum()) - MAX_PER_FILE:,} more rows with an "
                                                            f"unknown {what}", column=column))

    refs("stps", "region", regions, "region")
    refs("baseline_workforce", "stp", stps, "STP")
    refs("baseline_workforce", "staff_group", groups, "staff group")
    refs("leaver_rates", "area", areas, "area (england, a region or an STP)")
    refs("leaver_rates", "staff_group", groups, "staff group")
    for column in ("staff_group", "source_group", "mentor_group"):
        refs("programmes", column, groups, "staff group", optional=column != "staff_group")
    refs("pipeline", "stp", stps, "STP")
    refs("pipeline", "programme", programmes, "programme")
    refs("recruitment_costs", "area", areas, "area (england, a region or an STP)")
    refs("recruitment_costs", "source", sources, "recruitment source")
    refs("recruitment_costs", "staff_group", groups, "staff group")
    refs("recruitment_pools", "scope", areas, "scope (england, a region or an STP)")
    refs("recruitment_pools", "source", sources, "recruitment source")
    refs("recruitment_pools", "staff_group", groups, "staff group", optional=True)
    for name in ("retention_segments", "exits"):
        refs(name, "area", areas, "area (england, a region or an STP)")
        refs(name, "staff_group", groups, "staff group")
    refs("placement_capacity", "scope", areas, "scope (england, a region or an STP)")
    refs("course_capacity", "scope", areas, "scope (england, a region or an STP)")
    refs("course_capacity", "programme", programmes, "programme")
    refs("establishment", "scope", areas, "scope (england, a region or an STP)")
    refs("establishment", "staff_group", groups, "staff group")
    refs("budgets", "scope", areas, "scope (england, a region or an STP)")

    refs("commissioning", "scope", areas, "scope (england, a region or an STP)")
    refs("commissioning", "programme", programmes, "programme")
    refs("absorption", "area", areas, "area (england, a region or an STP)")
    refs("absorption", "staff_group", groups, "staff group")

    horizon = f"the planning horizon {config.first_year}–{config.last_year}"
    model_years = set(config.model_years)
    if config.run_out_years:
        horizon_and_run_out = f"{horizon} and its {config.run_out_years} run-out years (to {config.model_years[-1]})"
    else:
        horizon_and_run_out = horizon
    for name in ("recruitment_pools", "exits", "placement_capacity", "course_capacity", "establishment", "targets"):
        df = tables.get(name)
        if df is None:
            continue
        known, words = (years, horizon + "; targets apply only in planning years") if name == "targets" else \
            (model_years, horizon_and_run_out)
        outside = df["year"].notna() & ~df["year"].isin(known)
        for _, row in df[outside].iterrows() if outside.any() else ():
            problems.append(_at(row, f"year outside {words}", "year", row["year"]))
    if "budgets" in tables:
        for _, row in tables["budgets"].iterrows():
            for column in ("from_year", "to_year"):
                if row[column] is not None and row[column] not in model_years:
                    problems.append(_at(row, f"year outside {horizon_and_run_out}", column, row[column]))
            if row["from_year"] and row["to_year"] and parse_year(row["from_year"]) > parse_year(row["to_year"]):
                problems.append(_at(row, "to_year must not be before from_year", "to_year", row["to_year"]))

    problems += _check_programmes(tables, first, last)
    if "recruitment_costs" not in incomplete and groups is not None and sources is not None:
        problems += _check_sources(tables, groups, sources)
    problems += _check_targets(tables, groups, regions, stps)
    problems += _check_absorption(tables)
    return problems


def _check_absorption(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """A penalty belongs to a soft absorption limit only."""
    df = tables.get("absorption")
    if df is None:
        return []
    bad = (df["kind"] == "hard") & df["penalty_gbp_per_fte"].notna()
    if not bad.any():
        return []
    return [_at(row, "a penalty applies only to a soft limit; set kind to soft or clear the penalty",
                "penalty_gbp_per_fte", row["penalty_gbp_per_fte"]) for _, row in df[bad].iterrows()]


def _upskilling_cycle(progs: pd.DataFrame) -> list[Problem]:
    """Upskilling routes that lead back to where they start (A→B→A): the LP could move staff round and
    round, so a case may not have them (cases/README.md)."""
    routes = progs[progs["source_group"].notna() & (progs["source_group"] != progs["staff_group"])]
    step: dict[str, list] = {}
    for _, row in routes.iterrows():
        step.setdefault(row["source_group"], []).append(row)

    def back_to(start: str, group: str, path: list, seen: set) -> list | None:
        for row in step.get(group, []):
            if row["staff_group"] == start:
                return path + [row]
            if row["staff_group"] not in seen:
                seen.add(row["staff_group"])
                found = back_to(start, row["staff_group"], path + [row], seen)
                if found:
                    return found
        return None

    for start in sorted(step):
        found = back_to(start, start, [], {start})
        if found:
            names = " → ".join(r["programme"] for r in found)
            return [_at(found[-1], f"upskilling routes make a cycle back to {start} ({names}): staff could be moved "
                                   "round it; remove one direction", "source_group", found[-1]["source_group"])]
    return []


def _check_programmes(tables: dict[str, pd.DataFrame], first: int, last: int) -> list[Problem]:
    progs = tables["programmes"]
    problems = _upskilling_cycle(progs)
    same = (progs["source_group"].notna() & (progs["source_group"] == progs["staff_group"])).to_numpy()
    no_ratio = (progs["mentor_group"].notna() & progs["students_per_mentor"].isna()).to_numpy()
    cohort = ((progs["min_cohort"] > 0) & ~progs["integer"].astype(bool)).to_numpy()
    for i in np.flatnonzero(same | no_ratio | cohort):  # each bad programme's problems in the order of its cells
        row = progs.iloc[i]
        if same[i]:
            problems.append(_at(row, "the source group must differ from the group the programme qualifies into",
                                "source_group", row["source_group"]))
        if no_ratio[i]:
            problems.append(_at(row, "empty cell; a programme with a mentor group needs students_per_mentor",
                                "students_per_mentor"))
        if cohort[i]:
            problems.append(_at(row, "a minimum cohort needs integer: true", "min_cohort", row["min_cohort"]))
    pipe = tables.get("pipeline")
    if pipe is not None and not pipe.empty:
        duration = pipe["programme"].map(dict(zip(progs["programme"], progs["duration_years"])))
        q = pipe["qualification_year"].map({y: parse_year(y) for y in pipe["qualification_year"].unique()})
        latest = first - 1 + duration
        bad = duration.notna() & ~((q >= first) & (q <= latest))
        for i in pipe.index[bad]:
            row, last_ = pipe.loc[i], int(latest[i])
            problems.append(_at(
                row,
                f"students in training at the baseline qualify between {first}/{(first + 1) % 100:02d} and "
                f"{last_}/{(last_ + 1) % 100:02d} (the programme lasts {int(duration[i])} years)",
                "qualification_year", row["qualification_year"]))
    return problems


def _check_sources(tables: dict[str, pd.DataFrame], groups: set, sources: set) -> list[Problem]:
    """A pool for one staff group needs the source to be open to it (unknown codes are reported elsewhere)."""
    problems = []
    pools = tables.get("recruitment_pools")
    if pools is None:
        return problems
    open_pairs = pd.MultiIndex.from_frame(tables["recruitment_costs"][["source", "staff_group"]])
    known = pools[pools["staff_group"].isin(groups) & pools["source"].isin(sources)]
    if known.empty:
        return problems
    closed = ~pd.MultiIndex.from_frame(known[["source", "staff_group"]]).isin(open_pairs)
    for _, row in known[closed].iterrows():
        problems.append(_at(row, f"source '{row['source']}' is not open to this staff group "
                                 "(no row in recruitment_costs)", "staff_group", row["staff_group"]))
    return problems


def _check_retention(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    seg = tables.get("retention_segments")
    if seg is None or seg.empty:
        return []
    problems = []
    seg = seg.sort_values(["area", "staff_group", "segment"])
    by = seg.groupby(["area", "staff_group"], sort=False)
    previous = by["cost_per_avoided_leaver_gbp"].shift()
    for i in seg.index[seg["cost_per_avoided_leaver_gbp"] < previous]:
        problems.append(_at(seg.loc[i], f"a later segment may not cost less than an earlier one ({previous[i]:g})",
                            "cost_per_avoided_leaver_gbp", seg.at[i, "cost_per_avoided_leaver_gbp"]))
    total = by["share_of_leavers"].transform("sum")
    last = ~seg.duplicated(["area", "staff_group"], keep="last")
    for i in seg.index[(total > 1 + 1e-9) & last]:
        problems.append(_at(seg.loc[i], "the segments of one staff group and area may keep at most all leavers "
                                        f"(shares add to {total[i]:g}, expected ≤ 1)", "share_of_leavers"))
    return problems


def _check_targets(tables, groups: set | None, regions: set | None, stps: set | None) -> list[Problem]:
    """Target filters name known codes and select some staff group (``None``: codes not all known)."""
    tg = tables["targets"].reset_index(drop=True)
    items = {c: _items(tg[c]) for c in ("family", "staff_group", "region", "stp")}
    filters = (("staff_group", groups, "staff group"), ("region", regions, "region"), ("stp", stps, "STP"))
    unknown = {c: items[c][~items[c].isin(known)] for c, known, _ in filters if known is not None}
    named_unknown = tg.index.isin([i for bad in unknown.values() for i in bad.index])
    # a staff group left out might be the one selected, so nothing is said then
    selects_none = ~_selects_a_group(tg, items, tables["staff_groups"]) & ~named_unknown & (groups is not None)
    below = (tg["maximum_fte"].notna() & (tg["maximum_fte"] < tg["minimum_fte"])).to_numpy()
    penalty = ((tg["kind"] == "hard") & tg["penalty_gbp_per_fte"].notna()).to_numpy()
    problems = []
    for i in np.flatnonzero(named_unknown | selects_none | below | penalty):  # a bad target's problems in cell order
        row = tg.iloc[i]
        for column, known, what in filters:
            if column in unknown:
                problems += [_at(row, f"unknown {what}; expected one of {_few(known)}", column, item)
                             for item in unknown[column][unknown[column].index == i]]
        if selects_none[i]:
            problems.append(_at(row, "the family and staff_group filters select no staff group", "staff_group",
                                row["staff_group"]))
        if below[i]:
            problems.append(_at(row, f"maximum must not be below the minimum ({row['minimum_fte']:g})",
                                "maximum_fte", row["maximum_fte"]))
        if penalty[i]:
            problems.append(_at(row, "a penalty applies only to a soft target; set kind to soft or clear the penalty",
                                "penalty_gbp_per_fte", row["penalty_gbp_per_fte"]))
    return problems


def _items(column: pd.Series) -> pd.Series:
    """The items of a ``;``-separated filter column (:func:`split_list`), indexed by their row."""
    items = column.dropna().astype(str).str.split(";").explode().str.strip()
    return items[items.notna() & (items != "")]


def _selects_a_group(tg: pd.DataFrame, items: dict[str, pd.Series], staff_groups: pd.DataFrame) -> np.ndarray:
    """For each target: whether its family and staff_group filters (blank: all) select some staff group."""
    fam = items["family"].rename("family").rename_axis("t").reset_index()
    by_family = fam.merge(staff_groups[["staff_group", "family"]], on="family")[["t", "staff_group"]]
    by_group = items["staff_group"].rename("staff_group").rename_axis("t").reset_index()
    by_group = by_group[by_group["staff_group"].isin(staff_groups["staff_group"])]
    both = by_family.merge(by_group, on=["t", "staff_group"])
    has_family, has_group = tg.index.isin(items["family"].index), tg.index.isin(items["staff_group"].index)
    return np.select([has_family & has_group, has_family, has_group],
                     [tg.index.isin(both["t"]), tg.index.isin(by_family["t"]), tg.index.isin(by_group["t"])],
                     default=len(staff_groups) > 0)


def check_resolved(tables: dict[str, pd.DataFrame], config: CaseConfig) -> list[Problem]:
    """After broadcasting: every STP and staff group must have a leaver rate, and each STP's
    retention segments (which may mix national, regional and STP rows) must be consistent."""
    problems = _check_retention(tables)
    rates = tables["leaver_rates"]
    have = set(zip(rates["area"], rates["staff_group"]))
    missing = [(s, g) for s in tables["stps"]["stp"] for g in tables["staff_groups"]["staff_group"] if (s, g) not in have]
    if not missing:
        return problems
    shown = "; ".join(f"{g} in {s}" for s, g in missing[:5]) + (f"; and {len(missing) - 5} more" if len(missing) > 5 else "")
    return problems + [Problem(config.tables.leaver_rates, f"no leaver rate for {shown}; add a national (england) row "
                                                           "for each staff group", column="leaver_rate")]


def _few(known: set) -> str:
    items = sorted(str(k) for k in known)
    return ", ".join(items[:8]) + (f", … ({len(items)} in all)" if len(items) > 8 else "")
