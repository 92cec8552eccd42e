"""Parameter paths: name a number in a case, change it, and map the change onto the built LP.

A **parameter path** names one column of one case table, optionally for some rows only::

    targets.minimum_fte[target=traditional_growth_2020_21]
    budgets.limit_gbp
    recruitment_pools.pool_fte[source=international]
    leaver_rates.leaver_rate[region=north|london, staff_group=mh_nurse]
    discount_rate                      (a case.yaml setting)

The filters in ``[...]`` are those of a scenario change's ``where`` (a table column, or ``region``
or ``family``), separated by commas; ``|`` separates alternatives. A value is applied either with
``set`` (every matching row takes the value) or ``scale`` (every matching row is multiplied by it;
shares such as rates are capped at 1).

**Fast parameters** are limits (right-hand sides), costs and bounds. A change to one of them is
mapped straight onto the built LP's arrays, so a live solver can be updated in place and re-solved
from its last basis:

================================================  ==============================================
parameter                                          LP update
================================================  ==============================================
``targets.minimum_fte``                            lower bound of the target row
``targets.maximum_fte`` (where one is given)       upper bound of the target-maximum row
``targets.penalty_gbp_per_fte`` (soft targets)     cost of the shortfall column
``budgets.limit_gbp``                              upper bound of the budget row
``recruitment_pools.pool_fte``                     upper bound of the pool row
``placement_capacity.placements``                  upper bound of the placement row
``course_capacity.places``                         upper bound of the course-places row
``establishment.posts_fte``                        upper bound of the funded-posts row
``programmes.cost_per_place_gbp``                  cost of the starts columns and their budget coefficients
``recruitment_costs.cost_per_recruit_gbp``         cost of the recruit columns and their budget coefficients
``retention_segments.cost_per_avoided_leaver_gbp`` cost of the retention columns and their budget coefficients
``exits.cost_per_exit_gbp``                        cost of the exit columns and their budget coefficients
``exits.max_exits_fte``                            upper bound of the exit columns
================================================  ==============================================

A lever's budget coefficients (in a case with budgets) are written by the budget family itself,
replayed with the new costs.

**Coefficient parameters** (leaver rates, completion and take-up rates, first-year retention, mentor
shares, placement use, upskilling's source shares: :data:`~optimiser.analysis.coefficients.COEFFICIENTS`)
are matrix coefficients, and some also right-hand sides. They too are updated in place: the
constraint families that use them run again on the base LP's layout
(:mod:`optimiser.analysis.coefficients`), and the entries they write replace the base LP's. Where
some family is replayed anyway, a limit changed beside it reaches the LP the same way (its family
replayed) instead of by an offset of its bound, so that every entry is the one a rebuild gives, to
the bit (a Monte Carlo draw's result does not depend on the route).

A value is applied in place only if it passes its column's own checks (those loading applies to a
cell: a share within 0-1, a cost not negative, a number that is finite) and no two parameters touch
the same entries. Otherwise, and for every other parameter (students per mentor, retention shares,
baseline, pipeline, settings such as ``discount_rate``), the change goes through ``Case.with_changes``
and a rebuild of the LP's arrays, which reports a bad value as loading would; a live solver still
starts from the last basis when the shape is unchanged.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Iterable, Literal, Sequence

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, ValidationError

from optimiser.case import Case, CaseError, Problem
from optimiser.case.changes import Change, apply_table_change
from optimiser.case.tables import TABLES
from optimiser.analysis.coefficients import COEFFICIENTS, FamilyEntries
from optimiser.analysis.lp_arrays import LPArrays
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram

How = Literal["set", "scale"]

_PATH = re.compile(r"^\s*(?P<head>[A-Za-z_][A-Za-z0-9_.]*)\s*(?:\[(?P<filters>[^\]]*)\])?\s*$")


@dataclass(frozen=True)
class Parameter:
    """A named number (or set of numbers) in a case: a table column under filters, or a setting.

    Build one with :meth:`parse`; ``str(p)`` gives the path back in a canonical form.
    """

    table: str | None = None
    column: str | None = None
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    setting: str | None = None

    @classmethod
    def parse(cls, text: "str | Parameter") -> "Parameter":
        """Parse ``table.column[key=value, key=v1|v2]`` or a case.yaml setting such as ``discount_rate``.

        Raises:
            ValueError: if the text is not a path of that form.
        """
        if isinstance(text, Parameter):
            return text
        m = _PATH.match(str(text))
        if not m:
            raise ValueError(f"not a parameter path: {text!r}; expected table.column[key=value, ...] or a setting")
        head, filters = m.group("head"), m.group("filters")
        first = head.split(".")[0]
        if first not in TABLES:
            if filters:
                raise ValueError(f"{text!r}: a setting takes no [filters]; tables are {', '.join(TABLES)}")
            return cls(setting=head)
        parts = head.split(".")
        if len(parts) != 2:
            raise ValueError(f"{text!r}: expected table.column, e.g. budgets.limit_gbp")
        where = []
        for item in (filters or "").split(","):
            if not item.strip():
                continue
            if "=" not in item:
                raise ValueError(f"{text!r}: filter {item.strip()!r} should be key=value")
            key, value = (s.strip() for s in item.split("=", 1))
            where.append((key, tuple(v.strip() for v in value.split("|"))))
        return cls(table=parts[0], column=parts[1], where=tuple(where))

    def __str__(self) -> str:
        if self.setting is not None:
            return self.setting
        inner = ", ".join(f"{k}={'|'.join(v)}" for k, v in self.where)
        return f"{self.table}.{self.column}" + (f"[{inner}]" if inner else "")

    @property
    def where_dict(self) -> dict[str, str | list[str]]:
        return {k: (list(v) if len(v) > 1 else v[0]) for k, v in self.where}

    def change(self, value: float, how: How = "set") -> dict:
        """The scenario-style change that applies ``value`` (without capping shares; see :func:`changes_for`)."""
        if self.setting is not None:
            if how == "scale":
                raise ValueError(f"{self}: a setting can only be set, not scaled")
            return {"setting": self.setting, "set": value}
        out = {"table": self.table, "column": self.column, how: _number(value)}
        if self.where:
            out["where"] = self.where_dict
        return out


def _number(v):
    v = float(v)
    return int(v) if v.is_integer() and abs(v) < 2**53 else v


@dataclass(frozen=True)
class Assignment:
    """One parameter given one value, by ``set`` or ``scale``."""

    parameter: Parameter
    value: float
    how: How = "set"


def share_limit(table: str, column: str) -> float | None:
    """The upper limit of a column (1 for shares), or None."""
    spec = TABLES.get(table)
    if spec is None or column not in spec.row.model_fields:
        return None
    for meta in spec.row.model_fields[column].metadata:
        le = getattr(meta, "le", None)
        if le is not None:
            return float(le)
    return None


def matched_rows(case: Case, parameter: Parameter) -> np.ndarray:
    """Positions (in ``case.table(...)`` order) of the rows a table parameter covers.

    Uses the scenario machinery itself, so a path matches exactly the rows a change would.

    Raises:
        CaseError: if the table, column or filters are unknown, or match no row.
    """
    tables = dict(case.tables)  # apply_table_change replaces the changed table, never edits it in place
    probe = Change(table=parameter.table, column=parameter.column, set=0, where=parameter.where_dict)
    problems = apply_table_change(tables, probe, f"parameter {parameter}", 1, *_lookups(case))
    if problems:
        raise CaseError(problems)
    marked = tables[parameter.table]["_file"].to_numpy() == f"parameter {parameter}"
    return np.flatnonzero(marked)


def _lookups(case: Case) -> tuple[dict, dict]:
    stps, regions, groups = case.tables["stps"], case.tables["regions"], case.tables["staff_groups"]
    region_of = dict(zip(stps["stp"], stps["region"]))
    region_of.update({r: r for r in regions["region"]})
    family_of = dict(zip(groups["staff_group"], groups["family"]))
    return region_of, family_of


def changes_for(case: Case, assignments: Iterable[Assignment]) -> list[dict]:
    """Scenario-style changes for ``assignments``, scaled shares capped at their limit (1).

    A scale that would lift a share above 1 is followed by a ``set`` of those rows to 1,
    each named by its key columns.
    """
    out: list[dict] = []
    for a in assignments:
        p = a.parameter
        out.append(p.change(a.value, a.how))
        if a.how != "scale" or p.setting is not None:
            continue
        limit = share_limit(p.table, p.column)
        if limit is None or a.value <= 1:
            continue
        rows = matched_rows(case, p)
        df = case.table(p.table).iloc[rows]
        over = df[pd.to_numeric(df[p.column]) * a.value > limit]
        keys = TABLES[p.table].keys
        for _, r in over.iterrows():
            where = {k: r[k] for k in keys if r[k] is not None and not (isinstance(r[k], float) and math.isnan(r[k]))}
            out.append({"table": p.table, "column": p.column, "set": limit, "where": where})
    return out


def apply_changes(case: Case, assignments: Sequence[Assignment], label: str = "analysis") -> Case:
    """A new case with the assignments applied (``Case.with_changes``; the original is unchanged)."""
    return case.with_changes(changes_for(case, assignments), label=label)


# --- fast bindings: a parameter mapped onto LP entries ----------------------------------------------

@dataclass
class Binding:
    """How a fast parameter's value reaches the LP arrays.

    ``kind`` is ``row_lower``, ``row_upper``, ``col_upper``, ``cost`` or ``coefficients``. ``cells``
    are the matched table rows, ``old`` the parameter's current value in each; ``index`` the LP rows
    or columns a ``row_*``, ``col_upper`` or ``cost`` binding writes directly, ``row_of`` the matched
    row (0..n-1) each comes from. ``families``: the constraint families to replay with the new values
    whenever this parameter changes (:mod:`optimiser.analysis.coefficients`): those a coefficient
    enters, or the budget rows a lever's cost enters. ``family``: the family of the rows a limit
    writes, replayed instead of offsetting its bounds where other parameters are replayed anyway.
    """

    parameter: Parameter
    kind: str
    index: np.ndarray
    row_of: np.ndarray
    old: np.ndarray
    cells: np.ndarray
    discount: np.ndarray | None = None  # cost: discount factor of each column
    limit: float | None = None
    families: tuple[str, ...] = ()
    family: str | None = None
    blank: bool = False  # some matched cell is blank: scaling it is refused (by a rebuild's checks)

    def new_values(self, value: float, how: How) -> np.ndarray:
        """The parameter's new value in each matched table row."""
        if how == "scale":
            new = self.old * value
            if self.limit is not None:
                new = np.minimum(new, self.limit)
            return new
        return np.full(self.old.shape, float(value))

    def valid(self, value: float, how: How) -> bool:
        """Whether the new values pass their column's own checks, as loading applies them to each cell.

        None of these columns is read by the checks across rows and tables, except targets' minimum
        and maximum and soft targets' penalty (see ``CROSS_CHECKED`` in :mod:`optimiser.case.checks`),
        which a sweep checks for its extreme values first. If not valid, the caller rebuilds, and the
        rebuild refuses the value with the message loading gives.
        """
        if how == "scale" and self.blank:
            return False
        return column_accepts(self.parameter.table, self.parameter.column, np.unique(self.new_values(value, how)))

    def direct(self, replaying: bool) -> bool:
        """Whether the value is written into the arrays by :meth:`apply` (a limit is not, when replaying)."""
        return self.kind in ("cost", "col_upper") or (self.kind in ("row_lower", "row_upper") and not replaying)

    def apply(self, arrays: LPArrays, base: LPArrays, value: float, how: How) -> None:
        """Write the value into ``arrays`` (a shallow copy of ``base``): entries are recomputed from ``base``."""
        new = self.new_values(value, how)
        if self.kind in ("row_lower", "row_upper"):
            target = arrays.own(self.kind, base)
            target[self.index] = getattr(base, self.kind)[self.index] + (new - self.old)[self.row_of]
        elif self.kind == "col_upper":
            arrays.own("col_upper", base)[self.index] = np.where(np.isnan(new), np.inf, new)[self.row_of]
        elif self.kind == "cost":
            arrays.own("cost", base)[self.index] = new[self.row_of] * self.discount
        else:  # pragma: no cover - guarded by direct()
            raise ValueError(self.kind)


