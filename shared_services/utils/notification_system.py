"""Send error / warning / info notifications to the log, Slack and email.

Three entry points, one signature::

    from shared_services.utils.notification_system import notify_error

    result = notify_error(
        "Primary source down",
        "nbac_gamebook unavailable for 2024-01-15; fell back to bdl_boxscores",
        details={"game_date": date(2024, 1, 15), "games_affected": 10},
        processor_name="PlayerGameSummaryProcessor",
    )
    result.delivered   # ['log', 'slack', 'email']
    result.failed      # {} -- or {'slack': 'HTTP 500 ...'}

Channels (each one independent; a failing channel never breaks the caller):

``log``
    Always. Logger ``shared_services.notifications``; error -> ``ERROR``, warning ->
    ``WARNING``, info -> ``INFO``.
``slack``
    An incoming webhook: ``SLACK_WEBHOOK_URL``, overridden per level by
    ``SLACK_WEBHOOK_URL_ERROR`` / ``SLACK_WEBHOOK_URL_WARNING`` / ``SLACK_WEBHOOK_URL_INFO``
    (an override wins, an empty override disables Slack for that level). Timeout
    ``NOTIFY_HTTP_TIMEOUT`` seconds (default 5): a TOTAL deadline per delivery, connect to
    last byte (a server that trickles its reply is cut off), not just per socket read.
``email``
    SMTP, enabled when ``SMTP_HOST`` and ``ALERT_EMAIL_TO`` are set. ``SMTP_PORT`` (default
    25, or 587 with ``SMTP_STARTTLS=true``; a value that is neither true nor false is read as
    true, never as a silent clear-text connection), ``SMTP_USER`` / ``SMTP_PASSWORD`` (login when
    both are set), ``ALERT_EMAIL_FROM`` (default ``nba-source-coverage@localhost``),
    ``ALERT_EMAIL_TO`` (comma-separated), ``ALERT_EMAIL_MIN_LEVEL`` (default ``warning``,
    so info is not emailed), ``NOTIFY_SMTP_TIMEOUT`` seconds (default 10), the total deadline
    of one delivery (greeting, EHLO, STARTTLS, login, message).

Configuration is read from ``os.environ`` at call time by the module-level functions. Pass a
:class:`NotificationConfig` to a :class:`Notifier` to configure it in code instead. Invalid
environment values (a non-numeric port, an unknown level) are logged and replaced by their
default rather than raised.

Nothing here raises into the caller: a non-``str`` title or message is coerced with
``str()``, details are made JSON-safe (dates, ``Decimal``, numpy scalars, sets, ...), titles
lose CR/LF (no email header injection) and oversized content is truncated.

Listeners see every notification, delivered or not; the demo uses one to count alerts::

    seen = []

    def count(result, notification):
        seen.append(result)

    register_listener(count)
    try:
        notify_warning("Fallback used", "bdl_boxscores stood in for nbac_gamebook")
    finally:
        unregister_listener(count)
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import math
import os
import smtplib
import socket
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from email.message import EmailMessage
from enum import StrEnum
from typing import Any

from shared_services.events.text import log_safe, valid_text, valid_value
from shared_services.utils.flags import parse_flag

__all__ = [
    "NotificationLevel",
    "Notification",
    "NotificationResult",
    "NotificationConfig",
    "NotificationListener",
    "Notifier",
    "notify_error",
    "notify_warning",
    "notify_info",
    "register_listener",
    "unregister_listener",
    "get_default_notifier",
    "to_json_safe",
]

logger = logging.getLogger("shared_services.notifications")

#: Channel names as they appear in :attr:`NotificationResult.delivered` / ``failed``.
LOG_CHANNEL = "log"
SLACK_CHANNEL = "slack"
EMAIL_CHANNEL = "email"


class NotificationLevel(StrEnum):
    """How loud a notification is. ``'critical'`` is accepted as an alias of ERROR."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is louder: info 0 < warning 1 < error 2 (never compare the strings)."""
        return _LEVEL_RANK[self]

    @property
    def logging_level(self) -> int:
        """The ``logging`` level the log channel uses for this notification level."""
        return _LOGGING_LEVELS[self]


_LEVEL_RANK: dict[NotificationLevel, int] = {
    NotificationLevel.INFO: 0,
    NotificationLevel.WARNING: 1,
    NotificationLevel.ERROR: 2,
}
_LOGGING_LEVELS: dict[NotificationLevel, int] = {
    NotificationLevel.INFO: logging.INFO,
    NotificationLevel.WARNING: logging.WARNING,
    NotificationLevel.ERROR: logging.ERROR,
}
_LEVEL_ALIASES: dict[str, NotificationLevel] = {
    "critical": NotificationLevel.ERROR,
    "warn": NotificationLevel.WARNING,
}


