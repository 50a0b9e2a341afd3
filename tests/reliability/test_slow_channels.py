"""Reliability (issue 12, case 8): a server that trickles its reply cannot hold a delivery.

Socket timeouts apply per read; these servers send a byte well within every read timeout, so
only a total deadline per delivery stops them. The assertions are about behaviour (the
delivery failed on its deadline before the server finished), not wall-clock time.
"""

from __future__ import annotations

from shared_services.utils.notification_system import NotificationConfig, Notifier
from tests.support.local_servers import webhook_recorder
from tests.support.slow_servers import HTTP_OK, SMTP_GREETING, TrickleServer


def test_a_trickling_slack_server_is_cut_off_at_the_delivery_deadline():
    with TrickleServer(HTTP_OK, interval=0.1, read_request=True) as server:
        notifier = Notifier(NotificationConfig(slack_webhook_urls={"error": server.url}, http_timeout=0.5))
        result = notifier.error("Source coverage: source_missing", "no source had the game")
        finished_when_returned = server.finished
        sent_when_returned = server.bytes_sent
    assert "slack" in result.failed, result
    assert "total deadline of 0.5 s" in result.failed["slack"]
    assert finished_when_returned == 0 and sent_when_returned < len(HTTP_OK)
    assert result.delivered == ["log"]


def test_a_trickling_smtp_server_is_cut_off_at_the_delivery_deadline():
    with TrickleServer(SMTP_GREETING, interval=0.1) as server:
        config = NotificationConfig(smtp_host="127.0.0.1", smtp_port=server.port,
                                    email_to=("oncall@example.com",), smtp_timeout=0.5)
        result = Notifier(config).error("Audit failed", "2 games missing")
        finished_when_returned = server.finished
        sent_when_returned = server.bytes_sent
    assert "email" in result.failed, result
    assert "total deadline of 0.5 s" in result.failed["email"]
    assert finished_when_returned == 0 and sent_when_returned < len(SMTP_GREETING)


def test_a_prompt_server_is_unaffected_by_the_deadline():
    with webhook_recorder() as hook:
        notifier = Notifier(NotificationConfig(slack_webhook_urls={"error": hook.url_for("/s")}, http_timeout=5))
        for _ in range(3):
            assert "slack" in notifier.error("t", "m").delivered
        hook.respond_with("/s", 500, b"boom")
        assert notifier.error("t", "m").failed["slack"] == "RuntimeError: HTTP 500: boom"
