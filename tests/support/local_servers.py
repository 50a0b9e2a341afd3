"""Real servers on 127.0.0.1 (ephemeral ports) that record what clients send them.

Two recorders, each usable three ways (function pair, context manager, object)::

    from tests.support.local_servers import webhook_recorder, smtp_recorder

    with webhook_recorder() as hook:
        urllib.request.urlopen(hook.url_for("/slack"), data=b"{}")
        hook.requests_for("/slack")[0].json()     # {}
        hook.respond_with("/slack", 500)           # next POSTs get HTTP 500

    with smtp_recorder() as smtp:
        smtplib.SMTP(smtp.host, smtp.port).sendmail("a@x", ["b@x"], "Subject: hi\\r\\n\\r\\nbody")
        smtp.messages[0].message["Subject"]        # 'hi'

    server, url = start_webhook_recorder()         # url is the base, 'http://127.0.0.1:PORT'
    stop_webhook_recorder(server)
    recorder, host, port, messages = start_smtp_recorder()
    stop_smtp_recorder(recorder)

``unreachable_port()`` gives a port nothing listens on (connections are refused at once).

Requests and messages are recorded before the reply is sent, so once the client call
returns, the record is there. Both recorders are thread-safe and quiet (no stderr logging).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = [
    "LOCALHOST",
    "RecordedRequest",
    "WebhookRecorder",
    "start_webhook_recorder",
    "stop_webhook_recorder",
    "webhook_recorder",
    "RecordedEmail",
    "SmtpRecorder",
    "start_smtp_recorder",
    "stop_smtp_recorder",
    "smtp_recorder",
    "unreachable_port",
]

LOCALHOST = "127.0.0.1"


def unreachable_port(host: str = LOCALHOST) -> int:
    """A TCP port on ``host`` that was just free and has no listener (bind, then close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


# --------------------------------------------------------------------------------------------
# HTTP webhook recorder
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as the webhook recorder received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body decoded as JSON (raises if it is not JSON, which a test should see)."""
        return json.loads(self.body.decode("utf-8"))


class _RecordingHandler(BaseHTTPRequestHandler):
    server: WebhookRecorder
    disable_nagle_algorithm = True   # TCP_NODELAY: headers and body are two writes

    def _record_and_reply(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.record(
            RecordedRequest(
                method=self.command,
                path=self.path,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
            )
        )
        status, reply = self.server.response_for(self.path)
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_POST = _record_and_reply
    do_PUT = _record_and_reply
    do_GET = _record_and_reply

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        """Stay quiet: test output should not be cluttered with access logs."""


class WebhookRecorder(ThreadingHTTPServer):
    """An HTTP server that records every request and answers 200 ``ok`` (or as configured).

    Call :meth:`start` (or use :func:`webhook_recorder`); ``requests`` lists what arrived.
    """

    daemon_threads = True
    #: Reply for paths without a :meth:`respond_with` override.
    DEFAULT_RESPONSE: tuple[int, bytes] = (200, b"ok")

    def __init__(self, host: str = LOCALHOST) -> None:
        super().__init__((host, 0), _RecordingHandler)
        self.requests: list[RecordedRequest] = []
        self._responses: dict[str, tuple[int, bytes]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self.server_address[0])

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    def url_for(self, path: str = "/webhook") -> str:
        """The full URL of ``path`` on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def respond_with(self, path: str, status: int, body: bytes = b"") -> None:
        """Answer requests to ``path`` with ``status`` and ``body`` from now on."""
        with self._lock:
            self._responses[path] = (status, body)

    def response_for(self, path: str) -> tuple[int, bytes]:
        with self._lock:
            return self._responses.get(path, self.DEFAULT_RESPONSE)

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def requests_for(self, path: str) -> list[RecordedRequest]:
        """The requests received on ``path``, oldest first."""
        with self._lock:
            return [request for request in self.requests if request.path == path]

    def start(self) -> None:
        """Serve in a daemon thread until :meth:`stop`."""
        if self._thread is not None:
            raise RuntimeError("WebhookRecorder already started")
        self._thread = threading.Thread(
            target=self.serve_forever,
            # how often serve_forever looks for shutdown(): stop() waits up to this long, and
            # nearly every notification test stops one (0.05 s was about 1.5 s per suite run)
            kwargs={"poll_interval": 0.005},
            name=f"webhook-recorder-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()


def start_webhook_recorder(host: str = LOCALHOST) -> tuple[WebhookRecorder, str]:
    """Start a :class:`WebhookRecorder`; return it and its base URL."""
    server = WebhookRecorder(host)
    server.start()
    return server, server.base_url


def stop_webhook_recorder(server: WebhookRecorder) -> None:
    """Stop a server from :func:`start_webhook_recorder`."""
    server.stop()


@contextmanager
def webhook_recorder(host: str = LOCALHOST) -> Iterator[WebhookRecorder]:
    """A started :class:`WebhookRecorder`, stopped on exit."""
    server, _ = start_webhook_recorder(host)
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------------------------
# SMTP recorder (aiosmtpd)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedEmail:
    """One message as the SMTP recorder received it: envelope plus raw data."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    #: The login used with AUTH on this connection, if any.
    login: str | None = None
    message: EmailMessage = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parsed = BytesParser(policy=policy.default).parsebytes(self.data)
        assert isinstance(parsed, EmailMessage)
        object.__setattr__(self, "message", parsed)

    @property
    def body(self) -> str:
        """The plain-text body, decoded."""
        part = self.message.get_body(preferencelist=("plain",))
        return "" if part is None else str(part.get_content())


class _RecordingSmtpHandler:
    def __init__(
        self, messages: list[RecordedEmail], lock: threading.Lock, *, require_login: bool
    ) -> None:
        self._messages = messages
        self._lock = lock
        self._require_login = require_login

    async def handle_MAIL(  # noqa: N802 - aiosmtpd hook name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        # Enforced here rather than with aiosmtpd's auth_required, which warns without TLS.
        if self._require_login and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        auth_data = session.auth_data
        raw = envelope.original_content or envelope.content or b""
        email = RecordedEmail(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=raw.encode("utf-8") if isinstance(raw, str) else bytes(raw),
            login=(
                auth_data.login.decode("utf-8", "replace")
                if isinstance(auth_data, LoginPassword)
                else None
            ),
        )
        with self._lock:
            self._messages.append(email)
        return "250 Message accepted for delivery"


class _EphemeralPortController(Controller):
    """A Controller that binds port 0 itself, so there is no pick-a-free-port race."""

    def _create_server(self) -> Any:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((self.hostname, 0))
        self.port = int(listener.getsockname()[1])
        return self.loop.create_server(self._factory_invoker, sock=listener)


class SmtpRecorder:
    """An SMTP server on 127.0.0.1 that records every message in ``messages``.

    With ``credentials=(user, password)`` it requires AUTH (PLAIN/LOGIN, allowed without TLS
    since it is local) and rejects mail from clients that did not log in.
    """

    def __init__(
        self, host: str = LOCALHOST, *, credentials: tuple[str, str] | None = None
    ) -> None:
        self.host = host
        self.messages: list[RecordedEmail] = []
        self._lock = threading.Lock()
        self._credentials = credentials
        smtp_options: dict[str, Any] = {}
        if credentials is not None:
            smtp_options.update(authenticator=self._authenticate, auth_require_tls=False)
        self.controller = _EphemeralPortController(
            _RecordingSmtpHandler(self.messages, self._lock, require_login=credentials is not None),
            hostname=host,
            port=0,
            **smtp_options,
        )

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert self._credentials is not None
        expected_user, expected_password = self._credentials
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == expected_user.encode()
            and auth_data.password == expected_password.encode()
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def snapshot(self) -> list[RecordedEmail]:
        """A copy of the messages received so far."""
        with self._lock:
            return list(self.messages)


def start_smtp_recorder(
    host: str = LOCALHOST, *, credentials: tuple[str, str] | None = None
) -> tuple[SmtpRecorder, str, int, list[RecordedEmail]]:
    """Start an :class:`SmtpRecorder`; return it, its host, its port and its message list."""
    recorder = SmtpRecorder(host, credentials=credentials)
    recorder.start()
    return recorder, recorder.host, recorder.port, recorder.messages


def stop_smtp_recorder(recorder: SmtpRecorder) -> None:
    """Stop a recorder from :func:`start_smtp_recorder`."""
    recorder.stop()


@contextmanager
def smtp_recorder(
    host: str = LOCALHOST, *, credentials: tuple[str, str] | None = None
) -> Iterator[SmtpRecorder]:
    """A started :class:`SmtpRecorder`, stopped on exit."""
    recorder, *_ = start_smtp_recorder(host, credentials=credentials)
    try:
        yield recorder
    finally:
        recorder.stop()
