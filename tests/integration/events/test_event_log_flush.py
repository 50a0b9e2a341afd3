"""The event log on the embedded warehouse: one load job per flush, nothing ever lost."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE
from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.events.replay import main as replay_main
from shared_services.events.replay import replay_dead_letters
from tests.support.event_log import Processor, log_rows
from tests.support.recording_client import FlakyLoadClient, RecordingClient


def test_thirteen_events_make_one_load_job_and_thirteen_rows(warehouse):
    client = RecordingClient(warehouse)
    processor = Processor(client)
    ids = [processor.log_quality_event("fallback_used", "info", f"player {i} from bdl",
                                       game_id="0022400561", player_id=str(i)) for i in range(13)]
    assert processor.pending_event_count == 13
    assert client.calls["load_table_from_json"] == 0

    assert processor.flush_events() == 13

    assert client.calls["load_table_from_json"] == 1
    assert processor.pending_event_count == 0
    stored = log_rows(warehouse)
    assert sorted(stored["event_id"]) == sorted(ids)
    assert set(stored["processor_run_id"]) == {"run-1"}
    assert set(stored["environment"]) == {"test"}
    assert set(stored["phase"]) == {"phase_3"}
    # nothing pending: no second job
    assert processor.flush_events() == 0
    assert client.calls["load_table_from_json"] == 1


def test_buffers_belong_to_instances(warehouse):
    first, second = Processor(warehouse, "run-a"), Processor(warehouse, "run-b")
    first.log_quality_event("source_missing", "info", "a")
    assert first.pending_event_count == 1
    assert second.pending_event_count == 0
    second.flush_events()
    assert log_rows(warehouse).empty


def test_unknown_values_are_rejected_by_name_and_nothing_is_buffered(warehouse):
    processor = Processor(warehouse)
    with pytest.raises(ValueError, match="'urgent'"):
        processor.log_quality_event("fallback_used", "urgent", "x")
    with pytest.raises(ValueError, match="'fell_back'"):
        processor.log_quality_event("fell_back", "info", "x")
    with pytest.raises(ValueError, match="primary_sauce"):
        processor.log_quality_event("fallback_used", "info", "x", primary_sauce="nbac")
    with pytest.raises(ValueError, match="game_date"):
        processor.log_quality_event("fallback_used", "info", "x", game_date="15/01/2025")
    assert processor.pending_event_count == 0


def test_everything_a_processor_passes_ends_up_loadable(warehouse):
    processor = Processor(warehouse)
    processor.log_quality_event(
        "quality_degradation", "info", "odd values",
        quality_before={"tier": "gold", "score": np.float64(97.5)},
        quality_after={"tier": "silver", "score": Decimal("80.25")},
        game_id="0022400561", player_id=np.int64(2544),
        game_date=pd.Timestamp("2025-01-15 19:30", tz="US/Eastern"),
        alert_sent_at=datetime(2025, 1, 15, 3, 0),  # naive means UTC
        resolved_at=pd.NaT, team_abbr=float("nan"),
        resolution_details={"why": "primary late", "when": date(2025, 1, 15)},
        fallback_sources_tried=("nbac_gamebook_player_stats_empty", "bdl_player_boxscores"),
    )
    assert processor.flush_events() == 1
    row = log_rows(warehouse).iloc[0]
    assert row["game_date"] == date(2025, 1, 15)
    assert row["player_id"] == "2544"
    assert row["quality_score_before"] == 97.5
    assert row["quality_score_after"] == 80.25
    assert row["quality_tier_after"] == "silver"
    assert row["alert_sent_at"] == pd.Timestamp("2025-01-15 03:00", tz="UTC")
    assert pd.isna(row["resolved_at"]) and pd.isna(row["team_abbr"])
    assert json.loads(row["resolution_details"]) == {"when": "2025-01-15", "why": "primary late"}
    assert list(row["fallback_sources_tried"]) == ["nbac_gamebook_player_stats_empty", "bdl_player_boxscores"]
    assert row["season"] == "2024-25"


def test_environment_comes_from_configuration(warehouse, monkeypatch):
    monkeypatch.setenv("COVERAGE_ENVIRONMENT", "prod")
    processor = Processor(warehouse)
    processor.log_quality_event("fallback_used", "info", "x")
    processor.flush_events()
    assert log_rows(warehouse)["environment"].tolist() == ["prod"]


def test_replay_of_a_file_whose_rows_already_landed_adds_nothing(warehouse, tmp_path):
    processor = Processor(warehouse)
    processor.log_quality_event("fallback_used", "info", "x")
    rows = processor._coverage_state().buffer.snapshot()
    processor.flush_events()
    spool = DeadLetterSpool(tmp_path / "other")
    spool.spill(COVERAGE_LOG_TABLE, "manual_copy", rows, "copied by hand")
    report = replay_dead_letters(warehouse, spool)
    assert report.rows_loaded == 0 and report.rows_already_present == 1
    assert len(log_rows(warehouse)) == 1


def test_replay_command_line(warehouse, tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    from shared_services.bigquery.duckdb_client import DuckDBClient
    from shared_services.bigquery.provisioning import ensure_schema

    cli_client = DuckDBClient(str(db))
    ensure_schema(cli_client)
    failing = FlakyLoadClient(cli_client, failures=-1, error_factory=lambda: gexc.InternalServerError("500"))
    processor = Processor(failing)
    processor.log_quality_event("fallback_used", "info", "x")
    processor.flush_events()
    cli_client.close()
    assert replay_main(["--warehouse", f"duckdb:///{db}"]) == 0
    assert "1 row(s) loaded" in capsys.readouterr().out
    assert replay_main(["--warehouse", f"duckdb:///{db}"]) == 0
    assert "0 row(s) loaded" in capsys.readouterr().out
    check = DuckDBClient(str(db))
    assert len(log_rows(check)) == 1
    check.close()


def test_buffer_cap_flushes_by_itself(warehouse):
    class Capped(Processor):
        EVENT_BUFFER_MAX = 5

    client = RecordingClient(warehouse)
    processor = Capped(client)
    for i in range(12):
        processor.log_quality_event("fallback_used", "info", f"e{i}")
    assert client.calls["load_table_from_json"] == 2
    assert processor.pending_event_count == 2
    processor.flush_events()
    assert len(log_rows(warehouse)) == 12


def test_context_manager_flushes_when_the_block_raises(warehouse):
    with pytest.raises(RuntimeError, match="boom"):
        with Processor(warehouse) as processor:
            processor.log_quality_event("fallback_used", "info", "before the crash")
            raise RuntimeError("boom")
    assert log_rows(warehouse)["description"].tolist() == ["before the crash"]


def test_timestamps_are_timezone_aware_utc(warehouse):
    processor = Processor(warehouse)
    before = datetime.now(UTC)
    processor.log_quality_event("fallback_used", "info", "x")
    processor.flush_events()
    stamp = log_rows(warehouse)["event_timestamp"].iloc[0]
    assert stamp.tzinfo is not None
    assert before - timedelta(seconds=5) <= stamp.to_pydatetime() <= datetime.now(UTC) + timedelta(seconds=5)


def test_780_events_make_one_load_job_and_780_rows(warehouse):
    # A whole outage night of one processor (10 games x 26 players x 3 events): still ONE job.
    # (More than 500 rows on purpose: a sink that chunks its batches would make 2 jobs here.)
    client = RecordingClient(warehouse)
    processor = Processor(client)
    ids = [processor.log_quality_event("source_missing", "info", f"event {i}", game_id=f"g{i % 10}",
                                       player_id=str(i % 26)) for i in range(780)]
    assert processor.flush_events() == 780
    assert client.calls["load_table_from_json"] == 1
    assert client.calls[f"load:{COVERAGE_LOG_TABLE}"] == 1
    stored = log_rows(warehouse)
    assert len(stored) == 780 and sorted(stored["event_id"]) == sorted(ids)


def test_the_sink_writes_a_batch_of_780_rows_in_one_load_job(warehouse):
    from shared_services.events.model import build_event_row
    from shared_services.events.sink import EventSink

    client = RecordingClient(warehouse)
    rows = [build_event_row("fallback_used", "info", f"row {i}") for i in range(780)]
    outcome = EventSink(client).write(rows)
    assert (outcome.written, outcome.attempts, outcome.spilled_path) == (780, 1, None)
    assert client.calls["load_table_from_json"] == 1
    assert len(log_rows(warehouse)) == 780


def test_replay_command_line_uses_dir_and_reports_failures_with_exit_1(tmp_path, capsys):
    from shared_services.bigquery.duckdb_client import DuckDBClient
    from shared_services.bigquery.provisioning import ensure_schema
    from shared_services.events.model import build_event_row

    db = tmp_path / "cli.duckdb"
    client = DuckDBClient(str(db))
    ensure_schema(client)
    client.close()
    spool = DeadLetterSpool(tmp_path / "elsewhere")          # not $COVERAGE_DEAD_LETTER_DIR
    good = spool.spill(COVERAGE_LOG_TABLE, "job_good", [build_event_row("fallback_used", "info", "x")])
    bad = spool.spill("nba_reference.no_such_table", "job_bad", [{"event_id": "y"}])  # not on the allow-list
    assert replay_main(["--warehouse", f"duckdb:///{db}", "--dir", str(spool.directory)]) == 1
    captured = capsys.readouterr()
    assert (f"replayed 1 file(s) from {spool.directory.resolve()}: 1 row(s) loaded, 0 already present; "
            "0 failed, 1 quarantined, 0 busy") in captured.out
    assert f"QUARANTINED {bad}: " in captured.err and "allow-list" in captured.err
    assert (spool.replayed_directory / good.name).is_file() and not bad.exists()
    assert replay_main(["--warehouse", "ftp://nowhere", "--dir", str(spool.directory)]) == 2
    assert "ftp://nowhere" in capsys.readouterr().err
