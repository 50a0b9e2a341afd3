"""Real loopback servers that answer one byte at a time (slow Slack, slow SMTP).

Each connection gets ``reply`` trickled byte by byte, one every ``interval`` seconds, after
the server has read what the client sent first (an HTTP request; nothing for SMTP, whose
server speaks first). ``finished`` counts connections that received the whole reply;
``cut_off`` counts those the client closed before the end::

    with TrickleServer(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok", read_request=True) as server:
        ...  # POST to server.url
        server.finished, server.cut_off
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, Self

__all__ = ["LoopbackServer", "TrickleServer", "HTTP_OK", "SMTP_GREETING"]

HTTP_OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
SMTP_GREETING = b"220 " + b"slow.example ESMTP " + b"." * 20 + b"\r\n"


class LoopbackServer:
    """A TCP listener on 127.0.0.1 (a free port) that hands each connection it accepts to
    :meth:`_accepted`, from a thread of its own, while the ``with`` block runs."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = int(self._listener.getsockname()[1])
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._accepted(conn)

    def _accepted(self, conn: socket.socket) -> None:
        raise NotImplementedError


class TrickleServer(LoopbackServer):
    """A TCP server on 127.0.0.1 that sends ``reply`` one byte per ``interval`` seconds."""

    def __init__(self, reply: bytes, *, interval: float = 0.2, read_request: bool = False) -> None:
        self.reply = reply
        self.interval = interval
        self.read_request = read_request
        self.finished = 0
        self.cut_off = 0
        self.bytes_sent = 0
        self._lock = threading.Lock()
        super().__init__()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack"

    def _accepted(self, conn: socket.socket) -> None:
        threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _read_http_request(self, conn: socket.socket) -> None:
        data = b""
        conn.settimeout(5)
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        while len(body) < length:
            chunk = conn.recv(4096)
            if not chunk:
                return
            body += chunk

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                if self.read_request:
                    self._read_http_request(conn)
                for byte in self.reply:
                    if self._stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    with self._lock:
                        self.bytes_sent += 1
                    time.sleep(self.interval)
                    if self._peer_closed(conn):
                        raise ConnectionResetError("client went away")
            except OSError:
                with self._lock:
                    self.cut_off += 1
                return
            with self._lock:
                self.finished += 1

    @staticmethod
    def _peer_closed(conn: socket.socket) -> bool:
        conn.setblocking(False)
        try:
            return conn.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True
        finally:
            conn.setblocking(True)
