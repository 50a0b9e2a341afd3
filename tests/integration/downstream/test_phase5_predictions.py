"""Phase 5 predictions on the embedded warehouse: confidence capped by inherited quality."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from data_processors.precompute.player_rolling_average_processor import (
    PlayerRollingAverageProcessor,
)
from data_processors.predictions import prediction_generator as module
from data_processors.predictions.prediction_generator import PredictionGenerator, prediction_id
from shared_services.bigquery import factory
from shared_services.bigquery.schemas import PLAYER_PROP_PREDICTIONS
from tests.integration.downstream.downstream_seed import (
    ANALYSIS_DATE,
    game_id_for,
    log_events,
    player_history,
    query,
)
from tests.support.recording_client import RecordingClient

PREDICTIONS_SQL = (
    f"SELECT * FROM `{PLAYER_PROP_PREDICTIONS.table_id}` WHERE game_date = @day ORDER BY player_id"
)


class FixedModel:
    """Always 20 points at a fixed confidence; can fail for chosen players."""

    model_version = "fixed-1"

    def __init__(self, confidence: float = 0.99, fail_for: tuple[str, ...] = ()) -> None:
        self.confidence = confidence
        self.fail_for = fail_for

    def predict(self, features):
        if features["player_id"] in self.fail_for:
            raise RuntimeError("model blew up")
        return 20.0

    def predict_proba(self, features):
        return self.confidence


def predictions(client):
    return query(client, PREDICTIONS_SQL, day=ANALYSIS_DATE)


@pytest.fixture
def pipeline(warehouse, seed_phase3, seed_schedule):
    """Seed phase 3 (LAL players), schedule LAL on ANALYSIS_DATE, build phase 4."""
    def build(histories, teams=("LAL",)):
        seed_phase3([row for rows in histories for row in rows])
        seed_schedule(ANALYSIS_DATE, list(teams))
        PlayerRollingAverageProcessor(bq_client=warehouse).run({"analysis_date": ANALYSIS_DATE})
    return build


def test_silver_input_caps_a_099_confidence_at_095(warehouse, pipeline):
    pipeline([player_history("p1", 10, tiers=["gold"] * 9 + ["silver"])])
    stats = PredictionGenerator(bq_client=warehouse, model=FixedModel(0.99)).run(
        {"game_date": ANALYSIS_DATE})
    row = predictions(warehouse).iloc[0]
    assert stats["predictions_written"] == 1
    assert row["quality_tier"] == "silver"
    assert row["base_confidence"] == 0.99
    assert row["final_confidence"] == 0.95
    assert bool(row["confidence_capped"]) is True
    assert row["game_id"] == game_id_for(ANALYSIS_DATE)
    assert row["model_version"] == "fixed-1"
    # stated, not computed with the code's prediction_id(): uuid5 of "<date>|<player>|<model>"
    # in the project's fixed namespace (prediction_generator.PREDICTION_ID_NAMESPACE)
    expected_id = str(uuid.uuid5(uuid.UUID("6f1c9f5e-2b7a-4f43-9a43-5d1f2f0f6a55"), "2025-01-15|p1|fixed-1"))
    assert row["prediction_id"] == expected_id == prediction_id("2025-01-15", "p1", "fixed-1")
    assert log_events(warehouse, "quality_degradation").empty  # a 0.04 cap is not worth an event


def test_a_large_cap_logs_an_info_event(warehouse, pipeline):
    pipeline([player_history("p1", 10, tiers=["gold"] * 9 + ["bronze"])])
    PredictionGenerator(bq_client=warehouse, model=FixedModel(0.99)).run({"game_date": ANALYSIS_DATE})
    assert predictions(warehouse).iloc[0]["final_confidence"] == 0.80
    events = log_events(warehouse, "quality_degradation")
    assert list(events["severity"]) == ["info"]
    assert events.iloc[0]["player_id"] == "p1"
    assert events.iloc[0]["quality_tier_after"] == "bronze"


def test_one_unusable_input_means_no_prediction_and_a_logged_skip(warehouse, pipeline):
    pipeline([player_history("bad", 10, tiers=["gold"] * 9 + ["unusable"]),
              player_history("good", 10)])
    stats = PredictionGenerator(bq_client=warehouse).run({"game_date": ANALYSIS_DATE})

    assert list(predictions(warehouse)["player_id"]) == ["good"]
    assert stats["skipped_unusable"] == ["bad"]
    events = log_events(warehouse, "quality_degradation")
    skipped = events[events["downstream_impact"] == "prediction_skipped"]
    assert len(skipped) == 1
    event = skipped.iloc[0]
    assert (event["player_id"], event["severity"], event["phase"]) == ("bad", "warning", "phase_5")
    assert event["game_id"] == game_id_for(ANALYSIS_DATE)
    assert event["quality_tier_after"] == "unusable"


def test_a_model_error_for_one_player_does_not_stop_the_run(warehouse, pipeline):
    pipeline([player_history(p, 10) for p in ("p1", "p2", "p3")])
    stats = PredictionGenerator(bq_client=warehouse, model=FixedModel(0.7, fail_for=("p2",))).run(
        {"game_date": ANALYSIS_DATE})
    assert list(predictions(warehouse)["player_id"]) == ["p1", "p3"]
    assert stats["model_failures"] == ["p2"]
    events = log_events(warehouse, "validation_failure")
    assert list(events["player_id"]) == ["p2"]
    assert events.iloc[0]["severity"] == "warning"
    assert "RuntimeError: model blew up" in events.iloc[0]["description"]


def test_out_of_range_model_confidence_is_a_per_player_failure(warehouse, pipeline):
    pipeline([player_history("p1", 10)])
    stats = PredictionGenerator(bq_client=warehouse, model=FixedModel(1.7)).run(
        {"game_date": ANALYSIS_DATE})
    assert stats["model_failures"] == ["p1"]
    assert predictions(warehouse).empty


def test_rerun_is_idempotent(warehouse, pipeline):
    pipeline([player_history(p, 10) for p in ("p1", "p2")])
    PredictionGenerator(bq_client=warehouse).run({"game_date": ANALYSIS_DATE})
    first = predictions(warehouse)
    stats = PredictionGenerator(bq_client=warehouse).run({"game_date": ANALYSIS_DATE})
    second = predictions(warehouse)
    assert len(first) == len(second) == stats["predictions_written"] == 2
    assert list(first["prediction_id"]) == list(second["prediction_id"])
    assert set(second["processor_run_id"]) == {stats["run_id"]}


def test_a_rerun_replaces_the_day_so_a_player_gone_unusable_loses_his_prediction(warehouse, pipeline):
    pipeline([player_history(p, 10) for p in ("p1", "p2")])
    PredictionGenerator(bq_client=warehouse, model=FixedModel(0.7, fail_for=())).run({"game_date": ANALYSIS_DATE})
    assert list(predictions(warehouse)["player_id"]) == ["p1", "p2"]
    # p2 now fails: the day's predictions are replaced, not merged per player
    PredictionGenerator(bq_client=warehouse, model=FixedModel(0.7, fail_for=("p2",))).run(
        {"game_date": ANALYSIS_DATE})
    assert list(predictions(warehouse)["player_id"]) == ["p1"]


def test_the_baseline_model_end_to_end(warehouse, pipeline):
    pipeline([player_history("p1", 10)])
    PredictionGenerator(bq_client=warehouse).run({"game_date": ANALYSIS_DATE})
    row = predictions(warehouse).iloc[0]
    assert row["predicted_points"] == pytest.approx(14.5)  # mean of 10..19
    assert 0.0 < row["final_confidence"] <= 1.0
    assert row["model_version"] == "baseline-1"


def test_players_whose_team_does_not_play_get_no_prediction(warehouse, pipeline):
    pipeline([player_history("lal", 10), player_history("bos", 10, team="BOS")], teams=("LAL",))
    stats = PredictionGenerator(bq_client=warehouse).run({"game_date": ANALYSIS_DATE})
    assert list(predictions(warehouse)["player_id"]) == ["lal"]
    assert stats["players_without_game"] == ["bos"]


def test_an_empty_schedule_is_reported_once(warehouse, pipeline):
    pipeline([player_history("p1", 10), player_history("p2", 10)], teams=("NYK",))
    PredictionGenerator(bq_client=warehouse).run({"game_date": ANALYSIS_DATE})
    assert predictions(warehouse).empty
    assert len(log_events(warehouse, "source_missing")) == 1


def test_one_read_query_whatever_the_number_of_players(warehouse, pipeline):
    pipeline([player_history(f"p{i:03d}", 3) for i in range(60)])
    client = RecordingClient(warehouse)
    generator = PredictionGenerator(bq_client=client)
    stats = generator.run({"game_date": ANALYSIS_DATE})
    assert stats["predictions_written"] == 60
    assert generator.queries_issued == 1
    assert client.calls["query"] == 2  # the read + the MERGE of the idempotent write


def test_hostile_player_ids_are_stored_as_data(warehouse, pipeline):
    hostile = ["o'neal", "x'; DELETE FROM nba_predictions.player_prop_predictions; --"]
    pipeline([player_history(p, 10) for p in hostile])
    PredictionGenerator(bq_client=warehouse).run({"game_date": ANALYSIS_DATE})
    assert sorted(predictions(warehouse)["player_id"]) == sorted(hostile)


def test_prediction_timestamps_are_utc(warehouse, pipeline):
    # The process runs in a zone 8 hours off UTC: a local time stored as if it were UTC would
    # land 8 hours away from the moment of the run.
    pipeline([player_history("p1", 10)])
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "America/Los_Angeles"
    time.tzset()
    try:
        assert time.localtime().tm_gmtoff in (-8 * 3600, -7 * 3600)
        before = datetime.now(UTC)
        PredictionGenerator(bq_client=warehouse).run({"game_date": ANALYSIS_DATE})
        after = datetime.now(UTC)
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()
    stamp = pd.Timestamp(predictions(warehouse).iloc[0]["prediction_timestamp"])
    assert before - timedelta(seconds=1) <= stamp.to_pydatetime() <= after + timedelta(seconds=1)


def test_command_line(warehouse, pipeline, monkeypatch, capsys):
    pipeline([player_history("p1", 10)])
    monkeypatch.setattr(factory, "make_client", lambda url=None: warehouse)
    monkeypatch.setenv("COVERAGE_WAREHOUSE", f"duckdb:///{warehouse.path}")  # the file exists
    monkeypatch.setattr(warehouse, "close", lambda: None)  # the command closes its client
    assert module.main(["--date", ANALYSIS_DATE.isoformat()]) == 0
    assert "1 prediction(s)" in capsys.readouterr().out
    assert module.main(["--date", "2025-13-01"]) == 2
    assert "--date" in capsys.readouterr().err
