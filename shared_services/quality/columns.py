"""The standard quality columns, from one assessment, JSON-ready.

Every phase 3+ output row carries ``quality_tier``, ``quality_score``, ``quality_issues``,
``data_sources``, ``quality_sample_size``, ``quality_used_fallback``,
``quality_reconstructed``, ``quality_calculated_at`` and ``quality_metadata`` (SCHEMA.md).

Example::

    assessment = assess_quality(df, ['bdl_player_boxscores'], config=config)
    out = add_quality_columns(df, assessment)
    out[['quality_tier', 'quality_score']].iloc[0].tolist()   # ['silver', 90.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from shared_services.bigquery.schemas import QUALITY_COLUMN_NAMES
from shared_services.constants.source_coverage import parse_tier
from shared_services.events.serialization import json_safe_value, to_utc_iso
from shared_services.quality.scoring import is_failed_source

__all__ = ["QUALITY_COLUMN_NAMES", "successful_sources", "quality_columns", "add_quality_columns"]

def successful_sources(sources: Sequence[str]) -> list[str]:
    """The sources that actually supplied data (drops ``*_empty`` / ``*_error`` markers).

    Example::

        >>> successful_sources(['nbac_gamebook_player_stats_empty', 'bdl_player_boxscores'])
        ['bdl_player_boxscores']
    """
    return [s for s in sources if not is_failed_source(str(s))]


def quality_columns(assessment: Mapping[str, Any], calculated_at: datetime | str | None = None) -> dict[str, Any]:
    """The nine standard quality columns for one assessment, as JSON-safe values.

    ``calculated_at`` defaults to the assessment's ``metadata.assessment_timestamp``.

    Example::

        cols = quality_columns({'tier': 'gold', 'score': 100.0, 'issues': [],
                                'sources': ['nbac_gamebook_player_stats'],
                                'metadata': {'sample_size': 13}})
        cols['quality_tier'], cols['quality_used_fallback']   # ('gold', False)
    """
    if not isinstance(assessment, Mapping):
        raise TypeError(f"assessment must be the dict assess_quality returns, got {type(assessment).__name__}")
    missing = [key for key in ("tier", "score", "issues", "sources") if key not in assessment]
    if missing:
        raise ValueError(f"assessment is missing key(s) {missing}")
    metadata = dict(assessment.get("metadata") or {})
    issues = [str(i) for i in assessment["issues"]]
    sources = [str(s) for s in assessment["sources"]]
    when = calculated_at or metadata.get("assessment_timestamp")
    if when is None:
        from shared_services.events.model import utc_now

        when = utc_now()
    return {
        "quality_tier": parse_tier(assessment["tier"]).value,
        "quality_score": float(assessment["score"]),
        "quality_issues": issues,
        "data_sources": successful_sources(sources),
        "quality_sample_size": int(metadata.get("sample_size") or 0),
        "quality_used_fallback": bool(metadata.get("backup_source_used", "backup_source_used" in issues)),
        "quality_reconstructed": bool(metadata.get("reconstruction_applied")) or "reconstructed" in issues,
        "quality_calculated_at": to_utc_iso(when),
        "quality_metadata": json_safe_value(metadata),
    }


def add_quality_columns(
    frame: pd.DataFrame, assessment: Mapping[str, Any], calculated_at: datetime | str | None = None
) -> pd.DataFrame:
    """A copy of ``frame`` with the quality columns set on every row.

    Example::

        out = add_quality_columns(df, assessment)
        assert out['quality_tier'].nunique() == 1
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    columns = quality_columns(assessment, calculated_at)
    out = frame.copy()
    rows = len(out)
    for name in QUALITY_COLUMN_NAMES:
        value = columns[name]
        if isinstance(value, list | dict):
            out[name] = pd.Series([_copy(value) for _ in range(rows)], index=out.index, dtype=object)
        else:
            out[name] = value
    return out


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else dict(value)
