"""The coverage event row: validated, complete, shaped like ``source_coverage_log``.

:func:`build_event_row` is what ``QualityMixin.log_quality_event`` calls (through
:func:`event_row`). It checks the event type and severity against the constants, rejects
keywords that are not log columns (naming them), and returns a plain dict whose values are
already JSON-safe for the log's schema, so a later flush cannot fail on a ``date`` or a numpy
scalar.

Speed: a processor may log 100,000 events in a run, so the common case (plain ``str`` / ``date``
/ ``float`` / list-of-``str`` values) takes a lean path: a copy of a template row in schema order, the
enum members looked up in dicts, ``game_date`` and its season label cached per date, the
timestamp text built from a per-second prefix, event ids drawn from a pool of UUID4 texts
made from one ``os.urandom`` call (formatted in numpy). The commonest events (``str`` type
and severity, ASCII text, ``str`` / None labels and keywords) take a flatter path still
(``_quiet_entry``): one cached starting row per severity and run labels, the keywords' types
and ASCII checked together in C, and - for an event that is not critical - the buffered
tuple keeps its two timestamps as integer microseconds (:func:`stamp_text` gives the row's
text). An event with any other value, or with anything unusual
about the event itself (an unknown keyword, type, severity or quality tier, a quality dict
that is not a plain ``dict``), takes the general path: every value through the schema's converter
(:class:`~shared_services.events.serialization.RowConverter`), at call time, so a bad value
still raises naming its field before anything is buffered, with exactly the errors it always
raised. Both paths give the same row (tests/unit/events/test_event_row_fast_path.py).

Example::

    row = build_event_row(
        event_type='fallback_used', severity='info', description='used bdl',
        processor_name='PlayerGameSummaryProcessor', environment='dev',
        game_id='0022400561', fallback_sources_tried=['nbac_gamebook_player_stats_empty'],
    )
    row['event_type'], row['requires_alert']  # ('fallback_used', False)
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, cast

import numpy as np

from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA
from shared_services.constants.source_coverage import (
    QualityTier,
    SourceCoverageEventType,
    SourceCoverageSeverity,
    parse_event_type,
    parse_severity,
    parse_tier,
)
from shared_services.events.serialization import RowConverter, RowSerializationError, is_missing
from shared_services.events.text import valid_text, valid_value
from shared_services.quality.season import season_label

__all__ = [
    "COLUMN_INDEX",
    "ENV_ENVIRONMENT",
    "DEFAULT_ENVIRONMENT",
    "EVENT_COLUMNS",
    "EVENT_KEYWORDS",
    "MAX_FREE_TEXT_CHARACTERS",
    "MAX_NAME_CHARACTERS",
    "build_event_row",
    "check_event_columns",
    "current_environment",
    "entry_row",
    "event_row",
    "new_event_id",
    "stamp_micros",
    "stamp_text",
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

    Read on every call (a change takes effect at once), without ``os.environ``'s per-call
    key encoding where the platform's mapping allows it.

    Example::

        os.environ['COVERAGE_ENVIRONMENT'] = 'prod'; current_environment()  # 'prod'
    """
    environ = os.environ
    data = getattr(environ, "_data", None)
    if type(data) is not dict or _ENV_KEY is None:  # pragma: no cover - not CPython's mapping
        return environ.get(ENV_ENVIRONMENT, "").strip() or DEFAULT_ENVIRONMENT
    raw = data.get(_ENV_KEY)  # the encoded value, None when unset
    text = _ENV_TEXT.get(raw)
    if text is None:
        text = environ.get(ENV_ENVIRONMENT, "").strip() or DEFAULT_ENVIRONMENT
        if len(_ENV_TEXT) >= 64:
            _ENV_TEXT.clear()
        _ENV_TEXT[raw] = text
    return text


def _env_key() -> Any:
    encode = getattr(os.environ, "encodekey", None)
    try:
        return encode(ENV_ENVIRONMENT) if encode is not None else None
    except Exception:  # pragma: no cover - a platform without the CPython mapping internals
        return None


#: ``os.environ``'s internal key for $COVERAGE_ENVIRONMENT and its decoded, stripped values.
_ENV_KEY = _env_key()
_ENV_TEXT: dict[Any, str] = {}
#: ``os.environ`` as imported and its internal mapping (changed in place by every set/unset).
_ENVIRON = os.environ
_ENV_DATA: dict[Any, Any] | None = getattr(os.environ, "_data", None) if _ENV_KEY is not None else None
if type(_ENV_DATA) is not dict:  # pragma: no cover - not CPython's mapping
    _ENV_DATA = None


# -- event ids ---------------------------------------------------------------------------
_ID_BATCH = 1024
_ID_POOL: list[str] = []
_DASH = ord("-")


