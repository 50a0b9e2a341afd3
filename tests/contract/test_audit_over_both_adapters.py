"""The nightly audit over both adapters: the same findings, flags and resolutions.

The audit reads its query results as rows (``QueryJob.result()``, values by position), so on
the HTTP adapter the real client's ``RowIterator`` and ``Row`` carry them: a REPEATED column
(the open flags), DATE and INT64 values decoded from the wire, and the DML resolution's empty
result. The stand-in delegates to the embedded warehouse (see conftest), so the pair checks
that the audit reads the real client's objects as it reads the embedded ones.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from data_processors.source_coverage_audit import SourceCoverageAuditProcessor
from shared_services.bigquery.provisioning import ensure_schema
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE
from shared_services.events.model import build_event_row
from shared_services.events.sink import EventSink
from tests.contract.conftest import Adapter
from tests.support.scenario import load, player_rows, schedule_row, team_rows

pytestmark = [pytest.mark.filterwarnings("ignore:Retrieving DataFrames via google-cloud-bigquery")]

DAY = date(2025, 1, 15)
NOW = datetime(2025, 1, 16, 15, 0, tzinfo=UTC)
GAMES = {"0022400001": ("LAL", "BOS"), "0022400002": ("NYK", "MIA"), "0022400003": ("GSW", "DEN"),
         "0022400004": ("PHX", "DAL"), "0022400005": ("CHI", "MIL")}


def _data(client, game_id: str, tables: tuple[str, ...] = ("box", "gamebook", "summary", "offense")) -> None:
    away, home = GAMES[game_id]
    key = f"{DAY:%Y%m%d}_{away}_{home}"
    if "box" in tables:
        load(client, "nba_raw.nbac_team_boxscore", team_rows(key, DAY, away, home))
    if "gamebook" in tables:
        load(client, "nba_raw.nbac_gamebook_player_stats", player_rows(game_id, DAY, players=2, away=away, home=home))
    if "summary" in tables:
        load(client, "nba_analytics.player_game_summary",
             [{"game_id": game_id, "game_date": DAY, "player_id": "1", "points": 3}])
    if "offense" in tables:
        load(client, "nba_analytics.team_offense_game_summary",
             [{"game_id": key, "game_date": DAY, "team_abbr": home}])


def _logged(client, game_id: str) -> None:
    row = build_event_row("fallback_used", "info", "processed", game_id=game_id, now=NOW - timedelta(hours=10))
    assert EventSink(client).write([row]).ok


def _open_flags(client, project: str) -> list[tuple[str, str]]:
    sql = (f"SELECT game_id, resolution_details FROM `{project}.{COVERAGE_LOG_TABLE}` "
           "WHERE event_timestamp >= TIMESTAMP('2000-01-01') AND is_synthetic AND NOT COALESCE(is_resolved, FALSE) "
           "ORDER BY game_id")
    return [(r["game_id"], r["resolution_details"]) for r in client.query(sql).result()]


def test_the_audit_finds_flags_and_resolves_the_same_on_both_adapters(adapter: Adapter, notifications) -> None:
    client = adapter.client
    ensure_schema(client)
    load(client, "nba_raw.nbac_schedule", [schedule_row(g, DAY, a, h) for g, (a, h) in GAMES.items()])
    _data(client, "0022400001")
    _logged(client, "0022400001")
    _logged(client, "0022400003")
    _data(client, "0022400004")
    _data(client, "0022400005", tables=("box", "gamebook"))
    _logged(client, "0022400005")

    def audit():
        return SourceCoverageAuditProcessor(bq_client=client, clock=lambda: NOW).run_daily_audit(DAY)

    first = audit()
    statuses = {f.game_id: f.status for f in first.findings}
    assert statuses == {"0022400001": "normal", "0022400002": "completely_missing",
                        "0022400003": "logged_but_no_data", "0022400004": "data_exists_no_log",
                        "0022400005": "partial_data"}
    partial = next(f for f in first.findings if f.status == "partial_data")
    assert partial.missing_tables == ["nba_analytics.player_game_summary", "nba_analytics.team_offense_game_summary"]
    assert partial.season == "2024-25" and partial.game_date == DAY and partial.log_events == 1
    assert first.events_written == 4
    flagged = [("0022400002", "completely_missing"), ("0022400003", "logged_but_no_data"),
               ("0022400004", "data_exists_no_log"), ("0022400005", "partial_data")]
    assert _open_flags(client, adapter.project) == flagged

    # The open flags come back through the REPEATED column: nothing new is written.
    second = audit()
    assert {f.game_id: f.action for f in second.findings if f.is_issue} == dict.fromkeys(statuses.keys() - {"0022400001"},
                                                                                       "unchanged")
    assert second.events_written == 0 and second.resolved == 0

    # The missing game arrives: its flag is resolved by the audit's UPDATE (a DML result).
    _data(client, "0022400002")
    _logged(client, "0022400002")
    third = audit()
    assert {f.game_id: f.status for f in third.findings}["0022400002"] == "normal"
    assert third.resolved == 1
    assert _open_flags(client, adapter.project) == flagged[1:]
    if adapter.standin:  # the audit's reads went over the wire (jobs.query or jobs.insert)
        sent = [json.dumps(r.json) for r in adapter.standin.find("POST", "/projects/test-project/queries")
                + adapter.standin.find("POST", "/projects/test-project/jobs")]
        assert sum("open_flags" in body for body in sent) == 3  # the log read, once per audit
