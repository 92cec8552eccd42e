"""``optimiser new-case``: a small case to start from, every table with an example row that says what it means.

The example is one region of two STPs, two staff groups and three planning years. It validates and
solves (tests/test_case_template.py). Every number in it is an illustrative assumption, not a source:
SOURCES.md in the new case says so, and the planner replaces them.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from optimiser.case.convert import read_content, write_folder, write_workbook
from optimiser.case.tables import TABLES

FIRST, LAST = "2024/25", "2026/27"

SETTINGS = {
    "description": "One region, two STPs, two staff groups, 2024/25 to 2026/27. Every number is an illustrative "
                   "example: replace them with your own and cite a source for each in SOURCES.md.",
    "first_year": FIRST, "last_year": LAST, "price_base_year": FIRST, "discount_rate": 0.035, "run_out_years": 0,
}

#: Each table: what its example rows say, in words, and the rows (column: cell as text; blank = "").
TABLES_EXAMPLE: dict[str, tuple[str, list[dict[str, str]]]] = {
    "regions": ("One region, north.", [
        {"region": "north", "name": "North"}]),
    "stps": ("Two STPs of the north region, with their populations (millions): their reference shares of growth.", [
        {"stp": "stp_a", "name": "Example STP A", "region": "north", "population_millions": "1.2", "need": ""},
        {"stp": "stp_b", "name": "Example STP B", "region": "north", "population_millions": "0.8", "need": ""}]),
    "staff_groups": ("Mental health nurses (traditional roles; 30% of them can mentor students) and peer support "
                     "workers (new roles).", [
        {"staff_group": "mh_nurse", "name": "Mental health nurse", "family": "traditional", "mentor_share": "0.3"},
        {"staff_group": "peer_support", "name": "Peer support worker", "family": "new_role", "mentor_share": ""}]),
    "baseline_workforce": ("Staff in post (FTE) in each STP at the start of 2024/25.", [
        {"stp": "stp_a", "staff_group": "mh_nurse", "fte_in_post": "600"},
        {"stp": "stp_b", "staff_group": "mh_nurse", "fte_in_post": "400"},
        {"stp": "stp_a", "staff_group": "peer_support", "fte_in_post": "30"},
        {"stp": "stp_b", "staff_group": "peer_support", "fte_in_post": "20"}]),
    "leaver_rates": ("10% of nurses leave a year everywhere (an england row is broadcast to every STP); 20% of peer "
                     "support workers.", [
        {"area": "england", "staff_group": "mh_nurse", "leaver_rate": "0.1"},
        {"area": "england", "staff_group": "peer_support", "leaver_rate": "0.2"}]),
    "programmes": ("A three-year nursing degree (£50,000 a place; 80% complete, 90% of them take a post; each student "
                   "uses one placement and a third of a nurse mentor) and a one-year peer support course.", [
        {"programme": "nursing_degree", "name": "Mental health nursing degree", "staff_group": "mh_nurse",
         "source_group": "", "duration_years": "3", "completion_rate": "0.8", "take_up_rate": "0.9",
         "cost_per_place_gbp": "50000", "placement_use": "1", "mentor_group": "mh_nurse", "students_per_mentor": "3",
         "max_source_share": "", "integer": "false", "min_cohort": "0"},
        {"programme": "peer_support_course", "name": "Peer support worker course", "staff_group": "peer_support",
         "source_group": "", "duration_years": "1", "completion_rate": "0.9", "take_up_rate": "0.9",
         "cost_per_place_gbp": "3000", "placement_use": "0", "mentor_group": "", "students_per_mentor": "",
         "max_source_share": "", "integer": "false", "min_cohort": "0"}]),
    "pipeline": ("40 nursing students already in training in STP A qualify at the end of 2024/25.", [
        {"stp": "stp_a", "programme": "nursing_degree", "qualification_year": FIRST, "students": "40"}]),
    "recruitment_sources": ("One source: experienced staff hired in England.", [
        {"source": "domestic", "name": "Experienced domestic hires"}]),
    "recruitment_costs": ("A domestic nurse hire costs £5,000 and 85% stay their first year; a peer support worker "
                          "£1,500 and 80%. A source is open to a group only where a row gives its cost.", [
        {"area": "england", "source": "domestic", "staff_group": "mh_nurse", "cost_per_recruit_gbp": "5000",
         "first_year_retention": "0.85"},
        {"area": "england", "source": "domestic", "staff_group": "peer_support", "cost_per_recruit_gbp": "1500",
         "first_year_retention": "0.8"}]),
    "recruitment_pools": ("At most 120 domestic nurse hires a year across England (shared by the STPs).", [
        {"scope": "england", "source": "domestic", "staff_group": "mh_nurse", "year": "", "pool_fte": "120"}]),
    "retention_segments": ("Retention schemes can keep up to 20% of the nurses who would leave, at £6,000 each a "
                           "year.", [
        {"area": "england", "staff_group": "mh_nurse", "segment": "1", "share_of_leavers": "0.2",
         "cost_per_avoided_leaver_gbp": "6000"}]),
    "exits": ("Planned exits of peer support workers are allowed, at most 2 FTE per STP a year at £10,000 each.", [
        {"area": "england", "staff_group": "peer_support", "year": "", "cost_per_exit_gbp": "10000",
         "max_exits_fte": "2"}]),
    "placement_capacity": ("300 student placement places a year in the region.", [
        {"scope": "north", "year": "", "placements": "300"}]),
    "course_capacity": ("At most 150 nursing degree starts a year in England.", [
        {"scope": "england", "programme": "nursing_degree", "year": "", "places": "150"}]),
    "establishment": ("1,200 funded nurse posts in the region.", [
        {"scope": "north", "staff_group": "mh_nurse", "year": "", "posts_fte": "1200"}]),
    "budgets": ("£30m of training outlay over the three years, for England.", [
        {"budget": "training_envelope", "scope": "england", "lever": "training", "from_year": "", "to_year": "",
         "limit_gbp": "30000000"}]),
    "targets": ("A hard target: 60 more nurses in post by the end of 2026/27; a soft one: 20 more peer support "
                "workers, at a penalty of £200,000 per FTE short.", [
        {"target": "nurse_growth", "description": "60 more mental health nurses by 2026/27", "measure": "growth",
         "family": "", "staff_group": "mh_nurse", "region": "", "stp": "", "year": LAST, "minimum_fte": "60",
         "maximum_fte": "", "kind": "hard", "penalty_gbp_per_fte": "", "priority": ""},
        {"target": "peer_support_growth", "description": "20 more peer support workers by 2026/27",
         "measure": "growth", "family": "new_role", "staff_group": "", "region": "", "stp": "", "year": LAST,
         "minimum_fte": "20", "maximum_fte": "", "kind": "soft", "penalty_gbp_per_fte": "200000", "priority": ""}]),
    "commissioning": ("The nursing degree intake in England was 40 starts in 2023/24; it may rise by 25% a year "
                      "(plus 5 starts), fall by 10%, and never drop below 90% of 40.", [
        {"scope": "england", "programme": "nursing_degree", "baseline_intake": "40", "max_rise_share": "0.25",
         "max_fall_share": "0.1", "opening_allowance": "5", "floor_share": "0.9"}]),
    "absorption": ("Services can take on at most 5% more nurses a year (plus 5 FTE); a fall of more than 5% a year "
                   "is not allowed.", [
        {"area": "england", "staff_group": "mh_nurse", "max_growth_share": "0.05", "max_growth_fte": "5",
         "max_fall_share": "0.05", "kind": "hard", "penalty_gbp_per_fte": ""}]),
}

SCENARIOS = {
    "fewer_hires": {"description": "20% fewer experienced nurse hires a year (an example scenario): the plan must "
                                   "train or retain more nurses instead.",
                    "changes": [{"table": "recruitment_pools", "column": "pool_fte", "scale": 0.8,
                                 "where": {"source": "domestic"}}]},
}

SOURCES = """# Sources

