"""Write a batch of rows in ONE load job, retrying what is transient, spilling what fails.

* One ``load_table_from_json`` call per batch, with the table's explicit schema,
  ``WRITE_APPEND`` and a deterministic job id derived from the batch, so a retried flush
  cannot load twice: a ``Conflict`` on our own job id means the load was already submitted,
  and the existing job is checked instead of loading again.
* Transient errors (HTTP 429 / 5xx, rate limits, connection resets, timeouts) are retried with
  exponential backoff and full jitter. Anything else (a schema error, say) is terminal.
* A batch that still fails is spilled to the :class:`DeadLetterSpool` and an error is notified;
  nothing is raised into the processor and nothing is dropped.

Example::

    sink = EventSink(client)
    outcome = sink.write(rows, processor_name='PlayerGameSummaryProcessor')
    outcome.written, outcome.spilled_path   # (13, None) on success
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.identifiers import validate_table_id
from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA, COVERAGE_LOG_TABLE
from shared_services.events.batch import EventBatch, as_rows
from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.events.text import log_safe

__all__ = [
    "EventsNotKeptError",
    "RetryPolicy",
    "LoadOutcome",
    "EventSink",
    "batch_job_id",
    "is_quota_exhausted",
    "is_transient",
    "load_rows_exactly_once",
]

logger = logging.getLogger(__name__)


class EventsNotKeptError(OSError):
    """Events could be written neither to the warehouse nor to the dead-letter spool (an
    environment problem: a full disk, a read-only spool directory, the warehouse down).

    Raised by ``AnalyticsProcessorBase.run()`` after its steps completed and the final flush
    still could not keep every event; the message is one line with the count.
    """

_TRANSIENT_TYPES: tuple[type[BaseException], ...] = (
    gexc.TooManyRequests,
    gexc.InternalServerError,
    gexc.BadGateway,
    gexc.ServiceUnavailable,
    gexc.GatewayTimeout,
    gexc.RetryError,
    ConnectionError,
    TimeoutError,
)
_TRANSIENT_REASONS = {"rateLimitExceeded", "backendError", "internalError", "jobBackendError"}


def is_transient(exc: BaseException) -> bool:
    """True for errors worth retrying: 429, 5xx, rate limits, connection trouble.

    Example::

        >>> is_transient(gexc.ServiceUnavailable('down')), is_transient(gexc.BadRequest('bad'))
        (True, False)
    """
    if isinstance(exc, _TRANSIENT_TYPES):
        return True
    if isinstance(exc, gexc.Forbidden):  # BigQuery reports rate limits as 403 rateLimitExceeded
        return bool(_reasons(exc) & _TRANSIENT_REASONS) or "rateLimitExceeded" in str(exc)
    try:  # requests is a dependency of google-cloud-bigquery's transport
        import requests

        return isinstance(exc, requests.ConnectionError | requests.Timeout)
    except ImportError:  # pragma: no cover
        return False


def is_quota_exhausted(exc: BaseException) -> bool:
    """True for a BigQuery ``quotaExceeded`` error: a longer-term quota, such as the 1,500
    load jobs a table takes per day, is used up. Retrying within the run does not help
    (troubleshoot-quotas, "Overview": wait 10 minutes or longer); the batch is spilled and
    ``coverage-replay`` loads it once the quota has refilled.

    Example::

        >>> is_quota_exhausted(gexc.Forbidden('Quota exceeded: ...', errors=[{'reason': 'quotaExceeded'}]))
        True
        >>> is_quota_exhausted(gexc.Forbidden('Exceeded rate limits', errors=[{'reason': 'rateLimitExceeded'}]))
        False
    """
    if not isinstance(exc, gexc.GoogleAPICallError):
        return False
    reasons = _reasons(exc)
    return "quotaExceeded" in reasons or (not reasons and str(exc.message or "").startswith("Quota exceeded"))


def _reasons(exc: BaseException) -> set[str]:
    """The ``errors[].reason`` values a Google API error carries (BigQuery's reasons)."""
    return {str(e.get("reason")) for e in (getattr(exc, "errors", None) or []) if isinstance(e, dict)}


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter.

    Example::

        >>> policy = RetryPolicy(max_attempts=4, initial_delay=1.0, max_delay=8.0)
        >>> [round(d) for d in policy.delays(random.Random(0), jitter=False)]
        [1, 2, 4]
    """

    max_attempts: int = 5
    initial_delay: float = 1.0
    max_delay: float = 30.0
    multiplier: float = 2.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"RetryPolicy.max_attempts must be >= 1, got {self.max_attempts}")
        if self.initial_delay < 0 or self.max_delay < 0 or self.multiplier < 1:
            raise ValueError("RetryPolicy delays must be >= 0 and multiplier >= 1")

    def delays(self, rng: random.Random, jitter: bool = True) -> Iterator[float]:
        """The sleeps between attempts (``max_attempts - 1`` of them)."""
        delay = self.initial_delay
        for _ in range(self.max_attempts - 1):
            capped = min(delay, self.max_delay)
            yield rng.uniform(0, capped) if jitter else capped
            delay *= self.multiplier


@dataclass
class LoadOutcome:
    """What happened to one batch."""

    job_id: str
    rows: int
    written: int = 0
    attempts: int = 0
    already_loaded: bool = False
    spilled_path: Path | None = None
    error: str | None = None
    errors_seen: list[str] = field(default_factory=list)
    #: The load was refused because a BigQuery quota is used up (:func:`is_quota_exhausted`).
    quota_exhausted: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def batch_job_id(table: str, rows: Sequence[dict[str, Any]], prefix: str = "coverage") -> str:
    """A job id derived from the batch content (event ids when present), stable across retries.

    Example::

        >>> batch_job_id('ds.t', [{'event_id': 'a'}]) == batch_job_id('ds.t', [{'event_id': 'a'}])
        True
    """
    digest = hashlib.sha256(table.encode())
    keys: list[Any] = rows.event_ids() if isinstance(rows, EventBatch) else [row.get("event_id") for row in rows]
    if set(map(type, keys)) <= {str}:
        # The common case in one update: SHA-256 is a stream, so hashing the concatenation
        # gives the digest of the per-row updates below (the same job id as always).
        digest.update(("\x00" + "\x00".join(keys)).encode() if keys else b"")
    else:
        for row, key in zip(rows, keys, strict=True):
            if key is None:
                key = json.dumps(row, sort_keys=True, default=str)
            digest.update(b"\x00")
            digest.update(str(key).encode())
    safe_table = "".join(ch if ch.isalnum() else "_" for ch in table)
    return f"{prefix}_{safe_table}_{digest.hexdigest()[:32]}"


def _load_config(schema: Sequence[bigquery.SchemaField]) -> bigquery.LoadJobConfig:
    return bigquery.LoadJobConfig(
        schema=list(schema),
        source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON,
        write_disposition=bigquery.WriteDisposition.WRITE_APPEND,
        create_disposition=bigquery.CreateDisposition.CREATE_IF_NEEDED,
    )


def _job_failed(job: Any) -> str | None:
    """None when a finished job succeeded, else its error text."""
    try:
        job.result()
    except Exception as exc:  # the job's own failure surfaces here
        return f"{type(exc).__name__}: {exc}"
    error = getattr(job, "error_result", None)
    return str(error) if error else None


def load_rows_exactly_once(
    client: Any,
    table: str,
    rows: Sequence[dict[str, Any]],
    schema: Sequence[bigquery.SchemaField],
    job_id: str,
    *,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    outcome: LoadOutcome | None = None,
) -> LoadOutcome:
    """Load ``rows`` into ``table`` in one job under ``job_id``, retrying transient errors.

    Raises the last error when it is terminal or retries are exhausted (the caller spills).

    Example::

        outcome = load_rows_exactly_once(client, 'nba_reference.source_coverage_log',
                                         rows, COVERAGE_LOG_SCHEMA, batch_job_id(table, rows))
    """
    result = outcome or LoadOutcome(job_id=job_id, rows=len(rows))
    delays = policy.delays(rng or random.Random())
    current_id = job_id
    generation = 0
    while True:
        result.attempts += 1
        try:
            job = client.load_table_from_json(  # an EventBatch goes as is: a re-iterable Sequence[dict]
                as_rows(rows), table, job_config=_load_config(schema), job_id=current_id
            )
            job.result()
            result.written = int(getattr(job, "output_rows", None) or len(rows))
            result.job_id = current_id
            return result
        except gexc.Conflict:
            # Our deterministic id exists: this batch was submitted before. Check, don't repeat.
            existing = client.get_job(current_id)
            failure = _job_failed(existing)
            if failure is None:
                result.written = int(getattr(existing, "output_rows", None) or len(rows))
                result.already_loaded = True
                result.job_id = current_id
                logger.info("load job %s already ran; not loading again", current_id)
                return result
            result.errors_seen.append(f"earlier job {current_id} failed: {failure}")
            generation += 1
            current_id = f"{job_id}_r{generation}"
            exc_to_raise: BaseException | None = None
        except Exception as exc:
            result.errors_seen.append(f"{type(exc).__name__}: {exc}")
            if not is_transient(exc):
                raise
            exc_to_raise = exc
        delay = next(delays, None)  # (the attempt budget, whether or not it is slept)
        if delay is None:
            if exc_to_raise is not None:
                raise exc_to_raise
            raise gexc.RetryError(f"gave up on load job {job_id} after {result.attempts} attempts", None)
        if exc_to_raise is None:
            # An earlier job under this id failed (the batch's first flush, before it was
            # spilled): nothing transient to wait out; load now under the next id. Expected on
            # every replay of a batch whose load job failed, so not a warning.
            logger.info("load job %s: %s; loading under %s", job_id, log_safe(result.errors_seen[-1], 500),
                        current_id)
            continue
        logger.warning("load job %s attempt %d failed (%s); retrying in %.2fs",
                       current_id, result.attempts, log_safe(result.errors_seen[-1], 500), delay)
        sleep(delay)


class EventSink:
    """Writes batches of log rows, never losing one.

    Example::

        sink = EventSink(client, spool=DeadLetterSpool('/tmp/spool'))
        sink.write(rows).written
    """

    def __init__(
        self,
        client: Any,
        table: str = COVERAGE_LOG_TABLE,
        schema: Sequence[bigquery.SchemaField] = COVERAGE_LOG_SCHEMA,
        spool: DeadLetterSpool | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        notify: Callable[..., Any] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.table = validate_table_id(table)  # back-ticks stripped: one name everywhere
        self.schema = list(schema)
        self.spool = spool or DeadLetterSpool()
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self._notify = notify
        #: The time of a spill, for the hourly notice (:meth:`DeadLetterSpool.claim_notice`).
        self.clock = clock

    def _notify_error(self, **kwargs: Any) -> None:
        from shared_services.utils.notification_system import notify_error

        notify = self._notify or notify_error
        try:
            notify(**kwargs)
        except Exception:  # a broken channel must never break the processor
            logger.exception("could not notify about a failed event flush")

    def write(self, rows: Sequence[dict[str, Any]], processor_name: str | None = None) -> LoadOutcome:
        """Load ``rows`` in one job; on failure spill them. Raises only if spilling fails too."""
        job_id = batch_job_id(self.table, rows)
        outcome = LoadOutcome(job_id=job_id, rows=len(rows))
        if not rows:
            return outcome
        try:
            if self.client is None:
                raise RuntimeError("no bq_client is configured on this processor")
            return load_rows_exactly_once(
                self.client, self.table, rows, self.schema, job_id,
                policy=self.policy, sleep=self.sleep, outcome=outcome,
            )
        except Exception as exc:
            outcome.error = f"{type(exc).__name__}: {exc}"
            outcome.quota_exhausted = is_quota_exhausted(exc)
        outcome.spilled_path = self.spool.spill(self.table, job_id, rows, reason=outcome.error or "")
        logger.error("could not write %d events to %s (%s); spilled to %s",
                     len(rows), self.table, log_safe(outcome.error, 500), outcome.spilled_path)
        if not self.spool.claim_notice(self.table, self.clock()):
            # This hour's spills of the table were notified already (by this process or another
            # using the spool): logged above, counted in coverage-health's spool_backlog.
            return outcome
        then = ("run coverage-replay once the warehouse is back." if not outcome.quota_exhausted else
                "a BigQuery quota is used up (see the error; a table takes at most 1,500 load jobs a day, "
                "failed ones included): run coverage-replay after it refills, in 10 minutes or more, and look for "
                f"a job that loads {self.table} per game or per row.")
        waiting = len(self.spool.files())
        self._notify_error(
            title="Source coverage events could not be written",
            message=(f"{len(rows)} events for {self.table} were spilled to {outcome.spilled_path}; {then} "
                     f"{waiting} batch(es) wait in {self.spool.directory}; further spills of {self.table} this "
                     "hour are logged, not notified."),
            details={"error": outcome.error, "job_id": job_id, "attempts": outcome.attempts,
                     "dead_letter_file": str(outcome.spilled_path)},
            processor_name=processor_name,
        )
        return outcome
