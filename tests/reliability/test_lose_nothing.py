"""Reliability (issue 12, cases 1, 5, 6): hostile text, an unwritable spool, odd log table ids."""

from __future__ import annotations

import json

import pytest
from google.api_core import exceptions as gexc

from data_processors.analytics.analytics_base import AnalyticsProcessorBase
from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.events.replay import replay_dead_letters
from shared_services.events.sink import EventsNotKeptError
from shared_services.processors.quality_mixin import QualityMixin
from tests.support.event_log import FAST_RETRY, Processor, log_rows, unwritable_spool
from tests.support.recording_client import FlakyLoadClient

LONE = json.loads('"\\ud83c"')  # what a cut emoji in scraped JSON decodes to
assert len(LONE) == 1 and 0xD800 <= ord(LONE) <= 0xDFFF


# -- case 1: a lone surrogate anywhere in an event ------------------------------------------


def test_lone_surrogates_in_any_field_are_replaced_and_the_whole_batch_lands(warehouse):
    processor = Processor(warehouse)
    processor.log_quality_event("fallback_used", "info", f"Don{LONE}ić scraped", game_id="g1")
    processor.log_quality_event("quality_degradation", "warning", "ok", player_id=f"p{LONE}1", game_id="g2")
    processor.log_quality_event("source_missing", "warning", "source error", game_id="g3",
                                resolution_details=f"HTTP 500: {LONE}", fallback_sources_tried=[f"a{LONE}"])
    for i in range(10):
        processor.log_quality_event("fallback_used", "info", f"clean {i}")
    assert processor.flush_events() == 13
    assert processor.pending_event_count == 0
    stored = log_rows(warehouse)
    assert len(stored) == 13
    by_game = stored.set_index("game_id")
    assert by_game.loc["g1", "description"] == "Don\ufffdić scraped"
    assert by_game.loc["g2", "player_id"] == "p\ufffd1"
    assert by_game.loc["g3", "resolution_details"] == "HTTP 500: \ufffd"
    assert list(by_game.loc["g3", "fallback_sources_tried"]) == ["a\ufffd"]
    assert not DeadLetterSpool().files()


def test_the_spool_writer_never_fails_on_content_and_replay_loads_it(warehouse, tmp_path):
    processor = Processor(warehouse)
    processor.log_quality_event("fallback_used", "info", "fine", game_id="g1")
    row = processor._coverage_state().buffer.take()[0]
    row["description"] = f"raw {LONE} bypassing the door"   # e.g. a row built by other code
    row[f"odd{LONE}"] = {1, 2}                               # not even JSON-typed
    spool = DeadLetterSpool(tmp_path / "spool")
    path = spool.spill("nba_reference.source_coverage_log", "job_1", [row], reason=f"why {LONE}")
    batch = spool.read(path)
    assert batch.rows[0]["description"] == "raw \ufffd bypassing the door"
    del row[f"odd{LONE}"]
    spill = spool.spill("nba_reference.source_coverage_log", "job_2", [row])
    report = replay_dead_letters(warehouse, DeadLetterSpool(spill.parent))
    # job_1's row carries a field that is not a log column: quarantined, job_2 loads.
    assert report.rows_loaded == 1 and len(report.files_quarantined) == 1
    assert log_rows(warehouse)["description"].tolist() == ["raw \ufffd bypassing the door"]


# -- case 5: warehouse down AND spool not writable ------------------------------------------


class SmallBufferProcessor(Processor):
    EVENT_BUFFER_MAX = 20
    EVENT_MEMORY_MAX = 100


def test_nothing_can_keep_events_notifies_once_keeps_running_and_counts_them(warehouse, tmp_path,
                                                                            monkeypatch, notifications):
    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(unwritable_spool(tmp_path)))
    client = FlakyLoadClient(warehouse, failures=-1, error_factory=lambda: gexc.ServiceUnavailable("down"))
    processor = SmallBufferProcessor(client)
    for i in range(300):
        processor.log_quality_event("fallback_used", "info", f"e{i}")
    attempts = FAST_RETRY.max_attempts
    # Before: a flush (4 load attempts) on every event past 20 -> 281 flushes, 1,124 attempts.
    # Now: one flush per 20 new events until the memory cap (100), none after it.
    assert client.calls["load_attempts"] == 5 * attempts
    stats = processor.coverage_stats
    assert stats["pending_events"] == 100
    assert stats["events_not_kept"] == 300
    kept_alerts = [t for t in notifications.titles("error") if "cannot be kept" in t]
    assert len(kept_alerts) == 1

    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(tmp_path / "spool_back"))
    assert processor.flush_events() == 0                     # warehouse still down: spilled now
    assert processor.coverage_stats["events_not_kept"] == 200  # only the dropped ones are lost
    assert len(DeadLetterSpool().files()) == 1


class RunHost(SmallBufferProcessor, AnalyticsProcessorBase):
    def __init__(self, client):
        AnalyticsProcessorBase.__init__(self, bq_client=client)

    def transform_data(self):
        for i in range(150):
            self.log_quality_event("fallback_used", "info", f"e{i}")


def test_a_run_that_could_not_keep_its_events_ends_with_an_environment_error(warehouse, tmp_path, monkeypatch,
                                                                             notifications):
    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(unwritable_spool(tmp_path)))
    client = FlakyLoadClient(warehouse, failures=-1, error_factory=lambda: gexc.ServiceUnavailable("down"))
    with pytest.raises(EventsNotKeptError, match=r"^150 coverage event\(s\) could not be written") as caught:
        RunHost(client).run({})
    assert isinstance(caught.value, OSError) and "\n" not in str(caught.value)
    assert sum("cannot be kept" in t for t in notifications.titles("error")) == 1


# -- case 6: a valid log table id that is no valid file name --------------------------------


@pytest.mark.parametrize("table", [
    "`nba_reference.source_coverage_log`",
    "nba_reference." + "a" * 135,
    "my-project-1.nba_reference." + "b" * 200,
])
def test_every_valid_log_table_id_can_be_spilled_and_replayed(warehouse, table, tmp_path):
    host = type("P", (QualityMixin,), {"COVERAGE_LOG_TABLE": table, "FLUSH_RETRY_POLICY": FAST_RETRY})
    client = FlakyLoadClient(warehouse, failures=-1, error_factory=lambda: gexc.ServiceUnavailable("down"))
    processor = host()
    processor.bq_client = client
    processor.log_quality_event("fallback_used", "info", "x", game_id="g")
    assert processor.flush_events() == 0
    assert processor.pending_event_count == 0          # spilled, not stuck in memory
    files = DeadLetterSpool().files()
    assert len(files) == 1 and len(files[0].name.encode()) < 255
    assert DeadLetterSpool.read(files[0]).table == table.strip("`")
