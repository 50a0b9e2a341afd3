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

import numpy as np
import pandas as pd

from shared_services.bigquery.schemas import QUALITY_COLUMN_NAMES
from shared_services.constants.source_coverage import TIER_RANK, QualityTier, parse_tier
from shared_services.events.serialization import json_safe_value, to_utc_iso
from shared_services.quality.checks import quality_score, text_list
from shared_services.quality.scoring import is_failed_source

__all__ = [
    "QUALITY_COLUMN_NAMES",
    "FrozenDict",
    "FrozenList",
    "successful_sources",
    "quality_columns",
    "add_quality_columns",
]

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
    # Lists of names (a str would become one issue per letter) and a score from 0 to 100.
    issues = text_list(assessment["issues"], "assessment['issues']")
    sources = text_list(assessment["sources"], "assessment['sources']")
    score = quality_score(assessment["score"], "assessment['score']")
    when = calculated_at or metadata.get("assessment_timestamp")
    if when is None:
        from shared_services.events.model import utc_now

        when = utc_now()
    return {
        "quality_tier": parse_tier(assessment["tier"]).value,
        "quality_score": score,
        "quality_issues": issues,
        "data_sources": successful_sources(sources),
        "quality_sample_size": int(metadata.get("sample_size") or 0),
        "quality_used_fallback": bool(metadata.get("backup_source_used", "backup_source_used" in issues)),
        "quality_reconstructed": bool(metadata.get("reconstruction_applied")) or "reconstructed" in issues,
        "quality_calculated_at": to_utc_iso(when),
        "quality_metadata": json_safe_value(metadata),
    }


class FrozenList(list):  # type: ignore[type-arg]
    """A list that cannot be changed: the one value a quality column shares across its rows.

    It is a ``list`` (equal to plain lists, JSON-serialisable, accepted wherever a REPEATED
    value is), but every mutating method raises ``TypeError``: one row's value is every row's
    value, so changing it in place would change the whole batch.

    Example::

        >>> issues = FrozenList(['thin_sample:3/8'])
        >>> issues == ['thin_sample:3/8']
        True
        >>> issues.append('x')
        Traceback (most recent call last):
        ...
        TypeError: quality column values are shared by every row of the batch and read-only; copy first: list(value) / dict(value)
    """

    __slots__ = ()

    def _read_only(self, *args: object, **kwargs: object) -> Any:
        raise TypeError(_READ_ONLY)

    append = extend = insert = pop = remove = clear = sort = reverse = _read_only
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (list(self),))


class FrozenDict(dict):  # type: ignore[type-arg]
    """A dict that cannot be changed (see :class:`FrozenList`); ``dict(value)`` copies it.

    Example::

        >>> metadata = FrozenDict({'sample_size': 13})
        >>> metadata['sample_size'], metadata == {'sample_size': 13}
        (13, True)
    """

    __slots__ = ()

    def _read_only(self, *args: object, **kwargs: object) -> Any:
        raise TypeError(_READ_ONLY)

    __setitem__ = __delitem__ = __ior__ = _read_only
    pop = popitem = clear = update = setdefault = _read_only

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))


_READ_ONLY = (
    "quality column values are shared by every row of the batch and read-only; copy first: "
    "list(value) / dict(value)"
)


def _frozen(value: Any) -> Any:
    """A JSON-safe value with every list and dict inside it made read-only."""
    if isinstance(value, dict):
        return FrozenDict({key: _frozen(item) for key, item in value.items()})
    if isinstance(value, list):
        return FrozenList(_frozen(item) for item in value)
    return value


#: ``quality_tier`` categories, worst first, so the categorical orders tiers by rank.
_TIER_CATEGORIES = [tier.value for tier in sorted(QualityTier, key=lambda t: TIER_RANK[t])]


#: The ``quality_tier`` dtype, built once (building a categorical's dtype from its categories
#: is most of the cost of a small batch's column).
_TIER_DTYPE = pd.CategoricalDtype(_TIER_CATEGORIES, ordered=True)
_ONE_CATEGORY: dict[str, pd.CategoricalDtype] = {}


