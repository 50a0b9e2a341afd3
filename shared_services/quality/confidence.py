"""Phase 5 confidence ceilings: data quality caps how confident a prediction may be.

Gold data allows full confidence; each lower tier lowers the ceiling; unusable data allows
no prediction at all (:class:`UnusableQualityError`, the caller skips the prediction and
logs a warning event). Logging is the caller's job; :func:`is_significant_reduction` says
when a cap is large enough (more than 0.10) to deserve an info event.

Example::

    >>> cap_confidence(0.92, 'silver')
    (0.92, False)
    >>> cap_confidence(0.92, 'bronze')
    (0.8, True)
"""

from __future__ import annotations

import math
import numbers
import types
from collections.abc import Mapping

from shared_services.constants.source_coverage import QualityTier, parse_tier

__all__ = [
    "CONFIDENCE_CEILING",
    "SIGNIFICANT_REDUCTION",
    "UnusableQualityError",
    "cap_confidence",
    "is_significant_reduction",
]

#: Highest confidence a prediction may carry for each usable tier (SCORING.md, downstream).
CONFIDENCE_CEILING: Mapping[QualityTier, float] = types.MappingProxyType(
    {
        QualityTier.GOLD: 1.00,
        QualityTier.SILVER: 0.95,
        QualityTier.BRONZE: 0.80,
        QualityTier.POOR: 0.60,
    }
)

#: A cap that lowers confidence by more than this deserves an info event.
SIGNIFICANT_REDUCTION = 0.10


class UnusableQualityError(ValueError):
    """The input quality is ``unusable``: make no prediction (skip it and log a warning).

    Example::

        >>> try:
        ...     cap_confidence(0.7, 'unusable')
        ... except UnusableQualityError:
        ...     print('skip prediction')
        skip prediction
    """


def _check_confidence(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1]; got {type(value).__name__} {value!r}")
    number = float(value)
    if math.isnan(number) or not 0.0 <= number <= 1.0:
        raise ValueError(f"{name} must be a number in [0, 1]; got {value!r}")
    return number


def cap_confidence(base_confidence: float, tier: QualityTier | str) -> tuple[float, bool]:
    """Cap ``base_confidence`` at the ceiling of ``tier``: ``(final, capped)``.

    ``capped`` is True only when the ceiling actually lowered the value.

    Raises:
        UnusableQualityError: ``tier`` is unusable (no prediction may be made).
        ValueError: unknown tier, or ``base_confidence`` NaN or outside [0, 1].
        TypeError: ``base_confidence`` is not a real number.

    Example::

        >>> cap_confidence(0.99, 'gold')
        (0.99, False)
        >>> cap_confidence(0.9, 'poor')
        (0.6, True)
    """
    parsed = parse_tier(tier)
    base = _check_confidence(base_confidence, "base_confidence")
    if parsed is QualityTier.UNUSABLE:
        raise UnusableQualityError(
            f"quality tier is unusable: no prediction may be made (base confidence {base})"
        )
    ceiling = CONFIDENCE_CEILING[parsed]
    if base > ceiling:
        return ceiling, True
    return base, False


def is_significant_reduction(base_confidence: float, final_confidence: float) -> bool:
    """True when capping lowered confidence by more than :data:`SIGNIFICANT_REDUCTION`.

    Compared at 9 decimals so binary rounding (``0.9 - 0.8 == 0.0999...``) cannot decide.

    Example::

        >>> is_significant_reduction(0.92, 0.80)
        True
        >>> is_significant_reduction(0.90, 0.80)
        False
    """
    base = _check_confidence(base_confidence, "base_confidence")
    final = _check_confidence(final_confidence, "final_confidence")
    return round(base - final, 9) > SIGNIFICANT_REDUCTION
