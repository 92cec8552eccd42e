"""Labels for rows that apply to a scope (england, a region or an STP)."""
from __future__ import annotations

import numpy as np

from optimiser.model.data import ModelData


def scope_labels(data: ModelData, scopes) -> dict[str, np.ndarray]:
    """``stp`` and ``region`` label columns for each scope (both blank for england)."""
    scopes = np.asarray(scopes, dtype=object)
    region_of = dict(zip(data.stps, data.stp_region))
    region_of.update({r: r for r in data.regions})
    return {
        "stp": np.where(np.isin(scopes, data.stps), scopes, None),
        "region": np.array([region_of.get(s) for s in scopes], dtype=object),
    }
