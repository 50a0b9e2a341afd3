"""QualityMixin (survivors of the mutation run on ``processors/quality_mixin.py``): ``with
processor:`` through the next class's ``__enter__`` / ``__exit__``, flushing first; the "cannot
be kept" alert (table, count, cap, error, spool folder); ``log_quality_outcome``'s events; each
scoring attribute reaching the class's config; the event settings' bounds; the labels and
counters every event and flush carry; a dropped event's id; a host without a client; and the
class's alert dedup window.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from google.api_core import exceptions as gexc

from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.processors.errors import ImproperlyConfigured
from shared_services.processors.quality_mixin import QualityMixin
from tests.support.event_log import FAST_RETRY, Processor, unwritable_spool
from tests.support.recording_client import FlakyLoadClient


class _Resource:
    """A host base class with its own context manager (say, one that opens a connection)."""

    suppress = False

    def __enter__(self) -> str:
        self.calls = ["enter"]
        return "the resource"

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        self.calls.append("exit")
        self.exit_args = (exc_type, exc, tb)
        self.pending_at_exit = self.pending_event_count  # type: ignore[attr-defined]
        return self.suppress


class _Host(QualityMixin, _Resource):
    FLUSH_RETRY_POLICY = FAST_RETRY

    def __init__(self, client: Any) -> None:
        self.bq_client = client
        self.run_id = "run-1"


def test_with_gives_the_next_classes_enter_and_flushes_before_its_exit(warehouse):
    host = _Host(warehouse)
    with host as entered:
        host.log_quality_event("fallback_used", "info", "in the block")
    assert entered == "the resource" and host.calls == ["enter", "exit"]
    assert host.exit_args == (None, None, None) and host.pending_at_exit == 0
    assert host.coverage_stats["events_written"] == 1


@pytest.mark.parametrize("suppress", [False, True])
def test_the_next_classes_exit_sees_the_blocks_error_and_decides_whether_it_propagates(warehouse, suppress):
    host = _Host(warehouse)
    host.suppress = suppress
    error = ValueError("the block failed")
    try:
        with host:
            host.log_quality_event("fallback_used", "info", "before the error")
            raise error
    except ValueError as raised:
        assert not suppress and raised is error
    else:
        assert suppress
    exc_type, exc, tb = host.exit_args
    assert exc_type is ValueError and exc is error and tb is error.__traceback__
    assert host.pending_at_exit == 0  # flushed before the next class's exit


def test_without_a_next_context_manager_with_gives_the_processor_and_never_swallows_errors(warehouse):
    processor = Processor(warehouse)
    with processor as entered:
        assert entered is processor
    with pytest.raises(KeyError):
        with processor:
            raise KeyError("not swallowed")


def test_the_cannot_be_kept_alert_names_table_count_cap_error_and_spool(warehouse, tmp_path, monkeypatch,
                                                                        notifications):
    spool = unwritable_spool(tmp_path)
    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(tmp_path / "the_environments_spool"))

    class OwnSpool(Processor):  # the class's own folder, not $COVERAGE_DEAD_LETTER_DIR's
        DEAD_LETTER_DIR = str(spool)

    client = FlakyLoadClient(warehouse, failures=-1, error_factory=lambda: gexc.ServiceUnavailable("down"))
    processor = OwnSpool(client)
    for n in range(3):
        processor.log_quality_event("fallback_used", "info", f"e{n}")
    assert processor.flush_events() == 0
    alerts = [n for _, n in notifications.items if n.title == "Source coverage events cannot be kept"]
    assert len(alerts) == 1 and str(alerts[0].level) == "error"
    alert = alerts[0]
    assert alert.processor_name == "OwnSpool"
    assert f"Neither {Processor.COVERAGE_LOG_TABLE} nor the dead-letter spool accepts events" in alert.message
    assert "3 event(s) are held only in memory" in alert.message
    assert f"at most {Processor.EVENT_MEMORY_MAX}" in alert.message and "They are lost" in alert.message
    assert alert.details["events_not_kept"] == 3
    assert Path(alert.details["dead_letter_dir"]) == spool
    # the spool's own error, named with its type: mkdir under a file
    assert alert.details["error"].startswith("NotADirectoryError: ") and str(spool) in alert.details["error"]


def _outcome_rows(quality: dict[str, Any], **kwargs: Any) -> tuple[bool, list[dict[str, Any]]]:
    processor = Processor(None)
    usable = processor.log_quality_outcome(quality, "game 0022400561", game_id="0022400561",
                                           primary_source="nbac_gamebook_player_stats", **kwargs)
    return usable, processor._coverage_state().buffer.snapshot()


@pytest.mark.parametrize("impact", [None, "predictions_skipped"])
def test_an_unusable_outcome_is_one_critical_event_that_says_the_rows_were_skipped(impact):
    quality = {"tier": "unusable", "score": 0.0, "issues": ["missing_required:points", "no_rows"]}
    usable, rows = _outcome_rows(quality, **({} if impact is None else {"unusable_impact": impact}))
    assert usable is False and len(rows) == 1
    row = rows[0]
    assert (row["event_type"], row["severity"]) == ("validation_failure", "critical")
    assert row["description"] == "Data for game 0022400561 is unusable: missing_required:points, no_rows"
    assert row["resolution"] == "skipped" and row["downstream_impact"] == (impact or "predictions_blocked")
    assert (row["quality_tier_after"], row["quality_score_after"]) == ("unusable", 0.0)
    assert (row["game_id"], row["primary_source"]) == ("0022400561", "nbac_gamebook_player_stats")


@pytest.mark.parametrize("tier", ["bronze", "poor"])
def test_a_degraded_outcome_is_one_warning_with_its_tier_score_and_issues(tier):
    usable, rows = _outcome_rows({"tier": tier, "score": 71.5, "issues": ["thin_sample", "nulls:minutes"]})
    assert usable is True and len(rows) == 1
    row = rows[0]
    assert (row["event_type"], row["severity"]) == ("quality_degradation", "warning")
    assert row["description"] == f"game 0022400561 scored {tier} (71.5): thin_sample, nulls:minutes"
    assert row["downstream_impact"] == "predictions_degraded" and row["resolution"] is None
    assert (row["quality_tier_after"], row["quality_score_after"]) == (tier, 71.5)
    assert (row["game_id"], row["primary_source"]) == ("0022400561", "nbac_gamebook_player_stats")


def test_an_outcome_without_issues_says_so_and_a_good_one_logs_nothing():
    _, rows = _outcome_rows({"tier": "bronze", "score": 80.0, "issues": []})
    assert rows[0]["description"] == "game 0022400561 scored bronze (80.0): no issues"
    for tier in ("gold", "silver"):
        assert _outcome_rows({"tier": tier, "score": 99.0, "issues": ["minor"]}) == (True, [])


#: Every scoring knob a processor class may override, with a value other than the default,
#: and the ScoringConfig field it must reach.
_KNOBS = [
    ("DEFAULT_FIELD_WEIGHT", 7.5, "default_weight"),
    ("OPTIONAL_NULL_TOLERANCE", 0.3, "optional_null_tolerance"),
    ("REQUIRED_NULL_TOLERANCE", 0.05, "required_null_tolerance"),
    ("REQUIRED_NULL_COST", 40.0, "required_null_cost"),
    ("REQUIRED_NULL_POOR_RATE", 0.6, "required_null_poor_rate"),
    ("SAMPLE_THRESHOLD_EARLY_SEASON", 2, "sample_threshold_early"),
    ("SAMPLE_THRESHOLD_MID_SEASON", 4, "sample_threshold_mid"),
    ("SAMPLE_THRESHOLD_FULL_SEASON", 10, "sample_threshold_full"),
    ("PRIMARY_SOURCES", ["nbac_gamebook_player_stats"], "primary_sources"),
    ("REQUIRED_FIELDS", ["points"], "required_fields"),
    ("OPTIONAL_FIELDS", ["plus_minus"], "optional_fields"),
]


@pytest.mark.parametrize(("attribute", "value", "field"), _KNOBS)
def test_each_scoring_attribute_a_processor_overrides_reaches_its_scoring(attribute, value, field):
    default = getattr(QualityMixin().get_scoring_config(), field)
    tuned = type("Tuned", (QualityMixin,), {attribute: value})  # defined now, not at import
    got = getattr(tuned().get_scoring_config(), field)
    expected = tuple(value) if isinstance(value, list) else value
    assert got == expected and got != default


def test_the_mixin_itself_builds_its_default_scoring_config():
    config = QualityMixin().get_scoring_config()
    assert config is not None and config.required_fields == () and config.default_weight == 10.0
    assert QualityMixin().get_scoring_config() is config  # built once, then reused


def test_reconstructed_data_is_scored_as_reconstructed():
    primary = type("Primary", (QualityMixin,), {"REQUIRED_FIELDS": ["points"],
                                                "PRIMARY_SOURCES": ["nbac_gamebook_player_stats"]})
    frame = pd.DataFrame({"points": [10, 12, 9]})
    plain = primary().assess_quality(frame, ["nbac_gamebook_player_stats"])
    rebuilt = primary().assess_quality(frame, ["nbac_gamebook_player_stats"], reconstruction_applied=True)
    assert "reconstructed" in rebuilt["issues"] and "reconstructed" not in plain["issues"]
    # SCORING.md: reconstruction applied -> at most silver
    assert (plain["tier"], rebuilt["tier"]) == ("gold", "silver") and rebuilt["metadata"]["reconstruction_applied"] is True


@pytest.mark.parametrize("attrs", [
    {"ALERT_DEDUP_WINDOW": timedelta(0)},                          # no dedup: every alert goes out
    {"EVENT_BUFFER_MAX": 1},                                       # flush after every event
    {"EVENT_BUFFER_MAX": 500, "EVENT_MEMORY_MAX": 500},            # hold no more than one batch
])
def test_the_boundary_values_of_the_event_settings_are_accepted(attrs):
    cls = type("Edge", (QualityMixin,), attrs)
    assert all(getattr(cls, name) == value for name, value in attrs.items())


def test_an_event_memory_cap_that_is_not_an_int_is_refused_by_name():
    with pytest.raises(ImproperlyConfigured) as raised:
        type("Capped", (QualityMixin,), {"EVENT_MEMORY_MAX": "50000"})
    assert str(raised.value) == "Capped: EVENT_MEMORY_MAX must be an int >= EVENT_BUFFER_MAX (10000), got '50000'"


def test_every_event_is_labelled_with_the_hosts_phase_table_class_and_run():
    processor = Processor(None)
    processor.log_quality_event("fallback_used", "info", "labelled")
    [row] = processor._coverage_state().buffer.snapshot()
    assert (row["phase"], row["table_name"], row["processor_name"], row["processor_run_id"]) \
        == ("phase_3", "nba_analytics.player_game_summary", "Processor", "run-1")


def test_the_counters_add_up_over_flushes_and_a_spill_without_an_attempt_is_no_load_job(warehouse, tmp_path,
                                                                                       monkeypatch, notifications):
    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(tmp_path / "spool"))
    processor = Processor(warehouse)
    for batch in (2, 3):
        for n in range(batch):
            processor.log_quality_event("fallback_used", "info", f"e{n}")
        assert processor.flush_events() == batch
    stats = processor.coverage_stats
    assert (stats["load_jobs"], stats["events_written"]) == (2, 5)

    offline = Processor(None)  # no client: spilled at once, no load attempted
    offline.log_quality_event("fallback_used", "info", "spilled")
    assert offline.flush_events() == 0 and offline.coverage_stats["load_jobs"] == 0
    spilled = [n for _, n in notifications.items if str(n.level) == "error"]
    assert spilled and all(n.processor_name == "Processor" for n in spilled)


def test_an_event_dropped_for_lack_of_room_still_gets_its_id(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(unwritable_spool(tmp_path)))
    tiny = type("Tiny", (Processor,), {"EVENT_BUFFER_MAX": 2, "EVENT_MEMORY_MAX": 2})
    client = FlakyLoadClient(warehouse, failures=-1, error_factory=lambda: gexc.ServiceUnavailable("down"))
    processor = tiny(client)
    ids = [processor.log_quality_event("fallback_used", "info", f"e{n}") for n in range(4)]
    assert processor.coverage_stats["events_not_kept"] >= 2  # the cap was reached: some were dropped
    assert all(uuid.UUID(event_id).version == 4 for event_id in ids) and len(set(ids)) == 4


def test_a_critical_alert_names_the_processor_and_a_host_without_a_client_spills(tmp_path, monkeypatch,
                                                                                notifications):
    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(tmp_path / "spool"))

    class NoClient(QualityMixin):  # no bq_client attribute at all
        pass

    processor = NoClient()
    processor.log_quality_event("source_missing", "critical", "nothing for game 0022400561")
    critical = [n for _, n in notifications.items if n.title == "Source coverage: source_missing"]
    assert len(critical) == 1 and critical[0].processor_name == "NoClient"
    assert processor.flush_events() == 0 and len(DeadLetterSpool(tmp_path / "spool").files()) == 1


@pytest.mark.parametrize(("window", "alerts"), [(None, 1), (timedelta(0), 2)])
def test_a_class_dedup_window_decides_whether_a_repeated_critical_alerts_again(tmp_path, monkeypatch,
                                                                              notifications, window, alerts):
    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(tmp_path / "spool"))
    host = Processor if window is None else type("NoDedup", (Processor,), {"ALERT_DEDUP_WINDOW": window})
    processor = host(None)
    for _ in range(2):
        processor.log_quality_event("source_missing", "critical", "nothing for game 0022400561",
                                    primary_source="nbac_gamebook_player_stats")
    sent = [n for _, n in notifications.items if n.title == "Source coverage: source_missing"]
    assert len(sent) == alerts