_ROW_LIMITS = {
    ("budgets", "limit_gbp"): ("spending_limit", "row_upper"),
    ("recruitment_pools", "pool_fte"): ("recruitment_pool", "row_upper"),
    ("placement_capacity", "placements"): ("placement_capacity", "row_upper"),
    ("course_capacity", "places"): ("course_places", "row_upper"),
    ("establishment", "posts_fte"): ("funded_posts", "row_upper"),
    ("targets", "minimum_fte"): ("target_minimum", "row_lower"),
}

_COSTS = {
    ("programmes", "cost_per_place_gbp"): "training_starts",
    ("recruitment_costs", "cost_per_recruit_gbp"): "recruits",
    ("retention_segments", "cost_per_avoided_leaver_gbp"): "leavers_retained",
    ("exits", "cost_per_exit_gbp"): "planned_exits",
}

#: (table, column) pairs applied in place on a built LP; everything else rebuilds.
FAST_PARAMETERS = sorted(set(_ROW_LIMITS) | set(_COSTS) | set(COEFFICIENTS) | {("targets", "maximum_fte"),
                                                                              ("targets", "penalty_gbp_per_fte"),
                                                                              ("exits", "max_exits_fte")})


def is_fast(parameter: Parameter) -> bool:
    """Whether a parameter is a bound, cost or coefficient updated in place (see the module docstring)."""
    return (parameter.table, parameter.column) in FAST_PARAMETERS


