"""Heal what the audit finds: re-run the registered processors of a never-processed game.

The audit finds games that were never (fully) processed: ``completely_missing``,
``partial_data`` and ``logged_but_no_data``. For each such finding the heal

1. re-runs every registered **phase 3** processor for the game's date, limited to the
   games being healed (:mod:`shared_services.processors.registry`);
2. finds the **phase 4** rows that depend on those games - stale rows (their inputs were
   rewritten) and rows that lack the game although it belongs in their window
   (:func:`~data_processors.precompute.dependents.find_dependent_rows`) - and re-builds them
   per analysis date for the affected players, then re-runs **phase 5** for those dates;
3. re-audits the healed dates: flags of games that are now normal are resolved
   (``resolution_method = 'backfill'``);
4. for every game still open (the source is still down), writes ONE warning event saying the
   heal was tried (all of them in one load job): ``event_type = 'source_missing'``,
   ``is_synthetic = TRUE``, ``processor_name = 'SourceCoverageHeal'``,
   ``resolution = 'failed'``, ``resolution_details = 'heal_tried:<status>'``. Synthetic, so
   the audit never counts it as a processing record.

Games the audit just resolved (flagged before, normal now: a heal interrupted after phase 3,
or a late nightly re-run) get step 2 as well, so no phase 4 row is left without them.

``data_exists_no_log`` is not healed: its data exists (written outside the processors) and a
re-run would overwrite a person's backfill; it needs a human.

Every write is idempotent (processors replace their rows by key; the audit does not log a
status twice), so healing twice changes no data: the second run finds the healed games
normal and leaves them alone; games still open get one more heal-tried event each.

A dry run (the audit's ``dry_run``) returns the plan and runs nothing.

Python::

    audit = SourceCoverageAuditProcessor(bq_client=client)
    result = CoverageHealer(audit).heal('2025-01-10', '2025-01-16')
    result.healed, result.still_open          # (['0022400627'], ['0022400595', ...])
    print(result.render())

Command line::

    coverage-audit --start 2025-01-10 --end 2025-01-16 --heal [--dry-run]
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from data_processors.source_coverage_audit.classify import AuditFinding, AuditStatus
from data_processors.source_coverage_audit.processor import (
    AuditResult,
    SourceCoverageAuditProcessor,
)
from shared_services.constants.source_coverage import (
    SourceCoverageEventType,
    SourceCoverageSeverity,
)
from shared_services.events.model import build_event_row
from shared_services.events.sink import EventSink
from shared_services.events.text import log_safe
from shared_services.processors.registry import (
    ProcessorRegistry,
    RegisteredProcessor,
    import_processor_modules,
)
from shared_services.processors.registry import (
    registry as default_registry,
)
from shared_services.utils.dates import parse_game_date

__all__ = [
    "HEALABLE_STATUSES",
    "HEAL_PROCESSOR_NAME",
    "HEAL_TRIED",
    "PLATFORM_PROCESSOR_MODULES",
    "HealStep",
    "GameHeal",
    "HealResult",
    "CoverageHealer",
    "registered",
]

logger = logging.getLogger(__name__)

#: Audit statuses the heal acts on (games that were never, or not fully, processed).
HEALABLE_STATUSES: tuple[str, ...] = (
    AuditStatus.COMPLETELY_MISSING, AuditStatus.PARTIAL_DATA, AuditStatus.LOGGED_BUT_NO_DATA,
)
#: ``processor_name`` of the heal's events.
HEAL_PROCESSOR_NAME = "SourceCoverageHeal"
#: Prefix of ``resolution_details`` on a heal-tried event (``'heal_tried:<status>'``).
HEAL_TRIED = "heal_tried"
#: The platform's own processor modules; imported so their processors register themselves.
#: Add a team's own with ``$COVERAGE_PROCESSOR_MODULES`` (comma-separated module names).
PLATFORM_PROCESSOR_MODULES: tuple[str, ...] = (
    "data_processors.analytics.player_game_summary.player_game_summary_processor",
    "data_processors.analytics.team_offense_game_summary.team_offense_game_summary_processor",
    "data_processors.precompute.player_rolling_average_processor",
    "data_processors.predictions.prediction_generator",
)


@dataclass
class HealStep:
    """One processor run of the plan: what, for which date and scope, and how it went.

    ``status``: 'planned' (dry run), 'pending' (a dry run's later phase: its scope is only
    known after phase 3 ran), 'ok' or 'failed' (``error`` says why).
    """

    phase: str
    processor: str
    run_date: date | None
    games: list[str] = field(default_factory=list)
    players: list[str] = field(default_factory=list)
    reason: str = ""
    status: str = "planned"
    rows_written: int | None = None
    error: str | None = None

    def describe(self) -> str:
        """One line: ``phase_3 PlayerGameSummaryProcessor 2025-01-13 games 0022400627 [ok, 26 rows]``."""
        when = self.run_date.isoformat() if self.run_date else "(after phase 3)"
        scope = (f" games {', '.join(self.games)}" if self.games else "") + (
            f" players {len(self.players)}" if self.players else "")
        outcome = self.status + (f", {self.rows_written} rows" if self.rows_written is not None else "") + (
            f": {self.error}" if self.error else "")
        return f"{self.phase} {self.processor} {when}{scope} [{outcome}]" + (f" - {self.reason}" if self.reason else "")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["run_date"] = self.run_date.isoformat() if self.run_date else None
        return data


@dataclass
class GameHeal:
    """One finding the heal acted on: status before and after, and the outcome.

    ``outcome``: 'planned' (dry run), 'healed' (now normal) or 'still_open'.
    """

    game_id: str
    game_date: date
    status_before: str
    status_after: str | None = None
    outcome: str = "planned"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["game_date"] = self.game_date.isoformat()
        return data


@dataclass
class HealResult:
    """What one heal planned and did."""

    dry_run: bool
    run_id: str
    games: list[GameHeal] = field(default_factory=list)
    steps: list[HealStep] = field(default_factory=list)
    reaudit: AuditResult | None = None
    heal_events_written: int = 0
    #: Games the audit found recovered (flag resolved): phase 4 / 5 were re-built for them.
    recovered: list[str] = field(default_factory=list)

    @property
    def healed(self) -> list[str]:
        """Game ids that are normal after the heal."""
        return [g.game_id for g in self.games if g.outcome == "healed"]

    @property
    def still_open(self) -> list[str]:
        """Game ids still not normal after the heal (each got one heal-tried event)."""
        return [g.game_id for g in self.games if g.outcome == "still_open"]

    @property
    def failed_steps(self) -> list[HealStep]:
        return [s for s in self.steps if s.status == "failed"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "run_id": self.run_id,
            "healed": self.healed,
            "still_open": self.still_open,
            "recovered": self.recovered,
            "heal_events_written": self.heal_events_written,
            "games": [g.to_dict() for g in self.games],
            "steps": [s.to_dict() for s in self.steps],
        }

    def render(self) -> str:
        """A readable text block: the plan (dry run) or what was done, then each game."""
        if not self.games and not self.steps:
            return "Heal: nothing to heal (no completely_missing, partial_data or logged_but_no_data game)."
        head = "Heal plan [DRY RUN: nothing run or written]" if self.dry_run else (
            f"Heal: {len(self.healed)} healed, {len(self.still_open)} still open "
            f"({self.heal_events_written} heal-tried event(s) written)")
        lines = [head, "Steps:"]
        lines += [f"  {step.describe()}" for step in self.steps]
        if self.recovered:
            lines.append(f"Recovered since the last audit (phase 4 / 5 re-built): {', '.join(self.recovered)}")
        lines.append("Games:")
        for game in self.games:
            after = f" -> {game.status_after}" if game.status_after else ""
            lines.append(f"  {game.game_id} {game.game_date} {game.status_before}{after} [{game.outcome}]")
        # One line each whatever the data holds (a game id or an error text with a newline or
        # terminal escapes must not forge or split lines in a cron log).
        return "\n".join(log_safe(line) for line in lines)


class CoverageHealer:
    """Re-runs the registered processors of never-processed games (see the module docstring).

    Writes and reads through ``audit.bq_client``; a dry-run ``audit`` makes a dry-run heal.
    Without ``registry``, the platform's processor modules (and
    ``$COVERAGE_PROCESSOR_MODULES``) are imported into the default registry first.

    Example::

        healer = CoverageHealer(SourceCoverageAuditProcessor(bq_client=client))
        result = healer.heal_findings(healer.audit.run_audit('2025-01-13', '2025-01-13'))
    """

    def __init__(self, audit: SourceCoverageAuditProcessor, registry: ProcessorRegistry | None = None,
                 modules: Iterable[str] = ()) -> None:
        if registry is None:
            import_processor_modules([*PLATFORM_PROCESSOR_MODULES, *modules])
            registry = default_registry
        elif modules:
            import_processor_modules(modules)
        self.audit = audit
        self.registry = registry
        self.client = audit.bq_client

    @property
    def dry_run(self) -> bool:
        return self.audit.dry_run

    # -- entry points ---------------------------------------------------------------------
    def heal(self, start_date: date | str, end_date: date | str | None = None) -> HealResult:
        """Audit ``start_date..end_date`` (default: one day), then heal what it found."""
        start = parse_game_date(start_date, "start_date")
        end = parse_game_date(end_date, "end_date") if end_date is not None else start
        return self.heal_findings(self.audit.run_audit(start, end))

    def heal_findings(self, audit_result: AuditResult | Sequence[AuditFinding]) -> HealResult:
        """Heal the healable findings of an audit that already ran (see the module docstring)."""
        findings = audit_result.findings if isinstance(audit_result, AuditResult) else list(audit_result)
        targets = [f for f in findings if f.status in HEALABLE_STATUSES]
        # Flagged earlier, normal now (this audit resolved them): their phase 3 rows arrived
        # after the phase 4 rows were built - a heal interrupted after phase 3, or a late
        # nightly re-run. Phase 4 / 5 are re-built for them too; phase 3 is not re-run.
        recovered = [f for f in findings if f.status == AuditStatus.NORMAL and f.action == "resolved"]
        result = HealResult(dry_run=self.dry_run, run_id=str(uuid.uuid4()))
        result.games = [GameHeal(f.game_id, f.game_date, f.status) for f in targets]
        result.recovered = [f.game_id for f in recovered]
        if not targets and not recovered:
            return result
        by_date: dict[date, list[str]] = defaultdict(list)
        for finding in targets:
            by_date[finding.game_date].append(finding.game_id)
        result.steps = self.plan_phase3(by_date)
        if self.dry_run:
            result.steps += self._pending_downstream([*targets, *recovered])
            return result
        for step in result.steps:
            self._run(step)
        result.steps += self._rebuild_downstream([*targets, *recovered])
        if targets:
            self._reaudit(result, targets)
        return result

    def plan_phase3(self, games_by_date: dict[date, list[str]]) -> list[HealStep]:
        """One step per (date, registered phase 3 processor), scoped to the date's games."""
        entries = self.registry.processors("phase_3")
        steps = []
        for day in sorted(games_by_date):
            games = sorted(set(games_by_date[day]))
            for entry in entries:
                steps.append(HealStep(
                    "phase_3", entry.name, day, games=games if entry.games_option else [],
                    reason="re-run for the games being healed" if entry.games_option
                    else "re-run for the whole date (the processor takes no game list)"))
        return steps

    # -- running ----------------------------------------------------------------------------
    def _run(self, step: HealStep) -> None:
        entry = self.registry.get(step.processor)
        assert step.run_date is not None
        try:
            stats = entry.run(self.client, step.run_date,
                              games=step.games or None, players=step.players or None)
        except Exception as exc:  # one failing processor must not stop the others
            step.status, step.error = "failed", f"{type(exc).__name__}: {exc}"
            logger.warning("heal: %s failed: %s", step.describe(), step.error)
            return
        step.status = "ok"
        written = stats.get("rows_written", stats.get("predictions_written"))
        step.rows_written = int(written) if isinstance(written, int | float) else None

    def _pending_downstream(self, targets: Sequence[AuditFinding]) -> list[HealStep]:
        games = sorted({f.game_id for f in targets})
        first = min(f.game_date for f in targets)
        steps = [HealStep(e.phase, e.name, None, games=games, status="pending",
                          reason=f"rows after {first} that depend on these games (found after phase 3)")
                 for e in self.registry.processors("phase_4")]
        if steps:
            steps += [HealStep(e.phase, e.name, None, status="pending",
                               reason="the dates phase 4 re-builds")
                      for e in self.registry.processors("phase_5")]
        return steps

    def _rebuild_downstream(self, targets: Sequence[AuditFinding]) -> list[HealStep]:
        from data_processors.precompute.dependents import find_dependent_rows

        games = sorted({f.game_id for f in targets})
        first = min(f.game_date for f in targets)
        last = max(f.game_date for f in targets)
        today = self.audit.clock().date() + timedelta(days=1)  # phase 4 runs for "tomorrow" too
        steps: list[HealStep] = []
        rebuilt_dates: set[date] = set()
        for entry in self.registry.processors("phase_4"):
            try:
                rows = find_dependent_rows(
                    self.client, games, first_game_date=first, last_game_date=last, today=today,
                    phase4_table=entry.output_table or "", phase3_table=entry.input_table or "")
            except Exception as exc:
                step = HealStep("phase_4", entry.name, None, games=games, status="failed",
                                error=f"finding dependent rows: {type(exc).__name__}: {exc}")
                logger.warning("heal: %s", step.describe())
                steps.append(step)
                continue
            for day, players in _players_by_date(rows).items():
                step = HealStep("phase_4", entry.name, day,
                                players=players if entry.players_option else [],
                                reason=_reasons(rows, day))
                self._run(step)
                steps.append(step)
                rebuilt_dates.add(day)
        for day in sorted(rebuilt_dates):
            for entry in self.registry.processors("phase_5"):
                step = HealStep("phase_5", entry.name, day, reason="phase 4 rows of this date were re-built")
                self._run(step)
                steps.append(step)
        return steps

    # -- re-audit and the heal-tried events ---------------------------------------------------
    def _reaudit(self, result: HealResult, targets: Sequence[AuditFinding]) -> None:
        first = min(f.game_date for f in targets)
        last = max(f.game_date for f in targets)
        saved = self.audit.__dict__.get("RECOVERED_METHOD")
        self.audit.RECOVERED_METHOD = "backfill"  # type: ignore[misc]
        try:
            after = self.audit.run_audit(first, last)
        finally:
            if saved is None:
                del self.audit.RECOVERED_METHOD
            else:
                self.audit.RECOVERED_METHOD = saved  # type: ignore[misc]
        result.reaudit = after
        now_status = {f.game_id: f for f in after.findings}
        tried = {s.processor for s in result.steps if s.phase == "phase_3"}
        failures = {g: s.error for s in result.failed_steps if s.phase == "phase_3" for g in s.games}
        rows = []
        now = self.audit.clock()
        for game in result.games:
            finding = now_status.get(game.game_id)
            game.status_after = finding.status if finding else "not_scheduled_final"
            if finding is not None and finding.status == AuditStatus.NORMAL:
                game.outcome = "healed"
                continue
            game.outcome = "still_open"
            rows.append(self._heal_tried_row(game, finding, sorted(tried), failures.get(game.game_id),
                                             result.run_id, now))
        if rows:
            outcome = EventSink(self.client, table=self.audit.log_table).write(rows, HEAL_PROCESSOR_NAME)
            result.heal_events_written = outcome.written

    def _heal_tried_row(self, game: GameHeal, finding: AuditFinding | None, processors: list[str],
                        error: str | None, run_id: str, now: datetime) -> dict[str, Any]:
        status = game.status_after or game.status_before
        why = finding.description if finding is not None else "no longer a final game on the schedule"
        description = (f"Heal tried for game {game.game_id} ({game.game_date}): re-ran "
                       f"{', '.join(processors) or 'no registered phase 3 processor'}; still {status}. {why}"
                       + (f" Processor error: {error}" if error else ""))
        return build_event_row(
            SourceCoverageEventType.SOURCE_MISSING, SourceCoverageSeverity.WARNING, description,
            now=now, is_synthetic=True, phase="audit", processor_name=HEAL_PROCESSOR_NAME,
            processor_run_id=run_id, game_id=game.game_id, game_date=game.game_date,
            season=finding.season if finding is not None else None,
            table_name=", ".join(finding.missing_tables) if finding is not None and finding.missing_tables else None,
            primary_source_status="missing", resolution="failed",
            resolution_details=f"{HEAL_TRIED}:{status}",
            downstream_impact="predictions_blocked" if status in (
                AuditStatus.COMPLETELY_MISSING, AuditStatus.LOGGED_BUT_NO_DATA) else "predictions_degraded",
        )


def _players_by_date(rows: Any) -> dict[date, list[str]]:
    grouped: dict[date, set[str]] = defaultdict(set)
    for record in rows.to_dict("records"):
        grouped[record["analysis_date"]].add(str(record["player_id"]))
    return {day: sorted(players) for day, players in sorted(grouped.items())}


def _reasons(rows: Any, day: date) -> str:
    mine = rows[rows["analysis_date"] == day]
    kinds = sorted({k for value in mine["reasons"] for k in str(value).split(",")})
    return f"{len(mine)} dependent row(s): {', '.join(kinds)}"


def registered(phase: str | None = None) -> list[RegisteredProcessor]:
    """The registered processors (after importing the platform's modules), for docs and tests.

    Example::

        [e.name for e in registered('phase_3')]
    """
    import_processor_modules(PLATFORM_PROCESSOR_MODULES)
    return default_registry.processors(phase)