def _parse_level(value: object) -> NotificationLevel | None:
    """Return ``value`` as a level, or ``None`` if it names no level."""
    text = str(value).strip().lower()
    if text in _LEVEL_ALIASES:
        return _LEVEL_ALIASES[text]
    try:
        return NotificationLevel(text)
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------
# Data: what was sent and what happened
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notification:
    """One sanitized notification, as the channels render it and listeners receive it.

    ``title`` is one line (no CR/LF), ``details`` is JSON-safe (``json.dumps`` works on it).
    """

    level: NotificationLevel
    title: str
    message: str
    details: dict[str, Any]
    processor_name: str | None
    created_at: datetime


@dataclass
class NotificationResult:
    """Which channels delivered one notification and why the others failed.

    Example::

        result = notify_error("Load failed", "3 rows rejected")
        if "slack" in result.failed:
            ...  # result.failed["slack"] is the error text, e.g. 'HTTP 500: ...'
    """

    level: NotificationLevel
    title: str
    #: Channel names that delivered, in delivery order (``'log'`` is always first).
    delivered: list[str] = field(default_factory=list)
    #: Channel name -> error text for channels that were configured but failed.
    failed: dict[str, str] = field(default_factory=dict)
    #: Channel names not attempted: not configured, or below the channel's minimum level.
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no configured channel failed."""
        return not self.failed


#: A listener receives every result with the notification it describes.
NotificationListener = Callable[[NotificationResult, Notification], object]


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------

DEFAULT_EMAIL_FROM = "nba-source-coverage@localhost"
DEFAULT_HTTP_TIMEOUT = 5.0
DEFAULT_SMTP_TIMEOUT = 10.0


@dataclass(frozen=True)
class NotificationConfig:
    """Channel settings. Build one in code, or read the environment with :meth:`from_env`.

    Example::

        config = NotificationConfig(
            slack_webhook_urls={"error": "https://hooks.slack.com/services/T/B/X"},
            smtp_host="smtp.example.com",
            email_to=("oncall@example.com",),
        )
        Notifier(config).error("Audit failed", "2 games missing")
    """

    #: Level name ('error' / 'warning' / 'info') -> webhook URL; missing or empty = no Slack.
    slack_webhook_urls: Mapping[str, str] = field(default_factory=dict)
    #: Seconds before a webhook POST is abandoned (total, connect to last byte).
    http_timeout: float = DEFAULT_HTTP_TIMEOUT
    #: SMTP server; email is enabled only when this and ``email_to`` are set.
    smtp_host: str | None = None
    #: SMTP port; ``None`` means 587 with STARTTLS, otherwise 25 (see :meth:`get_smtp_port`).
    smtp_port: int | None = None
    #: Login user; login happens only when user and password are both set.
    smtp_user: str | None = None
    smtp_password: str | None = None
    #: Upgrade the SMTP connection with STARTTLS before login / sending.
    smtp_starttls: bool = False
    #: Total seconds for one SMTP delivery (connect, greeting, commands, message).
    smtp_timeout: float = DEFAULT_SMTP_TIMEOUT
    email_from: str = DEFAULT_EMAIL_FROM
    email_to: tuple[str, ...] = ()
    #: Quietest level that is emailed (default: warning, so info is not emailed).
    email_min_level: NotificationLevel = NotificationLevel.WARNING

    def __post_init__(self) -> None:
        level = _parse_level(self.email_min_level)
        if level is None:
            raise ValueError(
                f"NotificationConfig.email_min_level={self.email_min_level!r} is not a level; "
                "use 'error', 'warning' or 'info'."
            )
        object.__setattr__(self, "email_min_level", level)
        object.__setattr__(self, "email_to", tuple(self.email_to))

    def get_slack_webhook_url(self, level: NotificationLevel) -> str | None:
        """The webhook URL for ``level``, or ``None`` when Slack is off for it."""
        return self.slack_webhook_urls.get(level.value) or None

    def get_smtp_port(self) -> int:
        """``smtp_port``, or its default: 587 with STARTTLS, otherwise 25."""
        if self.smtp_port is not None:
            return self.smtp_port
        return 587 if self.smtp_starttls else 25

    @property
    def email_enabled(self) -> bool:
        """True when an SMTP host and at least one recipient are configured."""
        return bool(self.smtp_host) and bool(self.email_to)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NotificationConfig:
        """Read the settings from ``environ`` (default ``os.environ``); never raises.

        Example::

            config = NotificationConfig.from_env({"SLACK_WEBHOOK_URL": "http://127.0.0.1:9/h"})
            config.get_slack_webhook_url(NotificationLevel.INFO)  # 'http://127.0.0.1:9/h'
        """
        env = os.environ if environ is None else environ
        base_url = env.get("SLACK_WEBHOOK_URL", "").strip()
        urls: dict[str, str] = {}
        for level in NotificationLevel:
            override_name = f"SLACK_WEBHOOK_URL_{level.value.upper()}"
            # Present-but-empty override disables Slack for this level on purpose.
            url = env[override_name].strip() if override_name in env else base_url
            if url:
                urls[level.value] = url

        min_level_text = env.get("ALERT_EMAIL_MIN_LEVEL", "").strip()
        min_level = _parse_level(min_level_text) if min_level_text else None
        if min_level_text and min_level is None:
            logger.warning(
                "ALERT_EMAIL_MIN_LEVEL=%r is not a level (error/warning/info); using 'warning'",
                min_level_text,
            )

        recipients = tuple(
            address.strip()
            for address in env.get("ALERT_EMAIL_TO", "").split(",")
            if address.strip()
        )
        return cls(
            slack_webhook_urls=urls,
            http_timeout=_env_float(env, "NOTIFY_HTTP_TIMEOUT", DEFAULT_HTTP_TIMEOUT),
            smtp_host=env.get("SMTP_HOST", "").strip() or None,
            smtp_port=_env_int(env, "SMTP_PORT"),
            smtp_user=env.get("SMTP_USER") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_starttls=_env_starttls(env),
            smtp_timeout=_env_float(env, "NOTIFY_SMTP_TIMEOUT", DEFAULT_SMTP_TIMEOUT),
            email_from=env.get("ALERT_EMAIL_FROM", "").strip() or DEFAULT_EMAIL_FROM,
            email_to=recipients,
            email_min_level=min_level or NotificationLevel.WARNING,
        )


def _env_starttls(env: Mapping[str, str]) -> bool:
    """``SMTP_STARTTLS`` as a flag. A value that is neither true nor false (a typo: ``ture``,
    ``ye``) means STARTTLS, the safe reading: taking it for "off" would send the login and
    the alerts in clear text; taking it for "on" at worst fails delivery against a server
    without TLS, with that server's error in ``failed['email']`` beside this warning."""
    text = env.get("SMTP_STARTTLS", "")
    flag = parse_flag(text)
    if flag is not None:
        return flag
    logger.warning(
        "SMTP_STARTTLS=%r is neither true nor false (1/0, true/false, yes/no, on/off); "
        "using STARTTLS, the safe reading", text,
    )
    return True


