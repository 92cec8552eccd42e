"""Write the assembled LP as an MPS or LP file, with readable names, for other solvers and for checking.

Names are built from the row and column labels, e.g. the column ``training_starts`` for programme
``nursing_degree`` in STP ``E54000007`` in ``2017/18`` is ``training_starts.nursing_degree.E54000007.2017_18``:

- the block name, then the item, the staff group, the area (the STP, or the region when the row
  has no STP) and the year, blanks left out, joined with ``.``;
- each part is made safe for MPS and LP files: every run of characters other than ``A-Z a-z 0-9 _``
  becomes ``_`` (``2017/18`` -> ``2017_18``, ``segment 1`` -> ``segment_1``);
- the staff group is left out where the item is a programme, which fixes it (a programme
  qualifies into one group), so names stay short;
- a name that would still repeat another gets its index appended (``.c123`` for column 123,
  ``.r45`` for row 45), so every name is unique.

The model is handed to HiGHS exactly as :class:`optimiser.solvers.highs.HighsSolver` hands it over
(one ``passModel`` call with the compressed-column matrix), then the names are set and HiGHS
writes the file, so the file holds the very LP the engine solves.
"""
from __future__ import annotations

from pathlib import Path

import highspy
import numpy as np
import pandas as pd

from optimiser.export.atomic import write_atomic
from optimiser.model.lp import LinearProgram

FORMATS = {"mps": ".mps", "lp": ".lp"}
_UNSAFE = r"[^A-Za-z0-9_]+"


def _safe(values: pd.Series, sep: str = ".") -> np.ndarray:
    """``sep + safe(value)`` per value, or ``""`` where the value is blank (object array).

    The regex runs on the distinct values only, then is spread back by position.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        return np.full(len(values), "", dtype=object)
    safe = pd.Series(uniques.astype(str)).str.replace(_UNSAFE, "_", regex=True).str.strip("_")
    parts = np.append((sep + safe).to_numpy(object), "")  # code -1 (blank) -> ""
    return parts[codes]


def _redundant_group(labels: pd.DataFrame, programmes: dict) -> np.ndarray:
    """True for rows whose item is a programme and whose staff group is the one it qualifies into.

    Only programmes fix a staff group by definition; other items (a recruitment source, a
    retention segment) may be open to one group in one case and to several in another, and a
    name must not change with that.
    """
    if not programmes:
        return np.zeros(len(labels), bool)
    return (labels["item"].map(programmes) == labels["staff_group"]).to_numpy()


def label_names(labels: pd.DataFrame, prefix: str, programmes: dict | None = None) -> np.ndarray:
    """Safe, unique names for a label table with a ``block`` column (object array of str).

    Args:
        labels: ``LinearProgram.column_labels()`` or ``row_labels()``.
        prefix: ``c`` for columns or ``r`` for rows, used only to tell repeats apart.
        programmes: programme -> the staff group it qualifies into; rows whose item is a
            programme leave their (implied) staff group out of the name.
    """
    if len(labels) == 0:
        return np.zeros(0, dtype=object)
    group = labels["staff_group"].where(~_redundant_group(labels, programmes or {}))
    area = labels["stp"].where(labels["stp"].notna(), labels["region"])
    names = _safe(labels["block"], sep="")
    for part in (labels["item"], group, area, labels["year"]):
        names = names + _safe(part)
    repeated = pd.Series(names).duplicated(keep=False).to_numpy()
    if repeated.any():
        idx = np.flatnonzero(repeated)
        names[idx] = names[idx] + np.char.add(f".{prefix}", idx.astype(str)).astype(object)
        if pd.Series(names).duplicated().any():  # a label literally spelling ".c123"; never in practice
            raise ValueError("could not make the model's names unique")
    return names


def model_names(lp: LinearProgram) -> tuple[np.ndarray, np.ndarray]:
    """(column names, row names) of ``lp``, in column and row order."""
    programmes = {}
    if "training_starts" in lp.variables:
        starts = lp.variables["training_starts"].labels[["item", "staff_group"]].drop_duplicates("item")
        programmes = dict(zip(starts["item"], starts["staff_group"]))
    return label_names(lp.column_labels(), "c", programmes), label_names(lp.row_labels(), "r", programmes)


def highs_model(lp: LinearProgram, names: bool = True) -> highspy.Highs:
    """A quiet HiGHS instance holding ``lp`` as the engine passes it, with names when asked."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    a = lp.matrix()
    status = h.passModel(
        lp.num_col, lp.num_row, a.nnz, int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMinimize), 0.0,
        lp.cost, lp.col_lower, lp.col_upper, lp.row_lower, lp.row_upper,
        a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data, lp.integrality.astype(np.int32),
    )
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model")
    if names:
        cols, rows = model_names(lp)
        model = h.getLp()  # a copy; setting its name lists then passing it back is one call, not one per name
        model.col_names_ = cols.tolist()
        model.row_names_ = rows.tolist()
        if h.passModel(model) == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the named model")
    return h


def write_model(lp: LinearProgram, path, format: str | None = None) -> Path:
    """Write ``lp`` to ``path`` as MPS (free format) or CPLEX LP, atomically.

    Args:
        lp: the assembled model (``build_lp(case)[0]`` or ``solution.lp``).
        path: file to write; its folder is created if need be.
        format: ``"mps"`` or ``"lp"``; by default taken from the file's suffix (``.lp`` -> LP,
            anything else -> MPS).

    Returns:
        The path written. Readers see the old file or the new one, never half of one.
    """
    path = Path(path)
    if format is None:
        format = "lp" if path.suffix.lower() == ".lp" else "mps"
    if format not in FORMATS:
        raise ValueError(f"format must be one of {sorted(FORMATS)}, not {format!r}")
    h = highs_model(lp)

    def write(tmp: Path) -> None:
        if h.writeModel(str(tmp)) != highspy.HighsStatus.kOk:
            raise RuntimeError(f"HiGHS could not write {path}")

    write_atomic(path, write, suffix=FORMATS[format])  # HiGHS picks the format from the suffix
    return path

