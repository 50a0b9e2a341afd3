"""BigQuery in production (issue 13): credentials and deadlines, with the real client.

The commands run as subprocesses with the real ``google.cloud.bigquery.Client`` built by
``make_client``; the "network" is 127.0.0.1: the stand-in (answers), a listening socket that
never answers, and a closed port. Timing is not asserted; ``timeout=`` only turns a hang into
a failure.

Every command of the module starts at its first test, all at once (the ``commands``
fixture): most of them wait out a deadline or spend a second starting an interpreter, which
one after the other was most of a minute. Each test then waits for its own commands and
asserts on their finished processes exactly as on a process it had run itself.
"""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.bq_standin import BigQueryStandIn
from tests.support.cli_runner import assert_one_line_error, clean_env, run_cli

pytestmark = pytest.mark.wire

DEADLINE = "1.5"   # seconds; the documented default is 60

Done = subprocess.CompletedProcess[str]
Step = tuple[Path, tuple[str, ...], dict[str, str]]   # (working directory, command and arguments, environment)


@pytest.fixture(scope="module")
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture(scope="module")
def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()          # nothing listens here now: connection refused
    return port


@pytest.fixture(scope="module")
def standin() -> Iterator[BigQueryStandIn]:
    with BigQueryStandIn() as server:
        yield server


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HOME of the commands without credentials: no key file, no gcloud config."""
    return tmp_path_factory.mktemp("no_credentials")


def _no_credentials_env(home: Path, dead_port: int, **extra: str) -> dict[str, str]:
    # no key file, no gcloud config, and the metadata server is a closed local port
    return clean_env(HOME=str(home), CLOUDSDK_CONFIG=str(home / "gcloud"),
                     GCE_METADATA_HOST=f"127.0.0.1:{dead_port}", GCE_METADATA_IP=f"127.0.0.1:{dead_port}",
                     NO_GCE_CHECK="true", COVERAGE_BIGQUERY_TIMEOUT=DEADLINE, **extra)


def _service_account_key(folder: Path, silent_port: int) -> Path:
    """A service-account key whose token endpoint (and the API) never answer."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    key_file = folder / "sa.json"
    key_file.write_text(json.dumps({
        "type": "service_account", "project_id": "test-project", "private_key_id": "k1",
        "private_key": pem, "client_email": "coverage@test-project.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": f"http://127.0.0.1:{silent_port}/token"}))
    return key_file


@pytest.fixture(scope="module")
def commands(tmp_path_factory: pytest.TempPathFactory, home: Path, silent_port: int, closed_port: int,
             standin: BigQueryStandIn) -> Iterator[dict[str, Future[list[Done]]]]:
    """Every command of this module, started together; ``commands[key].result()`` waits for one entry.

    An entry runs its commands one after the other (the answering server's audit needs its
    setup first), each a real subprocess in a folder of its own, and gives their finished
    processes in order. The entries run side by side, one thread each.
    """
    def run(*steps: Step) -> Callable[[], list[Done]]:
        return lambda: [run_cli(*argv, cwd=cwd, env=env, timeout=120) for cwd, argv, env in steps]

    key_home = tmp_path_factory.mktemp("real_credentials")
    key_file = _service_account_key(key_home, silent_port)
    answering = f"bigquery://test-project?endpoint={standin.url}&anonymous=true"
    with_deadline = clean_env(COVERAGE_BIGQUERY_TIMEOUT=DEADLINE)
    plan: dict[str, Callable[[], list[Done]]] = {
        # first the ones that wait out a deadline, so their waits overlap the others' start-up
        **{name: run((tmp_path_factory.mktemp(name),
                      ("coverage-audit", "--date", "2025-01-15", "--warehouse",
                       f"bigquery://test-project?endpoint=http://127.0.0.1:{port}&anonymous=true"),
                      with_deadline))
           for name, port in (("closed_port", closed_port), ("silent_port", silent_port))},
        "real_credentials": run(
            (key_home, ("coverage-stale", "--warehouse", f"bigquery://test-project?endpoint=http://127.0.0.1:{silent_port}"),
             clean_env(GOOGLE_APPLICATION_CREDENTIALS=str(key_file), HOME=str(key_home),
                       COVERAGE_BIGQUERY_TIMEOUT=DEADLINE))),
        "no_credentials": run(
            (home, ("coverage-audit", "--warehouse", "bigquery://my-project"), _no_credentials_env(home, closed_port)),
            (home, ("coverage-health", "--warehouse", "bigquery://my-project"),
             _no_credentials_env(home, closed_port, GOOGLE_APPLICATION_CREDENTIALS=str(home / "no-such-key.json")))),
        "answering": run(
            (tmp_path_factory.mktemp("answering"), ("coverage-setup", "--warehouse", answering, "--json"), with_deadline),
            (tmp_path_factory.mktemp("answering"),
             ("coverage-audit", "--date", "2025-01-15", "--dry-run", "--warehouse", answering), with_deadline)),
        **{f"bad_deadline[{value}]": run((tmp_path_factory.mktemp("bad_deadline"),
                                          ("coverage-health", "--warehouse", "bigquery://my-project"),
                                          clean_env(COVERAGE_BIGQUERY_TIMEOUT=value)))
           for value in ("0", "soon")},
    }
    with ThreadPoolExecutor(max_workers=len(plan)) as pool:
        yield {key: pool.submit(steps) for key, steps in plan.items()}


def test_without_credentials_one_line_names_the_fix_exit_3(commands, home):
    done, with_missing_key = commands["no_credentials"].result()
    assert done.returncode == 3
    line = assert_one_line_error(done, "coverage-audit")
    assert "gcloud auth application-default login" in line and "GOOGLE_APPLICATION_CREDENTIALS" in line
    assert with_missing_key.returncode == 3
    assert str(home / "no-such-key.json") in assert_one_line_error(with_missing_key, "coverage-health")


@pytest.mark.parametrize("server", ["closed_port", "silent_port"])
def test_unreachable_bigquery_ends_at_the_deadline_exit_3(commands, server):
    [done] = commands[server].result()
    assert done.returncode == 3, done.stderr
    line = assert_one_line_error(done, "coverage-audit")
    assert "did not answer for 1.5 s" in line and "COVERAGE_BIGQUERY_TIMEOUT" in line


def test_with_real_credentials_and_no_network_the_deadline_holds(commands):
    [done] = commands["real_credentials"].result()
    assert done.returncode == 3, done.stderr
    assert "did not answer" in assert_one_line_error(done, "coverage-stale")


def test_the_deadline_transport_works_against_an_answering_server(commands, standin):
    setup, audit = commands["answering"].result()
    assert setup.returncode == 0, setup.stderr
    assert "nba_reference.source_coverage_log" in json.loads(setup.stdout)["tables_created"]
    assert audit.returncode == 0, audit.stderr
    assert standin.find("POST", "/jobs")          # the audit's queries went over the wire


@pytest.mark.parametrize("value", ["0", "soon"])
def test_a_bad_deadline_setting_is_a_usage_error(commands, value):
    [done] = commands[f"bad_deadline[{value}]"].result()
    assert done.returncode == 2
    assert "COVERAGE_BIGQUERY_TIMEOUT" in assert_one_line_error(done, "coverage-health")
