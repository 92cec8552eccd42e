"""OR-Tools models filled from the LP's arrays in one call (the LP backends and the whole-number model)."""
from __future__ import annotations

import numpy as np
from ortools.linear_solver.python import model_builder_helper as mbh


def model_builder(col_lower, col_upper, cost, row_lower, row_upper, matrix, integer) -> mbh.ModelBuilderHelper:
    """An OR-Tools model (minimise ``cost @ x``) filled from arrays in one call; ``integer``: the
    indices of the integer columns (marked one call each)."""
    builder = mbh.ModelBuilderHelper()
    builder.fill_model_from_sparse_data(
        np.asarray(col_lower, float), np.asarray(col_upper, float), np.asarray(cost, float),
        np.asarray(row_lower, float), np.asarray(row_upper, float), matrix.tocsr())
    for j in np.asarray(integer).tolist():
        builder.set_var_integrality(j, True)
    return builder
