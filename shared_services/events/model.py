"""The coverage event row: validated, complete, shaped like ``source_coverage_log``.

:func:`build_event_row` is what ``QualityMixin.log_quality_event`` calls. It checks the event
type and severity against the constants, rejects keywords that are not log columns (naming
them), and returns a plain dict whose values are already JSON-safe for the log's schema, so a
later flush cannot fail on a ``date`` or a numpy scalar.

Example::

    row = build_event_row(
        event_type='fallback_used', severity='info', description='used bdl',
        processor_name='PlayerGameSummaryProcessor', environment='dev',
        game_id='0022400561', fallback_sources_tried=['nbac_gamebook_player_stats_empty'],
    )
    row['event_type'], row['requires_alert']  # ('fallback_used', False)
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA
from shared_services.constants.source_coverage import (
    SourceCoverageSeverity,
    parse_event_type,
    parse_severity,
)
from shared_services.events.serialization import RowConverter
from shared_services.events.text import valid_text, valid_value

__all__ = [
    "ENV_ENVIRONMENT",
    "DEFAULT_ENVIRONMENT",
    "EVENT_COLUMNS",
    "EVENT_KEYWORDS",
    "build_event_row",
    "current_environment",
    "utc_now",
]

ENV_ENVIRONMENT = "COVERAGE_ENVIRONMENT"
DEFAULT_ENVIRONMENT = "dev"

EVENT_COLUMNS: tuple[str, ...] = tuple(f.name for f in COVERAGE_LOG_SCHEMA)

# Set by build_event_row itself (or from its named arguments), never by **kwargs.
_MANAGED = {
    "event_id",
    "event_type",
    "severity",
    "description",
    "event_timestamp",
    "quality_tier_before",
    "quality_tier_after",
    "quality_score_before",
    "quality_score_after",
    "requires_alert",
    "created_at",
}
#: Keywords ``log_quality_event(**kwargs)`` accepts: every other log column.
EVENT_KEYWORDS: frozenset[str] = frozenset(EVENT_COLUMNS) - _MANAGED


def utc_now() -> datetime:
    """Timezone-aware now in UTC (never the deprecated naive ``utcnow()``)."""
    return datetime.now(UTC)


def current_environment() -> str:
    """The deployment environment from ``$COVERAGE_ENVIRONMENT`` (default 'dev').

    Example::

        os.environ['COVERAGE_ENVIRONMENT'] = 'prod'; current_environment()  # 'prod'
    """
    return os.environ.get(ENV_ENVIRONMENT, "").strip() or DEFAULT_ENVIRONMENT


def _quality_part(quality: Mapping[str, Any] | None, key: str, which: str) -> Any:
    if quality is None:
        return None
    if not isinstance(quality, Mapping):
        raise TypeError(f"{which} must be a quality assessment dict or None, got {type(quality).__name__}")
    return quality.get(key)


def build_event_row(
    event_type: object,
    severity: object,
    description: str,
    quality_before: Mapping[str, Any] | None = None,
    quality_after: Mapping[str, Any] | None = None,
    *,
    now: datetime | None = None,
    **columns: Any,
) -> dict[str, Any]:
    """Build one complete, JSON-safe log row.

    ``columns`` may hold any log column listed in :data:`EVENT_KEYWORDS`; anything else is a
    ``ValueError`` that names the keyword. Unknown event types and severities are
    ``ValueError`` too. ``environment`` defaults to :func:`current_environment`. Every string
    in the row is valid Unicode: a lone UTF-16 surrogate (a cut emoji) is replaced by U+FFFD,
    so one scraped name can never block the batch it is flushed with.

    Example::

        row = build_event_row('source_missing', 'critical', 'no source had data',
                              game_id='0022400561', downstream_impact='predictions_blocked')
        row['requires_alert']  # True
    """
    if not columns.keys() <= EVENT_KEYWORDS:
        unknown = sorted(set(columns) - EVENT_KEYWORDS)
        raise ValueError(
            f"unknown event field(s) {unknown}; accepted keywords: {sorted(EVENT_KEYWORDS)}"
        )
    kind = parse_event_type(event_type)
    level = parse_severity(severity)
    if not isinstance(description, str):
        raise TypeError(f"description must be a str, got {type(description).__name__}")
    tier_before = _quality_part(quality_before, "tier", "quality_before")
    tier_after = _quality_part(quality_after, "tier", "quality_after")
    convert = _CONVERTER.convert
    # Every value below is converted exactly as json_safe_row(row, COVERAGE_LOG_SCHEMA) would
    # (compiled once per schema); values the builder makes itself are JSON-safe by construction.
    if now is None:  # aware UTC now: what convert() would write, without the detour
        stamp = datetime.now(UTC).isoformat(timespec="microseconds")
    else:
        stamp = convert("event_timestamp", now)
    row: dict[str, Any] = dict(_TEMPLATE)
    row.update(
        event_id=str(uuid.uuid4()),
        event_timestamp=stamp,
        event_type=kind.value,
        severity=level.value,
        description=valid_text(description),
        is_synthetic=False,
        quality_tier_before=None if tier_before is None else valid_text(str(tier_before)),
        quality_tier_after=None if tier_after is None else valid_text(str(tier_after)),
        quality_score_before=None if quality_before is None else convert(
            "quality_score_before", _quality_part(quality_before, "score", "quality_before")),
        quality_score_after=None if quality_after is None else convert(
            "quality_score_after", _quality_part(quality_after, "score", "quality_after")),
        requires_alert=level in (SourceCoverageSeverity.CRITICAL, SourceCoverageSeverity.WARNING),
        alert_sent=False,
        is_resolved=False,
        created_at=stamp,
        environment=valid_text(current_environment()),
        fallback_sources_tried=[],
    )
    text_fields, nullable_fields = _TEXT_FIELDS, _NULLABLE_FIELDS
    for name, value in columns.items():
        # Valid Unicode at the door: a lone surrogate anywhere would fail the load, then the
        # spool write, for the whole batch. It becomes U+FFFD (see shared_services.events.text).
        if type(value) is str and name in text_fields:  # the common case, inlined
            row[name] = value if value.isascii() else valid_text(value)
        elif value is None and name in nullable_fields:
            if name != "fallback_sources_tried":  # stays [] as set above
                row[name] = None
        else:
            row[name] = _valid(convert(name, value))
    return row


#: Every log column, in schema order, NULL until set (the row's key order is the schema's).
_TEMPLATE: dict[str, Any] = {name: None for name in EVENT_COLUMNS}
_CONVERTER = RowConverter(COVERAGE_LOG_SCHEMA)
#: Scalar STRING columns (a ``str`` is stored as is) and columns that may be NULL / empty.
_TEXT_FIELDS = frozenset(f.name for f in COVERAGE_LOG_SCHEMA
                         if f.field_type.upper() == "STRING" and f.mode != "REPEATED")
_NULLABLE_FIELDS = frozenset(f.name for f in COVERAGE_LOG_SCHEMA if f.mode != "REQUIRED")


def _valid(value: Any) -> Any:
    """``valid_value(value)`` without its JSON pass for the common cases (ASCII text)."""
    kind = type(value)
    if kind is str:
        return value if value.isascii() else valid_text(value)
    if kind is list and all(type(item) is str and item.isascii() for item in value):
        return value
    if kind in _PLAIN:
        return value
    return valid_value(value)


_PLAIN = (int, float, bool, type(None))
