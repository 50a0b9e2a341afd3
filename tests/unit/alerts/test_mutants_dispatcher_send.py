"""A delivery that raises (survivors of the mutation run on ``AlertDispatcher._send``): the run
goes on, the row is kept unsent, and the operator gets one ERROR line with the traceback.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared_services.alerts.dispatcher import AlertDispatcher

T0 = datetime(2025, 1, 15, 12, tzinfo=UTC)


def test_a_delivery_that_raises_is_one_error_line_with_the_cause_and_the_row_stays_unsent(caplog):
    def broken(**kw):
        raise ConnectionRefusedError("smtp.example.org:25 refused")

    dispatcher = AlertDispatcher(lambda: None, clock=lambda: T0, notify_error=broken)
    row = {"severity": "critical", "requires_alert": True, "event_type": "source_missing",
           "primary_source": "nbac", "description": "down"}
    with caplog.at_level("ERROR", logger="shared_services.alerts.dispatcher"):
        dispatcher.on_event(row)
    [record] = [r for r in caplog.records if r.name == "shared_services.alerts.dispatcher" and r.levelname == "ERROR"]
    assert record.getMessage().startswith("alert delivery raised")
    assert "alert_sent=false" in record.getMessage()         # what became of the event
    assert record.exc_info is not None and record.exc_info[0] is ConnectionRefusedError
    assert row["alert_sent"] is False and dispatcher.alerts_sent == 0
