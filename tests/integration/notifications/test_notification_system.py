"""Notifications against real local servers: an HTTP webhook recorder and an SMTP server.

Fixtures ``clean_notification_env`` (autouse), ``notification_log``, ``webhook_server`` and
``smtp_server`` come from this folder's conftest; the servers from ``tests.support``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from shared_services.utils.notification_system import (
    Notification,
    NotificationConfig,
    NotificationLevel,
    NotificationResult,
    Notifier,
    notify_error,
    notify_info,
    notify_warning,
    register_listener,
    unregister_listener,
)
from tests.support.local_servers import (
    RecordedRequest,
    SmtpRecorder,
    WebhookRecorder,
    smtp_recorder,
    unreachable_port,
)

NOTIFICATION_LOGGER = "shared_services.notifications"
EMAIL_FROM = "alerts@example.com"
EMAIL_TO = ("oncall@example.com", "data-eng@example.com")
PROCESSOR = "PlayerGameSummaryProcessor"

NotifyFunction = Callable[..., NotificationResult]


@dataclass
class Channels:
    """The live servers the environment points at, and the env to change them with."""

    webhook: WebhookRecorder
    smtp: SmtpRecorder
    env: pytest.MonkeyPatch
    slack_path: str = "/slack"

    def slack_requests(self, path: str | None = None) -> list[RecordedRequest]:
        return self.webhook.requests_for(path or self.slack_path)


@pytest.fixture
def channels(
    clean_notification_env: pytest.MonkeyPatch,
    webhook_server: WebhookRecorder,
    smtp_server: SmtpRecorder,
) -> Channels:
    """Slack pointed at the webhook recorder ('/slack'), email at the SMTP recorder."""
    env = clean_notification_env
    env.setenv("SLACK_WEBHOOK_URL", webhook_server.url_for("/slack"))
    env.setenv("SMTP_HOST", smtp_server.host)
    env.setenv("SMTP_PORT", str(smtp_server.port))
    env.setenv("ALERT_EMAIL_FROM", EMAIL_FROM)
    env.setenv("ALERT_EMAIL_TO", " , ".join(EMAIL_TO))
    return Channels(webhook=webhook_server, smtp=smtp_server, env=env)


@dataclass
class ListenerLog:
    """A listener that remembers every call."""

    calls: list[tuple[NotificationResult, Notification]] = field(default_factory=list)

    def __call__(self, result: NotificationResult, notification: Notification) -> None:
        self.calls.append((result, notification))


@pytest.fixture
def listener_log() -> Iterator[ListenerLog]:
    """A module-level listener, registered for the test only."""
    log = ListenerLog()
    register_listener(log)
    try:
        yield log
    finally:
        unregister_listener(log)


def strict_json(request: RecordedRequest) -> Any:
    """Decode like a strict server (Slack): NaN / Infinity tokens are invalid JSON."""

    def reject(token: str) -> Any:
        raise AssertionError(f"non-standard JSON constant {token} in webhook body")

    return json.loads(request.body.decode("utf-8"), parse_constant=reject)


def block_texts(payload: dict[str, Any]) -> list[str]:
    """Every text in a Slack block list (header, sections, context elements)."""
    texts = []
    for block in payload["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(element["text"] for element in block.get("elements", []))
    return texts


def notification_records(caplog: pytest.LogCaptureFixture, title: str) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name == NOTIFICATION_LOGGER and title in record.getMessage()
    ]


# ---------------------------------------------------------------------------------------------
# Happy path: every channel, and what each one receives
# ---------------------------------------------------------------------------------------------


def test_error_goes_to_log_slack_and_email_with_expected_content(
    channels: Channels, notification_log: pytest.LogCaptureFixture
) -> None:
    result = notify_error(
        "Primary source down",
        "nbac_gamebook unavailable; fell back to bdl_boxscores",
        details={"game_date": date(2024, 1, 15), "games_affected": 10},
        processor_name=PROCESSOR,
    )

    assert result.level is NotificationLevel.ERROR
    assert result.delivered == ["log", "slack", "email"]
    assert result.failed == {}

    [log_record] = notification_records(notification_log, "Primary source down")
    assert log_record.levelno == logging.ERROR
    assert PROCESSOR in log_record.getMessage()
    assert "2024-01-15" in log_record.getMessage()

    [request] = channels.slack_requests()
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
    payload = strict_json(request)
    assert "Primary source down" in payload["text"]
    assert "ERROR" in payload["text"]
    header, message_section, context, details_section = payload["blocks"]
    assert header["type"] == "header"
    assert "Primary source down" in header["text"]["text"]
    assert message_section["text"]["text"] == (
        "nbac_gamebook unavailable; fell back to bdl_boxscores"
    )
    assert f"*Processor:* {PROCESSOR}" in context["elements"][0]["text"]
    assert "*Level:* ERROR" in context["elements"][0]["text"]
    assert details_section["text"]["text"].splitlines() == [
        "*game_date:* 2024-01-15",
        "*games_affected:* 10",
    ]

    [email] = channels.smtp.messages
    assert email.mail_from == EMAIL_FROM
    assert sorted(email.rcpt_tos) == sorted(EMAIL_TO)
    assert email.message["From"] == EMAIL_FROM
    assert email.message["To"] == ", ".join(EMAIL_TO)
    assert email.message["Subject"] == f"[ERROR] {PROCESSOR}: Primary source down"
    body = email.body
    assert "nbac_gamebook unavailable; fell back to bdl_boxscores" in body
    assert f"Processor: {PROCESSOR}" in body
    assert '"game_date": "2024-01-15"' in body
    assert '"games_affected": 10' in body


@pytest.mark.parametrize(
    ("notify", "level", "logging_level"),
    [
        (notify_error, NotificationLevel.ERROR, logging.ERROR),
        (notify_warning, NotificationLevel.WARNING, logging.WARNING),
        (notify_info, NotificationLevel.INFO, logging.INFO),
    ],
)
def test_each_level_logs_at_its_logging_level_and_labels_slack(
    channels: Channels,
    notification_log: pytest.LogCaptureFixture,
    notify: NotifyFunction,
    level: NotificationLevel,
    logging_level: int,
) -> None:
    result = notify("Level check", "body")

    assert result.level is level
    [record] = notification_records(notification_log, "Level check")
    assert record.levelno == logging_level
    [request] = channels.slack_requests()
    assert f"[{level.value.upper()}]" in strict_json(request)["text"]


def test_without_configuration_only_the_log_delivers(
    notification_log: pytest.LogCaptureFixture,
) -> None:
    result = notify_error("Nothing configured", "only the log")

    assert result.delivered == ["log"]
    assert result.failed == {}
    assert sorted(result.skipped) == ["email", "slack"]
    assert notification_records(notification_log, "Nothing configured")


# ---------------------------------------------------------------------------------------------
# Routing: per-level webhooks and the email minimum level
# ---------------------------------------------------------------------------------------------


def test_warning_override_routes_warnings_to_their_own_webhook(channels: Channels) -> None:
    channels.env.setenv("SLACK_WEBHOOK_URL_WARNING", channels.webhook.url_for("/warnings"))

    warning = notify_warning("Fallback used", "bdl stood in")
    error = notify_error("Load failed", "3 rows rejected")

    assert "slack" in warning.delivered
    assert "slack" in error.delivered
    [warning_post] = channels.slack_requests("/warnings")
    assert "Fallback used" in strict_json(warning_post)["text"]
    [error_post] = channels.slack_requests("/slack")
    assert "Load failed" in strict_json(error_post)["text"]


def test_empty_level_override_disables_slack_for_that_level_only(channels: Channels) -> None:
    channels.env.setenv("SLACK_WEBHOOK_URL_INFO", "")

    info = notify_info("Quiet info", "not for Slack")
    error = notify_error("Loud error", "for Slack")

    assert "slack" in info.skipped
    assert "slack" in error.delivered
    posted_titles = [strict_json(request)["text"] for request in channels.slack_requests()]
    assert len(posted_titles) == 1
    assert "Loud error" in posted_titles[0]


@pytest.mark.parametrize(
    ("min_level", "notify", "emailed"),
    [
        (None, notify_info, False),  # default minimum is warning
        (None, notify_warning, True),
        ("info", notify_info, True),
        ("error", notify_warning, False),
        ("error", notify_error, True),
        ("bogus", notify_info, False),  # invalid value falls back to warning
    ],
)
def test_email_minimum_level(
    channels: Channels, min_level: str | None, notify: NotifyFunction, emailed: bool
) -> None:
    if min_level is not None:
        channels.env.setenv("ALERT_EMAIL_MIN_LEVEL", min_level)

    result = notify("Email gate", "body")

    assert ("email" in result.delivered) is emailed
    assert ("email" in result.skipped) is not emailed
    assert len(channels.smtp.messages) == (1 if emailed else 0)
    assert "slack" in result.delivered  # the gate is for email only


def test_explicit_config_object_is_used_instead_of_the_environment(
    channels: Channels, smtp_server: SmtpRecorder
) -> None:
    config = NotificationConfig(
        slack_webhook_urls={"warning": channels.webhook.url_for("/from-config")},
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        email_to=("config-only@example.com",),
        email_min_level="info",  # type: ignore[arg-type]  # strings are accepted
    )
    notifier = Notifier(config)

    result = notifier.info("Configured in code", "env is ignored")
    warning = notifier.warning("Configured in code too", "env is ignored")

    assert result.delivered == ["log", "email"]  # no info webhook in this config
    assert warning.delivered == ["log", "slack", "email"]
    assert channels.slack_requests("/slack") == []
    assert len(channels.slack_requests("/from-config")) == 1
    assert [email.rcpt_tos for email in channels.smtp.messages] == [
        ("config-only@example.com",),
        ("config-only@example.com",),
    ]
    assert channels.smtp.messages[0].mail_from == "nba-source-coverage@localhost"


# ---------------------------------------------------------------------------------------------
# Failing channels: reported, logged, never raised
# ---------------------------------------------------------------------------------------------


def test_webhook_500_fails_slack_only(
    channels: Channels, notification_log: pytest.LogCaptureFixture
) -> None:
    channels.webhook.respond_with("/slack", 500, b"no_service")

    result = notify_error("Webhook broken", "slack answers 500")

    assert result.failed.keys() == {"slack"}
    assert "500" in result.failed["slack"]
    assert result.delivered == ["log", "email"]
    assert len(channels.slack_requests()) == 1
    assert len(channels.smtp.messages) == 1
    assert any(
        record.levelno == logging.WARNING and "slack" in record.getMessage()
        for record in notification_log.records
    )


def test_unreachable_webhook_fails_slack_without_raising(channels: Channels) -> None:
    channels.env.setenv("NOTIFY_HTTP_TIMEOUT", "0.5")
    dead_url = f"http://127.0.0.1:{unreachable_port()}/slack"
    channels.env.setenv("SLACK_WEBHOOK_URL", dead_url)

    result = notify_error("Webhook unreachable", "nobody listens")

    assert result.failed.keys() == {"slack"}
    assert "unreachable" in result.failed["slack"]
    assert dead_url not in result.failed["slack"]  # webhook URLs are secrets
    assert result.delivered == ["log", "email"]


def test_smtp_server_down_fails_email_without_raising(
    channels: Channels, clean_notification_env: pytest.MonkeyPatch
) -> None:
    with smtp_recorder() as stopped_soon:
        dead_port = stopped_soon.port
    clean_notification_env.setenv("SMTP_PORT", str(dead_port))

    result = notify_error("SMTP down", "mail server gone")

    assert result.failed.keys() == {"email"}
    assert result.delivered == ["log", "slack"]
    assert len(channels.slack_requests()) == 1


def test_smtp_login_uses_configured_credentials(channels: Channels) -> None:
    with smtp_recorder(credentials=("alerts", "s3cret")) as secured:
        channels.env.setenv("SMTP_PORT", str(secured.port))
        channels.env.setenv("SMTP_USER", "alerts")
        channels.env.setenv("SMTP_PASSWORD", "s3cret")
        accepted = notify_error("Authenticated mail", "login first")

        channels.env.setenv("SMTP_PASSWORD", "wrong")
        rejected = notify_error("Rejected mail", "bad password")

        messages = secured.snapshot()

    assert "email" in accepted.delivered
    assert [email.login for email in messages] == ["alerts"]
    assert messages[0].message["Subject"] == "[ERROR] Authenticated mail"
    assert "535" in rejected.failed["email"]


def _error_through_a_login_server(channels: Channels, starttls: str) -> tuple[NotificationResult, list[Any]]:
    """notify_error with SMTP_STARTTLS=``starttls`` against a server (no TLS) that wants a login."""
    with smtp_recorder(credentials=("alerts", "s3cret")) as secured:
        channels.env.setenv("SMTP_PORT", str(secured.port))
        channels.env.setenv("SMTP_USER", "alerts")
        channels.env.setenv("SMTP_PASSWORD", "s3cret")
        channels.env.setenv("SMTP_STARTTLS", starttls)
        result = notify_error("STARTTLS setting", "does the login go out in clear text?")
        return result, secured.snapshot()


@pytest.mark.parametrize("typo", ["ture", "ye", "treu", "enabled"])
def test_a_misspelt_smtp_starttls_never_sends_the_password_in_clear_text(
    channels: Channels, notification_log: pytest.LogCaptureFixture, typo: str
) -> None:
    """A typo used to mean "no STARTTLS": the login went over plain SMTP. It now means
    STARTTLS, so against this server (no TLS) nothing is sent, and the log says why."""
    result, messages = _error_through_a_login_server(channels, typo)
    assert messages == []
    assert "STARTTLS" in result.failed["email"]
    warnings = [r.getMessage() for r in notification_log.records if r.levelno == logging.WARNING]
    assert any(f"SMTP_STARTTLS={typo!r} is neither true nor false" in w for w in warnings), warnings


@pytest.mark.parametrize("off", ["", "0", "false", "No", " OFF "])
def test_an_explicit_smtp_starttls_off_still_logs_in_without_tls(channels: Channels, off: str) -> None:
    result, messages = _error_through_a_login_server(channels, off)
    assert "email" in result.delivered
    assert [email.login for email in messages] == ["alerts"]


@pytest.mark.parametrize(("text", "expected"), [
    ("1", True), ("TRUE", True), (" yes ", True), ("on", True), ("ture", True),
    ("", False), ("0", False), ("False", False), ("no", False), ("off", False),
])
def test_smtp_starttls_readings_and_the_default_port(text: str, expected: bool) -> None:
    config = NotificationConfig.from_env({"SMTP_STARTTLS": text})
    assert config.smtp_starttls is expected
    assert config.get_smtp_port() == (587 if expected else 25)


# ---------------------------------------------------------------------------------------------
# Hostile and awkward content
# ---------------------------------------------------------------------------------------------


def test_newlines_in_title_cannot_inject_email_headers(channels: Channels) -> None:
    result = notify_error(
        "Disk full\r\nBcc: evil@x.example",
        "body",
        processor_name="loader\nX-Injected: yes",
    )

    assert result.delivered == ["log", "slack", "email"]
    [email] = channels.smtp.messages
    assert email.message["Bcc"] is None
    assert email.message["X-Injected"] is None
    assert "evil@x.example" not in email.rcpt_tos
    subject = email.message["Subject"]
    assert "\r" not in subject and "\n" not in subject
    assert subject == "[ERROR] loader X-Injected: yes: Disk full Bcc: evil@x.example"
    header_block = email.data.split(b"\r\n\r\n", 1)[0]
    header_names = [
        line.split(b":", 1)[0].lower()
        for line in header_block.split(b"\r\n")
        if line and not line.startswith((b" ", b"\t"))
    ]
    assert b"bcc" not in header_names
    assert b"x-injected" not in header_names
    assert result.title == "Disk full Bcc: evil@x.example"


def test_details_with_dates_decimals_and_numpy_values_serialize(
    channels: Channels, listener_log: ListenerLog
) -> None:
    details = {
        "game_date": date(2024, 1, 15),
        "checked_at": datetime(2024, 1, 16, 6, 30, tzinfo=UTC),
        "quality_score": Decimal("0.875"),
        "players": np.int64(26),
        "ratio": np.float64(0.5),
        "complete": np.bool_(False),
        "missing": float("nan"),
        "sources": {"nbac_gamebook"},
        "nested": {"window_hours": Decimal("4.0"), "ids": (np.int32(1), np.int32(2))},
    }

    result = notify_warning("Odd types", "details must serialize", details=details)

    assert result.delivered == ["log", "slack", "email"]
    [request] = channels.slack_requests()
    details_text = block_texts(strict_json(request))[-1]
    assert details_text.splitlines() == [
        "*game_date:* 2024-01-15",
        "*checked_at:* 2024-01-16T06:30:00+00:00",
        "*quality_score:* 0.875",
        "*players:* 26",
        "*ratio:* 0.5",
        "*complete:* false",
        "*missing:* nan",
        '*sources:* ["nbac_gamebook"]',
        '*nested:* {"window_hours":"4.0","ids":[1,2]}',
    ]
    body = channels.smtp.messages[0].body
    assert '"quality_score": "0.875"' in body
    assert '"players": 26' in body
    [(_, notification)] = listener_log.calls
    json.dumps(notification.details, allow_nan=False)  # plain, strict JSON types only


def test_huge_content_is_truncated_but_still_delivered(channels: Channels) -> None:
    details = {f"field_{index:03d}": "x" * 10_000 for index in range(150)}

    result = notify_error("T" * 5_000, "M" * 50_000, details=details)

    assert result.delivered == ["log", "slack", "email"]
    payload = strict_json(channels.slack_requests()[0])
    assert all(len(text) <= 3_000 for text in block_texts(payload))
    assert len(payload["blocks"][0]["text"]["text"]) <= 150
    details_lines = block_texts(payload)[-1].splitlines()
    assert details_lines[0].startswith("*field_000:* xxx")
    assert re.fullmatch(r"_\.\.\. (\d+) more fields_", details_lines[-1])
    shown = len(details_lines) - 1
    assert details_lines[-1] == f"_... {150 - shown} more fields_"
    assert len(result.title) <= 200
    assert len(channels.smtp.messages[0].data) < 100_000


def test_non_string_arguments_are_coerced_not_raised(channels: Channels) -> None:
    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no str for you")

    result = notify_error(404, ValueError("boom"), details=["a", 1], processor_name=Unprintable())

    assert result.title == "404"
    assert result.delivered == ["log", "slack", "email"]
    payload = strict_json(channels.slack_requests()[0])
    assert block_texts(payload)[1] == "boom"
    assert block_texts(payload)[-1] == '*details:* ["a",1]'
    assert "*Processor:* &lt;unprintable Unprintable&gt;" in block_texts(payload)[2]


def test_slack_control_characters_are_escaped(channels: Channels) -> None:
    notify_error("Escapes", "<!channel> & <https://evil.example|click>")

    payload = strict_json(channels.slack_requests()[0])
    assert block_texts(payload)[1] == "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"


# ---------------------------------------------------------------------------------------------
# Listeners
# ---------------------------------------------------------------------------------------------


def test_listeners_receive_every_result_with_its_notification(
    channels: Channels, listener_log: ListenerLog
) -> None:
    channels.webhook.respond_with("/slack", 503)

    warning = notify_warning("First", "one", details={"n": 1}, processor_name=PROCESSOR)
    info = notify_info("Second", "two")

    assert [result for result, _ in listener_log.calls] == [warning, info]
    first_result, first_notification = listener_log.calls[0]
    assert first_result.failed.keys() == {"slack"}
    assert first_result.delivered == ["log", "email"]
    assert first_notification.title == "First"
    assert first_notification.message == "one"
    assert first_notification.details == {"n": 1}
    assert first_notification.processor_name == PROCESSOR
    assert listener_log.calls[1][1].level is NotificationLevel.INFO

    unregister_listener(listener_log)
    notify_error("Third", "three")
    assert len(listener_log.calls) == 2


def test_notifier_listener_sees_only_its_own_notifier(channels: Channels) -> None:
    own = ListenerLog()
    notifier = Notifier()
    notifier.add_listener(own)

    notifier.warning("Through the notifier", "seen")
    notify_warning("Through the module function", "not seen")
    assert notifier.remove_listener(own) is True
    notifier.warning("After removal", "not seen")

    assert [result.title for result, _ in own.calls] == ["Through the notifier"]
    assert notifier.remove_listener(own) is False


def test_a_raising_listener_does_not_break_delivery_or_other_listeners(
    channels: Channels, notification_log: pytest.LogCaptureFixture, listener_log: ListenerLog
) -> None:
    def broken(result: NotificationResult, notification: Notification) -> None:
        raise RuntimeError("listener bug")

    register_listener(broken)
    try:
        unregister_listener(listener_log)
        register_listener(listener_log)  # now runs after the broken one
        result = notify_error("Listener trouble", "deliver anyway")
    finally:
        unregister_listener(broken)

    assert result.delivered == ["log", "slack", "email"]
    assert len(channels.slack_requests()) == 1
    assert len(channels.smtp.messages) == 1
    assert [seen for seen, _ in listener_log.calls] == [result]
    assert any(
        record.exc_info is not None and "listener" in record.getMessage()
        for record in notification_log.records
    )