def _env_float(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        logger.warning("%s=%r is not a positive number of seconds; using %s", name, text, default)
        return default
    return value


def _env_int(env: Mapping[str, str], name: str) -> int | None:
    text = env.get(name, "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 < value < 65536:
        logger.warning("%s=%r is not a port number; using the default port", name, text)
        return None
    return value


# --------------------------------------------------------------------------------------------
# Sanitizing: JSON-safe details, one-line titles, bounded sizes
# --------------------------------------------------------------------------------------------

_MAX_DEPTH = 6
_MAX_ITEMS = 200
_MAX_STRING = 2_000


def to_json_safe(value: object, *, _depth: int = 0) -> Any:
    """Return ``value`` as plain JSON types (dict/list/str/int/float/bool/None).

    Dates and datetimes become ISO strings, ``Decimal`` a string (no float rounding), numpy
    scalars their Python value, numpy arrays / sets / tuples lists, NaN/inf a string, and
    anything else ``str(value)``. Deep or huge structures are cut off, long strings truncated.

    Example::

        >>> to_json_safe({"d": date(2024, 1, 15), "x": Decimal("0.10"), "s": {1}})
        {'d': '2024-01-15', 'x': '0.10', 's': [1]}
    """
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return _truncate(value, _MAX_STRING)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return _truncate(repr(bytes(value)), _MAX_STRING)
    if _depth >= _MAX_DEPTH:
        return _truncate(_safe_str(value), _MAX_STRING)
    if isinstance(value, Mapping):
        items = list(value.items())
        result = {
            _truncate(_safe_str(key), 200): to_json_safe(item, _depth=_depth + 1)
            for key, item in items[:_MAX_ITEMS]
        }
        if len(items) > _MAX_ITEMS:
            result["..."] = f"{len(items) - _MAX_ITEMS} more keys"
        return result
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        converted = [to_json_safe(item, _depth=_depth + 1) for item in items[:_MAX_ITEMS]]
        if len(items) > _MAX_ITEMS:
            converted.append(f"... {len(items) - _MAX_ITEMS} more items")
        return converted
    # numpy scalars / arrays and pandas timestamps, without importing either.
    for method_name in ("item", "tolist", "isoformat"):
        method = getattr(value, method_name, None)
        if callable(method):
            try:
                converted_value = method()
            except Exception:  # e.g. ndarray.item() on a multi-element array
                continue
            if converted_value is not value:
                return to_json_safe(converted_value, _depth=_depth + 1)
    return _truncate(_safe_str(value), _MAX_STRING)


def _safe_str(value: object) -> str:
    """``str(value)`` as valid Unicode (lone surrogates -> U+FFFD), or a placeholder if
    ``__str__`` itself raises."""
    try:
        return valid_text(str(value))
    except Exception:  # a broken __str__ must not break notifying
        return f"<unprintable {type(value).__name__}>"


def _truncate(text: str, limit: int) -> str:
    """``text`` if it fits, else its head plus ``... [+N chars]``, at most ``limit`` long."""
    if len(text) <= limit:
        return text
    keep = limit
    for _ in range(3):  # the marker's length depends on N; settles within two rounds
        marker = f"... [+{len(text) - keep} chars]"
        keep = limit - len(marker)
    if keep <= 0:
        return text[:limit]
    return text[:keep] + f"... [+{len(text) - keep} chars]"


def _one_line(text: str) -> str:
    """Collapse every line break and control character to one space (header-safe)."""
    cleaned = "".join(" " if (ch.isspace() or not ch.isprintable()) else ch for ch in text)
    return " ".join(cleaned.split())


def _compact_json(value: object) -> str:
    return json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------------------------
# Listeners shared by every Notifier (register_listener / unregister_listener)
# --------------------------------------------------------------------------------------------

_global_listeners: list[NotificationListener] = []
_global_listeners_lock = threading.Lock()


def register_listener(listener: NotificationListener) -> NotificationListener:
    """Call ``listener(result, notification)`` after every notification of every Notifier.

    Returns ``listener`` so it works as a decorator. A listener that raises is logged and
    ignored. Example::

        sent = []
        register_listener(lambda result, notification: sent.append(notification.title))
    """
    with _global_listeners_lock:
        _global_listeners.append(listener)
    return listener


def unregister_listener(listener: NotificationListener) -> bool:
    """Remove a listener added by :func:`register_listener`; False if it was not registered."""
    with _global_listeners_lock:
        try:
            _global_listeners.remove(listener)
        except ValueError:
            return False
        return True


# --------------------------------------------------------------------------------------------
# The notifier
# --------------------------------------------------------------------------------------------


class Notifier:
    """Renders a notification and sends it to every configured channel; never raises.

    Without a ``config`` the environment is read on every call (so changes to
    ``os.environ`` take effect at once); with one, the environment is ignored.

    Example::

        notifier = Notifier(NotificationConfig(slack_webhook_urls={"error": url}))
        notifier.add_listener(lambda result, notification: print(result.delivered))
        notifier.error("Audit failed", "2 games missing", details={"games": ["0022300001"]})

    Subclasses can override :meth:`get_config` or any ``send_*`` method (each sends one
    notification to one channel and raises on failure).
    """

    #: Titles are cut to this many characters (after removing line breaks).
    MAX_TITLE_CHARS: int = 200
    #: Messages are cut to this many characters.
    MAX_MESSAGE_CHARS: int = 4_000
    #: The Slack field list shows at most this many detail keys.
    MAX_SLACK_DETAIL_FIELDS: int = 20
    #: Each Slack detail value is cut to this many characters.
    MAX_SLACK_DETAIL_VALUE_CHARS: int = 300
    #: Slack rejects text objects over 3000 characters; stay below.
    MAX_SLACK_TEXT_CHARS: int = 2_900
    #: Slack header blocks take at most 150 characters.
    MAX_SLACK_HEADER_CHARS: int = 150
    #: The details section of an email body is cut to this many characters.
    MAX_EMAIL_DETAILS_CHARS: int = 20_000
    #: The log line's details are cut to this many characters.
    MAX_LOG_DETAILS_CHARS: int = 2_000
    SLACK_EMOJI: Mapping[NotificationLevel, str] = {
        NotificationLevel.ERROR: ":rotating_light:",
        NotificationLevel.WARNING: ":warning:",
        NotificationLevel.INFO: ":information_source:",
    }
    #: Sent as the Slack/email ``User-Agent`` and email ``X-Mailer``.
    USER_AGENT: str = "nba-source-coverage-notifier/1"

    def __init__(
        self,
        config: NotificationConfig | None = None,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._config = config
        self._environ = environ
        self._listeners: list[NotificationListener] = []
        self._listeners_lock = threading.Lock()

    # -- configuration -----------------------------------------------------------------------

    def get_config(self) -> NotificationConfig:
        """The config given at construction, else one read from the environment now."""
        if self._config is not None:
            return self._config
        return NotificationConfig.from_env(self._environ)

    # -- listeners -----------------------------------------------------------------------------

    def add_listener(self, listener: NotificationListener) -> NotificationListener:
        """Call ``listener(result, notification)`` after each notification of this notifier."""
        with self._listeners_lock:
            self._listeners.append(listener)
        return listener

    def remove_listener(self, listener: NotificationListener) -> bool:
        """Remove a listener added by :meth:`add_listener`; False if it was not there."""
        with self._listeners_lock:
            try:
                self._listeners.remove(listener)
            except ValueError:
                return False
            return True

    # -- public entry points -------------------------------------------------------------------

    def error(
        self,
        title: object,
        message: object,
        details: object = None,
        processor_name: object = None,
    ) -> NotificationResult:
        """Send an error notification (log ERROR, Slack, email). See :meth:`notify`."""
        return self.notify(NotificationLevel.ERROR, title, message, details, processor_name)

    def warning(
        self,
        title: object,
        message: object,
        details: object = None,
        processor_name: object = None,
    ) -> NotificationResult:
        """Send a warning notification (log WARNING, Slack, email). See :meth:`notify`."""
        return self.notify(NotificationLevel.WARNING, title, message, details, processor_name)

    def info(
        self,
        title: object,
        message: object,
        details: object = None,
        processor_name: object = None,
    ) -> NotificationResult:
        """Send an info notification (log INFO, Slack; email only if the minimum allows)."""
        return self.notify(NotificationLevel.INFO, title, message, details, processor_name)

    def notify(
        self,
        level: NotificationLevel | str,
        title: object,
        message: object,
        details: object = None,
        processor_name: object = None,
    ) -> NotificationResult:
        """Send one notification to every configured channel and report what happened.

        ``level`` is 'error', 'warning' or 'info' ('critical' means error; an unknown level
        is logged and treated as error, the loud side). ``title`` / ``message`` /
        ``processor_name`` are coerced with ``str()``; ``details`` should be a mapping (any
        other value is wrapped as ``{'details': value}``).

        Example::

            result = Notifier().notify("warning", "Stale source", "odds are 3 h old",
                                       details={"age_hours": 3.2})
            assert "log" in result.delivered
        """
        parsed_level = _parse_level(level)
        if parsed_level is None:
            logger.warning("Unknown notification level %r; sending as 'error'", level)
            parsed_level = NotificationLevel.ERROR
        try:
            notification = self.build_notification(
                parsed_level, title, message, details, processor_name
            )
        except Exception as error:  # the caller must never see this
            logger.exception("Could not build notification %r", _safe_str(title)[:200])
            return NotificationResult(
                level=parsed_level,
                title=_one_line(_safe_str(title))[: self.MAX_TITLE_CHARS],
                failed={"build": f"{type(error).__name__}: {error}"},
            )
        result = self.deliver(notification)
        self._call_listeners(result, notification)
        return result

    # -- building and delivering ---------------------------------------------------------------

    def build_notification(
        self,
        level: NotificationLevel,
        title: object,
        message: object,
        details: object,
        processor_name: object,
    ) -> Notification:
        """Coerce and bound the caller's values into a :class:`Notification`."""
        if details is None:
            safe_details: dict[str, Any] = {}
        else:
            converted = to_json_safe(details)
            safe_details = converted if isinstance(converted, dict) else {"details": converted}
        processor = _one_line(_safe_str(processor_name)) if processor_name is not None else None
        return Notification(
            level=level,
            title=_truncate(_one_line(_safe_str(title)), self.MAX_TITLE_CHARS) or "(no title)",
            message=_truncate(_safe_str(message), self.MAX_MESSAGE_CHARS),
            details=valid_value(safe_details),
            processor_name=_truncate(processor, 200) if processor else None,
            created_at=datetime.now(UTC),
        )

    def deliver(self, notification: Notification) -> NotificationResult:
        """Send ``notification`` to log, Slack and email; collect the outcome per channel."""
        result = NotificationResult(level=notification.level, title=notification.title)
        self._attempt(result, LOG_CHANNEL, self.send_log, notification)
        try:
            config = self.get_config()
        except Exception as error:  # e.g. a broken get_config override
            logger.exception("Could not read notification config")
            result.failed["config"] = f"{type(error).__name__}: {error}"
            return result

        webhook_url = config.get_slack_webhook_url(notification.level)
        if webhook_url:
            self._attempt(
                result,
                SLACK_CHANNEL,
                lambda n: self.send_slack(n, webhook_url, config.http_timeout),
                notification,
            )
        else:
            result.skipped.append(SLACK_CHANNEL)

        if config.email_enabled and notification.level.rank >= config.email_min_level.rank:
            self._attempt(result, EMAIL_CHANNEL, lambda n: self.send_email(n, config), notification)
        else:
            result.skipped.append(EMAIL_CHANNEL)
        return result

    def _attempt(
        self,
        result: NotificationResult,
        channel: str,
        send: Callable[[Notification], object],
        notification: Notification,
    ) -> None:
        try:
            send(notification)
        except Exception as error:  # a failing channel never breaks the caller
            text = _truncate(_one_line(f"{type(error).__name__}: {error}"), 500)
            result.failed[channel] = text
            if channel != LOG_CHANNEL:
                logger.warning(
                    "Notification channel %s failed for %r: %s", channel, notification.title, text
                )
        else:
            result.delivered.append(channel)

    def _call_listeners(self, result: NotificationResult, notification: Notification) -> None:
        with _global_listeners_lock:
            listeners = list(_global_listeners)
        with self._listeners_lock:
            listeners.extend(self._listeners)
        for listener in listeners:
            try:
                listener(result, notification)
            except Exception:  # a broken listener must not break notifying
                logger.exception("Notification listener %r raised; ignored", listener)

    # -- channels: each sends one notification and raises on failure ---------------------------

    def send_log(self, notification: Notification) -> None:
        """Write the notification to logger ``shared_services.notifications`` as ONE line.

        Line breaks and control characters in the title, message and details are escaped
        (``\\n``), so user data can never forge a second log record.
        """
        prefix = f"[{log_safe(notification.processor_name, 200)}] " if notification.processor_name else ""
        details = (
            " | details="
            + log_safe(_compact_json(notification.details), self.MAX_LOG_DETAILS_CHARS)
            if notification.details
            else ""
        )
        logger.log(
            notification.level.logging_level,
            "%s%s: %s%s",
            prefix,
            log_safe(notification.title, self.MAX_TITLE_CHARS),
            log_safe(notification.message, self.MAX_MESSAGE_CHARS),
            details,
            extra={
                "notification_level": notification.level.value,
                "notification_title": notification.title,
                "processor_name": notification.processor_name,
            },
        )

    def send_slack(self, notification: Notification, url: str, timeout: float) -> None:
        """POST the Slack payload as JSON to ``url``; raise on a non-2xx reply or no reply."""
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            raise ValueError(f"unsupported webhook URL scheme {scheme!r} (use http or https)")
        body = json.dumps(
            self.build_slack_payload(notification), default=str, ensure_ascii=False
        ).encode("utf-8")
        request = urllib.request.Request(  # scheme checked above
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": self.USER_AGENT},
        )
        with _Deadline(timeout, "webhook") as deadline:
            opener = urllib.request.build_opener(
                _TrackedHTTPHandler(deadline), _TrackedHTTPSHandler(deadline)
            )
            try:
                with opener.open(request, timeout=timeout) as response:
                    status = response.status
                    response.read(1024)
            except urllib.error.HTTPError as error:
                reply = ""
                if error.fp and not deadline.expired:
                    with contextlib.suppress(OSError, ValueError):
                        reply = error.read(200).decode("utf-8", "replace")
                deadline.check()
                # Never put the URL in the error: a webhook URL is a secret.
                raise RuntimeError(f"HTTP {error.code}: {reply or error.reason}") from None
            except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
                deadline.check()
                reason = getattr(error, "reason", error)
                raise ConnectionError(f"webhook unreachable: {reason}") from None
            deadline.check()
        if not 200 <= status < 300:
            raise RuntimeError(f"HTTP {status}")

    def build_slack_payload(self, notification: Notification) -> dict[str, Any]:
        """The webhook JSON: a plain ``text`` fallback plus header/section/context blocks."""
        level = notification.level
        emoji = self.SLACK_EMOJI.get(level, "")
        label = level.value.upper()
        title = notification.title
        # Every user-supplied part of a mrkdwn text is escaped: the top-level ``text`` is
        # parsed too (``<!channel>`` would page everyone, ``<url|label>`` would disguise a link).
        fallback = f"{emoji} [{label}] {_slack_escape(title)}"
        if notification.processor_name:
            fallback += f" ({_slack_escape(notification.processor_name)})"
        context = f"*Level:* {label}"
        if notification.processor_name:
            context += f"  |  *Processor:* {_slack_escape(notification.processor_name)}"
        context += f"  |  *Host:* {_slack_escape(socket.gethostname())}"
        context += f"  |  {notification.created_at.isoformat(timespec='seconds')}"
        blocks: list[dict[str, Any]] = [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": _truncate(f"{emoji} {label}: {title}", self.MAX_SLACK_HEADER_CHARS),
                    "emoji": True,
                },
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _truncate(
                        _slack_escape(notification.message) or " ", self.MAX_SLACK_TEXT_CHARS
                    ),
                },
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
        ]
        if notification.details:
            blocks.append(
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": self.render_slack_details(notification)},
                }
            )
        return {"text": _truncate(fallback, self.MAX_SLACK_TEXT_CHARS), "blocks": blocks}

    def render_slack_details(self, notification: Notification) -> str:
        """Details as ``*key:* value`` lines, bounded in count and in total length.

        Fields that do not fit are summarized as ``_... N more fields_`` on the last line.
        """
        items = list(notification.details.items())
        # Room for the "more fields" line, so the summary itself is never cut off.
        budget = self.MAX_SLACK_TEXT_CHARS - 40
        lines: list[str] = []
        used = 0
        for key, value in items[: self.MAX_SLACK_DETAIL_FIELDS]:
            text = value if isinstance(value, str) else _compact_json(value)
            text = _truncate(_one_line(text), self.MAX_SLACK_DETAIL_VALUE_CHARS)
            line = f"*{_slack_escape(_one_line(key))}:* {_slack_escape(text)}"
            if used + len(line) + 1 > budget:
                break
            lines.append(line)
            used += len(line) + 1
        if len(lines) < len(items):
            lines.append(f"_... {len(items) - len(lines)} more fields_")
        return "\n".join(lines)

    def send_email(self, notification: Notification, config: NotificationConfig) -> None:
        """Send the plain-text email over SMTP; raise on any SMTP or socket error."""
        assert config.smtp_host is not None  # email_enabled checked by the caller
        email = self.build_email(notification, config)
        with _Deadline(config.smtp_timeout, "SMTP delivery") as deadline:
            try:
                # Connect after tracking, so even a trickled greeting counts against the deadline.
                with smtplib.SMTP(timeout=config.smtp_timeout) as smtp:
                    deadline.track(lambda: getattr(smtp, "sock", None))
                    smtp.connect(config.smtp_host, config.get_smtp_port())
                    smtp.ehlo()
                    if config.smtp_starttls:
                        smtp.starttls(context=ssl.create_default_context())
                        smtp.ehlo()
                    if config.smtp_user and config.smtp_password:
                        smtp.login(config.smtp_user, config.smtp_password)
                    refused = smtp.send_message(
                        email, from_addr=config.email_from, to_addrs=list(config.email_to)
                    )
            except (OSError, smtplib.SMTPException):
                deadline.check()
                raise
            deadline.check()
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)

    def build_email(self, notification: Notification, config: NotificationConfig) -> EmailMessage:
        """The email: one-line Subject, From/To from config, plain-text body with details."""
        label = notification.level.value.upper()
        subject = f"[{label}] "
        if notification.processor_name:
            subject += f"{notification.processor_name}: "
        subject += notification.title
        email = EmailMessage()
        # _one_line again: the subject must hold no CR/LF whatever a subclass put in the title.
        email["Subject"] = _one_line(subject)
        email["From"] = _one_line(config.email_from)
        email["To"] = ", ".join(_one_line(address) for address in config.email_to)
        email["X-Mailer"] = self.USER_AGENT
        email["X-Notification-Level"] = notification.level.value
        email.set_content(self.render_email_body(notification))
        return email

    def render_email_body(self, notification: Notification) -> str:
        """Plain text: a header block, the message, then the details as indented JSON."""
        lines = [
            f"Level:     {notification.level.value.upper()}",
            f"Title:     {notification.title}",
        ]
        if notification.processor_name:
            lines.append(f"Processor: {notification.processor_name}")
        lines += [
            f"Host:      {socket.gethostname()}",
            f"Time:      {notification.created_at.isoformat(timespec='seconds')}",
            "",
            notification.message,
        ]
        if notification.details:
            rendered = json.dumps(
                notification.details, default=str, ensure_ascii=False, indent=2, sort_keys=True
            )
            lines += ["", "Details:", _truncate(rendered, self.MAX_EMAIL_DETAILS_CHARS)]
        return "\n".join(lines) + "\n"


