"""DataFrame helpers shared by processors and the audit.

Example::

    frame_records(pd.DataFrame({'a': [1, 2]}))   # [{'a': 1}, {'a': 2}]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["frame_records"]


def _column_list(column: pd.Series) -> list[Any] | None:
    """``column`` as ``to_dict('records')`` holds its values, or ``None`` for a dtype not covered."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype | pd.StringDtype | pd.DatetimeTZDtype) or (
            isinstance(dtype, np.dtype) and dtype.kind in "biufO"):
        # Python scalars (float / int / bool / str), categories' values, Timestamps, objects.
        return column.tolist()
    if isinstance(dtype, pd.BooleanDtype | pd.core.dtypes.dtypes.BaseMaskedDtype):
        return [None if v is pd.NA else v for v in column.tolist()]  # to_dict gives None for NA
    return None


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame.to_dict('records')``: the same dicts with the same values, built column by column.

    pandas boxes every cell on its own; a column's ``tolist()`` gives the same Python values
    at once for the dtypes processors produce (numpy numbers, bools and objects, strings,
    categoricals, UTC timestamps, nullable ints/floats/booleans with ``pd.NA`` as ``None``).
    Any other dtype, duplicate or non-string column labels: ``to_dict('records')`` itself.

    Example::

        frame_records(pd.DataFrame({'a': [1, 2]}))   # [{'a': 1}, {'a': 2}]
    """
    names = list(frame.columns)
    if not names or frame.columns.has_duplicates or not all(isinstance(n, str) for n in names):
        return frame.to_dict("records")
    columns = []
    for name in names:
        values = _column_list(frame[name])
        if values is None:
            return frame.to_dict("records")
        columns.append(values)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
