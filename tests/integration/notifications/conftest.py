"""Fixtures for the notification tests: real local servers and a clean channel environment."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.support.local_servers import (
    SmtpRecorder,
    WebhookRecorder,
    smtp_recorder,
    webhook_recorder,
)

#: Every variable the notification system reads; cleared so the host's settings never leak in.
NOTIFICATION_ENV_VARS = (
    "SLACK_WEBHOOK_URL",
    "SLACK_WEBHOOK_URL_ERROR",
    "SLACK_WEBHOOK_URL_WARNING",
    "SLACK_WEBHOOK_URL_INFO",
    "NOTIFY_HTTP_TIMEOUT",
    "NOTIFY_SMTP_TIMEOUT",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USER",
    "SMTP_PASSWORD",
    "SMTP_STARTTLS",
    "ALERT_EMAIL_FROM",
    "ALERT_EMAIL_TO",
    "ALERT_EMAIL_MIN_LEVEL",
)

NOTIFICATION_LOGGER = "shared_services.notifications"


@pytest.fixture(autouse=True)
def clean_notification_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No channel configured, short timeouts; tests opt in to channels via ``monkeypatch``."""
    for name in NOTIFICATION_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NOTIFY_HTTP_TIMEOUT", "2")
    monkeypatch.setenv("NOTIFY_SMTP_TIMEOUT", "2")
    return monkeypatch


@pytest.fixture
def notification_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """``caplog`` capturing everything the notification logger emits."""
    caplog.set_level(logging.DEBUG, logger=NOTIFICATION_LOGGER)
    return caplog


@pytest.fixture
def webhook_server() -> Iterator[WebhookRecorder]:
    """A started HTTP recorder on 127.0.0.1 (answers 200 unless told otherwise)."""
    with webhook_recorder() as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[SmtpRecorder]:
    """A started SMTP recorder on 127.0.0.1."""
    with smtp_recorder() as server:
        yield server
