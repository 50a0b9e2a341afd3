"""A reader that closes the pipe early (``coverage-demo | head -1``) ends the output, not the run.

The demo prints progress while it works. A closed pipe used to raise ``BrokenPipeError`` in
the middle of the run: exit 3 and a half-written folder that the next run refused as "a
previous demo run". Now the progress goes quiet and the run finishes: its folder is complete
and the exit status is the demo's own.
"""

from __future__ import annotations

import json
import subprocess

from tests.support.cli_runner import clean_env, command_argv


def test_a_closed_pipe_ends_the_output_and_the_demo_still_finishes(tmp_path):
    process = subprocess.Popen([*command_argv("coverage-demo"), "--days", "1", "--out", str(tmp_path / "o")],
                               cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # what `| head -1` does after its line
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 0, stderr
    assert first.startswith(b"warehouse duckdb:///") and stderr == ""
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["faults"]) == 8 and summary["faults_missed"] == []
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "coverage_report.html", "demo.duckdb", "fault_manifest.json", "notifications.log", "summary.json"]