@lru_cache(maxsize=None)
def _column_checker(table: str, column: str) -> TypeAdapter | None:
    """A checker of a list of values of one column, with the checks its schema field applies to a
    cell (type, range, finite), or None where a validator of the row reads the column too."""
    row = TABLES[table].row
    if any(column in d.info.fields for d in row.__pydantic_decorators__.field_validators.values()):
        return None
    field = row.model_fields[column]
    kind = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
    return TypeAdapter(list[kind], config=row.model_config)


def column_accepts(table: str, column: str, values: np.ndarray) -> bool:
    """Whether every value passes the checks loading applies to a cell of ``table.column``."""
    checker = _column_checker(table, column)
    if checker is None:
        return False
    try:
        checker.validate_python([float(v) for v in values])
    except ValidationError:
        return False
    return True


def bind(parameter: Parameter, case: Case, lp: LinearProgram, data: ModelData) -> Binding | None:
    """Map a parameter onto LP entries, or return None if it needs a rebuild.

    Raises:
        CaseError: if the path names no table, column or row of ``case``.
    """
    if parameter.setting is not None:
        return None
    rows = matched_rows(case, parameter)  # validates the path
    if not is_fast(parameter):
        return None
    table = case.table(parameter.table).reset_index(drop=True)
    old = pd.to_numeric(table[parameter.column].iloc[rows], errors="coerce").to_numpy(float)
    key = (parameter.table, parameter.column)
    n = len(rows)
    limit = share_limit(*key)
    blank = bool(np.isnan(old).any())

    if key in COEFFICIENTS:
        return Binding(parameter, "coefficients", rows, np.arange(n), old, rows, limit=limit,
                       families=COEFFICIENTS[key], blank=blank)

    if key in _ROW_LIMITS:
        name, kind = _ROW_LIMITS[key]
        block = _row_block(lp, name)
        if block is None or blank:
            return None
        return Binding(parameter, kind, block.offset + rows, np.arange(n), old, rows, limit=limit, family=block.family)

    if key == ("targets", "maximum_fte"):
        has_max = np.flatnonzero(table["maximum_fte"].notna().to_numpy())
        block = _row_block(lp, "target_maximum")
        if block is None or blank:
            return None  # a blank maximum has no row: adding one changes the LP's shape
        position = {int(i): r for r, i in enumerate(has_max)}
        return Binding(parameter, "row_upper", block.offset + np.array([position[int(i)] for i in rows], np.int64),
                       np.arange(n), old, rows, family=block.family)

    if key == ("targets", "penalty_gbp_per_fte"):
        soft = np.flatnonzero((table["kind"] == "soft").to_numpy())
        position = {int(i): r for r, i in enumerate(soft)}
        short = lp.variables["target_shortfall"]
        default = case.config.default_penalty_gbp_per_fte
        keep = np.array([int(i) in position for i in rows], bool)
        cols = short.offset + np.array([position[int(i)] for i in rows[keep]], np.int64)
        return Binding(parameter, "cost", cols, np.flatnonzero(keep), np.where(np.isnan(old), default, old), rows,
                       discount=np.ones(cols.size), blank=blank)

    if key == ("exits", "max_exits_fte"):
        E = lp.variables["planned_exits"]
        return Binding(parameter, "col_upper", E.offset + rows, np.arange(n), old, rows, blank=blank)

    if key in _COSTS:  # the cost of the columns; a budget's coefficients too (budget rows replayed)
        block = lp.variables[_COSTS[key]]
        cols, row_of = _cost_columns(key, rows, table, lp, data)
        years = block.labels["year"].to_numpy(object)[cols - block.offset]
        discount = data.discount[data.year_index(years)]
        budgets = _row_block(lp, "spending_limit")
        return Binding(parameter, "cost", cols, row_of, old, rows, discount=discount, blank=blank,
                       families=(budgets.family,) if budgets is not None else ())
    return None  # pragma: no cover


