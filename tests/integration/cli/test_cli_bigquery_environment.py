"""BigQuery in production (issue 13): credentials and deadlines, with the real client.

The commands run as subprocesses with the real ``google.cloud.bigquery.Client`` built by
``make_client``; the "network" is 127.0.0.1: the stand-in (answers), a listening socket that
never answers, and a closed port. Timing is not asserted; ``timeout=`` only turns a hang into
a failure.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.bq_standin import BigQueryStandIn
from tests.support.cli_runner import assert_one_line_error, clean_env

pytestmark = pytest.mark.wire

DEADLINE = "1.5"   # seconds; the documented default is 60


@pytest.fixture
def cli(cli_process):
    """Real subprocesses here: credentials and deadlines are read from the process environment."""
    return cli_process


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()          # nothing listens here now: connection refused
    return port


def _no_credentials_env(tmp_path: Path, dead_port: int, **extra: str) -> dict[str, str]:
    # no key file, no gcloud config, and the metadata server is a closed local port
    return clean_env(HOME=str(tmp_path), CLOUDSDK_CONFIG=str(tmp_path / "gcloud"),
                     GCE_METADATA_HOST=f"127.0.0.1:{dead_port}", GCE_METADATA_IP=f"127.0.0.1:{dead_port}",
                     NO_GCE_CHECK="true", COVERAGE_BIGQUERY_TIMEOUT=DEADLINE, **extra)


def test_without_credentials_one_line_names_the_fix_exit_3(cli, tmp_path, closed_port):
    done = cli("coverage-audit", "--warehouse", "bigquery://my-project",
               env=_no_credentials_env(tmp_path, closed_port), timeout=120)
    assert done.returncode == 3
    line = assert_one_line_error(done, "coverage-audit")
    assert "gcloud auth application-default login" in line and "GOOGLE_APPLICATION_CREDENTIALS" in line
    missing = tmp_path / "no-such-key.json"
    done = cli("coverage-health", "--warehouse", "bigquery://my-project", timeout=120,
               env=_no_credentials_env(tmp_path, closed_port, GOOGLE_APPLICATION_CREDENTIALS=str(missing)))
    assert done.returncode == 3
    assert str(missing) in assert_one_line_error(done, "coverage-health")


@pytest.mark.parametrize("server", ["closed_port", "silent_port"])
def test_unreachable_bigquery_ends_at_the_deadline_exit_3(cli, server, request):
    port = request.getfixturevalue(server)
    url = f"bigquery://test-project?endpoint=http://127.0.0.1:{port}&anonymous=true"
    done = cli("coverage-audit", "--date", "2025-01-15", "--warehouse", url,
               env=clean_env(COVERAGE_BIGQUERY_TIMEOUT=DEADLINE), timeout=120)
    assert done.returncode == 3, done.stderr
    line = assert_one_line_error(done, "coverage-audit")
    assert "did not answer for 1.5 s" in line and "COVERAGE_BIGQUERY_TIMEOUT" in line


def test_with_real_credentials_and_no_network_the_deadline_holds(cli, tmp_path, silent_port):
    # a service-account key whose token endpoint (and the API) never answer
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    key_file = tmp_path / "sa.json"
    key_file.write_text(json.dumps({
        "type": "service_account", "project_id": "test-project", "private_key_id": "k1",
        "private_key": pem, "client_email": "coverage@test-project.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": f"http://127.0.0.1:{silent_port}/token"}))
    url = f"bigquery://test-project?endpoint=http://127.0.0.1:{silent_port}"
    done = cli("coverage-stale", "--warehouse", url, timeout=120,
               env=clean_env(GOOGLE_APPLICATION_CREDENTIALS=str(key_file), HOME=str(tmp_path),
                             COVERAGE_BIGQUERY_TIMEOUT=DEADLINE))
    assert done.returncode == 3, done.stderr
    assert "did not answer" in assert_one_line_error(done, "coverage-stale")


def test_the_deadline_transport_works_against_an_answering_server(cli):
    with BigQueryStandIn() as standin:
        url = f"bigquery://test-project?endpoint={standin.url}&anonymous=true"
        env = clean_env(COVERAGE_BIGQUERY_TIMEOUT=DEADLINE)
        done = cli("coverage-setup", "--warehouse", url, "--json", env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "nba_reference.source_coverage_log" in json.loads(done.stdout)["tables_created"]
        done = cli("coverage-audit", "--date", "2025-01-15", "--dry-run", "--warehouse", url, env=env)
        assert done.returncode == 0, done.stderr
        assert standin.find("POST", "/jobs")          # the audit's queries went over the wire


@pytest.mark.parametrize("value", ["0", "soon"])
def test_a_bad_deadline_setting_is_a_usage_error(cli, value):
    done = cli("coverage-health", "--warehouse", "bigquery://my-project",
               env=clean_env(COVERAGE_BIGQUERY_TIMEOUT=value))
    assert done.returncode == 2
    assert "COVERAGE_BIGQUERY_TIMEOUT" in assert_one_line_error(done, "coverage-health")
