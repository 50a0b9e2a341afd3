"""No drift: every statement the library actually sends is in the registry, parameters included.

The demo (phases 3-5, the audit, the report), the staleness query, the health checks and a
dead-letter replay run on a real embedded warehouse whose ``query`` is wrapped to record what
it receives (then delegates: nothing is faked). The demo is the session's shared demo week,
recorded the same way while it ran (``tests/support/demo_runs.py``); the rest runs here on a
copy of its warehouse. Each recorded statement must equal a
registered one (whitespace aside, the writer's random staging token aside) with the same
parameter names and types. A query added without registering it fails here.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime

from data_processors.precompute.staleness import find_stale_rows
from data_processors.reporting.health import collect_health_inputs
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.statements import library_statements
from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.events.model import build_event_row
from shared_services.events.replay import replay_dead_letters
from tests.support.demo_runs import DemoWeek, statement_signature

_STAGING = re.compile(r"(_staging_[A-Za-z0-9_]+?_)[0-9a-f]{16}\b")


def _normalized(sql: str) -> str:
    return " ".join(_STAGING.sub(r"\1TOKEN", sql).split())


_signature = statement_signature


def test_everything_the_library_sends_is_registered(tmp_path, monkeypatch, shared_demo_week: DemoWeek):
    sent: list[tuple[str, tuple[tuple[str, str], ...]]] = list(shared_demo_week.statements)
    assert sent, "the shared demo run recorded no statements"
    original = DuckDBClient.query

    def recording_query(self, query, job_config=None, *args, **kwargs):
        sent.append((query, _signature(job_config.query_parameters if job_config else [])))
        return original(self, query, job_config, *args, **kwargs)

    monkeypatch.setattr(DuckDBClient, "query", recording_query)
    summary = shared_demo_week.summary
    shutil.copy(summary.warehouse_url.removeprefix("duckdb:///"), tmp_path / "demo.duckdb")
    client = DuckDBClient(str(tmp_path / "demo.duckdb"))
    day = summary.start
    find_stale_rows(client, since=day, today=day)
    collect_health_inputs(client, day, now=datetime.now(UTC))
    spool = DeadLetterSpool(tmp_path / "spool")
    spool.spill("nba_reference.source_coverage_log", "replay_job_1",
                [build_event_row("fallback_used", "warning", "w", game_id="g1", game_date="2025-01-15")],
                reason="test")
    replay_dead_letters(client, spool)
    client.close()

    registered = {(_normalized(s.sql), _signature(s.parameters)): s.name for s in library_statements("embedded")}
    by_sql = {_normalized(s.sql): s.name for s in library_statements("embedded")}
    unregistered = [
        (sql, signature, by_sql.get(_normalized(sql), "<no statement with this SQL>"))
        for sql, signature in sent if (_normalized(sql), signature) not in registered
    ]
    assert not unregistered, "\n\n".join(f"{name}: {sig}\n{sql}" for sql, sig, name in unregistered)
    covered = {registered[(_normalized(sql), sig)].split(".", 1)[0] for sql, sig in sent}
    assert covered >= {"setup", "phase3", "phase4", "phase5", "audit", "report", "write",
                       "staleness", "health", "replay"}
