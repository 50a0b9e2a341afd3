"""A loopback HTTP server that answers the real BigQuery client with LITERAL responses.

Unlike :mod:`tests.support.bq_standin` (which executes SQL on the embedded DuckDB
warehouse, so a test through it cannot tell the embedded implementation from BigQuery), this
server runs nothing: each test scripts the exact JSON bodies BigQuery's REST API documents
(``Job`` resources, ``GetQueryResultsResponse``, error bodies) and the real
``google.cloud.bigquery.Client`` parses them. Every request is recorded.

Example::

    with CannedBigQuery() as server:
        server.on("POST", "/jobs", lambda req: (200, job_resource(...)))
        client = server.make_client()
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from google.cloud import bigquery

__all__ = ["CannedBigQuery", "CannedRequest", "error_body"]


@dataclass
class CannedRequest:
    """One request as received: method, path, query string, raw body, parsed JSON if any."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    json: Any = None
    upload_metadata: dict[str, Any] | None = None
    upload_rows: list[dict[str, Any]] = field(default_factory=list)


Handler = Callable[[CannedRequest], tuple[int, Any]]


def error_body(code: int, status: str, reason: str, message: str, domain: str = "global") -> dict[str, Any]:
    """An error response in the documented shape (``error.errors[].reason``)."""
    return {"error": {"code": code, "message": message, "status": status,
                      "errors": [{"message": message, "domain": domain, "reason": reason}]}}


class CannedBigQuery:
    """Routes (method, path regex) to handlers; unmatched requests get a 404 error body."""

    def __init__(self, project: str = "canned-project") -> None:
        self.project = project
        self.requests: list[CannedRequest] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def on(self, method: str, path_regex: str, handler: Handler) -> None:
        """Answer ``method`` requests whose path matches ``path_regex`` (searched) with ``handler``."""
        self._routes.append((method, re.compile(path_regex), handler))

    def find(self, method: str, path_regex: str) -> list[CannedRequest]:
        return [r for r in self.requests if r.method == method and re.search(path_regex, r.path)]

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def make_client(self) -> bigquery.Client:
        from google.auth.credentials import AnonymousCredentials

        return bigquery.Client(project=self.project, credentials=AnonymousCredentials(),
                               client_options={"api_endpoint": self.url})

    def start(self) -> CannedBigQuery:
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True   # TCP_NODELAY: headers and body are two writes

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                outer._dispatch(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        # poll_interval: how often serve_forever looks for shutdown(); the default 0.5 s made
        # every test's teardown wait about half a second
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> CannedBigQuery:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = CannedRequest(handler.command, parts.path, parse_qs(parts.query), body)
        content_type = handler.headers.get("Content-Type", "")
        if body and content_type.startswith("application/json"):
            request.json = json.loads(body)
        elif body and content_type.startswith("multipart/related"):
            import email
            import email.policy

            message = email.message_from_bytes(
                b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body, policy=email.policy.HTTP)
            metadata, data = (p.get_payload(decode=True) for p in message.iter_parts())
            request.upload_metadata = json.loads(metadata)
            request.upload_rows = [json.loads(line) for line in data.decode().splitlines() if line.strip()]
        with self._lock:
            self.requests.append(request)
        for method, pattern, route in self._routes:
            if method == request.method and pattern.search(request.path):
                status, payload = route(request)
                break
        else:
            status, payload = 404, error_body(404, "NOT_FOUND", "notFound",
                                              f"canned server: no route for {request.method} {request.path}")
        encoded = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=UTF-8")
        handler.send_header("Content-Length", str(len(encoded)))
        handler.end_headers()
        handler.wfile.write(encoded)