class _Deadline:
    """A total deadline for one delivery: when it passes, the tracked sockets are shut down.

    Socket timeouts apply per read, so a server that trickles one byte a second would hold a
    delivery forever; this watchdog bounds the whole exchange (connect to last byte). A
    blocked read then returns at once and :meth:`check` turns the failure into a
    ``TimeoutError`` naming the deadline.
    """

    def __init__(self, seconds: float, what: str) -> None:
        self.seconds = float(seconds)
        self.what = what
        self.expired = False
        self._getters: list[Callable[[], Any]] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(self.seconds, 0.0), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._timer.cancel()

    def track(self, socket_getter: Callable[[], Any]) -> None:
        """Shut down ``socket_getter()`` (read when the deadline passes) on expiry."""
        with self._lock:
            self._getters.append(socket_getter)
            expired = self.expired
        if expired:
            self._shutdown(socket_getter)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            getters = list(self._getters)
        for getter in getters:
            self._shutdown(getter)

    @staticmethod
    def _shutdown(getter: Callable[[], Any]) -> None:
        sock = getter()
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                # The plain socket's shutdown, also for an SSLSocket: it only stops the fd.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def check(self) -> None:
        """Raise ``TimeoutError`` when the deadline has passed."""
        if self.expired:
            raise TimeoutError(f"{self.what} exceeded its total deadline of {self.seconds:g} s")