def _one_category(value: str) -> pd.CategoricalDtype:
    """The dtype of a one-category categorical of ``value`` (the same dtype as ``categories=[value]``)."""
    dtype = _ONE_CATEGORY.get(value)
    if dtype is None:
        if len(_ONE_CATEGORY) >= 256:
            _ONE_CATEGORY.clear()
        dtype = _ONE_CATEGORY[value] = pd.CategoricalDtype([value])
    return dtype


def _constant(value: Any, index: pd.Index) -> pd.Series:
    """``value`` on every row of ``index``, at the cost of one array allocation.

    The array is wrapped in a Series on the frame's own index (``copy=False``): assigning a
    bare array would copy it, and a bare object array would be scanned for dtype inference.
    """
    rows = len(index)
    data: Any
    if isinstance(value, bool):
        data = np.full(rows, value, dtype=bool)
    elif isinstance(value, int):
        data = np.full(rows, value, dtype=np.int64)
    elif isinstance(value, float):
        data = np.full(rows, value, dtype=np.float64)
    elif isinstance(value, QualityTier):
        data = pd.Categorical.from_codes(
            np.full(rows, _TIER_CATEGORIES.index(value.value), dtype=np.int8), dtype=_TIER_DTYPE)
    elif isinstance(value, str):
        # A one-category categorical: 1 byte per row instead of a string (or pointer) each.
        data = pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), dtype=_one_category(value))
    else:
        data = np.empty(rows, dtype=object)
        data.fill(_frozen(value))  # every row holds the same read-only object, no per-row copy
        return pd.Series(data, index=index, dtype=object, copy=False)
    return pd.Series(data, index=index, copy=False)


def add_quality_columns(
    frame: pd.DataFrame, assessment: Mapping[str, Any], calculated_at: datetime | str | None = None
) -> pd.DataFrame:
    """A new frame: ``frame``'s columns plus the standard quality columns, the same on every row.

    One assessment scores a whole batch, so its columns are constant: each costs about one
    array allocation (10,000,000 rows in well under a second), never a per-row copy.
    ``frame`` is not modified (pandas copy-on-write: its columns are shared, not copied).
    Column types: ``quality_tier`` an ordered categorical (worst ... best, so ``min()`` is the
    worst tier), ``quality_calculated_at`` a one-category categorical of its ISO string,
    ``quality_score`` float64, ``quality_sample_size`` int64, the two flags bool, and
    ``quality_issues`` / ``data_sources`` / ``quality_metadata`` one shared read-only
    :class:`FrozenList` / :class:`FrozenDict` (copy before changing one: ``list(value)``).
    Existing quality columns are replaced.

    Example::

        out = add_quality_columns(df, assessment)
        assert out['quality_tier'].nunique() == 1
        out.to_dict('records')[0]['quality_tier']   # 'silver'
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    columns = quality_columns(assessment, calculated_at)
    columns["quality_tier"] = parse_tier(columns["quality_tier"])
    plain = (len(frame.columns) > 0 and frame.columns.nlevels == 1 and not frame.columns.has_duplicates
             and frame.columns.name is None and not frame.attrs)
    if plain:
        # One frame built from the columns (the same Series objects, not copied) instead of
        # nine column insertions: per-insertion overhead is most of the cost on a game's rows.
        # The column order is what the insertions give: a quality column the frame already
        # has keeps its place, the others follow in QUALITY_COLUMN_NAMES order.
        # (``items()`` hands out the column Series at about half the cost of ``frame[name]``
        # each, the largest part of a game's cost here; the same objects and no copy.)
        data: dict[Any, Any] = dict(frame.items())
        for name in QUALITY_COLUMN_NAMES:
            data[name] = _constant(columns[name], frame.index)
        return pd.DataFrame(data, index=frame.index, copy=False)
    out = frame.copy(deep=False)
    for name in QUALITY_COLUMN_NAMES:
        out[name] = _constant(columns[name], out.index)
    return out