def _refill_ids() -> None:
    """1,024 UUID4 texts from one ``os.urandom`` call, formatted in numpy (no per-id Python):
    version nibble 4 and variant bits 10 set as ``uuid.UUID(bytes=..., version=4)`` sets them."""
    raw = np.frombuffer(os.urandom(16 * _ID_BATCH), dtype=np.uint8).reshape(_ID_BATCH, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    digits = np.frombuffer(raw.tobytes().hex().encode("ascii"), dtype=np.uint8).reshape(_ID_BATCH, 32)
    text = np.full((_ID_BATCH, 37), _DASH, dtype=np.uint8)  # 8-4-4-4-12 digits, dashes, a space
    for start, stop, offset in ((0, 8, 0), (8, 12, 1), (12, 16, 2), (16, 20, 3), (20, 32, 4)):
        text[:, start + offset:stop + offset] = digits[:, start:stop]
    text[:, 36] = ord(" ")
    _ID_POOL.extend(text.tobytes().decode("ascii").split())


def new_event_id() -> str:
    """A random UUID4 text, as ``str(uuid.uuid4())`` writes it (same entropy source).

    Ids are cut 1,024 at a time from ONE ``os.urandom`` call; ``list.pop`` hands each out once
    (atomic under the GIL, so threads never share one), and a forked child starts with an
    empty pool so it can never repeat its parent's ids.

    Example::

        uuid.UUID(new_event_id()).version  # 4
    """
    pool = _ID_POOL
    try:
        return pool.pop()
    except IndexError:
        with _ID_LOCK:
            if not pool:
                _refill_ids()
        return new_event_id()


_ID_LOCK = threading.Lock()
os.register_at_fork(after_in_child=_ID_POOL.clear)


# -- timestamps --------------------------------------------------------------------------
_SECOND: tuple[int, str] = (-1, "")


def _now_text() -> str:
    """``datetime.now(UTC).isoformat(timespec='microseconds')`` from a per-second prefix."""
    return stamp_text(time.time_ns() // 1000)


def stamp_text(micros: int) -> str:
    """The log's timestamp text of ``micros`` (microseconds since the epoch, UTC):
    ``datetime.isoformat(timespec='microseconds')`` of that instant in UTC.

    A lean entry (:mod:`shared_services.events.batch`) keeps its ``event_timestamp`` and
    ``created_at`` as this integer; its row dict holds this text.

    Example::

        stamp_text(1_737_003_967_891_011)  # '2025-01-16T05:06:07.891011+00:00'
    """
    global _SECOND
    second, fraction = divmod(micros, 1_000_000)
    cached = _SECOND
    if cached[0] != second:
        cached = _SECOND = (second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{cached[1]}.{fraction:06d}+00:00"


def stamp_micros(text: Any) -> int | None:
    """The inverse of :func:`stamp_text` for its exact output, else None (any other text,
    offset, precision or type): ``stamp_text(stamp_micros(t)) == t`` whenever it is not None.

    Example::

        stamp_micros('2025-01-16T05:06:07.891011+00:00')  # 1737003967891011
    """
    known = _KNOWN_STAMPS.get(text) if type(text) is str else None
    if known is not None:
        return known
    if type(text) is not str or len(text) != 32 or text[19] != "." or not text.endswith("+00:00"):
        return None
    fraction = text[20:26]
    if not (fraction.isascii() and fraction.isdigit()):
        return None
    second = _SECONDS.get(text[:19])
    if second is None:
        try:
            parsed = datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            return None
        second = int(parsed.timestamp())
        if stamp_text(second * 1_000_000)[:19] != text[:19]:  # not the canonical spelling
            return None
        if len(_SECONDS) >= 4096:
            _SECONDS.clear()
        _SECONDS[text[:19]] = second
    return second * 1_000_000 + int(fraction)


#: Canonical ``YYYY-MM-DDTHH:MM:SS`` prefixes -> seconds since the epoch (see stamp_micros).
_SECONDS: dict[str, int] = {}
#: Recent alerting rows' stamp text -> its microseconds (``stamp_text(v) == k`` for each pair).
_KNOWN_STAMPS: dict[str, int] = {}


# -- the row -----------------------------------------------------------------------------
def _quality_part(quality: Mapping[str, Any] | None, key: str, which: str) -> Any:
    if quality is None:
        return None
    if not isinstance(quality, Mapping):
        raise TypeError(f"{which} must be a quality assessment dict or None, got {type(quality).__name__}")
    return quality.get(key)


def _quality_tier(quality: Mapping[str, Any] | None, which: str) -> str | None:
    """The tier name of ``which`` (``quality_before`` / ``quality_after``): None when it has no
    tier; an unknown tier is a ``ValueError`` naming the argument (SCORING.md: unknown tier
    strings are an error - the log's summary view ranks only the five)."""
    tier = _quality_part(quality, "tier", which)
    if tier is None:
        return None
    try:
        return parse_tier(tier).value
    except ValueError as err:
        raise ValueError(f"{which}: {err}") from None


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
    ``ValueError`` that names the keyword. Unknown event types, severities and quality tiers
    (``quality_before`` / ``quality_after``'s ``tier``) are ``ValueError`` too. ``environment`` defaults to :func:`current_environment`. Every string
    in the row is valid Unicode: a lone UTF-16 surrogate (a cut emoji) is replaced by U+FFFD,
    so one scraped name can never block the batch it is flushed with.

    Example::

        row = build_event_row('source_missing', 'critical', 'no source had data',
                              game_id='0022400561', downstream_impact='predictions_blocked')
        row['requires_alert']  # True
    """
    return cast(dict[str, Any], event_row(event_type, severity, description, quality_before, quality_after,
                                          columns, now=now))


def check_event_columns(columns: Mapping[str, Any]) -> None:
    """Raise what :func:`build_event_row` would raise for these keyword columns, or nothing.

    For code that logs an event only on some paths (a fallback, an unusable assessment): it
    checks the caller's columns up front, so a misspelt keyword or a malformed date fails on
    every call instead of only on the night an event is due - when the event it would have
    logged is lost.

    Example::

        check_event_columns({'game_date': '2025-01-15', 'team_abbr': 'LAL'})   # fine
        check_event_columns({'gamedate': '2025-01-15'})   # ValueError: unknown event field(s) ['gamedate'] ...
    """
    if not isinstance(columns, Mapping):
        raise TypeError(f"event columns must be a mapping of keyword to value, got {type(columns).__name__}")
    _general_row(SourceCoverageEventType.FALLBACK_USED, SourceCoverageSeverity.INFO, "", None, None, None,
                 dict(columns))


def event_row(
    event_type: object,
    severity: object,
    description: str,
    quality_before: Mapping[str, Any] | None,
    quality_after: Mapping[str, Any] | None,
    columns: dict[str, Any],
    *,
    now: datetime | None = None,
    season_from_game_date: bool = False,
    labels: tuple[Any, Any, Any, Any, Any, Any] | None = None,
    compact: bool = False,
) -> dict[str, Any] | tuple[Any, ...]:
    """:func:`build_event_row` with the columns as one dict (not copied, not modified).

    ``labels``: ``(phase, table_name, processor_name, processor_run_id, game_id, player_id)``,
    columns set before ``columns`` (which override them), as ``log_quality_event`` labels
    every event. ``season_from_game_date``: a missing or None ``season`` is the season of
    ``game_date`` (:func:`~shared_services.quality.season.season_label`) when that can be
    read; a date it cannot read is reported by the ``game_date`` conversion, naming the field.
    ``compact``: an event the lean path vouches for that is not critical (nothing mutates it
    before the flush: a warning's digest marks are applied to the buffered tuple by event id,
    see :meth:`~shared_services.alerts.dispatcher.AlertDispatcher.take_entry_marks`) comes
    back as a lean entry instead of a dict - a tuple of
    its values in schema order, REPEATED values as tuples (see
    :mod:`shared_services.events.batch`; ``row_of(entry)`` is the dict). Same validation,
    same errors.

    Example::

        row = event_row('fallback_used', 'info', 'used bdl', None, None,
                        {'game_date': date(2025, 1, 15)}, season_from_game_date=True)
        row['season']  # '2024-25'
    """
    if compact and now is None and labels is not None and type(severity) is str \
            and severity in _SEVERITY_TEMPLATES:
        entry = _quiet_entry(event_type, severity, description, quality_before, quality_after, columns, labels,
                             season_from_game_date)
        if entry is not None:
            return entry
    row = _lean_row(event_type, severity, description, quality_before, quality_after, columns, now,
                    season_from_game_date, labels)
    if compact and row is not None and row["severity"] != _CRITICAL:
        # Tuples of atoms only: the cyclic GC untracks them, so a buffer of 10,000 events
        # costs the collector nothing (a dict holding a list is traversed on every pass).
        for name in _LIST_FIELDS:
            if type(row[name]) is list:
                row[name] = tuple(row[name])
        return tuple(row.values())
    if row is None:
        if labels is not None:
            columns = {**dict(zip(_LABELS, labels, strict=True)), **columns}
        if season_from_game_date and columns.get("season") is None and columns.get("game_date") is not None:
            columns = dict(columns)
            try:
                columns["season"] = season_label(columns["game_date"])
            except (TypeError, ValueError):
                pass  # the row builder reports a malformed date with its field name
        row = _general_row(event_type, severity, description, quality_before, quality_after, now, columns)
    return row


def _general_row(
    event_type: object,
    severity: object,
    description: str,
    quality_before: Mapping[str, Any] | None,
    quality_after: Mapping[str, Any] | None,
    now: datetime | None,
    columns: dict[str, Any],
) -> dict[str, Any]:
    """Every check in order, every value through the converter (any input)."""
    if not columns.keys() <= EVENT_KEYWORDS:
        unknown = sorted(set(columns) - EVENT_KEYWORDS)
        raise ValueError(
            f"unknown event field(s) {unknown}; accepted keywords: {sorted(EVENT_KEYWORDS)}"
        )
    kind = parse_event_type(event_type)
    level = parse_severity(severity)
    if not isinstance(description, str):
        raise TypeError(f"description must be a str, got {type(description).__name__}")
    tier_before = _quality_tier(quality_before, "quality_before")
    tier_after = _quality_tier(quality_after, "quality_after")
    convert = _CONVERTER.convert
    # Every value below is converted exactly as json_safe_row(row, COVERAGE_LOG_SCHEMA) would
    # (compiled once per schema); values the builder makes itself are JSON-safe by construction.
    stamp = _now_text() if now is None else convert("event_timestamp", now)
    row: dict[str, Any] = dict(_TEMPLATE)
    row.update(
        event_id=new_event_id(),
        event_timestamp=stamp,
        event_type=kind.value,
        severity=level.value,
        description=valid_text(description),
        is_synthetic=False,
        quality_tier_before=tier_before,
        quality_tier_after=tier_after,
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
    for which, column in (("quality_before", "quality_score_before"), ("quality_after", "quality_score_after")):
        score = row[column]
        if score is not None and not 0.0 <= score <= 100.0:  # NaN and infinities are NULL by now
            raise ValueError(f"{which}: score must be a number from 0 to 100; got {score!r}")
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
            _check_name_value(name, value)
            row[name] = _valid(convert(name, value))
    return _bounded(row)


def _bounded(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with its free text cut to :data:`MAX_FREE_TEXT_CHARACTERS` (a note of the full
    length at its end); ``ValueError`` naming a name or id column, or the sources tried, past
    :data:`MAX_NAME_CHARACTERS`."""
    for name in _FREE_TEXT_FIELDS:
        text = row[name]
        if type(text) is str and len(text) > MAX_FREE_TEXT_CHARACTERS:
            note = f" ... [cut: {len(text):,} characters in all]"
            row[name] = text[:MAX_FREE_TEXT_CHARACTERS - len(note)] + note
    for name in _NAME_FIELDS:
        value = row[name]
        if type(value) is str and len(value) > MAX_NAME_CHARACTERS:
            raise ValueError(f"{name} is {len(value):,} characters long; an event's {name} is at most "
                             f"{MAX_NAME_CHARACTERS:,} (a name or an id; free text goes in the description)")
    sources = row["fallback_sources_tried"]
    if sources and sum(map(len, sources)) + len(sources) > MAX_NAME_CHARACTERS:
        raise ValueError(f"fallback_sources_tried holds {len(sources):,} names, {sum(map(len, sources)):,} characters "
                         f"in all; an event's list of sources is at most {MAX_NAME_CHARACTERS:,} characters")
    return row


def _check_name_value(name: str, value: Any) -> None:
    """Refuse a value a name / id column (or the list of sources) would store as other text."""
    if name in _NAME_FIELDS:
        if isinstance(value, str) or (isinstance(value, _INT_TYPES) and not isinstance(value, bool | np.bool_)) \
                or is_missing(value):  # NaN / NaT / pd.NA: a missing value, stored as NULL
            return
        raise RowSerializationError(f"field {name!r} (STRING): cannot store {value!r}: a name or id is a str "
                                    f"(or an int), not a {type(value).__name__}")
    if name in _LIST_FIELDS:
        if not isinstance(value, list | tuple | np.ndarray):
            raise RowSerializationError(f"field {name!r} (STRING, REPEATED): cannot store {value!r}: a list of "
                                        f"names is a list or tuple (in order), not a {type(value).__name__}")
        for item in value:
            if not isinstance(item, str):
                raise RowSerializationError(f"field {name!r} (STRING, REPEATED): cannot store {value!r}: "
                                            f"{item!r} is not a str")


def _lean_row(
    event_type: object,
    severity: object,
    description: object,
    quality_before: Any,
    quality_after: Any,
    columns: dict[str, Any],
    now: datetime | None,
    season_from_game_date: bool,
    labels: tuple[Any, ...] | None = None,
) -> dict[str, Any] | None:
    """The row for the common case, or None when the general path must decide.

    It never raises for a value: anything it does not vouch for returns None, and the general
    path converts (or rejects) the whole event, so errors and their order are the general
    path's. Few containers are allocated per event (each one feeds the cyclic GC).
    """
    kind = _EVENT_TYPES.get(event_type) if type(event_type) in _ENUM_KEY_TYPES else None  # type: ignore[call-overload]
    level = _SEVERITIES.get(severity) if type(severity) in _ENUM_KEY_TYPES else None  # type: ignore[call-overload]
    if kind is None or level is None or type(description) is not str or not columns.keys() <= EVENT_KEYWORDS \
            or len(description) > MAX_NAME_CHARACTERS:  # (a long text: the general path bounds it)
        return None
    row = dict(_LEAN_TEMPLATE)  # a C-level copy: cheaper than a 36-entry dict display
    # Quality assessments: a plain dict with an ASCII str (or QualityTier) tier and a float score.
    for quality, tier_column, score_column in () if quality_before is None and quality_after is None else (
            (quality_before, "quality_tier_before", "quality_score_before"),
            (quality_after, "quality_tier_after", "quality_score_after")):
        if quality is None:
            continue
        if type(quality) is not dict:
            return None
        tier = quality.get("tier")
        if tier is not None:
            # A tier name or QualityTier member (StrEnum: both find its value); anything else,
            # an unknown name included, goes to the general path, which names it.
            tier = _TIER_TEXT.get(tier) if type(tier) is str or type(tier) is QualityTier else None
            if tier is None:
                return None
        score = quality.get("score")
        if score is not None:
            if type(score) is not float:
                return None
            if not math.isfinite(score):
                score = None
            elif not 0.0 <= score <= 100.0:
                return None  # the general path names it
        row[tier_column] = tier
        row[score_column] = score
    if labels is not None:  # six labels checked in C: each a str or None, all ASCII, not long
        if not _STR_OR_NONE.issuperset(map(type, labels)):
            return None
        joined = "".join(filter(None, labels))
        if len(joined) > MAX_NAME_CHARACTERS or not joined.isascii():
            return None
        row.update(zip(_LABELS, labels, strict=True))
    row["event_timestamp"] = row["created_at"] = _now_text() if now is None else \
        _CONVERTER.convert("event_timestamp", now)
    row["event_type"] = kind
    row["severity"] = level
    row["description"] = description if description.isascii() else valid_text(description)
    row["requires_alert"] = level in _ALERTING
    environment = current_environment()
    row["environment"] = environment if environment.isascii() else valid_text(environment)
    season: str | None = None
    text_fields, list_fields, dates = _TEXT_FIELDS, _LIST_FIELDS, _DATES
    for name, value in columns.items():
        kind_of = type(value)
        if kind_of is str and name in text_fields:
            if len(value) > MAX_NAME_CHARACTERS:
                return None  # the general path cuts or refuses it
            row[name] = value if value.isascii() else valid_text(value)
        elif value is None:
            row[name] = None  # a REPEATED column becomes [] below
        elif name == "game_date" and (kind_of is date or kind_of is str):
            cached = dates.get(value)
            if cached is None:
                cached = _date_entry(value)
                if cached is None:
                    return None  # not a date: the general path names game_date
            row[name], season = cached
        elif kind_of is list and name in list_fields:
            for item in value:
                if type(item) is not str or not item.isascii():
                    return None
            if sum(map(len, value)) + len(value) > MAX_NAME_CHARACTERS:
                return None  # the general path names it
            row[name] = list(value)
        else:  # any other value: the general path (same value, same error, same order)
            return None
    if row["fallback_sources_tried"] is None:
        row["fallback_sources_tried"] = []
    if season_from_game_date and columns.get("season") is None and columns.get("game_date") is not None:
        row["season"] = season  # the game_date branch above read it (None when it cannot)
    row["event_id"] = new_event_id()  # last: an event given to the general path uses none
    return row


def _plain_quality(quality: Any) -> tuple[str | None, float | None] | None:
    """``(tier, score)`` of a plain quality dict (a ``str`` tier name, a ``float`` score from 0
    to 100, either may be None), or None when :func:`_quiet_entry` must leave it to the other paths."""
    if type(quality) is not dict:
        return None
    tier = quality.get("tier")
    score = quality.get("score")
    if (tier is not None and (type(tier) is not str or tier not in _TIER_NAMES)) \
            or (score is not None and (type(score) is not float or not 0.0 <= score <= 100.0)):
        return None
    return tier, score


def _quiet_entry(
    event_type: object,
    severity: object,
    description: object,
    quality_before: Any,
    quality_after: Any,
    columns: dict[str, Any],
    labels: tuple[Any, ...],
    season_from_game_date: bool,
) -> tuple[Any, ...] | dict[str, Any] | None:
    """The lean entry of the commonest event, or None for :func:`_lean_row` to decide.

    The commonest event: a plain ``str`` type and severity, ASCII text everywhere, ``str`` /
    None labels and keywords (``game_date`` a ``date`` or ``str``, ``fallback_sources_tried`` a
    list of ``str``), plain quality dicts (an ASCII ``str`` tier, a finite ``float`` score).
    An info or warning event's entry is what ``tuple(_lean_row(...).values())`` gives with
    REPEATED values as tuples, except that ``event_timestamp`` and ``created_at`` are the
    integer :func:`stamp_text` formats (the row dict holds that text); a critical event (the
    dispatcher marks its row as soon as it is routed) comes back as the row dict
    :func:`_lean_row` builds.
    tests/unit/events/test_event_row_fast_path.py compares both with the general path.
    Anything else returns None before an event id is drawn, so the other paths decide as
    they always did.
    """
    if type(event_type) is not str or type(severity) is not str or type(description) is not str:
        return None
    kind = _EVENT_TYPES.get(event_type)
    template = _SEVERITY_TEMPLATES.get(severity)
    if kind is None or template is None or not columns.keys() <= _TEXT_KEYWORDS_PLUS \
            or not _STR_OR_NONE.issuperset(map(type, labels)):
        return None
    # The run-constant part of the row (flags, phase, table, processor, run id, environment)
    # is one cached template per distinct value, its ASCII checked once.
    environment = _ENV_TEXT.get(_ENV_DATA.get(_ENV_KEY)) if os.environ is _ENVIRON and _ENV_DATA is not None \
        else None
    if environment is None:
        environment = current_environment()
    head = labels[:4]
    start = template[1].get(head)
    if start is None or start[0]["environment"] is not environment:
        start = _head_template(template, head, environment)
        if start is None:
            return None
    game_id, player_id = labels[4], labels[5]
    values = columns.values()
    # Every text of the event ASCII: the description, the two ids and the keywords' str values
    # (one check in C over their concatenation).
    texts = "".join(filter(_IS_STR, (description, game_id, player_id, *values)))
    if len(texts) > MAX_NAME_CHARACTERS or not texts.isascii():  # (long text: the general path bounds it)
        return None
    before = after = None
    if quality_before is not None:
        before = _plain_quality(quality_before)
        if before is None:
            return None
    if quality_after is not None:
        after = _plain_quality(quality_after)
        if after is None:
            return None
    cached: tuple[str | None, str | None] | None = None
    fallback: Any = None
    if columns:
        kinds = list(map(type, values))
        game_date = columns.get("game_date")
        fallback = columns.get("fallback_sources_tried")
        # Every value a str or None except a date game_date and a list fallback_sources_tried
        # (counted in C).
        others = len(kinds) - kinds.count(str) - kinds.count(_NONE)
        if others:
            if others != (type(game_date) is date) + (type(fallback) is list):
                return None
            if fallback is not None:
                if not _STR_ONLY.issuperset(map(type, fallback)):
                    return None
                names = "".join(fallback)
                if len(names) + len(fallback) > MAX_NAME_CHARACTERS or not names.isascii():
                    return None
                # One shared tuple per distinct list of sources: a processor names the same few
                # again and again, and each kept container adds to the cyclic GC's work.
                sources = tuple(fallback)
                fallback = _SOURCES.get(sources)
                if fallback is None:
                    if len(_SOURCES) >= 1024:
                        _SOURCES.clear()
                    fallback = _SOURCES[sources] = sources
        elif fallback is not None:  # a str: the general path says it is not a list
            return None
        if game_date is not None:
            cached = _DATES.get(game_date)
            if cached is None:
                cached = _date_entry(game_date)
                if cached is None:
                    return None
    # The event's values by position in a copy of the cached starting values (schema order).
    entry = start[1].copy()
    if game_id is not None:
        entry[_AT_GAME_ID] = game_id
    if player_id is not None:
        entry[_AT_PLAYER_ID] = player_id
    if before is not None:
        entry[_AT_TIER_BEFORE], entry[_AT_SCORE_BEFORE] = before
    if after is not None:
        entry[_AT_TIER_AFTER], entry[_AT_SCORE_AFTER] = after
    if columns:
        for name, value in columns.items():
            entry[COLUMN_INDEX[name]] = value
        if fallback is not None:
            entry[_AT_SOURCES] = fallback
        elif "fallback_sources_tried" in columns:
            entry[_AT_SOURCES] = ()
        if cached is not None:
            entry[_AT_GAME_DATE] = cached[0]
            if season_from_game_date and columns.get("season") is None:
                entry[_AT_SEASON] = cached[1]  # season_label(game_date), None when it cannot read it
    entry[_AT_EVENT_TYPE] = kind
    entry[_AT_DESCRIPTION] = description
    pool = _ID_POOL
    entry[_AT_EVENT_ID] = pool.pop() if pool else new_event_id()  # last: another path uses none
    micros = entry[_AT_STAMP] = entry[_AT_CREATED] = time.time_ns() // 1000
    if start[0]["severity"] != _CRITICAL:  # info or warning: the lean entry
        return tuple(entry)
    # A critical event (the dispatcher marks its row when it routes it): the entry's row dict,
    # as _lean_row builds it, its stamp remembered so the flush reads the instant back.
    row = entry_row(tuple(entry))
    if len(_KNOWN_STAMPS) >= 16384:
        _KNOWN_STAMPS.clear()
    _KNOWN_STAMPS[row["event_timestamp"]] = micros
    return row


def _head_template(template: tuple[dict[str, Any], dict[tuple[Any, ...], tuple[dict[str, Any], list[Any]]]],
                   head: tuple[Any, ...], environment: str) -> tuple[dict[str, Any], list[Any]] | None:
    """The cached starting row of one severity for ``head`` (phase, table, processor, run
    id) and ``environment``, with its values in schema order; None when any of them is not
    ASCII (another path decides)."""
    joined = "".join(filter(None, head))
    if not (len(joined) <= MAX_NAME_CHARACTERS and joined.isascii() and environment.isascii()):
        return None
    base, rows = template
    if len(rows) >= 64:
        rows.clear()
    row = {**base, **dict(zip(_LABELS[:4], head, strict=True)), "environment": environment}
    start = rows[head] = (row, list(row.values()))
    return start


def entry_row(entry: tuple[Any, ...]) -> dict[str, Any]:
    """The row dict of a lean entry (REPEATED tuples as lists, integer stamps as text).

    Example::

        entry_row(event_row('fallback_used', 'info', 'x', None, None, {}, compact=True))['severity']  # 'info'
    """
    row = dict(zip(EVENT_COLUMNS, entry, strict=True))
    for name in _LIST_FIELDS:
        value = row[name]
        if type(value) is tuple:
            row[name] = list(value)
    for name in _STAMP_FIELDS:
        value = row[name]
        if type(value) is int:
            row[name] = stamp_text(value)
    return row


def _date_entry(value: date | str) -> tuple[str | None, str | None] | None:
    """``game_date``'s stored text and its season label (None if unreadable), cached; None
    when the value is not a date (the general path reports it)."""
    try:
        text = _valid(_CONVERTER.convert("game_date", value))
    except ValueError:
        return None
    try:
        season: str | None = season_label(value)
    except (TypeError, ValueError):
        season = None
    if len(_DATES) >= 4096:
        _DATES.clear()
    entry = _DATES[value] = (text, season)
    return entry


#: Every log column, in schema order, NULL until set (the row's key order is the schema's).
_TEMPLATE: dict[str, Any] = {name: None for name in EVENT_COLUMNS}
#: The lean path's starting row: the flags every new event has.
_LEAN_TEMPLATE: dict[str, Any] = {**_TEMPLATE, "is_synthetic": False, "alert_sent": False, "is_resolved": False}
_CONVERTER = RowConverter(COVERAGE_LOG_SCHEMA)
#: Scalar STRING columns (a ``str`` is stored as is) and columns that may be NULL / empty.
_TEXT_FIELDS = frozenset(f.name for f in COVERAGE_LOG_SCHEMA
                         if f.field_type.upper() == "STRING" and f.mode != "REPEATED")
_NULLABLE_FIELDS = frozenset(f.name for f in COVERAGE_LOG_SCHEMA if f.mode != "REQUIRED")
#: Columns that hold a name or an id: a ``str``, or an ``int`` id. A float (2544.0 from a
#: pandas column with a NaN), bytes, a bool or a container would be stored as its text
#: ("2544.0", "b'0022400561'", '["a"]') and match nothing; ``resolution_details`` is free text
#: (a dict or list there becomes its JSON). See :func:`_check_name_value`.
_NAME_FIELDS = frozenset(_TEXT_FIELDS - {"description", "resolution_details"})
#: Free text (``description``, ``resolution_details``) longer than this many characters is cut
#: to it, ending with a note of its full length (:func:`_bounded`): a processor that puts an
#: exception's text or a response body in an event still logs it. Unbounded, one event could
#: pass BigQuery's 100 MB load row ("Row size is larger than: 104857600") and fail, with it,
#: the whole batch it is flushed with, on every replay too.
MAX_FREE_TEXT_CHARACTERS = 100_000
#: A name or id column, and the list of sources tried (its names together), longer than this
#: many characters is a ``ValueError`` naming it: an id that long is a bug, and cutting it
#: would store another id.
MAX_NAME_CHARACTERS = 10_000
_FREE_TEXT_FIELDS = ("description", "resolution_details")
_INT_TYPES = (int, np.integer)
#: REPEATED STRING columns (a list of ASCII ``str`` is stored as a copy).
_LIST_FIELDS = frozenset(f.name for f in COVERAGE_LOG_SCHEMA
                         if f.field_type.upper() == "STRING" and f.mode == "REPEATED")
#: ``game_date`` values (exact ``date`` or ``str``) -> (stored text, season label).
_DATES: dict[date | str, tuple[str | None, str | None]] = {}
#: Accepted spellings -> stored text (StrEnum members hash and compare as their values).
_EVENT_TYPES: dict[str, str] = {m.value: m.value for m in SourceCoverageEventType}
_SEVERITIES: dict[str, str] = {m.value: m.value for m in SourceCoverageSeverity}
_STR_OR_NONE = frozenset({str, type(None)})
_STR_ONLY = frozenset({str})
_NONE = type(None)
#: Lists of sources tried as shared tuples (``_quiet_entry``).
_SOURCES: dict[tuple[str, ...], tuple[str, ...]] = {}
#: Columns a lean entry holds as integer microseconds (:func:`stamp_text`).
_STAMP_FIELDS = ("event_timestamp", "created_at")
_IS_STR = str.__instancecheck__
#: Per severity: ``_quiet_entry``'s starting row (the lean flags, the severity, whether it
#: alerts, no sources tried) and its copies per labels and environment (``_head_template``).
_SEVERITY_TEMPLATES: dict[str, tuple[dict[str, Any], dict[tuple[Any, ...], tuple[dict[str, Any], list[Any]]]]] = {
    level.value: ({**_LEAN_TEMPLATE, "severity": level.value, "fallback_sources_tried": (),
                   "requires_alert": level in (SourceCoverageSeverity.CRITICAL, SourceCoverageSeverity.WARNING)}, {})
    for level in SourceCoverageSeverity
}
#: Keywords whose common values the lean path checks together: scalar STRING columns (a str
#: or None), ``game_date`` (a date or str) and ``fallback_sources_tried`` (a list of str).
_TEXT_KEYWORDS_PLUS = (_TEXT_FIELDS & EVENT_KEYWORDS) | {"game_date", "fallback_sources_tried"}
#: A column's position in a lean entry (schema order): ``entry[COLUMN_INDEX['event_id']]``.
COLUMN_INDEX: dict[str, int] = {name: index for index, name in enumerate(EVENT_COLUMNS)}
_AT_EVENT_ID, _AT_STAMP, _AT_CREATED = COLUMN_INDEX["event_id"], COLUMN_INDEX["event_timestamp"], COLUMN_INDEX["created_at"]
_AT_EVENT_TYPE, _AT_DESCRIPTION, _AT_SOURCES = COLUMN_INDEX["event_type"], COLUMN_INDEX["description"], COLUMN_INDEX["fallback_sources_tried"]
_AT_GAME_ID, _AT_PLAYER_ID, _AT_GAME_DATE, _AT_SEASON = COLUMN_INDEX["game_id"], COLUMN_INDEX["player_id"], COLUMN_INDEX["game_date"], COLUMN_INDEX["season"]
_AT_TIER_BEFORE, _AT_SCORE_BEFORE = COLUMN_INDEX["quality_tier_before"], COLUMN_INDEX["quality_score_before"]
_AT_TIER_AFTER, _AT_SCORE_AFTER = COLUMN_INDEX["quality_tier_after"], COLUMN_INDEX["quality_score_after"]
#: ``labels`` of :func:`event_row`, in order.
_LABELS = ("phase", "table_name", "processor_name", "processor_run_id", "game_id", "player_id")
_ENUM_KEY_TYPES = (str, SourceCoverageEventType, SourceCoverageSeverity)
_ALERTING = frozenset({SourceCoverageSeverity.CRITICAL.value, SourceCoverageSeverity.WARNING.value})
#: The one severity whose events are buffered as row dicts (see :func:`event_row`'s ``compact``).
_CRITICAL = SourceCoverageSeverity.CRITICAL.value


#: A ``QualityTier`` member as a tier: its value (what ``str()`` of it gives).
_TIER_TEXT: dict[Any, str] = {m: m.value for m in QualityTier}
#: The five tier names.
_TIER_NAMES = frozenset(_TIER_TEXT.values())
# The lean path stores None for any keyword column: every one of them must be nullable.
if not EVENT_KEYWORDS <= _NULLABLE_FIELDS:  # pragma: no cover - a schema invariant
    raise RuntimeError(f"REQUIRED keyword columns: {sorted(EVENT_KEYWORDS - _NULLABLE_FIELDS)}")


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