Every number in this case is an illustrative example written by `optimiser new-case`: an assumption, not a
source. Replace each with your own figure and say here where it comes from (publication, table, year), or
label it an assumption and say why it is reasonable.
"""


def new_case(dest: Path, name: str, workbook: bool) -> Path:
    """Write the template case as a folder ``dest`` (or, ``workbook``, as the workbook ``dest``); return it.

    The folder holds case.yaml, a CSV file per table, scenarios/, README.md (each table's columns and
    what its example rows say) and SOURCES.md. The workbook holds the same, README in its ``_about`` sheet.
    """
    files = {"README.md": readme(name), "SOURCES.md": SOURCES}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / name
        write_folder(_content(name), folder, extra=files if not workbook else None)
        content = read_content(folder)  # the template is checked like any case
        if workbook:
            write_workbook(content, dest, about=_about_lines(name))
        else:
            write_folder(content, dest, extra=files)
    return dest


def _content(name: str):
    """The template as :class:`CaseContent` of text cells (typed when it is read back)."""
    import pandas as pd

    from optimiser.case.convert import CaseContent

    tables = {t: pd.DataFrame(rows, columns=list(TABLES[t].row.model_fields), dtype=str)
              for t, (_, rows) in TABLES_EXAMPLE.items()}
    return CaseContent({"name": name, **SETTINGS}, tables, tables, SCENARIOS, [])


def readme(name: str) -> str:
    """README.md of a new case folder: what each table is, its example rows in words, and its columns."""
    lines = [f"# {name}", "", "A new case written by `optimiser new-case`. " + SETTINGS["description"], "",
             f"Check it with `optimiser validate {name}` and solve it with `optimiser solve {name}`. The format of "
             "every file is in the optimiser's cases/README.md; each column is described below.", ""]
    for table, (note, _) in TABLES_EXAMPLE.items():
        spec = TABLES[table]
        lines += [f"## {table}.csv" + ("" if spec.required else " (optional)"), "", f"Example: {note}", "",
                  "| column | required | meaning |", "|---|---|---|"]
        lines += [f"| `{c}` | {'yes' if f.is_required() else 'no'} | {f.description} |"
                  for c, f in spec.row.model_fields.items()]
        lines.append("")
    return "\n".join(lines)


def _about_lines(name: str) -> list:
    lines: list = [f"{name}: a new case written by optimiser new-case.", SETTINGS["description"], "",
                   ["table", "its example rows"]]
    lines += [[table, note] for table, (note, _) in TABLES_EXAMPLE.items()]
    return lines + [""]
