"""Source coverage constants: event types, severities and quality tiers.

Every member is a ``str`` (an :class:`enum.StrEnum`), so it compares equal to its plain
value and serializes to JSON as that plain string::

    >>> QualityTier.GOLD == 'gold'
    True
    >>> import json; json.dumps({'tier': QualityTier.SILVER})
    '{"tier": "silver"}'

Tiers and severities carry an explicit rank. Never order them as strings: alphabetically
``'warning' > 'critical'`` and ``'unusable' > 'gold'``. Use the helpers instead::

    >>> worst_tier(['gold', 'bronze', 'silver'])
    <QualityTier.BRONZE: 'bronze'>
    >>> worst_severity(['info', 'critical', 'warning'])
    <SourceCoverageSeverity.CRITICAL: 'critical'>
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

__all__ = [
    "SourceCoverageEventType",
    "SourceCoverageSeverity",
    "QualityTier",
    "TIER_RANK",
    "SEVERITY_RANK",
    "tier_rank",
    "severity_rank",
    "parse_tier",
    "parse_severity",
    "parse_event_type",
    "worst_tier",
    "best_tier",
    "worst_severity",
    "tier_at_most",
    "is_worse_tier",
]


class SourceCoverageEventType(StrEnum):
    """Standard event types written to ``nba_reference.source_coverage_log``.

    Example::

        self.log_quality_event(SourceCoverageEventType.FALLBACK_USED, 'info', 'used bdl')
    """

    # Source availability
    SOURCE_MISSING = "source_missing"
    SOURCE_DEGRADED = "source_degraded"
    SOURCE_TIMEOUT = "source_timeout"
    SOURCE_ERROR = "source_error"
    # Fallback handling
    FALLBACK_USED = "fallback_used"
    FALLBACK_FAILED = "fallback_failed"
    # Reconstruction
    RECONSTRUCTION = "reconstruction"
    RECONSTRUCTION_FAILED = "reconstruction_failed"
    # Sample size
    INSUFFICIENT_SAMPLE = "insufficient_sample"
    THIN_SAMPLE = "thin_sample"
    # Player-specific
    NEW_PLAYER = "new_player_no_history"
    TRADED_PLAYER = "traded_player_context"
    # Quality
    QUALITY_DEGRADATION = "quality_degradation"
    # Validation
    VALIDATION_FAILURE = "validation_failure"
    # Audit
    SILENT_FAILURE = "silent_failure"


class SourceCoverageSeverity(StrEnum):
    """Event severity. CRITICAL alerts at once, WARNING goes to a digest, INFO is logged only."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


class QualityTier(StrEnum):
    """Quality tiers, best first. Rank them with :data:`TIER_RANK`, never alphabetically."""

    GOLD = "gold"
    SILVER = "silver"
    BRONZE = "bronze"
    POOR = "poor"
    UNUSABLE = "unusable"


#: Higher is better: unusable < poor < bronze < silver < gold.
TIER_RANK: dict[QualityTier, int] = {
    QualityTier.UNUSABLE: 0,
    QualityTier.POOR: 1,
    QualityTier.BRONZE: 2,
    QualityTier.SILVER: 3,
    QualityTier.GOLD: 4,
}

#: Higher is more severe: info < warning < critical.
SEVERITY_RANK: dict[SourceCoverageSeverity, int] = {
    SourceCoverageSeverity.INFO: 0,
    SourceCoverageSeverity.WARNING: 1,
    SourceCoverageSeverity.CRITICAL: 2,
}


def _parse(enum_cls: type[StrEnum], value: object, what: str) -> StrEnum:
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, str):
        try:
            return enum_cls(value)
        except ValueError:
            pass
    allowed = ", ".join(m.value for m in enum_cls)
    raise ValueError(f"unknown {what} {value!r}; expected one of: {allowed}")


def parse_tier(value: object) -> QualityTier:
    """Return ``value`` as a :class:`QualityTier`; raise ``ValueError`` naming it if unknown.

    Example::

        >>> parse_tier('silver')
        <QualityTier.SILVER: 'silver'>
    """
    return _parse(QualityTier, value, "quality tier")  # type: ignore[return-value]


def parse_severity(value: object) -> SourceCoverageSeverity:
    """Return ``value`` as a :class:`SourceCoverageSeverity`; ``ValueError`` if unknown.

    Example::

        >>> parse_severity('critical')
        <SourceCoverageSeverity.CRITICAL: 'critical'>
    """
    return _parse(SourceCoverageSeverity, value, "severity")  # type: ignore[return-value]


def parse_event_type(value: object) -> SourceCoverageEventType:
    """Return ``value`` as a :class:`SourceCoverageEventType`; ``ValueError`` if unknown.

    Example::

        >>> parse_event_type('fallback_used')
        <SourceCoverageEventType.FALLBACK_USED: 'fallback_used'>
    """
    return _parse(SourceCoverageEventType, value, "event type")  # type: ignore[return-value]


def tier_rank(tier: object) -> int:
    """Rank of a tier (0 = unusable ... 4 = gold).

    Example::

        >>> tier_rank('bronze') < tier_rank('silver')
        True
    """
    return TIER_RANK[parse_tier(tier)]


def severity_rank(severity: object) -> int:
    """Rank of a severity (0 = info, 1 = warning, 2 = critical).

    Example::

        >>> severity_rank('critical') > severity_rank('warning')
        True
    """
    return SEVERITY_RANK[parse_severity(severity)]


def is_worse_tier(a: object, b: object) -> bool:
    """True when tier ``a`` ranks strictly below tier ``b``.

    Example::

        >>> is_worse_tier('poor', 'bronze')
        True
    """
    return tier_rank(a) < tier_rank(b)


def worst_tier(tiers: Iterable[object]) -> QualityTier:
    """The worst tier by rank. Empty input or an unknown tier raises ``ValueError``.

    Example::

        >>> worst_tier(['gold', 'poor'])
        <QualityTier.POOR: 'poor'>
    """
    parsed = [parse_tier(t) for t in tiers]
    if not parsed:
        raise ValueError("worst_tier() needs at least one tier; got an empty sequence")
    return min(parsed, key=TIER_RANK.__getitem__)


def best_tier(tiers: Iterable[object]) -> QualityTier:
    """The best tier by rank. Empty input or an unknown tier raises ``ValueError``.

    Example::

        >>> best_tier(['bronze', 'silver'])
        <QualityTier.SILVER: 'silver'>
    """
    parsed = [parse_tier(t) for t in tiers]
    if not parsed:
        raise ValueError("best_tier() needs at least one tier; got an empty sequence")
    return max(parsed, key=TIER_RANK.__getitem__)


def worst_severity(severities: Iterable[object]) -> SourceCoverageSeverity:
    """The most severe value by rank. Empty input or an unknown value raises ``ValueError``.

    Example::

        >>> worst_severity(['warning', 'info'])
        <SourceCoverageSeverity.WARNING: 'warning'>
    """
    parsed = [parse_severity(s) for s in severities]
    if not parsed:
        raise ValueError("worst_severity() needs at least one severity; got an empty sequence")
    return max(parsed, key=SEVERITY_RANK.__getitem__)


def tier_at_most(tier: object, ceiling: object) -> QualityTier:
    """Cap ``tier`` at ``ceiling``: a cap only ever lowers a tier.

    Example::

        >>> tier_at_most('gold', 'silver')
        <QualityTier.SILVER: 'silver'>
        >>> tier_at_most('bronze', 'silver')
        <QualityTier.BRONZE: 'bronze'>
    """
    return worst_tier([tier, ceiling])
