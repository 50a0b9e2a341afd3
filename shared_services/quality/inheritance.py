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

import dataclasses
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from shared_services.constants.source_coverage import QualityTier, parse_tier, worst_tier
from shared_services.quality import scoring
from shared_services.quality.checks import quality_score, text_list
from shared_services.quality.season import GameDateLike, as_game_date, expected_sample_size

__all__ = [
    "AGGREGATION_METHOD",
    "inherit_quality",
    "aggregate_assessments",
    "apply_sample_expectation",
]

# assess_quality records a timestamp; a fixed one keeps apply_sample_expectation pure.
_FIXED_NOW = datetime(1970, 1, 1, tzinfo=UTC)

#: Recorded in ``metadata['aggregation_method']``.
AGGREGATION_METHOD = "worst_wins"


def _check_score(value: object, index: int) -> float:
    if isinstance(value, float) and math.isnan(value):
        raise ValueError(f"scores[{index}] is NaN; every input needs a real quality score")
    return quality_score(value, f"scores[{index}]")  # a number from 0 to 100


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


#: What the sample alone scores, by (rows, day, max_expected, the config's repr): a function of
#: exactly these (the config is a frozen dataclass of plain values, so equal reprs are equal
#: configs; ``now`` is fixed). Phase 4 asks for the same few sample sizes for every player.
_SAMPLE_OUTCOMES: dict[tuple[Any, ...], tuple[int, scoring.ScoringConfig, dict[str, Any]]] = {}
_SAMPLE_OUTCOMES_SIZE = 4096


def _sample_outcome(rows: int, day: Any, max_expected: int | None, base_config: scoring.ScoringConfig
                    ) -> tuple[int, scoring.ScoringConfig, dict[str, Any]]:
    """(expected sample size, the field-less config, :func:`assess_quality` of the sample alone)."""
    key = (rows, day, max_expected, repr(base_config))
    cached = _SAMPLE_OUTCOMES.get(key)
    if cached is not None:
        return cached
    sample_config = dataclasses.replace(
        base_config, required_fields=(), optional_fields=(), field_weights={}, primary_sources=()
    )
    expected = expected_sample_size(day, sample_config.sample_thresholds)
    if max_expected is not None:
        expected = min(expected, int(max_expected))
    sample = scoring.assess_quality(
        pd.DataFrame(index=range(rows)),
        [],
        context={"expected_sample_size": expected},
        game_date=day,
        config=sample_config,
        now=_FIXED_NOW,
    )
    if len(_SAMPLE_OUTCOMES) >= _SAMPLE_OUTCOMES_SIZE:
        _SAMPLE_OUTCOMES.clear()
    _SAMPLE_OUTCOMES[key] = (expected, sample_config, sample)  # read, never changed, by the caller
    return expected, sample_config, sample


def apply_sample_expectation(
    inherited: Mapping[str, Any],
    analysis_date: GameDateLike,
    *,
    max_expected: int | None = None,
    config: scoring.ScoringConfig | None = None,
) -> dict[str, Any]:
    """Degrade an inherited quality for a sample thinner than the season expects.

    SCORING.md rules 5-7 applied to an aggregate of ``inherited['sample_size']`` inputs on
    ``analysis_date``: the expectation is :func:`~shared_services.quality.season.
    expected_sample_size` (with ``config``'s thresholds), capped at ``max_expected`` (a rolling
    window of 3 games cannot be expected to hold 8). The rules themselves are not re-coded:
    the sample alone is scored by :func:`~shared_services.quality.scoring.assess_quality`
    with a field-less config, and its outcome combines with ``inherited`` worst-wins:

    * ``thin_sample:<rows>/<expected>`` issue and score x 0.8 when rows / expected < 0.5;
    * at most bronze when rows / expected < 0.5 (< 0.3 early in the season);
    * at most poor with fewer than 2 rows while 2 or more are expected;
    * never better than the tier the (reduced) score earns.

    Returns a new dict with the keys of :func:`inherit_quality`; ``metadata`` gains
    ``expected_sample_size``, ``early_season`` and ``sample_ratio``.

    Raises:
        ValueError: ``inherited`` lacks tier/score/sample_size, or its sample size is < 1.

    Example::

        >>> base = inherit_quality(['gold'] * 3, [100.0] * 3, [[], [], []])
        >>> thin = apply_sample_expectation(base, '2025-01-15')   # 8 expected mid-season
        >>> thin['tier'], thin['score'], thin['issues']
        (<QualityTier.BRONZE: 'bronze'>, 80.0, ['thin_sample:3/8'])
        >>> apply_sample_expectation(base, '2025-01-15', max_expected=3)['tier']
        <QualityTier.GOLD: 'gold'>
    """
    missing = [key for key in ("tier", "score", "sample_size") if key not in inherited]
    if missing:
        raise ValueError(f"inherited quality is missing {missing}; pass inherit_quality()'s result")
    rows = inherited["sample_size"]
    if isinstance(rows, bool) or not isinstance(rows, numbers.Integral) or rows < 1:
        raise ValueError(f"inherited sample_size must be an int >= 1; got {rows!r}")
    if max_expected is not None and (isinstance(max_expected, bool) or not isinstance(max_expected, numbers.Integral)
                                     or max_expected < 0):
        raise ValueError(f"max_expected must be an int >= 0 or None; got {max_expected!r}")
    base_config = config if config is not None else scoring.ScoringConfig()
    day = as_game_date(analysis_date)
    expected, sample_config, sample = _sample_outcome(int(rows), day, max_expected, base_config)
    # A field-less sample scores 100, x 0.8 when thin: the factor is its score / 100.
    score = round(_check_score(inherited["score"], 0) * sample["score"] / 100.0, 1)
    tier = worst_tier(
        [inherited["tier"], sample["tier"], scoring.tier_for_score(score, sample_config)]
    )
    issues = sorted(set(text_list(inherited.get("issues") or [], "inherited['issues']")) | set(sample["issues"]))
    metadata = dict(inherited.get("metadata") or {})
    metadata.update(
        expected_sample_size=expected,
        early_season=sample["metadata"]["early_season"],
        sample_ratio=sample["metadata"]["sample_ratio"],
    )
    return {
        "tier": tier,
        "score": score,
        "issues": issues,
        "sample_size": int(rows),
        "metadata": metadata,
    }
