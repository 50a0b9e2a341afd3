"""``nba-coverage <command>``: the single entry point beside the ``coverage-*`` names.

``nba-coverage audit --date 2025-01-15`` is exactly ``coverage-audit --date 2025-01-15``; the
``coverage-`` prefix is optional (``nba-coverage coverage-audit`` works too).
``nba-coverage --help`` lists every command; ``nba-coverage <command> --help`` shows its options.

Example::

    nba-coverage --help
    nba-coverage health --date 2025-01-15 --warehouse duckdb:///demo_out/demo.duckdb --json
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Sequence

from shared_services.cli import Command, UsageError, package_version, run_command
from shared_services.cli.errors import EXIT_OK, EXIT_USAGE

__all__ = ["COMMANDS", "main", "load_command"]

#: Every command: short name -> module defining ``COMMAND``. Add a line here for a new command
#: (and its ``coverage-<name>`` console script in pyproject.toml). The modules are light (they
#: import no pandas, SDK or DuckDB until the command runs; tests/unit/cli/test_cli_startup.py).
COMMANDS: dict[str, str] = {
    "setup": "shared_services.commands.setup",
    "preflight": "shared_services.commands.preflight",
    "demo": "data_processors.commands.demo",
    "player-game-summary": "data_processors.commands.player_game_summary",
    "team-offense": "data_processors.commands.team_offense",
    "rolling-averages": "data_processors.commands.rolling_averages",
    "predictions": "data_processors.commands.predictions",
    "audit": "data_processors.source_coverage_audit.cli",
    "health": "data_processors.commands.health",
    "report": "data_processors.commands.report",
    "stale": "data_processors.commands.stale",
    "replay": "shared_services.commands.replay",
}


def load_command(name: str) -> Command:
    """The :class:`Command` called ``name`` (``audit`` or ``coverage-audit``)."""
    short = name.removeprefix("coverage-")
    if short not in COMMANDS:
        raise UsageError(f"unknown command {name!r}; one of: {', '.join(COMMANDS)} (see nba-coverage --help)")
    command = importlib.import_module(COMMANDS[short]).COMMAND
    if not isinstance(command, Command):  # pragma: no cover - a registry mistake
        raise TypeError(f"{COMMANDS[short]}.COMMAND is not a Command")
    return command


def _overview() -> str:
    lines = ["usage: nba-coverage <command> [options]   (same as coverage-<command> [options])", "",
             "commands:"]
    for short in COMMANDS:
        lines.append(f"  {short:<20} {load_command(short).summary}")
    lines += ["", "common options of every command: --help --version --warehouse URL --json -q -v",
              "(and --fail-on critical|warning|never where a command can find something)", "",
              "example:", "  nba-coverage audit --date 2025-01-15 --warehouse duckdb:///demo_out/demo.duckdb", "",
              "exit status: 0 ok, 1 found something at or above --fail-on, 2 usage error,",
              "3 environment error, 4 unexpected error (a bug; -v shows the traceback)"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``nba-coverage``; returns the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0] in ("-h", "--help", "help"):
        print(_overview())
        return EXIT_OK if arguments else EXIT_USAGE
    if arguments[0] == "--version":
        print(f"nba-coverage (nba-source-coverage) {package_version()}")
        return EXIT_OK
    try:
        command = load_command(arguments[0])
    except UsageError as exc:
        line = f"nba-coverage: error: {exc}"
        print(line, file=sys.stderr)
        if "--json" in arguments[1:]:  # as every command does: the error as JSON on stdout too
            print(json.dumps({"error": line, "exit_code": EXIT_USAGE}))
        return EXIT_USAGE
    return run_command(command, arguments[1:], prog=f"nba-coverage {command.name.removeprefix('coverage-')}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
