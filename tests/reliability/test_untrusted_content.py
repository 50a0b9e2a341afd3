"""Reliability (issue 12, case 10): user data cannot ping Slack channels nor forge log records."""

from __future__ import annotations

import io
import json
import logging

import pytest

from shared_services.utils.notification_system import NotificationConfig, Notifier
from tests.support.event_log import Processor
from tests.support.local_servers import webhook_recorder

HOSTILE_TITLE = "<!channel> game <https://evil.example/login|box score> & <@U123>"


def _mrkdwn_texts(payload: dict) -> list[str]:
    texts = [payload["text"]]
    for block in payload["blocks"]:
        if block["type"] == "section":
            texts.append(block["text"]["text"])
        if block["type"] == "context":
            texts.extend(element["text"] for element in block["elements"])
    return texts


def test_every_user_supplied_part_of_a_slack_message_is_escaped():
    with webhook_recorder() as hook:
        notifier = Notifier(NotificationConfig(slack_webhook_urls={"error": hook.url_for("/slack")}))
        result = notifier.error(HOSTILE_TITLE, "msg <!here>", details={"<!everyone>": "<https://x|y>"},
                                processor_name="<!subteam^S1>")
        assert "slack" in result.delivered
        payload = hook.requests_for("/slack")[0].json()
    for text in _mrkdwn_texts(payload):
        assert "<" not in text and ">" not in text, text
    assert "&lt;!channel&gt;" in payload["text"] and "&amp;" in payload["text"]
    assert "&lt;!subteam^S1&gt;" in payload["text"]


@pytest.fixture
def log_stream():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    keeper = Keep(logging.DEBUG)
    root.addHandler(keeper)
    yield stream, records
    root.removeHandler(handler)
    root.removeHandler(keeper)
    root.setLevel(previous)


FORGED = "player scratched\nCRITICAL shared_services.notifications: all systems compromised\r\x1b[2J"


def test_log_records_of_user_data_are_single_line(log_stream, warehouse):
    stream, records = log_stream
    processor = Processor(warehouse)
    processor.log_quality_event("fallback_used", "info", FORGED, game_id="g1")
    processor.log_quality_event("source_missing", "critical", FORGED, game_id="g2",
                                primary_source="nbac\nINFO forged")
    Notifier(NotificationConfig()).warning(FORGED, FORGED, details={"why": FORGED}, processor_name=FORGED)
    processor.flush_events()
    user_records = [r for r in records if "player scratched" in r.getMessage()]
    assert len(user_records) >= 3
    for record in user_records:
        message = record.getMessage()
        assert "\n" not in message and "\r" not in message and "\x1b" not in message, message
    lines = stream.getvalue().splitlines()
    assert len(lines) == len(records)                     # one line per record, nothing forged
    assert not any(line.startswith("CRITICAL shared_services.notifications: all systems") for line in lines)
    assert json.dumps(lines)                              # and it is all valid text
