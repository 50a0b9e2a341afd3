"""AlertLedger merging and the dispatcher's bookkeeping, without a warehouse (no client)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared_services.alerts.dedup import AlertLedger
from shared_services.alerts.dispatcher import AlertDispatcher

T0 = datetime(2025, 1, 15, 12, tzinfo=UTC)


def test_merge_keeps_the_latest_time_per_key_and_skips_unknown_times():
    ledger = AlertLedger(window=timedelta(hours=4))
    ledger.merge([(("a", "x"), None), (("b", "y"), T0), (("b", "y"), T0 - timedelta(hours=2))])
    assert ledger.last_sent == {("b", "y"): T0}          # the None did not stop the merge
    ledger.record(("c", "z"), T0)
    ledger.merge([(("c", "z"), T0 - timedelta(hours=1))])  # older than what this run sent
    assert ledger.last_sent[("c", "z")] == T0
    assert ledger.should_alert(("b", "y"), T0 + timedelta(hours=3, minutes=59)) is False
    assert ledger.should_alert(("b", "y"), T0 + timedelta(hours=4)) is True


def _critical(source: str) -> dict:
    return {"severity": "critical", "requires_alert": True, "event_type": "source_missing",
            "primary_source": source, "description": f"{source} down"}


class _Result:
    def __init__(self, delivered):
        self.delivered = delivered


def test_sent_alerts_are_counted_marked_and_carry_the_processor_name():
    calls = []
    dispatcher = AlertDispatcher(lambda: None, processor_name="PlayerGameSummaryProcessor", clock=lambda: T0,
                                 notify_error=lambda **kw: calls.append(kw) or _Result(["log", "slack"]))
    rows = [_critical("a"), _critical("b")]
    for row in rows:
        dispatcher.on_event(row)
    assert dispatcher.alerts_sent == 2 and dispatcher.lookback_queries == 0
    assert [c["processor_name"] for c in calls] == ["PlayerGameSummaryProcessor"] * 2
    for row in rows:
        assert (row["alert_sent"], row["alert_channel"]) == (True, "log,slack")
        assert row["alert_sent_at"] == "2025-01-15T12:00:00.000000+00:00"


def test_a_notifier_without_delivery_details_counts_as_the_log_channel():
    dispatcher = AlertDispatcher(lambda: None, clock=lambda: T0, notify_error=lambda **kw: None)
    row = _critical("a")
    dispatcher.on_event(row)
    assert (row["alert_sent"], row["alert_channel"]) == (True, "log")


def test_a_failed_delivery_leaves_the_row_unsent_with_no_time_or_channel():
    def broken(**kw):
        raise RuntimeError("smtp down")

    dispatcher = AlertDispatcher(lambda: None, clock=lambda: T0, notify_error=broken)
    row = _critical("a")
    dispatcher.on_event(row)
    assert (row["alert_sent"], row["alert_sent_at"], row["alert_channel"]) == (False, None, None)
    assert dispatcher.alerts_sent == 0


def test_a_quiet_event_logs_one_safe_info_line_and_routes_nothing(caplog):
    dispatcher = AlertDispatcher(lambda: None, processor_name="P", clock=lambda: T0,
                                 notify_error=lambda **kw: (_ for _ in ()).throw(AssertionError(kw)))
    with caplog.at_level("INFO", logger="shared_services.alerts.dispatcher"):
        dispatcher.on_quiet_event("fallback_used", "used bdl\nFAKE LOG LINE " + "x" * 600)
    (record,) = [r for r in caplog.records if r.name == "shared_services.alerts.dispatcher"]
    assert record.getMessage().startswith("coverage event fallback_used: used bdl")
    assert "\n" not in record.getMessage() and "[+" in record.getMessage()  # one line, cut at 500
    assert dispatcher.alerts_sent == 0 and dispatcher.send_digest() == 0
    caplog.clear()
    with caplog.at_level("WARNING", logger="shared_services.alerts.dispatcher"):
        dispatcher.on_quiet_event("fallback_used", "not formatted")
    assert caplog.records == []
