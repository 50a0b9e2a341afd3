"""Two runs' tables side by side: what must be equal, as text, in a fixed row order.

Example::

    a = comparable(client_a.query(sql).to_dataframe(), volatile={'processed_at'})
    b = comparable(client_b.query(sql).to_dataframe(), volatile={'processed_at'})
    pd.testing.assert_frame_equal(a, b)
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import pandas as pd

#: The key of ``quality_metadata`` holding the assessment's wall-clock time.
_METADATA_TIMESTAMP = "assessment_timestamp"


def _without_timestamp(metadata: Any) -> str:
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    if not isinstance(metadata, dict):
        return "null"
    return json.dumps({k: v for k, v in metadata.items() if k != _METADATA_TIMESTAMP}, sort_keys=True)


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    if hasattr(value, "__len__"):
        return json.dumps([str(v) for v in value])
    return "null" if pd.isna(value) else str(value)


def comparable(frame: pd.DataFrame, volatile: Collection[str]) -> pd.DataFrame:
    """``frame`` without the ``volatile`` columns, its ``quality_metadata`` without the
    assessment time, every value as text (lists and dicts as JSON, NULL as ``'null'``) and the
    rows sorted by every column."""
    frame = frame.drop(columns=[c for c in volatile if c in frame.columns])
    if "quality_metadata" in frame.columns:
        frame["quality_metadata"] = [_without_timestamp(m) for m in frame["quality_metadata"]]
    for column in frame.columns:
        frame[column] = frame[column].map(_plain)
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)
