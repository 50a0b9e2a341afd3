"""A metadata server that never answers does not hold up "no credentials" (issue 16).

Off Google Cloud, credential discovery asks the Compute Engine metadata server whether it runs
on GCE; where nothing answers at that address (a firewall that drops the packets), google-auth
alone tries three times, 3 s each, with back-off: about 12 s before the command can say "no
credentials". ``make_client`` gives the probe a deadline (``METADATA_PROBE_SECONDS``, capped by
``COVERAGE_BIGQUERY_TIMEOUT``); the first unanswered probe makes the server count as absent.

Asserted by counts (connections the silent server received, requests the probe let through)
and the timeouts handed down, not by time; ``timeout=`` only turns a hang into a failure.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.auth import exceptions as auth_exceptions
from google.auth.compute_engine import _metadata

from shared_services.bigquery.factory import METADATA_PROBE_SECONDS, MetadataProbe
from tests.support.cli_runner import assert_one_line_error, clean_env, run_cli
from tests.support.slow_servers import LoopbackServer

FLAVOR = {"Metadata-Flavor": "Google"}


class SilentServer(LoopbackServer):
    """Accepts connections on 127.0.0.1, counts them, never answers."""

    def __init__(self) -> None:
        self.connections = 0
        self._held: list[socket.socket] = []
        super().__init__()

    def _accepted(self, conn: socket.socket) -> None:
        self.connections += 1
        self._held.append(conn)

    def __exit__(self, *exc_info: Any) -> None:
        super().__exit__(*exc_info)
        for conn in self._held:
            conn.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    with SilentServer() as server:
        yield server


class SilentTransport:
    """An inner ``request`` whose metadata server never answers (or always ``answer``s)."""

    def __init__(self, answer: Any = None) -> None:
        self.answer = answer
        self.calls: list[tuple[str, Any]] = []

    def __call__(self, url: str, method: str = "GET", body: Any = None, headers: Any = None,
                 timeout: Any = None, **kwargs: Any) -> Any:
        self.calls.append((url, timeout))
        if self.answer is not None:
            return self.answer
        raise auth_exceptions.TransportError(f"timed out after {timeout} s")


class Answer:
    status = 200
    headers = {"metadata-flavor": "Google"}
    data = b"ok"


def test_the_first_unanswered_probe_makes_the_server_absent():
    inner = SilentTransport()
    probe = MetadataProbe(1.5, inner=inner)
    first = probe("http://169.254.169.254/", headers=FLAVOR, timeout=3)
    assert inner.calls == [("http://169.254.169.254/", 1.5)]        # capped by the budget
    assert first.status == 503 and "metadata-flavor" not in first.headers
    again = probe("http://169.254.169.254/computeMetadata/v1/project/project-id", headers=FLAVOR, timeout=None)
    assert again.status == 503 and len(inner.calls) == 1             # not asked again


def test_google_auth_reads_the_absent_server_as_not_on_gce_after_one_request():
    inner = SilentTransport()
    # google-auth's own ping, with its own 3 attempts: one request reaches the network
    assert _metadata.ping(MetadataProbe(2.0, inner=inner), timeout=3, retry_count=3) is False
    assert [timeout for _, timeout in inner.calls] == [2.0]


def test_an_answering_server_and_other_requests_are_left_alone():
    inner = SilentTransport(answer=Answer())
    probe = MetadataProbe(1.0, inner=inner)
    probe("https://sts.googleapis.com/v1/token", method="POST", headers={}, timeout=30)   # not the server
    assert _metadata.ping(probe, timeout=3, retry_count=3) is True
    probe("http://metadata/computeMetadata/v1/project/project-id", headers=FLAVOR, timeout=3)
    assert [timeout for _, timeout in inner.calls] == [30, 1.0, 3]   # capped until it answered
    assert METADATA_PROBE_SECONDS <= 3.0       # never longer than one google-auth attempt


def test_a_command_without_credentials_asks_a_silent_metadata_server_once(silent, tmp_path: Path):
    home = tmp_path / "home"
    home.mkdir()
    # no key file, no gcloud config; the metadata server accepts the connection and never answers
    env = clean_env(HOME=str(home), CLOUDSDK_CONFIG=str(home / "gcloud"),
                    GCE_METADATA_HOST=f"127.0.0.1:{silent.port}", GCE_METADATA_IP=f"127.0.0.1:{silent.port}",
                    COVERAGE_BIGQUERY_TIMEOUT="1.5")
    env.pop("NO_GCE_CHECK", None)
    done = run_cli("coverage-audit", "--warehouse", "bigquery://my-project", cwd=tmp_path, env=env, timeout=60)
    assert done.returncode == 3, done.stderr
    line = assert_one_line_error(done, "coverage-audit")
    assert "gcloud auth application-default login" in line and "GOOGLE_APPLICATION_CREDENTIALS" in line
    assert silent.connections == 1       # google-auth alone: 3 attempts of 3 s each
