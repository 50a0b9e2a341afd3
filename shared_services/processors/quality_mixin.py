"""QualityMixin: score what a processor got, write quality columns, log coverage events.

Class line and MRO (mixins first, the host base last; either mixin order works)::

    class PlayerGameSummaryProcessor(FallbackSourceMixin, QualityMixin, AnalyticsProcessorBase):
        ...

The mixin has no ``__init__``: its per-instance state (event buffer, alert dispatcher) is
created lazily on first use, so the host's ``__init__`` stays untouched. It needs from its
host (all optional, see :class:`QualityHost`): ``bq_client`` for writing events (scoring needs
no client), ``PHASE``, ``OUTPUT_TABLE`` and ``run_id`` to label events.

Configuration is UPPER_CASE class attributes, checked when the class is defined::

    class MyProcessor(QualityMixin, AnalyticsProcessorBase):
        REQUIRED_FIELDS = ['points', 'minutes_played']
        OPTIONAL_FIELDS = ['plus_minus']
        FIELD_WEIGHTS = {'points': 10.0, 'minutes_played': 8.0}

    with MyProcessor(bq_client=client) as processor:
        quality = processor.assess_quality(df, sources_used=['nbac_gamebook_player_stats'])
        processor.log_quality_event('thin_sample', 'warning', 'only 4 players', game_id='0022400561')
    # events are flushed here in ONE load job, even if the block raised
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Protocol

import pandas as pd

from shared_services.alerts.dedup import DEFAULT_DEDUP_WINDOW
from shared_services.alerts.dispatcher import AlertDispatcher
from shared_services.bigquery.identifiers import InvalidIdentifierError, validate_table_id
from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA, COVERAGE_LOG_TABLE
from shared_services.constants.source_coverage import (
    QualityTier,
    SourceCoverageEventType,
    SourceCoverageSeverity,
    parse_tier,
)
from shared_services.events.batch import EventBatch
from shared_services.events.buffer import EventBuffer
from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.events.model import EVENT_COLUMNS, check_event_columns, event_row, new_event_id
from shared_services.events.sink import EventSink, LoadOutcome, RetryPolicy
from shared_services.events.text import log_safe
from shared_services.processors.errors import (
    ImproperlyConfigured,
    check_mixins_first,
    check_name_list,
)
from shared_services.quality import scoring
from shared_services.quality.checks import text_list
from shared_services.quality.columns import add_quality_columns, quality_columns

__all__ = ["QualityMixin", "QualityHost"]

logger = logging.getLogger(__name__)

_STATE_LOCK = threading.Lock()
#: Positions in a lean event tuple (schema order).
_EVENT_ID, _REQUIRES_ALERT = EVENT_COLUMNS.index("event_id"), EVENT_COLUMNS.index("requires_alert")


class QualityHost(Protocol):
    """What the mixin uses from its host when present (every item is optional).

    ``bq_client``: a :class:`~shared_services.bigquery.port.BigQueryClientLike` for flushing;
    ``PHASE``, ``OUTPUT_TABLE``, ``run_id``: labels written on every event; ``logger``.
    """

    bq_client: Any
    PHASE: str
    OUTPUT_TABLE: str
    run_id: str


class _CoverageState:
    """Per-instance state, created on first use (never shared between instances)."""

    def __init__(self, owner: QualityMixin) -> None:
        self.buffer = EventBuffer()
        self.flush_lock = threading.Lock()
        self.dispatcher = AlertDispatcher(
            lambda: getattr(owner, "bq_client", None),
            table=owner.COVERAGE_LOG_TABLE,
            window=owner.ALERT_DEDUP_WINDOW,
            processor_name=type(owner).__name__,
        )
        self.load_jobs = 0
        self.events_written = 0
        self.last_outcome: LoadOutcome | None = None
        # Neither the warehouse nor the spool took the last batch: hold events in memory (up
        # to EVENT_MEMORY_MAX), retry once per EVENT_BUFFER_MAX new events, never per event.
        self.cannot_keep = False
        self.retry_at = 0
        self.events_dropped = 0
        self.cannot_keep_notified = False


class QualityMixin:
    """Quality assessment, quality columns and a buffered, loss-free coverage event log.

    Example::

        class P(QualityMixin):
            REQUIRED_FIELDS = ['points']

        p = P()
        p.assess_quality(pd.DataFrame({'points': [10, 12, 9]}), ['primary'])['tier']  # 'gold'
    """

    # -- scoring configuration ----------------------------------------------------------
    #: Columns that must be present (and not entirely null); absent -> unusable.
    REQUIRED_FIELDS: ClassVar[Sequence[str]] = ()
    #: Columns whose absence costs their weight.
    OPTIONAL_FIELDS: ClassVar[Sequence[str]] = ()
    #: Points a field is worth (declared fields only); others use DEFAULT_FIELD_WEIGHT.
    FIELD_WEIGHTS: ClassVar[Mapping[str, float]] = {}
    #: Weight of a declared field without an entry in FIELD_WEIGHTS.
    DEFAULT_FIELD_WEIGHT: ClassVar[float] = 10.0
    #: Null rate above which an optional column is penalised.
    OPTIONAL_NULL_TOLERANCE: ClassVar[float] = 0.10
    #: Null rate above which a required column costs REQUIRED_NULL_COST x excess, capped bronze.
    REQUIRED_NULL_TOLERANCE: ClassVar[float] = 0.20
    #: Points a required column costs per unit of null rate above REQUIRED_NULL_TOLERANCE.
    REQUIRED_NULL_COST: ClassVar[float] = 100.0
    #: Null rate above which a required column caps the tier at poor.
    REQUIRED_NULL_POOR_RATE: ClassVar[float] = 0.50
    #: Expected sample size in the first 10 games of a season (or games + 1 if fewer).
    SAMPLE_THRESHOLD_EARLY_SEASON: ClassVar[int] = 3
    #: Expected sample size from game 10 to game 30.
    SAMPLE_THRESHOLD_MID_SEASON: ClassVar[int] = 5
    #: Expected sample size after game 30.
    SAMPLE_THRESHOLD_FULL_SEASON: ClassVar[int] = 8

    # -- event log configuration --------------------------------------------------------
    #: The append-only log table events are flushed into.
    COVERAGE_LOG_TABLE: ClassVar[str] = COVERAGE_LOG_TABLE
    #: Alert dedup window per (event_type, primary_source).
    ALERT_DEDUP_WINDOW: ClassVar[timedelta] = DEFAULT_DEDUP_WINDOW
    #: Pending events that trigger a flush by themselves.
    EVENT_BUFFER_MAX: ClassVar[int] = 10_000
    #: Events held in memory while neither the warehouse nor the spool takes them; beyond
    #: this, new events are counted in ``coverage_stats['events_not_kept']`` and dropped.
    EVENT_MEMORY_MAX: ClassVar[int] = 50_000
    #: Dead-letter directory; None reads $COVERAGE_DEAD_LETTER_DIR (default ./coverage_dead_letter).
    DEAD_LETTER_DIR: ClassVar[str | None] = None
    #: Retries for a failing flush (exponential backoff with jitter).
    FLUSH_RETRY_POLICY: ClassVar[RetryPolicy] = RetryPolicy()

    _scoring_config_cache: ClassVar[scoring.ScoringConfig | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._scoring_config_cache = None
        check_mixins_first(cls, QualityMixin)
        for attribute in ("REQUIRED_FIELDS", "OPTIONAL_FIELDS", "PRIMARY_SOURCES"):
            check_name_list(cls, attribute)
        if not isinstance(cls.FIELD_WEIGHTS, Mapping):
            raise ImproperlyConfigured(
                f"{cls.__qualname__}.FIELD_WEIGHTS must be a mapping of field name to points, "
                f"got {cls.FIELD_WEIGHTS!r}")
        try:
            cls._scoring_config_cache = cls._build_scoring_config()
            validate_table_id(cls.COVERAGE_LOG_TABLE)
        except (scoring.ScoringConfigError, InvalidIdentifierError, TypeError, ValueError) as exc:
            raise ImproperlyConfigured(f"{cls.__qualname__}: {exc}") from None
        if not isinstance(cls.ALERT_DEDUP_WINDOW, timedelta) or cls.ALERT_DEDUP_WINDOW < timedelta(0):
            raise ImproperlyConfigured(
                f"{cls.__qualname__}: ALERT_DEDUP_WINDOW must be a non-negative timedelta, "
                f"got {cls.ALERT_DEDUP_WINDOW!r}"
            )
        if not isinstance(cls.EVENT_BUFFER_MAX, int) or cls.EVENT_BUFFER_MAX < 1:
            raise ImproperlyConfigured(
                f"{cls.__qualname__}: EVENT_BUFFER_MAX must be a positive int, got {cls.EVENT_BUFFER_MAX!r}"
            )
        if not isinstance(cls.EVENT_MEMORY_MAX, int) or cls.EVENT_MEMORY_MAX < cls.EVENT_BUFFER_MAX:
            raise ImproperlyConfigured(
                f"{cls.__qualname__}: EVENT_MEMORY_MAX must be an int >= EVENT_BUFFER_MAX "
                f"({cls.EVENT_BUFFER_MAX}), got {cls.EVENT_MEMORY_MAX!r}"
            )

    @classmethod
    def _build_scoring_config(cls) -> scoring.ScoringConfig:
        return scoring.ScoringConfig(
            required_fields=tuple(cls.REQUIRED_FIELDS),
            optional_fields=tuple(cls.OPTIONAL_FIELDS),
            field_weights=dict(cls.FIELD_WEIGHTS),
            default_weight=float(cls.DEFAULT_FIELD_WEIGHT),
            optional_null_tolerance=float(cls.OPTIONAL_NULL_TOLERANCE),
            required_null_tolerance=float(cls.REQUIRED_NULL_TOLERANCE),
            required_null_cost=float(cls.REQUIRED_NULL_COST),
            required_null_poor_rate=float(cls.REQUIRED_NULL_POOR_RATE),
            sample_threshold_early=int(cls.SAMPLE_THRESHOLD_EARLY_SEASON),
            sample_threshold_mid=int(cls.SAMPLE_THRESHOLD_MID_SEASON),
            sample_threshold_full=int(cls.SAMPLE_THRESHOLD_FULL_SEASON),
            primary_sources=tuple(getattr(cls, "PRIMARY_SOURCES", ()) or ()),
        )

    def get_scoring_config(self) -> scoring.ScoringConfig:
        """The scoring configuration of this class (override to compute it per instance)."""
        cls = type(self)
        if cls._scoring_config_cache is None:
            cls._scoring_config_cache = cls._build_scoring_config()
        return cls._scoring_config_cache

    # -- lazily created per-instance state ----------------------------------------------
    def _coverage_state(self) -> _CoverageState:
        state = self.__dict__.get("_coverage_state_obj")
        if state is None:
            with _STATE_LOCK:
                state = self.__dict__.get("_coverage_state_obj")
                if state is None:
                    state = _CoverageState(self)
                    self.__dict__["_coverage_state_obj"] = state
        return state

    # -- scoring ------------------------------------------------------------------------
    def assess_quality(
        self,
        data: pd.DataFrame | None,
        sources_used: Sequence[str],
        reconstruction_applied: bool = False,
        context: Mapping[str, Any] | None = None,
        game_date: date | datetime | str | None = None,
    ) -> dict[str, Any]:
        """Score ``data`` per SCORING.md: ``{'tier', 'score', 'issues', 'sources', 'metadata'}``.

        Example::

            quality = processor.assess_quality(df, ['bdl_player_boxscores'], game_date='2025-01-15')
            quality['tier']    # 'silver' (a fallback source caps at silver)
        """
        return scoring.assess_quality(
            data,
            sources_used,
            reconstruction_applied=reconstruction_applied,
            context=dict(context) if context is not None else None,
            game_date=game_date,
            config=self.get_scoring_config(),
        )

    def quality_columns(self, assessment: Mapping[str, Any]) -> dict[str, Any]:
        """The standard quality columns for ``assessment`` (JSON-ready dict)."""
        return quality_columns(assessment)

    def add_quality_columns(self, frame: pd.DataFrame, assessment: Mapping[str, Any]) -> pd.DataFrame:
        """A copy of ``frame`` with the standard quality columns on every row."""
        return add_quality_columns(frame, assessment)

    # -- events -------------------------------------------------------------------------
    def log_quality_event(
        self,
        event_type: str,
        severity: str,
        description: str,
        quality_before: Mapping[str, Any] | None = None,
        quality_after: Mapping[str, Any] | None = None,
        game_id: str | None = None,
        player_id: str | None = None,
        **kwargs: Any,
    ) -> str:
        """Buffer one event (written at the next flush) and route its alert; returns its id.

        ``kwargs`` are log columns (``game_date``, ``season``, ``primary_source``,
        ``fallback_sources_tried``, ``downstream_impact``, ...). Unknown keywords, event types,
        severities and quality tiers (``quality_before`` / ``quality_after``'s ``tier``) raise
        ``ValueError`` naming them; nothing is buffered then.

        Example::

            event_id = processor.log_quality_event(
                'fallback_used', 'info', 'used bdl_player_boxscores',
                game_id='0022400561', primary_source='nbac_gamebook_player_stats',
                fallback_sources_tried=['nbac_gamebook_player_stats_empty', 'bdl_player_boxscores'],
                resolution='used_fallback')
        """
        # Validated and converted now (a bad value raises here, naming its field); the labels
        # below are columns too (kwargs override them), and game_date gives the season label.
        labels = (getattr(self, "PHASE", None), getattr(self, "OUTPUT_TABLE", None), type(self).__name__,
                  getattr(self, "run_id", None), game_id, player_id)
        # An info or warning event comes back as a lean tuple (schema order): the GC never
        # traverses it while it waits; a warning's digest marks replace it at the flush.
        row = event_row(event_type, severity, description, quality_before, quality_after, kwargs,
                        season_from_game_date=True, labels=labels, compact=True)
        state = self.__dict__.get("_coverage_state_obj") or self._coverage_state()
        if isinstance(row, tuple):
            event_id = row[_EVENT_ID]
            if row[_REQUIRES_ALERT]:
                # A warning: queued for the digest and buffered under the buffer's lock, which a
                # flush holds from its digest to taking the entries, so a flush in another thread
                # finds both or neither and its mark finds the entry (a tuple is marked by
                # replacing it where the buffer holds it).
                with state.buffer.lock:
                    state.dispatcher.on_entry(row)
                    pending = self._keep_event(state, row)
            else:
                state.dispatcher.on_entry(row)  # info: only the INFO line
                pending = self._keep_event(state, row)
        else:
            # A row dict: a critical alert is marked in place as it is routed.
            event_id = row["event_id"]
            state.dispatcher.on_event(row)
            pending = self._keep_event(state, row)
        if pending is None:
            return str(event_id)
        threshold = state.retry_at if state.cannot_keep else self.EVENT_BUFFER_MAX
        if pending >= threshold:
            logger.info("event buffer reached %d events; flushing", pending)
            self.flush_events()
        return str(event_id)

    def _keep_event(self, state: _CoverageState, row: Any) -> int | None:
        """Buffer one event; returns the number now pending, or None when it was dropped (no
        room while neither the warehouse nor the spool takes events: counted and reported)."""
        if state.cannot_keep and len(state.buffer) >= self.EVENT_MEMORY_MAX:
            state.events_dropped += 1  # counted and reported; never a hang
            return None
        return state.buffer.append(row)

    def log_quality_outcome(
        self,
        quality: Mapping[str, Any],
        subject: str,
        *,
        unusable_impact: str = "predictions_blocked",
        **columns: Any,
    ) -> bool:
        """Log what an assessment means downstream; returns False when the data is unusable.

        Unusable: a critical ``validation_failure`` (the rows should not be written). Poor or
        bronze: a warning ``quality_degradation``. Silver and gold: nothing. ``columns`` are
        log columns (``game_id``, ``game_date``, ``primary_source``, ...). A ``quality``
        whose tier is missing or unknown is a ``ValueError`` naming it, and nothing is logged:
        it is never taken for usable data. ``columns`` are checked on every call, whatever the
        tier (an unknown keyword or a malformed ``game_date`` raises even for gold data).

        Example::

            quality = self.assess_quality(frame, sources_used=tried, game_date=day)
            if self.log_quality_outcome(quality, f"game {game_id}", game_id=game_id):
                self.load_dataframe_batch(self.add_quality_columns(frame, quality))
        """
        if not isinstance(quality, Mapping):
            raise TypeError(f"quality must be the dict assess_quality returns, got {type(quality).__name__}")
        try:
            tier = parse_tier(quality.get("tier"))
        except ValueError as err:
            raise ValueError(f"quality: {err}") from None
        # The columns are checked on every call: only a weak or unusable assessment logs an
        # event, and a bad column found then would lose that event.
        taken = sorted(set(columns) & {"resolution", "downstream_impact"})
        if taken:
            raise ValueError(f"log_quality_outcome sets {taken} itself (downstream_impact through unusable_impact); "
                             f"columns may not give them")
        check_event_columns({**columns, "downstream_impact": unusable_impact})
        issues = ", ".join(text_list(quality.get("issues") or [], "quality['issues']")) or "no issues"
        if tier == QualityTier.UNUSABLE:
            self.log_quality_event(
                SourceCoverageEventType.VALIDATION_FAILURE, SourceCoverageSeverity.CRITICAL,
                f"Data for {subject} is unusable: {issues}", quality_after=quality,
                resolution="skipped", downstream_impact=unusable_impact, **columns)
            return False
        if tier in (QualityTier.POOR, QualityTier.BRONZE):
            self.log_quality_event(
                SourceCoverageEventType.QUALITY_DEGRADATION, SourceCoverageSeverity.WARNING,
                f"{subject} scored {tier} ({quality.get('score')}): {issues}", quality_after=quality,
                downstream_impact="predictions_degraded", **columns)
        return True

    @property
    def pending_event_count(self) -> int:
        """How many events are buffered and not yet written."""
        state = self.__dict__.get("_coverage_state_obj")
        return len(state.buffer) if state is not None else 0

    @property
    def coverage_stats(self) -> dict[str, Any]:
        """Counters for this instance: load jobs, events written, alerts, lookback queries."""
        state = self._coverage_state()
        return {
            "pending_events": len(state.buffer),
            # Dropped for lack of room, plus those held only in memory (lost if the process ends now).
            "events_not_kept": state.events_dropped + (len(state.buffer) if state.cannot_keep else 0),
            "load_jobs": state.load_jobs,
            "events_written": state.events_written,
            "alerts_sent": state.dispatcher.alerts_sent,
            "lookback_queries": state.dispatcher.lookback_queries,
            "last_outcome": state.last_outcome,
        }

    def _event_sink(self) -> EventSink:
        return EventSink(
            getattr(self, "bq_client", None),
            table=self.COVERAGE_LOG_TABLE,
            schema=COVERAGE_LOG_SCHEMA,
            spool=DeadLetterSpool(self.DEAD_LETTER_DIR),
            policy=self.FLUSH_RETRY_POLICY,
        )

    def flush_events(self) -> int:
        """Write every pending event in ONE load job; returns how many were written.

        Sends the run's warning digest first. A batch that cannot be written is spilled to
        the dead-letter directory and an error is notified; this method does not raise for
        warehouse failures. Does nothing (returns 0) when nothing is pending.

        Example::

            processor.log_quality_event('fallback_used', 'info', 'used bdl')
            processor.flush_events()   # 1
        """
        state = self._coverage_state()
        with state.flush_lock:
            with state.buffer.locked():
                state.dispatcher.send_digest()
                # Lean warnings the digest covered: their marks (alert_sent...), by event id.
                state.buffer.apply_alert_marks(state.dispatcher.take_entry_marks())
                entries = state.buffer.take_entries()
            if not entries:
                return 0
            # Rows carry their batch_id (set once: a retried batch keeps its first one).
            rows = EventBatch(entries, batch_id=new_event_id())
            try:
                outcome = self._event_sink().write(rows, processor_name=type(self).__name__)
            except Exception as exc:
                # Not even the dead-letter spool took them: keep them pending, never drop.
                state.buffer.restore(list(rows))
                self._cannot_keep_events(state, exc)
                return 0
            state.cannot_keep = False
            state.last_outcome = outcome
            state.load_jobs += 1 if outcome.attempts else 0
            state.events_written += outcome.written
            if outcome.ok:
                logger.info("flushed %d coverage events to %s (job %s)",
                            outcome.written, self.COVERAGE_LOG_TABLE, outcome.job_id)
            return outcome.written

    def _cannot_keep_events(self, state: _CoverageState, exc: BaseException) -> None:
        pending = len(state.buffer)
        state.cannot_keep = True
        state.retry_at = pending + self.EVENT_BUFFER_MAX
        logger.error("could not write or spill %d coverage events (%s); holding them in memory, up to %d",
                     pending, log_safe(exc, 500), self.EVENT_MEMORY_MAX)
        if state.cannot_keep_notified:
            return
        state.cannot_keep_notified = True
        from shared_services.utils.notification_system import notify_error

        try:
            notify_error(
                title="Source coverage events cannot be kept",
                message=(f"Neither {self.COVERAGE_LOG_TABLE} nor the dead-letter spool accepts events: "
                         f"{pending} event(s) are held only in memory (at most {self.EVENT_MEMORY_MAX}; "
                         "more are dropped and counted). They are lost if the process ends before the "
                         "warehouse or the spool directory is back."),
                details={"error": f"{type(exc).__name__}: {exc}", "events_not_kept": pending,
                         "dead_letter_dir": str(DeadLetterSpool(self.DEAD_LETTER_DIR).directory)},
                processor_name=type(self).__name__,
            )
        except Exception:  # a broken channel must never break the processor
            logger.exception("could not notify that events cannot be kept")

    # -- context manager ----------------------------------------------------------------
    def __enter__(self) -> Any:
        enter = getattr(super(), "__enter__", None)
        return enter() if enter is not None else self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        try:
            self.flush_events()
        except Exception:  # never mask the block's own exception
            logger.exception("flush on exit failed")
        exit_ = getattr(super(), "__exit__", None)
        if exit_ is not None:
            return bool(exit_(exc_type, exc, tb))
        return False
