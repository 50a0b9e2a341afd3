"""Phase 3 over a span of days in ONE run (``start_date`` .. ``end_date``) writes what one run
per day writes: the same rows, tiers and events, with one load job for the rows and one for
the events instead of two per day.

The days are the demo's slate (seed 7, three days: primary outages, a game no source has, a
thin box score, a team box filed under the wrong key, a game scheduled after the last day)
plus two hand-made traps for a span read: a game whose gamebook rows were filed under the
NEXT day (a one-day run of its date falls back to Ball Don't Lie; a span that sliced by game id
alone would find the gamebook rows) and a team box score filed under the day after its game
(an orphan key on that day, and no rows for the game on its own day).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from data_processors.analytics.analytics_base import run_dates
from data_processors.analytics.player_game_summary.player_game_summary_processor import (
    PlayerGameSummaryProcessor,
)
from data_processors.analytics.team_offense_game_summary.team_offense_game_summary_processor import (
    TeamOffenseGameSummaryProcessor,
    team_game_key,
)
from data_processors.demo.slate import build_slate
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.schemas import (
    COVERAGE_LOG_TABLE,
    PLAYER_GAME_SUMMARY,
    SCHEDULE,
    TEAM_BOXSCORE,
    TEAM_OFFENSE_GAME_SUMMARY,
)
from tests.support.recording_client import RecordingClient
from tests.support.scenario import load, player_rows, schedule_row, team_rows
from tests.support.table_compare import comparable
from tests.support.warehouse_files import open_copy

GAMEBOOK = "nba_raw.nbac_gamebook_player_stats"
BDL = "nba_raw.bdl_player_boxscores"
#: Values that differ between two runs by design: wall-clock times and run / event ids.
VOLATILE = {"processed_at", "quality_calculated_at", "processor_run_id", "event_id", "batch_id",
            "event_timestamp", "created_at", "alert_sent_at", "alert_sent", "alert_channel"}
PROCESSORS = (PlayerGameSummaryProcessor, TeamOffenseGameSummaryProcessor)


def _slate_and_traps() -> tuple[list[date], dict[str, list[dict[str, Any]]]]:
    slate = build_slate(seed=7, days=3, history_days=0)
    rows: dict[str, list[dict[str, Any]]] = {SCHEDULE.table_id: slate.schedule_rows()}
    for table in (GAMEBOOK, BDL, "nba_raw.espn_game_boxscore", TEAM_BOXSCORE.table_id):
        rows[table] = [r for day in slate.dates for r in slate.rows(table, day)]
    first, last = slate.dates[0], slate.dates[-1]
    # trap 1: gamebook rows of a first-day game filed under the next day; BDL has the game
    misfiled = "0022499901"
    rows[SCHEDULE.table_id].append(schedule_row(misfiled, first, away="UTA", home="SAC"))
    rows[GAMEBOOK] += player_rows(misfiled, first + timedelta(days=1), away="UTA", home="SAC")
    rows[BDL] += player_rows(misfiled, first, away="UTA", home="SAC", shot_zones=False)
    # trap 2: a first-day game's team box score filed under the next day (same key)
    late_box = "0022499902"
    rows[SCHEDULE.table_id].append(schedule_row(late_box, first, away="POR", home="MEM"))
    rows[TEAM_BOXSCORE.table_id] += team_rows(team_game_key(first, "POR", "MEM"), first + timedelta(days=1),
                                              away="POR", home="MEM")
    return [first, last], rows


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, warehouse_template: Path) -> dict[str, Any]:
    """The same raw data in two warehouses: one run per day per processor in the first, one
    run over the whole span per processor in the second."""
    (first, last), raw = _slate_and_traps()
    folder = tmp_path_factory.mktemp("span_runs")
    out: dict[str, Any] = {"first": first, "last": last}
    for mode in ("per_day", "span"):
        client = open_copy(warehouse_template, folder / f"{mode}.duckdb")
        try:
            for table, rows in raw.items():
                load(client, table, rows)
            recording = RecordingClient(client)
            stats = []
            for cls in PROCESSORS:
                if mode == "per_day":
                    day = first
                    while day <= last:
                        stats.append(cls(bq_client=recording).run({"game_date": day}))
                        day += timedelta(days=1)
                else:
                    stats.append(cls(bq_client=recording).run({"start_date": first, "end_date": last.isoformat()}))
            out[mode] = {
                "stats": stats,
                "calls": dict(recording.calls),
                "player": _table(client, PLAYER_GAME_SUMMARY.table_id, "game_date"),
                "team": _table(client, TEAM_OFFENSE_GAME_SUMMARY.table_id, "game_date"),
                "events": _table(client, COVERAGE_LOG_TABLE, "event_timestamp"),
            }
        finally:
            client.close()
    return out


def _table(client: DuckDBClient, table: str, partition: str) -> pd.DataFrame:
    return comparable(client.query(f"SELECT * FROM `{table}` WHERE {partition} >= '2000-01-01'").to_dataframe(),
                      VOLATILE)


@pytest.mark.parametrize("table", ["player", "team", "events"])
def test_a_span_run_writes_what_a_run_per_day_writes(runs: dict[str, Any], table: str) -> None:
    per_day, span = runs["per_day"][table], runs["span"][table]
    assert len(per_day) > 0
    pd.testing.assert_frame_equal(per_day, span)


def test_the_traps_are_what_a_one_day_run_sees(runs: dict[str, Any]) -> None:
    first = runs["first"].isoformat()
    player = runs["span"]["player"]
    misfiled = player[player["game_id"] == "0022499901"]
    assert len(misfiled) == 13 and set(map(str, misfiled["game_date"])) == {first}
    assert set(misfiled["data_sources"]) == {json.dumps(["bdl_player_boxscores"])}  # not the gamebook
    events = runs["span"]["events"]
    key = team_game_key(runs["first"], "POR", "MEM")
    late = events[events["game_id"] == key]
    assert late["event_type"].tolist() == ["source_missing"]  # no rows on its own day
    orphans = events[(events["event_type"] == "validation_failure") & (events["severity"] == "warning")]
    assert any(key in text for text in orphans["description"])  # an orphan on the next day


def test_a_span_run_takes_one_load_job_for_its_rows_and_one_for_its_events(runs: dict[str, Any]) -> None:
    days = (runs["last"] - runs["first"]).days + 1
    assert days == 3
    per_day, span = runs["per_day"]["calls"], runs["span"]["calls"]
    loads = {name: n for name, n in span.items() if name.startswith("load:")}
    # per processor: one staging load (its replace) and one event flush, whatever the span
    assert loads.get(f"load:{COVERAGE_LOG_TABLE}") == 2
    assert sum(n for name, n in loads.items() if "_staging_" in name) == 2
    # a run per day flushes once per run that logged something, and replaces once per run with rows
    assert per_day.get(f"load:{COVERAGE_LOG_TABLE}", 0) > 2
    assert sum(n for name, n in per_day.items() if name.startswith("load:") and "_staging_" in name) \
        == sum(1 for s in runs["per_day"]["stats"] if s["rows_written"]) > 2
    assert span["query"] < per_day["query"]
    player_span, team_span = runs["span"]["stats"]
    per_day_player = runs["per_day"]["stats"][:days]
    assert player_span["games_scheduled"] == sum(s["games_scheduled"] for s in per_day_player)
    assert player_span["game_tiers"] == {k: v for s in per_day_player for k, v in s["game_tiers"].items()}
    assert player_span["rows_written"] == sum(s["rows_written"] for s in per_day_player)
    per_day_team = runs["per_day"]["stats"][days:]
    assert team_span["orphan_keys"] == [k for s in per_day_team for k in s["orphan_keys"]]


@pytest.mark.parametrize("opts, message", [
    ({}, "run() needs opts['game_date'] (YYYY-MM-DD), or opts['start_date'] and opts['end_date']"),
    ({"start_date": "2025-01-10"}, "run() needs opts['end_date'] too"),
    ({"end_date": "2025-01-10"}, "run() needs opts['start_date'] too"),
    ({"game_date": "2025-01-10", "start_date": "2025-01-10"}, "not both"),
    ({"start_date": "2025-01-12", "end_date": "2025-01-10"}, "end_date 2025-01-10 is before start_date 2025-01-12"),
    ({"start_date": "2025-01-10", "end_date": "10/01/2026"}, "end_date: '10/01/2026' is not a date"),
    ({"start_date": "2024-01-01", "end_date": "2025-01-01"}, "spans 367 days; one run takes at most 366"),
])
def test_bad_spans_are_errors_naming_the_option(opts: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        run_dates(opts)
    assert message in str(caught.value)


@pytest.mark.parametrize("cls", PROCESSORS)
def test_a_bad_span_writes_nothing(cls: type, warehouse: DuckDBClient) -> None:
    recording = RecordingClient(warehouse)
    with pytest.raises(ValueError, match="before start_date"):
        cls(bq_client=recording).run({"start_date": "2025-01-12", "end_date": "2025-01-10"})
    assert not any(name.startswith("load:") for name in recording.calls)
    assert recording.calls.get("query", 0) == 0


def test_one_day_is_a_span_of_one() -> None:
    day = date(2025, 1, 15)
    assert run_dates({"game_date": "2025-01-15"}) == (day, day)
    assert run_dates({"start_date": day, "end_date": "2025-01-15"}) == (day, day)
    assert run_dates({"start_date": "2024-10-22", "end_date": "2025-10-21"}) == (date(2024, 10, 22), date(2025, 10, 21))


def test_a_span_run_that_fails_writes_none_of_its_days_and_keeps_its_events(
        warehouse: DuckDBClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """One replace at the end: a failure on a later day leaves the earlier days unwritten (a
    re-run does them all), and the events logged before it are still flushed."""
    first = date(2025, 1, 13)
    days = [first, first + timedelta(days=1)]
    load(warehouse, SCHEDULE.table_id, [schedule_row(f"00224007{n:02d}", d) for n, d in enumerate(days)])
    load(warehouse, BDL, [r for n, d in enumerate(days) for r in player_rows(f"00224007{n:02d}", d)])
    original = PlayerGameSummaryProcessor.build_game_rows

    def failing(self: PlayerGameSummaryProcessor, game_id: str, game_date: Any) -> Any:
        if game_date == days[1]:
            raise RuntimeError("source read failed")
        return original(self, game_id, game_date)

    monkeypatch.setattr(PlayerGameSummaryProcessor, "build_game_rows", failing)
    with pytest.raises(RuntimeError, match="source read failed"):
        PlayerGameSummaryProcessor(bq_client=warehouse).run({"start_date": days[0], "end_date": days[1]})
    written = warehouse.query(f"SELECT COUNT(*) AS n FROM `{PLAYER_GAME_SUMMARY.table_id}` "
                              "WHERE game_date >= '2000-01-01'").to_dataframe()["n"][0]
    assert written == 0
    events = _table(warehouse, COVERAGE_LOG_TABLE, "event_timestamp")
    # the first day's game fell back to BDL before the failure: that event was flushed
    assert events[["game_id", "event_type"]].values.tolist() == [["0022400700", "fallback_used"]]