def _tracked_connection(base: type[http.client.HTTPConnection], deadline: _Deadline) -> Callable[..., Any]:
    def factory(*args: Any, **kwargs: Any) -> http.client.HTTPConnection:
        connection = base(*args, **kwargs)
        deadline.track(lambda: connection.sock)
        return connection

    return factory


class _TrackedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_tracked_connection(http.client.HTTPConnection, self._deadline), req)


class _TrackedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_tracked_connection(http.client.HTTPSConnection, self._deadline), req,
                            context=getattr(self, "_context", None))


def _slack_escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --------------------------------------------------------------------------------------------
# Module-level API: one default notifier reading os.environ at call time
# --------------------------------------------------------------------------------------------

_default_notifier = Notifier()


def get_default_notifier() -> Notifier:
    """The notifier behind :func:`notify_error` and friends (it reads ``os.environ``)."""
    return _default_notifier


def notify_error(
    title: object,
    message: object,
    details: object = None,
    processor_name: object = None,
) -> NotificationResult:
    """Send an error: log ERROR, Slack, email. Never raises.

    Example::

        result = notify_error("Load failed", "BigQuery rejected 3 rows",
                              details={"table": "nba_analytics.player_game_summary"},
                              processor_name="PlayerGameSummaryProcessor")
        result.delivered  # e.g. ['log', 'slack', 'email']
    """
    return _default_notifier.error(title, message, details, processor_name)


def notify_warning(
    title: object,
    message: object,
    details: object = None,
    processor_name: object = None,
) -> NotificationResult:
    """Send a warning: log WARNING, Slack, email (default minimum). Never raises.

    Example::

        notify_warning("Fallback used", "bdl_boxscores stood in for nbac_gamebook",
                       details={"game_id": "0022300001"})
    """
    return _default_notifier.warning(title, message, details, processor_name)


def notify_info(
    title: object,
    message: object,
    details: object = None,
    processor_name: object = None,
) -> NotificationResult:
    """Send an info: log INFO, Slack; emailed only if ``ALERT_EMAIL_MIN_LEVEL=info``.

    Example::

        notify_info("Audit finished", "0 findings for 2024-01-15")
    """
    return _default_notifier.info(title, message, details, processor_name)
