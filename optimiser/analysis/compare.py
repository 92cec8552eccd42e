"""Compare two solutions: cost, growth, and allocations by lever, region and staff group.

Either side may be a ``solution.json`` path, its parsed dict, or a :class:`~optimiser.solution.Solution`.
Every table has the key columns, then for each measure ``<measure>_a``, ``<measure>_b`` and
``<measure>_diff`` (B minus A).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class Comparison:
    """The differences between solution A and solution B (B minus A), as tables."""

    label_a: str
    label_b: str
    summary: pd.DataFrame
    costs_by_lever: pd.DataFrame
    growth_by_family: pd.DataFrame
    growth_by_staff_group: pd.DataFrame
    allocations_by_lever: pd.DataFrame
    allocations_by_item: pd.DataFrame
    allocations_by_region: pd.DataFrame
    allocations_by_staff_group: pd.DataFrame
    targets: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    TABLES = ("summary", "costs_by_lever", "growth_by_family", "growth_by_staff_group", "allocations_by_lever",
              "allocations_by_item", "allocations_by_region", "allocations_by_staff_group", "targets")

    def to_dict(self) -> dict:
        """Plain data for JSON: labels, notes and every table as a list of records."""
        from optimiser.export.solution import _records

        out: dict = {"a": self.label_a, "b": self.label_b, "notes": self.notes}
        for name in self.TABLES:
            out[name] = _records(getattr(self, name))
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def _as_dict(sol: Any) -> tuple[dict, str]:
    """A solution as its JSON dict, checked against the solution file's schema, and its label.

    Raises:
        ValueError: it is not JSON, or not a solution file (the first problems found, by field).
    """
    if isinstance(sol, (str, Path)):
        path = Path(sol)
        d, label = json.loads(path.read_text(encoding="utf-8")), str(path)
    elif isinstance(sol, dict):
        d, label = sol, None
    else:
        from optimiser.export.solution import solution_dict

        return (d := solution_dict(sol)), _label(d)
    _check_solution(d, label)
    return d, label or _label(d)


def _check_solution(d: Any, label: str | None, most: int = 5) -> None:
    from pydantic import ValidationError

    from optimiser.export.solution import SolutionFile

    try:
        SolutionFile.model_validate(d)
    except ValidationError as exc:
        errors = [(".".join(map(str, e["loc"])) or "the file", e["type"], e["msg"]) for e in exc.errors()]
        found = [f"{words} {', '.join(w for w, kind, _ in errors if kind == key)}"
                 for key, words in (("missing", "missing fields:"), ("extra_forbidden", "unknown fields:"))
                 if any(kind == key for _, kind, _ in errors)]
        found += [f"{w}: {msg}" for w, kind, msg in errors if kind not in ("missing", "extra_forbidden")]
        more = f"; and {len(found) - most} more" if len(found) > most else ""
        found = found[:most]
        raise ValueError(f"{label + ': ' if label else ''}not a solution file written by optimiser solve: "
                         + "; ".join(found) + more) from None


def _label(d: dict) -> str:
    case = d.get("case", {})
    return case.get("name", "?") + (f" + {case['scenario']}" if case.get("scenario") else "")


def _side_by_side(a: pd.DataFrame, b: pd.DataFrame, keys: list[str], measures: list[str]) -> pd.DataFrame:
    a = a.groupby(keys, dropna=False)[measures].sum() if len(a) else pd.DataFrame(columns=keys + measures).set_index(keys)
    b = b.groupby(keys, dropna=False)[measures].sum() if len(b) else pd.DataFrame(columns=keys + measures).set_index(keys)
    both = a.join(b, how="outer", lsuffix="_a", rsuffix="_b").fillna(0.0)
    cols = []
    for m in measures:
        both[f"{m}_a"] = both[f"{m}_a"].astype(float)
        both[f"{m}_b"] = both[f"{m}_b"].astype(float)
        both[f"{m}_diff"] = both[f"{m}_b"] - both[f"{m}_a"]
        cols += [f"{m}_a", f"{m}_b", f"{m}_diff"]
    return both[cols].reset_index()


def _growth(d: dict, by: str) -> pd.DataFrame:
    wf = pd.DataFrame(d.get("workforce", []))
    if wf.empty:
        return pd.DataFrame(columns=[by, "growth_fte"])
    first, last = wf["year"].min(), wf["year"].max()
    piv = wf[wf["year"].isin([first, last])].pivot_table(index=by, columns="year", values="fte", aggfunc="sum")
    return pd.DataFrame({by: piv.index, "growth_fte": (piv[last] - piv[first]).to_numpy()})


def compare(a: Any, b: Any, label_a: str | None = None, label_b: str | None = None) -> Comparison:
    """Tables of the differences between two solutions (B minus A).

    Args:
        a, b: solution.json paths, their parsed dicts, or ``Solution`` objects.
        label_a, label_b: names for the two sides (default: file path, or case + scenario).

    Raises:
        ValueError: a path or dict that is not a solution file (checked against its schema).
    """
    da, la = _as_dict(a)
    db, lb = _as_dict(b)
    label_a, label_b = label_a or la, label_b or lb
    notes = []
    if da.get("case", {}).get("first_year") != db.get("case", {}).get("first_year") or \
            da.get("case", {}).get("last_year") != db.get("case", {}).get("last_year"):
        notes.append("the two solutions have different planning horizons")
    if da.get("case", {}).get("price_base_year") != db.get("case", {}).get("price_base_year"):
        notes.append("the two solutions are at different price base years")
    for d, label in ((da, label_a), (db, label_b)):
        if d.get("status") != "optimal":
            notes.append(f"{label} is {d.get('status')}: it has no plan to compare")

    def num(d, *path):
        v = d
        for p in path:
            v = v.get(p) if isinstance(v, dict) else None
        return float(v) if v is not None else np.nan

    rows = [("status", da.get("status"), db.get("status"), None),
            ("total_cost_gbp", num(da, "costs", "total_gbp"), num(db, "costs", "total_gbp"), None),
            ("penalties_gbp", num(da, "costs", "penalties_gbp"), num(db, "costs", "penalties_gbp"), None)]
    summary = pd.DataFrame([{"measure": m, "a": x, "b": y,
                             "diff": (y - x) if isinstance(x, float) and isinstance(y, float) else None}
                            for m, x, y, _ in rows])

    by_lever = _side_by_side(pd.DataFrame(da["costs"]["by_lever"]), pd.DataFrame(db["costs"]["by_lever"]), ["lever"],
                             ["cost_gbp", "present_value_gbp", "outlay_gbp"]) if da.get("costs") and db.get("costs") else pd.DataFrame()
    growth_family = _side_by_side(_growth(da, "family"), _growth(db, "family"), ["family"], ["growth_fte"])
    growth_group = _side_by_side(_growth(da, "staff_group"), _growth(db, "staff_group"), ["staff_group"], ["growth_fte"])

    alloc_a, alloc_b = pd.DataFrame(da.get("allocations", [])), pd.DataFrame(db.get("allocations", []))
    cols = ["lever", "item", "stp", "region", "staff_group", "year", "quantity", "unit", "cost_gbp"]
    alloc_a = alloc_a if len(alloc_a) else pd.DataFrame(columns=cols)
    alloc_b = alloc_b if len(alloc_b) else pd.DataFrame(columns=cols)
    measures = ["quantity", "cost_gbp"]
    tables = {
        "allocations_by_lever": _side_by_side(alloc_a, alloc_b, ["lever"], measures),
        "allocations_by_item": _side_by_side(alloc_a, alloc_b, ["lever", "item", "unit"], measures),
        "allocations_by_region": _side_by_side(alloc_a, alloc_b, ["lever", "region"], measures),
        "allocations_by_staff_group": _side_by_side(alloc_a, alloc_b, ["lever", "staff_group"], measures),
    }

    ta, tb = pd.DataFrame(da.get("targets", [])), pd.DataFrame(db.get("targets", []))
    if len(ta) and len(tb):
        keep = ["target", "achieved_fte", "shortfall_fte", "marginal_cost_per_fte"]
        targets = ta[keep].merge(tb[keep], on="target", how="outer", suffixes=("_a", "_b"))
        for m in keep[1:]:
            targets[f"{m}_diff"] = targets[f"{m}_b"] - targets[f"{m}_a"]
        targets = targets[
            ["target"] + [f"{m}_{s}" for m in keep[1:] for s in ("a", "b", "diff")]]
    else:
        targets = pd.DataFrame()
    return Comparison(label_a, label_b, summary, by_lever, growth_family, growth_group, targets=targets, notes=notes,
                      **tables)


__all__ = ["Comparison", "compare"]
