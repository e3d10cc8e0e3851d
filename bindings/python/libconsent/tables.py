# SPDX-License-Identifier: Apache-2.0
"""Column-wise tables to pandas.

The C++ side (``bindings/python/src/tables.cc``) walks the projections without the GIL and
returns one numpy array per column, built in C++ (no Python object per row, except the str of
an id unique per row). :func:`frame` assembles them with the proper dtypes:

* ``time``     -> ``datetime64[ns, UTC]`` (missing: NaT)
* ``category`` -> ``pandas.Categorical`` from codes + categories (missing: NaN)
* ``int64``, ``float64`` (missing: NaN), ``bool``, ``str`` (object) as they are.

Adding a table is one ``Build*`` function in tables.cc and one entry in its ``Tables()``
list; it then appears in ``libconsent._core.TABLES`` and as ``compliance.table(name)``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

__all__ = ["frame", "arrays"]

Column = Tuple[str, str, np.ndarray, Any]


def frame(columns: Sequence[Column]) -> "Any":
    """A pandas DataFrame from the C++ columns (no copy of numeric columns)."""
    import pandas as pd

    utc = pd.DatetimeTZDtype(tz="UTC")
    data: Dict[str, Any] = {}
    for name, kind, values, categories in columns:
        if kind == "time":
            data[name] = pd.arrays.DatetimeArray(values, dtype=utc)
        elif kind == "category":
            data[name] = pd.Categorical.from_codes(values, categories=pd.Index(categories))
        else:
            data[name] = values
    return pd.DataFrame(data, copy=False)


def arrays(columns: Sequence[Column]) -> Dict[str, np.ndarray]:
    """The columns as plain numpy arrays: times as ``datetime64[ns]`` (UTC), categories
    decoded to object arrays (``None`` for missing)."""
    out: Dict[str, np.ndarray] = {}
    for name, kind, values, categories in columns:
        if kind == "category":
            cats = np.append(np.asarray(categories, dtype=object), np.array([None], dtype=object))
            out[name] = cats[values]  # code -1 picks the trailing None
        else:
            out[name] = values
    return out


def column_kinds(columns: Sequence[Column]) -> List[Tuple[str, str]]:
    """(name, kind) of each column."""
    return [(c[0], c[1]) for c in columns]
