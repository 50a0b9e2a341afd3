"""Small helpers around quality results: worst-wins tiers, weighted scores, readable issues.

Example::

    >>> aggregate_quality_tiers(['gold', 'bronze', 'silver'])
    <QualityTier.BRONZE: 'bronze'>
    >>> calculate_weighted_quality_score([90.0, 60.0], [3, 1])
    82.5
    >>> format_quality_issues(['thin_sample:2/10', 'backup_source_used'])
    'Thin sample: 2 of 10 expected rows; Backup source used (primary unavailable)'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence

from shared_services.constants.source_coverage import QualityTier, worst_tier

__all__ = [
    "aggregate_quality_tiers",
    "calculate_weighted_quality_score",
    "format_quality_issue",
    "format_quality_issues",
]

# Readable text per issue prefix the scorer emits (shared_services.quality.scoring).
_ISSUES_WITHOUT_DETAIL = {
    "no_data": "No data received",
    "empty_data": "Empty data: zero rows",
    "backup_source_used": "Backup source used (primary unavailable)",
    "reconstructed": "Data reconstructed from other sources",
}
_ISSUES_WITH_FIELD = {
    "missing_required": "Missing required field",
    "missing_optional": "Missing optional field",
    "high_null_rate": "High null rate in field",
}
_THIN_SAMPLE = "thin_sample"


def aggregate_quality_tiers(tiers: Iterable[QualityTier | str]) -> QualityTier:
    """The overall tier of several inputs: the worst by rank (a ``str`` enum member).

    Raises:
        ValueError: empty input, or an unknown tier (named in the message).

    Example::

        >>> aggregate_quality_tiers(['silver', 'poor']) == 'poor'
        True
    """
    if isinstance(tiers, str | bytes):  # list('gold') would be four unknown tiers 'g', 'o', ...
        raise TypeError(f"tiers must be a list of tiers, not the {type(tiers).__name__} {tiers!r}")
    parsed = list(tiers)
    if not parsed:
        raise ValueError("aggregate_quality_tiers() needs at least one tier; got none")
    return worst_tier(parsed)


def _check_number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number; got {type(value).__name__} {value!r}")
    number = float(value)
    if math.isnan(number):
        raise ValueError(f"{what} is NaN")
    return number


def calculate_weighted_quality_score(
    scores: Sequence[float], weights: Sequence[float] | None = None
) -> float:
    """Weighted mean of quality scores (0-100), rounded to one decimal like every score.

    ``weights`` defaults to equal weights.

    Raises:
        ValueError: empty ``scores`` (there is no score of nothing), a length mismatch, a NaN,
            a score outside [0, 100], a negative or infinite weight, or weights summing to 0.
        TypeError: a non-numeric score or weight.

    Example::

        >>> calculate_weighted_quality_score([100.0, 50.0])
        75.0
        >>> calculate_weighted_quality_score([100.0, 50.0], [1, 0])
        100.0
    """
    score_list = [_check_number(s, f"scores[{i}]") for i, s in enumerate(scores)]
    if not score_list:
        raise ValueError("calculate_weighted_quality_score() needs at least one score; got none")
    for index, score in enumerate(score_list):
        if not 0.0 <= score <= 100.0:
            raise ValueError(f"scores[{index}] = {score} is outside the quality range [0, 100]")
    if weights is None:
        weight_list = [1.0] * len(score_list)
    else:
        weight_list = [_check_number(w, f"weights[{i}]") for i, w in enumerate(weights)]
        if len(weight_list) != len(score_list):
            raise ValueError(
                f"got {len(score_list)} scores but {len(weight_list)} weights; "
                f"give one weight per score"
            )
        for index, weight in enumerate(weight_list):
            if weight < 0 or math.isinf(weight):
                raise ValueError(f"weights[{index}] = {weight} must be finite and >= 0")
    total = math.fsum(weight_list)
    if total == 0:
        raise ValueError("weights sum to 0; at least one weight must be positive")
    weighted = math.fsum(s * w for s, w in zip(score_list, weight_list, strict=True))
    return round(weighted / total, 1)


def format_quality_issue(issue: str) -> str:
    """One issue code as readable text; unknown codes get a readable fallback.

    Example::

        >>> format_quality_issue('missing_required:rebounds')
        'Missing required field: rebounds'
        >>> format_quality_issue('stale_feed:espn')
        'Stale feed: espn'
    """
    if not isinstance(issue, str):
        raise TypeError(f"an issue must be a str; got {type(issue).__name__} {issue!r}")
    prefix, separator, detail = issue.partition(":")
    if prefix == _THIN_SAMPLE and separator:
        rows, slash, expected = detail.partition("/")
        if slash and rows.strip().isdigit() and expected.strip().isdigit():
            return f"Thin sample: {rows.strip()} of {expected.strip()} expected rows"
        return f"Thin sample: {detail}"
    if prefix == _THIN_SAMPLE:
        return "Thin sample"
    if prefix in _ISSUES_WITH_FIELD:
        label = _ISSUES_WITH_FIELD[prefix]
        return f"{label}: {detail}" if detail else label
    if prefix in _ISSUES_WITHOUT_DETAIL:
        text = _ISSUES_WITHOUT_DETAIL[prefix]
        return f"{text}: {detail}" if detail else text
    readable = prefix.replace("_", " ").strip().capitalize() or "Issue"
    return f"{readable}: {detail}" if detail else readable


def format_quality_issues(issues: Iterable[str]) -> str:
    """Issue codes as one readable line joined by ``'; '``; no issues -> ``'No issues'``.

    Raises:
        TypeError: ``issues`` is a single ``str`` (pass a list) or holds a non-str.

    Example::

        >>> format_quality_issues([])
        'No issues'
        >>> format_quality_issues(['missing_optional:plus_minus', 'reconstructed'])
        'Missing optional field: plus_minus; Data reconstructed from other sources'
    """
    if isinstance(issues, str):
        raise TypeError(f"issues must be a list of issue codes, not the str {issues!r}")
    texts = [format_quality_issue(issue) for issue in issues]
    return "; ".join(texts) if texts else "No issues"
