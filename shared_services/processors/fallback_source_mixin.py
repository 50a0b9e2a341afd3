"""FallbackSourceMixin: fetch through an ordered chain of sources and say what happened.

Class line and MRO (either mixin order works; the host base comes last)::

    class PlayerGameSummaryProcessor(FallbackSourceMixin, QualityMixin, AnalyticsProcessorBase):
        PRIMARY_SOURCES = ['nbac_gamebook_player_stats']
        FALLBACK_SOURCES = ['bdl_player_boxscores', 'espn_game_boxscore']

The mixin has no ``__init__``. It needs ``log_quality_event`` from its host (the
``QualityMixin`` provides it) and uses ``source_metadata`` (a dict) when the host has one.

Semantics of :meth:`FallbackSourceMixin.fetch_with_fallback`: sources are tried in priority
order (primaries, then fallbacks). An empty result or an exception moves on and is recorded
as ``<name>_empty`` / ``<name>_error``; a declared source without a fetch function is recorded
as ``<name>_not_configured`` (reported, never silently skipped). Reconstruction runs last,
when allowed. Events: ``fallback_used`` (info) when a fallback supplied the data,
``reconstruction`` (info) when reconstruction did, ``source_missing`` (critical, downstream
impact ``predictions_blocked``) when nothing did. Every event carries the full list of
sources tried and, in ``resolution_details``, why each failed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from shared_services.constants.source_coverage import (
    SourceCoverageEventType,
    SourceCoverageSeverity,
)
from shared_services.events.model import check_event_columns
from shared_services.processors.errors import ImproperlyConfigured, check_mixins_first
from shared_services.quality.scoring import RECONSTRUCTED_SOURCE, is_failed_source

__all__ = ["FallbackSourceMixin", "SourceAttempt", "FallbackResult", "RECONSTRUCTED"]

logger = logging.getLogger(__name__)

#: The name recorded in ``sources_tried`` when reconstruction supplied the data.
RECONSTRUCTED = RECONSTRUCTED_SOURCE
#: Event fields fetch_with_fallback fills in itself (a caller's value would clash with them).
_FIELDS_SET_HERE = frozenset({"game_id", "primary_source", "primary_source_status", "fallback_sources_tried",
                              "resolution", "resolution_details", "downstream_impact"})

FetchFunction = Callable[[str], "pd.DataFrame | None"]


@dataclass
class SourceAttempt:
    """One source tried: its name, the outcome ('ok', 'empty', 'error', 'not_configured'), why."""

    source: str
    outcome: str
    detail: str = ""
    attempts: int = 0

    @property
    def marker(self) -> str:
        """The entry written to ``sources_tried`` (the plain name on success)."""
        return self.source if self.outcome == "ok" else f"{self.source}_{self.outcome}"


@dataclass
class FallbackResult:
    """The full story of one ``fetch_with_fallback`` call (kept in ``source_metadata``)."""

    game_id: str
    attempts: list[SourceAttempt] = field(default_factory=list)
    used_source: str | None = None

    @property
    def sources_tried(self) -> list[str]:
        return [a.marker for a in self.attempts]

    def failure_details(self) -> str:
        failed = [a for a in self.attempts if a.outcome != "ok"]
        return "; ".join(f"{a.source}: {a.outcome}" + (f" ({a.detail})" if a.detail else "") for a in failed)


class FallbackSourceMixin:
    """Ordered source fallback with coverage events.

    Example::

        data, tried = processor.fetch_with_fallback('0022400561', {
            'nbac_gamebook_player_stats': processor.fetch_gamebook,
            'bdl_player_boxscores': processor.fetch_bdl,
            'espn_game_boxscore': processor.fetch_espn,
        })
        tried   # ['nbac_gamebook_player_stats_empty', 'bdl_player_boxscores']
    """

    #: Sources tried first, in order. The first one names ``primary_source`` on events.
    PRIMARY_SOURCES: ClassVar[Sequence[str]] = ()
    #: Sources tried when every primary failed, in order.
    FALLBACK_SOURCES: ClassVar[Sequence[str]] = ()
    #: Whether ``reconstruction_fn`` may run after every source failed.
    RECONSTRUCTION_ALLOWED: ClassVar[bool] = False
    #: Attempts per source when it raises (1 = no retry). Empty results are not retried.
    SOURCE_RETRY_ATTEMPTS: ClassVar[int] = 1
    #: First backoff between attempts of one source, doubled each time.
    SOURCE_RETRY_BACKOFF_SECONDS: ClassVar[float] = 0.5

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_mixins_first(cls, FallbackSourceMixin)
        name = cls.__qualname__
        primaries, fallbacks = cls.PRIMARY_SOURCES, cls.FALLBACK_SOURCES
        for label, value in (("PRIMARY_SOURCES", primaries), ("FALLBACK_SOURCES", fallbacks)):
            if isinstance(value, str) or not isinstance(value, Sequence):
                raise ImproperlyConfigured(f"{name}.{label} must be a list of source names, got {value!r}")
            for item in value:
                if not isinstance(item, str) or not item.strip():
                    raise ImproperlyConfigured(f"{name}.{label} holds an invalid source name {item!r}")
                if item == RECONSTRUCTED or is_failed_source(item):
                    raise ImproperlyConfigured(
                        f"{name}.{label}: source name {item!r} is reserved for outcome markers; rename it")
        everything = [*primaries, *fallbacks]
        duplicates = sorted({s for s in everything if everything.count(s) > 1})
        if duplicates:
            raise ImproperlyConfigured(
                f"{name}: source(s) {duplicates} listed more than once across PRIMARY_SOURCES and "
                "FALLBACK_SOURCES; list each source once, in priority order")
        if fallbacks and not primaries:
            raise ImproperlyConfigured(
                f"{name}: FALLBACK_SOURCES {list(fallbacks)} without PRIMARY_SOURCES; declare the "
                "primary source first")
        if not isinstance(cls.SOURCE_RETRY_ATTEMPTS, int) or cls.SOURCE_RETRY_ATTEMPTS < 1:
            raise ImproperlyConfigured(
                f"{name}.SOURCE_RETRY_ATTEMPTS must be an int >= 1, got {cls.SOURCE_RETRY_ATTEMPTS!r}")
        if cls.SOURCE_RETRY_BACKOFF_SECONDS < 0:
            raise ImproperlyConfigured(f"{name}.SOURCE_RETRY_BACKOFF_SECONDS must be >= 0")

    # -- hooks ----------------------------------------------------------------------------
    def get_source_order(self) -> list[str]:
        """All declared sources in the order they are tried."""
        return [*self.PRIMARY_SOURCES, *self.FALLBACK_SOURCES]

    def _sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    # -- the chain ----------------------------------------------------------------------
    def _try_source(self, name: str, fetch: FetchFunction, game_id: str) -> tuple[pd.DataFrame | None, SourceAttempt]:
        attempt = SourceAttempt(name, "error")
        delay = self.SOURCE_RETRY_BACKOFF_SECONDS
        for number in range(1, self.SOURCE_RETRY_ATTEMPTS + 1):
            attempt.attempts = number
            try:
                data = fetch(game_id)
            except Exception as exc:
                attempt.outcome, attempt.detail = "error", f"{type(exc).__name__}: {exc}"
                logger.warning("%s failed for %s (attempt %d): %s", name, game_id, number, exc)
                if number < self.SOURCE_RETRY_ATTEMPTS:
                    self._sleep(delay)
                    delay *= 2
                continue
            if data is not None and not isinstance(data, pd.DataFrame):
                attempt.outcome = "error"
                attempt.detail = f"fetch function returned {type(data).__name__}, expected a DataFrame"
                return None, attempt
            if data is None or data.empty:
                attempt.outcome, attempt.detail = "empty", "no rows"
                return None, attempt
            attempt.outcome, attempt.detail = "ok", f"{len(data)} rows"
            return data, attempt
        return None, attempt

    def fetch_with_fallback(
        self,
        game_id: str,
        fetch_functions: Mapping[str, FetchFunction],
        reconstruction_fn: FetchFunction | None = None,
        **event_fields: Any,
    ) -> tuple[pd.DataFrame | None, list[str]]:
        """Try every declared source in order; returns ``(data or None, sources_tried)``.

        ``event_fields`` (``game_date``, ``season``, ``team_abbr`` ...) are added to the events
        this call logs; they are checked before any source is fetched, so a misspelt keyword or a
        malformed date raises on every call, not only when a source fails and an event is due.
        A fetch function for an undeclared source is a ``ValueError``; one that is not callable
        (``None`` means "not configured") a ``TypeError``.

        Example::

            data, tried = self.fetch_with_fallback(game_id, {'nbac_gamebook_player_stats': f1,
                                                             'bdl_player_boxscores': f2},
                                                   game_date=game_date)
        """
        if not isinstance(game_id, str) or not game_id:
            raise TypeError(f"game_id must be a non-empty str, got {game_id!r}")
        if not isinstance(fetch_functions, Mapping):
            raise TypeError(f"fetch_functions must be a mapping of source name to callable, got {type(fetch_functions).__name__}")
        order = self.get_source_order()
        undeclared = sorted(set(fetch_functions) - set(order))
        if undeclared:
            raise ValueError(
                f"{type(self).__name__}: fetch function(s) for undeclared source(s) {undeclared}; "
                f"declared sources are {order}")
        log_event = getattr(self, "log_quality_event", None)
        if not callable(log_event):
            raise TypeError(f"{type(self).__name__} needs log_quality_event(); add QualityMixin to its bases")
        not_callable = sorted(name for name, fetch in fetch_functions.items() if fetch is not None and not callable(fetch))
        if reconstruction_fn is not None and not callable(reconstruction_fn):
            not_callable.append("reconstruction_fn")
        if not_callable:
            raise TypeError(f"{type(self).__name__}: fetch function(s) for {not_callable} are not callable")
        # The caller's event fields are checked now, on every call: an event is logged only when
        # a source fails, and a bad field found then would lose that very event.
        taken = sorted(set(event_fields) & _FIELDS_SET_HERE)
        if taken:
            raise ValueError(f"{type(self).__name__}.fetch_with_fallback sets {taken} itself; "
                             f"event_fields may not give them")
        check_event_columns(event_fields)

        result = FallbackResult(game_id)
        data: pd.DataFrame | None = None
        for name in order:
            fetch = fetch_functions.get(name)
            if fetch is None:
                result.attempts.append(SourceAttempt(name, "not_configured", "no fetch function was given"))
                logger.warning("%s: declared source %s has no fetch function", type(self).__name__, name)
                continue
            data, attempt = self._try_source(name, fetch, game_id)
            result.attempts.append(attempt)
            if data is not None:
                result.used_source = name
                break

        primary = self.PRIMARY_SOURCES[0] if self.PRIMARY_SOURCES else None
        primary_attempt = next((a for a in result.attempts if a.source == primary), None)
        primary_status = None
        if primary_attempt is not None and primary_attempt.outcome != "ok":
            primary_status = {"empty": "missing", "not_configured": "missing"}.get(primary_attempt.outcome, "error")
        common = dict(game_id=game_id, primary_source=primary, primary_source_status=primary_status, **event_fields)

        def report(kind: str, severity: str, description: str, resolution: str, impact: str) -> None:
            # Every event carries the full list of sources tried and why each one failed.
            log_event(kind, severity, description, fallback_sources_tried=result.sources_tried,
                      resolution=resolution, resolution_details=result.failure_details(),
                      downstream_impact=impact, **common)

        if result.used_source is not None:
            if result.used_source in self.FALLBACK_SOURCES:
                report(SourceCoverageEventType.FALLBACK_USED, SourceCoverageSeverity.INFO,
                       f"Primary source unavailable for {game_id}; used {result.used_source}",
                       "used_fallback", "predictions_degraded")
            self._remember(result)
            return data, result.sources_tried

        if self.RECONSTRUCTION_ALLOWED and reconstruction_fn is not None:
            data, attempt = self._try_source(RECONSTRUCTED, reconstruction_fn, game_id)
            if data is not None:
                result.attempts.append(attempt)
                result.used_source = RECONSTRUCTED
                report(SourceCoverageEventType.RECONSTRUCTION, SourceCoverageSeverity.INFO,
                       f"Every source failed for {game_id}; data reconstructed",
                       "reconstructed", "predictions_degraded")
                self._remember(result)
                return data, result.sources_tried
            attempt.source = "reconstruction"
            result.attempts.append(attempt)

        report(SourceCoverageEventType.SOURCE_MISSING, SourceCoverageSeverity.CRITICAL,
               f"No data available from any source for {game_id}", "failed", "predictions_blocked")
        self._remember(result)
        return None, result.sources_tried

    def _remember(self, result: FallbackResult) -> None:
        metadata = getattr(self, "source_metadata", None)
        if isinstance(metadata, dict):
            metadata[result.game_id] = {
                "used_source": result.used_source,
                "sources_tried": result.sources_tried,
                "failures": result.failure_details(),
            }
