"""The warning digest, line by line (issue 16's mutation run left most of ``send_digest`` unchecked).

No warehouse: the dispatcher is given no client (``lambda: None``), so its ledger holds only
this run's alerts, and a recording ``notify_warning`` stands in for the channels (what it
receives is what Slack / e-mail would show). Expectations are written out here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared_services.alerts.dispatcher import AlertDispatcher

T0 = datetime(2025, 1, 15, 12, tzinfo=UTC)


class _Delivered:
    def __init__(self, channels):
        self.delivered = channels


def _warning(event_type, source, game_id=None, description="d"):
    return {"severity": "warning", "requires_alert": True, "event_type": event_type,
            "primary_source": source, "game_id": game_id, "description": description}


def _dispatcher(calls, clock=lambda: T0, channels=("log", "slack")):
    return AlertDispatcher(lambda: None, processor_name="P", clock=clock,
                           notify_warning=lambda **kw: calls.append(kw) or _Delivered(list(channels)))


def test_one_digest_lists_each_key_with_its_count_first_ten_games_and_an_example():
    calls: list[dict] = []
    dispatcher = _dispatcher(calls)
    games = [f"g{n:02d}" for n in range(12, 0, -1)]          # 12 games, queued out of order
    rows = [_warning("thin_sample", "nbac", g, description=f"thin {g}") for g in games]
    rows += [_warning("fallback_used", None, None, description="fell back"),
             _warning("fallback_used", "", None, description="fell back again")]
    for row in rows:
        dispatcher.on_event(row)
    assert calls == []                                          # warnings wait for the digest
    assert dispatcher.send_digest() == 14
    assert len(calls) == 1
    call = calls[0]
    assert call["processor_name"] == "P"
    assert call["title"] == "Source coverage digest: 14 warning(s)"
    assert call["details"] == {"warning_count": 14, "keys": 2}
    assert call["message"].split("\n") == [
        "- fallback_used (source: n/a): 2 event(s)",
        "  e.g. fell back",
        "- thin_sample (source: nbac): 12 event(s); games g01, g02, g03, g04, g05, g06, g07, g08, g09, g10 ...",
        "  e.g. thin g12",
    ]
    assert dispatcher.alerts_sent == 1
    for row in rows:
        assert (row["alert_sent"], row["alert_channel"], row["alert_sent_at"]) == (
            True, "log,slack", "2025-01-15T12:00:00.000000+00:00")


def test_ten_games_are_listed_without_an_ellipsis_and_the_queue_empties():
    calls: list[dict] = []
    dispatcher = _dispatcher(calls)
    for n in range(10):
        dispatcher.on_event(_warning("thin_sample", "bdl", f"g{n}"))
    dispatcher.on_event(_warning("thin_sample", "bdl", "g3"))   # a repeated game is listed once
    assert dispatcher.send_digest() == 11
    assert calls[0]["message"].split("\n")[0] == (
        "- thin_sample (source: bdl): 11 event(s); games g0, g1, g2, g3, g4, g5, g6, g7, g8, g9")
    assert dispatcher.send_digest() == 0                        # nothing queued any more
    assert len(calls) == 1


def test_a_key_digested_inside_the_window_is_left_out_and_others_still_go():
    calls: list[dict] = []
    now = [T0]
    dispatcher = _dispatcher(calls, clock=lambda: now[0])
    dispatcher.on_event(_warning("thin_sample", "nbac", "g1"))
    assert dispatcher.send_digest() == 1
    now[0] = T0 + timedelta(hours=3, minutes=59)                # inside the 4-hour window
    late = _warning("thin_sample", "nbac", "g2")
    dispatcher.on_event(late)
    assert dispatcher.send_digest() == 0                        # only a suppressed key: no digest
    assert len(calls) == 1
    assert "alert_sent" not in late                             # left as the event built it
    dispatcher.on_event(_warning("thin_sample", "nbac", "g3"))
    dispatcher.on_event(_warning("fallback_used", "nbac", "g3"))
    assert dispatcher.send_digest() == 1                        # the new key only
    assert calls[1]["details"] == {"warning_count": 1, "keys": 1}
    assert calls[1]["message"].startswith("- fallback_used (source: nbac): 1 event(s); games g3")
    now[0] = T0 + timedelta(hours=4)                            # the window has passed
    dispatcher.on_event(_warning("thin_sample", "nbac", "g4"))
    assert dispatcher.send_digest() == 1
    assert len(calls) == 3


def test_digest_times_are_recorded_per_key_at_the_time_of_sending():
    calls: list[dict] = []
    now = [T0]
    dispatcher = _dispatcher(calls, clock=lambda: now[0])
    dispatcher.on_event(_warning("thin_sample", "nbac", "g1"))
    now[0] = T0 + timedelta(hours=1)                            # queued at T0, sent an hour later
    dispatcher.send_digest()
    assert dispatcher.ledger.last_sent == {("thin_sample", "nbac"): T0 + timedelta(hours=1)}


def test_an_undelivered_digest_leaves_its_rows_unsent():
    def broken(**kw):
        raise RuntimeError("webhook down")

    dispatcher = AlertDispatcher(lambda: None, clock=lambda: T0, notify_warning=broken)
    rows = [_warning("thin_sample", "nbac", "g1"), _warning("thin_sample", "nbac", "g2")]
    for row in rows:
        dispatcher.on_event(row)
    assert dispatcher.send_digest() == 2
    assert dispatcher.alerts_sent == 0
    for row in rows:
        assert (row["alert_sent"], row["alert_sent_at"], row["alert_channel"]) == (False, None, None)


def test_eleven_games_show_the_first_ten_and_an_ellipsis():
    calls: list[dict] = []
    dispatcher = _dispatcher(calls)
    for n in range(11):
        dispatcher.on_event(_warning("thin_sample", "bdl", f"g{n:02d}"))
    dispatcher.send_digest()
    assert calls[0]["message"].split("\n")[0] == (
        "- thin_sample (source: bdl): 11 event(s); games g00, g01, g02, g03, g04, g05, g06, g07, g08, g09 ...")