def _row_block(lp: LinearProgram, name: str):
    return next((b for b in lp.row_blocks if b.name == name), None)


def _cost_columns(key, rows: np.ndarray, table: pd.DataFrame, lp: LinearProgram, data: ModelData):
    """LP columns whose cost is the parameter of matched row ``r``, and ``r`` for each."""
    S, T = data.S, data.T
    cols, row_of = [], []
    if key[0] == "programmes":
        X = lp.variables["training_starts"]
        for r, p in enumerate(rows):
            c = X.offset + p * S * T + np.arange(S * T)
            cols.append(c), row_of.append(np.full(c.size, r))
    elif key[0] == "recruitment_costs":
        Rec = lp.variables["recruits"]
        pair = {(a, b): i for i, (a, b) in enumerate(zip(data.recruit["source"], data.recruit["staff_group"]))}
        for r, i in enumerate(rows):
            kg = pair[(table["source"].iloc[i], table["staff_group"].iloc[i])]
            s = data.stps.get_loc(table["area"].iloc[i])
            c = Rec.index(np.full(T, kg), np.full(T, s), np.arange(T))
            cols.append(c), row_of.append(np.full(c.size, r))
    elif key[0] == "retention_segments":
        R = lp.variables["leavers_retained"]
        for r, n in enumerate(rows):
            c = R.index(np.full(T, n), np.arange(T))
            cols.append(c), row_of.append(np.full(c.size, r))
    elif key[0] == "exits":
        E = lp.variables["planned_exits"]
        cols.append(E.offset + rows), row_of.append(np.arange(len(rows)))
    if not cols:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(cols).astype(np.int64), np.concatenate(row_of).astype(np.int64)


def overlapping(patched: Sequence[Binding], direct: Sequence[Binding], entries: FamilyEntries | None = None) -> bool:
    """Whether bindings touch the same entries (then they cannot be composed from the base).

    ``patched`` change table cells (replayed together: they clash only on the same cells),
    ``direct`` write LP entries (they clash with each other and with where ``entries``' families write).
    """
    seen: dict[str, list[np.ndarray]] = {}
    if entries is not None:
        seen = {"row_lower": [entries.rows], "row_upper": [entries.rows],
                **{kind: [entries.columns] for kind in ("cost", "col_upper")}}
    touched = [(f"cells {b.parameter.table}.{b.parameter.column}", b.cells) for b in patched]
    touched += [(b.kind, b.index) for b in direct]
    for kind, index in touched:
        before = seen.setdefault(kind, [])
        if any(np.intersect1d(index, s).size for s in before):
            return True
        before.append(index)
    return False


__all__ = ["Assignment", "Binding", "FAST_PARAMETERS", "LPArrays", "Parameter", "Problem", "apply_changes", "bind",
           "changes_for", "column_accepts", "is_fast", "matched_rows", "share_limit"]
