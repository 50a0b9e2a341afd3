"""Phase 4 quality inheritance: an output built from several inputs is as good as its worst.

Worst tier wins by rank (unusable < poor < bronze < silver < gold, never alphabetical), the
score is the minimum, issues are the sorted union, and the number of inputs is recorded.
An empty input is an error, never a silent tier.

Example::

    >>> result = inherit_quality(['gold', 'bronze'], [97.0, 73.6], [[], ['thin_sample:3/8']])
    >>> result['tier'], result['score'], result['issues'], result['sample_size']
    (<QualityTier.BRONZE: 'bronze'>, 73.6, ['thin_sample:3/8'], 2)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from shared_services.constants.source_coverage import QualityTier, parse_tier, worst_tier

__all__ = ["AGGREGATION_METHOD", "inherit_quality", "aggregate_assessments"]

#: Recorded in ``metadata['aggregation_method']``.
AGGREGATION_METHOD = "worst_wins"


def _check_score(value: object, index: int) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"scores[{index}] must be a number; got {type(value).__name__} {value!r}")
    number = float(value)
    if math.isnan(number):
        raise ValueError(f"scores[{index}] is NaN; every input needs a real quality score")
    return number


def inherit_quality(
    tiers: Sequence[QualityTier | str],
    scores: Sequence[float],
    issues_lists: Sequence[Iterable[str]],
) -> dict[str, Any]:
    """Combine the quality of several inputs, worst wins.

    Returns ``{'tier', 'score', 'issues', 'sample_size', 'metadata'}`` where ``metadata`` is
    ``{'input_tiers': [...], 'aggregation_method': 'worst_wins'}``.

    Raises:
        ValueError: empty input, sequences of different lengths, an unknown tier, a NaN score.
        TypeError: a score that is not a number, an issue that is not a str.

    Example::

        >>> inherit_quality(['silver', 'silver'], [90.0, 88.5], [['reconstructed'], []])['score']
        88.5
    """
    tier_list, score_list, issue_list = list(tiers), list(scores), list(issues_lists)
    if not tier_list:
        raise ValueError("inherit_quality() needs at least one input; got none")
    if not len(tier_list) == len(score_list) == len(issue_list):
        raise ValueError(
            f"tiers, scores and issues_lists must have one entry per input; got lengths "
            f"{len(tier_list)}, {len(score_list)}, {len(issue_list)}"
        )
    parsed = [parse_tier(t) for t in tier_list]
    numbers_ = [_check_score(s, i) for i, s in enumerate(score_list)]
    union: set[str] = set()
    for index, issues in enumerate(issue_list):
        if isinstance(issues, str):
            raise TypeError(
                f"issues_lists[{index}] must be a list of issues, not the str {issues!r}"
            )
        for issue in issues:
            if not isinstance(issue, str):
                raise TypeError(f"issues_lists[{index}] holds a non-str issue {issue!r}")
            union.add(issue)
    return {
        "tier": worst_tier(parsed),
        "score": min(numbers_),
        "issues": sorted(union),
        "sample_size": len(parsed),
        "metadata": {
            "input_tiers": [t.value for t in parsed],
            "aggregation_method": AGGREGATION_METHOD,
        },
    }


def aggregate_assessments(assessments: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """:func:`inherit_quality` over results of ``assess_quality`` (or rows with the same keys).

    Each item needs ``tier`` and ``score``; ``issues`` defaults to none.

    Example::

        >>> aggregate_assessments([
        ...     {'tier': 'gold', 'score': 100.0, 'issues': []},
        ...     {'tier': 'poor', 'score': 30.0, 'issues': ['backup_source_used']},
        ... ])['tier']
        <QualityTier.POOR: 'poor'>
    """
    items = list(assessments)
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise TypeError(f"assessments[{index}] must be a mapping; got {type(item).__name__}")
        missing = [key for key in ("tier", "score") if key not in item]
        if missing:
            raise ValueError(f"assessments[{index}] is missing {missing}")
    return inherit_quality(
        [item["tier"] for item in items],
        [item["score"] for item in items],
        [item.get("issues") or [] for item in items],
    )
