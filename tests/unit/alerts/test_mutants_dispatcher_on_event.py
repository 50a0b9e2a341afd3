"""What one critical alert says, and which rows never alert (survivors of the mutation run on
``AlertDispatcher.on_event``).

No warehouse (``lambda: None``): the ledger holds this run's alerts only. A recording
``notify_error`` stands in for the channels; what it receives is what Slack / e-mail show.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from shared_services.alerts.dispatcher import AlertDispatcher

T0 = datetime(2025, 1, 15, 12, tzinfo=UTC)


def _critical(**extra):
    row = {"severity": "critical", "requires_alert": True, "event_type": "source_missing",
           "primary_source": "nbac_gamebook", "description": "gamebook missing for 0022400561"}
    row.update(extra)
    return row


def _recording(calls, now):
    return AlertDispatcher(lambda: None, processor_name="PlayerGameSummaryProcessor", clock=lambda: now[0],
                           notify_error=lambda **kw: calls.append(kw))


def test_a_critical_alert_names_the_event_and_carries_its_identifying_fields():
    calls: list[dict] = []
    row = _critical(event_id="e-1", game_id="0022400561", game_date=date(2025, 1, 14), player_id="p9",
                    fallback_sources_tried=["bdl"], downstream_impact="phase 3 skipped", processor_run_id="run-7",
                    season="2024-25")
    _recording(calls, [T0]).on_event(row)
    assert calls == [{
        "processor_name": "PlayerGameSummaryProcessor",
        "title": "Source coverage: source_missing",
        "message": "gamebook missing for 0022400561",
        "details": {"event_id": "e-1", "game_id": "0022400561", "game_date": date(2025, 1, 14),
                    "player_id": "p9", "primary_source": "nbac_gamebook", "fallback_sources_tried": ["bdl"],
                    "downstream_impact": "phase 3 skipped", "processor_run_id": "run-7"},
    }]
    assert (row["alert_sent"], row["alert_channel"]) == (True, "log")


def test_a_critical_alert_without_description_has_an_empty_message():
    calls: list[dict] = []
    _recording(calls, [T0]).on_event(_critical(description=None))
    assert calls[0]["message"] == ""
    assert calls[0]["details"]["game_id"] is None


@pytest.mark.parametrize("row", [
    _critical(severity="info"),                      # info is logged only
    _critical(requires_alert=False),                  # the event says no alert
    _critical(requires_alert=None),
    {**_critical(), "requires_alert": 0},
])
def test_rows_that_do_not_require_an_alert_are_neither_sent_nor_marked(row):
    calls: list[dict] = []
    dispatcher = _recording(calls, [T0])
    dispatcher.on_event(row)
    assert calls == [] and dispatcher.alerts_sent == 0 and "alert_sent" not in row
    assert dispatcher.send_digest() == 0               # not queued as a warning either


def test_a_repeated_key_is_suppressed_inside_the_window_and_alerts_again_after_it():
    calls: list[dict] = []
    now = [T0]
    dispatcher = _recording(calls, now)
    dispatcher.on_event(_critical())
    now[0] = T0 + timedelta(hours=3, minutes=59)
    suppressed = _critical()
    dispatcher.on_event(suppressed)
    assert len(calls) == 1 and "alert_sent" not in suppressed
    other_source = _critical(primary_source="bdl")     # another key is not suppressed
    dispatcher.on_event(other_source)
    assert len(calls) == 2 and other_source["alert_sent"] is True
    now[0] = T0 + timedelta(hours=4)
    again = _critical()
    dispatcher.on_event(again)
    assert len(calls) == 3
    assert again["alert_sent_at"] == "2025-01-15T16:00:00.000000+00:00"
    assert dispatcher.ledger.last_sent[("source_missing", "nbac_gamebook")] == T0 + timedelta(hours=4)


@pytest.mark.parametrize("row", [
    _critical(severity="info", event_type="fallback_used", description="used bdl_player_boxscores"),
    _critical(requires_alert=False, event_type="fallback_used", description="used bdl_player_boxscores"),
])
def test_a_row_that_raises_no_alert_leaves_its_type_and_description_in_the_info_log(row, caplog):
    # For an info event this line is the only trace outside the log table.
    dispatcher = _recording([], [T0])
    with caplog.at_level("INFO", logger="shared_services.alerts.dispatcher"):
        dispatcher.on_event(row)
    assert [r.getMessage() for r in caplog.records if r.name == "shared_services.alerts.dispatcher"] == [
        "coverage event fallback_used: used bdl_player_boxscores"]


def test_a_suppressed_alert_leaves_a_debug_line_naming_its_key(caplog):
    # With -v an operator can see why a critical event sent nothing.
    calls: list[dict] = []
    dispatcher = _recording(calls, [T0])
    dispatcher.on_event(_critical())
    with caplog.at_level("DEBUG", logger="shared_services.alerts.dispatcher"):
        dispatcher.on_event(_critical(description="still missing"))
    messages = [r.getMessage() for r in caplog.records
                if r.name == "shared_services.alerts.dispatcher" and r.levelname == "DEBUG"]
    assert len(calls) == 1 and len(messages) == 1
    assert messages[0].startswith("alert suppressed for ('source_missing', 'nbac_gamebook')")


def test_a_lean_info_event_leaves_its_type_and_description_in_the_info_log(caplog):
    # The commonest event of all goes through on_entry as a lean tuple, not a row dict; its
    # INFO line must name the event type as the dict route does (mutation run, stop 24).
    from shared_services.events.model import event_row

    labels = ("phase_3", "nba_analytics.player_game_summary", "PlayerGameSummaryProcessor", "run-7",
              "0022400561", None)
    entry = event_row("fallback_used", "info", "used bdl_player_boxscores", None, None, {},
                      labels=labels, compact=True)
    assert type(entry) is tuple  # the lean route, not a dict
    with caplog.at_level("INFO", logger="shared_services.alerts.dispatcher"):
        _recording([], [T0]).on_entry(entry)
    assert [r.getMessage() for r in caplog.records if r.name == "shared_services.alerts.dispatcher"] == [
        "coverage event fallback_used: used bdl_player_boxscores"]


def test_a_quiet_events_info_line_keeps_the_first_500_characters_of_a_long_description(caplog):
    description = "".join(f"{i:04d}," for i in range(400))   # 2,000 characters, each position readable
    with caplog.at_level("INFO", logger="shared_services.alerts.dispatcher"):
        _recording([], [T0]).on_quiet_event("fallback_used", description)
    [line] = [r.getMessage() for r in caplog.records if r.name == "shared_services.alerts.dispatcher"]
    assert line == f"coverage event fallback_used: {description[:500]}... [+1500 chars]"
